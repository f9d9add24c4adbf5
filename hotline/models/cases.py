"""Disclosures and what a case holds: its queues, exclusions and links, the
reporter's codename key, and the sealed messages and attachments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import Base, StoredTerm, term_columns
from hotline.models.defaults import new_id, today
from hotline.procedure import AuthorKind, Category, Channel, LinkKind, Outcome, RewardState, Status


class Reporter(Base):
    """A codename holder: the id and public key derived from the codename."""

    __tablename__ = "reporters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    kdf_version: Mapped[int] = mapped_column(Integer)
    #: HMAC under keys/key_tag_key over this key, its owner, purpose and
    #: version (``sealing.trust``); NULL only before ``hotline init`` upgrades.
    key_tag: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_on: Mapped[dt.date] = mapped_column(Date, default=today)


class DisclosureQueue(Base):
    __tablename__ = "disclosure_queues"

    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    queue_slug: Mapped[str] = mapped_column(ForeignKey("queues.slug"), primary_key=True, index=True)
    #: True when the policy routed the case here at filing (or the row predates
    #: revision 0017); False when an officer added the queue by rerouting.
    #: Removing a queue the policy chose needs a second officer (``QueueRemoval``).
    routed_by_policy: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class QueueRemoval(Base):
    """A request to take a policy-routed queue off a case, waiting for four eyes.

    Until another officer approves it (one holding a queue of the case that
    the requester does not hold, or an administrator), the queue keeps reading
    the case; approving shreds its keys as an immediate removal would. The row
    goes when the request is decided: the audit trail keeps who asked and who
    decided.
    """

    __tablename__ = "queue_removals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), index=True
    )
    queue_slug: Mapped[str] = mapped_column(ForeignKey("queues.slug"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    #: The case's queues the requester held when asking, comma-separated: the
    #: approver must hold another one (a colleague of the same unit is not four eyes).
    requested_through: Mapped[str] = mapped_column(String(512))
    requested_on: Mapped[dt.date] = mapped_column(Date, default=today)

    __table_args__ = (UniqueConstraint("disclosure_id", "queue_slug"),)


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
        # Seek pagination for the other sorts and the "mine" filter (0009).
        Index("ix_disclosures_activity_id", text("coalesce(last_activity_on, received_on)"), "id"),
        Index("ix_disclosures_due_id", text("coalesce(feedback_due, acknowledgement_due)"), "id"),
        Index("ix_disclosures_assigned_received", "assigned_officer_id", "received_on", "id"),
        # The queue's search by the start of a reference (LIKE 'HL-7K%'): PostgreSQL
        # needs the pattern operator class to use an index for it in any locale.
        Index(
            "ix_disclosures_reference_prefix",
            "reference",
            postgresql_ops={"reference": "varchar_pattern_ops"},
        ),
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
    #: The day of the latest message, reply or note (the queue sorts by it;
    #: NULL, for rows written without it, counts as the day received).
    last_activity_on: Mapped[dt.date | None] = mapped_column(Date, default=today)
    #: The language the reporter filed in (``procedure.LANGUAGE_NAMES``), shown
    #: on the case page; NULL for cases filed before revision 0014 or by a
    #: channel that does not know it.
    language: Mapped[str | None] = mapped_column(String(8))
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
    #: Who assessed and who approved the reward (officer ids): separation of duties.
    reward_assessed_by: Mapped[int | None] = mapped_column(Integer)
    reward_approved_by: Mapped[int | None] = mapped_column(Integer)
    #: Who last changed the status, and the reward, and their signatures over
    #: the state they left (``sealing.decisions``); NULL in the state a case is
    #: filed in, or 0x01 ‖ the server's tag for a state stored before 0010.
    status_by: Mapped[int | None] = mapped_column(Integer)
    status_proof: Mapped[bytes | None] = mapped_column(LargeBinary)
    reward_by: Mapped[int | None] = mapped_column(Integer)
    reward_proof: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: The case's head (``sealing.case_heads``): how many items it holds, the
    #: last link of their chain, and an HMAC under keys/ over both and the
    #: decisions' proofs, so a deleted, trimmed or rolled-back item is noticed.
    head_count: Mapped[int | None] = mapped_column(Integer)
    head_link: Mapped[bytes | None] = mapped_column(LargeBinary)
    head_tag: Mapped[bytes | None] = mapped_column(LargeBinary)

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
        """The next message's number; every message, reply and note takes one,
        so this is where the case's last activity moves."""
        seq = self.next_seq
        self.next_seq = seq + 1
        self.last_activity_on = today()
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
    #: Who vouches for this item (``sealing.authorship``): 0x03 ‖ when ‖ the
    #: officer's signature, or 0x01 ‖ the server's HMAC under keys/ (reporters,
    #: channels, and items stored before revision 0006 or signed before 0010).
    #: NULL is never shown.
    authenticity: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
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
    #: The file's number in its case, counted with the messages (0010; the
    #: upgrade numbers older files after the case's last message).
    seq: Mapped[int | None] = mapped_column(Integer)
    #: 0x01 ‖ the server's HMAC under keys/ over the file's place and
    #: ciphertext (``sealing.authorship``); NULL is never served as verified.
    authenticity: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
