"""Envelopes: AEAD items with HPKE-sealed data keys on ML-KEM-768 + X25519."""

from __future__ import annotations

import pytest

from hotline.crypto import envelopes
from hotline.crypto.keypairs import PUBLIC_KEY_BYTES, PrivateKey, PublicKey


def test_sealed_data_key_opens_only_with_the_recipient_key() -> None:
    recipient, stranger = PrivateKey.generate(), PrivateKey.generate()
    key = envelopes.new_data_key()
    sealed = envelopes.seal(key, recipient.public_key(), "item1", "message")
    assert len(sealed) == 1168  # 1,120-byte hybrid encapsulation + 32 + tag
    assert envelopes.open_sealed(sealed, recipient, "item1", "message") == key
    with pytest.raises(envelopes.CannotOpen):
        envelopes.open_sealed(sealed, stranger, "item1", "message")


def test_a_sealed_key_moved_to_another_item_or_purpose_does_not_open() -> None:
    recipient = PrivateKey.generate()
    sealed = envelopes.seal(b"k" * 32, recipient.public_key(), "item1", "message")
    with pytest.raises(envelopes.CannotOpen):
        envelopes.open_sealed(sealed, recipient, "item2", "message")
    with pytest.raises(envelopes.CannotOpen):
        envelopes.open_sealed(sealed, recipient, "item1", "attachment")


def test_ciphertext_is_bound_to_item_and_purpose_and_detects_tampering() -> None:
    key = envelopes.new_data_key()
    ciphertext = envelopes.encrypt(key, "item1", "body", b"the truck left at 4")
    assert b"truck" not in ciphertext
    assert envelopes.decrypt(key, "item1", "body", ciphertext) == b"the truck left at 4"
    for item, purpose in [("item2", "body"), ("item1", "name")]:
        with pytest.raises(envelopes.CannotOpen):
            envelopes.decrypt(key, item, purpose, ciphertext)
    tampered = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
    with pytest.raises(envelopes.CannotOpen):
        envelopes.decrypt(key, "item1", "body", tampered)


def test_public_keys_round_trip_through_their_stored_bytes() -> None:
    private = PrivateKey.generate()
    stored = private.public_key().raw
    assert len(stored) == PUBLIC_KEY_BYTES == 1184 + 32
    rebuilt = PublicKey(stored)
    sealed = envelopes.seal(b"s" * 32, rebuilt, "x", "y")
    assert envelopes.open_sealed(sealed, PrivateKey(private.raw), "x", "y") == b"s" * 32
