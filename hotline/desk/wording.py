"""The desk's words for officers: confirmations, refusals and amounts.

Kept apart from the routes so the views stay thin. Every string is marked for
translation; none of them ever contains case content.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from hotline.desk.errors import CaseRefused
from hotline.instance import current
from hotline.procedure import RefusalReason, RewardState, Status

#: What the case page says after a successful action (``?done=``).
DONE = {
    # Truthful: nothing tells the reporter; they see it when they next check in.
    "replied": _l("The reply was sealed. The reporter sees it only when they check in."),
    "replied_texted": _l(
        "The reply was sealed. The reporter agreed to be texted: they will be sent a notice "
        "without content, and read the reply when they text STATUS with their code."
    ),
    "replied_mailed": _l(
        "The reply was sealed. The reporter agreed to be mailed: they will be sent a notice "
        "without content, and read the reply when they write again with their code."
    ),
    "replied_ask": _l(
        "The reply was sealed. The reporter did not agree to a notice: they see it only when "
        "they text STATUS or write again with their code."
    ),
    "noted": _l("The internal note was saved."),
    "measured": _l("The protective measure was recorded."),
    "status": _l("The status was changed."),
    "assigned": _l("The assignment was changed."),
    "linked": _l("The cases were linked."),
    "rerouted": _l("The case was rerouted and sealed to its new queues."),
    "removal_waits": _l(
        "The policy routed this case to that queue, so its removal waits for a second officer"
        " (of another queue the policy chose, or an administrator). Until then the queue still"
        " reads the case."
    ),
    "removal_approved": _l("The removal was approved: that queue can no longer open the case."),
    "removal_refused": _l("The removal was refused: the queue keeps the case."),
    "reward": _l("The reward was updated."),
}


def queue_label(slug: str, stored_name: str = "") -> str:
    """A queue's name in the officer's language, from the policy file; the
    stored (English) name for a queue the policy no longer lists."""
    policy = current().policy
    if slug in policy.queue_names:
        return policy.queue_label(slug, str(get_locale()))
    return stored_name or slug


def money(minor: int | None, currency: str = "") -> str:
    """Minor units as "1,234.56 RWF", with integer arithmetic only."""
    if minor is None:
        return ""
    return f"{minor // 100:,}.{minor % 100:02d}" + (f" {currency}" if currency else "")


def refusal_message(error: CaseRefused) -> str:
    """The officer's words for why an action was refused, with states as labels."""
    params = dict(error.params)
    for key in ("before", "after"):
        if key in params:
            value = str(params[key])
            term = (
                RewardState.parse(value)
                if error.reason == RefusalReason.REWARD_TRANSITION
                else Status.parse(value)
            )
            params[key] = value if term is None else term.label
    message = error.reason.label
    return message % params if params else message
