"""Sealed items: one data key per item, sealed to each recipient.

Each item (message, attachment, contact details, register request) is
encrypted under its own random data key, each secret column with its name as
the purpose bound into the associated data; the data key is HPKE-sealed to
each recipient that ``recipients`` names, with the item kind as purpose.
Sealing needs only public keys; opening needs the private key of one of the
recipients.

Version 2 (``envelopes.SEAL_VERSION``) binds each item to its place, a stored
format: the associated data binds ``<id>|<case id>|<kind>|<author>|<seq>``
(author ``<author kind>:<officer id or ->`` for a message,
``message:<message id or ->`` for an attachment, ``contact:<kind>`` for
contact details; seq 0 but for messages), and the HPKE ``info`` of each
sealed key binds ``<id>|<case id>``. An item moved to another case, reordered,
or given another author fails to open. Version 1 items bound the id alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Attachment, ContactDetail, Message, SealedKey, new_id
from hotline.procedure import AuthorKind


@dataclass(frozen=True)
class FileToStore:
    name: str
    media_type: str
    content: bytes


def _key_binding(item_id: str, disclosure_id: str, version: int) -> str:
    """What a sealed key's HPKE ``info`` binds besides its kind."""
    return item_id if version < 2 else f"{item_id}|{disclosure_id}"


@dataclass(frozen=True)
class Place:
    """Where an item sits: its case, kind, author and sequence number."""

    disclosure_id: str
    kind: str
    author: str
    seq: int = 0

    def bound(self, item_id: str, version: int) -> str:
        """What the item's associated data binds besides the column name."""
        if version < 2:
            return item_id
        return f"{item_id}|{self.disclosure_id}|{self.kind}|{self.author}|{self.seq}"


def message_place(disclosure_id: str, author_kind: str, officer_id: int | None, seq: int) -> Place:
    author = f"{author_kind}:{officer_id if officer_id is not None else '-'}"
    return Place(disclosure_id, "message", author, seq)


def attachment_place(disclosure_id: str, message_id: str | None) -> Place:
    return Place(disclosure_id, "attachment", f"message:{message_id or '-'}")


def contact_place(disclosure_id: str, kind: str) -> Place:
    return Place(disclosure_id, "contact", f"contact:{kind}")


def sealed_key_rows(
    *,
    disclosure_id: str,
    item_id: str,
    item_kind: str,
    data_key: bytes,
    recipients: Mapping[str, PublicKey],
) -> list[dict[str, Any]]:
    """The item's data key sealed to each recipient, as ``sealed_keys`` rows not yet written."""
    return [
        {
            "item_id": item_id,
            "recipient": recipient,
            "item_kind": item_kind,
            "disclosure_id": disclosure_id,
            "sealed": envelopes.seal(
                data_key,
                public_key,
                _key_binding(item_id, disclosure_id, envelopes.SEAL_VERSION),
                item_kind,
                version=envelopes.SEAL_VERSION,
            ),
            "seal_version": envelopes.SEAL_VERSION,
        }
        for recipient, public_key in recipients.items()
    ]


def seal_data_key(
    session: Session,
    *,
    disclosure_id: str,
    item_id: str,
    item_kind: str,
    data_key: bytes,
    recipients: Mapping[str, PublicKey],
) -> None:
    rows = sealed_key_rows(
        disclosure_id=disclosure_id,
        item_id=item_id,
        item_kind=item_kind,
        data_key=data_key,
        recipients=recipients,
    )
    session.add_all(SealedKey(**row) for row in rows)


def open_data_key(
    session: Session, *, item_id: str, item_kind: str, keys: Mapping[str, PrivateKey]
) -> bytes:
    """The item's data key, opened with whichever of ``keys`` is a recipient."""
    rows = session.scalars(
        select(SealedKey).where(SealedKey.item_id == item_id, SealedKey.recipient.in_(list(keys)))
    )
    for row in rows:
        if row.item_kind != item_kind:
            continue
        try:
            return open_sealed_key(row, keys[row.recipient])
        except CannotOpen:
            continue
    raise CannotOpen(f"{item_kind} {item_id}")


def open_sealed_key(row: SealedKey, private_key: PrivateKey) -> bytes:
    """The data key in one ``sealed_keys`` row (the purpose bound into it is the item kind)."""
    return envelopes.open_sealed(
        row.sealed,
        private_key,
        _key_binding(row.item_id, row.disclosure_id, row.seal_version),
        row.item_kind,
        version=row.seal_version,
    )


