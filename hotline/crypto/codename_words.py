"""Word codenames inside free text: find them, strip them.

A web reporter's codename is seven words from the EFF long list. When that
reporter writes to the published e-mail address and quotes it ("my codename is
gravy spoiler ..."), the message must join their case and the words must never be
sealed into it: an officer who read them could open the reporter's check-in page,
read every reply and write in the reporter's name.

Seven words of the list in a row are rare in prose (none in this project's own
README, about 11,000 words), so every such run is a candidate; only a candidate
that opens a reporter is removed (a run of list words that is not a codename is
evidence and stays). Words may be separated by anything a typed codename may
contain (:data:`hotline.crypto.codenames.SEPARATOR_CLASS`: spaces, line breaks,
hyphens, dots, commas), in any letter case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

from hotline.crypto.codename_text import CODENAME_PLACEHOLDER
from hotline.crypto.codenames import SEPARATOR_CLASS, WEB_CODENAME_WORDS, wordlist

__all__ = ["find_word_codenames", "strip_word_codename"]

_WORD = re.compile(r"[^\W\d_]+")
_GAP = re.compile(SEPARATOR_CLASS + "+")


@cache
def _words() -> frozenset[str]:
    return frozenset(wordlist())


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold()


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Maximal runs of list words joined only by separators."""
    words = _words()
    run: list[re.Match[str]] = []
    for match in _WORD.finditer(text):
        joined = bool(run) and _GAP.fullmatch(text, run[-1].end(), match.start()) is not None
        if _fold(match.group()) in words:
            if not joined:
                if len(run) >= WEB_CODENAME_WORDS:
                    yield run
                run = []
            run.append(match)
        else:
            if len(run) >= WEB_CODENAME_WORDS:
                yield run
            run = []
    if len(run) >= WEB_CODENAME_WORDS:
        yield run


def _windows(text: str) -> Iterator[tuple[str, int, int]]:
    """(normalised codename, start, end) for every seven words in a row."""
    for run in _runs(text):
        for first in range(len(run) - WEB_CODENAME_WORDS + 1):
            window = run[first : first + WEB_CODENAME_WORDS]
            codename = " ".join(_fold(m.group()) for m in window)
            yield codename, window[0].start(), window[-1].end()


def find_word_codenames(text: str, limit: int) -> list[str]:
    """Up to ``limit`` distinct word codenames in text, normalised as
    :func:`hotline.crypto.codenames.normalise` would.

    Runs of exactly seven words come first (a codename pasted on its own, or
    between ordinary words); windows of longer runs after them. The limit bounds
    the key derivations a message can cost.
    """
    exact: list[str] = []
    longer: list[str] = []
    for run in _runs(text):
        target = exact if len(run) == WEB_CODENAME_WORDS else longer
        for first in range(len(run) - WEB_CODENAME_WORDS + 1):
            window = run[first : first + WEB_CODENAME_WORDS]
            target.append(" ".join(_fold(m.group()) for m in window))
    return list(dict.fromkeys(exact + longer))[:limit]


def strip_word_codename(text: str, codename: str) -> str:
    """Replace every occurrence of this (normalised) word codename with the
    placeholder, however it is spaced, hyphenated or capitalised."""
    spans = [(start, end) for found, start, end in _windows(text) if found == codename]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + CODENAME_PLACEHOLDER + text[end:]
    return text
