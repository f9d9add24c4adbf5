"""The one AEAD helper: nonce ‖ ChaCha20-Poly1305, one exception for every failure."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from hotline.crypto import aead

KEY = bytes(range(32))


def test_sealed_data_is_a_fresh_nonce_then_the_ciphertext() -> None:
    first = aead.seal(KEY, b"report text", b"place")
    second = aead.seal(KEY, b"report text", b"place")
    assert len(first) == aead.NONCE_BYTES + len(b"report text") + aead.TAG_BYTES
    assert first[:12] != second[:12]
    assert ChaCha20Poly1305(KEY).decrypt(first[:12], first[12:], b"place") == b"report text"
    assert aead.open(KEY, first, b"place") == b"report text"


@pytest.mark.parametrize(
    "change",
    [
        lambda data, key, ad: (data, bytes(32), ad),
        lambda data, key, ad: (data, key, ad + b"x"),
        lambda data, key, ad: (data[:-1] + bytes([data[-1] ^ 1]), key, ad),
        lambda data, key, ad: (data[:5] + bytes([data[5] ^ 1]) + data[6:], key, ad),
        lambda data, key, ad: (data[: aead.OVERHEAD - 1], key, ad),
        lambda data, key, ad: (b"", key, ad),
    ],
    ids=["wrong key", "other place", "changed tag", "changed nonce", "truncated", "empty"],
)
def test_every_failure_raises_the_one_exception(change: object) -> None:
    data = aead.seal(KEY, b"secret", b"place")
    changed_data, key, ad = change(data, KEY, b"place")  # type: ignore[operator]
    with pytest.raises(aead.CannotOpen):
        aead.open(key, changed_data, ad)
