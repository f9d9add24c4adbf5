"""The one entry point for every channel: ``submit`` a draft, ``append`` to a case.

Web form, SMS dialogue and e-mail parser all build a :class:`Draft` and call
:func:`submit`. It routes by the policy, strips attachment metadata, seals
everything to the routed queues and the reporter's codename key, and stores
ciphertext only. Only public keys are used, so no channel holds a secret.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.cases.records import (
    FileToStore,
    queue_public_keys,
    store_attachment,
    store_contact,
    store_message,
)
from hotline.crypto.codenames import (
    CodenameKdf,
    ReporterKeys,
    generate_digits,
    generate_words,
)
from hotline.crypto.items import reporter_recipient
from hotline.intake.attachments import CleanedFile, UnreadableFile, clean
from hotline.models import (
    Disclosure,
    DisclosureExclusion,
    DisclosureLink,
    DisclosureQueue,
    Reporter,
    new_id,
    today,
)
from hotline.notifications.outbox import NEW_CASE, REPORTER_WROTE, enqueue_for_queues
from hotline.routing import Policy, RoutingError

CHANNELS = ("web", "sms", "email", "voice")
ACKNOWLEDGEMENT_DAYS = 7
#: Crockford's base32 without I, L, O, U: easy to read aloud and to type on a keypad.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class DraftRejected(ValueError):
    """The draft cannot be filed as it is.

    ``reason`` is a stable key each channel turns into words in the reporter's
    language; the English message is for logs of the CLI and for tests.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownCase(LookupError):
    """No such case for this reporter."""


@dataclass(frozen=True)
class Upload:
    """A file as the reporter sent it, before metadata is removed."""

    name: str
    claimed_type: str | None
    content: bytes


@dataclass(frozen=True)
class Draft:
    category: str
    text: str
    channel: str
    attachments: Sequence[Upload] = ()
    #: Units the report concerns; their queues are excluded.
    concerns: frozenset[str] = frozenset()
    #: Contact details the reporter chose to give; sealed to the custodian only.
    contact: str | None = None
    contact_kind: str = "contact"
    #: Disclosures of the same reporter this one follows from (retaliation → original).
    related_to: Sequence[str] = ()
    #: "words" (web) or "digits" (SMS, e-mail, voice).
    codename_kind: str = "words"


@dataclass(frozen=True)
class FileReceipt:
    name: str
    removed: tuple[str, ...]
    metadata_warning: bool


@dataclass(frozen=True, repr=False)
class Receipt:
    """What the reporter is told. ``codename`` is None when they already had one."""

    codename: str | None
    reference: str
    disclosure_id: str
    reporter_id: str
    files: tuple[FileReceipt, ...] = field(default=())

    def __repr__(self) -> str:
        return f"Receipt({self.reference})"


@dataclass(frozen=True)
class Limits:
    max_chars: int = 100_000
    max_upload_bytes: int = 25 * 1024 * 1024


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"HL-{chars[:4]}-{chars[4:]}"


def clean_uploads(uploads: Sequence[Upload], limits: Limits) -> list[CleanedFile]:
    total = sum(len(u.content) for u in uploads)
    if total > limits.max_upload_bytes:
        megabytes = limits.max_upload_bytes // (1024 * 1024)
        raise DraftRejected(
            "files_too_large", f"The files are too large together: at most {megabytes} MB."
        )
    cleaned = []
    for upload in uploads:
        if not upload.content:
            continue
        try:
            cleaned.append(clean(upload.name, upload.claimed_type, upload.content))
        except UnreadableFile as exc:
            raise DraftRejected("unreadable_file", f"A file could not be read: {exc}") from None
    return cleaned


def _check_text(text: str, limits: Limits, *, allow_empty: bool) -> str:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > limits.max_chars:
        raise DraftRejected(
            "text_too_long", f"The text is too long: at most {limits.max_chars:,} characters."
        )
    if not text and not allow_empty:
        raise DraftRejected("empty", "Please describe what happened.")
    return text


