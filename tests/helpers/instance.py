"""Test instances: one initialised template per backend per session, copied per test.

``initialise()`` runs Alembic's migrations, makes five ML-KEM queue keys and the
first administrator: seconds per call on a small machine. The suite pays for it
once per backend per session (per xdist worker) and copies the result per test,
so every test still starts from a clean, fully initialised instance with its own
``keys/``, database and recovery file. The copies share their keys; tests of
``hotline init`` itself are marked ``real_init`` and run the real thing.
"""

from __future__ import annotations

import concurrent.futures
import os
import secrets
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from hotline.config import Config
from hotline.initialise import InitResult, initialise

POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS", "redis://127.0.0.1:6379/9")
IN_CI = os.environ.get("CI", "").lower() == "true"

#: Cheap codename derivation and Argon2; the real parameters are tested in tests/crypto.
CHEAP: dict[str, int] = {"scrypt_n": 2**4, "argon2_memory_kib": 64, "argon2_time_cost": 1}

SQLITE_FILE = "hotline.sqlite3"
RECOVERY_FILE = "recovery.txt"


@dataclass(frozen=True)
class Initialised:
    config: Config
    result: InitResult
    recovery_file: Path

    @property
    def recovery_words(self) -> str:
        return self.recovery_file.read_text().strip()


def instance_config(database_url: str, root: Path, **changes: object) -> Config:
    """The configuration of a test instance whose files live under ``root``."""
    return Config(
        database_url=database_url,
        keys_dir=root / "keys",
        insecure_cookies=True,
        testing=True,
        **CHEAP,  # type: ignore[arg-type]
    ).with_changes(**changes)


def sqlite_url(root: Path) -> str:
    return f"sqlite:///{root / SQLITE_FILE}"


def database_name(kind: str) -> str:
    """A database name no other test, worker or concurrent run uses."""
    return f"hotline_{kind}_{os.getpid()}_{secrets.token_hex(4)}"


def postgres_url(name: str) -> str:
    """A test database's URL. Its sessions commit without waiting for the WAL
    flush (``synchronous_commit=off``): a test database never outlives a server
    crash, and the tests that restart PostgreSQL run their own cluster."""
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}?options=-c%20synchronous_commit%3Doff"


@dataclass(frozen=True)
class Template:
    """An initialised instance to copy: its files under ``root`` and, on
    PostgreSQL, the template database ``database``."""

    root: Path
    result: InitResult
    database: str | None = None

    def copy_files(self, root: Path) -> None:
        """Copy keys/, the recovery file and (SQLite) the database file to ``root``.

        ``copytree``/``copy2`` keep the files' modes (0600 secrets stay 0600)."""
        shutil.copytree(self.root / "keys", root / "keys")
        shutil.copy2(self.root / RECOVERY_FILE, root / RECOVERY_FILE)
        if self.database is None:
            shutil.copy2(self.root / SQLITE_FILE, root / SQLITE_FILE)


def make_sqlite_template(root: Path) -> Template:
    result = initialise(instance_config(sqlite_url(root), root), recovery_file=root / RECOVERY_FILE)
    # initialise() disposed its engines; fold the WAL into the main file so that
    # one file is the whole database, and copying it copies everything.
    path = root / SQLITE_FILE
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "template WAL not checkpointed"
    return Template(root, result)


def make_postgres_template(admin: Engine, root: Path) -> Template:
    name = database_name("template")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    result = initialise(
        instance_config(postgres_url(name), root), recovery_file=root / RECOVERY_FILE
    )
    # CREATE DATABASE … TEMPLATE refuses while anyone is connected to the
    # template: initialise() disposed its engines, and from now on nobody may
    # connect to it by mistake.
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
    return Template(root, result, name)


def create_database(admin: Engine, name: str, template: str | None = None) -> None:
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class DatabasePool:
    """Per-test PostgreSQL databases, made and dropped off the test's own time.

    ``CREATE DATABASE … TEMPLATE`` and ``DROP DATABASE`` are mostly the server's
    file work; one background thread does them while the test runs, so the next
    test's copy of the template is ready when it starts and the last one's is
    dropped after it ends.
    """

    def __init__(self, admin: Engine) -> None:
        self._admin = admin
        self._work = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="databases")
        self._ready: dict[str | None, concurrent.futures.Future[str]] = {}

    def _create(self, template: str | None) -> str:
        name = database_name("test")
        create_database(self._admin, name, template)
        return name

    def take(self, template: str | None) -> str:
        """A new database (a copy of ``template``), and the next one on its way."""
        ready = self._ready.pop(template, None)
        name = ready.result() if ready is not None else self._create(template)
        self._ready[template] = self._work.submit(self._create, template)
        return name

    def give_back(self, name: str) -> None:
        self._work.submit(drop_database, self._admin, name)

    def discard(self, template: str) -> None:
        """Drop the copy of ``template`` made ahead for a next test, now, so
        that the template itself can be dropped."""
        ready = self._ready.pop(template, None)
        if ready is not None:
            drop_database(self._admin, ready.result())

    def close(self) -> None:
        for ready in self._ready.values():
            self.give_back(ready.result())
        self._work.shutdown(wait=True)


def postgres_admin() -> Engine:
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
