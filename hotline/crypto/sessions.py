"""Split-knowledge sessions.

The cookie holds ``session_id.session_key`` (32 random bytes each). The server
keeps, under ``sha256(session_id)``, only the AEAD ciphertext (under
``session_key``) of the keys the session needs, with an absolute and an idle
expiry. The database (or Redis) alone opens nothing, and neither does the
cookie alone: a stolen backup holds no usable session, and a stolen cookie is
useless once the row is gone.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.clock import Clock
from hotline.crypto import aead
from hotline.models import ServerSession, utcnow

ID_BYTES = 32
KEY_BYTES = 32


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta
    absolute: dt.timedelta


REPORTER_SESSIONS = SessionPolicy(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=2))
OFFICER_SESSIONS = SessionPolicy(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12))


@dataclass(frozen=True)
class StoredSession:
    ciphertext: bytes
    expires_at: dt.datetime
    idle_expires_at: dt.datetime
    idle_seconds: int


class SessionBackend(Protocol):
    def put(self, id_hash: str, kind: str, record: StoredSession, officer_id: int | None) -> None:
        """Store a session record."""

    def get(self, id_hash: str, kind: str) -> StoredSession | None:
        """The record, or None."""

    def touch(self, id_hash: str, record: StoredSession) -> None:
        """Move the idle expiry forward."""

    def delete(self, id_hash: str) -> None:
        """Forget a session."""

    def delete_for_officer(self, officer_id: int) -> None:
        """Forget every session of an officer (revocation, password change)."""


def _id_hash(session_id: bytes) -> str:
    return hashlib.sha256(session_id).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aad(kind: str, id_hash: str) -> bytes:
    return f"session|v1|{kind}|{id_hash}".encode()


class SessionStore:
    """Open, read and close split-knowledge sessions on a backend."""

    def __init__(self, backend: SessionBackend, clock: Clock | None = None) -> None:
        self.backend = backend
        self.clock = clock or Clock()

    def open(
        self,
        kind: str,
        payload: dict[str, Any],
        policy: SessionPolicy,
        officer_id: int | None = None,
    ) -> str:
        """Store ``payload`` sealed, and return the cookie value that opens it."""
        session_id = secrets.token_bytes(ID_BYTES)
        session_key = secrets.token_bytes(KEY_BYTES)
        id_hash = _id_hash(session_id)
        plaintext = json.dumps(payload).encode()
        ciphertext = aead.seal(session_key, plaintext, _aad(kind, id_hash))
        now = self.clock.now()
        record = StoredSession(
            ciphertext=ciphertext,
            expires_at=now + policy.absolute,
            idle_expires_at=now + policy.idle,
            idle_seconds=int(policy.idle.total_seconds()),
        )
        self.backend.put(id_hash, kind, record, officer_id)
        return f"{_b64(session_id)}.{_b64(session_key)}"

    def read(self, kind: str, cookie: str | None) -> dict[str, Any] | None:
        """The payload, or None when the cookie is absent, forged or expired."""
        parsed = self._parse(cookie)
        if parsed is None:
            return None
        session_id, session_key = parsed
        id_hash = _id_hash(session_id)
        record = self.backend.get(id_hash, kind)
        if record is None:
            return None
        now = self.clock.now()
        if now >= record.expires_at or now >= record.idle_expires_at:
            self.backend.delete(id_hash)
            return None
        try:
            plaintext = aead.open(session_key, record.ciphertext, _aad(kind, id_hash))
        except aead.CannotOpen:
            return None
        idle_expires_at = min(record.expires_at, now + dt.timedelta(seconds=record.idle_seconds))
        self.backend.touch(
            id_hash,
            StoredSession(
                record.ciphertext, record.expires_at, idle_expires_at, record.idle_seconds
            ),
        )
        payload: dict[str, Any] = json.loads(plaintext)
        return payload

    def close(self, cookie: str | None) -> None:
        parsed = self._parse(cookie)
        if parsed is not None:
            self.backend.delete(_id_hash(parsed[0]))

    @staticmethod
    def _parse(cookie: str | None) -> tuple[bytes, bytes] | None:
        if not cookie or cookie.count(".") != 1:
            return None
        try:
            session_id, session_key = (_unb64(part) for part in cookie.split("."))
        except (binascii.Error, ValueError):
            return None
        if len(session_id) != ID_BYTES or len(session_key) != KEY_BYTES:
            return None
        return session_id, session_key


class DatabaseSessions:
    """Sessions in the ``server_sessions`` table, each call its own transaction."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions  # a sessionmaker

    def _run(self, fn: Any) -> Any:
        db: Session
        with self.sessions() as db, db.begin():
            return fn(db)

    def put(self, id_hash: str, kind: str, record: StoredSession, officer_id: int | None) -> None:
        def put(db: Session) -> None:
            # Expired rows are swept here, so the table never grows unbounded.
            db.execute(delete(ServerSession).where(ServerSession.expires_at < utcnow()))
            db.add(
                ServerSession(
                    id_hash=id_hash,
                    kind=kind,
                    ciphertext=record.ciphertext,
                    expires_at=record.expires_at,
                    idle_expires_at=record.idle_expires_at,
                    idle_seconds=record.idle_seconds,
                    officer_id=officer_id,
                )
            )

        self._run(put)

    def get(self, id_hash: str, kind: str) -> StoredSession | None:
        def get(db: Session) -> StoredSession | None:
            row = db.scalar(
                select(ServerSession).where(
                    ServerSession.id_hash == id_hash, ServerSession.kind == kind
                )
            )
            if row is None:
                return None
            return StoredSession(
                row.ciphertext,
                _aware(row.expires_at),
                _aware(row.idle_expires_at),
                row.idle_seconds,
            )

        result: StoredSession | None = self._run(get)
        return result

    def touch(self, id_hash: str, record: StoredSession) -> None:
        def touch(db: Session) -> None:
            row = db.get(ServerSession, id_hash)
            if row is not None:
                row.idle_expires_at = record.idle_expires_at

        self._run(touch)

    def delete(self, id_hash: str) -> None:
        self._run(
            lambda db: db.execute(delete(ServerSession).where(ServerSession.id_hash == id_hash))
        )

    def delete_for_officer(self, officer_id: int) -> None:
        self._run(
            lambda db: db.execute(
                delete(ServerSession).where(ServerSession.officer_id == officer_id)
            )
        )


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class RedisSessions:
    """Sessions in Redis, expiring by themselves at the idle or absolute limit."""

    def __init__(self, client: Any, prefix: str = "hotline:session:") -> None:
        self.client = client
        self.prefix = prefix

    def _ttl(self, record: StoredSession) -> int:
        remaining = min(record.expires_at, record.idle_expires_at) - utcnow()
        return max(1, int(remaining.total_seconds()))

    def _encode(self, kind: str, record: StoredSession, officer_id: int | None) -> bytes:
        return json.dumps(
            {
                "k": kind,
                "c": _b64(record.ciphertext),
                "e": record.expires_at.isoformat(),
                "i": record.idle_expires_at.isoformat(),
                "s": record.idle_seconds,
                "o": officer_id,
            }
        ).encode()

    def put(self, id_hash: str, kind: str, record: StoredSession, officer_id: int | None) -> None:
        key = self.prefix + id_hash
        self.client.set(key, self._encode(kind, record, officer_id), ex=self._ttl(record))
        if officer_id is not None:
            officer_key = f"{self.prefix}officer:{officer_id}"
            self.client.sadd(officer_key, id_hash)
            self.client.expire(officer_key, self._ttl(record) + 86400)

    def _load(self, id_hash: str) -> dict[str, Any] | None:
        raw = self.client.get(self.prefix + id_hash)
        if raw is None:
            return None
        data: dict[str, Any] = json.loads(raw)
        return data

    def get(self, id_hash: str, kind: str) -> StoredSession | None:
        data = self._load(id_hash)
        if data is None or data["k"] != kind:
            return None
        return StoredSession(
            _unb64(data["c"]),
            dt.datetime.fromisoformat(data["e"]),
            dt.datetime.fromisoformat(data["i"]),
            int(data["s"]),
        )

    def touch(self, id_hash: str, record: StoredSession) -> None:
        data = self._load(id_hash)
        if data is None:
            return
        self.client.set(
            self.prefix + id_hash,
            self._encode(data["k"], record, data["o"]),
            ex=self._ttl(record),
        )

    def delete(self, id_hash: str) -> None:
        self.client.delete(self.prefix + id_hash)

    def delete_for_officer(self, officer_id: int) -> None:
        officer_key = f"{self.prefix}officer:{officer_id}"
        for id_hash in self.client.smembers(officer_key):
            self.client.delete(
                self.prefix + (id_hash.decode() if isinstance(id_hash, bytes) else id_hash)
            )
        self.client.delete(officer_key)
