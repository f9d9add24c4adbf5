"""Storing and reading the sealed parts of a case.

Every channel and the officer desk write messages and attachments through
these functions, so there is one place that decides who an item is sealed to:
the queues the case is routed to, plus the reporter's codename key for what the
reporter may read (their own words and officers' replies, never internal notes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.items import (
    open_data_key,
    queue_recipient,
    reporter_recipient,
    sealed_key_rows,
)
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.db import Base, insert_into
from hotline.models import (
    Attachment,
    ContactDetail,
    Disclosure,
    Message,
    Queue,
    Reporter,
    SealedKey,
    new_id,
)

_Item = TypeVar("_Item", Message, Attachment)

#: Who may read a message, by its author kind.
READER_VISIBLE = {"reporter": True, "officer": True, "note": False, "measure": False}


@dataclass(frozen=True)
class FileToStore:
    name: str
    media_type: str
    content: bytes


_QUEUE_KEYS = select(Queue.slug, Queue.public_key).where(
    Queue.slug.in_(bindparam("slugs", expanding=True))
)


def queue_public_keys(session: Session, slugs: list[str]) -> dict[str, PublicKey]:
    rows = session.execute(_QUEUE_KEYS, {"slugs": slugs})
    return {queue_recipient(slug): PublicKey(raw) for slug, raw in rows}


def recipients_for(
    session: Session, disclosure: Disclosure, *, reporter_readable: bool
) -> dict[str, PublicKey]:
    recipients = queue_public_keys(session, disclosure.queue_slugs)
    if reporter_readable:
        reporter = session.get(Reporter, disclosure.reporter_id)
        if reporter is not None:
            recipients[reporter_recipient(reporter.id)] = PublicKey(reporter.public_key)
    return recipients


@dataclass(frozen=True, repr=False)
class SealedItem:
    """An item encrypted under its own data key, with that key sealed to each
    recipient: the values of the item's row and of its ``sealed_keys`` rows,
    not yet written. Holds ciphertext only."""

    id: str
    row: dict[str, Any]
    sealed_keys: list[dict[str, Any]]

    def __repr__(self) -> str:
        return f"SealedItem({self.id})"


def _seal(
    *,
    item_kind: str,
    disclosure_id: str,
    recipients: Mapping[str, PublicKey],
    secret: Mapping[str, bytes],
    **columns: Any,
) -> SealedItem:
    """A new item: each ``secret`` column encrypted under a fresh data key (the
    column's name is the purpose bound into it), that key sealed to each
    recipient, and the other ``columns`` as they are."""
    item_id = new_id()
    data_key = envelopes.new_data_key()
    row = {
        "id": item_id,
        "disclosure_id": disclosure_id,
        **columns,
        **{
            name: envelopes.encrypt(data_key, item_id, name, value)
            for name, value in secret.items()
        },
        "seal_version": envelopes.SEAL_VERSION,
    }
    keys = sealed_key_rows(
        disclosure_id=disclosure_id,
        item_id=item_id,
        item_kind=item_kind,
        data_key=data_key,
        recipients=recipients,
    )
    return SealedItem(item_id, row, keys)


def seal_message(
    *,
    disclosure_id: str,
    seq: int,
    author_kind: str,
    text: str,
    recipients: Mapping[str, PublicKey],
    officer_id: int | None = None,
) -> SealedItem:
    return _seal(
        item_kind="message",
        disclosure_id=disclosure_id,
        recipients=recipients,
        secret={"body": text.encode("utf-8")},
        seq=seq,
        author_kind=author_kind,
        officer_id=officer_id,
    )


def seal_attachment(
    *,
    disclosure_id: str,
    file: FileToStore,
    message_id: str | None,
    recipients: Mapping[str, PublicKey],
) -> SealedItem:
    return _seal(
        item_kind="attachment",
        disclosure_id=disclosure_id,
        recipients=recipients,
        secret={
            "name": file.name.encode("utf-8"),
            "media_type": file.media_type.encode("utf-8"),
            "content": file.content,
        },
        message_id=message_id,
    )


def seal_contact(
    *, disclosure_id: str, kind: str, text: str, custodian: Mapping[str, PublicKey]
) -> SealedItem:
    """Contact details are sealed to the custodian alone: no queue, not even the
    reporter's codename key, can read who the reporter is."""
    return _seal(
        item_kind="contact",
        disclosure_id=disclosure_id,
        recipients=custodian,
        secret={"body": text.encode("utf-8")},
        kind=kind,
    )


def insert_sealed(session: Session, model: type[Base], items: Sequence[SealedItem]) -> None:
    """Write sealed items of one kind, then their sealed keys, as plain INSERTs.

    For the filing path, where every row is new: it skips the ORM's unit of
    work. The rows they refer to must already be written.
    """
    if not items:
        return
    session.execute(insert_into(model), [item.row for item in items])
    keys = [key for item in items for key in item.sealed_keys]
    session.execute(insert_into(SealedKey), keys)


def _add(session: Session, item: SealedItem, model: type[_Item]) -> _Item:
    """Add a sealed item and its sealed keys to the session, for the ORM to flush."""
    added = model(**item.row)
    session.add(added)
    session.add_all(SealedKey(**key) for key in item.sealed_keys)
    return added


def store_message(
    session: Session,
    disclosure: Disclosure,
    *,
    author_kind: str,
    text: str,
    officer_id: int | None = None,
) -> Message:
    """Seal and add a message to an existing case, to the recipients its kind
    allows: the case's queues, and the reporter for what the reporter may read."""
    recipients = recipients_for(session, disclosure, reporter_readable=READER_VISIBLE[author_kind])
    item = seal_message(
        disclosure_id=disclosure.id,
        seq=disclosure.take_seq(),
        author_kind=author_kind,
        text=text,
        recipients=recipients,
        officer_id=officer_id,
    )
    return _add(session, item, Message)


def store_attachment(
    session: Session,
    disclosure: Disclosure,
    file: FileToStore,
    *,
    message_id: str | None,
) -> Attachment:
    """Seal and add a file to an existing case, readable by its queues and its reporter."""
    item = seal_attachment(
        disclosure_id=disclosure.id,
        file=file,
        message_id=message_id,
        recipients=recipients_for(session, disclosure, reporter_readable=True),
    )
    return _add(session, item, Attachment)


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
