"""An outsider's attack on the published statistics, written apart from the code
under test: it sees only what the page, the CSV or the JSON publish, across
every version, and tries to work out a hidden small count."""

from __future__ import annotations

import datetime as dt
import html.parser
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import cast

from hotline.procedure import Outcome
from hotline.transparency.suppression import State, Table
from hotline.transparency.tables import (
    ALL,
    CATEGORIES,
    COUNTS,
    PROVISIONAL,
    ROWS,
    YearTable,
    state_of,
)
from tests.transparency.highs import highs_attack
from tests.transparency.history import Case

CLOSED_BY = [f"closed_{o}" for o in Outcome]
Key = tuple[int, int, str, str]


# --- the truth, computed independently from the generated cases ----------------------


def expected_counts(
    cases: Iterable[Case], year: int, through: dt.date
) -> dict[str, dict[str, int]]:
    """The year's counts as of ``through``: received, ongoing, closed by outcome, rewards."""
    values = {row: dict.fromkeys(COUNTS, 0) for row in ROWS}
    for case in cases:
        for row in (case.category, ALL):
            counts = values[row]
            if case.received_on.year == year and case.received_on <= through:
                counts["received"] += 1
                if case.closed_on is not None and case.closed_on <= through and case.outcome:
                    counts["closed"] += 1
                    counts[f"closed_{case.outcome}"] += 1
            paid = case.reward_paid_on
            if paid is not None and paid.year == year and paid <= through:
                counts["rewards_paid"] += 1
    for counts in values.values():
        counts["ongoing"] = counts["received"] - counts["closed"]
    return values


# --- the relations anyone can write down ---------------------------------------------


def groups_of(table: YearTable, version: int) -> list[tuple[Key, list[Key]]]:
    """(total, parts) of every additive relation of one published table."""
    y = table.year
    found: list[tuple[Key, list[Key]]] = []
    rows = [r for r in ROWS if r in table.rows]
    for row in rows:
        found.append(
            (
                (y, version, row, "received"),
                [(y, version, row, "ongoing"), (y, version, row, "closed")],
            )
        )
        if table.final:
            found.append(((y, version, row, "closed"), [(y, version, row, m) for m in CLOSED_BY]))
    if table.final:
        for measure in COUNTS:
            found.append(
                ((y, version, ALL, measure), [(y, version, c, measure) for c in CATEGORIES])
            )
    return found


def count_cells(table: YearTable, version: int) -> dict[Key, str]:
    """Every published count as its CSV token ("412", "<5" or "x")."""
    measures = COUNTS if table.final else PROVISIONAL
    cells = {}
    for row, figures in table.rows.items():
        for measure in measures:
            cells[(table.year, version, row, measure)] = figures[measure].csv
    return cells


def cell_states(table: YearTable, version: int) -> dict[Key, State]:
    """Every published count's suppression state, from its marker."""
    measures = COUNTS if table.final else PROVISIONAL
    return {
        (table.year, version, row, measure): state_of(figures[measure])
        for row, figures in table.rows.items()
        for measure in measures
    }


def group_rule_violations(tables: Sequence[YearTable]) -> list[str]:
    """No group has exactly one hidden cell; hidden parts under a shown total
    never add up to 1-4."""
    problems = []
    for table in tables:
        cells = count_cells(table, table.through.number)
        for total, parts in groups_of(table, table.through.number):
            hidden = [k for k in (total, *parts) if not cells[k].isdigit()]
            if len(hidden) == 1:
                problems.append(f"only {hidden[0]} hidden in its group")
            if hidden and cells[total].isdigit():
                rest = int(cells[total]) - sum(int(cells[p]) for p in parts if cells[p].isdigit())
                if 0 < rest < 5:
                    problems.append(f"hidden parts of {total} add up to {rest}")
    return problems


def determined_by_equations(tables: Sequence[YearTable]) -> list[Key]:
    """Hidden cells that the additive relations alone pin down (exact arithmetic):
    a cell is determined iff its unit vector lies in the row space of the
    relations restricted to the hidden cells."""
    cells: dict[Key, str] = {}
    relations: list[tuple[Key, list[Key]]] = []
    for table in tables:
        cells |= count_cells(table, table.through.number)
        relations += groups_of(table, table.through.number)
    hidden = sorted(k for k, v in cells.items() if not v.isdigit())
    index = {k: i for i, k in enumerate(hidden)}
    matrix = []
    for total, parts in relations:
        row = [Fraction(0)] * len(hidden)
        for key, coef in [(total, 1), *((p, -1) for p in parts)]:
            if key in index:
                row[index[key]] += coef
        if any(row):
            matrix.append(row)
    base_rank = _rank(matrix)
    found = []
    for key, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(hidden))]
        if _rank([*matrix, unit]) == base_rank:
            found.append(key)
    return found


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [list(r) for r in rows]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][column] != 0:
                f = rows[i][column] / rows[rank][column]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def bounded_attack(
    tables: Sequence[YearTable], truth: Mapping[Key, int]
) -> list[tuple[tuple[Key, ...], int, int]]:
    """With the bounds an outsider knows ("<5" is 1-4, "x" at least 1 as zeros
    are never hidden, growing counts never shrink), the range of every hidden
    small count and every small increment between versions. Returns those left
    with one possible value."""
    system = Table()
    for table in tables:
        version = table.through.number
        for key, token in count_cells(table, version).items():
            if token.isdigit():
                assert int(token) == truth[key], key
            system.add(key, truth[key], fixed_state=cell_states(table, version)[key])
        for total, parts in groups_of(table, version):
            system.group(total, parts)
    for year in {t.year for t in tables}:
        versions = sorted(t.through.number for t in tables if t.year == year)
        for measure in ("received", "closed"):
            system.chain([(year, v, ALL, measure) for v in versions])
    # Solved by HiGHS, not by the suppression code's own simplex: see highs.py.
    found = []
    for terms, (low, high) in highs_attack(system).items():
        if high - low < 1:
            found.append((tuple(cast(Key, k) for k, _ in terms), low, int(high)))
    return found


# --- reading the page back ---------------------------------------------------------------


class StatsTables(html.parser.HTMLParser):
    """The page's tables as {year: {(row, measure): text}}."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[int, dict[tuple[str, str], str]] = {}
        self._year: int | None = None
        self._columns: list[str] = []
        self._measure: str | None = None
        self._column = 0
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and "stats" in (attributes.get("class") or "").split():
            self._year = int((attributes.get("id") or "t0")[1:])
            self.tables[self._year] = {}
            self._columns = []
        elif tag == "th" and attributes.get("data-row"):
            self._columns.append(attributes["data-row"] or "")
        elif tag == "tr" and attributes.get("data-measure"):
            self._measure = attributes["data-measure"]
            self._column = 0
        elif tag == "td" and self._measure:
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._text is not None and self._year is not None and self._measure:
            row = self._columns[self._column]
            self.tables[self._year][(row, self._measure)] = "".join(self._text).strip()
            self._column += 1
            self._text = None
        elif tag == "tr":
            self._measure = None
        elif tag == "table":
            self._year = None


def page_token(text: str, measure: str) -> str:
    """The page's text of a cell as the CSV writes it."""
    if text == "fewer than 5":
        return "<5"
    if text in ("x", ""):
        return text
    plain = text.replace(",", "").replace("%", "").strip()
    if measure == "rewards_paid_total_minor":
        return str(round(float(plain) * 100))
    return plain
