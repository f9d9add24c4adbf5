"""Instance secrets in ``keys/``, the recovery key, and officers' wrapped keys.

``keys/`` holds only ``pepper``, ``secret_key``, ``audit_key`` and
``key_tag_key`` (which tags every public key the server seals to): secrets
that must never enter the database. Every other key lives in the database, public
halves in clear and private halves only sealed or wrapped.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw

from hotline.crypto import aead
from hotline.crypto.codenames import normalise, wordlist
from hotline.crypto.keypairs import PrivateKey

SECRET_NAMES = ("pepper", "secret_key", "audit_key", "key_tag_key")
SECRET_BYTES = 32
RECOVERY_WORDS = 20  # about 258 bits from the EFF long list
WRAP_VERSION = 1


class KeysError(RuntimeError):
    """``keys/`` is missing, incomplete, unreadable or unwritable."""


class WrongPassword(Exception):
    """The password does not unwrap this officer's key."""


@dataclass(frozen=True, repr=False)
class InstanceSecrets:
    pepper: bytes
    secret_key: bytes
    audit_key: bytes
    key_tag_key: bytes

    def __repr__(self) -> str:
        return "InstanceSecrets(…)"

    def keyed_hash(self, purpose: str, value: str) -> str:
        """A keyed hash for lookups of things that must not be stored (a phone
        number, a client address, a Message-ID): without the pepper it cannot be
        reversed by trying every phone number."""
        return hashlib.blake2b(
            value.encode("utf-8"),
            key=self.pepper,
            person=b"hotline-kh",
            digest_size=32,
            salt=hashlib.sha256(purpose.encode()).digest()[:16],
        ).hexdigest()


def secrets_exist(keys_dir: Path) -> bool:
    return any((keys_dir / name).exists() for name in SECRET_NAMES)


def create_secrets(keys_dir: Path) -> InstanceSecrets:
    """Write fresh secrets, mode 0600. Refuses to overwrite any existing one."""
    if secrets_exist(keys_dir):
        raise KeysError(f"{keys_dir} already holds keys; refusing to overwrite them")
    written: list[Path] = []
    try:
        keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in SECRET_NAMES:
            path = keys_dir / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(path)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        # A half-written keys/ (a full disk) would later read as "damaged":
        # remove what this attempt wrote, so the next `hotline init` starts clean.
        for path in written:
            path.unlink(missing_ok=True)
        raise KeysError(f"cannot write keys to {keys_dir}: {exc.strerror}") from exc
    return load_secrets(keys_dir)


def add_missing_secrets(keys_dir: Path) -> tuple[str, ...]:
    """Upgrade an existing ``keys/``: write the secrets a newer release added
    (mode 0600), never touching one that exists. Returns the names written."""
    added = []
    for name in SECRET_NAMES:
        path = keys_dir / name
        if path.exists():
            continue
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise KeysError(f"cannot write {path}: {exc.strerror}") from exc
        added.append(name)
    return tuple(added)


def load_secrets(keys_dir: Path) -> InstanceSecrets:
    values = {}
    for name in SECRET_NAMES:
        path = keys_dir / name
        try:
            values[name] = path.read_bytes()
        except FileNotFoundError:
            raise KeysError(f"{path} is missing; run `hotline init` first") from None
        except OSError as exc:
            raise KeysError(f"cannot read {path}: {exc.strerror}") from exc
        if len(values[name]) != SECRET_BYTES:
            raise KeysError(f"{path} is damaged: expected {SECRET_BYTES} bytes")
    return InstanceSecrets(**values)


def secrets_loader(keys_dir: Path) -> Callable[[], InstanceSecrets]:
    """Load ``keys/`` when first needed, then keep it (``Database(keys=...)``)."""
    return functools.cache(functools.partial(load_secrets, keys_dir))


# --- the recovery key -------------------------------------------------------


def generate_recovery_words() -> str:
    words = wordlist()
    return " ".join(secrets.choice(words) for _ in range(RECOVERY_WORDS))


def recovery_private_key(words: str) -> PrivateKey:
    """The recovery key pair follows from the words alone (they carry ~258 bits,
    so a fast derivation is enough); it does not need ``keys/`` to survive."""
    canonical = normalise(words)
    if len(canonical.split(" ")) != RECOVERY_WORDS:
        raise WrongPassword(f"recovery words are {RECOVERY_WORDS} words")
    seed = hashlib.shake_256(b"hotline-recovery-v1|" + canonical.encode()).digest(96)
    return PrivateKey(seed)


def read_recovery_file(path: Path) -> str:
    """The recovery words in ``path``: the words, or enough shares of them
    (``hotline recovery split``), one a line."""
    from hotline.crypto.recovery_shares import recovery_words_in  # it builds on this module

    try:
        text = path.read_text("utf-8").strip()
    except OSError as exc:
        raise KeysError(f"cannot read recovery file {path}: {exc.strerror}") from exc
    return recovery_words_in(text)


def write_recovery_file(path: Path, words: str) -> None:
    """Write the words durably, or remove the file and raise: a recovery file
    that exists but is empty would be worse than none."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise KeysError(f"cannot create recovery file {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(words + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise KeysError(f"cannot write recovery file {path}: {exc.strerror}") from exc


# --- officers' personal keys, wrapped under their password ------------------


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int
    time_cost: int
    parallelism: int = 4

    def encode(self) -> str:
        return (
            f"argon2id$v={WRAP_VERSION}$m={self.memory_kib},t={self.time_cost},p={self.parallelism}"
        )

    @classmethod
    def decode(cls, text: str) -> Argon2Params:
        _, _, params = text.split("$")
        fields = dict(part.split("=") for part in params.split(","))
        return cls(int(fields["m"]), int(fields["t"]), int(fields["p"]))


def password_kek(password: str, salt: bytes, params: Argon2Params) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def wrap(kek: bytes, secret: bytes, label: str) -> bytes:
    return aead.seal(kek, secret, f"wrap|v{WRAP_VERSION}|{label}".encode())


def unwrap(kek: bytes, wrapped: bytes, label: str) -> bytes:
    try:
        return aead.open(kek, wrapped, f"wrap|v{WRAP_VERSION}|{label}".encode())
    except aead.CannotOpen:
        raise WrongPassword(label) from None
