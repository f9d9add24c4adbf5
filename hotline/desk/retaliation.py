"""Retaliation: a disclosure in its own right, and the protection that follows it.

A retaliation disclosure is linked to the reporter's earlier disclosures
(``DisclosureLink`` kind ``retaliation_for``, from the retaliation case to the
original). Protection does not end when the original case closes: that is
often when retaliation starts. The officers handling the retaliation case
therefore check in with the reporter 30, 60 and 90 days after the ORIGINAL
case closed, and record what they did as protective measures
(``AuthorKind.MEASURE``, sealed to the queues only).

:func:`retaliation_reminders_due` is what ``hotline notify`` calls to remind
those officers; it records ``ReminderSent`` itself, so each reminder goes once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from hotline.models import Disclosure, DisclosureLink, Message, ReminderSent
from hotline.procedure import RETALIATION_CHECKIN_DAYS, AuthorKind, LinkKind


def reminder_kind(days: int, original_reference: str) -> str:
    """The ``ReminderSent.kind`` of one check-in, e.g. ``retaliation_30:HL-7K3M-Q9PA``.

    A retaliation case may follow several earlier disclosures of the same
    reporter, closed on different days; each gets its own three check-ins.
    At most 27 characters, within the column's 32.
    """
    return f"retaliation_{days}:{original_reference}"


@dataclass(frozen=True)
class Checkin:
    """One check-in owed to the reporter of a retaliation case."""

    retaliation: Disclosure
    original_reference: str
    original_closed_on: dt.date
    days: int
    due_on: dt.date
    #: A protective measure was recorded on the retaliation case on or after the due day.
    done: bool
    reminder_sent: bool

    @property
    def kind(self) -> str:
        return reminder_kind(self.days, self.original_reference)


def checkins_for(session: Session, retaliation_ids: Sequence[str] | None) -> list[Checkin]:
    """Every check-in of these retaliation cases (all of them with ``None``)
    whose original case has closed, whatever the retaliation case's own status:
    protection continues after closure."""
    if retaliation_ids is not None and not retaliation_ids:
        return []
    original = aliased(Disclosure)
    links = (
        select(DisclosureLink.from_id, original.reference, original.closed_on)
        .join(original, original.id == DisclosureLink.to_id)
        .where(DisclosureLink.kind == LinkKind.RETALIATION_FOR, original.closed_on.is_not(None))
    )
    measures = select(Message.disclosure_id, func.max(Message.created_on)).where(
        Message.author_kind == AuthorKind.MEASURE
    )
    sent_query = select(ReminderSent.disclosure_id, ReminderSent.kind).where(
        ReminderSent.kind.like("retaliation\\_%", escape="\\")
    )
    if retaliation_ids is not None:
        ids = list(retaliation_ids)
        links = links.where(DisclosureLink.from_id.in_(ids))
        measures = measures.where(Message.disclosure_id.in_(ids))
        sent_query = sent_query.where(ReminderSent.disclosure_id.in_(ids))
    rows = session.execute(links).all()
    if not rows:
        return []
    cases = {
        d.id: d
        for d in session.scalars(
            select(Disclosure).where(Disclosure.id.in_({row[0] for row in rows}))
        )
    }
    last_measure: dict[str, dt.date] = {
        case_id: day for case_id, day in session.execute(measures.group_by(Message.disclosure_id))
    }
    sent = {(case_id, kind) for case_id, kind in session.execute(sent_query)}
    checkins = []
    for case_id, original_reference, closed_on in rows:
        if closed_on is None:  # excluded by the query; keeps the type checker honest
            continue
        case = cases[case_id]
        for days in RETALIATION_CHECKIN_DAYS:
            due = closed_on + dt.timedelta(days=days)
            measured = last_measure.get(case_id)
            checkins.append(
                Checkin(
                    retaliation=case,
                    original_reference=original_reference,
                    original_closed_on=closed_on,
                    days=days,
                    due_on=due,
                    done=measured is not None and measured >= due,
                    reminder_sent=(case_id, reminder_kind(days, original_reference)) in sent,
                )
            )
    checkins.sort(key=lambda c: (c.due_on, c.retaliation.reference, c.days))
    return checkins


def retaliation_reminders_due(session: Session, today: dt.date) -> list[tuple[Disclosure, str]]:
    """(retaliation disclosure, ``ReminderSent.kind``) pairs to remind about now.

    Due means: the check-in day has come, no protective measure was recorded
    since, and no ``ReminderSent`` row with this disclosure and kind exists.
    The caller notifies the officers of ``disclosure.queue_slugs`` (without
    any content) and adds ``ReminderSent(disclosure_id=disclosure.id,
    kind=kind)`` in the same transaction, so a reminder is sent once.
    """
    return [
        (c.retaliation, c.kind)
        for c in checkins_for(session, None)
        if c.due_on <= today and not c.done and not c.reminder_sent
    ]
