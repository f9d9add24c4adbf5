"""The append-only audit trail: an HMAC chain under ``keys/audit_key``.

Each event stores ``HMAC(audit_key, previous link ‖ event)``. Someone with the
database alone cannot edit, delete, reorder or insert a row without
:func:`verify` naming the first broken link. Events record what officers and
the system did; they never hold report content, and reporter actions are not
timed here (a precise time would help identify a reporter).

The head row is sealed too: ``HMAC(audit_key, count ‖ last_link)``, so
deleting the newest events and rewriting the head to the last one kept is
detected. Restoring an older head *with its old seal* (a rollback to a
snapshot) is not detectable from the database alone: ``hotline audit verify``
prints the head's digest, and ``--expect DIGEST`` compares it with one the
operator noted earlier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64


def _mac(audit_key: bytes, previous: str, event: AuditEvent) -> str:
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
    canonical = json.dumps(
        [
            event.id,
            at.astimezone(dt.UTC).isoformat(timespec="seconds"),
            event.actor,
            event.action,
            event.subject,
            event.detail,
        ],
        ensure_ascii=True,
    )
    return hmac.new(audit_key, (previous + canonical).encode(), hashlib.sha256).hexdigest()


def head_seal(audit_key: bytes, count: int, last_link: str) -> str:
    return hmac.new(
        audit_key, f"audit-head\x00{count}\x00{last_link}".encode(), hashlib.sha256
    ).hexdigest()


def _head_sealed(audit_key: bytes, head: AuditHead) -> bool:
    return head.seal is not None and hmac.compare_digest(
        head.seal, head_seal(audit_key, head.count, head.last_link)
    )


def seal_unsealed_head(session: Session, audit_key: bytes) -> bool:
    """Trust on upgrade: seal a head written before revision 0005. Called by
    ``hotline init`` only in the run that applies that revision."""
    head = session.get(AuditHead, 1)
    if head is None or head.seal is not None:
        return False
    head.seal = head_seal(audit_key, head.count, head.last_link)
    return True


def record(
    session: Session,
    audit_key: bytes,
    *,
    actor: str,
    action: str,
    subject: str = "",
    detail: str = "",
) -> AuditEvent:
    """Append one event. The head row is locked, so concurrent writers queue up
    instead of forking the chain (SQLite serialises writers anyway)."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_link=GENESIS, count=0)
        head.seal = head_seal(audit_key, 0, GENESIS)
        session.add(head)
    # A head whose seal fails stays unsealed: appending must not launder a
    # trimmed chain into one that verifies.
    sealed = _head_sealed(audit_key, head)
    event = AuditEvent(
        id=head.count + 1,
        at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        link="",
    )
    event.link = _mac(audit_key, head.last_link, event)
    head.last_link = event.link
    head.count = event.id
    head.seal = head_seal(audit_key, head.count, head.last_link) if sealed else None
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    events: int
    first_broken: int | None
    reason: str = ""
    #: The head's seal: note it, and pass it to ``--expect`` later.
    digest: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(session: Session, audit_key: bytes, *, expect: str | None = None) -> Verification:
    """Check every link and the sealed head. With ``expect`` (a digest printed
    by an earlier run) the chain must also pass through that head: events
    trimmed back past it, or a rollback to an older snapshot, fail."""
    previous = GENESIS
    expected_id = 1
    count = 0
    wanted = expect.strip().lower() if expect is not None else None
    reached = wanted is None or hmac.compare_digest(wanted, head_seal(audit_key, 0, GENESIS))
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.id != expected_id:
            return Verification(count, expected_id, f"event {expected_id} is missing")
        if not hmac.compare_digest(event.link, _mac(audit_key, previous, event)):
            return Verification(count, event.id, f"event {event.id} was altered")
        previous = event.link
        expected_id += 1
        count += 1
        if not reached and wanted is not None:
            reached = hmac.compare_digest(wanted, head_seal(audit_key, count, previous))
    head = session.get(AuditHead, 1)
    if head is None:
        if count:
            return Verification(count, count + 1, "the audit head was deleted")
        if not reached:
            return Verification(0, 1, "the expected head is not in the trail: events were removed")
        return Verification(count, None, digest=head_seal(audit_key, 0, GENESIS))
    if head.count != count or head.last_link != previous:
        return Verification(count, count + 1, f"events after {count} were deleted")
    if not _head_sealed(audit_key, head):
        return Verification(count, count + 1, "the audit head was rewritten")
    if not reached:
        return Verification(
            count, count + 1, "the expected head is not in the trail: events were removed"
        )
    return Verification(count, None, digest=head.seal or "")
