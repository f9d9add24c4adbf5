"""What the channels remember between requests: e-mails already filed and
one-time web form tokens already used. (Live SMS threads are not here: they
live in Redis or memory, ``intake.sms.thread``.)"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base
from hotline.models.defaults import today


class EmailSeen(Base):
    """A keyed hash of each ingested Message-ID, so a retried delivery or an
    interrupted IMAP poll never files the same e-mail twice."""

    __tablename__ = "emails_seen"

    message_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_on: Mapped[dt.date] = mapped_column(Date, default=today)


class UsedFormToken(Base):
    """Hashes of one-time form tokens already used: a form sent twice (back
    button, double tap) files nothing the second time."""

    __tablename__ = "used_form_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True)


class ReplyNotice(Base):
    """A reporter's agreement to be told, without content, that an officer replied.

    The number or address is sealed under a key derived from ``keys/`` only
    (``notifications.reply_notices``): no queue key opens it, so officers never
    see it. The row is shredded when the case closes or is destroyed.
    """

    __tablename__ = "reply_notices"

    disclosure_id: Mapped[str] = mapped_column(
        ForeignKey("disclosures.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    sealed_address: Mapped[bytes] = mapped_column(LargeBinary)
    #: An officer replied since the last notice: the next ``hotline notify`` sends one.
    pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
