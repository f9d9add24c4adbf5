"""Queue private keys, sealed to the people who may hold them.

A queue's private key exists only sealed: to each designated officer's
personal public key, and to the recovery public key. Both are bound to the
queue and its key generation, so a copy moved to another queue, or left from
before a rotation, does not open as the current key.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.crypto import envelopes
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Officer, Queue
from hotline.sealing import trust

PURPOSE = "queue-key"


def _queue_key_id(slug: str, generation: int) -> str:
    return f"{slug}.{generation}"


def seal_queue_key(queue: Queue, queue_key: PrivateKey, recipient: PublicKey) -> bytes:
    """The queue key sealed to ``recipient`` (an officer's personal key or the recovery key)."""
    return envelopes.seal(
        queue_key.raw, recipient, _queue_key_id(queue.slug, queue.key_generation), PURPOSE
    )


def seal_for_officer(
    session: Session, queue: Queue, queue_key: PrivateKey, officer: Officer
) -> bytes:
    """A designation's copy: sealed to the officer's *personal* key, which only
    their password unwraps, once its tag holds (else refused and alarmed)."""
    trust.require(session, officer)
    return seal_queue_key(queue, queue_key, PublicKey(officer.public_key))


def open_queue_key(queue: Queue, sealed: bytes, private_key: PrivateKey) -> PrivateKey:
    return PrivateKey(
        envelopes.open_sealed(
            sealed, private_key, _queue_key_id(queue.slug, queue.key_generation), PURPOSE
        )
    )
