"""``hotline purge``: cases closed longer ago than the retention period are
crypto-shredded, in the live database and in every backup taken after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from hotline.crypto.envelopes import CannotOpen
from hotline.db import Database
from hotline.maintenance.backup import backup
from hotline.maintenance.errors import MaintenanceError
from hotline.maintenance.purge import PURGED_REPORTER, retention_cutoff
from hotline.models import (
    AuditEvent,
    ContactDetail,
    Disclosure,
    EmailSeen,
    Message,
    Reporter,
    SealedKey,
    today,
)
from hotline.procedure import Category
from tests.helpers.cases import Cases, Filed
from tests.helpers.instance import Initialised
from tests.helpers.stored import assert_absent, dump_database

DAYS = 5 * 365


@pytest.fixture
def cases(initialised: Initialised) -> Iterator[Cases]:
    opened = Cases(initialised.config, initialised.recovery_words)
    yield opened
    opened.close()


class Scene:
    """Three reporters' cases: one past retention, one closed recently, one open,
    and an open case of the same reporter as the expired one."""

    def __init__(self, cases: Cases) -> None:
        self.expired = cases.file(contact="+250788999000")
        self.recent = cases.file()
        self.still_open = cases.file()
        with cases.database.sessions() as session:
            keys = cases.reporter_keys(session, self.recent.codename)
        # The reporter of `recent` filed again later: that case stays theirs.
        self.sibling = cases.file(
            Category.RETALIATION, reporter=keys, codename=self.recent.codename
        )
        cases.close_case(self.expired.disclosure_id, today() - dt.timedelta(days=DAYS + 1))
        cases.close_case(self.recent.disclosure_id, today() - dt.timedelta(days=DAYS - 1))


def _purge(runner: FlaskCliRunner, *extra: str) -> str:
    result = runner.invoke(args=["purge", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _count(database: Database, model: type, disclosure: Filed) -> int:
    with database.sessions() as session:
        column = model.disclosure_id  # type: ignore[attr-defined]
        return int(
            session.scalar(
                select(func.count()).select_from(model).where(column == disclosure.disclosure_id)
            )
            or 0
        )


def test_a_dry_run_lists_the_expired_case_and_changes_nothing(
    runner: FlaskCliRunner, cases: Cases
) -> None:
    scene = Scene(cases)
    before = cases.sealed_keys(cases.database, scene.expired.disclosure_id)
    output = _purge(runner, "--dry-run")
    assert "Would purge 1 case(s)" in output
    assert scene.expired.reference in output
    assert scene.recent.reference not in output
    assert cases.sealed_keys(cases.database, scene.expired.disclosure_id) == before


def test_purge_shreds_the_expired_case_and_keeps_its_statistics_row(
    runner: FlaskCliRunner, cases: Cases, initialised: Initialised
) -> None:
    scene = Scene(cases)
    database = cases.database
    shredded = cases.sealed_keys(database, scene.expired.disclosure_id)
    assert len(shredded) >= 6

    output = _purge(runner)
    assert "Purged 1 case(s)" in output
    assert scene.expired.reference in output
    assert "Backups taken before today still hold these cases" in output

    # Nothing of the case opens: no data key, no ciphertext, no contact detail.
    for model in (SealedKey, Message, ContactDetail):
        assert _count(database, model, scene.expired) == 0, model
    assert not cases.opens_with_codename(
        database, scene.expired.codename, scene.expired.disclosure_id
    )
    assert cases.texts_with_queue_keys(database, scene.expired.disclosure_id) == []

    with database.sessions() as session:
        row = session.get(Disclosure, scene.expired.disclosure_id)
        assert row is not None
        # The statistics keep counting it...
        assert (row.status, row.category, row.channel) == ("closed", "staff_misconduct", "web")
        assert row.outcome == "substantiated"
        # ...detached from the reporter, whose row went with their only case.
        assert row.reporter_id == PURGED_REPORTER
        expired_reporter = cases.kdf.derive(scene.expired.codename).reporter_id
        assert session.get(Reporter, expired_reporter) is None
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.purged")).all()
        assert [e.subject for e in events] == [scene.expired.reference]

    # The cases within retention are untouched and open as before.
    for kept in (scene.recent, scene.still_open, scene.sibling):
        assert cases.texts_with_queue_keys(database, kept.disclosure_id)[0] == kept.text
    assert (
        cases.texts_with_codename(database, scene.recent.codename, scene.sibling.disclosure_id)[0]
        == scene.sibling.text
    )

    # The audit chain is intact, and a second run finds nothing more to do.
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Purged 0 case(s)" in _purge(runner)
    # The purged items are gone on purpose: every case's head still verifies.
    everything = runner.invoke(args=["verify"])
    assert everything.exit_code == 0, everything.output

    # In SQLite the destroyed keys are not left in free pages or the log either.
    if initialised.config.database_url.startswith("sqlite"):
        stored = dump_database(initialised.config)
        for sealed in shredded:
            assert_absent(sealed, stored)


def test_purge_forgets_the_message_ids_of_e_mails_older_than_retention(
    runner: FlaskCliRunner, cases: Cases
) -> None:
    """A Message-ID hash says only that some message arrived on a day; none names
    its case. Past the retention period it goes, whatever the message became."""
    Scene(cases)
    long_ago = today() - dt.timedelta(days=DAYS + 30)
    with cases.database.transaction() as session:
        session.add_all(
            [
                # The first message of the expired case, and a delivery that filed nothing.
                EmailSeen(message_hash="a" * 64, seen_on=long_ago),
                EmailSeen(message_hash="b" * 64, seen_on=long_ago - dt.timedelta(days=400)),
                # Recent ones still guard against a retried delivery.
                EmailSeen(message_hash="c" * 64, seen_on=today()),
                EmailSeen(message_hash="d" * 64, seen_on=today() - dt.timedelta(days=DAYS - 10)),
            ]
        )
    _purge(runner, "--dry-run")
    with cases.database.sessions() as session:
        assert len(session.scalars(select(EmailSeen)).all()) == 4
    _purge(runner)
    with cases.database.sessions() as session:
        kept = sorted(session.scalars(select(EmailSeen.message_hash)))
    assert kept == ["c" * 64, "d" * 64]


def test_a_backup_taken_after_the_purge_does_not_open_the_case_one_before_does(
    runner: FlaskCliRunner, cases: Cases, initialised: Initialised, tmp_path: Path
) -> None:
    if not initialised.config.database_url.startswith("sqlite"):
        pytest.skip("opened as a file here; the PostgreSQL dump restores in test_backup")
    scene = Scene(cases)
    before = backup(initialised.config, tmp_path / "before.backup")
    _purge(runner)
    after = backup(initialised.config, tmp_path / "after.backup")

    old = Database(f"sqlite:///{before.path}")
    new = Database(f"sqlite:///{after.path}")
    try:
        # Why backups must not outlive the retention period:
        assert cases.texts_with_queue_keys(old, scene.expired.disclosure_id)[0] == (
            scene.expired.text
        )
        assert not cases.opens_with_codename(
            new, scene.expired.codename, scene.expired.disclosure_id
        )
        assert cases.texts_with_queue_keys(new, scene.expired.disclosure_id) == []
        assert cases.texts_with_queue_keys(new, scene.recent.disclosure_id)[0] == scene.recent.text
        data = after.path.read_bytes()
        for sealed in cases.sealed_keys(old, scene.expired.disclosure_id):
            assert_absent(sealed, data)
    finally:
        old.dispose()
        new.dispose()


def test_a_queue_key_cannot_open_a_purged_message_even_with_its_ciphertext(
    runner: FlaskCliRunner, cases: Cases
) -> None:
    from hotline.sealing.items import read_message

    scene = Scene(cases)
    with cases.database.sessions() as session:
        message = session.scalars(
            select(Message).where(Message.disclosure_id == scene.expired.disclosure_id)
        ).first()
        assert message is not None
        session.expunge(message)
    _purge(runner)
    # Someone kept the ciphertext row from before: its data key is gone.
    with cases.database.sessions() as session, pytest.raises(CannotOpen):
        read_message(session, message, cases.queue_keys(session))


def test_the_retention_period_must_be_positive() -> None:
    with pytest.raises(MaintenanceError, match="at least 1"):
        retention_cutoff(0)
    assert retention_cutoff(10, dt.date(2025, 1, 11)) == dt.date(2025, 1, 1)
