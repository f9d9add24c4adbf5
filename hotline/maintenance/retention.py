"""Backups and retention: ``hotline backup`` and ``hotline purge``.

Backups hold the database only. ``keys/`` (pepper, secret key, audit key) is
never part of a backup: a stolen backup alone opens nothing, and a stolen
``keys/`` alone holds no report. The recovery words stay offline, on paper.

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
import os
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.config import Config
from hotline.crypto.keypairs import PrivateKey
from hotline.db import Database
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
from hotline.sealing.shredding import CASE_CONTENT, erase_deletions, shred

#: The reporter that purged cases are moved to. Not 64 hex digits, so no codename
#: can ever derive this id; its public key's private half is discarded at once.
PURGED_REPORTER = "purged"
#: Statements stay well under SQLite's limit on bound parameters.
BATCH = 500
PG_DUMP_TIMEOUT = 3600


class MaintenanceError(RuntimeError):
    """A backup or purge cannot be done; the message says why and what to do."""


# --- backups ----------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    kind: str


def keep_beside(config: Config) -> list[str]:
    """What an operator must keep, and where, for a backup to be useful and safe."""
    return [
        f"keys/ ({config.keys_dir}): back it up separately, never with the database "
        "backup: the pepper, secret key and audit key in it are what turn a stolen "
        "database into readable codename look-ups and forged audit entries.",
        "The recovery words: offline, on paper, locked away; never on the backup "
        "media. With the database they open every queue.",
        f"Keep each backup no longer than the retention period "
        f"(HOTLINE_RETENTION_DAYS = {config.retention_days} days): a backup still "
        "holds the keys of every case purged after it was taken.",
    ]


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def backup(config: Config, destination: Path) -> BackupResult:
    """A consistent copy of the database (only) at ``destination``, mode 0600.

    SQLite: the online backup API, which copies a consistent snapshot while the
    application keeps writing. PostgreSQL: ``pg_dump --format=custom``.
    """
    destination = destination.absolute()
    if destination.exists():
        raise MaintenanceError(f"{destination} exists; refusing to overwrite it")
    if _inside(destination, config.keys_dir):
        raise MaintenanceError(
            f"{destination} is inside the keys directory; a backup must never sit with the keys"
        )
    if not destination.parent.is_dir():
        raise MaintenanceError(f"{destination.parent} is not a directory")
    partial = destination.with_name(f".{destination.name}.partial-{secrets.token_hex(4)}")
    url = make_url(config.database_url)
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(url.database or "", partial)
            kind = "SQLite database file"
        elif url.get_backend_name() == "postgresql":
            _backup_postgres(config.database_url, partial)
            kind = "pg_dump custom-format archive (restore with pg_restore)"
        else:
            raise MaintenanceError(f"cannot back up a {url.get_backend_name()} database")
        _fsync(partial)
        _publish(partial, destination)
    except OSError as exc:
        raise MaintenanceError(f"cannot write the backup {destination}: {exc.strerror}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(destination, destination.stat().st_size, kind)


def _publish(partial: Path, destination: Path) -> None:
    """Give the finished copy its name, never replacing a file that appeared meanwhile."""
    try:
        os.link(partial, destination)
    except FileExistsError:
        raise MaintenanceError(f"{destination} exists; refusing to overwrite it") from None
    except OSError:
        # File systems without hard links: check, then rename (a narrow race).
        if destination.exists():
            raise MaintenanceError(f"{destination} exists; refusing to overwrite it") from None
        os.replace(partial, destination)


def _create_private(path: Path) -> None:
    """Create the file empty with mode 0600 before anything is written into it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_sqlite(source: str, partial: Path) -> None:
    if not source or source == ":memory:" or not Path(source).exists():
        raise MaintenanceError(f"no SQLite database at {source!r}")
    _create_private(partial)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        # One self-contained file: no -wal beside it that could be forgotten.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise MaintenanceError(f"the copy failed its integrity check: {check}")
    except sqlite3.Error as exc:
        raise MaintenanceError(f"the SQLite backup failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def libpq_url(database_url: str) -> tuple[str, str | None]:
    """The URL for libpq tools without its password, and the password apart (it
    goes in the environment: a command line is visible to every local user)."""
    url = make_url(database_url)
    password = url.password
    # URL.set() ignores None, so the URL is rebuilt without the password.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), (
        None if password is None else str(password)
    )


def _backup_postgres(database_url: str, partial: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise MaintenanceError(
            "pg_dump was not found: install the PostgreSQL client tools of the "
            "server's major version (Debian: apt-get install postgresql-client)"
        )
    url, password = libpq_url(database_url)
    # PGSSLMODE and the like stay: the operator's TLS settings apply to pg_dump too.
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = password
    _create_private(partial)
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, no shell
            [pg_dump, "--format=custom", f"--file={partial}", f"--dbname={url}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_DUMP_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MaintenanceError(f"pg_dump took longer than {PG_DUMP_TIMEOUT} s") from None
    if done.returncode != 0:
        raise MaintenanceError(f"pg_dump failed: {done.stderr.strip()}")


# --- retention ----------------------------------------------------------------------


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
