"""Adding to the notification outbox (draining it is ``hotline notify``).

A row names an officer, a kind and the case: the e-mail gives the case
reference and what happened, never what the case says.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from hotline.db import insert_into
from hotline.models import Designation, Notification, Officer

NEW_CASE = "new_case"
REPORTER_WROTE = "reporter_wrote"
ASSIGNED = "assigned"
ACK_DUE_SOON = "ack_due_soon"
ACK_OVERDUE = "ack_overdue"
FEEDBACK_DUE_SOON = "feedback_due_soon"
FEEDBACK_OVERDUE = "feedback_overdue"
RETALIATION_CHECK_IN = "retaliation_check_in"
REGISTER_WAITING = "register_waiting"
APPROVAL_WAITING = "approval_waiting"
#: Rows from before revision 0012: no case, "new activity".
REMINDER = "reminder"

#: What the e-mail says for each kind, after the case reference.
KIND_LINES = {
    NEW_CASE: "new case in your queue",
    REPORTER_WROTE: "the reporter answered",
    ASSIGNED: "assigned to you",
    ACK_DUE_SOON: "acknowledgement due in 2 days",
    ACK_OVERDUE: "acknowledgement overdue",
    FEEDBACK_DUE_SOON: "feedback due in 2 days",
    FEEDBACK_OVERDUE: "feedback overdue",
    RETALIATION_CHECK_IN: "retaliation check-in due",
    REGISTER_WAITING: "register request waiting for your decision",
    APPROVAL_WAITING: "approval waiting (four eyes)",
    REMINDER: "new activity",
}

_WAITING = exists().where(
    Notification.officer_id == Designation.officer_id,
    Notification.sent.is_(False),
    Notification.kind == bindparam("kind"),
    Notification.disclosure_id == bindparam("disclosure_id"),
)
#: Built once: every filing runs it.
_TO_NOTIFY = (
    select(Designation.officer_id)
    .join(Officer, Officer.id == Designation.officer_id)
    .where(
        Designation.queue_slug.in_(bindparam("slugs", expanding=True)),
        Designation.sealed_queue_key.is_not(None),
        Officer.active.is_(True),
        ~_WAITING,
    )
    .distinct()
)


def enqueue_for_queues(
    session: Session,
    queue_slugs: Iterable[str],
    kind: str,
    disclosure_id: str,
    *,
    except_officer: int | None = None,
) -> int:
    """One unsent row per active officer designated to any of these queues,
    unless that officer already has the same one waiting (a batch says it once).
    ``except_officer`` (who acted) is not told of their own act."""
    officers = session.scalars(
        _TO_NOTIFY,
        {"slugs": list(queue_slugs), "kind": kind, "disclosure_id": disclosure_id},
    ).all()
    return _insert(session, [o for o in officers if o != except_officer], kind, disclosure_id)


def enqueue_for_officer(session: Session, officer_id: int, kind: str, disclosure_id: str) -> int:
    """One unsent row for one officer (e.g. the new assignee), unless one waits."""
    waiting = session.scalar(
        select(Notification.id).where(
            Notification.officer_id == officer_id,
            Notification.sent.is_(False),
            Notification.kind == kind,
            Notification.disclosure_id == disclosure_id,
        )
    )
    active = session.scalar(select(Officer.active).where(Officer.id == officer_id))
    if waiting is not None or not active:
        return 0
    return _insert(session, [officer_id], kind, disclosure_id)


def _insert(session: Session, officers: list[int], kind: str, disclosure_id: str) -> int:
    if officers:
        session.execute(
            insert_into(Notification),
            [
                {"officer_id": officer_id, "kind": kind, "disclosure_id": disclosure_id}
                for officer_id in sorted(officers)
            ],
        )
    return len(officers)
