"""What a reporter's text says: command words, menu digits and a typed codename.

Commands are accepted in every language at any time, so a reporter who
switched language by mistake can still finish. Nothing here touches the
database or the thread: these are pure functions of the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hotline.crypto.codenames import DIGIT_CODENAME_LENGTH

LANGUAGES = ("en", "fr", "rw", "sw", "ar")
DEFAULT_LANGUAGE = "en"

#: Menu number → category of the routing policy.
MENU: dict[int, str] = {
    1: "taxpayer_fraud",
    2: "staff_misconduct",
    3: "retaliation",
    4: "other",
}

#: Commands in each language. The first word of the thread's language is the
#: one replies show; every word of every language is accepted at any time.
#: (Twilio treats CANCEL as an opt-out word on some numbers; DELETE works too.)
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "done": {
        "en": ("DONE",),
        "fr": ("FIN", "TERMINE"),
        "rw": ("NDANGIJE",),
        "sw": ("MWISHO",),
        "ar": ("تم",),
    },
    "cancel": {
        "en": ("CANCEL", "DELETE"),
        "fr": ("ANNULER",),
        "rw": ("HAGARIKA",),
        "sw": ("GHAIRI",),
        "ar": ("إلغاء",),
    },
    "more": {
        "en": ("MORE",),
        "fr": ("SUITE", "PLUS"),
        "rw": ("IBINDI",),
        "sw": ("ZAIDI",),
        "ar": ("المزيد",),
    },
    "status": {
        "en": ("STATUS",),
        "fr": ("STATUT", "ETAT"),
        "rw": ("AMAKURU",),
        "sw": ("HALI",),
        "ar": ("حالة",),
    },
    "reply": {
        "en": ("REPLY",),
        "fr": ("REPONDRE", "REPONSE"),
        "rw": ("SUBIZA",),
        "sw": ("JIBU",),
        "ar": ("رد",),
    },
    "help": {
        "en": ("HELP", "MENU"),
        "fr": ("AIDE",),
        "rw": ("UBUFASHA",),
        "sw": ("MSAADA",),
        "ar": ("مساعدة",),
    },
}
#: Words that switch the thread's language.
LANGUAGE_WORDS: dict[str, str] = {
    "EN": "en",
    "ENGLISH": "en",
    "FR": "fr",
    "FRANCAIS": "fr",
    "RW": "rw",
    "KINYARWANDA": "rw",
    "IKINYARWANDA": "rw",
    "SW": "sw",
    "KISWAHILI": "sw",
    "SWAHILI": "sw",
    "AR": "ar",
    "العربية": "ar",
    "عربي": "ar",
}

#: Punctuation around a command word (or after a codename) that is ignored.
TRIM = ".,;:!?¿¡'\"()*-_،؟؛"
_CATEGORY_ONLY = re.compile(r"^\s*(\d)\s*[.):]?\s*$")
_CATEGORY_AND_TEXT = re.compile(r"^\s*(\d)(?:\s*[.):]\s*|\s+)(\S.*)$", re.DOTALL)


def fold(word: str) -> str:
    """A word as commands compare it: no accents, Arabic hamza or tatweel,
    invisible marks, case or surrounding punctuation."""
    text = unicodedata.normalize("NFKD", word)
    text = "".join(
        c
        for c in text
        if not unicodedata.combining(c) and unicodedata.category(c) != "Cf" and c != "\u0640"
    )
    return text.casefold().strip(TRIM)


def _command_table() -> dict[str, str]:
    table = {
        fold(word): command
        for command, by_language in KEYWORDS.items()
        for words in by_language.values()
        for word in words
    }
    table.update({fold(word): f"lang:{code}" for word, code in LANGUAGE_WORDS.items()})
    return table


COMMANDS = _command_table()


def _command_languages() -> dict[str, str]:
    """Command words that belong to one language only, with that language."""
    seen: dict[str, set[str]] = {}
    for by_language in KEYWORDS.values():
        for language, words in by_language.items():
            for word in words:
                seen.setdefault(fold(word), set()).add(language)
    return {word: next(iter(langs)) for word, langs in seen.items() if len(langs) == 1}


COMMAND_LANGUAGES = _command_languages()


def language_of(body: str) -> str | None:
    """The language of a message's command word, when only one language has it:
    a reporter who comes back days later with "STATUT <code>" is answered in
    French although their old thread, and its language, are long gone."""
    words = body.split(None, 1)
    return COMMAND_LANGUAGES.get(fold(words[0])) if words else None


def keyword(command: str, language: str) -> str:
    """The word replies show for a command, in the thread's language."""
    return KEYWORDS[command].get(language, KEYWORDS[command]["en"])[0]


# --- menu digits ------------------------------------------------------------------------


def menu_category(char: str) -> str | None:
    """The category a menu digit (in any script) chooses, if any."""
    value = unicodedata.decimal(char, None)
    return MENU.get(value) if value is not None else None


def category_only(body: str) -> str | None:
    """The category a message that is a lone menu number chooses, if any."""
    only = _CATEGORY_ONLY.match(body)
    return menu_category(only.group(1)) if only else None


def category_and_text(body: str) -> tuple[str, str] | None:
    """A menu number followed by report text: the category and the text, if any."""
    both = _CATEGORY_AND_TEXT.match(body)
    chosen = menu_category(both.group(1)) if both else None
    return (chosen, both.group(2)) if both and chosen else None


# --- a codename typed in a text ------------------------------------------------------------
# SMS's own reading of codename text. The separator set and the digit reading
# below are what a shared codename-text module would provide; they are kept
# here, in these few lines, so that switching to it touches nothing else.

#: What may sit between the digits of a codename typed on a phone.
_CODE_SEPARATORS = frozenset(" \t\n\r\u00a0\u202f-\u2010\u2011\u2012\u2013\u2014._/,\u066b\u066c")


def codename_digits(shown: str) -> str:
    """A codename as the receipt shows it (groups of four) as its bare digits."""
    return shown.replace(" ", "")


@dataclass(frozen=True)
class CodeAndRest:
    """A codename typed after a command: its ASCII digits (or None when the
    digits there are not a codename), and the text that follows."""

    digits: str | None
    rest: str


def split_code(text: str) -> CodeAndRest | None:
    """Read a codename at the start of text; None when text does not start with a digit.

    Any digit script (Arabic-Indic included) and any grouping is accepted. The
    code ends at its sixteenth digit; a seventeenth digit right after it means
    this is not a codename (``digits`` is None then).
    """
    stripped = text.lstrip("".join(_CODE_SEPARATORS))
    if not stripped or unicodedata.decimal(stripped[0], None) is None:
        return None
    digits: list[str] = []
    end = 0
    for position, char in enumerate(stripped):
        value = unicodedata.decimal(char, None)
        if value is not None:
            digits.append(str(value))
            end = position + 1
            if len(digits) == DIGIT_CODENAME_LENGTH:
                break
        elif char not in _CODE_SEPARATORS:
            break
    rest = stripped[end:]
    too_many = bool(rest) and unicodedata.decimal(rest[0], None) is not None
    if len(digits) != DIGIT_CODENAME_LENGTH or too_many:
        return CodeAndRest(None, "")
    return CodeAndRest("".join(digits), rest.strip())
