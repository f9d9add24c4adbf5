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
from dataclasses import dataclass

from hotline.crypto.codenames import BIDI_MARKS, DIGIT_CODENAME_LENGTH, SEPARATOR_CLASS

__all__ = [
    "BIDI_MARKS",
    "CODENAME_PLACEHOLDER",
    "GROUP_SEPARATORS",
    "SEPARATORS",
    "CodeAndRest",
    "ascii_digits",
    "codename_digits",
    "cut_digit_tail",
    "find_codename",
    "format_codename",
    "split_code",
    "strip_codename",
]

#: What replaces a codename in text that is sealed.
CODENAME_PLACEHOLDER = "[codename removed]"

_SEPARATOR = SEPARATOR_CLASS

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
    stripped = text.lstrip("".join(SEPARATORS))
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
        elif char not in SEPARATORS:
            break
    rest = stripped[end:]
    too_many = bool(rest) and unicodedata.decimal(rest[0], None) is not None
    if len(digits) != DIGIT_CODENAME_LENGTH or too_many:
        return CodeAndRest(None, "")
    return CodeAndRest("".join(digits), rest.strip())
