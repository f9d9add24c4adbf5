"""The codenames an e-mail carries: in its subject, body or file names.

The first that opens a reporter proves who wrote; every one that opens someone
is removed before sealing, since an officer who read it could open that
reporter's check-in. A number or words that open no one are evidence and stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from hotline.crypto.codename_text import find_codename, strip_codename
from hotline.crypto.codename_words import find_word_codenames, strip_word_codename
from hotline.crypto.codenames import CodenameKdf, ReporterKeys
from hotline.intake.checkin import UnknownCodename, authenticate
from hotline.intake.email.parse import ParsedEmail
from hotline.intake.service import Upload

#: At most this many further codename-shaped numbers, and as many runs of seven
#: list words, are tried per message (each costs one scrypt derivation).
MAX_EXTRA_CODES = 3


def code_candidates(text: str) -> list[str]:
    """Further codename-shaped numbers in the text, then runs of seven list
    words (a web reporter's codename), on a working copy only: a number or
    words that turn out not to be a codename (an invoice, a card, a sentence)
    are evidence and stay in the report."""
    found: list[str] = []
    rest = text
    for _ in range(MAX_EXTRA_CODES):
        code = find_codename(rest)
        if code is None:
            break
        found.append(code)
        rest = strip_codename(rest, code)
    return found + find_word_codenames(text, MAX_EXTRA_CODES)


def reporter_codes(
    session: Session, kdf: CodenameKdf, parsed: ParsedEmail, text: str
) -> tuple[ReporterKeys | None, list[str]]:
    """The keys of the first codename in the message that opens a reporter, and
    every codename in it that does (all of them are removed before sealing)."""
    keys: ReporterKeys | None = None
    valid: list[str] = []
    candidates = ([parsed.codename] if parsed.codename else []) + code_candidates(text)
    for code in dict.fromkeys(candidates):
        try:
            found = authenticate(session, kdf, code)
        except UnknownCodename:
            continue
        valid.append(code)
        keys = keys or found
    return keys, valid


def without_reporter_codes(
    text: str, uploads: list[Upload], codes: Sequence[str]
) -> tuple[str, list[Upload]]:
    """Remove every valid codename (again) from the text and the file names:
    a codename must never be sealed into the case, where officers would read it."""
    for code in codes:
        strip = strip_codename if code.isdigit() else strip_word_codename
        text = strip(text, code)
        uploads = [Upload(strip(u.name, code), u.claimed_type, u.content) for u in uploads]
    return text, uploads
