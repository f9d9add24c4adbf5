"""Shredding: destroy sealed keys so that nothing recovers them from the database.

Every item is encrypted under its own data key, and that key exists only
sealed, in ``sealed_keys``. Deleting those rows destroys the item for whoever
holds which key (crypto-shredding). SMS ``CANCEL``, removing a queue from a
case and the retention purge all do it through :func:`shred`, because a plain
``DELETE`` is not enough: the bytes it "deletes" stay readable in the
database's files for anyone who copies them.

On SQLite:

* ``PRAGMA secure_delete=ON`` is set on the transaction's connection *before*
  deleting, so the deleted cells, and pages freed by the deletion, are
  overwritten with zeros instead of being left in the file's free space. It
  covers everything the caller deletes afterwards in the same transaction
  (messages, attachments, the case row). It stays on for that pooled
  connection, which only costs a little write I/O on later deletions.
* ``PRAGMA wal_checkpoint(TRUNCATE)`` runs after the commit: the write-ahead log
  still holds the frames that *wrote* the rows (and, before the checkpoint,
  the zeroed pages are only in the log). The checkpoint copies the zeroed pages
  into the database file and truncates the log to zero bytes. It waits (the
  busy timeout) for readers of older snapshots; if it still cannot finish, a
  warning is logged and the next checkpoint finishes the job.

On PostgreSQL a ``DELETE`` only marks row versions dead. After the commit,
``VACUUM`` of the affected tables (outside any transaction) removes the dead
versions from the tables and their indexes and makes their space reusable:
the bytes are *not* overwritten, and stay on disk until new rows reuse that
space. Nor does ``VACUUM`` reach the write-ahead log (WAL segments keep the
old row images until they are recycled after a checkpoint, longer when WAL is
archived or a replica's slot holds it) or any backup, base backup or
replica's copy. Those follow the retention period (the README says so); what
``VACUUM`` guarantees is that the live database no longer returns or holds the
rows as live or dead tuples. It also cannot remove a version that a
transaction still running may see; such a version goes at the next
(auto)vacuum.

Both after-commit steps run on a fresh connection from the engine when the
caller's session commits (every caller commits at its own boundary: the
request, the SMS webhook, the purge command), and a failure there is logged,
never raised: the shredding itself is already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Engine, delete, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.db import Base, table
from hotline.models import Attachment, ContactDetail, ContactRequest, Message, SealedKey

logger = logging.getLogger(__name__)

#: The tables that hold a case's sealed content, besides ``sealed_keys``.
CASE_CONTENT: tuple[type[Base], ...] = (Message, Attachment, ContactDetail, ContactRequest)

#: ``session.info`` key: the tables to vacuum once this session commits.
_PENDING = "hotline.shredding"


def shred(
    session: Session, sealed_keys: ColumnElement[bool], *, tables: Iterable[type[Base]] = ()
) -> int:
    """Delete the ``sealed_keys`` rows matching ``sealed_keys`` so that they
    cannot be recovered; returns how many were deleted.

    Whatever else the caller deletes in the same transaction afterwards is
    overwritten as well on SQLite; name its tables in ``tables`` so that
    PostgreSQL vacuums them too. The caller commits.
    """
    erase_deletions(session, tables)
    result = session.execute(delete(SealedKey).where(sealed_keys))
    return int(getattr(result, "rowcount", 0) or 0)


def erase_deletions(session: Session, tables: Iterable[type[Base]] = ()) -> None:
    """Make what this transaction deletes from now on unrecoverable from the
    database files: ``secure_delete`` now, the WAL checkpoint or ``VACUUM``
    after the commit (see the module docstring). :func:`shred` calls it; call
    it directly before deleting other sensitive rows without sealed keys."""
    engine = _engine(session)
    if engine.dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))
    pending: set[str] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = set()
        event.listen(session, "after_commit", _after_commit, once=True)
    models: list[type[Base]] = [SealedKey, *tables]
    pending.update(table(model).name for model in models)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _after_commit(session: Session) -> None:
    tables = session.info.pop(_PENDING, set())
    after_shredding(_engine(session), sorted(tables))


def after_shredding(engine: Engine, tables: Iterable[str]) -> None:
    """Push committed deletions out of the write-ahead log (SQLite) or the
    tables' dead tuples (PostgreSQL). Runs on its own connection, outside any
    transaction; logs, never raises."""
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                busy, _, _ = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
                connection.commit()
                if busy:
                    # A reader still holds an older snapshot: the log keeps its
                    # frames until a later checkpoint gets past it.
                    logger.warning("shredding: the WAL checkpoint could not truncate the log")
                return
            if engine.dialect.name == "postgresql" and tables:
                # Table names come from the models, never from input.
                autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
                # TRUNCATE false: giving empty trailing pages back to the file
                # system needs an exclusive lock, and VACUUM waits up to 5 s
                # for it behind any reader of the table, stalling the request
                # that shredded. Those pages hold only removed tuples' space.
                autocommit.execute(text(f"VACUUM (TRUNCATE false) {', '.join(tables)}"))
    except SQLAlchemyError as exc:
        logger.warning("shredding: the after-commit step failed: %s", type(exc).__name__)
