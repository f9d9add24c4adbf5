"""The raw counts behind the public statistics, from the dates on the cases.

Per quarter and category: disclosures received, closed by outcome, 7-day
acknowledgements due and met, days to acknowledgement and to closure (as
histograms, so medians can be taken later over any span), and rewards paid.
These counts are what ``statistics`` freezes per quarter; it adds quarters up
with :func:`year_totals` and reads the published measures with
:func:`count_values` and :func:`median`. Only metadata is read; nothing is
decrypted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Disclosure
from hotline.procedure import Category, Outcome
from hotline.transparency.tables import ALL, CATEGORIES, ROWS, Quarter

# --- raw counts of one quarter, as of its last day ------------------------------------


def _empty_counts() -> dict[str, Any]:
    return {
        "received": 0,
        "closed": {outcome: 0 for outcome in Outcome},
        "ack_due": 0,
        "ack_in_time": 0,
        "ack_days": {},
        "close_days": {},
        "rewards_paid": 0,
        "rewards_minor": 0,
    }


QuarterCounts = dict[str, dict[str, Any]]


def _bump(histogram: dict[str, int], days: int) -> None:
    if days >= 0:
        histogram[str(days)] = histogram.get(str(days), 0) + 1


def quarter_counts(session: Session, quarters: Sequence[Quarter]) -> dict[Quarter, QuarterCounts]:
    """Raw counts per category for each quarter, from the dates on the cases.

    Everything is dated, so "as of the quarter's end" needs no snapshot: a
    case closed on 3 April is ongoing in the first quarter's count whenever
    the count is made. Only metadata is read; nothing is decrypted.
    """
    wanted = set(quarters)
    last = max(quarters).end
    counts: dict[Quarter, QuarterCounts] = {
        q: {c: _empty_counts() for c in CATEGORIES} for q in quarters
    }

    def bucket(day: dt.date | None, category: Category) -> dict[str, Any] | None:
        if day is None or day > last:
            return None
        quarter = Quarter.of(day)
        return counts[quarter][category] if quarter in wanted else None

    facts = session.execute(
        select(
            Disclosure.category,
            Disclosure.received_on,
            Disclosure.acknowledgement_due,
            Disclosure.acknowledged_on,
            Disclosure.closed_on,
            Disclosure.outcome,
            Disclosure.reward_paid_on,
            Disclosure.reward_minor,
        ).where(Disclosure.received_on <= last)
    )
    for category, received, due, acknowledged, closed, outcome, paid, reward in facts:
        if (row := bucket(received, category)) is not None:
            row["received"] += 1
        if (row := bucket(due, category)) is not None:
            row["ack_due"] += 1
            if acknowledged is not None and acknowledged <= due:
                row["ack_in_time"] += 1
        if acknowledged is not None and (row := bucket(acknowledged, category)) is not None:
            _bump(row["ack_days"], (acknowledged - received).days)
        # A closure without a recorded outcome cannot be shown by outcome:
        # the case counts as ongoing until the outcome is recorded.
        if (
            outcome is not None
            and closed is not None
            and (row := bucket(closed, category)) is not None
        ):
            _bump(row["close_days"], (closed - received).days)
            if closed.year == received.year:
                # The year's own disclosures closed by its end (the cohort).
                row["closed"][outcome] += 1
        if (row := bucket(paid, category)) is not None:
            row["rewards_paid"] += 1
            row["rewards_minor"] += reward or 0
    return counts


# --- sums over quarters -------------------------------------------------------------


def year_totals(counts: Iterable[QuarterCounts]) -> dict[str, dict[str, Any]]:
    """Counts of the year so far per row, with the all-categories row."""
    totals = {row: _empty_counts() for row in ROWS}
    for quarter in counts:
        for category in CATEGORIES:
            for row in (category, ALL):
                target, source = totals[row], quarter[category]
                for name in ("received", "ack_due", "ack_in_time", "rewards_paid", "rewards_minor"):
                    target[name] += source[name]
                for outcome in Outcome:
                    target["closed"][outcome] += source["closed"][outcome]
                for name in ("ack_days", "close_days"):
                    for days, n in source[name].items():
                        target[name][days] = target[name].get(days, 0) + n
    return totals


def count_values(totals: Mapping[str, Any]) -> dict[str, int]:
    closed = sum(totals["closed"].values())
    values = {
        "received": totals["received"],
        "ongoing": totals["received"] - closed,
        "closed": closed,
        "rewards_paid": totals["rewards_paid"],
    }
    for outcome in Outcome:
        values[f"closed_{outcome}"] = totals["closed"][outcome]
    return values


def median(histogram: Mapping[str, int]) -> float | None:
    n = sum(histogram.values())
    if n == 0:
        return None
    ordered = sorted((int(days), count) for days, count in histogram.items())
    middle = [(n - 1) // 2, n // 2]
    found: list[int] = []
    seen = 0
    for days, count in ordered:
        for position in middle:
            if seen <= position < seen + count:
                found.append(days)
        seen += count
    value = sum(found) / 2
    return int(value) if value == int(value) else value
