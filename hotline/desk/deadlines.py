"""Deadlines of the procedure, and the desk's "what is due" overview.

A disclosure is acknowledged within 7 days of receipt, and the reporter gets
feedback within 3 calendar months of the acknowledgement: an officer's reply
to the reporter on or after the acknowledgement gives it. Retaliation
check-ins follow the original case's closure (see :mod:`hotline.desk.retaliation`).
The overview reads metadata only and never decrypts anything, so it stays
cheap however many cases a queue holds.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Set
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.desk.access import Handler, designated_queues
from hotline.desk.queue import feedback_owed, visible_to
from hotline.desk.retaliation import Checkin, checkins_for
from hotline.models import Disclosure, DisclosureQueue, Queue
from hotline.procedure import ACKNOWLEDGEMENT_DAYS, FEEDBACK_MONTHS, Category, Status
from hotline.sealing import decisions

#: How far ahead the overview looks for feedback and check-ins.
DUE_SOON_DAYS = 14


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, or the month's last day.

    31 January + 1 month is 28 (or 29) February, never 3 March: a deadline
    must not slip into the following month.
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def acknowledgement_due(received_on: dt.date) -> dt.date:
    return received_on + dt.timedelta(days=ACKNOWLEDGEMENT_DAYS)


def feedback_due(acknowledged_on: dt.date) -> dt.date:
    return add_months(acknowledged_on, FEEDBACK_MONTHS)


@dataclass(frozen=True)
class DueItem:
    """One thing a queue owes a reporter, and by when."""

    reference: str
    category: Category
    kind: str  # "acknowledgement", "feedback" or "checkin"
    due_on: dt.date
    overdue: bool
    #: For check-ins: days after the original case closed, and that case's
    #: reference if the officer may open it; or days after this retaliation
    #: report was received (see ``desk.retaliation``).
    days: int | None = None
    original_reference: str | None = None
    from_receipt: bool = False
    reminder_sent: bool = False
    #: False when the case's status fails its signature: its dates are a
    #: database writer's, and the alarm is raised.
    status_verified: bool = True


@dataclass(frozen=True)
class QueueDeadlines:
    slug: str
    name: str
    acknowledgements: tuple[DueItem, ...]
    feedback: tuple[DueItem, ...]
    checkins: tuple[DueItem, ...]

    @property
    def overdue(self) -> int:
        items = (*self.acknowledgements, *self.feedback, *self.checkins)
        return sum(1 for item in items if item.overdue)


def _checkin_item(checkin: Checkin, today: dt.date, openable: Set[str]) -> DueItem:
    return DueItem(
        reference=checkin.retaliation.reference,
        category=checkin.retaliation.category,
        kind="checkin",
        due_on=checkin.due_on,
        overdue=today > checkin.due_on,
        days=checkin.days,
        # An original the officer cannot open is never named.
        original_reference=(
            checkin.original_reference if checkin.original_reference in openable else None
        ),
        from_receipt=checkin.original_reference is None,
        reminder_sent=checkin.reminder_sent,
    )


def deadline_overview(session: Session, handler: Handler, today: dt.date) -> list[QueueDeadlines]:
    """What each of the officer's queues must do soon or has missed.

    Only queues the officer holds a key for *and* is still designated to in
    the database are listed, and only cases routed to that queue: the same
    need-to-know rule as the case list.
    """
    slugs = sorted(designated_queues(session, handler))
    names: Mapping[str, str] = {
        q.slug: q.name for q in session.scalars(select(Queue).where(Queue.slug.in_(slugs)))
    }
    horizon = today + dt.timedelta(days=DUE_SOON_DAYS)
    overview = []
    for slug in slugs:
        in_queue = visible_to([slug])
        unacknowledged = list(
            session.scalars(
                in_queue.where(
                    Disclosure.acknowledged_on.is_(None), Disclosure.status == Status.RECEIVED
                ).order_by(Disclosure.acknowledgement_due, Disclosure.reference)
            )
        )
        feedback = list(
            session.scalars(
                in_queue.where(feedback_owed(), Disclosure.feedback_due <= horizon).order_by(
                    Disclosure.feedback_due, Disclosure.reference
                )
            )
        )
        # What is listed says whether it verifies. A forged closure that takes a
        # case off these lists is found by `hotline verify` (hourly timer).
        unverified = decisions.unverified_statuses(session, {*unacknowledged, *feedback})
        retaliation_ids = list(
            session.scalars(
                select(Disclosure.id)
                .join(DisclosureQueue, DisclosureQueue.disclosure_id == Disclosure.id)
                .where(
                    DisclosureQueue.queue_slug == slug, Disclosure.category == Category.RETALIATION
                )
            )
        )
        checkins = [
            c for c in checkins_for(session, retaliation_ids) if not c.done and c.due_on <= horizon
        ]
        openable = set(
            session.scalars(
                visible_to(slugs)
                .with_only_columns(Disclosure.reference)
                .where(
                    Disclosure.reference.in_(
                        {c.original_reference for c in checkins if c.original_reference}
                    )
                )
            )
        )
        overview.append(
            QueueDeadlines(
                slug=slug,
                name=names.get(slug, slug),
                acknowledgements=tuple(
                    DueItem(
                        d.reference,
                        d.category,
                        "acknowledgement",
                        d.acknowledgement_due,
                        today > d.acknowledgement_due,
                        status_verified=d.id not in unverified,
                    )
                    for d in unacknowledged
                ),
                feedback=tuple(
                    DueItem(
                        d.reference,
                        d.category,
                        "feedback",
                        due,
                        today > due,
                        status_verified=d.id not in unverified,
                    )
                    for d in feedback
                    if (due := d.feedback_due) is not None
                ),
                checkins=tuple(
                    _checkin_item(c, today, openable)
                    for c in sorted(checkins, key=lambda c: c.due_on)
                ),
            )
        )
    return overview
