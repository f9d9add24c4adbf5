"""A follow-up routed like a referenced case keeps that case's exclusions."""

from __future__ import annotations

import dataclasses

from hotline.config import DEFAULT_POLICY
from hotline.routing import load_policy
from hotline.routing.exclusions import concerns_for_exclusions

CG, IA, RIE = "commissioner_general", "internal_audit", "investigation"


def test_no_exclusions_need_no_units() -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert concerns_for_exclusions(policy, set()) == (policy, frozenset())


def test_the_units_reproduce_the_excluded_queues() -> None:
    policy = load_policy(DEFAULT_POLICY)
    found = concerns_for_exclusions(policy, {IA})
    assert found is not None
    routed_policy, concerns = found
    assert concerns == {IA}
    assert routed_policy.max_concerns == policy.max_concerns


def test_max_concerns_is_raised_for_this_routing_only() -> None:
    policy = dataclasses.replace(load_policy(DEFAULT_POLICY), max_concerns=1)
    found = concerns_for_exclusions(policy, {IA, RIE})
    assert found is not None
    assert found[1] == {IA, RIE}
    assert found[0].max_concerns == 2
    assert policy.max_concerns == 1


def test_exclusions_the_policy_cannot_reproduce_give_none() -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert concerns_for_exclusions(policy, {IA, "a_queue_removed_since"}) is None
