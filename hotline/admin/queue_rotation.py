"""Rotating a queue's key as one act, the way a person asks for it.

:mod:`hotline.admin.rotation` does the re-sealing; this module does the rest
of the act around it: find the old key, rotate, commit, catch up with items
filed meanwhile, commit again, and end the sessions that still hold the old
key. The desk's "rotate now" button calls :func:`rotate_held_queue`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.admin.rotation import Progress, Rotation, catch_up_rotation, rotate_queue
from hotline.admin.service import (
    Acting,
    NotAdministrator,
    UnknownQueue,
    held_queue_key,
)
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.sessions import SessionStore
from hotline.models import Queue


@dataclass(frozen=True, repr=False)
class Rotated:
    queue: Queue
    rotation: Rotation
    #: Data keys re-sealed, with those of items filed while the rotation ran.
    resealed_items: int

    def __repr__(self) -> str:
        return f"Rotated({self.rotation!r})"


def rotate_queue_key(
    session: Session,
    queue: Queue,
    old_key: PrivateKey,
    *,
    audit_key: bytes,
    actor: str,
    sessions: SessionStore,
    reapprove: bool = False,
    keep_officer_ids: Collection[int] = (),
    progress: Progress | None = None,
) -> Rotated:
    """Rotate ``queue`` from ``old_key`` and commit; see :func:`rotate_queue`.

    Commits twice: the rotation (all or nothing), then the catch-up pass,
    which must run after the rotation's commit. Raises ``NoQueueKey`` (the
    key is not the queue's current key) or ``UnknownQueue`` before anything
    is committed; the caller rolls back then.
    """
    rotation = rotate_queue(
        session,
        queue,
        old_key,
        progress,
        audit_key=audit_key,
        actor=actor,
        reapprove=reapprove,
        keep_officer_ids=keep_officer_ids,
    )
    session.commit()
    late = catch_up_rotation(session, rotation)
    session.commit()
    # Every session of this queue's officers holds the old key, which opens
    # nothing now; they sign in again.
    for officer_id in rotation.affected_officers:
        sessions.backend.delete_for_officer(officer_id)
    return Rotated(queue, rotation, rotation.resealed_items + late)


def rotate_held_queue(
    session: Session,
    by: Acting,
    *,
    queue_slug: str,
    reapprove: bool,
    audit_key: bytes,
    sessions: SessionStore,
) -> Rotated:
    """Rotate with the queue key in the administrator's desk session.

    The administrator keeps the new key even with ``reapprove``; every other
    officer of the queue is signed out (the caller opens the administrator a
    fresh session). Raises ``AdministrationError`` (not an administrator, no
    such queue, the key is not held) or ``NoQueueKey``.
    """
    if not by.is_admin:
        raise NotAdministrator("Only administrators rotate queue keys.")
    queue = session.get(Queue, queue_slug)
    if queue is None:
        raise UnknownQueue(f"There is no queue {queue_slug!r}.")
    old_key = held_queue_key(queue, by.queue_keys)
    return rotate_queue_key(
        session,
        queue,
        old_key,
        audit_key=audit_key,
        actor=by.actor,
        sessions=sessions,
        reapprove=reapprove,
        keep_officer_ids=[by.officer_id],
    )
