"""Statistics for the officer desk: the officer's own queues, unsuppressed.

Internal figures need no small-count protection, but they follow the
need-to-know rule of the case list: every query starts from
:func:`hotline.desk.queue.visible_to` with the queues the officer is
designated to *now*, so a case routed only to another queue never adds to a
single number here. Only metadata is read; nothing is decrypted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hotline.desk.queue import feedback_owed, visible_to
from hotline.desk.retaliation import checkins_for
from hotline.models import Disclosure
from hotline.procedure import Category, Channel, Outcome, Status
from hotline.transparency.counts import median
from hotline.transparency.tables import CATEGORIES

MONTHS = 12


@dataclass(frozen=True)
class DeskStatistics:
    queues: tuple[str, ...]
    #: First day of each month shown, oldest first.
    months: tuple[dt.date, ...]
    by_category: dict[Category, list[int]]
    by_channel: dict[Channel, list[int]]
    overdue_acknowledgements: int
    overdue_feedback: int
    #: Closed cases by category and outcome, all time.
    outcomes: dict[Category, dict[Outcome, int]]
    #: Median days from receipt to the first reply, per category and "all",
    #: over cases received in the months shown; ``None`` when there are none.
    median_first_reply: dict[str, float | None]
    open_retaliation: int
    retaliation_checkins_due: int
    retaliation_checkins_not_reminded: int


def _month_starts(today: dt.date, count: int) -> tuple[dt.date, ...]:
    index = today.year * 12 + today.month - 1
    return tuple(dt.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1))


def desk_statistics(session: Session, queues: Sequence[str], today: dt.date) -> DeskStatistics:
    queues = tuple(sorted(queues))
    months = _month_starts(today, MONTHS)
    position = {(m.year, m.month): i for i, m in enumerate(months)}
    visible = visible_to(queues)
    recent = session.execute(
        visible.with_only_columns(
            Disclosure.received_on,
            Disclosure.category,
            Disclosure.channel,
            Disclosure.first_reply_on,
        ).where(Disclosure.received_on >= months[0])
    ).all()
    by_category = {c: [0] * len(months) for c in CATEGORIES}
    channels = sorted({row.channel for row in recent})
    by_channel = {c: [0] * len(months) for c in channels}
    reply_days: dict[str, Counter[str]] = {c: Counter() for c in (*CATEGORIES, "all")}
    for received_on, category, channel, first_reply_on in recent:
        slot = position.get((received_on.year, received_on.month))
        if slot is None:
            continue
        by_category[category][slot] += 1
        by_channel[channel][slot] += 1
        if first_reply_on is not None and first_reply_on >= received_on:
            days = str((first_reply_on - received_on).days)
            reply_days[category][days] += 1
            reply_days["all"][days] += 1

    def count(condition: ColumnElement[bool]) -> int:
        query = visible.where(condition)
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    overdue_acknowledgements = count(
        (Disclosure.acknowledged_on.is_(None))
        & (Disclosure.closed_on.is_(None))
        & (Disclosure.acknowledgement_due < today)
    )
    overdue_feedback = count(feedback_owed() & (Disclosure.feedback_due < today))
    outcomes = {c: dict.fromkeys(Outcome, 0) for c in CATEGORIES}
    for category, outcome, n in session.execute(
        visible.with_only_columns(Disclosure.category, Disclosure.outcome, func.count())
        .where(Disclosure.status == Status.CLOSED, Disclosure.outcome.is_not(None))
        .group_by(Disclosure.category, Disclosure.outcome)
    ):
        if outcome is not None:
            outcomes[category][outcome] += n
    open_retaliation = count(
        (Disclosure.category == Category.RETALIATION) & (Disclosure.status != Status.CLOSED)
    )
    # Check-ins owed after the original case closed (hotline.desk.retaliation),
    # for the retaliation cases of these queues only.
    retaliation_ids = list(
        session.scalars(
            visible.with_only_columns(Disclosure.id).where(
                Disclosure.category == Category.RETALIATION
            )
        )
    )
    due = [c for c in checkins_for(session, retaliation_ids) if c.due_on <= today and not c.done]
    return DeskStatistics(
        queues=queues,
        months=months,
        by_category=by_category,
        by_channel=by_channel,
        overdue_acknowledgements=overdue_acknowledgements,
        overdue_feedback=overdue_feedback,
        outcomes=outcomes,
        median_first_reply={k: median(v) for k, v in reply_days.items()},
        open_retaliation=open_retaliation,
        retaliation_checkins_due=len(due),
        retaliation_checkins_not_reminded=sum(1 for c in due if not c.reminder_sent),
    )
