"""What the hotline records about its own work: the audit chain, the
notification outbox, reminders already sent and published statistics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base
from hotline.models.defaults import today


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
    #: HMAC(audit_key, count ‖ last_link): trimming the newest events and
    #: rewriting the head to match is detected without keys/. NULL only on a
    #: head made before revision 0005 until ``hotline init`` seals it.
    seal: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Alarm(Base):
    """A row of the database found changed by someone without ``keys/``
    (a public key whose tag fails): shown in red to every administrator on the
    desk until one of them clears it. One open alarm per tampered row."""

    __tablename__ = "alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The tampered row, e.g. "queues/tax" or "officers/3".
    row: Mapped[str] = mapped_column(String(120), index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    cleared: Mapped[bool] = mapped_column(Boolean, default=False)


class Notification(Base):
    """An outbox row: "this case needs you, for this reason" for one officer, no content.

    Drained by ``hotline notify`` in batches, after the request has committed.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    #: The case it is about: the e-mail names its reference, never its content.
    #: NULL for rows from before revision 0012.
    disclosure_id: Mapped[str | None] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), nullable=True
    )
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


class PublishedStatistics(Base):
    """A completed quarter's public table, frozen once published."""

    __tablename__ = "published_statistics"

    quarter: Mapped[str] = mapped_column(String(8), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    published_on: Mapped[dt.date] = mapped_column(Date, default=today)


class CaseLedger(Base):
    """One row: how many cases there are and the XOR of each case id's HMAC
    under keys/ (``sealing.case_heads``), tagged, so a deleted case is noticed."""

    __tablename__ = "case_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[bytes] = mapped_column(LargeBinary)
    tag: Mapped[bytes] = mapped_column(LargeBinary)
