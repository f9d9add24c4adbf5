"""An officer's lifecycle after creation: reset after a lost password or phone.

A reset cannot keep the officer's personal key: it is wrapped under the
password nobody knows any more. So the officer gets a new key pair, a one-time
password and a new TOTP enrolment, under the same username (their authorship
of replies, notes and audit events stays theirs), and every queue they were
designated to is designated again, as for a new designation: sealed now by a
current holder of the queue key (an administrator on the desk, or the
recovery words on the console), pending approval otherwise. Their sessions
end; the caller deletes them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import designate
from hotline.admin.service import CannotDeactivate, UnknownOfficer
from hotline.audit import record
from hotline.auth.officers import (
    UnlockedOfficer,
    ensure_signing_key,
    generate_password,
    password_hasher,
    provisioning_uri,
)
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import Argon2Params, password_kek, wrap
from hotline.models import Officer, Queue
from hotline.sealing import trust


@dataclass(frozen=True, repr=False)
class Reset:
    username: str
    officer_id: int
    #: Shown once to whoever reset the officer; changed at the next sign-in.
    password: str
    totp_secret: bytes
    #: Queues whose designation waits for a holder of the key to approve it.
    pending: tuple[str, ...]
    sealed: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Reset({self.username}, sealed={self.sealed}, pending={self.pending})"

    @property
    def provisioning_uri(self) -> str:
        return provisioning_uri(self.totp_secret, self.username)


def find_officer(session: Session, username: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.username == username.strip()))
    if officer is None:
        raise UnknownOfficer(f"There is no officer {username!r}.")
    return officer


def reset_officer(
    session: Session,
    officer: Officer,
    *,
    queue_key: Callable[[Queue], PrivateKey | None],
    params: Argon2Params,
    audit_key: bytes,
    actor: str,
) -> Reset:
    """New key pair, one-time password and TOTP secret; designations re-sealed
    with ``queue_key(queue)`` where it gives the current key, else pending."""
    if not officer.active:
        raise CannotDeactivate(f"{officer.username} is deactivated; a reset does not revive them.")
    queues = sorted((d.queue for d in officer.designations), key=lambda q: q.slug)
    for designation in list(officer.designations):
        session.delete(designation)
    session.flush()
    session.expire(officer, ["designations"])

    password = generate_password()
    salt = secrets.token_bytes(16)
    kek = password_kek(password, salt, params)
    private_key = PrivateKey.generate()
    totp_secret = secrets.token_bytes(20)
    officer.password_hash = password_hasher(params).hash(password)
    officer.key_params = params.encode()
    officer.key_salt = salt
    officer.public_key = private_key.public_key().raw
    trust.tag(session, officer)
    officer.wrapped_private_key = wrap(kek, private_key.raw, f"officer-key|{officer.id}")
    # The old signing key is wrapped under the lost password: a new one, made
    # under the one-time password. The old one is retired, not forgotten
    # (``signing_keys``): what it signed before now still verifies.
    officer.wrapped_signing_key = None
    ensure_signing_key(session, officer, UnlockedOfficer(officer.id, private_key, totp_secret, kek))
    officer.wrapped_totp_secret = wrap(kek, totp_secret, f"officer-totp|{officer.id}")
    officer.totp_enrolled = True
    officer.totp_last_step = None
    officer.must_change_password = True

    sealed: list[str] = []
    pending: list[str] = []
    for queue in queues:
        key = queue_key(queue)
        designation = designate(session, officer, queue, queue_key=key, by=None)
        (pending if designation.pending else sealed).append(queue.slug)
        record(
            session,
            audit_key,
            actor=actor,
            action="designation.pending" if designation.pending else "designation.made",
            subject=f"{officer.username}→{queue.slug}",
        )
    record(
        session,
        audit_key,
        actor=actor,
        action="officer.reset",
        subject=officer.username,
        detail=f"sealed: {', '.join(sealed) or 'none'}; pending: {', '.join(pending) or 'none'}",
    )
    session.flush()
    return Reset(officer.username, officer.id, password, totp_secret, tuple(pending), tuple(sealed))
