"""Officers' signing keys: Ed25519 and ML-DSA-65 together (both from
``cryptography``), so a signature holds while either scheme does.

Stored formats (pinned by tests/crypto/test_stored_formats.py):

* private key, as wrapped under the officer's password: Ed25519 seed (32
  bytes) ‖ ML-DSA-65 seed (32 bytes);
* public key: Ed25519 public key (32) ‖ ML-DSA-65 public key (1952);
* signature: Ed25519 signature (64) ‖ ML-DSA-65 signature (3309).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa

SEED_BYTES = 32
ED25519_PUBLIC = 32
ED25519_SIGNATURE = 64
MLDSA65_PUBLIC = 1952
MLDSA65_SIGNATURE = 3309
PUBLIC_BYTES = ED25519_PUBLIC + MLDSA65_PUBLIC
SIGNATURE_BYTES = ED25519_SIGNATURE + MLDSA65_SIGNATURE


class SigningKey:
    """A private signing key pair; ``raw`` is the two seeds, for wrapping."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 2 * SEED_BYTES:
            raise ValueError("a signing key is two 32-byte seeds")
        self.raw = raw
        self._ed25519 = ed25519.Ed25519PrivateKey.from_private_bytes(raw[:SEED_BYTES])
        self._mldsa = mldsa.MLDSA65PrivateKey.from_seed_bytes(raw[SEED_BYTES:])

    def __repr__(self) -> str:
        return "SigningKey(…)"

    @classmethod
    def generate(cls) -> SigningKey:
        ed = ed25519.Ed25519PrivateKey.generate().private_bytes_raw()
        ml = mldsa.MLDSA65PrivateKey.generate().private_bytes_raw()
        return cls(ed + ml)

    def public_bytes(self) -> bytes:
        return (
            self._ed25519.public_key().public_bytes_raw()
            + self._mldsa.public_key().public_bytes_raw()
        )

    def sign(self, message: bytes) -> bytes:
        return self._ed25519.sign(message) + self._mldsa.sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether both signatures hold. Any malformed input is simply False."""
    if len(public) != PUBLIC_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public[:ED25519_PUBLIC]).verify(
            signature[:ED25519_SIGNATURE], message
        )
        mldsa.MLDSA65PublicKey.from_public_bytes(public[ED25519_PUBLIC:]).verify(
            signature[ED25519_SIGNATURE:], message
        )
    except (InvalidSignature, ValueError):
        return False
    return True
