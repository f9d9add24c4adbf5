"""The officer's case list: metadata only, never decrypted, so it stays fast
with 100,000 cases. Only cases routed to the officer's queues are listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from hotline.models import Disclosure, DisclosureQueue, today
from hotline.procedure import Category, Channel, Status

PAGE_SIZE = 50


@dataclass(frozen=True)
class CaseFilter:
    status: Status | None = None
    category: Category | None = None
    channel: Channel | None = None
    queue: str | None = None
    overdue: bool = False
    unread: bool = False


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

    @property
    def age_days(self) -> int:
        return (today() - self.received_on).days

    @property
    def acknowledgement_overdue(self) -> bool:
        return not self.acknowledged and today() > self.acknowledgement_due

    @property
    def feedback_overdue(self) -> bool:
        return (
            self.status != Status.CLOSED
            and self.feedback_due is not None
            and today() > self.feedback_due
        )


@dataclass(frozen=True)
class CasePage:
    rows: Sequence[CaseRow]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def visible_to(queues: Sequence[str]) -> Select[Any]:
    """Cases routed to at least one of these queues: the need-to-know rule."""
    routed = exists().where(
        DisclosureQueue.disclosure_id == Disclosure.id, DisclosureQueue.queue_slug.in_(queues)
    )
    return select(Disclosure).where(routed)


def list_cases(
    session: Session, queues: Sequence[str], case_filter: CaseFilter, page: int = 1
) -> CasePage:
    query = visible_to(queues)
    if case_filter.queue:
        query = query.where(
            exists().where(
                DisclosureQueue.disclosure_id == Disclosure.id,
                DisclosureQueue.queue_slug == case_filter.queue,
            )
        )
    if case_filter.status:
        query = query.where(Disclosure.status == case_filter.status)
    if case_filter.category:
        query = query.where(Disclosure.category == case_filter.category)
    if case_filter.channel:
        query = query.where(Disclosure.channel == case_filter.channel)
    if case_filter.unread:
        query = query.where(Disclosure.unread.is_(True))
    if case_filter.overdue:
        query = query.where(
            Disclosure.acknowledged_on.is_(None), Disclosure.acknowledgement_due < today()
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Clamped to the pages there are: ?page=99999999999999999999 overflowed the
    # database's OFFSET (a 500) and a page past the end showed an empty queue.
    page = min(max(1, page), max(1, -(-total // PAGE_SIZE)))
    rows = session.scalars(
        # Both descending, so ix_disclosures_received_id serves it read backwards.
        query.order_by(Disclosure.received_on.desc(), Disclosure.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return CasePage(
        rows=[
            CaseRow(
                id=d.id,
                reference=d.reference,
                category=d.category,
                channel=d.channel,
                status=d.status,
                received_on=d.received_on,
                acknowledgement_due=d.acknowledgement_due,
                feedback_due=d.feedback_due,
                acknowledged=d.acknowledged_on is not None,
                unread=d.unread,
            )
            for d in rows
        ],
        page=page,
        total=total,
    )
