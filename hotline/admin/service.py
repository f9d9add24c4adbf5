"""Administration of the officer desk: officers, designations, revocation.

Rotation of queue keys lives in :mod:`hotline.admin.rotation`.

Who may hand out a queue key is decided by cryptography before policy: a queue's
private key exists only sealed (to designated officers and to the recovery
key), so only someone who *holds* it can seal it to another officer. Here that
is an administrator whose desk session carries the queue's current key, the
``hotline`` CLI given the recovery words, or a rotation that has just made the
new key. Every act is written to the audit trail.

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.admin.designations import (
    designate,
    queue_key_from_recovery,
)
from hotline.audit import record
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Designation, Officer, Queue


class AdministrationError(Exception):
    """An administrative act was refused; the message says why, for the admin."""


class NotAdministrator(AdministrationError, PermissionError):
    """Only administrators manage officers and designations."""


class QueueNotHeld(AdministrationError, PermissionError):
    """The acting officer does not hold this queue's current key, so cannot pass it on."""


class UnknownOfficer(AdministrationError, LookupError):
    pass


class UnknownQueue(AdministrationError, LookupError):
    pass


class UnknownDesignation(AdministrationError, LookupError):
    pass


class CannotDeactivate(AdministrationError, ValueError):
    """Deactivating this officer would lock the desk (yourself, the last administrator)."""


class Acting(Protocol):
    """The signed-in officer doing something (``auth.session.OfficerContext`` fits)."""

    @property
    def officer_id(self) -> int: ...

    @property
    def is_admin(self) -> bool: ...

    @property
    def actor(self) -> str: ...

    @property
    def queue_keys(self) -> Mapping[str, PrivateKey]: ...


# --- reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class DesignationRow:
    id: int
    queue_slug: str
    queue_name: str
    #: "active" (holds the current key), "pending" (waits for approval).
    state: str
    designated_by: str | None
    created_on: dt.date

    @property
    def pending(self) -> bool:
        return self.state == "pending"


@dataclass(frozen=True)
class OfficerRow:
    id: int
    username: str
    is_admin: bool
    active: bool
    has_email: bool
    designations: tuple[DesignationRow, ...]


@dataclass(frozen=True)
class QueueRow:
    slug: str
    name: str
    is_custodian: bool
    key_generation: int
    holders: int


def is_current(designation: Designation) -> bool:
    """The designation holds a copy of the queue's *current* key.

    A copy sealed to an older generation opens nothing new, so it counts as
    pending: it needs approval by someone who holds the current key.
    """
    return (
        designation.sealed_queue_key is not None
        and designation.key_generation == designation.queue.key_generation
    )


def list_officers(session: Session) -> list[OfficerRow]:
    officers = list(session.scalars(select(Officer).order_by(Officer.username)))
    names = {o.id: o.username for o in officers}
    rows = []
    for officer in officers:
        designations = sorted(officer.designations, key=lambda d: d.queue_slug)
        rows.append(
            OfficerRow(
                id=officer.id,
                username=officer.username,
                is_admin=officer.is_admin,
                active=officer.active,
                has_email=bool(officer.email),
                designations=tuple(
                    DesignationRow(
                        id=d.id,
                        queue_slug=d.queue_slug,
                        queue_name=d.queue.name,
                        state="active" if is_current(d) else "pending",
                        designated_by=names.get(d.designated_by) if d.designated_by else None,
                        created_on=d.created_on,
                    )
                    for d in designations
                ),
            )
        )
    return rows


def list_queues(session: Session) -> list[QueueRow]:
    queues = list(session.scalars(select(Queue).order_by(Queue.is_custodian, Queue.slug)))
    holders: dict[str, int] = {}
    for designation in session.scalars(
        select(Designation).where(Designation.sealed_queue_key.is_not(None))
    ):
        if is_current(designation):
            holders[designation.queue_slug] = holders.get(designation.queue_slug, 0) + 1
    return [
        QueueRow(q.slug, q.name, q.is_custodian, q.key_generation, holders.get(q.slug, 0))
        for q in queues
    ]


def pending_designations(session: Session) -> list[Designation]:
    rows = session.scalars(select(Designation).order_by(Designation.queue_slug, Designation.id))
    return [d for d in rows if not is_current(d)]


# --- designating -----------------------------------------------------------------


def _require_admin(by: Acting) -> None:
    if not by.is_admin:
        raise NotAdministrator("Only administrators manage designations.")


def _queue(session: Session, slug: str) -> Queue:
    queue = session.get(Queue, slug)
    if queue is None:
        raise UnknownQueue(f"There is no queue {slug!r}.")
    return queue


def _officer(session: Session, officer_id: int) -> Officer:
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise UnknownOfficer(f"There is no officer {officer_id}.")
    return officer


def held_queue_key(queue: Queue, keys: Mapping[str, PrivateKey]) -> PrivateKey:
    """The acting officer's key for ``queue``, if it is the queue's *current* key.

    A key from before a rotation would be sealed under the new generation's
    label yet open nothing new: refuse it rather than hand out a dead key.
    """
    key = keys.get(queue.slug)
    if key is None:
        raise QueueNotHeld(
            f"You are not designated to {queue.name}: only someone who holds its key can "
            "designate to it."
        )
    if key.public_key() != PublicKey(queue.public_key):
        raise QueueNotHeld(
            f"The key of {queue.name} changed since you signed in. Sign in again, then retry."
        )
    return key


