"""Reading a case: everything the officer's queue keys open, in one view model.

Opening a case decrypts its messages and the names of its files with the
officer's keys for the case's queues (never any other key), clears ``unread``
and writes a ``case.viewed`` audit event. Linked cases are shown only when
the officer can open them too, with one exception: a retaliation case shows
the status of the disclosure it retaliates for, because its check-ins follow
that case's closure. The reverse is never shown to an officer who cannot
open the retaliation case: telling the original's handlers that the reporter
complained of retaliation could be the leak that harms them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.desk.access import (
    Handler,
    assignable_officers,
    designated_queues,
    open_case,
    visible_ids,
)
from hotline.desk.queue_removals import RemovalEntry, removals_seen_by
from hotline.desk.retaliation import checkins_for
from hotline.desk.rewards import REWARD_TRANSITIONS, reward_for
from hotline.desk.service import TRANSITIONS
from hotline.models import Disclosure, DisclosureLink, Officer, Queue
from hotline.procedure import (
    LANGUAGE_NAMES,
    AuthorKind,
    Category,
    Channel,
    LinkKind,
    Outcome,
    RewardState,
    Status,
)
from hotline.sealing import authorship, case_heads, decisions, trust
from hotline.sealing.items import read_attachment, read_message


@dataclass(frozen=True)
class QueueEntry:
    slug: str
    name: str


@dataclass(frozen=True)
class MessageEntry:
    id: str
    seq: int
    author_kind: AuthorKind
    created_on: dt.date
    author: str | None
    #: None when none of the officer's keys opens it, or it is not verified.
    text: str | None
    reporter_read: bool
    #: False when its signature or the server's tag fails (``authorship``):
    #: never shown as anyone's words; the administrators are alarmed.
    verified: bool = True


@dataclass(frozen=True)
class FileEntry:
    id: str
    name: str | None
    media_type: str | None
    message_seq: int | None
    #: False for a file whose server tag fails (swapped, moved): not served.
    verified: bool = True


@dataclass(frozen=True)
class LinkedCase:
    #: None (and no category, status or closure) when the officer cannot open
    #: the other case: they see "linked to an earlier disclosure", nothing more.
    reference: str | None
    kind: LinkKind
    #: True when this case points at the other (retaliation case → original).
    outgoing: bool
    category: Category | None
    status: Status | None
    outcome: Outcome | None
    closed_on: dt.date | None
    openable: bool


@dataclass(frozen=True)
class CheckinEntry:
    #: None when the officer cannot open the original case.
    original_reference: str | None
    #: Counted from this retaliation report's receipt, not an original's closing.
    from_receipt: bool
    days: int
    due_on: dt.date
    done: bool
    reminder_sent: bool
    overdue: bool


@dataclass(frozen=True)
class RewardView:
    state: RewardState
    collected_minor: int | None
    #: The reward the reporter sees: set only once approved.
    reward_minor: int | None
    #: 10% of what was collected so far, before approval.
    prospective_minor: int | None
    assessed_on: dt.date | None
    approved_on: dt.date | None
    paid_on: dt.date | None
    next_states: tuple[RewardState, ...]
    #: False when the reward's signature fails: shown as unverified, never acted on.
    verified: bool = True


@dataclass(frozen=True)
class CaseFile:
    reference: str
    category: Category
    channel: Channel
    #: The language the reporter filed in, by its own name; None if not recorded.
    language_name: str | None
    status: Status
    outcome: Outcome | None
    received_on: dt.date
    acknowledgement_due: dt.date
    acknowledged_on: dt.date | None
    feedback_due: dt.date | None
    #: The first verified reply on or after the acknowledgement: feedback given.
    feedback_given_on: dt.date | None
    first_reply_on: dt.date | None
    closed_on: dt.date | None
    acknowledgement_overdue: bool
    feedback_overdue: bool
    queues: tuple[QueueEntry, ...]
    my_queues: tuple[str, ...]
    exclusions: tuple[QueueEntry, ...]
    assigned_id: int | None
    assigned: str | None
    assignable: tuple[tuple[int, str], ...]
    messages: tuple[MessageEntry, ...]
    files: tuple[FileEntry, ...]
    links: tuple[LinkedCase, ...]
    checkins: tuple[CheckinEntry, ...]
    next_statuses: tuple[Status, ...]
    reroute_targets: tuple[QueueEntry, ...]
    reward: RewardView
    waiting_removals: tuple[RemovalEntry, ...] = ()
    #: False when the status's signature fails: shown as unverified, never acted on.
    status_verified: bool = True
    #: What the case's head says is missing or changed (``case_heads``), or None.
    head_problem: str | None = None

    @property
    def is_retaliation(self) -> bool:
        return self.category == Category.RETALIATION

    @property
    def measures(self) -> tuple[MessageEntry, ...]:
        return tuple(m for m in self.messages if m.author_kind == AuthorKind.MEASURE)

    @property
    def removable_queues(self) -> tuple[QueueEntry, ...]:
        """A case keeps at least one queue, counting the removals that wait."""
        waiting = {r.queue_slug for r in self.waiting_removals}
        if len(self.queues) - len(waiting) <= 1:
            return ()
        return tuple(q for q in self.queues if q.slug not in waiting)


def view_case(
    session: Session, audit_key: bytes, handler: Handler, reference: str, *, today: dt.date
) -> CaseFile:
    """Open and decrypt a case for reading; audited as ``case.viewed``. The caller commits."""
    access = open_case(session, handler, reference)
    disclosure = access.disclosure
    names = {q.slug: q.name for q in session.scalars(select(Queue))}
    custodians = set(session.scalars(select(Queue.slug).where(Queue.is_custodian.is_(True))))
    officer_ids = {m.officer_id for m in disclosure.messages if m.officer_id is not None}
    if disclosure.assigned_officer_id is not None:
        officer_ids.add(disclosure.assigned_officer_id)
    usernames = {
        o.id: o.username
        for o in session.scalars(select(Officer).where(Officer.id.in_(officer_ids)))
    }

    messages = []
    checker = authorship.Checker(session)
    for message in disclosure.messages:
        verified = checker.check(message)
        try:
            text: str | None = read_message(session, message, access.keys) if verified else None
        except CannotOpen:
            text = None
        messages.append(
            MessageEntry(
                id=message.id,
                seq=message.seq,
                author_kind=message.author_kind,
                created_on=message.created_on,
                author=usernames.get(message.officer_id) if message.officer_id else None,
                text=text,
                reporter_read=message.reporter_read,
                verified=verified,
            )
        )
    seq_of = {m.id: m.seq for m in disclosure.messages}
    files = []
    tag_key = trust.instance_secrets(session).key_tag_key
    for attachment in disclosure.attachments:
        name: str | None = None
        media_type: str | None = None
        if not authorship.attachment_holds(tag_key, attachment):
            trust.raise_alarm(session, f"attachments/{attachment.id}", "unverifiable file")
            files.append(FileEntry(attachment.id, None, None, None, verified=False))
            continue
        try:
            opened = read_attachment(session, attachment, access.keys, content=False)
            name, media_type = opened.name, opened.media_type
        except CannotOpen:
            pass  # listed without a name: the officer sees that something is there
        files.append(
            FileEntry(
                attachment.id,
                name,
                media_type,
                seq_of.get(attachment.message_id) if attachment.message_id else None,
            )
        )

    excluded = set(disclosure.excluded_slugs)
    links = _links(session, handler, disclosure)
    status_verified = decisions.check_status(session, disclosure)
    reward_verified = decisions.check_reward(session, disclosure)
    feedback_given_on = _feedback_given_on(messages, disclosure.acknowledged_on)
    case_file = CaseFile(
        reference=disclosure.reference,
        category=disclosure.category,
        channel=disclosure.channel,
        language_name=LANGUAGE_NAMES.get(disclosure.language or ""),
        status=disclosure.status,
        outcome=disclosure.outcome,
        received_on=disclosure.received_on,
        acknowledgement_due=disclosure.acknowledgement_due,
        acknowledged_on=disclosure.acknowledged_on,
        feedback_due=disclosure.feedback_due,
        feedback_given_on=feedback_given_on,
        first_reply_on=disclosure.first_reply_on,
        closed_on=disclosure.closed_on,
        acknowledgement_overdue=(
            disclosure.acknowledged_on is None and today > disclosure.acknowledgement_due
        ),
        feedback_overdue=(
            disclosure.status != Status.CLOSED
            and feedback_given_on is None
            and disclosure.feedback_due is not None
            and today > disclosure.feedback_due
        ),
        queues=tuple(QueueEntry(s, names.get(s, s)) for s in disclosure.queue_slugs),
        my_queues=access.queues,
        exclusions=tuple(QueueEntry(s, names.get(s, s)) for s in sorted(excluded)),
        assigned_id=disclosure.assigned_officer_id,
        assigned=usernames.get(disclosure.assigned_officer_id)
        if disclosure.assigned_officer_id
        else None,
        assignable=tuple(
            (o.id, o.username) for o in assignable_officers(session, disclosure.queue_slugs)
        ),
        messages=tuple(messages),
        files=tuple(files),
        links=links,
        checkins=_checkins(session, links, disclosure.id, today),
        next_statuses=TRANSITIONS[disclosure.status] if status_verified else (),
        reroute_targets=tuple(
            QueueEntry(slug, name)
            for slug, name in sorted(names.items())
            if slug not in custodians
            and slug not in excluded
            and slug not in disclosure.queue_slugs
        ),
        reward=RewardView(
            state=disclosure.reward_state,
            collected_minor=disclosure.collected_minor,
            reward_minor=disclosure.reward_minor,
            prospective_minor=(
                reward_for(disclosure.collected_minor)
                if disclosure.collected_minor is not None
                else None
            ),
            assessed_on=disclosure.reward_assessed_on,
            approved_on=disclosure.reward_approved_on,
            paid_on=disclosure.reward_paid_on,
            next_states=REWARD_TRANSITIONS[disclosure.reward_state] if reward_verified else (),
            verified=reward_verified,
        ),
        status_verified=status_verified,
        head_problem=case_heads.check(session, disclosure),
        waiting_removals=removals_seen_by(session, disclosure, handler.officer_id, access.queues),
    )
    disclosure.unread = False
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.viewed",
        subject=disclosure.reference,
    )
    session.flush()
    return case_file


def _checkins(
    session: Session, links: tuple[LinkedCase, ...], disclosure_id: str, today: dt.date
) -> tuple[CheckinEntry, ...]:
    """The retaliation case's check-ins, naming an original only if it is openable."""
    openable = {link.reference for link in links if link.openable}
    return tuple(
        CheckinEntry(
            c.original_reference if c.original_reference in openable else None,
            c.original_reference is None,
            c.days,
            c.due_on,
            c.done,
            c.reminder_sent,
            today > c.due_on,
        )
        for c in checkins_for(session, [disclosure_id])
    )


