"""Retaliation: a disclosure in its own right, and the protection that follows it.

A retaliation disclosure is linked to the reporter's earlier disclosures
(``DisclosureLink`` kind ``retaliation_for``, from the retaliation case to the
original). Protection does not end when the original case closes: that is
often when retaliation starts. The officers handling the retaliation case
therefore check in with the reporter 30, 60 and 90 days after the ORIGINAL
case closed, and record what they did as protective measures
(``AuthorKind.MEASURE``, sealed to the queues only). A retaliation report
linked to no earlier case (filed without a code), or one some queue of which
may not open the original, counts its check-ins from its own receipt.

:func:`retaliation_reminders_due` is what ``hotline notify`` calls to remind
those officers; it records ``ReminderSent`` itself, so each reminder goes once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Disclosure, DisclosureLink, DisclosureQueue, Message, ReminderSent
from hotline.procedure import RETALIATION_CHECKIN_DAYS, AuthorKind, Category, LinkKind


def reminder_kind(days: int, anchor_reference: str) -> str:
    """The ``ReminderSent.kind`` of one check-in, e.g. ``retaliation_30:HL-7K3M-Q9PA``.

    A retaliation case may follow several earlier disclosures of the same
    reporter, closed on different days; each gets its own three check-ins,
    named after the original. Check-ins counted from the retaliation report's
    own receipt are named after the retaliation case. At most 27 characters,
    within the column's 32.
    """
    return f"retaliation_{days}:{anchor_reference}"


@dataclass(frozen=True)
class Checkin:
    """One check-in owed to the reporter of a retaliation case."""

    retaliation: Disclosure
    #: The original case the days count from its closing; None when they count
    #: from the retaliation report's receipt (see the module docstring).
    original_reference: str | None
    days: int
    due_on: dt.date
    #: A protective measure was recorded on the retaliation case on or after the due day.
    done: bool
    reminder_sent: bool

    @property
    def kind(self) -> str:
        return reminder_kind(self.days, self.original_reference or self.retaliation.reference)


def checkins_for(session: Session, retaliation_ids: Sequence[str] | None) -> list[Checkin]:
    """Every check-in of these retaliation cases (all of them with ``None``),
    whatever the retaliation case's own status: protection continues after
    closure. Counted from an original's closing only when every queue of the
    retaliation case may open that original, and then only once it closed;
    otherwise, and for a retaliation case linked to no original, from the
    retaliation report's receipt."""
    if retaliation_ids is not None and not retaliation_ids:
        return []
    links = select(DisclosureLink.from_id, DisclosureLink.to_id).where(
        DisclosureLink.kind == LinkKind.RETALIATION_FOR
    )
    # A retaliation report with no earlier case to follow (filed without a
    # code): protection is owed all the same, counted from its receipt.
    unlinked_query = select(Disclosure.id).where(
        Disclosure.category == Category.RETALIATION,
        ~select(DisclosureLink.from_id)
        .where(
            DisclosureLink.from_id == Disclosure.id,
            DisclosureLink.kind == LinkKind.RETALIATION_FOR,
        )
        .exists(),
    )
    if retaliation_ids is not None:
        links = links.where(DisclosureLink.from_id.in_(list(retaliation_ids)))
        unlinked_query = unlinked_query.where(Disclosure.id.in_(list(retaliation_ids)))
    pairs = session.execute(links).all()
    unlinked = set(session.scalars(unlinked_query))
    if not pairs and not unlinked:
        return []
    ids = sorted(
        {case_id for case_id, _ in pairs} | {original_id for _, original_id in pairs} | unlinked
    )
    cases = {d.id: d for d in session.scalars(select(Disclosure).where(Disclosure.id.in_(ids)))}
    queues: dict[str, set[str]] = {}
    for case_id, slug in session.execute(
        select(DisclosureQueue.disclosure_id, DisclosureQueue.queue_slug).where(
            DisclosureQueue.disclosure_id.in_(ids)
        )
    ):
        queues.setdefault(case_id, set()).add(slug)
    retaliations = sorted({case_id for case_id, _ in pairs} | unlinked)
    last_measure: dict[str, dt.date] = {
        case_id: day
        for case_id, day in session.execute(
            select(Message.disclosure_id, func.max(Message.created_on))
            .where(
                Message.author_kind == AuthorKind.MEASURE, Message.disclosure_id.in_(retaliations)
            )
            .group_by(Message.disclosure_id)
        )
    }
    sent = {
        (case_id, kind)
        for case_id, kind in session.execute(
            select(ReminderSent.disclosure_id, ReminderSent.kind).where(
                ReminderSent.kind.like("retaliation\\_%", escape="\\"),
                ReminderSent.disclosure_id.in_(retaliations),
            )
        )
    }
    anchors: set[tuple[str, str | None, dt.date]] = set()
    for case_id, original_id in pairs:
        case, original = cases[case_id], cases[original_id]
        if queues.get(case_id, set()) <= queues.get(original_id, set()):
            if original.closed_on is not None:
                anchors.add((case_id, original.reference, original.closed_on))
        else:
            anchors.add((case_id, None, case.received_on))
    anchors.update((case_id, None, cases[case_id].received_on) for case_id in unlinked)
    checkins = []
    for case_id, original_reference, anchor in anchors:
        case = cases[case_id]
        measured = last_measure.get(case_id)
        for days in RETALIATION_CHECKIN_DAYS:
            due = anchor + dt.timedelta(days=days)
            checkin = Checkin(
                retaliation=case,
                original_reference=original_reference,
                days=days,
                due_on=due,
                done=measured is not None and measured >= due,
                reminder_sent=False,
            )
            checkins.append(replace(checkin, reminder_sent=(case_id, checkin.kind) in sent))
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
