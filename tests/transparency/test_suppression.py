"""The suppression rules, checked against two attackers that share no code with
them: a brute-force search for a second whole number assignment of the hidden
cells that fits every published value, and a linear-programming attack solved by
scipy's HiGHS, a solver the code under test does not use (the code's own
``_Simplex`` is checked against HiGHS too, so a solver bug cannot make the
protection and the attack agree)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hotline.transparency.simplex import linear_range
from hotline.transparency.suppression import CellKey, Group, SuppressionError, Table
from tests.transparency.highs import highs_attack, highs_leaks, highs_range

SLACK = 25


def column(values: Mapping[str, int]) -> Table:
    table = Table()
    for key, value in values.items():
        table.add((key,), value)
    table.add(("all",), sum(values.values()))
    table.group(("all",), [(k,) for k in values])
    return table


def grid(values: Sequence[Sequence[int]]) -> Table:
    """A table with row totals, column totals and the grand total."""
    table = Table()
    rows, columns = len(values), len(values[0])
    for r, c in itertools.product(range(rows), range(columns)):
        table.add((r, c), values[r][c])
    for r in range(rows):
        table.add((r, "total"), sum(values[r]))
        table.group((r, "total"), [(r, c) for c in range(columns)])
    for c in range(columns):
        table.add(("total", c), sum(row[c] for row in values))
        table.group(("total", c), [(r, c) for r in range(rows)])
    table.add(("total", "total"), sum(map(sum, values)))
    table.group(("total", "total"), [("total", c) for c in range(columns)])
    table.group(("total", "total"), [(r, "total") for r in range(rows)])
    return table


def alternative_exists(table: Table, target: CellKey) -> bool:
    """Is there an assignment of the hidden cells, consistent with everything
    shown, in which ``target`` differs from its true value? ("<5" is 1-4, "x"
    at least 1 (at least 0 when withheld), searched up to SLACK above the truth.)"""
    hidden = [k for k, c in table.cells.items() if c.hidden]
    domains: dict[CellKey, list[int]] = {}
    for key in hidden:
        cell = table.cells[key]
        if cell.state == "small":
            values = range(1, 5)
        else:
            values = range(0 if cell.state == "withheld" else 1, cell.value + SLACK)
        domains[key] = [v for v in values if key != target or v != cell.value]
    shown = {k: c.value for k, c in table.cells.items() if not c.hidden}
    return _search(
        dict(shown), domains, table.groups, sorted(hidden, key=lambda k: len(domains[k]))
    )


def _search(
    assigned: dict[CellKey, int],
    domains: Mapping[CellKey, list[int]],
    groups: Sequence[Group],
    order: Sequence[CellKey],
) -> bool:
    for group in groups:
        low = high = 0
        for key, sign in [(group.total, 1), *((p, -1) for p in group.parts)]:
            options = [assigned[key]] if key in assigned else domains[key]
            if not options:
                return False
            low += sign * (min(options) if sign > 0 else max(options))
            high += sign * (max(options) if sign > 0 else min(options))
        if not low <= 0 <= high:
            return False
    free = [k for k in order if k not in assigned]
    if not free:
        return True
    key = free[0]
    for value in domains[key]:
        assigned[key] = value
        if _search(assigned, domains, groups, order):
            return True
        del assigned[key]
    return False


def assert_protected(table: Table) -> None:
    for key, cell in table.cells.items():
        if 0 < cell.value < 5:
            assert cell.hidden, key
        if cell.hidden and cell.state != "withheld":
            assert cell.value > 0, "zeros are never hidden"
    for group in table.groups:
        hidden = [k for k in group.members if table.cells[k].hidden]
        assert len(hidden) != 1, group
    for key, cell in table.cells.items():
        if cell.hidden and 0 < cell.value < 5:
            assert alternative_exists(table, key), f"{key} = {cell.value} can be worked out"
    assert highs_leaks(table) == [], "HiGHS works a small count out"


def test_one_small_cell_gets_a_complement() -> None:
    table = column({"tax": 120, "staff": 60, "retaliation": 2, "other": 7})
    table.protect()
    assert table.states()[("retaliation",)] == "small"
    assert table.states()[("other",)] == "protect"
    assert table.states()[("tax",)] == "shown"
    assert_protected(table)


def test_markers_alone_can_give_a_count_away() -> None:
    # Four "fewer than 5" parts under a "fewer than 5" total must all be 1.
    table = grid([[1, 1, 1, 1], [40, 30, 20, 10]])
    table.protect()
    assert any(s == "protect" for k, s in table.states().items() if k[0] == 0)
    assert_protected(table)


def test_a_year_with_a_handful_of_cases_is_withheld() -> None:
    table = grid([[2, 3, 1, 1], [1, 0, 4, 0], [4, 0, 0, 2], [1, 1, 1, 1], [1, 2, 3, 2]])
    table.protect()
    assert_protected(table)


def test_hidden_parts_never_add_up_to_a_small_count() -> None:
    table = column({"tax": 120, "staff": 60, "retaliation": 1, "other": 2})
    table.protect()
    hidden = [k for k, s in table.states().items() if s != "shown"]
    assert len(hidden) == 3
    assert_protected(table)


def test_a_growing_count_never_shows_a_small_step() -> None:
    table = Table()
    table.add(("q1",), 40, fixed_state="shown")
    table.add(("q2",), 43)
    table.chain([("q1",), ("q2",)])
    table.protect()
    assert table.states()[("q2",)] == "protect"


def test_fixed_cells_never_change() -> None:
    table = column({"tax": 120, "staff": 60, "retaliation": 2, "other": 7})
    for key in [("tax",), ("staff",), ("other",), ("all",)]:
        table.cells[key].fixed = True
    with pytest.raises(SuppressionError):
        table.protect()


def test_linear_range() -> None:
    assert linear_range([1, 0], [1, 5], [4, float("inf")], [([1, 1], 7.0)], []) == (1.0, 2.0)
    low, high = linear_range([1, -1], [0, 0], [10, 10], [], [([1, -1], 0.0)])
    assert (low, high) == (-10.0, 0.0)


small_heavy = st.integers(min_value=0, max_value=14)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(small_heavy, min_size=3, max_size=3), min_size=3, max_size=3))
def test_random_tables_leave_every_small_count_uncertain(values: list[list[int]]) -> None:
    table = grid(values)
    table.protect()
    assert_protected(table)


def test_the_highs_attack_breaks_an_unsuppressed_table() -> None:
    # The attack can fail a table: one small cell hidden alone is worked out.
    table = column({"tax": 120, "staff": 60, "retaliation": 2, "other": 7})
    table.cells[("retaliation",)].state = "small"
    assert highs_attack(table) == {((("retaliation",), 1),): (2, 2)}
    assert highs_leaks(table) == [((("retaliation",), 1),)]
    # Markers alone: four "<5" parts under a "<5" total of 4 must all be 1.
    table = Table()
    for name in "abcd":
        table.add((name,), 1, fixed_state="small")
    table.add(("all",), 4, fixed_state="small")
    table.group(("all",), [(name,) for name in "abcd"])
    assert all(high - low < 1 for low, high in highs_attack(table).values())
    # A growing count whose step of 3 shows through its hidden later version.
    table = Table()
    table.add(("q1",), 40, fixed_state="shown")
    table.add(("q2",), 43, fixed_state="protect")
    table.add(("q2", "part"), 43, fixed_state="shown")
    table.group(("q2",), [("q2", "part")])
    table.chain([("q1",), ("q2",)])
    assert highs_leaks(table) != []


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n),
            st.lists(st.integers(min_value=0, max_value=6), min_size=n, max_size=n),
            st.lists(st.one_of(st.none(), st.integers(0, 8)), min_size=n, max_size=n),
            st.lists(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n), max_size=3),
            st.lists(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n), max_size=2),
        )
    )
)
def test_the_code_s_simplex_agrees_with_highs(
    case: tuple[list[int], list[int], list[int | None], list[list[int]], list[list[int]]],
) -> None:
    objective, lower, extra, equality_rows, inequality_rows = case
    upper = [None if e is None else lo + e for lo, e in zip(lower, extra, strict=True)]
    # A point inside the bounds makes every system feasible.
    point = [lo if hi is None else (lo + hi) // 2 for lo, hi in zip(lower, upper, strict=True)]
    equalities = [(row, float(np.dot(row, point))) for row in equality_rows]
    inequalities = [(row, float(np.dot(row, point)) + 1) for row in inequality_rows]
    bounds = [
        (float(lo), None if hi is None else float(hi)) for lo, hi in zip(lower, upper, strict=True)
    ]
    theirs = highs_range(objective, bounds, equalities, inequalities)
    # The code's ranges are of counts, bounded below; so is what it is asked here.
    assume(math.isfinite(theirs[0]))
    ours = linear_range(
        [float(c) for c in objective],
        [float(lo) for lo in lower],
        [math.inf if hi is None else float(hi) for hi in upper],
        equalities,
        inequalities,
    )
    assert ours[0] == pytest.approx(theirs[0], abs=1e-6)
    if math.isinf(theirs[1]):
        assert math.isinf(ours[1])
    else:
        assert ours[1] == pytest.approx(theirs[1], abs=1e-6)