def _links(session: Session, handler: Handler, disclosure: Disclosure) -> tuple[LinkedCase, ...]:
    outgoing = session.execute(
        select(DisclosureLink.kind, Disclosure)
        .join(Disclosure, Disclosure.id == DisclosureLink.to_id)
        .where(DisclosureLink.from_id == disclosure.id)
    ).all()
    incoming = session.execute(
        select(DisclosureLink.kind, Disclosure)
        .join(Disclosure, Disclosure.id == DisclosureLink.from_id)
        .where(DisclosureLink.to_id == disclosure.id)
    ).all()
    pairs = [(kind, other, True) for kind, other in outgoing] + [
        (kind, other, False) for kind, other in incoming
    ]
    openable = visible_ids(
        session, designated_queues(session, handler), {other.id for _, other, _ in pairs}
    )
    links = []
    for kind, other, is_outgoing in pairs:
        can_open = other.id in openable
        # See the module docstring: only the retaliation case → original direction
        # is shown to an officer who cannot open the other case.
        if not can_open and not (is_outgoing and kind == LinkKind.RETALIATION_FOR):
            continue
        if not can_open:
            # Nothing that identifies the other case: its reference, category,
            # status or closure could tell the unit it excluded who reported it.
            links.append(LinkedCase(None, kind, is_outgoing, None, None, None, None, False))
            continue
        links.append(
            LinkedCase(
                reference=other.reference,
                kind=kind,
                outgoing=is_outgoing,
                category=other.category,
                status=other.status,
                outcome=other.outcome if other.status == Status.CLOSED else None,
                closed_on=other.closed_on,
                openable=True,
            )
        )
    links.sort(key=lambda link: (link.kind != LinkKind.RETALIATION_FOR, link.reference or ""))
    return tuple(links)


def _feedback_given_on(
    messages: Sequence[MessageEntry], acknowledged_on: dt.date | None
) -> dt.date | None:
    """The day of the first verified reply to the reporter on or after the
    acknowledgement (``queue.feedback_given``, which cannot check signatures)."""
    if acknowledged_on is None:
        return None
    days = [
        m.created_on
        for m in messages
        if m.author_kind == AuthorKind.OFFICER and m.verified and m.created_on >= acknowledged_on
    ]
    return min(days, default=None)
