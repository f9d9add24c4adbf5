"""Rewards: 10% of the penalties and interest collected because of a disclosure.

Amounts are integers in minor units (1/100 of the currency) from input to
storage, so no floating-point rounding ever touches money. The reward is
``REWARD_PERCENT`` of the amount collected, rounded half up to the minor unit.

States: not_eligible → pending_assessment → approved → paid. The reporter sees
the state at check-in, and the amount only once approved: ``reward_minor``
stays empty until then (the check-in page shows it whenever it is set).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.cases.access import Handler, open_case
from hotline.cases.errors import CaseRefused
from hotline.cases.states import REWARD_PERCENT, REWARD_STATES

#: The largest amount accepted: 10^15 minor units, far within a 64-bit column.
MAX_COLLECTED_MINOR = 10**15
_AMOUNT = re.compile(r"^(\d{1,13})(?:[.,](\d{1,2}))?$")

#: Where each state may go next. Staying in ``pending_assessment`` records or
#: corrects the collected amount; an assessment can also find nothing to reward.
REWARD_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "not_eligible": ("pending_assessment",),
    "pending_assessment": ("pending_assessment", "approved", "not_eligible"),
    "approved": ("paid",),
    "paid": (),
}


def reward_for(collected_minor: int) -> int:
    """``REWARD_PERCENT`` of the amount, in minor units, rounded half up (exact)."""
    if collected_minor < 0:
        raise ValueError("a collected amount cannot be negative")
    whole, rest = divmod(collected_minor * REWARD_PERCENT, 100)
    return whole + (1 if rest * 2 >= 100 else 0)


def parse_amount(text: str) -> int:
    """Major units with up to two decimals ("1234.5", "1 234,50") → minor units.

    A comma or a point is the decimal separator; spaces may group thousands.
    Anything else (a thousands comma like "1,234", a sign, an exponent) is
    refused rather than guessed.
    """
    match = _AMOUNT.match(text.replace(" ", "").replace("\u00a0", ""))
    if match is None:
        raise CaseRefused(
            "bad_amount", "amount must be a number with at most two decimals, e.g. 1500000.00"
        )
    minor = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if minor > MAX_COLLECTED_MINOR:
        raise CaseRefused("bad_amount", "amount is too large")
    return minor


def set_reward(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    *,
    state: str,
    collected_minor: int | None,
    today: dt.date,
) -> None:
    """Move the case's reward to ``state``, recording the amount collected if given."""
    disclosure = open_case(session, handler, reference, for_update=True).disclosure
    current = disclosure.reward_state
    if state not in REWARD_STATES:
        raise CaseRefused("bad_reward_state", f"unknown reward state {state!r}")
    if state not in REWARD_TRANSITIONS.get(current, ()):
        raise CaseRefused(
            "reward_transition",
            f"a reward cannot go from {current} to {state}",
            before=current,
            after=state,
        )
    if state == current and collected_minor is None:
        raise CaseRefused("nothing_to_change", "enter the amount collected")
    if collected_minor is not None:
        if state != "pending_assessment" and not (
            state == "approved" and disclosure.collected_minor is None
        ):
            raise CaseRefused(
                "amount_not_now", "the amount collected is recorded while the reward is assessed"
            )
        if not 0 <= collected_minor <= MAX_COLLECTED_MINOR:
            raise CaseRefused("bad_amount", "amount out of range")
        disclosure.collected_minor = collected_minor
        disclosure.reward_assessed_on = today
    if state == "approved":
        if disclosure.collected_minor is None:
            raise CaseRefused(
                "amount_missing", "record the penalties and interest collected before approving"
            )
        disclosure.reward_minor = reward_for(disclosure.collected_minor)
        disclosure.reward_approved_on = today
    elif state == "paid":
        disclosure.reward_paid_on = today
    elif state == "not_eligible":
        # Assessed: nothing to reward. Nothing approved may linger for the reporter to see.
        disclosure.reward_minor = None
    disclosure.reward_state = state
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.reward",
        subject=disclosure.reference,
        detail=(
            f"{current}->{state}; collected_minor={disclosure.collected_minor}; "
            f"reward_minor={disclosure.reward_minor}"
        ),
    )
    session.flush()
