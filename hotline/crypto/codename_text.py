"""Digit codenames inside free text: find them, strip them, show them.

A reporter on SMS or e-mail types, pastes or quotes their 16-digit codename in
running text, in any digit script and any grouping. The codename must never be
sealed into a case, where officers would read it (DESIGN.md, "Codenames"), so
every channel finds it with :func:`find_codename` and removes every occurrence
with :func:`strip_codename` before sealing.

One separator set, :data:`SEPARATORS`, says what may sit between the digits of
a codename. Finding is deliberately stricter than removing (see
:data:`GROUP_SEPARATORS`): removing too much is safe, leaving a codename in the
report text is not, whereas "finding" a number that is not a codename would
turn evidence (an invoice or account number) into ``[codename removed]``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "BIDI_MARKS",
    "CODENAME_PLACEHOLDER",
    "GROUP_SEPARATORS",
    "SEPARATORS",
    "ascii_digits",
    "cut_digit_tail",
    "find_codename",
    "format_codename",
    "strip_codename",
]

#: What replaces a codename in text that is sealed.
CODENAME_PLACEHOLDER = "[codename removed]"

#: Invisible direction marks that right-to-left keyboards and mail clients put
#: between digits (LRM, RLM, the Arabic letter mark).
BIDI_MARKS = "\u200e\u200f\u061c"

# The one separator set, as a regular-expression class: any whitespace (line
# breaks included: mail clients wrap), hyphens and dashes, dots, underscores,
# slashes, commas, the Arabic decimal and thousands separators, and bidi marks.
_SEPARATOR = f"[\\s\\-\u2010-\u2015._/,\u066b\u066c{BIDI_MARKS}]"

#: Every character that may sit between the digits of a typed codename.
#: (Every character ``\s`` matches is below U+3001.)
SEPARATORS: frozenset[str] = frozenset(
    char for char in map(chr, range(0x3001)) if re.fullmatch(_SEPARATOR, char)
)

#: The separators between the four groups of a codename that :func:`find_codename`
#: recognises: those of :data:`SEPARATORS` that people print between groups of
#: digits (spaces, hyphens and dashes, dots), with a bidi mark on either side.
#: Slashes, commas and line breaks are left out on purpose: numbers grouped with
#: them are dates, amounts and lists, and would be lost as evidence.
GROUP_SEPARATORS: frozenset[str] = frozenset(" \u00a0\u202f-\u2010\u2011\u2012\u2013\u2014\u2015.")

_DIGIT_SEPARATOR = "[" + re.escape("".join(sorted(GROUP_SEPARATORS))) + "]"
_OPTIONAL_MARK = f"[{BIDI_MARKS}]?"
_GROUP_SEPARATOR = f"{_OPTIONAL_MARK}{_DIGIT_SEPARATOR}{_OPTIONAL_MARK}"
_CODENAME = re.compile(
    rf"(?<!\d)(?<!\d{_DIGIT_SEPARATOR})"
    rf"(?:\d{{16}}|\d{{4}}(?:{_GROUP_SEPARATOR}\d{{4}}){{3}})"
    rf"(?!\d)(?!{_DIGIT_SEPARATOR}\d)"
)
# For removal, be generous: any digits, any script, up to three separators between.
_DIGIT_RUN = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d)*")
#: A trailing run of digits and separators (see :func:`cut_digit_tail`).
_DIGIT_TAIL = re.compile(rf"(?:\d|{_SEPARATOR})+\Z")


def ascii_digits(text: str) -> str:
    """The ASCII form of every decimal digit in text, in any script; others dropped."""
    out: list[str] = []
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is not None:
            out.append(str(value))
    return "".join(out)


def find_codename(*texts: str) -> str | None:
    """The first 16-digit codename (16 digits, or 4-4-4-4 groups) in texts, as ASCII."""
    for text in texts:
        for match in _CODENAME.finditer(text):
            digits = ascii_digits(match.group())
            if len(digits) == 16:
                return digits
    return None


def strip_codename(text: str, codename_digits: str) -> str:
    """Replace every occurrence of the codename with "[codename removed]".

    Matches in any digit script and any grouping (spaces, hyphens, dots, line
    breaks, bidi marks between digits), even inside a longer number: removing too
    much is safe, leaving a codename in the report text is not.
    """
    target = ascii_digits(codename_digits)
    if len(target) < 8 or not re.fullmatch(rf"(?:\d|{_SEPARATOR})+", codename_digits):
        raise ValueError("a digit codename is eight or more digits")
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        positions = [run.start() + i for i, c in enumerate(run.group()) if c.isdecimal()]
        digits = ascii_digits(run.group())
        if len(digits) != len(positions):
            continue
        found = digits.find(target)
        while found != -1:
            spans.append((positions[found], positions[found + len(target) - 1] + 1))
            found = digits.find(target, found + len(target))
    for start, end in reversed(spans):
        text = text[:start] + CODENAME_PLACEHOLDER + text[end:]
    return text


def cut_digit_tail(text: str) -> str:
    """Text without the digits and separators it ends with.

    For text cut at a length limit: the cut may fall inside a codename, and the
    first half of a codename cannot be recognised, so it must not be kept.
    """
    return _DIGIT_TAIL.sub("", text)


def format_codename(codename: str) -> str:
    """Sixteen digits in four groups of four, as every channel shows them."""
    digits = "".join(c for c in codename if c.isdigit())
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
