"""The stored model. Every column that holds report content holds ciphertext.

Dates are kept to the day (deadlines need no more), except for officer-side
audit and session expiry, which are about officers and servers, not reporters.
Identifiers of sealed items are random, so the ids bound into associated data
are known before anything is written.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, StoredTerm, term_columns
from hotline.procedure import AuthorKind, Category, Channel, LinkKind, Outcome, RewardState, Status


def new_id() -> str:
    """128 random bits as hex: item ids are unguessable and known before insert."""
    return secrets.token_hex(16)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return utcnow().date()


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


class InstanceKey(Base):
    """Public keys of the instance itself (the recovery key)."""

    __tablename__ = "instance_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)


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


class Reporter(Base):
    """A codename holder: the id and public key derived from the codename."""

    __tablename__ = "reporters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_version: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)


class DisclosureQueue(Base):
    __tablename__ = "disclosure_queues"

    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    queue_slug: Mapped[str] = mapped_column(ForeignKey("queues.slug"), primary_key=True, index=True)


class DisclosureExclusion(Base):
    """A unit the reporter said the report concerns: its queue never gets the case."""

    __tablename__ = "disclosure_exclusions"

    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    queue_slug: Mapped[str] = mapped_column(ForeignKey("queues.slug"), primary_key=True)


class DisclosureLink(Base):
    """A link between cases, e.g. a retaliation disclosure → the original one."""

    __tablename__ = "disclosure_links"

    from_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    to_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[LinkKind] = mapped_column(StoredTerm(LinkKind, 32))

    _terms = term_columns("kind")


class Disclosure(Base):
    __tablename__ = "disclosures"
    __table_args__ = (
        Index("ix_disclosures_status_received", "status", "received_on"),
        Index("ix_disclosures_category_received", "category", "received_on"),
        # The officer's queue, newest first: read backwards, it gives the first
        # page without sorting every case.
        Index("ix_disclosures_received_id", "received_on", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    #: The public case reference, random (e.g. HL-7K3M-Q9PA).
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("reporters.id"), index=True)
    category: Mapped[Category] = mapped_column(StoredTerm(Category, 32))
    channel: Mapped[Channel] = mapped_column(StoredTerm(Channel, 16))
    status: Mapped[Status] = mapped_column(StoredTerm(Status, 32), default=Status.RECEIVED)
    outcome: Mapped[Outcome | None] = mapped_column(StoredTerm(Outcome, 32))
    received_on: Mapped[dt.date] = mapped_column(Date, default=today)
    acknowledgement_due: Mapped[dt.date] = mapped_column(Date)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date)
    feedback_due: Mapped[dt.date | None] = mapped_column(Date)
    first_reply_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    assigned_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    #: The reporter wrote something no officer has opened yet.
    unread: Mapped[bool] = mapped_column(Boolean, default=True)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)
    # Rewards: 10% of the penalties and interest collected, in minor units.
    # 64-bit: a 32-bit integer stops at about 21 million major units.
    reward_state: Mapped[RewardState] = mapped_column(
        StoredTerm(RewardState, 32), default=RewardState.NOT_ELIGIBLE
    )
    collected_minor: Mapped[int | None] = mapped_column(BigInteger)
    reward_minor: Mapped[int | None] = mapped_column(BigInteger)
    reward_assessed_on: Mapped[dt.date | None] = mapped_column(Date)
    reward_approved_on: Mapped[dt.date | None] = mapped_column(Date)
    reward_paid_on: Mapped[dt.date | None] = mapped_column(Date)

    queues: Mapped[list[DisclosureQueue]] = relationship(cascade="all, delete-orphan")
    exclusions: Mapped[list[DisclosureExclusion]] = relationship(cascade="all, delete-orphan")
    messages: Mapped[list[Message]] = relationship(
        back_populates="disclosure", order_by="Message.seq", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(cascade="all, delete-orphan")

    _terms = term_columns("category", "channel", "status", "outcome", "reward_state")

    @property
    def queue_slugs(self) -> list[str]:
        return sorted(q.queue_slug for q in self.queues)

    @property
    def excluded_slugs(self) -> list[str]:
        return sorted(e.queue_slug for e in self.exclusions)

    def take_seq(self) -> int:
        seq = self.next_seq
        self.next_seq = seq + 1
        return seq


class Message(Base):
    """A reporter's text, an officer's reply or an internal note, sealed."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    #: A reporter's text, an officer's reply (the reporter reads both), or an
    #: internal note or a protective measure (queues only).
    author_kind: Mapped[AuthorKind] = mapped_column(StoredTerm(AuthorKind, 16))
    _terms = term_columns("author_kind")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    seal_version: Mapped[int] = mapped_column(Integer)
    #: For officer replies: whether the reporter has read it (SMS `STATUS`).
    reporter_read: Mapped[bool] = mapped_column(Boolean, default=False)

    disclosure: Mapped[Disclosure] = relationship(back_populates="messages")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    name: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[bytes] = mapped_column(LargeBinary)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    seal_version: Mapped[int] = mapped_column(Integer)


class ContactDetail(Base):
    """Anything that identifies a reporter, sealed to the custodian only."""

    __tablename__ = "contact_details"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    seal_version: Mapped[int] = mapped_column(Integer)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)


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


class AuditEvent(Base):
    """One link of the append-only audit chain.

    ``link`` = HMAC(audit_key, previous link ‖ this event): without the key in
    ``keys/`` nobody can edit, delete or insert a row without being detected.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """A single row locked while appending, so concurrent writers never fork the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_link: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)


class ContactRequest(Base):
    """An officer's request to read a case's contact details from the register.

    The reason is sealed like any case item; the custodian approves or refuses,
    and every step is also written to the audit trail.
    """

    __tablename__ = "contact_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    reason: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"))
    requested_on: Mapped[dt.date] = mapped_column(Date, default=today)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    #: An approved request releases the contact key sealed to the requester.
    sealed_for_requester: Mapped[bytes | None] = mapped_column(LargeBinary)


class Notification(Base):
    """An outbox row: "something needs you" for one officer, with no content.

    Drained by ``hotline notify`` in batches, after the request has committed.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)
    sent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class ReminderSent(Base):
    """Reminders already sent (deadlines, retaliation check-ins at 30/60/90 days)."""

    __tablename__ = "reminders_sent"

    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    sent_on: Mapped[dt.date] = mapped_column(Date, default=today)


class SmsThread(Base):
    """A live SMS dialogue, keyed by HMAC(pepper, "sms-thread" + From).

    Its state is sealed under a key derived from the pepper and ``From``, which
    the server only has while that sender is talking to it. It expires 30
    minutes after the last message and is deleted on ``DONE``.
    """

    __tablename__ = "sms_threads"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed_state: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class EmailSeen(Base):
    """A keyed hash of each ingested Message-ID, so a retried delivery or an
    interrupted IMAP poll never files the same e-mail twice."""

    __tablename__ = "emails_seen"

    message_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_on: Mapped[dt.date] = mapped_column(Date, default=today)


class PublishedStatistics(Base):
    """A completed quarter's public table, frozen once published."""

    __tablename__ = "published_statistics"

    quarter: Mapped[str] = mapped_column(String(8), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    published_on: Mapped[dt.date] = mapped_column(Date, default=today)


class UsedFormToken(Base):
    """Hashes of one-time form tokens already used: a form sent twice (back
    button, double tap) files nothing the second time."""

    __tablename__ = "used_form_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True)
