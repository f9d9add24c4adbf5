"""The procedure's vocabulary: every word Hotline stores or decides on, as types.

Categories, case statuses and outcomes, reward states, who wrote a message,
how cases are linked, the channels, the desk's refusal reasons and the
states of a request to the codename register are
``StrEnum`` members equal to the strings the database has always held, so no
stored value changes. Code matches on members (mypy checks that every
``match`` covers them all) and pages show ``member.label``, the one
translatable wording of each term. The procedure's numbers (deadlines, the
reward percentage) and the languages live here too. See PROCEDURE.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, Self

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class Term(StrEnum):
    """A word of the procedure; ``label`` is its wording in the reader's language."""

    @property
    def label(self) -> str:
        return str(self.lazy_label)

    @property
    def lazy_label(self) -> LazyString:
        """The label, translated only when shown: for choices built at import."""
        return _LABELS[type(self)][self]

    @classmethod
    def parse(cls, value: object) -> Self | None:
        """The term with this stored value, or None for anything else (form input)."""
        if not isinstance(value, str):
            return None
        try:
            return cls(value)
        except ValueError:
            return None


class Category(Term):
    """What a disclosure is about; each routes to the policy's queues (rra.toml)."""

    TAXPAYER_FRAUD = "taxpayer_fraud"
    STAFF_MISCONDUCT = "staff_misconduct"
    RETALIATION = "retaliation"
    OTHER = "other"


class Status(Term):
    """received → acknowledged → under_investigation → closed (with an outcome)."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    UNDER_INVESTIGATION = "under_investigation"
    CLOSED = "closed"


class Outcome(Term):
    """How a closed case ended."""

    SUBSTANTIATED = "substantiated"
    UNSUBSTANTIATED = "unsubstantiated"
    OUT_OF_SCOPE = "out_of_scope"
    REFERRED = "referred"
    MALICIOUS = "malicious"


class RewardState(Term):
    """not_eligible → pending_assessment → approved → paid."""

    NOT_ELIGIBLE = "not_eligible"
    PENDING_ASSESSMENT = "pending_assessment"
    APPROVED = "approved"
    PAID = "paid"


class AuthorKind(Term):
    """Who wrote a message, and so who may read it.

    The reporter's own text and officers' replies are sealed to the reporter
    too; internal notes and protective measures to the queues only.
    """

    REPORTER = "reporter"
    OFFICER = "officer"
    NOTE = "note"
    MEASURE = "measure"


class LinkKind(Term):
    """How one case points to another."""

    RELATED = "related"
    #: From a retaliation case to the disclosure it retaliates for.
    RETALIATION_FOR = "retaliation_for"


class Channel(Term):
    """How a report arrived."""

    WEB = "web"
    SMS = "sms"
    EMAIL = "email"
    VOICE = "voice"
    USSD = "ussd"
    WHATSAPP = "whatsapp"


class RefusalReason(Term):
    """Why the desk refused an action (:class:`hotline.desk.errors.CaseRefused`).

    Labels may hold ``%(name)s`` parameters the refusal fills in.
    """

    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_STATUS = "bad_status"
    TRANSITION = "transition"
    OUTCOME_MISSING = "outcome_missing"
    OUTCOME_NOT_CLOSING = "outcome_not_closing"
    POINTER_NOT_OUT_OF_SCOPE = "pointer_not_out_of_scope"
    NOT_DESIGNATED = "not_designated"
    BAD_LINK_KIND = "bad_link_kind"
    NOT_RETALIATION = "not_retaliation"
    UNKNOWN_OTHER = "unknown_other"
    SELF_LINK = "self_link"
    ALREADY_LINKED = "already_linked"
    NOTHING_TO_CHANGE = "nothing_to_change"
    NOT_ROUTED = "not_routed"
    UNKNOWN_QUEUE = "unknown_queue"
    CUSTODIAN = "custodian"
    EXCLUDED = "excluded"
    NO_QUEUE_LEFT = "no_queue_left"
    CANNOT_RESEAL = "cannot_reseal"
    BAD_AMOUNT = "bad_amount"
    AMOUNT_NOT_NOW = "amount_not_now"
    AMOUNT_MISSING = "amount_missing"
    BAD_REWARD_STATE = "bad_reward_state"
    REWARD_TRANSITION = "reward_transition"
    SAME_OFFICER = "same_officer"
    CANNOT_OPEN = "cannot_open"
    SIGN_IN_AGAIN = "sign_in_again"
    NO_SELECTION = "no_selection"
    TOO_MANY_SELECTED = "too_many_selected"
    UNVERIFIED = "unverified"
    UNVERIFIED_FILE = "unverified_file"
    REMOVAL_WAITING = "removal_waiting"
    NO_REMOVAL = "no_removal"
    OWN_REMOVAL = "own_removal"
    SAME_QUEUES = "same_queues"


class RequestStatus(Term):
    """A request to read a case's contact details from the codename register:
    pending until a custodian approves or refuses it."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class DraftRefusal(StrEnum):
    """Why intake refused a draft (:class:`hotline.intake.service.DraftRejected`).

    A stable key, not a term with one label: each channel words it in its own
    way (the web form names the limits, an SMS stays within 160 characters),
    each with an exhaustive ``match``, so a new reason fails mypy until every
    channel says it.
    """

    EMPTY = "empty"
    TEXT_TOO_LONG = "text_too_long"
    FILES_TOO_LARGE = "files_too_large"
    UNREADABLE_FILE = "unreadable_file"
    #: Too many files, too many pixels together, or a file that would cost
    #: more memory, CPU or time to clean than allowed.
    FILES_TOO_COSTLY = "files_too_costly"
    UNROUTABLE = "unroutable"


