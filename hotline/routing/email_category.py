"""Which category an e-mail report is, from the address it was sent to or its subject.

A reporter who cannot fill in a form still chooses a category by writing to a
plus address (``report+retaliation@...``) or by saying it in the subject; the
category decides the queues the report is routed to (``rra.toml``), so this is
routing, whichever channel reads the address.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from email.utils import parseaddr

from hotline.procedure import Category

__all__ = [
    "PLUS_TAGS",
    "detect_category",
    "plus_address_category",
    "subject_categories",
]

PLUS_TAGS = {
    "fraud": Category.TAXPAYER_FRAUD,
    "fraude": Category.TAXPAYER_FRAUD,
    "tax": Category.TAXPAYER_FRAUD,
    "smuggling": Category.TAXPAYER_FRAUD,
    "corruption": Category.STAFF_MISCONDUCT,
    "misconduct": Category.STAFF_MISCONDUCT,
    "staff": Category.STAFF_MISCONDUCT,
    "bribery": Category.STAFF_MISCONDUCT,
    "retaliation": Category.RETALIATION,
    "reprisal": Category.RETALIATION,
    "other": Category.OTHER,
}

# Phrases, matched as whole words on folded text; a trailing "*" allows any ending.
# en, fr, rw (Kinyarwanda), sw (Swahili), ar. Words that are also everyday words
# ("corrupted file", "tax" alone) are deliberately absent.
# fmt: off
_KEYWORDS: dict[Category, tuple[str, ...]] = {
    Category.RETALIATION: (
        "retaliat*", "reprisal*", "harass*", "victimi*", "intimidat*", "threaten*",
        "represailles", "harcelement*", "retorsion*", "vengeance",
        "kwihorera", "ihohoterwa", "guhohoterwa", "itotezwa", "gutotezwa",
        "kulipiza kisasi", "kisasi", "unyanyasaji", "kunyanyaswa", "vitisho", "kutishiwa",
        "انتقام", "تحرش", "مضايقة", "مضايقات", "تهديد", "ترهيب",
    ),
    Category.STAFF_MISCONDUCT: (
        "corrupt", "corruption", "corruptly", "brib*", "misconduct", "kickback*", "extort*",
        "abuse of office", "abuse of power", "abuse of authority", "embezzl*", "collusion",
        "corrompu*", "pot de vin", "pots de vin", "abus de pouvoir", "abus de fonction",
        "detournement*", "malversation*", "faute professionnelle",
        "ruswa", "kunyereza umutungo", "imyitwarire mibi",
        "rushwa", "ufisadi", "hongo", "kuhonga", "utovu wa nidhamu", "ubadhirifu",
        "فساد", "رشوة", "رشاوى", "مرتشي", "ارتشاء", "اختلاس", "سوء سلوك",
        "استغلال نفوذ", "استغلال سلطة",
    ),
    Category.TAXPAYER_FRAUD: (
        "fraud*", "defraud*", "tax evasion", "tax evader*", "evading tax*", "evade tax*",
        "evaded tax*", "tax dodg*", "duty evasion", "smuggl*", "contraband", "undervalu*",
        "under invoic*", "underinvoic*", "false invoice*", "fake invoice*",
        "contrebande*", "evasion fiscale", "sous facturation", "fausse* facture*",
        "magendu", "forode", "kunyereza imisoro", "kunyereza umusoro", "uburiganya",
        "gukwepa imisoro", "gukwepa umusoro",
        "magendo", "ukwepaji wa kodi", "ukwepaji kodi", "kukwepa kodi", "kukwepa ushuru",
        "ukwepaji wa ushuru", "udanganyifu", "ulaghai",
        "تهريب", "مهرب", "تهرب ضريبي", "تهرب من ضرائب", "تهرب من ضريبة", "احتيال",
        "غش ضريبي", "غش تجاري", "فواتير مزورة",
    ),
}
# fmt: on
# Most urgent first: retaliation endangers a person; staff misconduct must not be
# routed to the line staff who may be implicated.
_PRIORITY = (
    Category.RETALIATION,
    Category.STAFF_MISCONDUCT,
    Category.TAXPAYER_FRAUD,
    Category.OTHER,
)

_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_ARABIC_PREFIX = "(?:[وف]?(?:[بك]?ال|لل|[بلك])?)"
_ARABIC_SUFFIX = "(?:ي|يه|ه|ها|هم|ات|ين|ون)?"
_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي", "ـ": None})


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD without combining marks, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Mn"
    )
    return stripped.translate(_ARABIC_FOLD).casefold()


def _phrase_pattern(phrase: str) -> str:
    words = re.split(r"[\s\-'’]+", _fold(phrase))
    parts: list[str] = []
    for word in words:
        stem = re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        if _ARABIC_LETTER.search(word):
            stem = _ARABIC_PREFIX + stem + _ARABIC_SUFFIX
        parts.append(stem)
    return r"(?<!\w)" + r"[\s\-'’]+".join(parts) + r"(?!\w)"


_KEYWORD_PATTERNS = {
    category: re.compile("|".join(_phrase_pattern(p) for p in phrases))
    for category, phrases in _KEYWORDS.items()
}


def plus_address_category(recipients: Iterable[str], local_part: str) -> Category | None:
    """The category a plus address among the recipients names (``report+fraud@``),
    the most urgent one if several do; None if none does."""
    wanted = local_part.casefold()
    found: set[Category] = set()
    for recipient in recipients:
        address = parseaddr(recipient)[1] or recipient
        local, at, _ = address.strip().strip("<>").rpartition("@")
        base, plus, tag = local.partition("+")
        if at and plus and base.strip('"').casefold() == wanted:
            category = PLUS_TAGS.get(_fold(tag.strip('"')))
            if category is not None:
                found.add(category)
    return next((c for c in _PRIORITY if c in found), None)


def subject_categories(subject: str) -> set[Category]:
    """Every category whose keywords the subject holds (whole words, folded)."""
    folded = _fold(subject)
    return {c for c, pattern in _KEYWORD_PATTERNS.items() if pattern.search(folded)}


def detect_category(recipients: list[str], subject: str, local_part: str = "report") -> Category:
    """The report category, from a plus address or else from subject keywords.

    A recognised plus tag among the recipients (report+fraud@, report+corruption@,
    report+retaliation@, report+other@...) decides; otherwise keywords in the subject
    (English, French, Kinyarwanda, Swahili, Arabic; case-, accent- and
    Arabic-diacritic-insensitive, whole words). Retaliation always wins, also over a
    plus tag, because it is the most urgent; then staff misconduct, then taxpayer
    fraud; "other" if nothing matches.
    """
    by_address = plus_address_category(recipients, local_part)
    by_subject = subject_categories(subject)
    if Category.RETALIATION in by_subject or by_address == Category.RETALIATION:
        return Category.RETALIATION
    if by_address is not None:
        return by_address
    return next((c for c in _PRIORITY if c in by_subject), Category.OTHER)
