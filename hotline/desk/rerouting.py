"""Rerouting a case to other queues, and re-sealing it for them.

A queue reads a case only through the data keys sealed to it, so adding a
queue means opening every item's data key (with the rerouting officer's key
of a queue the case is already in) and sealing it to the new queue's public
key; removing a queue shreds the data keys sealed to it (``sealing.shredding``:
gone from the database files, not only from the table), after which its key
opens nothing of the case (crypto-shredding for that queue).

Removing a queue the policy routed the case to moves oversight, so it takes
four eyes: the request waits (``QueueRemoval``) until an officer holding
another queue the policy routed the case to (one the requester did not act
through; the removed queue itself counts: its unit may consent), or an
administrator, approves it (``desk.queue_removals``); until then the queue
keeps reading the case.
Queues an officer added by rerouting go as they came, at once, and give no
say in a removal: otherwise an officer could bring in a friendly unit to
approve it.

Rerouting never reaches a queue the reporter excluded (the unit the report
concerns), never the custodian (the codename register), and never leaves a
case without a queue. Everything happens in one transaction: either every
item is re-sealed and the routing changed, or nothing is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey
from hotline.desk.access import Handler, assignable_officers, open_case
from hotline.desk.errors import CaseRefused
from hotline.models import Disclosure, DisclosureQueue, Queue, QueueRemoval, SealedKey
from hotline.notifications.outbox import APPROVAL_WAITING, NEW_CASE, enqueue_for_queues
from hotline.procedure import RefusalReason
from hotline.sealing import recipients as readers
from hotline.sealing.items import open_sealed_key, seal_data_key
from hotline.sealing.recipients import queue_recipient
from hotline.sealing.shredding import shred


@dataclass(frozen=True)
class Rerouted:
    """What a reroute did: the case's queues now, and the removals that wait."""

    queues: tuple[str, ...]
    #: Policy-routed queues whose removal waits for a second officer.
    waiting: tuple[str, ...] = ()


def reroute(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    *,
    add: Collection[str] = (),
    remove: Collection[str] = (),
) -> Rerouted:
    """Add and remove queues of a case.

    Adding, and removing a queue an officer added, happen at once. Removing a
    queue the policy routed the case to only files a request: the queue keeps
    reading the case until a second officer approves (:func:`decide_removal`).
    """
    access = open_case(session, handler, reference, for_update=True)
    disclosure = access.disclosure
    current = set(disclosure.queue_slugs)
    adding = {slug for slug in add if slug} - current
    removing = {slug for slug in remove if slug}
    if not adding and not removing:
        raise CaseRefused(RefusalReason.NOTHING_TO_CHANGE, "choose a queue to add or to remove")
    if removing - current:
        raise CaseRefused(RefusalReason.NOT_ROUTED, "the case is not in that queue")
    waiting_already = set(
        session.scalars(
            select(QueueRemoval.queue_slug).where(QueueRemoval.disclosure_id == disclosure.id)
        )
    )
    if removing & waiting_already:
        raise CaseRefused(RefusalReason.REMOVAL_WAITING, "that removal already waits")
    excluded = set(disclosure.excluded_slugs)
    new_queues: dict[str, Queue] = {}
    for slug in sorted(adding):
        queue = session.get(Queue, slug)
        if queue is None:
            raise CaseRefused(RefusalReason.UNKNOWN_QUEUE, f"there is no queue {slug!r}")
        if queue.is_custodian:
            raise CaseRefused(RefusalReason.CUSTODIAN, "the codename register never receives cases")
        if slug in excluded:
            # The reporter said the report concerns this unit: it must never see it.
            raise CaseRefused(RefusalReason.EXCLUDED, f"the reporter excluded {slug}")
        new_queues[slug] = queue
    chosen_by_policy = {q.queue_slug for q in disclosure.queues if q.routed_by_policy}
    to_request = removing & chosen_by_policy
    at_once = removing - to_request
    remaining = (current - at_once) | adding
    if not remaining - to_request - waiting_already:
        # Counting every removal that waits: approving them all must leave a queue.
        raise CaseRefused(RefusalReason.NO_QUEUE_LEFT, "a case must stay in at least one queue")

    if new_queues:
        _reseal(session, access.disclosure.id, current, access.keys, new_queues)
    if at_once:
        remove_queues(session, disclosure, at_once)
    for slug in sorted(adding):
        disclosure.queues.append(DisclosureQueue(queue_slug=slug, routed_by_policy=False))
    session.flush()
    forget_assignee_without_access(session, disclosure)
    if adding:
        enqueue_for_queues(session, sorted(adding), NEW_CASE, disclosure.id)
    if adding or at_once:
        record(
            session,
            audit_key,
            actor=handler.actor,
            action="case.rerouted",
            subject=disclosure.reference,
            detail=f"added={','.join(sorted(adding))}; removed={','.join(sorted(at_once))}",
        )
    for slug in sorted(to_request):
        session.add(
            QueueRemoval(
                disclosure_id=disclosure.id,
                queue_slug=slug,
                requested_by=handler.officer_id,
                requested_through=",".join(access.queues),
            )
        )
        record(
            session,
            audit_key,
            actor=handler.actor,
            action="case.removal_requested",
            subject=disclosure.reference,
            detail=f"queue={slug}",
        )
    if to_request:
        # Four eyes: every other officer of the case hears that a decision waits.
        enqueue_for_queues(
            session,
            sorted(remaining),
            APPROVAL_WAITING,
            disclosure.id,
            except_officer=handler.officer_id,
        )
    session.flush()
    return Rerouted(tuple(sorted(remaining)), tuple(sorted(to_request)))


