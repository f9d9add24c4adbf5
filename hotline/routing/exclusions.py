"""Routing something new like an existing case, with that case's exclusions."""

from __future__ import annotations

import dataclasses
from collections.abc import Set

from hotline.routing.policy import Policy

__all__ = ["concerns_for_exclusions"]


def concerns_for_exclusions(
    policy: Policy, excluded: Set[str]
) -> tuple[Policy, frozenset[str]] | None:
    """Units whose exclusions reproduce exactly the referenced case's exclusions.

    A reporter who said a report concerns a unit had that unit's queue
    excluded; a follow-up routed without the same exclusions could reach the
    very people it is about. The case stores excluded queues, not units, so
    units are chosen to cover them (greedily); ``max_concerns`` is raised for
    this one routing if the cover needs more units than a reporter may name.
    None when the current policy cannot reproduce them (it changed since).
    """
    if not excluded:
        return policy, frozenset()
    units = {
        slug: set(unit.excludes)
        for slug, unit in policy.units.items()
        if unit.excludes and set(unit.excludes) <= excluded
    }
    chosen: list[str] = []
    uncovered = set(excluded)
    while uncovered:
        best = max(sorted(units), key=lambda slug: len(units[slug] & uncovered), default=None)
        if best is None or not units[best] & uncovered:
            return None
        chosen.append(best)
        uncovered -= units[best]
    if len(chosen) > policy.max_concerns:
        policy = dataclasses.replace(policy, max_concerns=len(chosen))
    return policy, frozenset(chosen)
