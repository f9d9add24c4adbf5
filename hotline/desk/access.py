"""Who may open a case: the need-to-know rule, checked twice.

A case is open to an officer only when it is routed to a queue for which
(1) the officer's session holds the queue's private key, and (2) the database
still records a live designation of that officer to that queue (not pending,
sealed for the queue's current key generation, officer active). The first
alone would let a session outlive a revoked designation; the second alone
would not prove the officer can actually read the case. Every service of the
desk goes through :func:`open_case`, so none can forget the check.

A reference that does not exist gets the same answer as a case of another
queue, so the desk cannot be used to find out which references exist.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import QueueForbidden
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.signing import SigningKey
from hotline.models import Designation, Disclosure, DisclosureQueue, Officer, Queue
from hotline.references import normalise_reference
from hotline.sealing.recipients import queue_openers


class Handler(Protocol):
    """The signed-in officer as services need them (``auth.session.OfficerContext``)."""

    @property
    def officer_id(self) -> int: ...

    @property
    def actor(self) -> str: ...

    @property
    def queue_keys(self) -> Mapping[str, PrivateKey]: ...

    @property
    def signing_key(self) -> SigningKey | None: ...


class CaseForbidden(QueueForbidden):
    """The case does not exist or is not routed to any queue of this officer.

    Deliberately the same exception for both, and without details.
    """


@dataclass(frozen=True, repr=False)
class CaseAccess:
    """An opened case: the disclosure, and the officer's keys that may read it."""

    disclosure: Disclosure
    #: The case's queues that this officer holds, sorted.
    queues: tuple[str, ...]
    #: Recipient name → queue private key, only for those queues.
    keys: Mapping[str, PrivateKey]

    def __repr__(self) -> str:
        return f"CaseAccess({self.disclosure.reference}, queues={list(self.queues)})"


def designated_queues(session: Session, handler: Handler) -> set[str]:
    """The officer's session queues that the database still backs with a designation."""
    officer = session.get(Officer, handler.officer_id)
    if officer is None or not officer.active:
        return set()
    live = session.scalars(
        select(Designation.queue_slug)
        .join(Queue, Queue.slug == Designation.queue_slug)
        .where(
            Designation.officer_id == officer.id,
            Designation.sealed_queue_key.is_not(None),
            Designation.key_generation == Queue.key_generation,
            # The custodian register is never a case queue; its key opens no case.
            Queue.is_custodian.is_(False),
        )
    )
    return set(live) & set(handler.queue_keys)


def assignable_officers(session: Session, queue_slugs: Collection[str]) -> list[Officer]:
    """Active officers with a live designation to at least one of these queues."""
    if not queue_slugs:
        return []
    designated = (
        select(Designation.officer_id)
        .join(Queue, Queue.slug == Designation.queue_slug)
        .where(
            Designation.queue_slug.in_(list(queue_slugs)),
            Designation.sealed_queue_key.is_not(None),
            Designation.key_generation == Queue.key_generation,
        )
    )
    return list(
        session.scalars(
            select(Officer)
            .where(Officer.active.is_(True), Officer.id.in_(designated))
            .order_by(Officer.username)
        )
    )


def open_case(
    session: Session, handler: Handler, reference: str, *, for_update: bool = False
) -> CaseAccess:
    """The case behind ``reference``, if this officer may open it.

    With ``for_update`` the disclosure row is locked (PostgreSQL) so that two
    officers changing the same case do not interleave.
    """
    query = select(Disclosure).where(Disclosure.reference == normalise_reference(reference))
    if for_update:
        query = query.with_for_update()
    disclosure = session.scalar(query)
    if disclosure is None:
        raise CaseForbidden
    routed = set(
        session.scalars(
            select(DisclosureQueue.queue_slug).where(DisclosureQueue.disclosure_id == disclosure.id)
        )
    )
    shared = sorted(routed & designated_queues(session, handler))
    if not shared:
        raise CaseForbidden
    return CaseAccess(
        disclosure=disclosure,
        queues=tuple(shared),
        keys=queue_openers({slug: handler.queue_keys[slug] for slug in shared}),
    )


def visible_ids(session: Session, queues: Collection[str], ids: Collection[str]) -> set[str]:
    """Those of ``ids`` that are routed to at least one of ``queues``."""
    if not ids or not queues:
        return set()
    return set(
        session.scalars(
            select(DisclosureQueue.disclosure_id).where(
                DisclosureQueue.disclosure_id.in_(list(ids)),
                DisclosureQueue.queue_slug.in_(list(queues)),
            )
        )
    )
