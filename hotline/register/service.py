"""The codename register: who a reporter is, released one recorded request at a time.

Contact details (anything that identifies a reporter) are sealed to the
custodian queue alone (``sealing.recipients.for_contact``): no receiving officer's key
opens them. An officer of the case asks with a reason; a custodian (an officer
designated to the custodian queue) approves or refuses. Approval opens the
contact details' data keys with the custodian key and seals them to the
requesting officer's *personal* public key, so only that officer, signed in,
can read them, and the custodian never needs to read them to approve.

The reason is sealed like a case item (``item_kind`` "request") to the
custodian and the case's queues (``sealing.releases``). Every request, decision and reading goes to
the audit trail with the case reference and request id only: never the reason
or the contact text, since the audit trail is readable by every administrator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.service import Acting, QueueNotHeld, held_queue_key
from hotline.audit import record
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.signing import SigningKey
from hotline.models import ContactDetail, ContactRequest, Disclosure, Officer, Queue, new_id, today
from hotline.notifications.outbox import REGISTER_WAITING, enqueue_for_queues
from hotline.procedure import RequestStatus
from hotline.sealing import decisions
from hotline.sealing.items import read_contact_with
from hotline.sealing.recipients import queue_openers
from hotline.sealing.releases import open_release, read_reason, seal_reason, seal_release
from hotline.sealing.trust import UntrustedKey

MAX_REASON_CHARS = 2_000


class RegisterError(Exception):
    """A register action was refused; the message is for the officer."""


class CaseNotVisible(RegisterError, PermissionError):
    """The case is not routed to any queue the officer holds (or does not exist)."""


class NotCustodian(RegisterError, PermissionError):
    """Only holders of the custodian key decide on requests."""


class OwnRequest(RegisterError, PermissionError):
    """A custodian cannot approve their own request: a second person must."""


class NoContactDetails(RegisterError, LookupError):
    """The register holds nothing for this case."""


class AlreadyRequested(RegisterError, ValueError):
    pass


class AlreadyDecided(RegisterError, ValueError):
    pass


class RequesterKeyTampered(RegisterError, ValueError):
    """The requester's public key fails its tag: nothing is released, the
    request stays pending, and the alarm (already in the session) must be
    committed."""


class UnknownRequest(RegisterError, LookupError):
    pass


class NotReleased(RegisterError, PermissionError):
    """The request is not approved, or not this officer's."""


class InvalidReason(RegisterError, ValueError):
    pass


@dataclass(frozen=True)
class RequestView:
    id: str
    reference: str
    requester: str
    requested_on: dt.date
    status: RequestStatus
    decided_by: str | None
    decided_on: dt.date | None
    #: The reason, when the viewer holds a key that opens it.
    reason: str | None
    #: False when the decision's signature fails: shown as unverified, never read.
    verified: bool = True


@dataclass(frozen=True, repr=False)
class ReleasedContact:
    kind: str
    text: str

    def __repr__(self) -> str:
        return f"ReleasedContact({self.kind}, …)"


def visible_case(session: Session, reference: str, queues: Sequence[str]) -> Disclosure:
    """The case, if it is routed to one of ``queues``: the need-to-know rule.

    An unknown reference and someone else's case look the same, so the answer
    is no oracle for which references exist.
    """
    disclosure = session.scalar(select(Disclosure).where(Disclosure.reference == reference))
    if disclosure is None or not set(disclosure.queue_slugs) & set(queues):
        raise CaseNotVisible(reference)
    return disclosure


def has_contact_details(session: Session, disclosure_id: str) -> bool:
    return (
        session.scalar(
            select(ContactDetail.id).where(ContactDetail.disclosure_id == disclosure_id).limit(1)
        )
        is not None
    )


def custodian_key(by: Acting, session: Session, custodian_slug: str) -> PrivateKey:
    """The custodian key from ``by``'s session, or :class:`NotCustodian`."""
    queue = session.get(Queue, custodian_slug)
    if queue is None:
        raise NotCustodian("There is no codename register on this instance.")
    try:
        return held_queue_key(queue, by.queue_keys)
    except QueueNotHeld as exc:
        raise NotCustodian(str(exc)) from None


