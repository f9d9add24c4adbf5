"""A small exact-enough linear programme: the solver behind the suppression audit.

:func:`linear_range` gives the smallest and largest value a linear objective
can take under bounds, equalities and inequalities. ``suppression`` uses it to
find what an outsider could deduce of a hidden count from everything published.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

_EPS = 1e-9


def linear_range(
    objective: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    equalities: Sequence[tuple[Sequence[float], float]],
    inequalities: Sequence[tuple[Sequence[float], float]],
) -> tuple[float, float]:
    """Minimum and maximum of ``objective · x`` subject to ``lower <= x <= upper``,
    ``a · x == b`` and ``a · x <= b``. The systems here are tiny (tens of cells)
    with coefficients ±1, so a dense two-phase simplex in floats is plenty."""
    n = len(objective)
    if n == 0:
        return 0.0, 0.0
    finite_upper = [j for j in range(n) if math.isfinite(upper[j])]
    # Variables: y = x - lower (n), one slack per inequality and per finite upper bound.
    rows: list[list[float]] = []
    rhs: list[float] = []
    slack_count = len(inequalities) + len(finite_upper)
    width = n + slack_count

    def shifted(coefficients: Sequence[float], bound: float) -> float:
        return bound - sum(c * lower[j] for j, c in enumerate(coefficients))

    for coefficients, bound in equalities:
        rows.append([*coefficients, *([0.0] * slack_count)])
        rhs.append(shifted(coefficients, bound))
    for s, (coefficients, bound) in enumerate(inequalities):
        row = [*coefficients, *([0.0] * slack_count)]
        row[n + s] = 1.0
        rows.append(row)
        rhs.append(shifted(coefficients, bound))
    for s, j in enumerate(finite_upper):
        row = [0.0] * width
        row[j] = 1.0
        row[n + len(inequalities) + s] = 1.0
        rows.append(row)
        rhs.append(upper[j] - lower[j])
    simplex = _Simplex(rows, rhs, width)
    shift = sum(c * lower[j] for j, c in enumerate(objective))
    cost = [*objective, *([0.0] * slack_count)]
    low = simplex.copy().minimise(cost)
    high = simplex.copy().minimise([-c for c in cost])
    return low + shift, (-high + shift) if math.isfinite(high) else math.inf


class _Simplex:
    """A feasible canonical tableau (after phase one) that objectives can be
    minimised over. Bland's rule: no cycling."""

    def __init__(self, rows: list[list[float]], rhs: list[float], width: int) -> None:
        m = len(rows)
        for i in range(m):
            if rhs[i] < 0:
                rows[i] = [-v for v in rows[i]]
                rhs[i] = -rhs[i]
        # Phase one: an artificial variable per row, minimise their sum.
        self.rows = [rows[i] + [1.0 if k == i else 0.0 for k in range(m)] for i in range(m)]
        self.rhs = list(rhs)
        self.basis = [width + i for i in range(m)]
        self.width = width + m
        infeasibility = self._run([0.0] * width + [1.0] * m)
        if infeasibility > 1e-7:
            raise ValueError("the published values are inconsistent")
        # Drive artificial variables out of the basis, dropping redundant rows.
        keep: list[int] = []
        for i in range(m):
            if self.basis[i] >= width:
                column = next((j for j in range(width) if abs(self.rows[i][j]) > _EPS), None)
                if column is None:
                    continue
                self._pivot(i, column)
            keep.append(i)
        self.rows = [self.rows[i][:width] for i in keep]
        self.rhs = [self.rhs[i] for i in keep]
        self.basis = [self.basis[i] for i in keep]
        self.width = width

    def copy(self) -> _Simplex:
        clone = object.__new__(_Simplex)
        clone.rows = [list(r) for r in self.rows]
        clone.rhs = list(self.rhs)
        clone.basis = list(self.basis)
        clone.width = self.width
        return clone

    def minimise(self, cost: Sequence[float]) -> float:
        return self._run(cost)

    def _pivot(self, row: int, column: int) -> None:
        pivot_row = self.rows[row]
        factor = pivot_row[column]
        pivot_row = [v / factor for v in pivot_row]
        self.rows[row] = pivot_row
        self.rhs[row] /= factor
        for i, other in enumerate(self.rows):
            if i != row:
                f = other[column]
                if abs(f) > _EPS:
                    self.rows[i] = [a - f * b for a, b in zip(other, pivot_row, strict=True)]
                    self.rhs[i] -= f * self.rhs[row]
        self.basis[row] = column

    def _run(self, cost: Sequence[float]) -> float:
        while True:
            basic_cost = [cost[b] for b in self.basis]
            entering = None
            for j in range(self.width):
                reduced = cost[j] - sum(
                    c * r[j] for c, r in zip(basic_cost, self.rows, strict=True) if c
                )
                if reduced < -_EPS:
                    entering = j
                    break
            if entering is None:
                return sum(c * b for c, b in zip(basic_cost, self.rhs, strict=True))
            best: tuple[float, int, int] | None = None
            for i, r in enumerate(self.rows):
                if r[entering] > _EPS:
                    candidate = (self.rhs[i] / r[entering], self.basis[i], i)
                    if best is None or candidate[:2] < best[:2]:
                        best = candidate
            if best is None:
                return -math.inf
            self._pivot(best[2], entering)
