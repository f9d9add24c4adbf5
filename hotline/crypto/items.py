"""Sealed items in the database: one data key per item, sealed to each recipient.

Recipients are named ``queue:<slug>`` or ``reporter:<id>``. Sealing needs only
public keys; opening needs the private key of one of the recipients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import SealedKey


def queue_recipient(slug: str) -> str:
    return f"queue:{slug}"


def reporter_recipient(reporter_id: str) -> str:
    return f"reporter:{reporter_id}"


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
            "sealed": envelopes.seal(data_key, public_key, item_id, item_kind),
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
        try:
            return envelopes.open_sealed(row.sealed, keys[row.recipient], item_id, item_kind)
        except CannotOpen:
            continue
    raise CannotOpen(f"{item_kind} {item_id}")
