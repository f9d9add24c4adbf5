"""Routing something new like an existing case, with that case's exclusions."""

from __future__ import annotations

import dataclasses
from collections.abc import Set

from hotline.routing.policy import Policy, RoutingError

__all__ = ["concerns_for_exclusions", "route_following"]


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


def route_following(
    policy: Policy, category: str, concerns: frozenset[str], inherited: Set[str]
) -> tuple[str, ...]:
    """Route a disclosure that follows from the reporter's earlier ones.

    Exclusions follow the reporter: the queues excluded on any linked case stay
    excluded, whatever the reporter ticked this time (a retaliation report must
    not reach the unit the first report was about). ``concerns`` must already
    have passed ``policy.route``; the inherited units may exceed ``max_concerns``.
    """
    chosen = policy.route(category, concerns)
    if not inherited:
        return chosen
    cover = concerns_for_exclusions(policy, inherited)
    if cover is not None:
        units = concerns | cover[1]
        widened = dataclasses.replace(policy, max_concerns=max(policy.max_concerns, len(units)))
        chosen = widened.route(category, units)
    left = tuple(q for q in chosen if q not in inherited)
    if not left:
        raise RoutingError(f"no queue left for {category} outside the linked cases' exclusions")
    return left
