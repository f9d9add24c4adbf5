"""Envelopes: every stored item is AEAD-encrypted under its own random data key,
and that data key is sealed with HPKE to each recipient.

Associated data and HPKE ``info`` both bind the version, the item id and the
purpose, so a ciphertext or a sealed key copied onto another item, or used for
another purpose, fails to open instead of opening the wrong thing. From
version 2 (``sealing.items``) the "item id" bound is the item's place: its id
with its case, kind, author and sequence number, so an item moved, reordered
or replayed into another case fails to open too. Version 1 stays readable.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from hotline.crypto import aead
from hotline.crypto.aead import CannotOpen as CannotOpen  # what opening raises, here too
from hotline.crypto.keypairs import PrivateKey, PublicKey

#: Items and their sealed keys: 1 bound the item id; 2 binds its place too.
SEAL_VERSION = 2
#: What queue keys, register releases and reasons are sealed with (unchanged).
LEGACY_VERSION = 1
DATA_KEY_BYTES = aead.KEY_BYTES
SUITE = Suite(KEM.MLKEM768_X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)


def _binding(kind: bytes, item_id: str, purpose: str, version: int) -> bytes:
    return b"hotline|%b|v%d|%b|%b" % (
        kind,
        version,
        item_id.encode("ascii"),
        purpose.encode("ascii"),
    )


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def encrypt(
    data_key: bytes,
    item_id: str,
    purpose: str,
    plaintext: bytes,
    *,
    version: int = LEGACY_VERSION,
) -> bytes:
    """nonce ‖ ChaCha20-Poly1305(plaintext), bound to the item and purpose."""
    return aead.seal(data_key, plaintext, _binding(b"aead", item_id, purpose, version))


def decrypt(
    data_key: bytes,
    item_id: str,
    purpose: str,
    ciphertext: bytes,
    *,
    version: int = LEGACY_VERSION,
) -> bytes:
    try:
        return aead.open(data_key, ciphertext, _binding(b"aead", item_id, purpose, version))
    except CannotOpen as exc:
        raise CannotOpen(f"{purpose} of {item_id}") from exc


def seal(
    secret: bytes,
    recipient: PublicKey,
    item_id: str,
    purpose: str,
    *,
    version: int = LEGACY_VERSION,
) -> bytes:
    """HPKE-seal a small secret (a data key, a private key) to one recipient.

    Needs only the public key: any channel can file without holding a secret.
    """
    info = _binding(b"hpke", item_id, purpose, version)
    return SUITE.encrypt(secret, recipient.hpke(), info=info)


def open_sealed(
    sealed: bytes,
    private_key: PrivateKey,
    item_id: str,
    purpose: str,
    *,
    version: int = LEGACY_VERSION,
) -> bytes:
    try:
        info = _binding(b"hpke", item_id, purpose, version)
        return SUITE.decrypt(sealed, private_key.hpke(), info=info)
    except (InvalidTag, ValueError) as exc:
        raise CannotOpen(f"{purpose} of {item_id}") from exc