def designate_officer(
    session: Session, by: Acting, *, officer_id: int, queue_slug: str, audit_key: bytes
) -> Designation:
    """Designate an officer to a queue, sealing the queue key from ``by``'s session."""
    _require_admin(by)
    queue = _queue(session, queue_slug)
    officer = _officer(session, officer_id)
    if not officer.active:
        raise UnknownOfficer(f"{officer.username} is deactivated.")
    queue_key = held_queue_key(queue, by.queue_keys)
    acting = session.get(Officer, by.officer_id)
    designation = designate(session, officer, queue, queue_key=queue_key, by=acting)
    record(
        session,
        audit_key,
        actor=by.actor,
        action="designation.made",
        subject=f"{officer.username}→{queue.slug}",
    )
    return designation


def approve_designation(
    session: Session, by: Acting, *, designation_id: int, audit_key: bytes
) -> Designation:
    """Complete a pending designation (from ``hotline officer add`` without the
    recovery words, or left pending by a rotation)."""
    _require_admin(by)
    designation = session.get(Designation, designation_id)
    if designation is None:
        raise UnknownDesignation("That designation no longer exists.")
    if is_current(designation):
        return designation
    officer = designation.officer
    if not officer.active:
        raise UnknownOfficer(f"{officer.username} is deactivated.")
    queue_key = held_queue_key(designation.queue, by.queue_keys)
    acting = session.get(Officer, by.officer_id)
    designate(session, officer, designation.queue, queue_key=queue_key, by=acting)
    record(
        session,
        audit_key,
        actor=by.actor,
        action="designation.approved",
        subject=f"{officer.username}→{designation.queue_slug}",
    )
    return designation


@dataclass(frozen=True)
class Revoked:
    officer_id: int
    username: str
    queue_slug: str
    queue_name: str
    #: The officer held the key (not merely pending): rotation is worth offering.
    held_key: bool


def revoke_designation(
    session: Session, by: Acting, *, designation_id: int, audit_key: bytes
) -> Revoked:
    """Delete the designation and with it the officer's sealed copy of the queue key.

    The caller ends the officer's sessions (their session holds the unsealed
    key). Revoking needs no key, so any administrator may do it.
    """
    _require_admin(by)
    designation = session.get(Designation, designation_id)
    if designation is None:
        raise UnknownDesignation("That designation no longer exists.")
    revoked = Revoked(
        officer_id=designation.officer_id,
        username=designation.officer.username,
        queue_slug=designation.queue_slug,
        queue_name=designation.queue.name,
        held_key=designation.sealed_queue_key is not None,
    )
    session.delete(designation)
    record(
        session,
        audit_key,
        actor=by.actor,
        action="designation.revoked",
        subject=f"{revoked.username}→{revoked.queue_slug}",
    )
    session.flush()
    return revoked


def deactivate_officer(
    session: Session, by: Acting, *, officer_id: int, audit_key: bytes
) -> tuple[Officer, list[str]]:
    """Stop an officer signing in and delete every sealed copy of a queue key
    they held. Returns the officer and the queues they held (to offer rotation).

    The caller ends their sessions. Designations are deleted rather than left
    pending, so that nobody approves them back by mistake.
    """
    _require_admin(by)
    officer = _officer(session, officer_id)
    if officer.id == by.officer_id:
        raise CannotDeactivate("You cannot deactivate yourself.")
    if officer.is_admin:
        admins = session.scalar(
            select(func.count())
            .select_from(Officer)
            .where(Officer.is_admin.is_(True), Officer.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise CannotDeactivate("This is the last active administrator.")
    held = sorted(d.queue_slug for d in officer.designations if d.sealed_queue_key is not None)
    for designation in list(officer.designations):
        session.delete(designation)
    officer.active = False
    record(
        session,
        audit_key,
        actor=by.actor,
        action="officer.deactivated",
        subject=officer.username,
        detail=f"designations removed: {', '.join(held) or 'none'}",
    )
    session.flush()
    return officer, held


def recover_queue(
    session: Session,
    *,
    queue_slug: str,
    username: str,
    recovery_key: PrivateKey,
    audit_key: bytes,
    actor: str = "cli",
) -> Designation:
    """Seal a queue's key, opened with the recovery key, to a named officer.

    For when everyone who held the queue lost access (forgotten passwords,
    departures): the recovery words stand in for a designated administrator.
    """
    queue = _queue(session, queue_slug)
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None:
        raise UnknownOfficer(f"There is no officer {username!r}.")
    if not officer.active:
        raise UnknownOfficer(f"{username} is deactivated.")
    queue_key = queue_key_from_recovery(queue, recovery_key)
    designation = designate(session, officer, queue, queue_key=queue_key, by=None)
    record(
        session,
        audit_key,
        actor=actor,
        action="designation.recovered",
        subject=f"{username}→{queue_slug}",
    )
    return designation
