"""The linear-programming attack on a published table, solved by scipy's HiGHS.

The suppression code bounds what an outsider can work out with its own small
simplex (``_Simplex``); an attack that used the same solver would agree with it
even where the solver is wrong. This one shares no code with it: the bounds are
written from what each published marker means, and HiGHS does the solving.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from hotline.transparency.suppression import CellKey, Table

Terms = tuple[tuple[CellKey, int], ...]

#: What each published marker tells an outsider: "<5" is 1 to 4, "x" at least 1,
#: a withheld cell at least 0. Written from the published meaning, not the code's.
MARKER_BOUNDS: dict[str, tuple[float, float | None]] = {
    "small": (1.0, 4.0),
    "protect": (1.0, None),
    "withheld": (0.0, None),
}


def highs_range(
    objective: Sequence[float],
    bounds: Sequence[tuple[float, float | None]],
    equalities: Sequence[tuple[Sequence[float], float]],
    inequalities: Sequence[tuple[Sequence[float], float]],
) -> tuple[float, float]:
    """Min and max of ``objective · x`` by HiGHS (infinite where unbounded)."""
    options: dict[str, object] = {"bounds": list(bounds), "method": "highs"}
    if equalities:
        options["A_eq"] = np.array([row for row, _ in equalities], dtype=float)
        options["b_eq"] = np.array([b for _, b in equalities], dtype=float)
    if inequalities:
        options["A_ub"] = np.array([row for row, _ in inequalities], dtype=float)
        options["b_ub"] = np.array([b for _, b in inequalities], dtype=float)
    c = np.array(objective, dtype=float)
    low = linprog(c, **options)
    if low.status == 3:  # unbounded below: never so for a count or a growing count's step
        return float("-inf"), float("inf")
    assert low.status == 0, low.message
    high = linprog(-c, **options)
    if high.status == 3:  # unbounded
        return float(low.fun), float("inf")
    assert high.status == 0, high.message
    return float(low.fun), float(-high.fun)


def highs_attack(table: Table) -> dict[Terms, tuple[int, float]]:
    """For every small count an outsider must not work out (a hidden cell, or a
    step of a growing count), the whole values the published table allows."""
    hidden = [k for k, c in table.cells.items() if c.hidden]
    index = {k: i for i, k in enumerate(hidden)}
    bounds = [MARKER_BOUNDS[table.cells[k].state] for k in hidden]

    def linear(terms: Sequence[tuple[CellKey, int]]) -> tuple[list[float], float]:
        row, constant = [0.0] * len(hidden), 0.0
        for key, coef in terms:
            if key in index:
                row[index[key]] += coef
            else:
                constant += coef * table.cells[key].value
        return row, constant

    equalities = []
    for group in table.groups:
        row, constant = linear([(group.total, 1), *((p, -1) for p in group.parts)])
        equalities.append((row, -constant))
    inequalities = []
    for chain in table.chains:
        for earlier, later in itertools.pairwise(chain):
            row, constant = linear([(earlier, 1), (later, -1)])
            inequalities.append((row, -constant))
    targets: list[Terms] = [((k, 1),) for k in hidden if 0 < table.cells[k].value < 5]
    for chain in table.chains:
        for earlier, later in itertools.pairwise(chain):
            step = table.cells[later].value - table.cells[earlier].value
            if 0 < step < 5 and (table.cells[later].hidden or table.cells[earlier].hidden):
                targets.append(((later, 1), (earlier, -1)))
    found = {}
    for terms in targets:
        objective, constant = linear(terms)
        if not any(objective):
            found[terms] = (int(constant), float(constant))
            continue
        low, high = highs_range(objective, bounds, equalities, inequalities)
        found[terms] = (
            math.ceil(low + constant - 1e-6),
            math.floor(high + constant + 1e-6) if math.isfinite(high) else math.inf,
        )
    return found


def highs_leaks(table: Table) -> list[Terms]:
    return [terms for terms, (low, high) in highs_attack(table).items() if high - low < 1]
