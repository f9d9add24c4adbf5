"""Issue 16, item 7: SQLite that behaves under concurrent officers, and keeps
its files to its owner."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import audit
from hotline.db import Database
from hotline.models import AuditEvent, AuditHead
from tests.helpers.desk import desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin

OFFICERS = 20


def test_database_and_wal_files_are_created_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "hotline.sqlite3"
    database = Database(f"sqlite:///{path}")
    with database.transaction() as session:
        session.execute(select(1))
        session.connection().exec_driver_sql("CREATE TABLE t (x INTEGER)")
        session.connection().exec_driver_sql("INSERT INTO t VALUES (1)")
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        for file in files:
            assert file.exists(), file
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    database.dispose()


def test_twenty_concurrent_officer_actions_give_no_500(
    app: Flask, client: FlaskClient, make_officer: object, backend: str
) -> None:
    filed = file_web_report(client, "Cigarettes re-labelled as biscuits at the port")
    desks: list[FlaskClient] = []
    for number in range(OFFICERS):
        login: OfficerLogin = make_officer(f"officer{number}", ["internal_audit"])  # type: ignore[operator]
        desks.append(officer_client(app, login))
    tokens = [d.get("/officer/").get_data(as_text=True) for d in desks]
    assert all(tokens)
    statuses: list[int] = []
    start = threading.Barrier(OFFICERS)

    def act(desk: FlaskClient, number: int) -> None:
        start.wait()
        response = desk_post(desk, f"/officer/case/{filed.reference}/note", note=f"note {number}")
        statuses.append(response.status_code)

    threads = [threading.Thread(target=act, args=(d, n)) for n, d in enumerate(desks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] * OFFICERS, statuses
    with app.extensions["hotline"].database.sessions() as session:
        ids = list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
    assert ids == list(range(1, len(ids) + 1))


def test_a_writer_that_read_the_audit_head_keeps_it_until_it_commits(app: Flask) -> None:
    """The race behind ``UNIQUE constraint failed: audit_events.id``: one officer
    action reads the audit head, another appends and commits meanwhile. On
    SQLite the FOR UPDATE read now begins the transaction IMMEDIATE, so the
    second waits, as it does on PostgreSQL."""
    instance = app.extensions["hotline"]
    key = instance.secrets.audit_key
    with instance.database.transaction() as session:  # the head row exists
        audit.record(session, key, actor="a", action="test.start")
    with instance.database.sessions() as first:
        first.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        errors: list[BaseException] = []

        def other_officer() -> None:
            try:
                with instance.database.sessions() as second:
                    audit.record(second, key, actor="b", action="test.second")
                    second.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        thread = threading.Thread(target=other_officer)
        thread.start()
        thread.join(timeout=1.0)
        audit.record(first, key, actor="a", action="test.first")
        first.commit()
    thread.join()
    assert errors == []
    with instance.database.sessions() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions[-2:] == ["test.first", "test.second"]
        assert audit.verify(session, key).ok
