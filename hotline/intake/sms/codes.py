"""What a code typed into an SMS thread opens: the reporter it proves, the
report it is taken out of, whom a retaliation report is filed under, and the
STATUS answer.

A code is checked by its derivation (:func:`~hotline.intake.checkin.authenticate`)
each time; the thread keeps at most the reporter id it proved, never the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.codename_text import CodeAndRest, find_codename, strip_codename
from hotline.crypto.codenames import (
    SEPARATOR_CLASS,
    WEB_CODENAME_WORDS,
    CodenameKdf,
    Filer,
    ReporterKeys,
)
from hotline.intake.checkin import UnknownCodename, authenticate, known_reporter, unread_replies
from hotline.intake.sms.texts import Texts
from hotline.intake.sms.thread import ThreadState
from hotline.models import Disclosure
from hotline.procedure import Category, RewardState
from hotline.sealing import decisions
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient

#: Codename-shaped numbers checked per message against the thread's reporter.
CODENAME_TRIES = 2


def keys_of(session: Session, kdf: CodenameKdf, digits: str | None) -> ReporterKeys | None:
    """The reporter a typed code opens, or None."""
    if digits is None:
        return None
    try:
        return authenticate(session, kdf, digits)
    except UnknownCodename:
        return None


def leading_words_code(
    session: Session, kdf: CodenameKdf, text: str
) -> tuple[ReporterKeys, str] | None:
    """A web reporter's seven-word codename typed first (``RETALIATION correct
    horse …``), and the text after it; None when the first seven words open no
    reporter (they are then report text). Costs one codename derivation."""
    parts = re.split(f"{SEPARATOR_CLASS}+", text.strip(), maxsplit=WEB_CODENAME_WORDS)
    words = parts[:WEB_CODENAME_WORDS]
    if len(words) < WEB_CODENAME_WORDS or not all(word.isalpha() for word in words):
        return None
    try:
        keys = authenticate(session, kdf, " ".join(words))
    except UnknownCodename:
        return None
    return keys, parts[WEB_CODENAME_WORDS] if len(parts) > WEB_CODENAME_WORDS else ""


@dataclass(frozen=True, repr=False)
class Opening:
    """What follows a RETALIATION command word."""

    #: The report text, without the code.
    text: str
    #: The reporter the code proved; None without a code that opens one.
    reporter_id: str | None
    #: A code was typed and matched no report.
    wrong_code: bool


def retaliation_opening(
    session: Session, kdf: CodenameKdf, code: CodeAndRest | None, rest: str
) -> Opening:
    """``RETALIATION [code] [text]``: the text, and whom a 16-digit code or a web
    reporter's seven words (typed first) prove. A code-shaped number that
    opens nothing is dropped from the text; anything else stays as written."""
    if code is not None:
        keys = keys_of(session, kdf, code.digits)
        if keys is None:
            return Opening(code.rest if code.digits is not None else rest, None, wrong_code=True)
        return Opening(code.rest, keys.reporter_id, wrong_code=False)
    words = leading_words_code(session, kdf, rest)
    if words is not None:  # never sealed: the report starts after it
        return Opening(words[1], words[0].reporter_id, wrong_code=False)
    return Opening(rest, None, wrong_code=False)


def without_own_codename(session: Session, kdf: CodenameKdf, text: str, reporter_id: str) -> str:
    """Text without this reporter's codename, which the thread no longer holds:
    each codename-shaped number (at most :data:`CODENAME_TRIES`, each costs one
    codename derivation) that opens this reporter's keys is removed."""
    for _ in range(CODENAME_TRIES):
        candidate = find_codename(text)
        if candidate is None:
            break
        try:
            keys = authenticate(session, kdf, candidate)
        except UnknownCodename:
            break
        if keys.reporter_id != reporter_id:
            break
        text = strip_codename(text, candidate)
    return text


def filer_for(
    session: Session, kdf: CodenameKdf, state: ThreadState, texts: Texts, text: str
) -> tuple[Filer | None, str, list[str]]:
    """Whom a thread's first part is filed under, its text without their code,
    and what to tell the reporter first.

    Only a retaliation report joins an earlier codename, so that it is linked
    to that reporter's earlier reports (a report of any other kind gets a code
    of its own): the reporter a code proved in this thread, or else the one
    whose code is in the text (16 digits anywhere, or seven words first). A
    code-shaped number that opens nothing is said so, and stays in the text
    (it may be evidence, an invoice number).
    """
    if state.category != Category.RETALIATION:
        return None, text, []
    if state.known_reporter_id is not None:
        return known_reporter(session, state.known_reporter_id), text, []
    candidate = find_codename(text)
    if candidate is None:
        words = leading_words_code(session, kdf, text)  # a web reporter's codename
        if words is None:
            return None, text, []
        state.known_reporter_id = words[0].reporter_id
        return words[0], words[1], []
    keys = keys_of(session, kdf, candidate)
    if keys is None:
        return None, text, [texts.code_not_matched()]
    state.known_reporter_id = keys.reporter_id
    return keys, without_own_codename(session, kdf, text, keys.reporter_id), []


def status_lines(session: Session, keys: ReporterKeys, texts: Texts) -> list[str]:
    """The STATUS answer: every report of this code, then the newest unread
    officer reply (marked read), before it is paged."""
    disclosures = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference)
    )
    lines: list[str] = []
    for disclosure in disclosures:
        # Only what an officer's signature vouches for: a forged closure reads "Received".
        shown = decisions.for_reporter(session, disclosure)
        label = texts.status_name(shown.status, shown.outcome)
        line = texts.status_line(disclosure.reference, label)
        if shown.reward_state != RewardState.NOT_ELIGIBLE:
            line += " " + texts.reward(shown.reward_state)
        lines.append(line)
    unread = unread_replies(session, keys.reporter_id)
    if unread:
        newest = unread[0]
        private = {reporter_recipient(keys.reporter_id): keys.private_key}
        text = read_message(session, newest, private)
        lines.append(texts.reply_heading(newest.disclosure.reference) + "\n" + text)
        newest.reporter_read = True
        if len(unread) > 1:
            lines.append(texts.more_unread(len(unread) - 1))
    else:
        lines.append(texts.no_new_reply())
    lines.append(texts.delete_after_reading())
    return lines
