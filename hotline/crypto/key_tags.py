"""Tags on public keys: HMAC-SHA256 under ``keys/key_tag_key``.

The database holds every public key the server seals to. Someone who can write
to it but not read ``keys/`` could swap one for their own; the tag, over the
key, its owner, its purpose and its version, is something they cannot make.
Stored format (pinned by tests/crypto/test_stored_formats.py)::

    HMAC-SHA256(key_tag_key, "hotline-key-tag-v1" ‖ lp(purpose) ‖ lp(owner)
                ‖ lp(decimal version) ‖ lp(public key))

where ``lp(x)`` is x's length as 4 bytes big-endian, then x.
"""

from __future__ import annotations

import hashlib
import hmac

TAG_VERSION = b"hotline-key-tag-v1"


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def key_tag(tag_key: bytes, *, purpose: str, owner: str, version: int, public_key: bytes) -> bytes:
    message = b"".join(
        [
            TAG_VERSION,
            _lp(purpose.encode()),
            _lp(owner.encode()),
            _lp(str(version).encode()),
            _lp(public_key),
        ]
    )
    return hmac.new(tag_key, message, hashlib.sha256).digest()


def tag_holds(
    tag_key: bytes,
    tag: bytes | None,
    *,
    purpose: str,
    owner: str,
    version: int,
    public_key: bytes,
) -> bool:
    """Whether ``tag`` is this key's tag. A missing tag never holds."""
    if tag is None:
        return False
    expected = key_tag(
        tag_key, purpose=purpose, owner=owner, version=version, public_key=public_key
    )
    return hmac.compare_digest(expected, bytes(tag))
