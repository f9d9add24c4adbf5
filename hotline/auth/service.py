"""What officer sign-in does: check the factors, finish first-time setup, add officers.

The sign-in and setup views, ``hotline officer add`` and the test fixtures
call these functions. They take plain values and a database session, raise
the exceptions below, and never touch the request; the caller commits, opens
the split-knowledge session (:mod:`hotline.auth.session`) and sets the cookie.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import (
    QueueKeys,
    designate,
    queue_key_from_recovery,
    unseal_designations,
)
from hotline.audit import record
from hotline.auth.officers import (
    SignInFailed,
    UnlockedOfficer,
    WeakPassword,
    accept_totp,
    change_password,
    create_officer,
    enrol_totp,
    ensure_signing_key,
    password_hasher,
    provisioning_uri,
    unlock,
    verify_decoy_code,
)
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import Argon2Params, WrongPassword, password_kek
from hotline.crypto.signing import SigningKey
from hotline.models import Officer, Queue


class OfficerNotAdded(Exception):
    """``add_officer`` refused; the message says why, for the person at the console."""


class SetupRefused(Exception):
    """First-time setup was refused; the form is shown again with the reason."""


class CodeRefused(SetupRefused):
    """The TOTP code is wrong or was already used."""


class PasswordRefused(SetupRefused):
    """The new password is too weak; the message says why."""


# --- signing in ------------------------------------------------------------------


@cache
def _decoy_hash(params: Argon2Params) -> str:
    return password_hasher(params).hash(secrets.token_urlsafe(16))


def _verify_decoy(password: str, params: Argon2Params) -> None:
    """Spend the Argon2 verification a real officer's password costs, so the
    time a refusal takes does not tell whether the username exists."""
    with contextlib.suppress(VerificationError):
        password_hasher(params).verify(_decoy_hash(params), password)


def _spend_unlock(password: str, params: Argon2Params, code: str) -> None:
    """The work of unwrapping an officer's keys and checking a code, for nothing:
    the time of a refusal tells neither that the username exists nor that the
    password was right."""
    password_kek(password, _DECOY_SALT, params)
    verify_decoy_code(code)


_DECOY_SALT = secrets.token_bytes(16)


@dataclass(frozen=True, repr=False)
class SignIn:
    """An officer whose password (and TOTP code, once enrolled) was accepted."""

    officer: Officer
    unlocked: UnlockedOfficer
    signing_key: SigningKey

    def __repr__(self) -> str:
        return f"SignIn({self.officer.id})"

    @property
    def needs_setup(self) -> bool:
        """A new password and TOTP enrolment come before the desk opens."""
        return self.officer.must_change_password or not self.officer.totp_enrolled


def sign_in(
    session: Session, username: str, password: str, code: str, *, params: Argon2Params
) -> SignIn:
    """Check the password and, once enrolled, the TOTP code.

    Every refusal is the same :class:`SignInFailed`, whatever was wrong
    (unknown or deactivated username, password, code): it must not tell an
    attacker which part they got right. An unknown username costs the same
    Argon2 verification (under ``params``, the instance's) as a known one, so
    the refusal's timing does not tell either. An accepted code's time step
    is written to the officer row (so the code cannot be used again, on any
    worker); the caller commits it before anything else can fail, or rolls
    back on refusal.
    """
    officer = session.scalar(select(Officer).where(Officer.username == username.strip()))
    if officer is None or not officer.active:
        _verify_decoy(password, params)
        _spend_unlock(password, params, code)
        raise SignInFailed
    try:
        unlocked = unlock(officer, password)
    except SignInFailed:
        # A wrong password costs what a right one with a wrong code costs: the
        # key derivation that unwraps the keys, and the code check.
        _spend_unlock(password, Argon2Params.decode(officer.key_params), code)
        raise
    except WrongPassword:
        verify_decoy_code(code)
        raise SignInFailed from None
    if officer.totp_enrolled:
        secret = unlocked.totp_secret
        if secret is None or not accept_totp(session, officer, secret, code):
            raise SignInFailed
    # An officer made before signing keys gets theirs now (the caller commits).
    unlocked, signer = ensure_signing_key(session, officer, unlocked)
    return SignIn(officer, unlocked, signer)


@dataclass(frozen=True, repr=False)
class DeskKeys:
    """What a desk session holds: the officer's personal key and their queue keys."""

    officer_id: int
    username: str
    is_admin: bool
    private_key: PrivateKey
    queue_keys: QueueKeys
    signing_key: SigningKey

    def __repr__(self) -> str:
        return f"DeskKeys({self.username}, {self.queue_keys!r})"


def desk_keys(
    session: Session, officer: Officer, private_key: PrivateKey, signing_key: SigningKey
) -> DeskKeys:
    """Unseal the queue keys of every designation the officer holds."""
    keys = unseal_designations(session, officer, private_key)
    return DeskKeys(officer.id, officer.username, officer.is_admin, private_key, keys, signing_key)


def record_sign_in(session: Session, officer: Officer, *, audit_key: bytes) -> None:
    record(session, audit_key, actor=f"officer:{officer.username}", action="officer.signed_in")


# --- first-time setup ------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Setup:
    """Carried by the short setup session between sign-in and the new password:
    the unwrapped personal key, and the TOTP secret being enrolled (or the
    enrolled one, when only the password must change)."""

    officer_id: int
    private_key: PrivateKey
    totp_secret: bytes
    signing_key: SigningKey

    def __repr__(self) -> str:
        return f"Setup({self.officer_id})"

    def payload(self) -> dict[str, Any]:
        return {
            "officer_id": self.officer_id,
            "key": base64.b64encode(self.private_key.raw).decode(),
            "totp": base64.b64encode(self.totp_secret).decode(),
            "signing": base64.b64encode(self.signing_key.raw).decode(),
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Setup:
        return cls(
            int(payload["officer_id"]),
            PrivateKey(base64.b64decode(payload["key"])),
            base64.b64decode(payload["totp"]),
            SigningKey(base64.b64decode(payload["signing"])),
        )


def begin_setup(signed_in: SignIn) -> Setup:
    unlocked = signed_in.unlocked
    pending_secret = unlocked.totp_secret or secrets.token_bytes(20)
    return Setup(signed_in.officer.id, unlocked.private_key, pending_secret, signed_in.signing_key)


def setup_officer(session: Session, setup: Setup) -> Officer | None:
    """The officer of a setup session, unless deactivated (or gone) since."""
    officer = session.get(Officer, setup.officer_id)
    if officer is None or not officer.active:
        return None
    return officer


def enrolment_uri(officer: Officer, setup: Setup) -> str | None:
    """The otpauth URI to show, while the officer is not yet enrolled."""
    if officer.totp_enrolled:
        return None
    return provisioning_uri(setup.totp_secret, officer.username)


def finish_setup(
    session: Session,
    officer: Officer,
    setup: Setup,
    *,
    code: str,
    new_password: str,
    params: Argon2Params,
    audit_key: bytes,
) -> None:
    """Check the code, re-wrap the keys under the new password, enrol TOTP.

    Raises :class:`CodeRefused` or :class:`PasswordRefused`; the caller rolls
    back then, and on success commits and ends the sessions opened under the
    old password.
    """
    if not accept_totp(session, officer, setup.totp_secret, code):
        raise CodeRefused
    try:
        unlocked = change_password(
            officer,
            UnlockedOfficer(
                officer.id,
                setup.private_key,
                setup.totp_secret if officer.totp_enrolled else None,
                b"",
                setup.signing_key,
            ),
            new_password,
            params=params,
        )
    except WeakPassword as exc:
        raise PasswordRefused(str(exc)) from None
    if not officer.totp_enrolled:
        enrol_totp(officer, unlocked, setup.totp_secret)
    record(
        session,
        audit_key,
        actor=f"officer:{officer.username}",
        action="officer.password_changed",
    )


# --- adding officers -------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class NewOfficer:
    officer: Officer
    unlocked: UnlockedOfficer
    #: Queues whose designation waits for an administrator who holds the key.
    pending: tuple[str, ...]

    def __repr__(self) -> str:
        return f"NewOfficer({self.officer.username}, pending={self.pending})"

    @property
    def totp_secret(self) -> bytes | None:
        return self.unlocked.totp_secret

    @property
    def provisioning_uri(self) -> str | None:
        """The otpauth URI for the officer's authenticator app."""
        if self.unlocked.totp_secret is None:
            return None
        return provisioning_uri(self.unlocked.totp_secret, self.officer.username)


def add_officer(
    session: Session,
    username: str,
    password: str,
    queues: Sequence[str],
    *,
    params: Argon2Params,
    audit_key: bytes,
    actor: str = "cli",
    is_admin: bool = False,
    email: str | None = None,
    recovery_key: PrivateKey | None = None,
) -> NewOfficer:
    """Create an officer enrolled in TOTP and designate them to ``queues``.

    The queue keys can be sealed to them only by someone who holds them: with
    ``recovery_key`` (the recovery words) the designations are complete;
    without it they stay pending until an administrator who holds the queue
    approves them in the desk. The password must be changed at first sign-in.

    Raises :class:`OfficerNotAdded` (username taken, unknown queue),
    :class:`WeakPassword`, or ``NoQueueKey`` when the recovery key does not
    open a queue; the caller rolls back then.
    """
    if session.scalar(select(Officer).where(Officer.username == username)):
        raise OfficerNotAdded(f"officer {username!r} already exists")
    rows = {q.slug: q for q in session.scalars(select(Queue))}
    unknown = [q for q in queues if q not in rows]
    if unknown:
        raise OfficerNotAdded(f"unknown queue {unknown[0]!r}; known: {', '.join(sorted(rows))}")
    officer, unlocked = create_officer(
        session,
        username,
        password,
        params=params,
        is_admin=is_admin,
        email=email,
        enrol_totp=True,
    )
    pending = []
    for slug in queues:
        queue_key = queue_key_from_recovery(rows[slug], recovery_key) if recovery_key else None
        designation = designate(session, officer, rows[slug], queue_key=queue_key, by=None)
        if designation.pending:
            pending.append(slug)
        record(
            session,
            audit_key,
            actor=actor,
            action="designation.pending" if designation.pending else "designation.made",
            subject=f"{username}→{slug}",
        )
    record(session, audit_key, actor=actor, action="officer.created", subject=username)
    return NewOfficer(officer, unlocked, tuple(pending))
