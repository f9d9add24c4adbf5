"""Adding to the notification outbox (draining it is ``hotline notify``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from hotline.models import Designation, Notification, Officer

#: Kinds of notification; the e-mail says only "there is something new".
NEW_CASE = "new_case"
REPORTER_WROTE = "reporter_wrote"
REMINDER = "reminder"


def enqueue_for_queues(session: Session, queue_slugs: Iterable[str], kind: str) -> int:
    """One unsent row per active officer designated to any of these queues,
    unless that officer already has one waiting (the batch says it once)."""
    waiting = exists().where(
        Notification.officer_id == Designation.officer_id,
        Notification.sent.is_(False),
        Notification.kind == kind,
    )
    officers = session.scalars(
        select(Designation.officer_id)
        .join(Officer, Officer.id == Designation.officer_id)
        .where(
            Designation.queue_slug.in_(list(queue_slugs)),
            Designation.sealed_queue_key.is_not(None),
            Officer.active.is_(True),
            ~waiting,
        )
        .distinct()
    ).all()
    if officers:
        session.execute(
            insert(Notification),
            [{"officer_id": officer_id, "kind": kind} for officer_id in sorted(officers)],
        )
    return len(officers)