def remove_queues(session: Session, disclosure: Disclosure, slugs: Collection[str]) -> None:
    """Take queues off a case: their sealed keys are shredded, not only deleted."""
    if not slugs:
        return
    shred(
        session,
        (SealedKey.disclosure_id == disclosure.id)
        & SealedKey.recipient.in_([queue_recipient(s) for s in slugs]),
    )
    disclosure.queues = [q for q in disclosure.queues if q.queue_slug not in slugs]


def forget_assignee_without_access(session: Session, disclosure: Disclosure) -> None:
    """An assignee who can no longer open the case is no longer its assignee."""
    if disclosure.assigned_officer_id is not None and disclosure.assigned_officer_id not in {
        o.id for o in assignable_officers(session, disclosure.queue_slugs)
    }:
        disclosure.assigned_officer_id = None


def _reseal(
    session: Session,
    disclosure_id: str,
    current: set[str],
    officer_keys: Mapping[str, PrivateKey],
    new_queues: dict[str, Queue],
) -> None:
    """Seal the data key of every item the case's queues can read to the new queues.

    All data keys are opened before anything is written, so an item that this
    officer cannot open stops the reroute instead of leaving it half done.
    """
    rows = session.scalars(
        select(SealedKey).where(
            SealedKey.disclosure_id == disclosure_id,
            SealedKey.recipient.in_([queue_recipient(s) for s in current]),
        )
    )
    by_item: dict[str, list[SealedKey]] = defaultdict(list)
    for row in rows:
        by_item[row.item_id].append(row)
    opened: list[tuple[str, str, bytes]] = []
    for item_id, sealed in sorted(by_item.items()):
        data_key = None
        for row in sealed:
            private_key = officer_keys.get(row.recipient)
            if private_key is None:
                continue
            try:
                data_key = open_sealed_key(row, private_key)
                break
            except CannotOpen:
                continue
        if data_key is None:
            raise CaseRefused(
                RefusalReason.CANNOT_RESEAL,
                "an item of this case is sealed only to a queue you do not hold; "
                "an officer of that queue must reroute it",
            )
        opened.append((item_id, sealed[0].item_kind, data_key))
    recipients = readers.for_added_queues(session, new_queues.values())
    already = set(
        session.execute(
            select(SealedKey.item_id, SealedKey.recipient).where(
                SealedKey.disclosure_id == disclosure_id,
                SealedKey.recipient.in_(list(recipients)),
            )
        ).all()
    )
    for item_id, item_kind, data_key in opened:
        seal_data_key(
            session,
            disclosure_id=disclosure_id,
            item_id=item_id,
            item_kind=item_kind,
            data_key=data_key,
            recipients={r: k for r, k in recipients.items() if (item_id, r) not in already},
        )