#: The interface languages, English first (the fallback).
LANGUAGES: Final = ("en", "fr", "rw", "sw", "ar")
DEFAULT_LANGUAGE: Final = "en"
#: Each language in its own name, as the language links show it.
LANGUAGE_NAMES: Final[Mapping[str, str]] = {
    "en": "English",
    "fr": "Français",
    "rw": "Kinyarwanda",
    "sw": "Kiswahili",
    "ar": "العربية",
}
#: The languages written right to left.
RIGHT_TO_LEFT: Final = frozenset({"ar"})

#: A disclosure is acknowledged within 7 days of receipt ...
ACKNOWLEDGEMENT_DAYS: Final = 7
#: ... and the reporter gets feedback within 3 calendar months of the acknowledgement.
FEEDBACK_MONTHS: Final = 3
#: Retaliation check-ins: days after the original case closed.
RETALIATION_CHECKIN_DAYS: Final = (30, 60, 90)
#: The reward: 10% of the penalties and interest collected because of the disclosure.
REWARD_PERCENT: Final = 10


# One wording per term. Where pages once said the same thing in several ways,
# these are the reporter pages' words (the msgids the catalogues translate).
_LABELS: Mapping[type[Term], Mapping[Term, LazyString]] = {
    Category: {
        Category.TAXPAYER_FRAUD: _l("Tax fraud or smuggling by a taxpayer"),
        Category.STAFF_MISCONDUCT: _l("Corruption or misconduct by staff"),
        Category.RETALIATION: _l("Retaliation for reporting"),
        Category.OTHER: _l("Something else"),
    },
    Status: {
        Status.RECEIVED: _l("Received"),
        Status.ACKNOWLEDGED: _l("Acknowledged"),
        Status.UNDER_INVESTIGATION: _l("Under investigation"),
        Status.CLOSED: _l("Closed"),
    },
    Outcome: {
        Outcome.SUBSTANTIATED: _l("substantiated"),
        Outcome.UNSUBSTANTIATED: _l("not substantiated"),
        Outcome.OUT_OF_SCOPE: _l("outside this procedure"),
        Outcome.REFERRED: _l("referred to another authority"),
        Outcome.MALICIOUS: _l("found to be deliberately false"),
    },
    RewardState: {
        RewardState.NOT_ELIGIBLE: _l("no reward at this stage"),
        RewardState.PENDING_ASSESSMENT: _l("being assessed"),
        RewardState.APPROVED: _l("approved"),
        RewardState.PAID: _l("paid"),
    },
    AuthorKind: {
        AuthorKind.REPORTER: _l("Reporter"),
        AuthorKind.OFFICER: _l("Reply to the reporter"),
        AuthorKind.NOTE: _l("Internal note"),
        AuthorKind.MEASURE: _l("Protective measure"),
    },
    LinkKind: {
        LinkKind.RELATED: _l("related case"),
        LinkKind.RETALIATION_FOR: _l("retaliation for that case"),
    },
    Channel: {
        Channel.WEB: _l("Web"),
        Channel.SMS: _l("SMS"),
        Channel.EMAIL: _l("E-mail"),
        Channel.VOICE: _l("Telephone"),
        Channel.USSD: _l("USSD"),
        Channel.WHATSAPP: _l("WhatsApp"),
    },
    RequestStatus: {
        RequestStatus.PENDING: _l("waiting for the custodian"),
        RequestStatus.APPROVED: _l("approved"),
        RequestStatus.REFUSED: _l("refused"),
    },
    RefusalReason: {
        RefusalReason.EMPTY: _l("The text is empty."),
        RefusalReason.TOO_LONG: _l("The text is too long: at most %(count)s characters."),
        RefusalReason.BAD_STATUS: _l("Choose one of the listed statuses."),
        RefusalReason.TRANSITION: _l("A case that is “%(before)s” cannot become “%(after)s”."),
        RefusalReason.OUTCOME_MISSING: _l("Choose an outcome to close the case."),
        RefusalReason.OUTCOME_NOT_CLOSING: _l("An outcome is chosen only when closing the case."),
        RefusalReason.POINTER_NOT_OUT_OF_SCOPE: _l(
            "A pointer to another channel goes only with the outcome “outside this procedure”."
        ),
        RefusalReason.NOT_DESIGNATED: _l("That officer is not designated to a queue of this case."),
        RefusalReason.BAD_LINK_KIND: _l("Choose one of the listed kinds of link."),
        RefusalReason.NOT_RETALIATION: _l(
            "Only a retaliation case can be linked as retaliation for another."
        ),
        RefusalReason.UNKNOWN_OTHER: _l("No case you can open has that reference."),
        RefusalReason.SELF_LINK: _l("A case cannot be linked to itself."),
        RefusalReason.ALREADY_LINKED: _l("These cases are already linked."),
        RefusalReason.NOTHING_TO_CHANGE: _l("Nothing was changed: choose what to change."),
        RefusalReason.NOT_ROUTED: _l("The case is not in that queue."),
        RefusalReason.UNKNOWN_QUEUE: _l("There is no such queue."),
        RefusalReason.CUSTODIAN: _l("The codename register never receives cases."),
        RefusalReason.EXCLUDED: _l(
            "The reporter said this report concerns that unit, so its queue can never receive it."
        ),
        RefusalReason.NO_QUEUE_LEFT: _l("A case must stay in at least one queue."),
        RefusalReason.CANNOT_RESEAL: _l(
            "Part of this case is sealed only to a queue you do not hold. "
            "An officer of that queue must reroute it."
        ),
        RefusalReason.BAD_AMOUNT: _l(
            "Enter the amount as a number with at most two decimals, e.g. 1500000.00."
        ),
        RefusalReason.AMOUNT_NOT_NOW: _l(
            "The amount collected is recorded while the reward is being assessed."
        ),
        RefusalReason.AMOUNT_MISSING: _l(
            "Record the penalties and interest collected before approving the reward."
        ),
        RefusalReason.BAD_REWARD_STATE: _l("Choose one of the listed reward states."),
        RefusalReason.REWARD_TRANSITION: _l(
            "A reward that is “%(before)s” cannot become “%(after)s”."
        ),
        RefusalReason.SAME_OFFICER: _l(
            "Another officer must do this: the one who assessed a reward does not approve it,"
            " and neither marks it paid."
        ),
        RefusalReason.CANNOT_OPEN: _l("This file cannot be opened with your keys."),
        RefusalReason.SIGN_IN_AGAIN: _l("Sign out and in again: what you write is now signed."),
        RefusalReason.UNVERIFIED: _l(
            "The case's current state is unverified and was reported to administrators:"
            " nothing was changed."
        ),
        RefusalReason.UNVERIFIED_FILE: _l(
            "This file is unverified and was reported to administrators: it is not served."
        ),
        RefusalReason.REMOVAL_WAITING: _l(
            "A request to remove that queue already waits for a second officer."
        ),
        RefusalReason.NO_REMOVAL: _l(
            "No request to remove that queue waits: it was decided or withdrawn."
        ),
        RefusalReason.OWN_REMOVAL: _l(
            "You asked for this removal: another officer must approve it. You may withdraw it."
        ),
        RefusalReason.SAME_QUEUES: _l(
            "Only an officer of another queue the policy routed this case to, or an"
            " administrator, may approve this removal."
        ),
        RefusalReason.NO_SELECTION: _l("Select at least one case first."),
        RefusalReason.TOO_MANY_SELECTED: _l("Select at most one page of cases at a time."),
    },
}
