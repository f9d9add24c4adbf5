"""Every SMS reply, translatable, and the paging of long answers behind ``MORE``.

Every reply fits one SMS of at most two GSM-7 or three UCS-2 segments
(``gsm.fits``); long content (an officer's reply) is paged behind ``MORE``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Concatenate, ParamSpec, assert_never

from flask_babel import force_locale
from flask_babel import gettext as _gettext
from flask_babel import ngettext as _ngettext

from hotline.intake.sms import gsm
from hotline.intake.sms.commands import keyword
from hotline.procedure import Category, DraftRefusal, Outcome, RewardState, Status

P = ParamSpec("P")


def _(text: str, **variables: object) -> str:
    """flask_babel's gettext, typed (the catalogue extractor knows ``_``)."""
    return str(_gettext(text, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    """flask_babel's ngettext, typed; ``%(num)d`` is the count."""
    return str(_ngettext(singular, plural, num, **variables))


#: Texts that are only parts of a STATUS answer: the whole answer is paged.
STATUS_PIECES = frozenset(
    {
        "status_line",
        "status_name",
        "reward",
        "reply_heading",
        "no_new_reply",
        "more_unread",
        "delete_after_reading",
    }
)


def _localised(
    method: Callable[Concatenate[Texts, P], str],
) -> Callable[Concatenate[Texts, P], str]:
    """Render the text in the language of its ``Texts``, whatever the request's."""

    @functools.wraps(method)
    def localised(self: Texts, /, *args: P.args, **kwargs: P.kwargs) -> str:
        with force_locale(self.language):
            return str(method(self, *args, **kwargs))

    return localised


class Texts:
    """Every reply, translatable. Call inside ``force_locale(language)``.

    English texts use GSM-7 characters only (no curly quotes, no dashes), and
    each text fits one reply with the longest values it can carry, also when
    an Arabic command word makes it UCS-2 (tests/intake/test_sms.py checks).
    """

    def __init__(self, language: str, *, chat: bool = False) -> None:
        self.language = language
        #: WhatsApp: the reporter deletes a chat, not an SMS thread.
        self.chat = chat

    def kw(self, command: str) -> str:
        return keyword(command, self.language)

    @_localised
    def welcome(self) -> str:
        # The numbers are commands.MENU's, each keyed by its Category; the
        # words are SMS's own short ones (category_label), to fit GSM-7.
        return _(
            "Welcome. Never give your name. Choose a number:\n"
            "1 Tax fraud or smuggling\n"
            "2 Staff corruption or misconduct\n"
            "3 Retaliation for reporting\n"
            "4 Other\n"
            "FR RW SW AR EN: language\n"
            "%(status)s + code: check a report",
            status=self.kw("status"),
        )

    @_localised
    def category_label(self, category: Category) -> str:
        """SMS's own short wording of each category, as the welcome menu lists
        them: not ``Category.label``, whose longer words would not leave room
        in a 160-character GSM-7 reply."""
        match category:
            case Category.TAXPAYER_FRAUD:
                return _("Tax fraud or smuggling")
            case Category.STAFF_MISCONDUCT:
                return _("Staff corruption or misconduct")
            case Category.RETALIATION:
                return _("Retaliation for reporting")
            case Category.OTHER:
                return _("Other")
            case _:
                assert_never(category)

    @_localised
    def ask_details(self, category: Category) -> str:
        return _(
            "%(category)s: tell us who, what, where and when. Each message you send is "
            "filed at once. Send %(done)s when finished or %(cancel)s to delete it.",
            category=self.category_label(category),
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def ask_retaliation(self) -> str:
        return _(
            "Retaliation: tell us what was done to you, by whom, when. If you reported "
            "before, put your code in the message to link the reports. %(done)s when "
            "finished, %(cancel)s to delete.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def ask_retaliation_linked(self) -> str:
        return _(
            "Retaliation: tell us what was done to you, by whom, when. It is filed as a "
            "new report linked to your earlier ones. %(done)s when finished, %(cancel)s "
            "to delete.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def code_not_matched(self) -> str:
        return _(
            "That code matches no report, so this retaliation report is not linked to "
            "earlier ones. It is filed on its own under a new code."
        )

    @_localised
    def filed_linked(self, reference: str) -> str:
        return _(
            "Filed as new report %(reference)s, linked to your earlier reports. Your code "
            "stays the same. Send more details, %(done)s when finished, %(cancel)s to delete.",
            reference=reference,
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def continue_report(self) -> str:
        return _(
            "Continue your report: each message is filed at once. Send %(done)s when "
            "finished or %(cancel)s to delete it.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def filed_first(self, code: str, reference: str) -> str:
        values = {"reference": reference, "code": code}
        values |= {"done": self.kw("done"), "cancel": self.kw("cancel")}
        if self.chat:
            return _(
                "Filed as %(reference)s. Your code: %(code)s. Write it down, then delete this "
                "chat. Send more details, %(done)s when finished, %(cancel)s to delete.",
                **values,
            )
        return _(
            "Filed as %(reference)s. Your code: %(code)s. Write it down, then delete this "
            "SMS thread. Send more details, %(done)s when finished, %(cancel)s to delete.",
            **values,
        )

    @_localised
    def filed_more(self) -> str:
        return _(
            "Added. Send more, %(done)s when finished, or %(cancel)s to delete the report.",
            done=self.kw("done"),
            cancel=self.kw("cancel"),
        )

    @_localised
    def how_to_check(self, url: str) -> str:
        return _(
            "To read replies later, send %(status)s and your code, or go to %(url)s",
            status=self.kw("status"),
            url=url,
        )

    @_localised
    def how_to_check_or_notify(self, url: str) -> str:
        """How to read replies, and the offer of a notice (answered on filing)."""
        return _(
            "To read replies later, send %(status)s and your code, or go to %(url)s "
            "Send %(notify)s to get a text without content when an officer replies.",
            status=self.kw("status"),
            url=url,
            notify=self.kw("notify"),
        )

    @_localised
    def notify_agreed(self) -> str:
        return _(
            "Agreed: when an officer replies you get a text without content. "
            "Your number is deleted when the case closes."
        )

    @_localised
    def notify_nothing_filed(self) -> str:
        return _("Send %(notify)s after your report is filed.", notify=self.kw("notify"))

    @_localised
    def finished(self) -> str:
        if self.chat:
            return _("Finished. Please delete this chat.")
        return _("Finished. Please delete this SMS thread.")

    @_localised
    def cancelled(self) -> str:
        if self.chat:
            return _(
                "Cancelled: the report from this conversation is deleted. Please delete "
                "this chat too."
            )
        return _(
            "Cancelled: the report from this conversation is deleted. Please delete "
            "this SMS thread too."
        )

    @_localised
    def nothing_to_cancel(self) -> str:
        return _("Cancelled. Nothing was filed.")

    @_localised
    def media_needs_category(self) -> str:
        return _("Files are kept only in a report: choose a number first, then send them again.")

    @_localised
    def media_failed(self, count: int) -> str:
        return ngettext(
            "%(num)d file did not arrive. Please send it again.",
            "%(num)d files did not arrive. Please send them again.",
            count,
        )

    @_localised
    def file_warning(self) -> str:
        return _("We could not remove hidden data (like place or author) from a file.")

    @_localised
    def refusal(self, reason: DraftRefusal, max_chars: int) -> str:
        """Why the intake service refused a report or an addition."""
        match reason:
            case DraftRefusal.TEXT_TOO_LONG:
                return self.too_long(max_chars)
            case DraftRefusal.FILES_TOO_LARGE | DraftRefusal.FILES_TOO_COSTLY:
                return self.files_too_large()
            case DraftRefusal.UNREADABLE_FILE:
                return self.file_unreadable()
            case DraftRefusal.EMPTY:
                return self.continue_report()
            case DraftRefusal.UNROUTABLE:
                return self.not_filed()
            case _:
                assert_never(reason)

    def too_long(self, count: int) -> str:
        return _("Not filed: at most %(count)s characters per message.", count=f"{count:,}")

    @_localised
    def files_too_large(self) -> str:
        return _("Not filed: the files are too large. Send fewer or smaller files.")

    @_localised
    def file_unreadable(self) -> str:
        return _("Not filed: a file could not be read. Send a photo or a PDF instead.")

    @_localised
    def not_filed(self) -> str:
        return _("Not filed. Please send your message again as text.")

    @_localised
    def more_hint(self) -> str:
        return _("Send %(more)s for the rest.", more=self.kw("more"))

    @_localised
    def nothing_more(self) -> str:
        return _("Nothing more to send.")

    @_localised
    def unknown_code(self) -> str:
        return _("No report matches this code. Check the 16 digits and try again.")

    @_localised
    def status_usage(self) -> str:
        return _(
            "To check a report, send %(status)s and your 16-digit code.",
            status=self.kw("status"),
        )

    @_localised
    def reply_usage(self) -> str:
        return _(
            "To add to a report, send %(reply)s, your 16-digit code, then your message.",
            reply=self.kw("reply"),
        )

    @_localised
    def reply_added(self, reference: str) -> str:
        if self.chat:
            return _(
                "Added to report %(reference)s. Delete this chat now: it holds your code.",
                reference=reference,
            )
        return _(
            "Added to report %(reference)s. Delete this SMS thread now: it holds your code.",
            reference=reference,
        )

    # Pieces of a STATUS answer; the whole is paged, so these need not fit alone.

    @_localised
    def status_line(self, reference: str, status: str) -> str:
        return _("%(reference)s: %(status)s.", reference=reference, status=status)

    @_localised
    def status_name(self, status: Status, outcome: Outcome | None) -> str:
        match status:
            case Status.CLOSED if outcome is not None:
                return _("%(status)s (%(outcome)s)", status=status.label, outcome=outcome.label)
            case Status.RECEIVED | Status.ACKNOWLEDGED | Status.UNDER_INVESTIGATION | Status.CLOSED:
                return status.label
            case _:
                assert_never(status)

    @_localised
    def reward(self, state: RewardState) -> str:
        return _("Reward: %(reward)s.", reward=state.label)

    @_localised
    def reply_heading(self, reference: str) -> str:
        return _("Reply on %(reference)s:", reference=reference)

    @_localised
    def no_new_reply(self) -> str:
        return _("No new reply.")

    @_localised
    def more_unread(self, count: int) -> str:
        return ngettext(
            "%(num)d more new reply: send %(status)s and your code again.",
            "%(num)d more new replies: send %(status)s and your code again.",
            count,
            status=self.kw("status"),
        )

    @_localised
    def delete_after_reading(self) -> str:
        if self.chat:
            return _("Delete this chat after reading.")
        return _("Delete this SMS thread after reading.")


def paged(lines: Sequence[str], texts: Texts) -> list[str]:
    """A long answer (STATUS) cut into replies that each fit; all but the last
    end with the ``MORE`` hint."""
    return gsm.paginate("\n".join(lines), texts.more_hint())
