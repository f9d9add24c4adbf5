"""The append-only audit trail: an HMAC chain under ``keys/audit_key``.

Each event stores ``HMAC(audit_key, previous link ‖ event)``. Someone with the
database alone cannot edit, delete, reorder or insert a row without
:func:`verify` naming the first broken link. Events record what officers and
the system did; they never hold report content, and reporter actions are not
timed here (a precise time would help identify a reporter).
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
        session.add(head)
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
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Verification:
    events: int
    first_broken: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(session: Session, audit_key: bytes) -> Verification:
    previous = GENESIS
    expected_id = 1
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.id != expected_id:
            return Verification(count, expected_id, f"event {expected_id} is missing")
        if not hmac.compare_digest(event.link, _mac(audit_key, previous, event)):
            return Verification(count, event.id, f"event {event.id} was altered")
        previous = event.link
        expected_id += 1
        count += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.count != count or head.last_link != previous):
        return Verification(count, count + 1, f"events after {count} were deleted")
    return Verification(count, None)
