"""``hotline backup``: a consistent copy of the database, with no keys in it, that
restores into an instance where the reporter's codename and the queue keys open
every case again."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select, text

from hotline import create_app
from hotline.config import Config
from hotline.crypto.keyring import SECRET_NAMES, secrets_loader
from hotline.db import Database
from hotline.maintenance.backup import backup, libpq_url
from hotline.maintenance.errors import MaintenanceError
from hotline.models import Disclosure, Message, SealedKey
from tests.helpers.cases import Cases
from tests.helpers.instance import POSTGRES_ADMIN_URL, Initialised
from tests.helpers.reporter import check_in
from tests.helpers.stored import assert_absent


@pytest.fixture
def cases(initialised: Initialised) -> Iterator[Cases]:
    opened = Cases(initialised.config, initialised.recovery_words)
    yield opened
    opened.close()


def _secrets(config: Config) -> list[bytes]:
    return [(config.keys_dir / name).read_bytes() for name in SECRET_NAMES]


def _run_backup(runner: FlaskCliRunner, path: Path) -> str:
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_backup_says_what_to_keep_apart_and_holds_no_keys(
    runner: FlaskCliRunner, cases: Cases, initialised: Initialised, tmp_path: Path
) -> None:
    filed = cases.file()
    path = tmp_path / "offsite" / "hotline.backup"
    path.parent.mkdir()
    output = _run_backup(runner, path)

    assert "Backup written" in output
    assert "keys/" in output
    assert "never with the database backup" in output
    assert "recovery words" in output.lower()
    assert "offline" in output
    assert f"{initialised.config.retention_days} days" in output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    for secret in _secrets(initialised.config):
        assert_absent(secret, data)
    assert_absent(filed.text.encode(), data)
    assert_absent(filed.codename.encode(), data)
    assert not list(path.parent.glob(".*partial*"))


def test_a_backup_never_overwrites_nor_sits_in_the_keys_directory(
    runner: FlaskCliRunner, initialised: Initialised, tmp_path: Path
) -> None:
    existing = tmp_path / "old.backup"
    existing.write_bytes(b"an older backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.output
    assert existing.read_bytes() == b"an older backup"

    inside = initialised.config.keys_dir / "db.backup"
    result = runner.invoke(args=["backup", str(inside)])
    assert result.exit_code == 1
    assert "never sit with the keys" in result.output
    assert not inside.exists()


def test_the_nightly_backup_writes_a_new_file_each_night_and_ages_out_old_ones(
    runner: FlaskCliRunner, initialised: Initialised, tmp_path: Path
) -> None:
    # The timer runs the same command every night: each run must write its own
    # file (a fixed name failed from the second night on), and backups older
    # than the window go, since they still open every case purged after them.
    folder = tmp_path / "backups"
    folder.mkdir()
    now = time.time()
    for name, days in (
        ("hotline-20250101T031500Z", 20),
        ("before-20250102", 15),
        ("notes.txt", 30),
    ):
        (folder / name).write_bytes(b"old")
        os.utime(folder / name, (now - days * 86_400, now - days * 86_400))
    recent = folder / "hotline-20250110T031500Z"
    recent.write_bytes(b"recent")
    os.utime(recent, (now - 3 * 86_400, now - 3 * 86_400))

    command = ["backup", "--into", str(folder), "--keep-days", "14"]
    first = runner.invoke(args=command)
    assert first.exit_code == 0, first.output
    time.sleep(1.1)  # names are to the second
    second = runner.invoke(args=command)
    assert second.exit_code == 0, second.output

    written = sorted(p.name for p in folder.glob("hotline-2*") if p != recent)
    assert len(written) == 2
    assert all(re.fullmatch(r"hotline-\d{8}T\d{6}Z", name) for name in written)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*written, recent.name, "notes.txt"])
    assert "Deleted, older than 14 days" in first.output
    for name in written:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600

    assert runner.invoke(args=["backup", "--keep-days", "14", str(tmp_path / "x")]).exit_code == 1
    assert runner.invoke(args=["backup"]).exit_code == 1


def test_without_pg_dump_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    config = Config(
        database_url="postgresql+psycopg://hotline:secret@127.0.0.1:5432/hotline",
        keys_dir=tmp_path / "keys",
    )
    with pytest.raises(MaintenanceError, match="pg_dump was not found: install"):
        backup(config, tmp_path / "hotline.dump")
    assert not (tmp_path / "hotline.dump").exists()


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    url, password = libpq_url("postgresql+psycopg://hotline:s3cret@db.internal:5433/hotline")
    assert password == "s3cret"
    assert "s3cret" not in url
    assert url == "postgresql://hotline@db.internal:5433/hotline"


def test_connection_options_reach_pg_dump_as_libpq_reads_them() -> None:
    # libpq reads "+" as a plus: a form-encoded space would name a setting "+x".
    url, _password = libpq_url(
        "postgresql+psycopg://hotline@db/hotline?options=-c%20statement_timeout%3D0&sslmode=require"
    )
    assert url == (
        "postgresql://hotline@db/hotline?options=-c%20statement_timeout%3D0&sslmode=require"
    )


def _require_sqlite(config: Config) -> None:
    if not config.database_url.startswith("sqlite"):
        pytest.skip("the SQLite file backup (the PostgreSQL one is tested below)")


def test_a_sqlite_backup_restores_and_opens_with_codename_and_queue_keys(
    runner: FlaskCliRunner, cases: Cases, initialised: Initialised, tmp_path: Path
) -> None:
    _require_sqlite(initialised.config)
    filed = cases.file(contact="+250788000111")
    path = tmp_path / "hotline.backup"
    _run_backup(runner, path)

    # Restore: copy the file back under a new name and point an instance at it.
    restored = tmp_path / "restored" / "hotline.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(path, restored)
    config = initialised.config.with_changes(database_url=f"sqlite:///{restored}")
    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        with_queues = cases.texts_with_queue_keys(database, filed.disclosure_id)
        assert with_queues[0] == filed.text
        assert with_queues[1].startswith("reply ")
        assert cases.texts_with_codename(database, filed.codename, filed.disclosure_id)[0] == (
            filed.text
        )
        with database.sessions() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        database.dispose()

    # And through the web pages of an application started on the restored file.
    app = create_app(config)
    try:
        page = check_in(app.test_client(), filed.codename)
        assert filed.text in page
    finally:
        app.extensions["hotline"].database.dispose()


def test_a_sqlite_backup_taken_while_reports_arrive_holds_only_whole_cases(
    app: Flask, cases: Cases, initialised: Initialised, tmp_path: Path
) -> None:
    _require_sqlite(initialised.config)
    for _ in range(3):
        cases.file()
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_filing() -> None:
        try:
            while not stop.is_set():
                cases.file()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writer = threading.Thread(target=keep_filing)
    writer.start()
    try:
        result = backup(initialised.config, tmp_path / "live.backup")
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not errors, errors
    copy = Database(f"sqlite:///{result.path}")
    try:
        with copy.sessions() as session:
            disclosures = session.scalar(select(func.count()).select_from(Disclosure))
            assert disclosures is not None
            assert disclosures >= 3
            # Each case arrives in one transaction: either whole or absent.
            for disclosure_id in session.scalars(select(Disclosure.id)):
                messages = session.scalar(
                    select(func.count()).where(Message.disclosure_id == disclosure_id)
                )
                keys = session.scalar(
                    select(func.count()).where(SealedKey.disclosure_id == disclosure_id)
                )
                assert messages == 2, disclosure_id
                assert keys is not None, disclosure_id
                assert keys >= 2 * 3, disclosure_id
    finally:
        copy.dispose()


def test_a_postgresql_backup_restores_with_pg_restore(
    runner: FlaskCliRunner, cases: Cases, initialised: Initialised, tmp_path: Path
) -> None:
    if initialised.config.database_url.startswith("sqlite"):
        pytest.skip("pg_dump is for the PostgreSQL backend")
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    filed = cases.file()
    path = tmp_path / "hotline.dump"
    output = _run_backup(runner, path)
    assert "pg_dump custom-format" in output
    assert path.read_bytes().startswith(b"PGDMP")
    for secret in _secrets(initialised.config):
        assert_absent(secret, path.read_bytes())

    name = f"hotline_restore_{tmp_path.name[-12:]}".replace("-", "_").lower()
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    restored_url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(restored_url)
    try:
        libpq, _password = libpq_url(restored_url)
        done = subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq}", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert cases.texts_with_queue_keys(database, filed.disclosure_id)[0] == filed.text
        assert cases.texts_with_codename(database, filed.codename, filed.disclosure_id)[0] == (
            filed.text
        )
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
