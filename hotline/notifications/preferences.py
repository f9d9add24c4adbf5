"""An officer's choice between immediate notifications and a daily digest."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.models import Officer


def takes_digest(session: Session, officer_id: int) -> bool:
    return bool(session.scalar(select(Officer.notify_digest).where(Officer.id == officer_id)))


def choose_digest(
    session: Session, audit_key: bytes, *, actor: str, officer_id: int, digest: bool
) -> None:
    """Store the choice (audited); a digest officer's e-mails wait for the day's one."""
    session.execute(
        update(Officer)
        .where(Officer.id == officer_id)
        .values(notify_digest=digest)
        .execution_options(synchronize_session=False)
    )
    record(
        session,
        audit_key,
        actor=actor,
        action="officer.notifications",
        detail="digest" if digest else "immediate",
    )
    session.flush()
