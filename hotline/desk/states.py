"""Labels of case states for the reporter channels still passing plain strings.

The states themselves are :class:`hotline.procedure.Status`, ``Outcome`` and
``RewardState``; these functions show a stored value as its label, or the value
itself if it is not a term of the vocabulary.
"""

from __future__ import annotations

from hotline.procedure import Outcome, RewardState, Status


def status_label(status: str) -> str:
    term = Status.parse(status)
    return status if term is None else term.label


def outcome_label(outcome: str) -> str:
    term = Outcome.parse(outcome)
    return outcome if term is None else term.label


def reward_label(state: str) -> str:
    term = RewardState.parse(state)
    return state if term is None else term.label