def submit(
    session: Session,
    draft: Draft,
    *,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits | None = None,
    reporter: ReporterKeys | None = None,
) -> Receipt:
    """File a new disclosure. The caller commits.

    With ``reporter`` (a signed-in reporter filing again, e.g. retaliation),
    the disclosure joins their codename; otherwise a new codename is made and
    returned once in the receipt, never stored.
    """
    limits = limits or Limits()
    if draft.channel not in CHANNELS:
        raise DraftRejected("unroutable", f"unknown channel {draft.channel!r}")
    try:
        queues = policy.route(draft.category, draft.concerns)
    except RoutingError as exc:
        raise DraftRejected("unroutable", str(exc)) from None
    files = clean_uploads(draft.attachments, limits)
    text = _check_text(draft.text, limits, allow_empty=bool(files))

    codename: str | None = None
    if reporter is None:
        codename = generate_digits() if draft.codename_kind == "digits" else generate_words()
        reporter = kdf.derive(codename)
    # A fresh random codename has no row yet (a collision of 53 or 90 random bits
    # would fail on the primary key, filing nothing); a returning one has one.
    if codename is not None or session.get(Reporter, reporter.reporter_id) is None:
        session.add(
            Reporter(
                id=reporter.reporter_id,
                public_key=reporter.public_key.raw,
                kdf_version=reporter.kdf_version,
            )
        )

    received = today()
    disclosure = Disclosure(
        # The id is set here, not at flush, so everything below is added in one
        # flush: one round of INSERTs and no UPDATE of the case row.
        id=new_id(),
        reference=_unused_reference(session),
        reporter_id=reporter.reporter_id,
        category=draft.category,
        channel=draft.channel,
        received_on=received,
        acknowledgement_due=received + dt.timedelta(days=ACKNOWLEDGEMENT_DAYS),
        next_seq=1,
    )
    disclosure.queues = [DisclosureQueue(queue_slug=q) for q in queues]
    excluded = policy.excluded_queues(draft.concerns)
    disclosure.exclusions = [DisclosureExclusion(queue_slug=q) for q in sorted(excluded)]
    session.add(disclosure)

    _link_related(session, disclosure, reporter.reporter_id, draft)
    # What the reporter sends is sealed to the routed queues and to their codename key.
    recipients = {
        **queue_public_keys(session, list(queues)),
        reporter_recipient(reporter.reporter_id): reporter.public_key,
    }
    message = (
        store_message(session, disclosure, author_kind="reporter", text=text, recipients=recipients)
        if text
        else None
    )
    if files:
        session.flush()  # attachments refer to the message row
    for file in files:
        store_attachment(
            session,
            disclosure,
            FileToStore(file.name, file.media_type, file.content),
            message_id=message.id if message else None,
            recipients=recipients,
        )
    if draft.contact:
        store_contact(
            session,
            disclosure,
            kind=draft.contact_kind,
            text=draft.contact,
            custodian_slug=policy.custodian_slug,
        )
    enqueue_for_queues(session, queues, NEW_CASE)
    session.flush()
    return Receipt(
        codename=codename,
        reference=disclosure.reference,
        disclosure_id=disclosure.id,
        reporter_id=reporter.reporter_id,
        files=tuple(FileReceipt(f.name, f.removed, f.metadata_warning) for f in files),
    )


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_reference()
        if session.scalar(select(Disclosure.id).where(Disclosure.reference == reference)) is None:
            return reference


def _link_related(session: Session, disclosure: Disclosure, reporter_id: str, draft: Draft) -> None:
    kind = "retaliation_for" if draft.category == "retaliation" else "related"
    for other_id in dict.fromkeys(draft.related_to):
        other = session.get(Disclosure, other_id)
        # A reporter can only link their own disclosures.
        if other is None or other.reporter_id != reporter_id:
            raise UnknownCase(other_id)
        session.add(DisclosureLink(from_id=disclosure.id, to_id=other.id, kind=kind))


def append(
    session: Session,
    *,
    reporter_id: str,
    disclosure_id: str,
    text: str,
    attachments: Sequence[Upload] = (),
    limits: Limits | None = None,
) -> tuple[FileReceipt, ...]:
    """Add a reporter's follow-up to their own case, with public keys only.

    Raises :class:`UnknownCase` when the case is not this reporter's, so a
    reporter can never write into someone else's case by guessing an id.
    """
    limits = limits or Limits()
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None or disclosure.reporter_id != reporter_id:
        raise UnknownCase(disclosure_id)
    files = clean_uploads(attachments, limits)
    text = _check_text(text, limits, allow_empty=bool(files))
    message = (
        store_message(session, disclosure, author_kind="reporter", text=text) if text else None
    )
    for file in files:
        store_attachment(
            session,
            disclosure,
            FileToStore(file.name, file.media_type, file.content),
            message_id=message.id if message else None,
        )
    disclosure.unread = True
    enqueue_for_queues(session, disclosure.queue_slugs, REPORTER_WROTE)
    session.flush()
    return tuple(FileReceipt(f.name, f.removed, f.metadata_warning) for f in files)
