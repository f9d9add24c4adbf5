"""Reporter check-in, on every channel: what a codename opens.

:func:`authenticate` turns a codename into the reporter's keys (web check-in,
SMS and e-mail follow-ups); :func:`reporter_disclosures` opens their cases with
those keys. The codename itself is never kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.codename_text import find_codename, strip_codename
from hotline.crypto.codename_words import find_word_codenames, strip_word_codename
from hotline.crypto.codenames import CodenameKdf, InvalidCodename, KnownReporter, ReporterKeys
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Disclosure, DisclosureLink, Message, Reporter
from hotline.procedure import AuthorKind, Category, Outcome, RewardState, Status
from hotline.sealing import authorship, decisions, trust
from hotline.sealing.items import read_attachment, read_message
from hotline.sealing.recipients import reporter_may_read, reporter_recipient

#: Code-shaped numbers, and runs of seven codename-list words, tried per text
#: by :func:`without_codenames` (each try costs one codename derivation).
CODENAME_NUMBER_TRIES = 2
CODENAME_WORD_TRIES = 1


class UnknownCodename(LookupError):
    """No disclosure was filed under this codename."""


def authenticate(session: Session, kdf: CodenameKdf, codename: str) -> ReporterKeys:
    try:
        keys = kdf.derive(codename)
    except InvalidCodename:
        raise UnknownCodename from None
    reporter = session.get(Reporter, keys.reporter_id)
    if reporter is None or reporter.public_key != keys.public_key.raw:
        raise UnknownCodename
    return keys


def without_codenames(session: Session, kdf: CodenameKdf, text: str) -> str:
    """Text without any codename that opens a reporter, whoever's it is: a
    16-digit one or a web reporter's seven words, however typed. Officers who
    read a codename could open that reporter's check-in, read every reply and
    write in their name; a number or words that open no one are evidence and
    stay."""
    rest = text
    for _ in range(CODENAME_NUMBER_TRIES):
        candidate = find_codename(rest)
        if candidate is None:
            break
        rest = strip_codename(rest, candidate)
        if _opens_someone(session, kdf, candidate):
            text = strip_codename(text, candidate)
    for words in find_word_codenames(text, CODENAME_WORD_TRIES):
        if _opens_someone(session, kdf, words):
            text = strip_word_codename(text, words)
    return text


def _opens_someone(session: Session, kdf: CodenameKdf, codename: str) -> bool:
    try:
        authenticate(session, kdf, codename)
    except UnknownCodename:
        return False
    return True


def known_reporter(session: Session, reporter_id: str) -> KnownReporter | None:
    """The reporter a code proved earlier (in the same SMS thread), to file a
    new report under; None when they are gone or their key fails its tag."""
    reporter = session.get(Reporter, reporter_id)
    if reporter is None or not trust.check(session, reporter):
        return None
    return KnownReporter(reporter.id, PublicKey(reporter.public_key), reporter.kdf_version)


@dataclass(frozen=True)
class MessageView:
    author_kind: AuthorKind
    created_on: dt.date
    text: str


@dataclass(frozen=True)
class DisclosureView:
    id: str
    reference: str
    category: Category
    status: Status
    outcome: Outcome | None
    received_on: dt.date
    reward_state: RewardState
    reward_minor: int | None
    messages: tuple[MessageView, ...]
    attachment_names: tuple[str, ...]
    linked_references: tuple[str, ...]
    unread_replies: int


def _attachment_names(
    session: Session, disclosure: Disclosure, private: dict[str, PrivateKey]
) -> list[str]:
    """The names of the case's files that open in this case; one moved here
    from another case does not (it is bound to its place) and raises the alarm."""
    names = []
    tag_key = trust.instance_secrets(session).key_tag_key
    for attachment in disclosure.attachments:
        if not authorship.attachment_holds(tag_key, attachment):
            trust.raise_alarm(session, f"attachments/{attachment.id}", "unverifiable file")
            continue
        try:
            names.append(read_attachment(session, attachment, private, content=False).name)
        except CannotOpen:
            trust.raise_alarm(session, f"attachments/{attachment.id}", "does not open in its case")
    return names


def reporter_disclosures(session: Session, keys: ReporterKeys) -> list[DisclosureView]:
    """Every disclosure of this reporter, opened with the codename key."""
    private = {reporter_recipient(keys.reporter_id): keys.private_key}
    views = []
    disclosures = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference)
    )
    # Only what its author verifiably wrote, where they wrote it: a reply
    # forged in the database is never shown, and raises the alarm.
    checker = authorship.Checker(session)
    for disclosure in disclosures:
        shown = checker.verified(m for m in disclosure.messages if reporter_may_read(m.author_kind))
        messages = [
            MessageView(m.author_kind, m.created_on, read_message(session, m, private))
            for m in shown
        ]
        names = tuple(_attachment_names(session, disclosure, private))
        linked = session.scalars(
            select(Disclosure.reference)
            .join(DisclosureLink, DisclosureLink.to_id == Disclosure.id)
            .where(DisclosureLink.from_id == disclosure.id)
        )
        unread = sum(
            1 for m in shown if m.author_kind == AuthorKind.OFFICER and not m.reporter_read
        )
        shown_state = decisions.for_reporter(session, disclosure)
        views.append(
            DisclosureView(
                id=disclosure.id,
                reference=disclosure.reference,
                category=disclosure.category,
                status=shown_state.status,
                outcome=shown_state.outcome,
                received_on=disclosure.received_on,
                reward_state=shown_state.reward_state,
                reward_minor=shown_state.reward_minor,
                messages=tuple(messages),
                attachment_names=names,
                linked_references=tuple(linked),
                unread_replies=unread,
            )
        )
    return views


def mark_replies_read(session: Session, reporter_id: str) -> None:
    replies = session.scalars(
        select(Message)
        .join(Disclosure, Disclosure.id == Message.disclosure_id)
        .where(
            Disclosure.reporter_id == reporter_id,
            Message.author_kind == AuthorKind.OFFICER,
            Message.reporter_read.is_(False),
        )
    )
    for reply in replies:
        reply.reporter_read = True


def unread_replies(session: Session, reporter_id: str) -> list[Message]:
    """The officer replies this reporter has not read, newest first, that their
    officer verifiably signed: a forged one never reaches the reporter on any
    channel (SMS, USSD, voice), and raises the alarm."""
    return authorship.Checker(session).verified(
        session.scalars(
            select(Message)
            .join(Disclosure, Disclosure.id == Message.disclosure_id)
            .where(
                Disclosure.reporter_id == reporter_id,
                Message.author_kind == AuthorKind.OFFICER,
                Message.reporter_read.is_(False),
            )
            .order_by(Message.created_on.desc(), Message.seq.desc())
        )
    )