def request_contact(
    session: Session,
    by: Acting,
    *,
    disclosure: Disclosure,
    reason: str,
    custodian_slug: str,
    audit_key: bytes,
) -> ContactRequest:
    """Ask the custodian for a case's contact details, giving a reason."""
    if not set(disclosure.queue_slugs) & set(by.queue_keys):
        raise CaseNotVisible(disclosure.reference)
    reason = reason.strip()
    if not reason:
        raise InvalidReason("Say why you need the reporter's contact details.")
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidReason(f"The reason is too long: at most {MAX_REASON_CHARS} characters.")
    if not has_contact_details(session, disclosure.id):
        raise NoContactDetails("The register holds no contact details for this case.")
    waiting = session.scalar(
        select(ContactRequest.id).where(
            ContactRequest.disclosure_id == disclosure.id,
            ContactRequest.officer_id == by.officer_id,
            ContactRequest.status == RequestStatus.PENDING,
        )
    )
    if waiting is not None:
        raise AlreadyRequested("You already have a request waiting for this case.")
    request = ContactRequest(
        id=new_id(),
        disclosure_id=disclosure.id,
        officer_id=by.officer_id,
        reason=b"",
        status=RequestStatus.PENDING,
    )
    # The custodian must read the reason to decide; the case's queues may read
    # it as part of the case. Nobody else: the reason may itself be revealing.
    seal_reason(session, request, disclosure, reason, custodian_slug=custodian_slug)
    session.add(request)
    enqueue_for_queues(
        session, [custodian_slug], REGISTER_WAITING, disclosure.id, except_officer=by.officer_id
    )
    record(
        session,
        audit_key,
        actor=by.actor,
        action="register.requested",
        subject=disclosure.reference,
        detail=f"request {request.id}",
    )
    session.flush()
    return request


def _views(
    session: Session, requests: Sequence[ContactRequest], keys: Mapping[str, PrivateKey]
) -> list[RequestView]:
    ids = {r.officer_id for r in requests} | {r.decided_by for r in requests if r.decided_by}
    names: dict[int, str] = {
        officer_id: username
        for officer_id, username in session.execute(
            select(Officer.id, Officer.username).where(Officer.id.in_(ids))
        )
    }
    references: dict[str, str] = {
        disclosure_id: reference
        for disclosure_id, reference in session.execute(
            select(Disclosure.id, Disclosure.reference).where(
                Disclosure.id.in_({r.disclosure_id for r in requests})
            )
        )
    }
    return [
        RequestView(
            id=r.id,
            reference=references.get(r.disclosure_id, ""),
            requester=names.get(r.officer_id, "?"),
            requested_on=r.requested_on,
            status=r.status,
            decided_by=names.get(r.decided_by) if r.decided_by else None,
            decided_on=r.decided_on,
            reason=read_reason(session, r, keys),
            verified=decisions.check_register(session, r),
        )
        for r in requests
    ]


def requests_for_case(session: Session, by: Acting, disclosure: Disclosure) -> list[RequestView]:
    """The signed-in officer's own requests for this case, newest first."""
    rows = list(
        session.scalars(
            select(ContactRequest)
            .where(
                ContactRequest.disclosure_id == disclosure.id,
                ContactRequest.officer_id == by.officer_id,
            )
            .order_by(ContactRequest.requested_on.desc(), ContactRequest.id)
        )
    )
    keys = queue_openers(by.queue_keys)
    return _views(session, rows, keys)


