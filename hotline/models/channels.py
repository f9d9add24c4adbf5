"""What the channels remember between requests: live SMS threads, e-mails
already filed, and one-time web form tokens already used."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import Base
from hotline.models.defaults import today


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


class UsedFormToken(Base):
    """Hashes of one-time form tokens already used: a form sent twice (back
    button, double tap) files nothing the second time."""

    __tablename__ = "used_form_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_on: Mapped[dt.date] = mapped_column(Date, default=today, index=True)
