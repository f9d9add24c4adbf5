"""What a reporter's text says: command words, menu digits and a typed codename.

Commands are accepted in every language at any time, so a reporter who
switched language by mistake can still finish. Nothing here touches the
database or the thread: these are pure functions of the text.
"""

from __future__ import annotations

import re
import unicodedata

from hotline.procedure import DEFAULT_LANGUAGE, Category

#: Menu number → category, in the order the welcome text lists them.
MENU: dict[int, Category] = {
    1: Category.TAXPAYER_FRAUD,
    2: Category.STAFF_MISCONDUCT,
    3: Category.RETALIATION,
    4: Category.OTHER,
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
    #: A new retaliation report, linked to the earlier ones of the code that follows.
    "retaliation": {
        "en": ("RETALIATION",),
        "fr": ("REPRESAILLES",),
        "rw": ("KWIHORERA",),
        "sw": ("KISASI",),
        "ar": ("انتقام",),
    },
    #: Agree to a content-free text when an officer replies (the number is then kept sealed).
    "notify": {
        "en": ("NOTIFY",),
        "fr": ("AVERTIR",),
        "rw": ("MUMENYESHE",),
        "sw": ("NIJULISHE",),
        "ar": ("إشعار",),
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
    return _strip_ornaments(text.casefold().strip(TRIM))


def _is_ornament(char: str) -> bool:
    """Punctuation, symbols (emoji among them), spaces and the marks that dress
    an emoji (variation selectors, keycaps): nothing a command word is made of."""
    return unicodedata.category(char)[:1] in "PSZ" or unicodedata.category(char) in ("Mn", "Me")


def _strip_ornaments(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_ornament(text[start]):
        start += 1
    while end > start and _is_ornament(text[end - 1]):
        end -= 1
    return text[start:end]


def command_and_rest(body: str) -> tuple[str, str]:
    """A message's first word as commands compare it, and the text after it.

    Words that are only emoji or punctuation are not read as the first word
    ("👍 cancel!" is CANCEL), nor as text after it ("DONE ✅" is DONE): they
    never turn a command into report text.
    """
    words = body.split(None, 1)
    while words and not fold(words[0]):
        words = words[1].split(None, 1) if len(words) > 1 else []
    if not words:
        return "", ""
    rest = words[1] if len(words) > 1 else ""
    if not any(fold(word) for word in rest.split()):
        rest = ""
    return fold(words[0]), rest


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
    first, _rest = command_and_rest(body)
    return COMMAND_LANGUAGES.get(first) if first else None


def keyword(command: str, language: str) -> str:
    """The word replies show for a command, in the thread's language."""
    return KEYWORDS[command].get(language, KEYWORDS[command][DEFAULT_LANGUAGE])[0]


# --- menu digits ------------------------------------------------------------------------


def menu_category(char: str) -> Category | None:
    """The category a menu digit (in any script) chooses, if any."""
    value = unicodedata.decimal(char, None)
    return MENU.get(value) if value is not None else None


def category_only(body: str) -> Category | None:
    """The category a message that is a lone menu number chooses, if any."""
    only = _CATEGORY_ONLY.match(body)
    return menu_category(only.group(1)) if only else None


def category_and_text(body: str) -> tuple[Category, str] | None:
    """A menu number followed by report text: the category and the text, if any."""
    both = _CATEGORY_AND_TEXT.match(body)
    chosen = menu_category(both.group(1)) if both else None
    return (chosen, both.group(2)) if both and chosen else None
