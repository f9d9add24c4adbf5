"""Rewards: 10% of the penalties and interest collected because of a disclosure.

Amounts are integers in minor units (1/100 of the currency) from input to
storage, so no floating-point rounding ever touches money. The reward is
``REWARD_PERCENT`` of the amount collected, rounded half up to the minor unit.

Four eyes: the officer who recorded the amount collected (assessed) cannot
approve, and the one who marks the reward paid is neither of them.

States: not_eligible → pending_assessment → approved → paid. The reporter sees
the state at check-in, and the amount only once approved: ``reward_minor``
stays empty until then (the check-in page shows it whenever it is set).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import assert_never

from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.signing import SigningKey
from hotline.desk.access import Handler, open_case
from hotline.desk.errors import CaseRefused
from hotline.notifications.outbox import APPROVAL_WAITING, enqueue_for_queues
from hotline.procedure import REWARD_PERCENT, Category, RefusalReason, RewardState
from hotline.sealing import decisions

#: The largest amount accepted: 10^15 minor units, far within a 64-bit column.
MAX_COLLECTED_MINOR = 10**15
_AMOUNT = re.compile(r"^(\d{1,13})(?:[.,](\d{1,2}))?$")

#: Where each state may go next. Staying in ``pending_assessment`` records or
#: corrects the collected amount; an assessment can also find nothing to reward.
REWARD_TRANSITIONS: dict[RewardState, tuple[RewardState, ...]] = {
    RewardState.NOT_ELIGIBLE: (RewardState.PENDING_ASSESSMENT,),
    RewardState.PENDING_ASSESSMENT: (
        RewardState.PENDING_ASSESSMENT,
        RewardState.APPROVED,
        RewardState.NOT_ELIGIBLE,
    ),
    RewardState.APPROVED: (RewardState.PAID,),
    RewardState.PAID: (),
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
            RefusalReason.BAD_AMOUNT,
            "amount must be a number with at most two decimals, e.g. 1500000.00",
        )
    minor = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if minor > MAX_COLLECTED_MINOR:
        raise CaseRefused(RefusalReason.BAD_AMOUNT, "amount is too large")
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
    signer = _signer(handler)
    if not decisions.check_reward(session, disclosure):
        # A forged approval (or amount) counts for nothing: no step follows it.
        raise CaseRefused(RefusalReason.UNVERIFIED, "the reward's state is unverified")
    current = disclosure.reward_state
    after = RewardState.parse(state)
    if after is None:
        raise CaseRefused(RefusalReason.BAD_REWARD_STATE, f"unknown reward state {state!r}")
    if after not in REWARD_TRANSITIONS[current] or (
        # The procedure rewards information on revenue, never a retaliation report:
        # the desk hides the block, and a posted form is refused all the same.
        disclosure.category == Category.RETALIATION and after != current
    ):
        raise CaseRefused(
            RefusalReason.REWARD_TRANSITION,
            f"a reward cannot go from {current} to {after}",
            before=current,
            after=after,
        )
    if after == current and collected_minor is None:
        raise CaseRefused(RefusalReason.NOTHING_TO_CHANGE, "enter the amount collected")
    if collected_minor is not None:
        if after != RewardState.PENDING_ASSESSMENT and not (
            after == RewardState.APPROVED and disclosure.collected_minor is None
        ):
            raise CaseRefused(
                RefusalReason.AMOUNT_NOT_NOW,
                "the amount collected is recorded while the reward is assessed",
            )
        if not 0 <= collected_minor <= MAX_COLLECTED_MINOR:
            raise CaseRefused(RefusalReason.BAD_AMOUNT, "amount out of range")
        disclosure.collected_minor = collected_minor
        disclosure.reward_assessed_on = today
        disclosure.reward_assessed_by = handler.officer_id
    match after:
        case RewardState.APPROVED:
            if disclosure.collected_minor is None:
                raise CaseRefused(
                    RefusalReason.AMOUNT_MISSING,
                    "record the penalties and interest collected before approving",
                )
            _not_again(handler, disclosure.reward_assessed_by)
            disclosure.reward_minor = reward_for(disclosure.collected_minor)
            disclosure.reward_approved_on = today
            disclosure.reward_approved_by = handler.officer_id
        case RewardState.PAID:
            _not_again(handler, disclosure.reward_assessed_by, disclosure.reward_approved_by)
            disclosure.reward_paid_on = today
        case RewardState.NOT_ELIGIBLE:
            # Assessed: nothing to reward. Nothing approved may linger for the reporter to see.
            disclosure.reward_minor = None
        case RewardState.PENDING_ASSESSMENT:
            pass
        case _:
            assert_never(after)
    disclosure.reward_state = after
    decisions.sign_reward(session, disclosure, handler.officer_id, signer)
    if collected_minor is not None and after == RewardState.PENDING_ASSESSMENT:
        # Four eyes: someone other than the assessor must approve.
        enqueue_for_queues(
            session,
            disclosure.queue_slugs,
            APPROVAL_WAITING,
            disclosure.id,
            except_officer=handler.officer_id,
        )
    record(
        session,
        audit_key,
        actor=handler.actor,
        action="case.reward",
        subject=disclosure.reference,
        detail=(
            f"{current}->{after}; collected_minor={disclosure.collected_minor}; "
            f"reward_minor={disclosure.reward_minor}"
        ),
    )
    session.flush()


def _not_again(handler: Handler, *earlier: int | None) -> None:
    """Separation of duties: the assessor does not approve; the payer is neither."""
    if handler.officer_id in earlier:
        raise CaseRefused(
            RefusalReason.SAME_OFFICER, "another officer must take the next step of this reward"
        )


def _signer(handler: Handler) -> SigningKey:
    if handler.signing_key is None:
        raise CaseRefused(RefusalReason.SIGN_IN_AGAIN, "sign in again to sign what you decide")
    return handler.signing_key
