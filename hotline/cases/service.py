"""What officers do with a case: reply, note, protect, move it through its states,
assign it, link it.

Every function takes plain values and a ``Session``, opens the case through
:func:`hotline.cases.access.open_case` (so an officer of another queue gets
:class:`CaseForbidden` and nothing changes), records an audit event in the
same transaction, and leaves the commit to the caller. Audit events name the
case and what changed, never the words of a message or the name of a file:
the audit trail is read by more people than the case is.

The rest of the desk lives next to this module: :mod:`~hotline.cases.casefile`
(reading a case), :mod:`~hotline.cases.downloads`, :mod:`~hotline.cases.rerouting`,
:mod:`~hotline.cases.rewards`, :mod:`~hotline.cases.deadlines` and
:mod:`~hotline.cases.retaliation`; the names other parts of Hotline use are
re-exported here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.cases.access import CaseForbidden, Handler, assignable_officers, open_case
from hotline.cases.deadlines import (
    acknowledgement_due,
    add_months,
    deadline_overview,
    feedback_due,
)
from hotline.cases.errors import CaseRefused
from hotline.cases.rerouting import reroute
from hotline.cases.retaliation import (
    RETALIATION_FOR,
    checkins_for,
    reminder_kind,
    retaliation_reminders_due,
)
from hotline.cases.rewards import parse_amount, reward_for, set_reward
from hotline.cases.states import OUTCOMES, STATUSES
from hotline.models import DisclosureLink, Message
from hotline.models import today as utc_today
from hotline.sealing.store import store_message

__all__ = [
    "CaseForbidden",
    "CaseRefused",
    "LINK_KINDS",
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
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "received": ("acknowledged",),
    "acknowledged": ("under_investigation", "closed"),
    "under_investigation": ("closed",),
    "closed": (),
}
LINK_KINDS = ("related", RETALIATION_FOR)


def _text(text: str, max_chars: int) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise CaseRefused("empty", "the text is empty")
    if len(text) > max_chars:
        raise CaseRefused(
            "too_long", f"the text is longer than {max_chars} characters", count=max_chars
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
    to the reporter's codename key (``author_kind="officer"``)."""
    message = _write(
        session,
        audit_key,
        handler,
        reference,
        text,
        kind="officer",
        action="case.replied",
        max_chars=max_chars,
    )
    if message.disclosure.first_reply_on is None:
        message.disclosure.first_reply_on = today or utc_today()
    session.flush()
    return message


def _write(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    text: str,
    *,
    kind: str,
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
        kind="note",
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
        kind="measure",
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
    before = disclosure.status
    if status not in STATUSES:
        raise CaseRefused("bad_status", f"unknown status {status!r}")
    if status not in TRANSITIONS.get(before, ()):
        raise CaseRefused(
            "transition", f"a case cannot go from {before} to {status}", before=before, after=status
        )
    outcome = outcome or None
    if status == "closed" and outcome not in OUTCOMES:
        raise CaseRefused("outcome_missing", "closing a case needs an outcome")
    if status != "closed" and outcome is not None:
        raise CaseRefused("outcome_not_closing", "an outcome is given only when closing")
    pointer = pointer.strip()
    if pointer and outcome != "out_of_scope":
        raise CaseRefused("pointer_not_out_of_scope", "a pointer goes with an out-of-scope closure")
    if pointer:
        _text(pointer, max_chars)  # refuse before anything changes

    if status == "acknowledged":
        disclosure.acknowledged_on = today
        disclosure.feedback_due = feedback_due(today)
    if status == "closed":
        disclosure.closed_on = today
        disclosure.outcome = outcome
    disclosure.status = status
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.status",
        subject=disclosure.reference,
        detail=f"{before}->{status}" + (f"; outcome={outcome}" if outcome else ""),
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
                "not_designated", "that officer is not designated to a queue of this case"
            )
        username = eligible[officer_id].username
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
    kind: str = "related",
) -> None:
    """Link two cases that this officer can both open.

    ``retaliation_for`` (this retaliation case → the disclosure it retaliates
    for) lets an officer connect a retaliation report filed under a new
    codename; the check-ins then follow the original's closure.
    """
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    if kind not in LINK_KINDS:
        raise CaseRefused("bad_link_kind", f"unknown link kind {kind!r}")
    if kind == RETALIATION_FOR and disclosure.category != "retaliation":
        raise CaseRefused("not_retaliation", "only a retaliation case retaliates for another")
    try:
        other = open_case(session, handler, other_reference).disclosure
    except CaseForbidden:
        # Same words whether it does not exist or belongs to another queue.
        raise CaseRefused("unknown_other", "no case you can open has that reference") from None
    if other.id == disclosure.id:
        raise CaseRefused("self_link", "a case cannot be linked to itself")
    existing = session.scalar(
        select(DisclosureLink).where(
            or_(
                and_(DisclosureLink.from_id == disclosure.id, DisclosureLink.to_id == other.id),
                and_(DisclosureLink.from_id == other.id, DisclosureLink.to_id == disclosure.id),
            )
        )
    )
    if existing is not None:
        raise CaseRefused("already_linked", "these cases are already linked")
    session.add(DisclosureLink(from_id=disclosure.id, to_id=other.id, kind=kind))
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.linked",
        subject=disclosure.reference,
        detail=f"{kind}={other.reference}",
    )
    session.flush()