def custodian_requests(
    session: Session, by: Acting, *, custodian_slug: str, decided_limit: int = 50
) -> tuple[list[RequestView], list[RequestView]]:
    """Pending requests (oldest first) and the latest decisions, for a custodian."""
    key = custodian_key(by, session, custodian_slug)
    keys = queue_openers({custodian_slug: key})
    pending = list(
        session.scalars(
            select(ContactRequest)
            .where(ContactRequest.status == RequestStatus.PENDING)
            .order_by(ContactRequest.requested_on, ContactRequest.id)
        )
    )
    decided = list(
        session.scalars(
            select(ContactRequest)
            .where(ContactRequest.status != RequestStatus.PENDING)
            .order_by(ContactRequest.decided_on.desc(), ContactRequest.id)
            .limit(decided_limit)
        )
    )
    return _views(session, pending, keys), _views(session, decided, keys)


def decide(
    session: Session,
    by: Acting,
    *,
    request_id: str,
    approve: bool,
    custodian_slug: str,
    audit_key: bytes,
    signer: SigningKey | None,
) -> ContactRequest:
    """Approve (release the contact keys to the requester alone) or refuse,
    signed with the deciding custodian's ``signer``."""
    key = custodian_key(by, session, custodian_slug)
    if signer is None:
        raise NotCustodian("Sign out and in again: decisions are now signed.")
    request = session.get(ContactRequest, request_id)
    if request is None:
        raise UnknownRequest(request_id)
    if request.status != RequestStatus.PENDING:
        raise AlreadyDecided("This request was already decided.")
    if request.officer_id == by.officer_id:
        # Separation of duties: consulting the register takes two people.
        raise OwnRequest("Another custodian must decide on your own request.")
    disclosure = session.get(Disclosure, request.disclosure_id)
    requester = session.get(Officer, request.officer_id)
    if disclosure is None or requester is None:
        raise UnknownRequest(request_id)
    if approve:
        if not requester.active:
            raise AlreadyDecided(f"{requester.username} is deactivated.")
        contacts = session.scalars(
            select(ContactDetail).where(ContactDetail.disclosure_id == disclosure.id)
        )
        # Sealed to the requester's personal key, bound to this request: only
        # they can open it, and only as the answer to this request.
        try:
            request.sealed_for_requester = seal_release(
                session,
                request,
                contacts,
                requester,
                custodian_slug=custodian_slug,
                custodian_key=key,
            )
        except UntrustedKey as exc:
            session.flush()
            raise RequesterKeyTampered(
                f"{requester.username}'s public key was changed in the database: nothing "
                "was released, and the administrators are alarmed."
            ) from exc
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
    request.decided_by = by.officer_id
    request.decided_on = today()
    decisions.sign_register(request, signer)
    record(
        session,
        audit_key,
        actor=by.actor,
        action="register.approved" if approve else "register.refused",
        subject=disclosure.reference,
        detail=f"request {request.id} by {requester.username}",
    )
    session.flush()
    return request


def read_released(
    session: Session,
    by: Acting,
    *,
    disclosure: Disclosure,
    request_id: str,
    private_key: PrivateKey,
    audit_key: bytes,
) -> list[ReleasedContact]:
    """The contact details released to ``by`` for ``disclosure``; each reading is
    recorded."""
    request = session.get(ContactRequest, request_id)
    if (
        request is None
        or request.officer_id != by.officer_id
        or request.disclosure_id != disclosure.id
    ):
        raise NotReleased("This request is not yours.")
    if request.status != RequestStatus.APPROVED or request.sealed_for_requester is None:
        raise NotReleased("This request has not been approved.")
    if not decisions.check_register(session, request):
        # A forged approval releases nothing (the alarm stays: the caller commits).
        raise NotReleased("This approval is unverified and was reported to administrators.")
    try:
        released = open_release(request, request.sealed_for_requester, private_key)
    except CannotOpen:
        raise NotReleased("Your key does not open this release.") from None
    contacts = []
    for contact_id, data_key in released.items():
        contact = session.get(ContactDetail, contact_id)
        if contact is None:
            continue  # purged since the approval
        contacts.append(ReleasedContact(contact.kind, read_contact_with(data_key, contact)))
    record(
        session,
        audit_key,
        actor=by.actor,
        action="register.read",
        subject=disclosure.reference,
        detail=f"request {request.id}",
    )
    session.flush()
    return contacts
