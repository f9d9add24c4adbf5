"""The case workflow's states, with their translated labels.

received → acknowledged → under_investigation → closed (with an outcome);
rewards: not_eligible → pending_assessment → approved → paid.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUSES = ("received", "acknowledged", "under_investigation", "closed")
OUTCOMES = ("substantiated", "unsubstantiated", "out_of_scope", "referred", "malicious")
REWARD_STATES = ("not_eligible", "pending_assessment", "approved", "paid")
#: The procedure's reward: 10% of the penalties and interest collected.
REWARD_PERCENT = 10

STATUS_LABELS = {
    "received": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "under_investigation": _l("Under investigation"),
    "closed": _l("Closed"),
}
OUTCOME_LABELS = {
    "substantiated": _l("substantiated"),
    "unsubstantiated": _l("not substantiated"),
    "out_of_scope": _l("outside this procedure"),
    "referred": _l("referred to another authority"),
    "malicious": _l("found to be deliberately false"),
}
REWARD_LABELS = {
    "not_eligible": _l("no reward at this stage"),
    "pending_assessment": _l("being assessed"),
    "approved": _l("approved"),
    "paid": _l("paid"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def reward_label(state: str) -> str:
    return str(REWARD_LABELS.get(state, state))
