"""Hybrid post-quantum key pairs (ML-KEM-768 + X25519) in their stored form.

Hybrid keys do not serialise, so a key pair is kept as its components: a
private key is the 64-byte ML-KEM seed followed by the 32-byte X25519 scalar
(96 bytes); a public key is the raw ML-KEM public key followed by the raw
X25519 public key (1,184 + 32 bytes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.hpke import (
    MLKEM768X25519PrivateKey,
    MLKEM768X25519PublicKey,
)

MLKEM_SEED_BYTES = 64
MLKEM_PUBLIC_BYTES = 1184
X25519_BYTES = 32
PRIVATE_KEY_BYTES = MLKEM_SEED_BYTES + X25519_BYTES
PUBLIC_KEY_BYTES = MLKEM_PUBLIC_BYTES + X25519_BYTES


class MalformedKey(ValueError):
    """Stored key bytes have the wrong length."""


@dataclass(frozen=True, repr=False)
class PublicKey:
    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PUBLIC_KEY_BYTES:
            raise MalformedKey(f"a public key is {PUBLIC_KEY_BYTES} bytes, not {len(self.raw)}")

    def hpke(self) -> MLKEM768X25519PublicKey:
        return MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(self.raw[:MLKEM_PUBLIC_BYTES]),
            x25519.X25519PublicKey.from_public_bytes(self.raw[MLKEM_PUBLIC_BYTES:]),
        )

    def __repr__(self) -> str:
        return f"PublicKey({self.raw[-8:].hex()}…)"


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """A private key; ``repr`` never shows its bytes, so it cannot reach a log."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != PRIVATE_KEY_BYTES:
            raise MalformedKey(f"a private key is {PRIVATE_KEY_BYTES} bytes, not {len(self.raw)}")

    @classmethod
    def from_components(cls, mlkem_seed: bytes, x25519_scalar: bytes) -> PrivateKey:
        return cls(mlkem_seed + x25519_scalar)

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(secrets.token_bytes(PRIVATE_KEY_BYTES))

    def hpke(self) -> MLKEM768X25519PrivateKey:
        return MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(self.raw[:MLKEM_SEED_BYTES]),
            x25519.X25519PrivateKey.from_private_bytes(self.raw[MLKEM_SEED_BYTES:]),
        )

    def public_key(self) -> PublicKey:
        ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.raw[:MLKEM_SEED_BYTES])
        xk = x25519.X25519PrivateKey.from_private_bytes(self.raw[MLKEM_SEED_BYTES:])
        return PublicKey(ml.public_key().public_bytes_raw() + xk.public_key().public_bytes_raw())

    def __repr__(self) -> str:
        return "PrivateKey(…)"
