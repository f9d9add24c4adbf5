"""What the channels remember between requests: e-mails already filed and
one-time web form tokens already used. (Live SMS threads are not here: they
live in Redis or memory, ``intake.sms.thread``.)"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
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
