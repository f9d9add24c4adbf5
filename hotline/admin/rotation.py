"""Queue key rotation.

Revoking deletes an officer's sealed copy of the queue key, but they may have
kept the key itself (it sat in their session). Rotation makes that copy
worthless from now on:

1. a fresh key pair replaces the queue's; ``key_generation`` goes up by one;
2. every data key sealed to ``queue:<slug>`` is opened with the old key and
   sealed to the new public key, in chunks (old cases stay readable to the
   queue, and nothing in the database opens with the old key any more);
3. the new private key is sealed to the recovery public key, and to every
   remaining designation that held the old generation. Sealing needs only the
   officer's *public* key, which the database holds, so no officer loses
   access through rotation itself. Pass ``reapprove=True`` (CLI:
   ``--reapprove``) when it is unclear whom to trust: then every designation
   except ``keep_officer_ids`` becomes pending (sealed copy cleared,
   ``key_generation`` set to the new one) and an administrator who holds the
   new key must approve each again in the desk;
4. designations already pending, or sealed to an older generation, stay
   pending; those of deactivated officers become pending.

Officers' live sessions still carry the old key, which now opens nothing: the
callers end those sessions so the next sign-in unseals the new key.

What rotation does not do: re-encrypt item bodies. A person who held the old
queue key and used it could already read those items; what rotation denies
them is every item and every copy of the key the database holds from now on
(an old backup still opens with the old key: keep backups no longer than the
retention period).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.admin.designations import NoQueueKey, recovery_public_key
from hotline.admin.service import UnknownQueue
from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Designation, Queue, SealedKey
from hotline.sealing import trust
from hotline.sealing.items import open_sealed_key, reseal
from hotline.sealing.queue_keys import seal_for_officer, seal_queue_key
from hotline.sealing.recipients import queue_recipient

#: Sealed keys re-sealed per database round trip during rotation.
ROTATION_CHUNK = 500
#: Called with the number of items re-sealed so far (a progress bar).
Progress = Callable[[int], None]


@dataclass(repr=False)
class Rotation:
    """The outcome of :func:`rotate_queue`, and what :func:`catch_up_rotation` needs.

    It holds both queue keys in memory for the catch-up pass; drop it after.
    """

    queue_slug: str
    generation: int
    resealed_items: int
    resealed_designations: list[int]
    pending_designations: list[int]
    #: Officers designated to the queue: their sessions hold the old key.
    affected_officers: list[int]
    old_key: PrivateKey
    new_key: PrivateKey
    processed: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        return f"Rotation({self.queue_slug}, generation={self.generation})"


def count_sealed_to(session: Session, queue_slug: str) -> int:
    """How many data keys are sealed to a queue (the length of a progress bar)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SealedKey)
            .where(SealedKey.recipient == queue_recipient(queue_slug))
        )
        or 0
    )


