"""Where a USSD caller is in the menu, read from everything they keyed so far.

The gateway sends the whole session's input with every request (each answer
joined by ``*``), so :func:`walk` replays it from the first screen: nothing
about a session is stored between requests. This module knows no HTTP and no
database; :mod:`.dialogue` acts on what it finds.

The menu::

    language: 1 English  2 Francais  3 Kinyarwanda  4 Kiswahili  5 Arabic
    main:     1 report  2 check a report (code)  3 report retaliation  0 exit
    report:   category (1 tax fraud or smuggling, 2 staff misconduct, 3 other)
              → text, screen after screen → 0 sends
    check:    the 16-digit code → the status → 1 reads the newest reply, page by page
    retaliation: the code (or 0 to skip) → text → 0 sends
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from hotline.crypto.codename_text import split_code
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category

#: The categories the report menu offers, by key (retaliation has its own entry).
CATEGORIES: dict[str, Category] = {
    "1": Category.TAXPAYER_FRAUD,
    "2": Category.STAFF_MISCONDUCT,
    "3": Category.OTHER,
}
#: The language menu's keys, in LANGUAGES order.
LANGUAGE_KEYS: dict[str, str] = {str(number): code for number, code in enumerate(LANGUAGES, 1)}
SEND = "0"
BACK = "0"
SKIP = "0"
EXIT = "0"
NEXT = "1"


class Step(enum.Enum):
    LANGUAGE = "language"
    MAIN = "main"
    CATEGORY = "category"
    TEXT = "text"
    SEND = "send"
    CODE = "code"
    STATUS = "status"
    RETALIATION_CODE = "retaliation_code"
    EXIT = "exit"


class Notice(enum.Enum):
    """Why the caller sees a screen again."""

    NOT_A_CHOICE = "not_a_choice"
    NOT_A_CODE = "not_a_code"
    EMPTY = "empty"


@dataclass(frozen=True)
class Position:
    """Where the session stands after all its input."""

    step: Step
    language: str = DEFAULT_LANGUAGE
    category: Category | None = None
    parts: tuple[str, ...] = ()
    #: The code keyed (ASCII digits) for a check or a linked retaliation report.
    code: str | None = None
    #: Pages of the newest reply the caller has asked for (``1`` on the status screen).
    pages_read: int = 0
    notice: Notice | None = None

    @property
    def text(self) -> str:
        """The report as keyed: each screen's input on a line of its own."""
        return "\n".join(self.parts)


def inputs_of(text: str) -> list[str]:
    """The answers in the gateway's ``text`` field, first to last."""
    return [part.strip() for part in text.split("*")] if text else []


def _code(answer: str) -> str | None:
    code = split_code(answer)
    return code.digits if code is not None and not code.rest else None


def walk(inputs: Sequence[str]) -> Position:
    """Replay the session's answers from the language screen."""
    position = Position(Step.LANGUAGE)
    for answer in inputs:
        position = _next(position, answer)
        if position.step in (Step.SEND, Step.EXIT):
            break
    return position


def _again(position: Position, notice: Notice) -> Position:
    return Position(
        position.step,
        position.language,
        position.category,
        position.parts,
        position.code,
        position.pages_read,
        notice,
    )


def _next(position: Position, answer: str) -> Position:
    language = position.language
    match position.step:
        case Step.LANGUAGE:
            chosen = LANGUAGE_KEYS.get(answer)
            if chosen is None:
                return _again(position, Notice.NOT_A_CHOICE)
            return Position(Step.MAIN, chosen)
        case Step.MAIN:
            if answer == "1":
                return Position(Step.CATEGORY, language)
            if answer == "2":
                return Position(Step.CODE, language)
            if answer == "3":
                return Position(Step.RETALIATION_CODE, language, Category.RETALIATION)
            if answer == EXIT:
                return Position(Step.EXIT, language)
            return _again(position, Notice.NOT_A_CHOICE)
        case Step.CATEGORY:
            if answer == BACK:
                return Position(Step.MAIN, language)
            category = CATEGORIES.get(answer)
            if category is None:
                return _again(position, Notice.NOT_A_CHOICE)
            return Position(Step.TEXT, language, category)
        case Step.RETALIATION_CODE:
            if answer == SKIP:
                return Position(Step.TEXT, language, Category.RETALIATION)
            code = _code(answer)
            if code is None:
                return _again(position, Notice.NOT_A_CODE)
            return Position(Step.TEXT, language, Category.RETALIATION, code=code)
        case Step.TEXT:
            if answer == SEND:
                if not position.parts:
                    return _again(position, Notice.EMPTY)
                return Position(
                    Step.SEND, language, position.category, position.parts, position.code
                )
            if not answer:
                return _again(position, Notice.EMPTY)
            return Position(
                Step.TEXT, language, position.category, (*position.parts, answer), position.code
            )
        case Step.CODE:
            code = _code(answer)
            if code is None:
                return _again(position, Notice.NOT_A_CODE)
            return Position(Step.STATUS, language, code=code)
        case Step.STATUS:
            if answer == NEXT:
                return Position(
                    Step.STATUS, language, code=position.code, pages_read=position.pages_read + 1
                )
            if answer == EXIT:
                return Position(Step.EXIT, language)
            return _again(position, Notice.NOT_A_CHOICE)
        case Step.SEND | Step.EXIT:
            return position
