"""The desk's words for officers: confirmations, refusals and amounts.

Kept apart from the routes so the views stay thin. Every string is marked for
translation; none of them ever contains case content.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hotline.cases.errors import CaseRefused
from hotline.cases.states import reward_label, status_label

#: What the case page says after a successful action (``?done=``).
DONE = {
    "replied": _l("The reply was sealed and sent to the reporter."),
    "noted": _l("The internal note was saved."),
    "measured": _l("The protective measure was recorded."),
    "status": _l("The status was changed."),
    "assigned": _l("The assignment was changed."),
    "linked": _l("The cases were linked."),
    "rerouted": _l("The case was rerouted and sealed to its new queues."),
    "reward": _l("The reward was updated."),
}

#: The officer's words for each :class:`CaseRefused` reason.
REFUSALS = {
    "empty": _l("The text is empty."),
    "too_long": _l("The text is too long: at most %(count)s characters."),
    "bad_status": _l("Choose one of the listed statuses."),
    "transition": _l("A case that is “%(before)s” cannot become “%(after)s”."),
    "outcome_missing": _l("Choose an outcome to close the case."),
    "outcome_not_closing": _l("An outcome is chosen only when closing the case."),
    "pointer_not_out_of_scope": _l(
        "A pointer to another channel goes only with the outcome “outside this procedure”."
    ),
    "not_designated": _l("That officer is not designated to a queue of this case."),
    "bad_link_kind": _l("Choose one of the listed kinds of link."),
    "not_retaliation": _l("Only a retaliation case can be linked as retaliation for another."),
    "unknown_other": _l("No case you can open has that reference."),
    "self_link": _l("A case cannot be linked to itself."),
    "already_linked": _l("These cases are already linked."),
    "nothing_to_change": _l("Nothing was changed: choose what to change."),
    "not_routed": _l("The case is not in that queue."),
    "unknown_queue": _l("There is no such queue."),
    "custodian": _l("The codename register never receives cases."),
    "excluded": _l(
        "The reporter said this report concerns that unit, so its queue can never receive it."
    ),
    "no_queue_left": _l("A case must stay in at least one queue."),
    "cannot_reseal": _l(
        "Part of this case is sealed only to a queue you do not hold. "
        "An officer of that queue must reroute it."
    ),
    "bad_amount": _l("Enter the amount as a number with at most two decimals, e.g. 1500000.00."),
    "amount_not_now": _l("The amount collected is recorded while the reward is being assessed."),
    "amount_missing": _l(
        "Record the penalties and interest collected before approving the reward."
    ),
    "bad_reward_state": _l("Choose one of the listed reward states."),
    "reward_transition": _l("A reward that is “%(before)s” cannot become “%(after)s”."),
    "cannot_open": _l("This file cannot be opened with your keys."),
}


def money(minor: int | None) -> str:
    """Minor units as "1,234.56", with integer arithmetic only."""
    if minor is None:
        return ""
    return f"{minor // 100:,}.{minor % 100:02d}"


def refusal_message(error: CaseRefused) -> str:
    """The officer's words for why an action was refused, with states as labels."""
    message = REFUSALS.get(error.reason)
    if message is None:
        return str(_("That is not possible for this case."))
    params = dict(error.params)
    for key in ("before", "after"):
        if key in params:
            value = str(params[key])
            label = reward_label if error.reason == "reward_transition" else status_label
            params[key] = label(value)
    return str(message) % params if params else str(message)
