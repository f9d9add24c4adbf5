"""The one entry point for every channel: ``submit`` a draft, ``append`` to a case.

Web form, SMS dialogue and e-mail parser all build a :class:`Draft`
(``hotline.intake.drafts``, re-exported here) and call :func:`submit`. It
routes by the policy, strips attachment metadata, seals everything to the
routed queues and the reporter's codename key, and stores ciphertext only.
Only public keys are used, so no channel holds a secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import nullcontext

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline.crypto.codenames import (
    CodenameKdf,
    Filer,
    generate_digits,
    generate_words,
)
from hotline.crypto.key_tags import key_tag
from hotline.db import insert_into
from hotline.intake.attachments import CleanedFile, TooCostly, UnreadableFile
from hotline.intake.attachments.confinement import Allowance, clean_confined
from hotline.intake.drafts import (
    Draft,
    DraftRejected,
    FileReceipt,
    Limits,
    Receipt,
    UnknownCase,
    Upload,
)
from hotline.intake.operations import inherited_exclusions
from hotline.models import (
    Attachment,
    ContactDetail,
    Disclosure,
    DisclosureExclusion,
    DisclosureLink,
    DisclosureQueue,
    Message,
    Reporter,
    new_id,
    today,
)
from hotline.notifications.outbox import NEW_CASE, REPORTER_WROTE, enqueue_for_queues
from hotline.procedure import (
    ACKNOWLEDGEMENT_DAYS,
    LANGUAGE_NAMES,
    AuthorKind,
    Category,
    Channel,
    DraftRefusal,
    LinkKind,
)
from hotline.references import new_reference
from hotline.routing import Policy, RoutingError
from hotline.routing.exclusions import route_following
from hotline.sealing import authorship, case_heads, trust
from hotline.sealing import recipients as readers
from hotline.sealing.case_heads import Link
from hotline.sealing.items import FileToStore, seal_attachment, seal_contact, seal_message
from hotline.sealing.store import insert_sealed, store_attachment, store_message

__all__ = [
    "Draft",
    "DraftRejected",
    "FileReceipt",
    "Limits",
    "Receipt",
    "UnknownCase",
    "Upload",
    "append",
    "clean_uploads",
    "submit",
]


def clean_uploads(uploads: Sequence[Upload], limits: Limits) -> list[CleanedFile]:
    """Every file cleaned in a confined child process, within the report's budget.

    The budget: ``limits.max_upload_bytes`` together, ``limits.max_files``
    files, and ``limits.max_pixels`` decoded pixels over all pictures; each
    file is also bounded in memory, CPU and time (``attachments.confinement``).
    """
    total = sum(len(u.content) for u in uploads)
    if total > limits.max_upload_bytes:
        megabytes = limits.max_upload_bytes // (1024 * 1024)
        raise DraftRejected(
            DraftRefusal.FILES_TOO_LARGE,
            f"The files are too large together: at most {megabytes} MB.",
        )
    files = [upload for upload in uploads if upload.content]
    if len(files) > limits.max_files:
        raise DraftRejected(
            DraftRefusal.FILES_TOO_COSTLY, f"Too many files: at most {limits.max_files}."
        )
    cleaned = []
    pixels_left = limits.max_pixels
    for upload in files:
        allowance = Allowance(pixels=pixels_left)
        try:
            with limits.cleanings or nullcontext():
                result = clean_confined(upload.name, upload.claimed_type, upload.content, allowance)
        except TooCostly as exc:
            raise DraftRejected(
                DraftRefusal.FILES_TOO_COSTLY, f"A file costs too much to clean: {exc}"
            ) from None
        except UnreadableFile as exc:
            raise DraftRejected(
                DraftRefusal.UNREADABLE_FILE, f"A file could not be read: {exc}"
            ) from None
        pixels_left -= result.pixels
        cleaned.append(result)
    return cleaned


def _check_text(text: str, limits: Limits, *, allow_empty: bool) -> str:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > limits.max_chars:
        raise DraftRejected(
            DraftRefusal.TEXT_TOO_LONG,
            f"The text is too long: at most {limits.max_chars:,} characters.",
        )
    if not text and not allow_empty:
        raise DraftRejected(DraftRefusal.EMPTY, "Please describe what happened.")
    return text


def submit(
    session: Session,
    draft: Draft,
    *,
    policy: Policy,
    kdf: CodenameKdf,
    limits: Limits,
    reporter: Filer | None = None,
) -> Receipt:
    """File a new disclosure. The caller commits.

    With ``reporter`` (a signed-in reporter filing again, e.g. retaliation),
    the disclosure joins their codename; otherwise a new codename is made and
    returned once in the receipt, never stored.
    """
    channel = Channel.parse(draft.channel)
    if channel is None:
        raise DraftRejected(DraftRefusal.UNROUTABLE, f"unknown channel {draft.channel!r}")
    try:
        queues = policy.route(draft.category, draft.concerns)
    except RoutingError as exc:
        raise DraftRejected(DraftRefusal.UNROUTABLE, str(exc)) from None
    # The policy routes only its own categories: a member, even from a plain string.
    category = Category(draft.category)
    files = clean_uploads(draft.attachments, limits)
    text = _check_text(draft.text, limits, allow_empty=bool(files))

    codename: str | None = None
    if reporter is None:
        codename = generate_digits() if draft.codename_kind == "digits" else generate_words()
        reporter = kdf.derive(codename)
    received = today()
    disclosure_id = new_id()
    # What the reporter sends is sealed to the routed queues and to their codename key.
    recipients = readers.for_new_case(session, queues, reporter)
    related = _related_rows(session, disclosure_id, reporter.reporter_id, category, draft)
    inherited = inherited_exclusions(session, [row["to_id"] for row in related])
    if inherited:
        try:
            queues = route_following(policy, category, draft.concerns, inherited)
        except RoutingError as exc:
            raise DraftRejected(DraftRefusal.UNROUTABLE, str(exc)) from None
        recipients = readers.for_new_case(session, queues, reporter)
    reference = _unused_reference(session)
    # A fresh random codename has no row yet (a collision of 53 or 90 random
    # bits would fail on the primary key, filing nothing); a returning one has one.
    new_reporter = codename is not None or session.get(Reporter, reporter.reporter_id) is None

    message = (
        seal_message(
            disclosure_id=disclosure_id,
            seq=1,
            author_kind=AuthorKind.REPORTER,
            text=text,
            recipients=recipients,
        )
        if text
        else None
    )
    tag_key = trust.instance_secrets(session).key_tag_key
    if message is not None:
        authorship.vouch_by_server(session, message.row)
    message_id = message.id if message else None
    attachments = [
        seal_attachment(
            disclosure_id=disclosure_id,
            file=FileToStore(file.name, file.media_type, file.content),
            message_id=message_id,
            recipients=recipients,
        )
        for file in files
    ]
    # Every item takes the case's next number; the files follow the text.
    items = ([message] if message else []) + attachments
    for seq, attachment in enumerate(attachments, start=len(items) - len(attachments) + 1):
        attachment.row["seq"] = seq
        authorship.tag_attachment(tag_key, attachment.row)
    head = case_heads.new_head(
        tag_key,
        disclosure_id,
        [Link(seq, i.id, i.row["authenticity"]) for seq, i in enumerate(items, start=1)],
    )
    contact = (
        seal_contact(
            disclosure_id=disclosure_id,
            kind=draft.contact_kind,
            text=draft.contact,
            custodian=readers.for_contact(session, policy.custodian_slug),
        )
        if draft.contact
        else None
    )
    # Everything is read and sealed; now the writes, close together, so that
    # SQLite's write lock is held for as little as possible. Every row is new,
    # so they are plain INSERTs in the order of their foreign keys, without the
    # ORM's unit of work: every report takes this path, and beside the codename
    # derivation it should cost little more than the sealing.
    if new_reporter:
        session.execute(
            insert_into(Reporter),
            {
                "id": reporter.reporter_id,
                "public_key": reporter.public_key.raw,
                "kdf_version": reporter.kdf_version,
                "key_tag": key_tag(
                    tag_key,
                    purpose="codename",
                    owner=readers.reporter_recipient(reporter.reporter_id),
                    version=reporter.kdf_version,
                    public_key=reporter.public_key.raw,
                ),
            },
        )
    session.execute(
        insert_into(Disclosure),
        {
            "id": disclosure_id,
            "reference": reference,
            "reporter_id": reporter.reporter_id,
            "category": category,
            "channel": channel,
            "received_on": received,
            "acknowledgement_due": received + dt.timedelta(days=ACKNOWLEDGEMENT_DAYS),
            "next_seq": len(items) + 1,
            **head,
            "language": draft.language if draft.language in LANGUAGE_NAMES else None,
        },
    )
    case_heads.case_added(session, disclosure_id)
    session.execute(
        insert_into(DisclosureQueue),
        [{"disclosure_id": disclosure_id, "queue_slug": q} for q in queues],
    )
    excluded = sorted(policy.excluded_queues(draft.concerns) | inherited)
    if excluded:
        session.execute(
            insert_into(DisclosureExclusion),
            [{"disclosure_id": disclosure_id, "queue_slug": q} for q in excluded],
        )
    if related:
        session.execute(insert_into(DisclosureLink), related)
    insert_sealed(session, Message, [message] if message else [])
    insert_sealed(session, Attachment, attachments)
    insert_sealed(session, ContactDetail, [contact] if contact else [])
    enqueue_for_queues(session, queues, NEW_CASE, disclosure_id)
    return Receipt(
        codename=codename,
        reference=reference,
        disclosure_id=disclosure_id,
        reporter_id=reporter.reporter_id,
        files=tuple(FileReceipt(f.name, f.removed, f.metadata_warning) for f in files),
        queues=tuple(queues),
        excluded=tuple(excluded),
    )


_REFERENCE_TAKEN = select(Disclosure.id).where(Disclosure.reference == bindparam("reference"))


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_reference()
        if session.scalar(_REFERENCE_TAKEN, {"reference": reference}) is None:
            return reference


def _related_rows(
    session: Session, disclosure_id: str, reporter_id: str, category: Category, draft: Draft
) -> list[dict[str, str]]:
    kind = LinkKind.RETALIATION_FOR if category == Category.RETALIATION else LinkKind.RELATED
    rows = []
    for other_id in dict.fromkeys(draft.related_to):
        other = session.get(Disclosure, other_id)
        # A reporter can only link their own disclosures.
        if other is None or other.reporter_id != reporter_id:
            raise UnknownCase(other_id)
        rows.append({"from_id": disclosure_id, "to_id": other.id, "kind": kind})
    return rows


def append(
    session: Session,
    *,
    reporter_id: str,
    disclosure_id: str,
    text: str,
    attachments: Sequence[Upload] = (),
    limits: Limits,
) -> tuple[FileReceipt, ...]:
    """Add a reporter's follow-up to their own case, with public keys only.

    Raises :class:`UnknownCase` when the case is not this reporter's, so a
    reporter can never write into someone else's case by guessing an id.
    """
    # The case row is locked before its queues are read, as a reroute locks
    # it: a follow-up is sealed to the queues the case has when it is stored,
    # never to a queue a reroute has just taken the case from. PostgreSQL only:
    # SQLite ignores FOR UPDATE, and pysqlite runs reads outside the write
    # transaction, so there a follow-up and a reroute in the same instant can
    # still cross.
    disclosure = session.scalar(
        select(Disclosure)
        .where(Disclosure.id == disclosure_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if disclosure is None or disclosure.reporter_id != reporter_id:
        raise UnknownCase(disclosure_id)
    files = clean_uploads(attachments, limits)
    text = _check_text(text, limits, allow_empty=bool(files))
    message = (
        store_message(session, disclosure, author_kind=AuthorKind.REPORTER, text=text)
        if text
        else None
    )
    for file in files:
        store_attachment(
            session,
            disclosure,
            FileToStore(file.name, file.media_type, file.content),
            message_id=message.id if message else None,
        )
    disclosure.unread = True
    enqueue_for_queues(session, disclosure.queue_slugs, REPORTER_WROTE, disclosure.id)
    session.flush()
    return tuple(FileReceipt(f.name, f.removed, f.metadata_warning) for f in files)
