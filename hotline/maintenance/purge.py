"""Retention: ``hotline purge``.

Retention is crypto-shredding. A case closed more than
``HOTLINE_RETENTION_DAYS`` ago loses its sealed data keys, and with them every
message, attachment, contact detail and register request: the ciphertext
cannot be opened by anyone, whoever holds which key, and the rows are deleted
too. What stays is the metadata row the public statistics count (category,
channel, dates, status, outcome, reward amounts), detached from the
reporter: it moves to a keyless "shredded" reporter whose private key was never kept,
so the codename no longer lists the case, and a reporter left with no case is
deleted. Every purged case is written to the audit trail.

A backup taken before a purge still holds the keys of the cases it purged:
backups must be kept no longer than the retention period (the README says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.keypairs import PrivateKey
from hotline.db import Database
from hotline.maintenance.errors import MaintenanceError
from hotline.models import (
    Attachment,
    ContactDetail,
    ContactRequest,
    Disclosure,
    EmailSeen,
    Message,
    Reporter,
    SealedKey,
    today,
)
from hotline.procedure import Status
from hotline.sealing import case_heads, trust
from hotline.sealing.shredding import CASE_CONTENT, erase_deletions, shred

#: The reporter that purged cases are moved to. Not 64 hex digits, so no codename
#: can ever derive this id; its public key's private half is discarded at once.
PURGED_REPORTER = "purged"
#: Statements stay well under SQLite's limit on bound parameters.
BATCH = 500


@dataclass(frozen=True)
class PurgedCase:
    disclosure_id: str
    reference: str
    closed_on: dt.date


@dataclass(frozen=True)
class PurgeResult:
    cutoff: dt.date
    cases: tuple[PurgedCase, ...]
    sealed_keys: int
    dry_run: bool

    @property
    def references(self) -> tuple[str, ...]:
        return tuple(c.reference for c in self.cases)


def retention_cutoff(retention_days: int, on: dt.date | None = None) -> dt.date:
    """Cases closed before this day are past retention."""
    if retention_days < 1:
        raise MaintenanceError("HOTLINE_RETENTION_DAYS must be at least 1")
    return (on or today()) - dt.timedelta(days=retention_days)


def due_for_purge(session: Session, cutoff: dt.date) -> list[PurgedCase]:
    rows = session.execute(
        select(Disclosure.id, Disclosure.reference, Disclosure.closed_on)
        .where(
            Disclosure.status == Status.CLOSED,
            Disclosure.closed_on.is_not(None),
            Disclosure.closed_on < cutoff,
            Disclosure.reporter_id != PURGED_REPORTER,
        )
        .order_by(Disclosure.closed_on, Disclosure.reference)
    )
    return [PurgedCase(i, r, c) for i, r, c in rows if c is not None]


def _batches(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), BATCH):
        yield list(items[start : start + BATCH])


def _shredded_reporter(session: Session) -> None:
    if session.get(Reporter, PURGED_REPORTER) is None:
        # A valid public key (an officer's reply to a purged case can still be
        # sealed without error) whose private key nobody ever holds.
        session.add(
            Reporter(
                id=PURGED_REPORTER,
                public_key=PrivateKey.generate().public_key().raw,
                kdf_version=0,
            )
        )
        session.flush()
        trust.tag(session, session.get_one(Reporter, PURGED_REPORTER))


def purge(
    database: Database,
    audit_key: bytes,
    retention_days: int,
    *,
    on: dt.date | None = None,
    actor: str = "cli",
    dry_run: bool = False,
) -> PurgeResult:
    """Crypto-shred every case closed more than ``retention_days`` before ``on``."""
    cutoff = retention_cutoff(retention_days, on)
    with database.transaction() as session:
        cases = due_for_purge(session, cutoff)
        ids = [c.disclosure_id for c in cases]
        sealed = 0
        for batch in _batches(ids):
            sealed += int(
                session.scalar(
                    select(func.count())
                    .select_from(SealedKey)
                    .where(SealedKey.disclosure_id.in_(batch))
                )
                or 0
            )
        if dry_run:
            return PurgeResult(cutoff, tuple(cases), sealed, dry_run)
        # Deleted rows are overwritten, and after the commit pushed out of the
        # WAL or vacuumed, so neither the destroyed keys nor the Message-ID
        # hashes can be carved out of the database files.
        erase_deletions(session, (*CASE_CONTENT, EmailSeen))
        _forget_old_emails(session, cutoff)
        if not cases:
            return PurgeResult(cutoff, tuple(cases), sealed, dry_run)
        _shredded_reporter(session)
        reporters: set[str] = set()
        for batch in _batches(ids):
            reporters.update(
                session.scalars(
                    select(Disclosure.reporter_id).where(Disclosure.id.in_(batch)).distinct()
                )
            )
            # The shredding itself: without its data keys no item opens again.
            shred(session, SealedKey.disclosure_id.in_(batch), tables=CASE_CONTENT)
            # Then the ciphertext, which no key opens any more.
            session.execute(delete(Attachment).where(Attachment.disclosure_id.in_(batch)))
            session.execute(delete(Message).where(Message.disclosure_id.in_(batch)))
            session.execute(delete(ContactDetail).where(ContactDetail.disclosure_id.in_(batch)))
            session.execute(delete(ContactRequest).where(ContactRequest.disclosure_id.in_(batch)))
            # The statistics row stays, no longer tied to the reporter's codename.
            session.execute(
                update(Disclosure)
                .where(Disclosure.id.in_(batch))
                .values(reporter_id=PURGED_REPORTER, unread=False)
            )
            # The items are gone on purpose: each head says so, under keys/.
            for disclosure in session.scalars(select(Disclosure).where(Disclosure.id.in_(batch))):
                case_heads.empty(session, disclosure)
        for reporter_id in sorted(reporters - {PURGED_REPORTER}):
            left = session.scalar(
                select(Disclosure.id).where(Disclosure.reporter_id == reporter_id)
            )
            if left is None:
                session.execute(delete(Reporter).where(Reporter.id == reporter_id))
        for case in cases:
            record(
                session,
                audit_key,
                actor=actor,
                action="case.purged",
                subject=case.reference,
                detail=f"closed {case.closed_on.isoformat()}; retention {retention_days} days",
            )
    return PurgeResult(cutoff, tuple(cases), sealed, dry_run)


def _forget_old_emails(session: Session, cutoff: dt.date) -> None:
    """Message-ID hashes older than the retention period: they only stop a
    retried delivery from being filed twice, which happens within minutes, and
    would otherwise say for ever that a given e-mail reached the hotline."""
    session.execute(delete(EmailSeen).where(EmailSeen.seen_on < cutoff))
