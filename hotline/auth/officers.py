"""Officer accounts and their keys.

An officer's personal private key is wrapped under a key derived from their
password with Argon2id; the sign-in hash is a separate Argon2id hash. The TOTP
secret is wrapped the same way, so the database alone yields neither factor.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass, replace
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from sqlalchemy import or_, update
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.crypto.keyring import Argon2Params, password_kek, unwrap, wrap
from hotline.crypto.signing import SigningKey
from hotline.models import Officer
from hotline.sealing import authorship, trust

MIN_PASSWORD_LENGTH = 12
#: The least zxcvbn score (0-4) a password needs.
MIN_PASSWORD_SCORE = 3
#: zxcvbn's matching is quadratic: score a long password's first characters only.
_ZXCVBN_MAX_CHARS = 100
TOTP_STEP = 30
TOTP_DIGITS = 6


class WeakPassword(ValueError):
    """The new password is too short or otherwise refused."""


class SignInFailed(Exception):
    """Wrong username, password or code. Deliberately says no more than that."""


@dataclass(frozen=True, repr=False)
class UnlockedOfficer:
    officer_id: int
    private_key: PrivateKey
    totp_secret: bytes | None
    kek: bytes
    #: None only for an officer made before signing keys, until
    #: :func:`ensure_signing_key` at their next sign-in.
    signing_key: SigningKey | None = None

    def __repr__(self) -> str:
        return f"UnlockedOfficer({self.officer_id})"


def password_hasher(params: Argon2Params) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
    )


def check_password_strength(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"Passwords have at least {MIN_PASSWORD_LENGTH} characters.")
    if username and username.casefold() in password.casefold():
        raise WeakPassword("The password must not contain the username.")
    # zxcvbn (offline: its dictionaries ship with it) scores 0-4; under 3 a
    # password such as "aaaaaaaaaaaa" or "password1234" falls to guessing,
    # and an officer's password wraps the keys of every queue they read.
    if zxcvbn(password[:_ZXCVBN_MAX_CHARS], user_inputs=[username])["score"] < MIN_PASSWORD_SCORE:
        raise WeakPassword(
            "The password is too easy to guess: use several unrelated words or a password manager."
        )


def generate_password() -> str:
    """A one-time password for a new account (about 95 bits)."""
    return secrets.token_urlsafe(12)


def create_officer(
    session: Session,
    username: str,
    password: str,
    *,
    params: Argon2Params,
    is_admin: bool = False,
    email: str | None = None,
    enrol_totp: bool = False,
) -> tuple[Officer, UnlockedOfficer]:
    check_password_strength(password, username)
    salt = secrets.token_bytes(16)
    kek = password_kek(password, salt, params)
    private_key = PrivateKey.generate()
    totp_secret = secrets.token_bytes(20) if enrol_totp else None
    officer = Officer(
        username=username,
        password_hash=password_hasher(params).hash(password),
        key_params=params.encode(),
        key_salt=salt,
        wrapped_private_key=b"",
        public_key=private_key.public_key().raw,
        wrapped_totp_secret=None,
        totp_enrolled=enrol_totp,
        is_admin=is_admin,
        must_change_password=True,
        email=email,
    )
    session.add(officer)
    session.flush()
    trust.tag(session, officer)
    officer.wrapped_private_key = wrap(kek, private_key.raw, f"officer-key|{officer.id}")
    if totp_secret is not None:
        officer.wrapped_totp_secret = wrap(kek, totp_secret, f"officer-totp|{officer.id}")
    unlocked = UnlockedOfficer(officer.id, private_key, totp_secret, kek)
    unlocked, _ = ensure_signing_key(session, officer, unlocked)
    return officer, unlocked


def _signing_label(officer_id: int) -> str:
    return f"officer-signing|{officer_id}"


def ensure_signing_key(
    session: Session, officer: Officer, unlocked: UnlockedOfficer
) -> tuple[UnlockedOfficer, SigningKey]:
    """The officer's signing key, made now (wrapped under their password, the
    public half tagged) if they have none: an officer made before signing keys
    gets one at their next sign-in, when their password is at hand."""
    if unlocked.signing_key is not None:
        return unlocked, unlocked.signing_key
    signer = SigningKey.generate()
    officer.wrapped_signing_key = wrap(unlocked.kek, signer.raw, _signing_label(officer.id))
    authorship.set_signing_key(session, officer, signer)
    return replace(unlocked, signing_key=signer), signer


def officer_public_key(officer: Officer) -> PublicKey:
    return PublicKey(officer.public_key)


def unlock(officer: Officer, password: str) -> UnlockedOfficer:
    """Check the password and unwrap the officer's keys, or raise SignInFailed."""
    params = Argon2Params.decode(officer.key_params)
    try:
        password_hasher(params).verify(officer.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise SignInFailed from None
    kek = password_kek(password, officer.key_salt, params)
    private_key = PrivateKey(unwrap(kek, officer.wrapped_private_key, f"officer-key|{officer.id}"))
    totp_secret = None
    if officer.wrapped_totp_secret is not None:
        totp_secret = unwrap(kek, officer.wrapped_totp_secret, f"officer-totp|{officer.id}")
    signer = None
    if officer.wrapped_signing_key is not None:
        signer = SigningKey(unwrap(kek, officer.wrapped_signing_key, _signing_label(officer.id)))
    return UnlockedOfficer(officer.id, private_key, totp_secret, kek, signer)


def change_password(
    officer: Officer, unlocked: UnlockedOfficer, new_password: str, *, params: Argon2Params
) -> UnlockedOfficer:
    """Re-wrap the officer's keys under the new password."""
    check_password_strength(new_password, officer.username)
    salt = secrets.token_bytes(16)
    kek = password_kek(new_password, salt, params)
    officer.password_hash = password_hasher(params).hash(new_password)
    officer.key_params = params.encode()
    officer.key_salt = salt
    officer.wrapped_private_key = wrap(kek, unlocked.private_key.raw, f"officer-key|{officer.id}")
    if unlocked.totp_secret is not None:
        officer.wrapped_totp_secret = wrap(kek, unlocked.totp_secret, f"officer-totp|{officer.id}")
    if unlocked.signing_key is not None:
        officer.wrapped_signing_key = wrap(
            kek, unlocked.signing_key.raw, _signing_label(officer.id)
        )
    officer.must_change_password = False
    return UnlockedOfficer(
        officer.id, unlocked.private_key, unlocked.totp_secret, kek, unlocked.signing_key
    )


def enrol_totp(officer: Officer, unlocked: UnlockedOfficer, secret: bytes) -> UnlockedOfficer:
    officer.wrapped_totp_secret = wrap(unlocked.kek, secret, f"officer-totp|{officer.id}")
    officer.totp_enrolled = True
    return UnlockedOfficer(
        officer.id, unlocked.private_key, secret, unlocked.kek, unlocked.signing_key
    )


def verify_decoy_code(code: str, *, now: float | None = None) -> None:
    """Spend what :func:`accept_totp` spends checking a code that is wrong, with
    a throwaway secret and no database: a refused password then costs what a
    refused code costs, so the time of a refusal does not tell an attacker that
    they got the password right."""
    now = time.time() if now is None else now
    code = "".join(ch for ch in code if ch.isdigit()).rjust(TOTP_DIGITS, "0")[:TOTP_DIGITS]
    generator = totp(secrets.token_bytes(20))
    current = int(now) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        with contextlib.suppress(InvalidToken):
            generator.verify(code.encode(), step * TOTP_STEP)


def totp(secret: bytes) -> TOTP:
    # SHA-1 is what RFC 6238 authenticator apps implement; HMAC-SHA-1 is not weakened
    # by SHA-1 collisions.
    return TOTP(secret, TOTP_DIGITS, SHA1(), TOTP_STEP)  # noqa: S303


def provisioning_uri(secret: bytes, username: str, issuer: str = "Hotline") -> str:
    return totp(secret).get_provisioning_uri(quote(username), issuer)


def accept_totp(
    session: Session, officer: Officer, secret: bytes, code: str, *, now: float | None = None
) -> bool:
    """Accept a code once: its time step must be newer than the last accepted one.

    The check-and-set is one conditional UPDATE, so two workers racing with the
    same code cannot both accept it.
    """
    now = time.time() if now is None else now
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != TOTP_DIGITS:
        return False
    current = int(now) // TOTP_STEP
    generator = totp(secret)
    for step in (current - 1, current, current + 1):
        try:
            generator.verify(code.encode(), step * TOTP_STEP)
        except InvalidToken:
            continue
        result = session.execute(
            update(Officer)
            .where(
                Officer.id == officer.id,
                or_(Officer.totp_last_step.is_(None), Officer.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            officer.totp_last_step = step
            return True
        return False
    return False
