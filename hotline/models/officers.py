"""Officers, their designations to queues, and the server half of sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base
from hotline.models.defaults import today
from hotline.models.keys import Queue


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Argon2id parameters and salt of the key-encryption key.
    key_params: Mapped[str] = mapped_column(String(100))
    key_salt: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: HMAC under keys/key_tag_key over this key, its owner, purpose and
    #: version (``sealing.trust``); NULL only before ``hotline init`` upgrades.
    key_tag: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: Ed25519 ‖ ML-DSA-65 public key (``crypto.signing``) for what the officer
    #: writes, its tag, and its private half wrapped under the password like
    #: the personal key. NULL for an officer made before revision 0006 until
    #: their next sign-in, which makes it (their password is then at hand).
    signing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signing_key_tag: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    wrapped_signing_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    #: The TOTP secret, wrapped like the private key: the database alone
    #: cannot produce a valid second factor.
    wrapped_totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Last accepted TOTP time step; a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(320))
    #: One notification e-mail a day instead of one per batch.
    notify_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_sent_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)

    designations: Mapped[list[Designation]] = relationship(
        back_populates="officer", foreign_keys="Designation.officer_id"
    )


class Designation(Base):
    """The recorded act that lets an officer read a queue.

    ``sealed_queue_key`` is the queue private key sealed to the officer's
    personal key; it is empty while the designation waits for someone who
    holds the queue key to approve it.
    """

    __tablename__ = "designations"
    __table_args__ = (UniqueConstraint("officer_id", "queue_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    queue_slug: Mapped[str] = mapped_column(ForeignKey("queues.slug"))
    sealed_queue_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_generation: Mapped[int | None] = mapped_column(Integer)
    designated_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)

    officer: Mapped[Officer] = relationship(
        back_populates="designations", foreign_keys=[officer_id]
    )
    queue: Mapped[Queue] = relationship()

    @property
    def pending(self) -> bool:
        return self.sealed_queue_key is None


class ServerSession(Base):
    """The server half of a split-knowledge session: useless without the cookie."""

    __tablename__ = "server_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    idle_expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    idle_seconds: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), index=True
    )


class OfficerSigningKey(Base):
    """Every signing key an officer has had (``sealing.authorship``), with
    when it was valid, so what they signed before a reset still verifies and
    nothing signed with a retired key after its retirement does. Times are
    microseconds since 1970 (UTC); the tag, under keys/, covers them all."""

    __tablename__ = "officer_signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), index=True
    )
    generation: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    valid_from: Mapped[int] = mapped_column(BigInteger)
    valid_until: Mapped[int | None] = mapped_column(BigInteger)
    key_tag: Mapped[bytes] = mapped_column(LargeBinary)
