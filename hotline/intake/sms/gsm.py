"""GSM-7 detection, SMS segment counting and paging of long replies.

A reporter on a feature phone pays for, waits for and must delete every SMS
the hotline sends; a reply split by the network into many parts may arrive out
of order or not at all. So every reply is kept to at most two GSM-7 segments
(306 septets) or, when it needs UCS-2 (Arabic, most accented letters outside
the GSM alphabet), three UCS-2 segments (201 UTF-16 units). Longer content is
cut into pages that each fit, and the rest waits for ``MORE``.

Counting follows GSM 03.38: characters of the basic set take one septet, those
of the extension table take two (escape + character) and never straddle two
segments; in UCS-2 a character outside the Basic Multilingual Plane takes two
16-bit units that never straddle two segments either.
"""

from __future__ import annotations

from collections.abc import Callable

#: GSM 03.38 basic character set (the 7-bit default alphabet); "\x1b" (the
#: escape to the extension table) is not a character a text can carry.
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table: each costs two septets.
EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67
#: The most segments one reply may take, by encoding.
MAX_GSM7_SEGMENTS = 2
MAX_UCS2_SEGMENTS = 3


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic set or extension table."""
    return all(c in BASIC or c in EXTENSION for c in text)


def _sizes(text: str) -> tuple[list[int], int, int]:
    """Each character's size in septets or UTF-16 units, and the segment sizes."""
    if is_gsm7(text):
        return [2 if c in EXTENSION else 1 for c in text], GSM7_SINGLE, GSM7_PART
    return [2 if ord(c) > 0xFFFF else 1 for c in text], UCS2_SINGLE, UCS2_PART


def length(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    sizes, _, _ = _sizes(text)
    return sum(sizes)


def segments(text: str) -> int:
    """How many SMS segments the text takes (0 for the empty text).

    A two-unit character (a GSM-7 extension character, or a UCS-2 surrogate
    pair) is never split, so a segment may carry one unit less than its size.
    """
    sizes, single, part = _sizes(text)
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count += 1
            used = 0
        used += size
    return count


def fits(text: str) -> bool:
    """True when the text is one reply: at most 2 GSM-7 or 3 UCS-2 segments."""
    limit = MAX_GSM7_SEGMENTS if is_gsm7(text) else MAX_UCS2_SEGMENTS
    return segments(text) <= limit


def _page(chunk: str, hint: str) -> str:
    return f"{chunk.rstrip()}\n{hint}"


def _longest_prefix(text: str, hint: str, fits: Callable[[str], bool]) -> int:
    """The largest n for which ``text[:n]`` with the hint still fits (binary search:
    a longer prefix never fits when a shorter one does not)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_page(text[:middle], hint)):
            low = middle
        else:
            high = middle - 1
    return low


def paginate(text: str, hint: str, fits: Callable[[str], bool] = fits) -> list[str]:
    """Cut text into replies that each fit; every page but the last ends with hint.

    Cuts fall at a line break or space when one is in the second half of the
    page, so words are not broken where it can be avoided. ``fits`` says what
    one page may hold: an SMS reply by default, a USSD screen for USSD.
    """
    if fits(text):
        return [text]
    pages: list[str] = []
    rest = text
    while not fits(rest):
        cut = _longest_prefix(rest, hint, fits)
        if cut == 0:
            raise ValueError("the paging hint alone does not fit in one reply")
        if cut < len(rest) and not rest[cut].isspace():
            boundary = max(rest.rfind(" ", 0, cut), rest.rfind("\n", 0, cut))
            if boundary > cut // 2:
                cut = boundary
        pages.append(_page(rest[:cut], hint))
        rest = rest[cut:].lstrip()
    if rest:
        pages.append(rest)
    return pages
