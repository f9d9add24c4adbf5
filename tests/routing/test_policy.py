"""Routing follows rra.toml, and a policy that could lose a report is refused."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hotline.config import DEFAULT_POLICY
from hotline.routing import PolicyError, RoutingError, load_policy

CG, IA, RIE = "commissioner_general", "internal_audit", "investigation"

EXPECTED = {
    ("taxpayer_fraud", ()): (RIE, CG),
    ("staff_misconduct", ()): (IA, CG),
    ("retaliation", ()): (IA, CG),
    ("other", ()): (CG,),
    # A report that concerns Internal Audit goes to the Commissioner General only.
    ("staff_misconduct", (IA,)): (CG,),
    ("retaliation", (IA,)): (CG,),
    # One that concerns the Commissioner General's office goes to Internal Audit.
    ("other", (CG,)): (IA,),
    ("staff_misconduct", (CG,)): (IA,),
    ("taxpayer_fraud", (CG,)): (RIE,),
    ("taxpayer_fraud", (RIE,)): (CG,),
    ("other", (CG, IA)): (RIE,),
}


@pytest.mark.parametrize(("request_", "queues"), EXPECTED.items())
def test_rra_policy_routes_as_the_procedure_says(
    request_: tuple[str, tuple[str, ...]], queues: tuple[str, ...]
) -> None:
    policy = load_policy(DEFAULT_POLICY)
    assert policy.route(*request_) == queues


def test_no_route_ever_reaches_an_excluded_queue() -> None:
    policy = load_policy(DEFAULT_POLICY)
    for category in policy.categories:
        for size in range(policy.max_concerns + 1):
            for concerns in itertools.combinations(policy.units, size):
                queues = policy.route(category, concerns)
                assert queues
                assert not set(queues) & policy.excluded_queues(concerns)
                assert policy.custodian_slug not in queues


def test_route_refuses_unknown_category_and_unit_and_too_many_units() -> None:
    policy = load_policy(DEFAULT_POLICY)
    with pytest.raises(RoutingError, match="unknown category"):
        policy.route("gossip")
    with pytest.raises(RoutingError, match="unknown unit"):
        policy.route("other", ["canteen"])
    with pytest.raises(RoutingError, match="at most 2"):
        policy.route("other", [CG, IA, RIE])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


GOOD = DEFAULT_POLICY.read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # Internal Audit's only fallback points back at itself: a staff report
        # about both CG and IA would reach nobody.
        (
            lambda t: t.replace(
                'fallback = ["internal_audit", "investigation"]', 'fallback = ["internal_audit"]'
            ),
            "concerns The Commissioner General's office and Internal Audit",
        ),
        (
            lambda t: t.replace('queues = ["commissioner_general"]\n', 'queues = ["canteen"]\n'),
            "unknown queue 'canteen'",
        ),
        (
            lambda t: t.replace("[categories.other]", "[categories.gossip]"),
            "category 'other' is missing",
        ),
        (
            lambda t: t.replace(
                'queues = ["commissioner_general"]\n', 'queues = ["codename_register"]\n'
            ),
            "custodian",
        ),
        (lambda t: t + "\n[broken", "not valid TOML"),
        (lambda t: t.replace('currency = "RWF"', 'currency = "francs"'), "ISO 4217"),
    ],
)
def test_a_broken_policy_is_refused_naming_the_problem(
    tmp_path: Path, change: object, message: str
) -> None:
    text = change(GOOD)  # type: ignore[operator]
    assert text != GOOD
    with pytest.raises(PolicyError, match=message.replace("(", r"\(")):
        load_policy(_write(tmp_path, text))


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope.toml")


def test_the_rra_policy_counts_rewards_in_rwanda_francs() -> None:
    assert load_policy(DEFAULT_POLICY).currency == "RWF"
