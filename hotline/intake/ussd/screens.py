"""Every USSD screen, translated and within USSD's limits.

A USSD screen carries at most 182 GSM-7 characters, or 80 when it needs UCS-2
(Arabic, and letters outside the GSM alphabet): the network's 160 octets.
Every screen here fits with the longest values it can carry, in every
language (tests/intake/test_ussd.py checks); an officer's reply is cut into
pages behind "1 More". English uses GSM-7 characters only.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import cast

from flask_babel import force_locale
from flask_babel import gettext as _gettext

from hotline.crypto.codename_text import format_codename
from hotline.intake.sms import gsm
from hotline.intake.sms.texts import Texts
from hotline.procedure import LANGUAGE_NAMES, LANGUAGES, Category, Outcome, RewardState, Status

#: USSD's screen: 160 octets, so 182 GSM-7 septets or 80 UCS-2 units.
GSM7_SCREEN = 182
UCS2_SCREEN = 80


def fits(text: str) -> bool:
    """True when the text is one USSD screen."""
    limit = GSM7_SCREEN if gsm.is_gsm7(text) else UCS2_SCREEN
    return gsm.length(text) <= limit


def _(text: str, **variables: object) -> str:
    """flask_babel's gettext, typed (the catalogue extractor knows ``_``)."""
    return str(_gettext(text, **variables))


def language_menu() -> str:
    """The first screen, before a language is chosen: each language in its own name
    (French without its cedilla, which GSM-7 lacks in lower case)."""
    names = [LANGUAGE_NAMES[code].replace("ç", "c") for code in LANGUAGES]
    return "Hotline\n" + "\n".join(f"{number} {name}" for number, name in enumerate(names, 1))


class Screens:
    """The screens of one session, in its language."""

    def __init__(self, language: str) -> None:
        self.language = language
        #: SMS's short wording of categories and statuses, shared.
        self.sms = Texts(language)

    def _locale(self) -> AbstractContextManager[None]:
        return cast(AbstractContextManager[None], force_locale(self.language))

    def main(self) -> str:
        with self._locale():
            return _(
                "Never give your name.\n1 Report wrongdoing\n2 Check a report (code)\n"
                "3 Report retaliation\n0 Exit"
            )

    def categories(self) -> str:
        labels = [self.sms.category_label(c) for c in _MENU_ORDER]
        with self._locale():
            heading = _("What is it about?")
            back = _("0 Back")
        lines = [f"{number} {label}" for number, label in enumerate(labels, 1)]
        return "\n".join([heading, *lines, back])

    def ask_text(self) -> str:
        with self._locale():
            return _("Say what happened: who, what, where, when. No names of yours.\nType:")

    def ask_more(self, characters: int) -> str:
        with self._locale():
            return _("Received (%(count)d characters). Type more, or 0 to send.", count=characters)

    def ask_code(self) -> str:
        with self._locale():
            return _("Type your 16-digit code:")

    def ask_retaliation_code(self) -> str:
        with self._locale():
            return _("Reported before? Type your 16-digit code to link this report, or 0 to skip:")

    def not_a_choice(self) -> str:
        with self._locale():
            return _("Choose a number.")

    def not_a_code(self) -> str:
        with self._locale():
            return _("A code has 16 digits.")

    def empty(self) -> str:
        with self._locale():
            return _("Type your report first.")

    def filed_new(self, reference: str, codename: str) -> str:
        with self._locale():
            return _(
                "Report %(reference)s received. Your code: %(code)s\n"
                "Write it down now: it will not be shown again.",
                reference=reference,
                code=format_codename(codename),
            )

    def filed_linked(self, reference: str) -> str:
        with self._locale():
            return _(
                "Report %(reference)s received and linked to your earlier reports. "
                "Your code stays the same.",
                reference=reference,
            )

    def already_filed(self) -> str:
        with self._locale():
            return _("This report was already received.")

    def unknown_code(self) -> str:
        with self._locale():
            return _("This code is not known. Check it and dial again.")

    def code_not_matched(self) -> str:
        with self._locale():
            return _("That code matches no report: this one is filed unlinked, with a new code.")

    def not_filed(self, reason: str) -> str:
        with self._locale():
            return _("Not filed: %(reason)s", reason=reason)

    def too_long(self, limit: int) -> str:
        with self._locale():
            return _("too long, at most %(limit)d characters.", limit=limit)

    def cannot_file(self) -> str:
        with self._locale():
            return _("please try again later.")

    def status_line(self, reference: str, status: Status, outcome: Outcome | None) -> str:
        return f"{reference}: {self.sms.status_name(status, outcome)}"

    def reward(self, state: RewardState) -> str:
        return self.sms.reward(state)

    def read_reply(self) -> str:
        with self._locale():
            return _("1 Read the new reply")

    def no_new_reply(self) -> str:
        return self.sms.no_new_reply()

    def reply_heading(self, reference: str) -> str:
        return self.sms.reply_heading(reference)

    def more(self) -> str:
        with self._locale():
            return _("1 More")

    def try_later(self) -> str:
        with self._locale():
            return _("Too many tries. Please wait a few minutes and dial again.")

    def goodbye(self) -> str:
        with self._locale():
            return _("Thank you. Stay safe.")


_MENU_ORDER = (Category.TAXPAYER_FRAUD, Category.STAFF_MISCONDUCT, Category.OTHER)


def with_notice(notice: str, screen: str) -> str:
    """A screen shown again with why; its first line (a heading or a warning the
    caller has already read) gives way when both do not fit."""
    both = f"{notice}\n{screen}"
    if fits(both) or "\n" not in screen:
        return both
    return f"{notice}\n{screen.split(chr(10), 1)[1]}"


def paginate(text: str, hint: str) -> list[str]:
    """Cut text into screens; every screen but the last ends with the hint."""
    return gsm.paginate(text, hint, fits=fits)