def rotate_queue(
    session: Session,
    queue: Queue,
    old_private_key: PrivateKey,
    progress: Progress | None = None,
    *,
    audit_key: bytes,
    actor: str,
    reapprove: bool = False,
    keep_officer_ids: Collection[int] = (),
) -> Rotation:
    """Give ``queue`` a new key pair and re-seal everything sealed to the old one.

    Runs in the caller's transaction, so it is all or nothing: a failure part
    way leaves the old key in force. ``progress`` is called with the number of
    sealed keys just re-sealed. After committing, call :func:`catch_up_rotation`.
    See the module docstring for what happens to designations.
    """
    # Lock the queue row: two rotations at once would each seal to a key the
    # other throws away.
    locked = session.scalar(
        select(Queue)
        .where(Queue.slug == queue.slug)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise UnknownQueue(f"There is no queue {queue.slug!r}.")
    queue = locked
    if old_private_key.public_key() != PublicKey(queue.public_key):
        raise NoQueueKey(f"the key given is not the current key of queue {queue.slug}")

    old_generation = queue.key_generation
    designations = list(
        session.scalars(select(Designation).where(Designation.queue_slug == queue.slug))
    )
    # Which designations held the key being replaced, decided before the
    # generation changes.
    held_old = {
        d.id: d.sealed_queue_key is not None and d.key_generation == old_generation
        for d in designations
    }

    new_key = PrivateKey.generate()
    new_public = new_key.public_key()
    queue.key_generation = old_generation + 1
    queue.public_key = new_public.raw
    trust.tag(session, queue)
    queue.sealed_to_recovery = seal_queue_key(queue, new_key, recovery_public_key(session))

    processed: set[str] = set()
    recipient = queue_recipient(queue.slug)
    cursor = ""
    while True:
        chunk = list(
            session.scalars(
                select(SealedKey)
                .where(SealedKey.recipient == recipient, SealedKey.item_id > cursor)
                .order_by(SealedKey.item_id)
                .limit(ROTATION_CHUNK)
            )
        )
        if not chunk:
            break
        for row in chunk:
            reseal(row, old_private_key, new_public)
            processed.add(row.item_id)
        cursor = chunk[-1].item_id
        session.flush()
        for row in chunk:
            # Keep memory flat on queues with 100,000 items.
            session.expunge(row)
        if progress is not None:
            progress(len(chunk))

    resealed: list[int] = []
    pending: list[int] = []
    for designation in designations:
        keep = not reapprove or designation.officer_id in keep_officer_ids
        # An officer whose personal key fails its tag is left pending (and alarmed).
        if (
            held_old[designation.id]
            and designation.officer.active
            and keep
            and trust.check(session, designation.officer)
        ):
            designation.sealed_queue_key = seal_for_officer(
                session, queue, new_key, designation.officer
            )
            designation.key_generation = queue.key_generation
            resealed.append(designation.officer_id)
        else:
            # Pending: an administrator holding the new key approves it, or not.
            designation.sealed_queue_key = None
            designation.key_generation = queue.key_generation
            pending.append(designation.officer_id)

    record(
        session,
        audit_key,
        actor=actor,
        action="queue.rotated",
        subject=queue.slug,
        detail=(
            f"generation {queue.key_generation}; {len(processed)} sealed keys re-sealed; "
            f"{len(resealed)} designations re-sealed; {len(pending)} pending"
        ),
    )
    session.flush()
    return Rotation(
        queue_slug=queue.slug,
        generation=queue.key_generation,
        resealed_items=len(processed),
        resealed_designations=sorted(resealed),
        pending_designations=sorted(pending),
        affected_officers=sorted({d.officer_id for d in designations}),
        old_key=old_private_key,
        new_key=new_key,
        processed=processed,
    )


def catch_up_rotation(session: Session, rotation: Rotation) -> int:
    """Re-seal items filed *during* the rotation with the old public key.

    A channel filing while the rotation ran may have read the old public key
    before the rotation committed; its sealed keys then open only with the old
    key. Run this in a new transaction after the rotation's commit: it looks
    only at items the rotation did not process, so it is quick.
    """
    recipient = queue_recipient(rotation.queue_slug)
    ids = set(session.scalars(select(SealedKey.item_id).where(SealedKey.recipient == recipient)))
    fresh = sorted(ids - rotation.processed)
    new_public = rotation.new_key.public_key()
    fixed = 0
    for start in range(0, len(fresh), ROTATION_CHUNK):
        rows = session.scalars(
            select(SealedKey).where(
                SealedKey.recipient == recipient,
                SealedKey.item_id.in_(fresh[start : start + ROTATION_CHUNK]),
            )
        )
        for row in rows:
            try:
                open_sealed_key(row, rotation.new_key)
            except CannotOpen:
                reseal(row, rotation.old_key, new_public)
                fixed += 1
            rotation.processed.add(row.item_id)
    session.flush()
    return fixed
