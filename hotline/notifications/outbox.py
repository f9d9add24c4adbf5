"""Adding to the notification outbox (draining it is ``hotline notify``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from hotline.db import insert_into
from hotline.models import Designation, Notification, Officer

#: Kinds of notification; the e-mail says only "there is something new".
NEW_CASE = "new_case"
REPORTER_WROTE = "reporter_wrote"
REMINDER = "reminder"


_WAITING = exists().where(
    Notification.officer_id == Designation.officer_id,
    Notification.sent.is_(False),
    Notification.kind == bindparam("kind"),
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


def enqueue_for_queues(session: Session, queue_slugs: Iterable[str], kind: str) -> int:
    """One unsent row per active officer designated to any of these queues,
    unless that officer already has one waiting (the batch says it once)."""
    officers = session.scalars(_TO_NOTIFY, {"slugs": list(queue_slugs), "kind": kind}).all()
    if officers:
        session.execute(
            insert_into(Notification),
            [{"officer_id": officer_id, "kind": kind} for officer_id in sorted(officers)],
        )
    return len(officers)
