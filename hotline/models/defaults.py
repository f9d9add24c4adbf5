"""Column defaults shared by every model: random ids and the current day."""

from __future__ import annotations

import datetime as dt
import secrets


def new_id() -> str:
    """128 random bits as hex: item ids are unguessable and known before insert."""
    return secrets.token_hex(16)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return utcnow().date()