def reseal(row: SealedKey, old_key: PrivateKey, new_public: PublicKey) -> None:
    """Seal the data key in ``row`` to a new key of the same recipient (rotation),
    in the newest version (the item's own ciphertext keeps its version)."""
    data_key = open_sealed_key(row, old_key)
    version = envelopes.SEAL_VERSION
    row.sealed = envelopes.seal(
        data_key,
        new_public,
        _key_binding(row.item_id, row.disclosure_id, version),
        row.item_kind,
        version=version,
    )
    row.seal_version = version


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
    place: Place,
    recipients: Mapping[str, PublicKey],
    secret: Mapping[str, bytes],
    **columns: Any,
) -> SealedItem:
    """A new item: each ``secret`` column encrypted under a fresh data key (the
    column's name and the item's place are bound into it), that key sealed to
    each recipient, and the other ``columns`` as they are."""
    item_id = new_id()
    data_key = envelopes.new_data_key()
    version = envelopes.SEAL_VERSION
    bound = place.bound(item_id, version)
    row = {
        "id": item_id,
        "disclosure_id": place.disclosure_id,
        **columns,
        **{
            name: envelopes.encrypt(data_key, bound, name, value, version=version)
            for name, value in secret.items()
        },
        "seal_version": version,
    }
    keys = sealed_key_rows(
        disclosure_id=place.disclosure_id,
        item_id=item_id,
        item_kind=place.kind,
        data_key=data_key,
        recipients=recipients,
    )
    return SealedItem(item_id, row, keys)


def seal_message(
    *,
    disclosure_id: str,
    seq: int,
    author_kind: AuthorKind,
    text: str,
    recipients: Mapping[str, PublicKey],
    officer_id: int | None = None,
) -> SealedItem:
    return _seal(
        place=message_place(disclosure_id, author_kind, officer_id, seq),
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
        place=attachment_place(disclosure_id, message_id),
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
    """Contact details are sealed to the custodian alone (``recipients.for_contact``):
    no queue, not even the reporter's codename key, can read who the reporter is."""
    return _seal(
        place=contact_place(disclosure_id, kind),
        recipients=custodian,
        secret={"body": text.encode("utf-8")},
        kind=kind,
    )


def read_message(session: Session, message: Message, keys: Mapping[str, PrivateKey]) -> str:
    data_key = open_data_key(session, item_id=message.id, item_kind="message", keys=keys)
    place = message_place(
        message.disclosure_id, message.author_kind, message.officer_id, message.seq
    )
    bound = place.bound(message.id, message.seal_version)
    return envelopes.decrypt(
        data_key, bound, "body", message.body, version=message.seal_version
    ).decode("utf-8")


def read_attachment(
    session: Session, attachment: Attachment, keys: Mapping[str, PrivateKey], *, content: bool
) -> FileToStore:
    data_key = open_data_key(session, item_id=attachment.id, item_kind="attachment", keys=keys)

    place = attachment_place(attachment.disclosure_id, attachment.message_id)
    bound = place.bound(attachment.id, attachment.seal_version)

    def dec(purpose: str, value: bytes) -> bytes:
        return envelopes.decrypt(data_key, bound, purpose, value, version=attachment.seal_version)

    return FileToStore(
        name=dec("name", attachment.name).decode("utf-8"),
        media_type=dec("media_type", attachment.media_type).decode("utf-8"),
        content=dec("content", attachment.content) if content else b"",
    )


def contact_data_key(
    session: Session, contact: ContactDetail, custodian: Mapping[str, PrivateKey]
) -> bytes:
    return open_data_key(session, item_id=contact.id, item_kind="contact", keys=custodian)


def read_contact(session: Session, contact: ContactDetail, keys: Mapping[str, PrivateKey]) -> str:
    data_key = contact_data_key(session, contact, keys)
    return read_contact_with(data_key, contact)


def read_contact_with(data_key: bytes, contact: ContactDetail) -> str:
    """Contact details opened with their data key (as a register release holds it)."""
    bound = contact_place(contact.disclosure_id, contact.kind).bound(
        contact.id, contact.seal_version
    )
    return envelopes.decrypt(
        data_key, bound, "body", contact.body, version=contact.seal_version
    ).decode("utf-8")
