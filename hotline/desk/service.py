"""What officers do with a case: reply, note, protect, move it through its states,
assign it, link it.

Every function takes plain values and a ``Session``, opens the case through
:func:`hotline.desk.access.open_case` (so an officer of another queue gets
:class:`CaseForbidden` and nothing changes), records an audit event in the
same transaction, and leaves the commit to the caller. Audit events name the
case and what changed, never the words of a message or the name of a file:
the audit trail is read by more people than the case is.

The rest of the desk lives next to this module: :mod:`~hotline.desk.casefile`
(reading a case), :mod:`~hotline.desk.downloads`, :mod:`~hotline.desk.rerouting`,
:mod:`~hotline.desk.rewards`, :mod:`~hotline.desk.deadlines` and
:mod:`~hotline.desk.retaliation`; the names other parts of Hotline use are
re-exported here.
"""

from __future__ import annotations

import datetime as dt
from typing import assert_never

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.signing import SigningKey
from hotline.desk.access import CaseForbidden, Handler, assignable_officers, open_case
from hotline.desk.deadlines import (
    acknowledgement_due,
    add_months,
    deadline_overview,
    feedback_due,
)
from hotline.desk.errors import CaseRefused
from hotline.desk.rerouting import reroute
from hotline.desk.retaliation import (
    checkins_for,
    reminder_kind,
    retaliation_reminders_due,
)
from hotline.desk.rewards import parse_amount, reward_for, set_reward
from hotline.models import DisclosureLink, Message
from hotline.models import today as utc_today
from hotline.notifications import reply_notices
from hotline.notifications.outbox import ASSIGNED, enqueue_for_officer
from hotline.procedure import AuthorKind, Category, LinkKind, Outcome, RefusalReason, Status
from hotline.sealing import decisions
from hotline.sealing.store import store_message

__all__ = [
    "CaseForbidden",
    "CaseRefused",
    "TRANSITIONS",
    "acknowledgement_due",
    "add_measure",
    "add_months",
    "add_note",
    "assign",
    "change_status",
    "checkins_for",
    "deadline_overview",
    "feedback_due",
    "link_cases",
    "parse_amount",
    "reminder_kind",
    "reply",
    "reroute",
    "retaliation_reminders_due",
    "reward_for",
    "set_reward",
]

#: The workflow. A case is acknowledged before anything else happens to it, so
#: the 7-day acknowledgement is always met or visibly missed; a case that is out
#: of scope or malicious may close straight after acknowledgement. Closed is final.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.RECEIVED: (Status.ACKNOWLEDGED,),
    Status.ACKNOWLEDGED: (Status.UNDER_INVESTIGATION, Status.CLOSED),
    Status.UNDER_INVESTIGATION: (Status.CLOSED,),
    Status.CLOSED: (),
}


def _text(text: str, max_chars: int) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise CaseRefused(RefusalReason.EMPTY, "the text is empty")
    if len(text) > max_chars:
        raise CaseRefused(
            RefusalReason.TOO_LONG,
            f"the text is longer than {max_chars} characters",
            count=max_chars,
        )
    return text


def reply(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    text: str,
    *,
    max_chars: int,
    today: dt.date | None = None,
) -> Message:
    """A reply the reporter reads at check-in: sealed to the case's queues and
    to the reporter's codename key (``AuthorKind.OFFICER``)."""
    message = _write(
        session,
        audit_key,
        handler,
        reference,
        text,
        kind=AuthorKind.OFFICER,
        action="case.replied",
        max_chars=max_chars,
    )
    if message.disclosure.first_reply_on is None:
        message.disclosure.first_reply_on = today or utc_today()
    # A reporter who agreed is told "there is news", by the next batch.
    reply_notices.reply_written(session, message.disclosure_id)
    session.flush()
    return message


def _signer(handler: Handler) -> SigningKey:
    """The officer's signing key; a desk session opened before signing keys
    has none, and writes nothing until the officer signs in again."""
    if handler.signing_key is None:
        raise CaseRefused(RefusalReason.SIGN_IN_AGAIN, "sign in again to sign what you write")
    return handler.signing_key


def _write(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    text: str,
    *,
    kind: AuthorKind,
    action: str,
    max_chars: int,
) -> Message:
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    # store_message decides the recipients by kind: a reply also to the
    # reporter's codename key, a note or a measure to the queues only.
    message = store_message(
        session,
        disclosure,
        author_kind=kind,
        text=_text(text, max_chars),
        officer_id=handler.officer_id,
        signer=_signer(handler),
    )
    record(
        session,
        audit_key,
        actor=handler.actor,
        action=action,
        subject=disclosure.reference,
        detail=f"message={message.id}",
    )
    session.flush()
    return message


def add_note(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    text: str,
    *,
    max_chars: int,
) -> Message:
    """An internal note for the officers of the case's queues; never the reporter."""
    return _write(
        session,
        audit_key,
        handler,
        reference,
        text,
        kind=AuthorKind.NOTE,
        action="case.note",
        max_chars=max_chars,
    )


def add_measure(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    text: str,
    *,
    max_chars: int,
) -> Message:
    """A protective measure taken for the reporter (or a check-in done), for the log.

    Sealed like a note: a measure may name the reporter's post or colleagues.
    """
    return _write(
        session,
        audit_key,
        handler,
        reference,
        text,
        kind=AuthorKind.MEASURE,
        action="case.measure",
        max_chars=max_chars,
    )


