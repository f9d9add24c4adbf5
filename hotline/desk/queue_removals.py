"""Four eyes on removing a queue the policy routed a case to.

``desk.rerouting.reroute`` files the request (a ``QueueRemoval``); here it is
decided: approved by an officer holding another queue the policy chose for
the case (:func:`may_approve`), or by an administrator who reads nothing of
the case; refused by any officer of the case, or withdrawn by the requester.
Approving removes the queue as an immediate removal would, shredding its keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.service import Acting
from hotline.audit import record
from hotline.desk.access import CaseForbidden, Handler, open_case
from hotline.desk.errors import CaseRefused
from hotline.desk.rerouting import Rerouted, forget_assignee_without_access, remove_queues
from hotline.models import Disclosure, Officer, QueueRemoval
from hotline.procedure import RefusalReason


@dataclass(frozen=True)
class WaitingRemoval:
    """A removal request as the administrators' page lists it (no case content)."""

    id: int
    reference: str
    queue_slug: str
    #: The requester's username, and their id.
    requested_by: str
    requester_id: int
    #: The case's queues the requester held when asking (``QueueRemoval``).
    requested_through: str
    requested_on: dt.date


def decide_removal(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    reference: str,
    queue_slug: str,
    *,
    approve: bool,
) -> Rerouted:
    """Approve or refuse a waiting removal, as an officer of the case.

    Approving takes :func:`may_approve`; refusing, any officer of the case; the
    requester may only withdraw (refuse) their own request.
    """
    access = open_case(session, handler, reference, for_update=True)
    disclosure = access.disclosure
    removal = _waiting(session, disclosure.id, queue_slug)
    if approve:
        if removal.requested_by == handler.officer_id:
            raise CaseRefused(RefusalReason.OWN_REMOVAL, "another officer must approve")
        if not may_approve(
            disclosure,
            removal.requested_by,
            removal.requested_through,
            handler.officer_id,
            access.queues,
        ):
            raise CaseRefused(RefusalReason.SAME_QUEUES, "an officer of another queue must approve")
    return _decide(session, audit_key, handler.actor, disclosure, removal, approve=approve)


def decide_removal_as_administrator(
    session: Session,
    audit_key: bytes,
    administrator: Acting,
    removal_id: int,
    *,
    approve: bool,
) -> str:
    """Approve or refuse a waiting removal from the administrators' page.

    An administrator needs no key of the case for this (shredding only deletes)
    and reads nothing of it. Returns the case reference.
    """
    if not administrator.is_admin:
        raise CaseForbidden
    removal = session.get(QueueRemoval, removal_id)
    if removal is None:
        raise CaseRefused(RefusalReason.NO_REMOVAL, "no such removal waits")
    disclosure = session.scalar(
        select(Disclosure).where(Disclosure.id == removal.disclosure_id).with_for_update()
    )
    removal = session.get(QueueRemoval, removal_id, populate_existing=True)
    if disclosure is None or removal is None:
        raise CaseRefused(RefusalReason.NO_REMOVAL, "no such removal waits")
    if approve and removal.requested_by == administrator.officer_id:
        raise CaseRefused(RefusalReason.OWN_REMOVAL, "another officer must approve")
    _decide(session, audit_key, administrator.actor, disclosure, removal, approve=approve)
    return disclosure.reference


def waiting_removals(session: Session, disclosure_id: str | None = None) -> list[WaitingRemoval]:
    """Removals that wait for a decision, oldest first (of one case, or of all)."""
    query = (
        select(QueueRemoval, Disclosure.reference, Officer.username)
        .join(Disclosure, Disclosure.id == QueueRemoval.disclosure_id)
        .join(Officer, Officer.id == QueueRemoval.requested_by)
        .order_by(QueueRemoval.requested_on, QueueRemoval.id)
    )
    if disclosure_id is not None:
        query = query.where(QueueRemoval.disclosure_id == disclosure_id)
    return [
        WaitingRemoval(
            r.id,
            reference,
            r.queue_slug,
            username,
            r.requested_by,
            r.requested_through,
            r.requested_on,
        )
        for r, reference, username in session.execute(query)
    ]


def may_approve(
    disclosure: Disclosure,
    requester_id: int,
    requested_through: str,
    officer_id: int,
    officer_queues: Collection[str],
) -> bool:
    """Four eyes: not the requester, and through a queue the policy chose that the
    requester did not act through (a queue added by rerouting could be a friendly
    unit the requester brought in to approve)."""
    chosen_by_policy = {q.queue_slug for q in disclosure.queues if q.routed_by_policy}
    through = set(requested_through.split(","))
    return officer_id != requester_id and bool((set(officer_queues) & chosen_by_policy) - through)


@dataclass(frozen=True)
class RemovalEntry:
    """A waiting removal as the case page shows it to one officer."""

    queue_slug: str
    requested_by: str
    requested_on: dt.date
    #: This officer asked for it: they may withdraw it, not approve it.
    mine: bool
    #: :func:`may_approve`: another officer, through another policy-chosen queue.
    may_approve: bool


def removals_seen_by(
    session: Session, disclosure: Disclosure, officer_id: int, officer_queues: Collection[str]
) -> tuple[RemovalEntry, ...]:
    """The case's waiting removals, with what this officer may do about each."""
    return tuple(
        RemovalEntry(
            queue_slug=r.queue_slug,
            requested_by=r.requested_by,
            requested_on=r.requested_on,
            mine=r.requester_id == officer_id,
            may_approve=may_approve(
                disclosure, r.requester_id, r.requested_through, officer_id, officer_queues
            ),
        )
        for r in waiting_removals(session, disclosure.id)
    )


def _waiting(session: Session, disclosure_id: str, queue_slug: str) -> QueueRemoval:
    removal = session.scalar(
        select(QueueRemoval).where(
            QueueRemoval.disclosure_id == disclosure_id, QueueRemoval.queue_slug == queue_slug
        )
    )
    if removal is None:
        raise CaseRefused(RefusalReason.NO_REMOVAL, "no such removal waits")
    return removal


def _decide(
    session: Session,
    audit_key: bytes,
    actor: str,
    disclosure: Disclosure,
    removal: QueueRemoval,
    *,
    approve: bool,
) -> Rerouted:
    slug = removal.queue_slug
    requester = session.get(Officer, removal.requested_by)
    asked_by = requester.username if requester is not None else str(removal.requested_by)
    current = set(disclosure.queue_slugs)
    if approve:
        if slug in current and not current - {slug}:
            raise CaseRefused(RefusalReason.NO_QUEUE_LEFT, "a case must stay in at least one queue")
        remove_queues(session, disclosure, {slug} & current)
        current.discard(slug)
    session.delete(removal)
    session.flush()
    forget_assignee_without_access(session, disclosure)
    record(
        session,
        audit_key,
        actor=actor,
        action="case.removal_approved" if approve else "case.removal_refused",
        subject=disclosure.reference,
        detail=f"queue={slug}; requested_by={asked_by}",
    )
    session.flush()
    return Rerouted(tuple(sorted(current)))
