"""Deadline reminders for the outbox: each goes once per case and kind.

``hotline notify`` calls :func:`queue_reminders` before draining. The
``ReminderSent`` rows make each reminder go once; the notification names the
case reference and the kind, nothing of the case.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hotline.desk.queue import feedback_owed
from hotline.desk.retaliation import retaliation_reminders_due
from hotline.models import Disclosure, ReminderSent
from hotline.notifications.outbox import (
    ACK_DUE_SOON,
    ACK_OVERDUE,
    FEEDBACK_DUE_SOON,
    FEEDBACK_OVERDUE,
    RETALIATION_CHECK_IN,
    enqueue_for_queues,
)
from hotline.procedure import Status

#: "Due in 2 days" is said this many days ahead.
DUE_SOON_DAYS = 2


def _not_reminded(kind: str) -> ColumnElement[bool]:
    return ~(
        select(ReminderSent.disclosure_id)
        .where(ReminderSent.disclosure_id == Disclosure.id, ReminderSent.kind == kind)
        .exists()
    )


def _due(session: Session, kind: str, *conditions: ColumnElement[bool]) -> list[Disclosure]:
    return list(
        session.scalars(
            select(Disclosure)
            .where(
                Disclosure.closed_on.is_(None),
                Disclosure.status != Status.CLOSED,
                _not_reminded(kind),
                *conditions,
            )
            .order_by(Disclosure.id)
        )
    )


def queue_reminders(session: Session, on: dt.date) -> int:
    """Queue reminders for deadlines near or passed, once per case and kind.

    - acknowledgement due within 2 days, and overdue (not acknowledged);
    - 3-month feedback due within 2 days, and overdue (no reply since the
      acknowledgement);
    - retaliation check-ins 30/60/90 days after the original case closed
      (``desk.retaliation.retaliation_reminders_due``).
    """
    soon = on + dt.timedelta(days=DUE_SOON_DAYS)
    unacknowledged = Disclosure.acknowledged_on.is_(None)
    due: list[tuple[Disclosure, str, str]] = []
    for kind, conditions in (
        (ACK_OVERDUE, (unacknowledged, Disclosure.acknowledgement_due < on)),
        (
            ACK_DUE_SOON,
            (
                unacknowledged,
                Disclosure.acknowledgement_due >= on,
                Disclosure.acknowledgement_due <= soon,
            ),
        ),
        (FEEDBACK_OVERDUE, (feedback_owed(), Disclosure.feedback_due < on)),
        (
            FEEDBACK_DUE_SOON,
            (feedback_owed(), Disclosure.feedback_due >= on, Disclosure.feedback_due <= soon),
        ),
    ):
        due.extend((d, kind, kind) for d in _due(session, kind, *conditions))
    # The check-in's own ReminderSent kind (e.g. checkin_30) keeps each one once.
    due.extend(
        (d, RETALIATION_CHECK_IN, sent_kind)
        for d, sent_kind in retaliation_reminders_due(session, on)
    )
    for disclosure, kind, sent_kind in due:
        enqueue_for_queues(session, disclosure.queue_slugs, kind, disclosure.id)
        session.add(ReminderSent(disclosure_id=disclosure.id, kind=sent_kind, sent_on=on))
    session.flush()
    return len(due)