def change_status(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    status: str,
    *,
    outcome: str | None = None,
    pointer: str = "",
    max_chars: int,
    today: dt.date | None = None,
) -> None:
    """Move the case along the workflow.

    Acknowledging starts the feedback clock (3 calendar months). Closing needs
    an outcome; an ``out_of_scope`` closure may carry a pointer to the right
    channel, which is sent to the reporter as a reply.
    """
    today = today or utc_today()
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    signer = _signer(handler)
    if not decisions.check_status(session, disclosure):
        raise CaseRefused(RefusalReason.UNVERIFIED, "the case's status is unverified")
    before = disclosure.status
    after = Status.parse(status)
    if after is None:
        raise CaseRefused(RefusalReason.BAD_STATUS, f"unknown status {status!r}")
    if after not in TRANSITIONS[before]:
        raise CaseRefused(
            RefusalReason.TRANSITION,
            f"a case cannot go from {before} to {after}",
            before=before,
            after=after,
        )
    closing_as = Outcome.parse(outcome)
    if after == Status.CLOSED and closing_as is None:
        raise CaseRefused(RefusalReason.OUTCOME_MISSING, "closing a case needs an outcome")
    if after != Status.CLOSED and outcome:
        raise CaseRefused(
            RefusalReason.OUTCOME_NOT_CLOSING, "an outcome is given only when closing"
        )
    pointer = pointer.strip()
    if pointer and closing_as != Outcome.OUT_OF_SCOPE:
        raise CaseRefused(
            RefusalReason.POINTER_NOT_OUT_OF_SCOPE, "a pointer goes with an out-of-scope closure"
        )
    if pointer:
        _text(pointer, max_chars)  # refuse before anything changes

    match after:
        case Status.ACKNOWLEDGED:
            disclosure.acknowledged_on = today
            disclosure.feedback_due = feedback_due(today)
        case Status.CLOSED:
            disclosure.closed_on = today
            disclosure.outcome = closing_as
            # The reporter's number or address is kept only while the case is open.
            reply_notices.forget(session, disclosure.id)
        case Status.RECEIVED | Status.UNDER_INVESTIGATION:
            pass
        case _:
            assert_never(after)
    disclosure.status = after
    decisions.sign_status(session, disclosure, handler.officer_id, signer)
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.status",
        subject=disclosure.reference,
        detail=f"{before}->{after}" + (f"; outcome={closing_as}" if closing_as else ""),
    )
    if pointer:
        reply(session, audit_key, handler, reference, pointer, max_chars=max_chars, today=today)
    session.flush()


def assign(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    officer_id: int | None,
) -> None:
    """Assign the case to an officer designated to one of its queues (or to nobody)."""
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    if officer_id is None:
        username = "nobody"
    else:
        eligible = {o.id: o for o in assignable_officers(session, disclosure.queue_slugs)}
        if officer_id not in eligible:
            raise CaseRefused(
                RefusalReason.NOT_DESIGNATED,
                "that officer is not designated to a queue of this case",
            )
        username = eligible[officer_id].username
    if officer_id is not None and officer_id not in {
        disclosure.assigned_officer_id,
        handler.officer_id,
    }:
        enqueue_for_officer(session, officer_id, ASSIGNED, disclosure.id)
    disclosure.assigned_officer_id = officer_id
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.assigned",
        subject=disclosure.reference,
        detail=f"to={username}",
    )
    session.flush()


def link_cases(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    other_reference: str,
    *,
    kind: str = LinkKind.RELATED,
) -> None:
    """Link two cases that this officer can both open.

    ``retaliation_for`` (this retaliation case → the disclosure it retaliates
    for) lets an officer connect a retaliation report filed under a new
    codename; the check-ins then follow the original's closure.
    """
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    link_kind = LinkKind.parse(kind)
    if link_kind is None:
        raise CaseRefused(RefusalReason.BAD_LINK_KIND, f"unknown link kind {kind!r}")
    if link_kind == LinkKind.RETALIATION_FOR and disclosure.category != Category.RETALIATION:
        raise CaseRefused(
            RefusalReason.NOT_RETALIATION, "only a retaliation case retaliates for another"
        )
    try:
        other = open_case(session, handler, other_reference).disclosure
    except CaseForbidden:
        # Same words whether it does not exist or belongs to another queue.
        raise CaseRefused(
            RefusalReason.UNKNOWN_OTHER, "no case you can open has that reference"
        ) from None
    if other.id == disclosure.id:
        raise CaseRefused(RefusalReason.SELF_LINK, "a case cannot be linked to itself")
    existing = session.scalar(
        select(DisclosureLink).where(
            or_(
                and_(DisclosureLink.from_id == disclosure.id, DisclosureLink.to_id == other.id),
                and_(DisclosureLink.from_id == other.id, DisclosureLink.to_id == disclosure.id),
            )
        )
    )
    if existing is not None:
        raise CaseRefused(RefusalReason.ALREADY_LINKED, "these cases are already linked")
    session.add(DisclosureLink(from_id=disclosure.id, to_id=other.id, kind=link_kind))
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.linked",
        subject=disclosure.reference,
        detail=f"{link_kind}={other.reference}",
    )
    session.flush()
