"""The one symmetric framing: ``nonce ‖ ChaCha20-Poly1305(plaintext)``.

Every stored or cookie-held ciphertext that is not an HPKE envelope goes through
here: items under their data key (``envelopes``), officers' keys wrapped under
their password (``keyring``), split-knowledge sessions (``sessions``) and the SMS
thread state (which puts its one version byte in front of this framing).

The nonce is 12 random bytes for every message. A random 96-bit nonce is safe
here because no key seals more than a handful of messages: each item has its
own data key, each session its own key, and a password key or thread key is
re-used only for the few times the same officer or sender is written again.

The associated data is what binds a ciphertext to its place (item id and
purpose, session id, officer and key name, thread): it is the caller's to
choose, and a stored format, so it is never changed without a version bump.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
#: The bytes that framing adds to a plaintext.
OVERHEAD = NONCE_BYTES + TAG_BYTES


class CannotOpen(Exception):
    """The key does not open this ciphertext (wrong key, wrong place, or tampering)."""


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """``nonce ‖ ChaCha20-Poly1305(key, nonce, plaintext, associated_data)``."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, associated_data)


def open(key: bytes, data: bytes, associated_data: bytes) -> bytes:
    """The plaintext of :func:`seal`'s output, or :class:`CannotOpen`.

    Truncated data, a wrong key, other associated data and any changed byte all
    raise the same exception, so no caller can tell (or leak) which it was.
    """
    if len(data) < OVERHEAD:
        raise CannotOpen("too short to be sealed")
    try:
        return ChaCha20Poly1305(key).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], associated_data
        )
    except (InvalidTag, ValueError):
        raise CannotOpen("does not open") from None
