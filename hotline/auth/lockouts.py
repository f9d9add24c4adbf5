"""Per-account sign-in lockouts that grow: minutes, then hours.

The per-minute limits (``auth.views``) slow guessing down; they do not stop
twelve codes a minute tried for weeks. Every refused sign-in counts against
the account's bucket (the username's keyed hash cut to 16 bits, whether or
not such an officer exists, so a lockout does not reveal the username); each
:data:`FAILURES_PER_LOCKOUT` refusals lock it, for longer each time
(:data:`LOCKOUTS`), and the count is kept for :data:`MEMORY` after the last
refusal. A right sign-in clears the count. Counts and locks live in the rate
limiter's storage (Redis, or the worker's memory), never in the database.

Each refusal and each lockout is an audit event; a lockout is also shown to
administrators on the officers page (:func:`recent_lockouts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from limits.storage import Storage
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.models import AuditEvent, utcnow

FAILURES_PER_LOCKOUT = 5
#: The n-th lockout of an account lasts LOCKOUTS[n-1] (the last one repeats).
LOCKOUTS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=8),
)
#: Refusals are counted until this long after the last one.
MEMORY = dt.timedelta(hours=24)
REFUSED = "officer.sign_in_refused"
LOCKED_OUT = "officer.locked_out"
#: How far back the officers page looks for lockouts.
ALERT_WINDOW = dt.timedelta(hours=24)


def lockout_after(failures: int) -> dt.timedelta | None:
    """The lockout the ``failures``-th refusal in a row starts, if it starts one."""
    if failures <= 0 or failures % FAILURES_PER_LOCKOUT:
        return None
    index = min(failures // FAILURES_PER_LOCKOUT, len(LOCKOUTS)) - 1
    return LOCKOUTS[index]


class Lockouts:
    """The counts and locks of accounts, in a ``limits`` storage."""

    def __init__(self, storage: Storage, prefix: str) -> None:
        self._storage = storage
        self._prefix = f"{prefix}:officer-lockout:"

    def locked(self, account: str) -> bool:
        return int(self._storage.get(self._prefix + "lock:" + account)) > 0

    def refused(self, account: str) -> dt.timedelta | None:
        """Count one refusal; the lockout it starts, if any."""
        failures = int(
            self._storage.incr(self._prefix + "failures:" + account, int(MEMORY.total_seconds()))
        )
        lockout = lockout_after(failures)
        if lockout is not None:
            self._storage.incr(self._prefix + "lock:" + account, int(lockout.total_seconds()))
        return lockout

    def succeeded(self, account: str) -> None:
        self._storage.clear(self._prefix + "failures:" + account)


def record_refusal(
    session: Session,
    audit_key: bytes,
    *,
    username: str | None,
    reason: str,
    lockout: dt.timedelta | None,
) -> None:
    """Audit one refused sign-in, and the lockout it started.

    ``username`` is given only for an existing officer: a typed unknown username
    may be a password typed in the wrong field, and is never recorded.
    """
    subject = f"officer:{username}" if username else "unknown account"
    record(session, audit_key, actor="sign-in", action=REFUSED, subject=subject, detail=reason)
    if lockout is not None:
        minutes = int(lockout.total_seconds() // 60)
        record(
            session,
            audit_key,
            actor="sign-in",
            action=LOCKED_OUT,
            subject=subject,
            detail=f"{minutes} minutes",
        )


@dataclass(frozen=True)
class LockoutAlert:
    at: dt.datetime
    subject: str
    detail: str


def recent_lockouts(session: Session, now: dt.datetime | None = None) -> list[LockoutAlert]:
    """Lockouts of the last :data:`ALERT_WINDOW`, newest first, for administrators."""
    since = (now or utcnow()) - ALERT_WINDOW
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == LOCKED_OUT, AuditEvent.at >= since)
        .order_by(AuditEvent.id.desc())
        .limit(50)
    )
    return [LockoutAlert(e.at, e.subject, e.detail) for e in events]
