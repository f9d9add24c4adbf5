"""Designations: the recorded act that gives an officer a queue's private key.

A queue's private key exists only sealed: to each designated officer's personal
key, and to the recovery key. Designating therefore needs someone who holds the
queue key (a designated administrator in the desk, or the recovery words);
without one the designation stays pending, and the officer sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Designation, InstanceKey, Officer, Queue
from hotline.sealing import trust
from hotline.sealing.queue_keys import open_queue_key, seal_for_officer, seal_queue_key

RECOVERY = "recovery"


class QueueForbidden(PermissionError):
    """The officer is not designated to this queue (or it is still pending)."""


class NoQueueKey(Exception):
    """Nobody at hand holds this queue's private key."""


def recovery_public_key(session: Session) -> PublicKey:
    row = session.get(InstanceKey, RECOVERY)
    if row is None:
        raise NoQueueKey("the instance has no recovery key; run `hotline init`")
    trust.require(session, row)
    return PublicKey(row.public_key)


def create_queue(
    session: Session, slug: str, name: str, *, is_custodian: bool = False
) -> tuple[Queue, PrivateKey]:
    queue_key = PrivateKey.generate()
    queue = Queue(
        slug=slug,
        name=name,
        is_custodian=is_custodian,
        public_key=queue_key.public_key().raw,
        key_generation=1,
        sealed_to_recovery=b"",
    )
    queue.sealed_to_recovery = seal_queue_key(queue, queue_key, recovery_public_key(session))
    trust.tag(session, queue)
    session.add(queue)
    return queue, queue_key


def queue_key_from_recovery(queue: Queue, recovery_key: PrivateKey) -> PrivateKey:
    try:
        return open_queue_key(queue, queue.sealed_to_recovery, recovery_key)
    except CannotOpen:
        raise NoQueueKey(f"the recovery words do not open queue {queue.slug}") from None


def designate(
    session: Session,
    officer: Officer,
    queue: Queue,
    *,
    queue_key: PrivateKey | None,
    by: Officer | None,
) -> Designation:
    """Designate ``officer`` to ``queue``; pending unless ``queue_key`` is at hand."""
    designation = session.scalar(
        select(Designation).where(
            Designation.officer_id == officer.id, Designation.queue_slug == queue.slug
        )
    )
    if designation is None:
        designation = Designation(officer_id=officer.id, queue_slug=queue.slug)
        session.add(designation)
    designation.designated_by = by.id if by else None
    if queue_key is not None:
        designation.sealed_queue_key = seal_for_officer(session, queue, queue_key, officer)
        designation.key_generation = queue.key_generation
    session.flush()
    return designation


@dataclass(frozen=True, repr=False)
class QueueKeys:
    """The queue private keys an unlocked officer holds, by queue slug."""

    keys: dict[str, PrivateKey]

    def __repr__(self) -> str:
        return f"QueueKeys({sorted(self.keys)})"


def unseal_designations(session: Session, officer: Officer, private_key: PrivateKey) -> QueueKeys:
    keys: dict[str, PrivateKey] = {}
    rows = session.scalars(
        select(Designation).where(
            Designation.officer_id == officer.id, Designation.sealed_queue_key.is_not(None)
        )
    )
    for designation in rows:
        queue = designation.queue
        if (
            designation.key_generation != queue.key_generation
            or designation.sealed_queue_key is None
        ):
            continue  # sealed to a rotated-away key: needs re-designation
        try:
            keys[queue.slug] = open_queue_key(queue, designation.sealed_queue_key, private_key)
        except CannotOpen:
            continue
    return QueueKeys(keys)
