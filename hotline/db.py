"""The database: one engine per application, one session per request.

SQLite (the embedded default) runs in WAL mode with a busy timeout so that
several threads of one gunicorn worker can write without "database is locked";
a ``FOR UPDATE`` read begins the transaction IMMEDIATE there (SQLite has no row
locks), and the database file is created 0600.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Dialect,
    Engine,
    Insert,
    MetaData,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
    insert,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker, validates

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A mapped class's table, for plain Core statements (SQLAlchemy types
    ``__table__`` as any FROM clause)."""
    return cast(Table, model.__table__)


@functools.cache
def insert_into(model: type[Base]) -> Insert:
    """A plain INSERT into the model's table, to run with a dict or a list of
    dicts. Made once per table, so SQLAlchemy also works out its cache key once."""
    return insert(table(model))


T = TypeVar("T", bound=StrEnum)


class StoredTerm(TypeDecorator[T]):
    """A vocabulary term (:mod:`hotline.procedure`) kept as its plain string.

    The column stays a VARCHAR holding exactly the strings it always held; the
    decorator only hands them back as enum members, so ``disclosure.status``
    is a :class:`~hotline.procedure.Status` and a stored value outside the
    vocabulary fails loudly instead of passing as an unknown word.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[T], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: T | str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum_class(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> T | None:
        return None if value is None else self.enum_class(value)


def term_columns(*names: str) -> Callable[[Base, str, object], StrEnum | None]:
    """A validator for a model's :class:`StoredTerm` columns (``_terms = term_columns(...)``).

    A plain string set in code becomes the enum member at once, and a string
    outside the vocabulary fails where it is set, not at the next load.
    """

    def as_term(model: Base, key: str, value: object) -> StrEnum | None:
        column_type = table(type(model)).c[key].type
        if not isinstance(column_type, StoredTerm):
            raise TypeError(f"{key} is not a column of terms")
        return None if value is None else column_type.enum_class(value)

    return validates(*names)(as_term)


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the caller should retry later."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_private(path: Path) -> None:
    """Create the database file 0600 (owner only) if it does not exist yet.

    It holds password-wrapped officer keys; SQLite gives the ``-wal`` and
    ``-shm`` files the mode of the database file, so they are 0600 too.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _lock_for_update(state: ORMExecuteState) -> None:
    """On SQLite, ``SELECT ... FOR UPDATE`` takes the write lock first.

    SQLite ignores FOR UPDATE, and the driver begins a transaction only at the
    first write, so two writers could both read the audit head and then both
    insert the same event id (``UNIQUE constraint failed: audit_events.id``).
    A transaction that has not written yet begins IMMEDIATE here instead
    (waiting out the busy timeout), so what it reads stays true until it
    commits. One that has written already holds the lock.
    """
    if not state.is_select or getattr(state.statement, "_for_update_arg", None) is None:
        return
    driver = state.session.connection().connection.driver_connection
    if driver is not None and not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 15})
        if parsed.database and parsed.database != ":memory:":
            path = Path(parsed.database)

            # At the first connection, not when the engine is made: a command
            # that fails before it touches the database (init without keys/)
            # must leave no database file behind.
            def private_file(*_args: Any) -> None:
                _create_private(path)

            event.listen(engine, "do_connect", private_file)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, *, keys: Callable[[], Any] | None = None) -> None:
        """``keys`` loads the instance's secrets (``keyring.InstanceSecrets``)
        when sealing first needs them: every session carries it in
        ``session.info["keys"]``, so sealing checks key tags without each
        caller passing the secret along (``sealing.trust``)."""
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"keys": keys})
        if self.is_sqlite:
            event.listen(self.sessions, "do_orm_execute", _lock_for_update)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error (CLI, jobs)."""
        with self.sessions() as session, session.begin():
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()
