"""Backups: ``hotline backup``.

Backups hold the database only. ``keys/`` (pepper, secret key, audit key) is
never part of a backup: a stolen backup alone opens nothing, and a stolen
``keys/`` alone holds no report. The recovery words stay offline, on paper.

A backup taken before a purge still holds the keys of the cases it purged:
backups must be kept no longer than the retention period (the README says so).
``hotline backup --into DIR --keep-days N``, which the backup timer runs,
writes a new dated file each time and deletes the folder's backups older than
N days.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy.engine import URL, make_url

from hotline.config import Config
from hotline.maintenance.errors import MaintenanceError

PG_DUMP_TIMEOUT = 3600
#: The backups a folder of them (``hotline backup --into``) holds: the timer's,
#: and the ones ``deploy/upgrade.sh`` takes before migrating.
BACKUP_NAMES = ("hotline-*", "before-*")


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


def dated_name(now: dt.datetime) -> str:
    """A scheduled backup's file name: the UTC time to the second, so that
    names sort by age and a second run never meets the first's file."""
    return "hotline-" + now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def forget_old_backups(folder: Path, keep_days: int, now: dt.datetime) -> list[Path]:
    """Delete the backups in ``folder`` written more than ``keep_days`` ago.

    A backup still opens every case purged or withdrawn after it was taken, so
    a scheduled backup must age out on schedule too; only files named like
    :data:`BACKUP_NAMES` are touched, never anything else an operator put there.
    """
    if keep_days < 1:
        raise MaintenanceError("backups must be kept at least one day")
    oldest = now.timestamp() - keep_days * 86_400
    deleted = []
    for pattern in BACKUP_NAMES:
        for path in sorted(folder.glob(pattern)):
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < oldest:
                path.unlink()
                deleted.append(path)
    return deleted


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
    )
    rendered = plain.render_as_string(hide_password=False)
    if url.query:
        # libpq reads "+" as a plus sign, not a space (SQLAlchemy renders the
        # query form-encoded): "options=-c statement_timeout=0" needs %20.
        rendered += "?" + urlencode(url.query, doseq=True, quote_via=quote)
    return rendered, (None if password is None else str(password))


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
