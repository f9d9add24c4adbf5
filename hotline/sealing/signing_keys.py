"""Officers' signing keys over time: every key an officer has had, and when.

A reset gives an officer a new signing key (the old one is wrapped under the
lost password). What they signed before must still verify, and nothing may be
signed with the retired key afterwards: so every key is kept in
``officer_signing_keys`` with the moment it became valid and the moment it was
retired, under a tag that someone without ``keys/`` cannot make, and each
signature says when it was made (``authorship``): it verifies only against the
key valid at that moment. Stored format (pinned by
tests/crypto/test_trust_formats.py)::

    HMAC-SHA256(key_tag_key, "hotline-signing-key-v1" ‖ lp(officer id)
                ‖ lp(decimal generation) ‖ lp(public key)
                ‖ lp(decimal valid from) ‖ lp(decimal valid until or ""))

Times are microseconds since 1970-01-01 UTC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Officer, OfficerSigningKey, utcnow
from hotline.sealing import trust

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def now_us() -> int:
    return (utcnow() - EPOCH) // dt.timedelta(microseconds=1)


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def history_tag(
    tag_key: bytes,
    officer_id: int,
    generation: int,
    public_key: bytes,
    valid_from: int,
    valid_until: int | None,
) -> bytes:
    parts = (
        str(officer_id).encode(),
        str(generation).encode(),
        public_key,
        str(valid_from).encode(),
        b"" if valid_until is None else str(valid_until).encode(),
    )
    return hmac.new(
        tag_key, b"hotline-signing-key-v1" + b"".join(_lp(p) for p in parts), hashlib.sha256
    ).digest()


def _tag(tag_key: bytes, row: OfficerSigningKey) -> bytes:
    return history_tag(
        tag_key, row.officer_id, row.generation, row.public_key, row.valid_from, row.valid_until
    )


def holds(tag_key: bytes, row: OfficerSigningKey) -> bool:
    return hmac.compare_digest(_tag(tag_key, row), bytes(row.key_tag))


def add_key(session: Session, officer: Officer, public: bytes, *, since: int | None = None) -> None:
    """Retire the officer's current key (if any) now, and make ``public`` valid from now
    (or from ``since``, for the upgrade)."""
    tag_key = trust.instance_secrets(session).key_tag_key
    moment = now_us() if since is None else since
    rows = list(
        session.scalars(
            select(OfficerSigningKey)
            .where(OfficerSigningKey.officer_id == officer.id)
            .order_by(OfficerSigningKey.generation)
        )
    )
    for row in rows:
        if row.valid_until is None:
            row.valid_until = max(moment, row.valid_from)
            row.key_tag = _tag(tag_key, row)
    new = OfficerSigningKey(
        officer_id=officer.id,
        generation=(rows[-1].generation + 1) if rows else 1,
        public_key=public,
        valid_from=moment,
        valid_until=None,
        key_tag=b"",
    )
    new.key_tag = _tag(tag_key, new)
    session.add(new)
    session.flush()


@dataclass(frozen=True)
class ValidKey:
    public_key: bytes
    valid_from: int
    valid_until: int | None

    def covers(self, moment: int) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)


def keys_of(session: Session, officer_id: int) -> list[ValidKey]:
    """The officer's keys whose tags hold; the alarm is raised for any that fails."""
    tag_key = trust.instance_secrets(session).key_tag_key
    valid = []
    for row in session.scalars(
        select(OfficerSigningKey).where(OfficerSigningKey.officer_id == officer_id)
    ):
        if holds(tag_key, row):
            valid.append(ValidKey(bytes(row.public_key), row.valid_from, row.valid_until))
        else:
            trust.raise_alarm(
                session, f"officer_signing_keys/{row.id}", "signing key fails its tag"
            )
    return valid


def record_current_keys(session: Session) -> int:
    """Trust on upgrade (revision 0010): each officer's signing key becomes their
    first, valid from the beginning. Run only by ``hotline init`` in that run."""
    count = 0
    for officer in session.scalars(select(Officer)):
        if officer.signing_public_key is not None:
            add_key(session, officer, bytes(officer.signing_public_key), since=0)
            count += 1
    return count
