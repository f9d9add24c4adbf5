"""Public keys and sealed keys: queues, the instance's own keys, and every
item's data key sealed to each of its recipients."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base


class Queue(Base):
    """A receiving unit's queue, or the custodian (the codename register)."""

    __tablename__ = "queues"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_custodian: Mapped[bool] = mapped_column(Boolean, default=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1)
    #: The queue's private key sealed to the recovery key.
    sealed_to_recovery: Mapped[bytes] = mapped_column(LargeBinary)
    #: HMAC under keys/key_tag_key over this key, its owner, purpose and
    #: version (``sealing.trust``); NULL only before ``hotline init`` upgrades.
    key_tag: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class InstanceKey(Base):
    """Public keys of the instance itself (the recovery key)."""

    __tablename__ = "instance_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: HMAC under keys/key_tag_key over this key, its owner, purpose and
    #: version (``sealing.trust``); NULL only before ``hotline init`` upgrades.
    key_tag: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class SealedKey(Base):
    """An item's data key sealed to one recipient ("queue:<slug>" or "reporter:<id>").

    Deleting an item's sealed keys destroys the item (crypto-shredding).
    """

    __tablename__ = "sealed_keys"

    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
    item_kind: Mapped[str] = mapped_column(String(16))
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    seal_version: Mapped[int] = mapped_column(Integer)
