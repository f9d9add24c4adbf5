"""The officer's case list: metadata only, never decrypted, so it stays fast
with 100,000 cases. Only cases routed to the officer's queues are listed.

Pages are found by seeking, not counting: each page ends with a cursor (the
sort key and id of its last row) and the next page starts after it, so every
page, the last one included, reads about fifty index entries. Nothing counts
the whole queue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.models import Disclosure, DisclosureQueue, Message, Queue, today
from hotline.procedure import AuthorKind, Category, Channel, Status
from hotline.references import normalise_reference
from hotline.sealing import decisions

PAGE_SIZE = 50


class Sort(StrEnum):
    RECEIVED = "received"  # newest first
    DUE = "due"  # the next deadline first
    ACTIVITY = "activity"  # the latest message first


class Overdue(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    FEEDBACK = "feedback"


class Assignee(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"


def due_on() -> ColumnElement[dt.date]:
    """The case's next deadline: feedback once acknowledged, acknowledgement before.
    Indexed as an expression (ix_disclosures_due_id)."""
    return func.coalesce(Disclosure.feedback_due, Disclosure.acknowledgement_due)


def feedback_given() -> ColumnElement[bool]:
    """An officer replied to the reporter on or after the acknowledgement: the
    feedback the procedure asks for within 3 months is given. A forged reply row
    that would hide an overdue feedback fails its signature in ``hotline verify``;
    the case page counts verified replies only."""
    return exists().where(
        Message.disclosure_id == Disclosure.id,
        Message.author_kind == AuthorKind.OFFICER,
        Message.created_on >= Disclosure.acknowledged_on,
    )


def feedback_owed() -> ColumnElement[bool]:
    """Acknowledged, not closed, and no feedback given yet."""
    return and_(
        Disclosure.status != Status.CLOSED,
        Disclosure.feedback_due.is_not(None),
        ~feedback_given(),
    )


def _sort_key(sort: Sort) -> ColumnElement[dt.date] | InstrumentedAttribute[dt.date]:
    match sort:
        case Sort.RECEIVED:
            return Disclosure.received_on
        case Sort.DUE:
            return due_on()
        case Sort.ACTIVITY:
            return func.coalesce(Disclosure.last_activity_on, Disclosure.received_on)


#: Newest first for dates past, soonest first for deadlines.
DESCENDING = {Sort.RECEIVED: True, Sort.DUE: False, Sort.ACTIVITY: True}


@dataclass(frozen=True)
class CaseFilter:
    status: Status | None = None
    category: Category | None = None
    channel: Channel | None = None
    queue: str | None = None
    overdue: Overdue | None = None
    unread: bool = False
    #: A reference or its beginning, as typed ("hl-7k3m" finds HL-7K3M-Q9PA).
    reference: str = ""
    assignee: Assignee | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    sort: Sort = Sort.RECEIVED


@dataclass(frozen=True)
class Cursor:
    """Where a page ends (or starts): the sort key and the id of that row."""

    key: dt.date
    id: str

    def token(self) -> str:
        return f"{self.key.isoformat()}~{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """``None`` for anything that is not one of our tokens (a forged URL)."""
        if not token or "~" not in token:
            return None
        day, _, row_id = token.partition("~")
        if not (row_id.isalnum() and len(row_id) <= 32 and row_id.isascii()):
            return None
        try:
            return cls(dt.date.fromisoformat(day), row_id)
        except ValueError:
            return None


@dataclass(frozen=True)
class CaseRow:
    id: str
    reference: str
    category: Category
    channel: Channel
    status: Status
    received_on: dt.date
    acknowledgement_due: dt.date
    feedback_due: dt.date | None
    acknowledged: bool
    unread: bool
    assigned_officer_id: int | None
    last_activity_on: dt.date | None
    #: False when the status's signature fails (a database writer "closed" or
    #: "acknowledged" the case): shown as unverified, its deadlines as still owed.
    status_verified: bool = True
    #: An officer replied since the acknowledgement (:func:`feedback_given`).
    feedback_given: bool = False

    @property
    def age_days(self) -> int:
        return (today() - self.received_on).days

    @property
    def acknowledgement_overdue(self) -> bool:
        return not self.acknowledged and today() > self.acknowledgement_due

    @property
    def feedback_overdue(self) -> bool:
        return (
            (self.status != Status.CLOSED or not self.status_verified)
            and not self.feedback_given
            and self.feedback_due is not None
            and today() > self.feedback_due
        )


@dataclass(frozen=True)
class CasePage:
    rows: Sequence[CaseRow]
    #: Cursors for the neighbouring pages; ``None`` at either end.
    newer: Cursor | None
    older: Cursor | None
    #: Whether this is the first page (nothing before it).
    first: bool
    last: bool


def visible_to(queues: Sequence[str]) -> Select[Any]:
    """Cases routed to at least one of these queues: the need-to-know rule."""
    routed = exists().where(
        DisclosureQueue.disclosure_id == Disclosure.id, DisclosureQueue.queue_slug.in_(queues)
    )
    return select(Disclosure).where(routed)


def queue_names(session: Session, slugs: Sequence[str]) -> dict[str, str]:
    """Human names of these queues, for the filter ("Internal Audit", not internal_audit)."""
    if not slugs:
        return {}
    names = dict(
        session.execute(select(Queue.slug, Queue.name).where(Queue.slug.in_(list(slugs)))).all()
    )
    return {slug: names.get(slug, slug) for slug in sorted(slugs, key=lambda s: names.get(s, s))}


def filtered(
    queues: Sequence[str], case_filter: CaseFilter, officer_id: int | None, on: dt.date
) -> Select[Any]:
    query = visible_to(queues)
    f = case_filter
    if f.queue:
        query = query.where(
            exists().where(
                DisclosureQueue.disclosure_id == Disclosure.id,
                DisclosureQueue.queue_slug == f.queue,
            )
        )
    if f.reference:
        # References hold only these characters: nothing else can match, and no
        # LIKE wildcard survives. A prefix is served by ix_disclosures_reference_prefix.
        typed = re.sub(r"[^A-Z0-9-]", "", normalise_reference(f.reference))
        query = query.where(Disclosure.reference.like(typed + "%"))
    if f.status:
        query = query.where(Disclosure.status == f.status)
    if f.category:
        query = query.where(Disclosure.category == f.category)
    if f.channel:
        query = query.where(Disclosure.channel == f.channel)
    if f.unread:
        query = query.where(Disclosure.unread.is_(True))
    if f.assignee == Assignee.MINE:
        # Never "== None", which SQL would read as "unassigned".
        query = query.where(Disclosure.assigned_officer_id == (officer_id or -1))
    elif f.assignee == Assignee.UNASSIGNED:
        query = query.where(Disclosure.assigned_officer_id.is_(None))
    if f.overdue == Overdue.ACKNOWLEDGEMENT:
        query = query.where(
            Disclosure.acknowledged_on.is_(None), Disclosure.acknowledgement_due < on
        )
    elif f.overdue == Overdue.FEEDBACK:
        query = query.where(feedback_owed(), Disclosure.feedback_due < on)
    if f.received_from:
        query = query.where(Disclosure.received_on >= f.received_from)
    if f.received_to:
        query = query.where(Disclosure.received_on <= f.received_to)
    return query


def _row(d: Disclosure, verified: bool, given: bool) -> CaseRow:
    return CaseRow(
        id=d.id,
        reference=d.reference,
        category=d.category,
        channel=d.channel,
        status=d.status,
        received_on=d.received_on,
        acknowledgement_due=d.acknowledgement_due,
        feedback_due=d.feedback_due,
        acknowledged=verified and d.acknowledged_on is not None,
        unread=d.unread,
        assigned_officer_id=d.assigned_officer_id,
        last_activity_on=d.last_activity_on,
        status_verified=verified,
        feedback_given=given,
    )


def _cursor(d: Disclosure, sort: Sort) -> Cursor:
    match sort:
        case Sort.RECEIVED:
            key = d.received_on
        case Sort.DUE:
            key = d.feedback_due or d.acknowledgement_due
        case Sort.ACTIVITY:
            key = d.last_activity_on or d.received_on
    return Cursor(key, d.id)


def list_cases(
    session: Session,
    queues: Sequence[str],
    case_filter: CaseFilter,
    *,
    officer_id: int | None = None,
    after: Cursor | None = None,
    before: Cursor | None = None,
    last: bool = False,
) -> CasePage:
    """One page of the queue: the first, the one ``after`` a cursor, the one
    ``before`` a cursor, or the ``last``. Reads PAGE_SIZE + 1 rows, never more."""
    sort = case_filter.sort
    key = _sort_key(sort)
    # Reading backwards (towards the start) flips the order, then the rows.
    backwards = before is not None or (last and after is None)
    descending = DESCENDING[sort] != backwards
    query = filtered(queues, case_filter, officer_id, today())
    edge = after if after is not None else before
    if edge is not None:
        position = tuple_(key, Disclosure.id)
        bound = tuple_(edge.key, edge.id)
        query = query.where(position < bound if descending else position > bound)
    order = (key.desc(), Disclosure.id.desc()) if descending else (key.asc(), Disclosure.id.asc())
    found = list(session.scalars(query.order_by(*order).limit(PAGE_SIZE + 1)))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    if backwards:
        found.reverse()
    at_start = (not more) if backwards else edge is None
    at_end = (last and after is None) or (not backwards and not more)
    # The rows shown say only what verifies; a forged status raises the alarm.
    unverified = decisions.unverified_statuses(session, found)
    given = (
        set(
            session.scalars(
                select(Disclosure.id).where(
                    Disclosure.id.in_([d.id for d in found]), feedback_given()
                )
            )
        )
        if found
        else set()
    )
    return CasePage(
        rows=[_row(d, d.id not in unverified, d.id in given) for d in found],
        newer=None if at_start or not found else _cursor(found[0], sort),
        older=None if at_end or not found else _cursor(found[-1], sort),
        first=at_start,
        last=at_end,
    )
