"""The public statistics: a yearly table per category, frozen quarter by quarter.

What is published (the Maldives yearly table and the CBP transparency page of
PROCEDURE.md), per year and category, with retaliation as its own row:

* **received**: disclosures received in the year;
* **closed** (and by outcome): of those, closed by the end of the year;
  **ongoing**: of those, still open at the end of the year
  (``received == ongoing + closed``, ``closed == sum of the outcomes``);
* the share of disclosures whose 7-day acknowledgement deadline fell in the
  year that were acknowledged by it;
* median days from receipt to acknowledgement (acknowledgements in the year)
  and to closure (closures in the year);
* rewards paid in the year: how many, and the total.

Why it is built the way it is:

* **Completed quarters only, frozen.** When a quarter has ended, its raw
  per-category counts are computed *as of its last day* (from the dates on the
  cases, not their current status) and stored in ``PublishedStatistics`` with
  the table published at that moment. Nothing published is ever recomputed:
  a case closed later, a back-dated case, or a change to these rules in a later
  release cannot alter an old number, so comparing two versions of the page
  shows nothing but new rows.
* **A year appears in full once its fourth quarter is frozen.** A running
  year-to-date figure per category would let anyone subtract one quarter's
  page from the next and read off that quarter's count, which for retaliation
  is often 1 to 4. Until the year is complete only the all-categories row of
  received, ongoing and closed is shown, and each update of it is checked
  against the earlier ones (``suppression`` rule 2 and the audit).
* **Small counts are hidden, and so is anything that would reveal them**:
  see :mod:`hotline.transparency.suppression`. Shares and medians are shown
  only over at least 5 cases, and a share only when neither the cases on time
  nor the cases late number 1 to 4, and the row's received count is shown.

Publication is lazy (the first request after a quarter ends) or by
``hotline stats``. Two workers publishing at once both compute the same rows;
the primary key on ``quarter`` lets exactly one insert win.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from hotline.db import Database
from hotline.models import Disclosure, PublishedStatistics
from hotline.procedure import Category, Outcome
from hotline.transparency.suppression import THRESHOLD, State, Table, is_small
from hotline.transparency.tables import (
    ALL,
    CATEGORIES,
    CLOSED_BY,
    COUNTS,
    FORMAT,
    MEASURES,
    PROVISIONAL,
    REASON_OF_STATE,
    ROWS,
    Figure,
    PublicStatistics,
    Quarter,
    YearTable,
    last_completed_quarter,
    state_of,
)

__all__ = [
    "ALL",
    "CATEGORIES",
    "COUNTS",
    "MEASURES",
    "PROVISIONAL",
    "ROWS",
    "Figure",
    "PublicStatistics",
    "Quarter",
    "YearTable",
    "ensure_published",
    "last_completed_quarter",
    "public_statistics",
    "published_versions",
    "state_of",
]

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


# --- the table of one version --------------------------------------------------------


def _year_totals(counts: Iterable[QuarterCounts]) -> dict[str, dict[str, Any]]:
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


def _count_values(totals: Mapping[str, Any]) -> dict[str, int]:
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


def _median_figure(histogram: Mapping[str, int]) -> Figure:
    # Medians only over at least 5 cases.
    if sum(histogram.values()) < THRESHOLD:
        return Figure(None, "too_few_cases")
    return Figure(median(histogram))


def _share_figure(totals: Mapping[str, Any], received: Figure) -> Figure:
    due, in_time = totals["ack_due"], totals["ack_in_time"]
    if due < THRESHOLD:
        return Figure(None, "too_few_cases")
    # A share reveals its numerator and its complement as well as the
    # denominator: none of them may be a small count.
    if is_small(in_time) or is_small(due - in_time) or received.suppressed:
        return Figure(None, "protects_another")
    return Figure(100 * in_time // due)


def _figure(value: int, state: State) -> Figure:
    return Figure(value) if state == "shown" else Figure(None, REASON_OF_STATE[state])


def version_table(
    quarter: Quarter,
    counts: Mapping[Quarter, QuarterCounts],
    earlier: Sequence[YearTable],
) -> YearTable:
    """The table published when ``quarter`` is frozen: the full year after the
    fourth quarter, the all-categories row of the year so far before it.

    ``counts`` holds the frozen counts of this year's published quarters,
    ``earlier`` this year's earlier published versions, whose cells are fixed.
    """
    year = quarter.year
    final = quarter.number == 4

    def so_far(through: Quarter) -> dict[str, dict[str, Any]]:
        return _year_totals(c for q, c in counts.items() if q.year == year and q <= through)

    table = Table()
    history: list[tuple[int, YearTable]] = [(t.through.number, t) for t in earlier]
    for number, published in history:
        values = _count_values(so_far(published.through)[ALL])
        for measure in PROVISIONAL:
            figure = published.figure(ALL, measure) or Figure(None, "protects_another")
            table.add((number, ALL, measure), values[measure], fixed_state=state_of(figure))
        table.group((number, ALL, "received"), [(number, ALL, "ongoing"), (number, ALL, "closed")])

    totals = so_far(quarter)
    rows = ROWS if final else (ALL,)
    measures = COUNTS if final else PROVISIONAL
    now = quarter.number
    for row in rows:
        values = _count_values(totals[row])
        for measure in measures:
            table.add((now, row, measure), values[measure])
        table.group((now, row, "received"), [(now, row, "ongoing"), (now, row, "closed")])
        if final:
            table.group((now, row, "closed"), [(now, row, m) for m in CLOSED_BY])
    if final:
        for measure in COUNTS:
            table.group((now, ALL, measure), [(now, c, measure) for c in CATEGORIES])
    for measure in ("received", "closed"):
        table.chain([(n, ALL, measure) for n, _ in history] + [(now, ALL, measure)])
    table.protect()

    result: dict[str, dict[str, Figure]] = {}
    for row in rows:
        figures = {
            m: _figure(table.cells[(now, row, m)].value, table.cells[(now, row, m)].state)
            for m in measures
        }
        if final:
            figures["acknowledged_in_time_pct"] = _share_figure(totals[row], figures["received"])
            figures["median_days_to_acknowledgement"] = _median_figure(totals[row]["ack_days"])
            figures["median_days_to_closure"] = _median_figure(totals[row]["close_days"])
            paid = figures["rewards_paid"]
            # The total of hidden rewards is hidden with their count: one
            # reward's amount could be matched to one case.
            figures["rewards_paid_total_minor"] = (
                Figure(totals[row]["rewards_minor"])
                if not paid.suppressed
                else Figure(None, "protects_another")
            )
        result[row] = {m: figures[m] for m in MEASURES if m in figures}
    return YearTable(year=year, through=quarter, final=final, rows=result)


# --- publication ----------------------------------------------------------------------


def _body(quarter: Quarter, counts: QuarterCounts, table: YearTable) -> str:
    return json.dumps(
        {"format": FORMAT, "quarter": str(quarter), "counts": counts, "table": table.as_json()},
        sort_keys=False,
        separators=(",", ":"),
    )


def due_quarters(session: Session, today: dt.date) -> list[Quarter]:
    """Completed quarters not yet published, oldest first.

    Publication starts at the quarter of the first disclosure and never
    back-fills before the latest published quarter.
    """
    last = last_completed_quarter(today)
    latest = session.scalar(select(func.max(PublishedStatistics.quarter)))
    if latest is not None:
        start = Quarter.parse(latest).next()
    else:
        first = session.scalar(select(func.min(Disclosure.received_on)))
        if first is None:
            return []
        start = Quarter.of(first)
    due = []
    while start <= last:
        due.append(start)
        start = start.next()
    return due


def publish_due(session: Session, today: dt.date) -> list[Quarter]:
    """Freeze every completed quarter not yet published; the caller commits."""
    due = due_quarters(session, today)
    if not due:
        return []
    fresh = quarter_counts(session, due)
    stored = {
        Quarter.parse(row.quarter): json.loads(row.body)
        for row in session.scalars(
            select(PublishedStatistics).where(
                PublishedStatistics.quarter >= f"{due[0].year}Q1",
                PublishedStatistics.quarter < str(due[0]),
            )
        )
    }
    counts: dict[Quarter, QuarterCounts] = {q: b["counts"] for q, b in stored.items()}
    tables: dict[Quarter, YearTable] = {
        q: YearTable.from_json(b["table"]) for q, b in stored.items()
    }
    for quarter in due:
        counts[quarter] = fresh[quarter]
        earlier = [t for q, t in sorted(tables.items()) if q.year == quarter.year]
        table = version_table(quarter, counts, earlier)
        tables[quarter] = table
        session.add(
            PublishedStatistics(
                quarter=str(quarter), body=_body(quarter, fresh[quarter], table), published_on=today
            )
        )
    session.flush()
    return due


def ensure_published(database: Database, today: dt.date) -> list[Quarter]:
    """Publish what is due in a transaction of its own; safe under concurrency.

    When another worker or host publishes the same quarter first, our insert
    fails on the primary key (PostgreSQL), or SQLite refuses our write because
    our snapshot is stale; either way we roll back and look again, and find
    nothing left to do. The rows that count are the first ones; computed from
    the same dates, they equal ours.
    """
    for attempt in range(3):
        try:
            with database.transaction() as session:
                return publish_due(session, today)
        except IntegrityError:
            continue
        except OperationalError:
            if attempt == 2:
                raise
    return []


def public_statistics(session: Session) -> PublicStatistics:
    """The public table, read from frozen quarters only: per year, the version
    published with its latest quarter."""
    latest: dict[int, Quarter] = {}
    for text in session.scalars(select(PublishedStatistics.quarter)):
        quarter = Quarter.parse(text)
        latest[quarter.year] = max(quarter, latest.get(quarter.year, quarter))
    tables = [
        YearTable.from_json(json.loads(body)["table"])
        for body in session.scalars(
            select(PublishedStatistics.body).where(
                PublishedStatistics.quarter.in_([str(q) for q in latest.values()])
            )
        )
    ]
    return PublicStatistics(tuple(sorted(tables, key=lambda t: t.year, reverse=True)))


def published_versions(session: Session) -> list[YearTable]:
    """Every table ever published, oldest first (for audits and tests)."""
    return [
        YearTable.from_json(json.loads(body)["table"])
        for body in session.scalars(
            select(PublishedStatistics.body).order_by(PublishedStatistics.quarter)
        )
    ]
