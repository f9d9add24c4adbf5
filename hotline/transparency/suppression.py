"""Small-count protection: which cells of a published table must be hidden.

Why: a count of 1 to 4 disclosures about a rare event (retaliation at one
border post, one reward paid) can single out the reporter. So such counts are
never published, and neither is anything from which they can be worked out.

The rules, applied to a :class:`Table` of integer counts:

1. **Primary**: a count from 1 to 4 is hidden and marked "fewer than 5"
   (state ``small``). Zero is always shown: it singles out no one.
2. **Over time**: a table may update earlier published versions (the year so
   far, after each quarter). For a count that grows, the difference from the
   last version in which it was shown is a count too: if it is from 1 to 4,
   the new value is hidden (state ``protect``, marked "x").
3. **Complementary**: in every additive group (a total and its parts: a row,
   a column), a lone hidden cell is the total minus the shown ones. So when
   exactly one cell of a group is hidden, the smallest remaining part of at
   least 5 is hidden too (the total if no part qualifies); and when the hidden
   parts under a shown total add up to 1 to 4, one more is hidden.
4. **Audit**: those are the usual heuristics, not a proof, so every table is
   then attacked as an outsider would: with every value published in this and
   earlier versions, every additive relation, the bounds the markers give
   ("fewer than 5" is 1 to 4; "x" is at least 1, since zeros are never hidden)
   and the fact that growing counts never shrink, a linear programme finds the
   smallest and largest possible value of every hidden count from 1 to 4 and
   of every increment from 1 to 4 between versions. Where only one whole
   number is possible, the cheapest change that removes the leak is made:
   first turning a "fewer than 5" marker nearby into "x" (which hides no
   number), then hiding the smallest nearby count of at least 5. Repeat.
5. **Withhold**: if nothing is left to hide (a year with a handful of cases),
   every cell of the version is withheld ("x", zeros included).

Cells published in an earlier version are ``fixed``: their state never
changes, so old numbers stay exactly as first published.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from hotline.transparency.simplex import linear_range

#: Counts from 1 to THRESHOLD - 1 are never published.
THRESHOLD = 5

State = Literal["shown", "small", "protect", "withheld"]
CellKey = tuple[Hashable, ...]

#: What an outsider knows of a hidden cell from its marker: (lowest, highest).
_BOUNDS: dict[State, tuple[float, float]] = {
    "small": (1.0, float(THRESHOLD - 1)),
    "protect": (1.0, math.inf),
    "withheld": (0.0, math.inf),
}


class SuppressionError(RuntimeError):
    """Even with everything withheld a small count would be revealed (only
    possible through earlier, fixed versions). Publication stops instead."""


def is_small(value: int) -> bool:
    return 0 < value < THRESHOLD


@dataclass
class Cell:
    value: int
    state: State = "shown"
    #: Published in an earlier version: its state can no longer change.
    fixed: bool = False

    @property
    def hidden(self) -> bool:
        return self.state != "shown"


@dataclass(frozen=True)
class Group:
    """``total == sum(parts)``."""

    total: CellKey
    parts: tuple[CellKey, ...]

    @property
    def members(self) -> tuple[CellKey, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Leak:
    """A small count an outsider must not work out: ``sum(coef * cell)``."""

    terms: tuple[tuple[CellKey, int], ...]
    value: int

    @property
    def keys(self) -> set[CellKey]:
        return {key for key, _ in self.terms}


@dataclass
class Table:
    cells: dict[CellKey, Cell] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    #: Cells of one growing count over successive versions, oldest first.
    chains: list[tuple[CellKey, ...]] = field(default_factory=list)

    def add(self, key: CellKey, value: int, *, fixed_state: State | None = None) -> None:
        if value < 0:
            raise ValueError(f"negative count for {key}")
        if fixed_state is None:
            self.cells[key] = Cell(value)
        else:
            self.cells[key] = Cell(value, fixed_state, fixed=True)

    def group(self, total: CellKey, parts: Iterable[CellKey]) -> None:
        self.groups.append(Group(total, tuple(parts)))

    def chain(self, keys: Iterable[CellKey]) -> None:
        self.chains.append(tuple(keys))

    def states(self) -> dict[CellKey, State]:
        return {key: cell.state for key, cell in self.cells.items()}

    # --- the rules --------------------------------------------------------------

    def protect(self) -> None:
        """Apply the rules until the audit finds nothing; fixed cells never change."""
        for cell in self.cells.values():
            if not cell.fixed and is_small(cell.value):
                cell.state = "small"
        self._over_time()
        self._complementary()
        while leaks := self.leaks():
            if not self._repair(leaks[0]):
                self._withhold()
                if self.leaks():
                    raise SuppressionError("a small count is revealed by earlier versions")
                return
            self._complementary()

    def _over_time(self) -> None:
        for chain in self.chains:
            last_shown: Cell | None = None
            for key in chain:
                cell = self.cells[key]
                if (
                    not cell.fixed
                    and not cell.hidden
                    and last_shown is not None
                    and is_small(cell.value - last_shown.value)
                ):
                    cell.state = "protect"
                if not cell.hidden:
                    last_shown = cell

    def _can_hide(self, key: CellKey) -> bool:
        cell = self.cells[key]
        # Zero is never hidden (it protects nothing); 1-4 are hidden already.
        return not cell.fixed and not cell.hidden and cell.value >= THRESHOLD

    def _complementary(self) -> None:
        changed = True
        while changed:
            changed = False
            for group in self.groups:
                hidden = [k for k in group.members if self.cells[k].hidden]
                if not hidden:
                    continue
                needs_more = len(hidden) == 1
                if not self.cells[group.total].hidden:
                    hidden_sum = sum(self.cells[k].value for k in hidden)
                    needs_more = needs_more or is_small(hidden_sum)
                if not needs_more:
                    continue
                candidate = self._smallest(group.parts) or self._smallest((group.total,))
                if candidate is not None:
                    self.cells[candidate].state = "protect"
                    changed = True

    def _smallest(self, keys: Iterable[CellKey]) -> CellKey | None:
        candidates = [k for k in keys if self._can_hide(k)]
        if not candidates:
            return None
        # The smallest remaining cell: hiding it costs readers least. Ties go
        # to the first in table order, so the result is deterministic.
        return min(candidates, key=lambda k: self.cells[k].value)

    def _around(self, keys: set[CellKey]) -> list[CellKey]:
        """``keys`` and every cell sharing a group or a chain with one of them."""
        found = list(keys)
        for members in [g.members for g in self.groups] + list(self.chains):
            if keys & set(members):
                found += members
        return list(dict.fromkeys(found))

    def _repair(self, leak: Leak) -> bool:
        """Make the cheapest change that leaves ``leak`` uncertain; False when
        nothing is left to hide."""
        near = self._around(leak.keys)
        markers = [k for k in near if self.cells[k].state == "small" and not self.cells[k].fixed]
        hideable = sorted((k for k in near if self._can_hide(k)), key=lambda k: self.cells[k].value)
        # A "fewer than 5" marker turned into "x" hides no number, only a bound.
        for key in [*markers, *hideable]:
            before = self.cells[key].state
            self.cells[key].state = "protect"
            low, high = self.possible_range(leak)
            if high - low >= 1:
                return True
            self.cells[key].state = before
        # No single change is enough: hide the smallest nearby count and go on.
        wider = self._around(self._component_of(leak.keys) | leak.keys)
        candidate = (
            self._smallest(near) or self._smallest(wider) or self._smallest(list(self.cells))
        )
        if candidate is None:
            return False
        self.cells[candidate].state = "protect"
        return True

    def _withhold(self) -> None:
        for cell in self.cells.values():
            if not cell.fixed:
                cell.state = "withheld"

    # --- the audit ----------------------------------------------------------------

    def _relations(
        self,
    ) -> tuple[list[dict[CellKey, int]], list[tuple[CellKey, CellKey]]]:
        equalities = [{g.total: 1, **{p: -1 for p in g.parts}} for g in self.groups]
        monotone = [(c[i], c[i + 1]) for c in self.chains for i in range(len(c) - 1)]
        return equalities, monotone

    def _component_of(self, start: set[CellKey]) -> set[CellKey]:
        """Hidden cells linked to ``start`` through relations with hidden cells."""
        equalities, monotone = self._relations()
        links = [list(e) for e in equalities] + [list(pair) for pair in monotone]
        component = {k for k in start if self.cells[k].hidden}
        grew = True
        while grew:
            grew = False
            for members in links:
                hidden = {k for k in members if self.cells[k].hidden}
                if hidden & component and not hidden <= component:
                    component |= hidden
                    grew = True
        return component

    def targets(self) -> list[Leak]:
        """Every small count an outsider must not be able to work out."""
        found = [
            Leak(((k, 1),), c.value)
            for k, c in self.cells.items()
            if c.hidden and is_small(c.value)
        ]
        for chain in self.chains:
            for earlier, later in zip(chain, chain[1:], strict=False):
                step = self.cells[later].value - self.cells[earlier].value
                if is_small(step) and (self.cells[later].hidden or self.cells[earlier].hidden):
                    found.append(Leak(((later, 1), (earlier, -1)), step))
        return found

    def leaks(self) -> list[Leak]:
        """The targets whose value the published table determines."""
        found = []
        for target in self.targets():
            low, high = self.possible_range(target)
            if high - low < 1:
                found.append(target)
        return found

    def possible_range(self, target: Leak) -> tuple[int, float]:
        """The smallest and largest whole value an outsider can deduce for ``target``."""
        component = sorted(self._component_of(target.keys), key=repr)
        index = {k: i for i, k in enumerate(component)}
        lower = [_BOUNDS[self.cells[k].state][0] for k in component]
        upper = [_BOUNDS[self.cells[k].state][1] for k in component]
        equalities, monotone = self._relations()
        rows: list[tuple[list[float], float]] = []
        for relation in equalities:
            if not index.keys() & relation.keys():
                continue
            coefficients = [0.0] * len(component)
            constant = 0.0
            for key, coef in relation.items():
                if key in index:
                    coefficients[index[key]] += coef
                else:
                    constant += coef * self.cells[key].value
            rows.append((coefficients, -constant))
        inequalities: list[tuple[list[float], float]] = []
        for earlier, later in monotone:
            a, b = self.cells[earlier], self.cells[later]
            if earlier in index and later in index:
                coefficients = [0.0] * len(component)
                coefficients[index[earlier]] = 1.0
                coefficients[index[later]] = -1.0
                inequalities.append((coefficients, 0.0))
            elif earlier in index and not b.hidden:
                upper[index[earlier]] = min(upper[index[earlier]], float(b.value))
            elif later in index and not a.hidden:
                lower[index[later]] = max(lower[index[later]], float(a.value))
        objective = [0.0] * len(component)
        constant = 0.0
        for key, coef in target.terms:
            if key in index:
                objective[index[key]] += coef
            else:
                constant += coef * self.cells[key].value
        low, high = linear_range(objective, lower, upper, rows, inequalities)
        low_whole = math.ceil(low + constant - 1e-6)
        high_whole = math.floor(high + constant + 1e-6) if math.isfinite(high) else math.inf
        return low_whole, high_whole
