"""Storing and reading the sealed parts of a case.

Every channel and the officer desk write messages and attachments through
these functions, so there is one place that decides who an item is sealed to:
the queues the case is routed to, plus the reporter's codename key for what the
reporter may read (their own words and officers' replies, never internal notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.items import (
    open_data_key,
    queue_recipient,
    reporter_recipient,
    seal_data_key,
)
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import (
    Attachment,
    ContactDetail,
    Disclosure,
    Message,
    Queue,
    Reporter,
    new_id,
)

#: Who may read a message, by its author kind.
READER_VISIBLE = {"reporter": True, "officer": True, "note": False, "measure": False}


@dataclass(frozen=True)
class FileToStore:
    name: str
    media_type: str
    content: bytes


def queue_public_keys(session: Session, slugs: list[str]) -> dict[str, PublicKey]:
    rows = session.scalars(select(Queue).where(Queue.slug.in_(slugs)))
    return {queue_recipient(q.slug): PublicKey(q.public_key) for q in rows}


def recipients_for(
    session: Session, disclosure: Disclosure, *, reporter_readable: bool
) -> dict[str, PublicKey]:
    recipients = queue_public_keys(session, disclosure.queue_slugs)
    if reporter_readable:
        reporter = session.get(Reporter, disclosure.reporter_id)
        if reporter is not None:
            recipients[reporter_recipient(reporter.id)] = PublicKey(reporter.public_key)
    return recipients


def store_message(
    session: Session,
    disclosure: Disclosure,
    *,
    author_kind: str,
    text: str,
    officer_id: int | None = None,
    recipients: Mapping[str, PublicKey] | None = None,
) -> Message:
    """Seal and add a message. ``recipients`` saves the look-ups when the caller
    already has them (filing a new case); it must then be exactly the case's
    queues, plus the reporter for what the reporter may read."""
    message = Message(
        id=new_id(),
        disclosure_id=disclosure.id,
        seq=disclosure.take_seq(),
        author_kind=author_kind,
        officer_id=officer_id,
        body=b"",
        seal_version=envelopes.SEAL_VERSION,
    )
    data_key = envelopes.new_data_key()
    message.body = envelopes.encrypt(data_key, message.id, "body", text.encode("utf-8"))
    seal_data_key(
        session,
        disclosure_id=disclosure.id,
        item_id=message.id,
        item_kind="message",
        data_key=data_key,
        recipients=recipients
        if recipients is not None
        else recipients_for(session, disclosure, reporter_readable=READER_VISIBLE[author_kind]),
    )
    session.add(message)
    return message


def store_attachment(
    session: Session,
    disclosure: Disclosure,
    file: FileToStore,
    *,
    message_id: str | None,
    recipients: Mapping[str, PublicKey] | None = None,
) -> Attachment:
    attachment_id = new_id()
    data_key = envelopes.new_data_key()

    def enc(purpose: str, value: bytes) -> bytes:
        return envelopes.encrypt(data_key, attachment_id, purpose, value)

    attachment = Attachment(
        id=attachment_id,
        disclosure_id=disclosure.id,
        message_id=message_id,
        name=enc("name", file.name.encode("utf-8")),
        media_type=enc("media_type", file.media_type.encode("utf-8")),
        content=enc("content", file.content),
        seal_version=envelopes.SEAL_VERSION,
    )
    seal_data_key(
        session,
        disclosure_id=disclosure.id,
        item_id=attachment_id,
        item_kind="attachment",
        data_key=data_key,
        recipients=recipients
        if recipients is not None
        else recipients_for(session, disclosure, reporter_readable=True),
    )
    session.add(attachment)
    return attachment


def store_contact(
    session: Session,
    disclosure: Disclosure,
    *,
    kind: str,
    text: str,
    custodian_slug: str,
) -> ContactDetail:
    """Contact details are sealed to the custodian alone: no queue, not even the
    reporter's codename key, can read who the reporter is."""
    contact = ContactDetail(
        id=new_id(),
        disclosure_id=disclosure.id,
        kind=kind,
        body=b"",
        seal_version=envelopes.SEAL_VERSION,
    )
    data_key = envelopes.new_data_key()
    contact.body = envelopes.encrypt(data_key, contact.id, "body", text.encode("utf-8"))
    seal_data_key(
        session,
        disclosure_id=disclosure.id,
        item_id=contact.id,
        item_kind="contact",
        data_key=data_key,
        recipients=queue_public_keys(session, [custodian_slug]),
    )
    session.add(contact)
    return contact


def read_message(session: Session, message: Message, keys: Mapping[str, PrivateKey]) -> str:
    data_key = open_data_key(session, item_id=message.id, item_kind="message", keys=keys)
    return envelopes.decrypt(data_key, message.id, "body", message.body).decode("utf-8")


def read_attachment(
    session: Session, attachment: Attachment, keys: Mapping[str, PrivateKey], *, content: bool
) -> FileToStore:
    data_key = open_data_key(session, item_id=attachment.id, item_kind="attachment", keys=keys)

    def dec(purpose: str, value: bytes) -> bytes:
        return envelopes.decrypt(data_key, attachment.id, purpose, value)

    return FileToStore(
        name=dec("name", attachment.name).decode("utf-8"),
        media_type=dec("media_type", attachment.media_type).decode("utf-8"),
        content=dec("content", attachment.content) if content else b"",
    )


def read_contact(session: Session, contact: ContactDetail, keys: Mapping[str, PrivateKey]) -> str:
    data_key = open_data_key(session, item_id=contact.id, item_kind="contact", keys=keys)
    return envelopes.decrypt(data_key, contact.id, "body", contact.body).decode("utf-8")
