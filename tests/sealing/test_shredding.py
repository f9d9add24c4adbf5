"""Shredding, attacked: what a case lost must not be carved out of the database.

The attacker copies the database (on SQLite the file *and* its ``-wal``; on
PostgreSQL every live row) after an officer removed a queue from a case, or
after an SMS reporter cancelled their report, and searches it for the exact
bytes that were there before: the removed queue's sealed data keys, the
cancelled message's ciphertext and its sealed data keys. Each search is first
shown to find those bytes before the deletion, so a pass is not a blind
search.
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from hotline.models import Disclosure, Message, SealedKey
from tests.helpers.desk import case, desk_post, file_web_report, officer_client
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.stored import assert_absent, dump_database
from tests.intake.test_sms import Phone

REPORT = "The valuation clerk at Gatuna rewrites invoices for a fee of 40,000 francs"
SMS_REPORT = "Customs agent Kamali at Rubavu lets fuel tankers pass unweighed for cash"


def stored_bytes(initialised: Initialised) -> bytes:
    return dump_database(initialised.config)


def assert_present(secret: bytes, haystack: bytes) -> None:
    assert secret in haystack, "the search would not find these bytes even before shredding"


def assert_after_commit_step_ran(caplog: pytest.LogCaptureFixture) -> None:
    """The WAL checkpoint or VACUUM logs instead of raising: a failure must show here."""
    failed = [r.getMessage() for r in caplog.records if r.name == "hotline.sealing.shredding"]
    assert failed == []


def vacuums_of_sealed_keys(initialised: Initialised) -> int:
    """How often PostgreSQL vacuumed ``sealed_keys`` (0 on SQLite, which has no VACUUM
    here): the statistics the server keeps, not the code's own account."""
    url = initialised.config.database_url
    if url.startswith("sqlite"):
        return 0
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(
            text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'sealed_keys'")
        )
    engine.dispose()
    return int(count or 0)


def sealed_to(db: Session, disclosure_id: str, recipient: str) -> list[bytes]:
    rows = db.scalars(
        select(SealedKey).where(
            SealedKey.disclosure_id == disclosure_id, SealedKey.recipient == recipient
        )
    )
    return [bytes(row.sealed) for row in rows]


# --- removing a queue from a case ---------------------------------------------------


def test_a_removed_queue_s_sealed_keys_are_gone_from_the_database_files(
    app: Flask,
    client: FlaskClient,
    db: Session,
    initialised: Initialised,
    make_officer: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.sealing.shredding")
    filed = file_web_report(client, REPORT)
    auditor: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, auditor)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/reply", reply="Which invoices?").status_code == 303
    disclosure = case(db, filed.reference)
    assert "commissioner_general" in disclosure.queue_slugs
    removed = sealed_to(db, disclosure.id, "queue:commissioner_general")
    kept = sealed_to(db, disclosure.id, "queue:internal_audit")
    assert len(removed) == 2  # the report and the reply
    db.rollback()
    before = stored_bytes(initialised)
    vacuums = vacuums_of_sealed_keys(initialised)
    for sealed in removed + kept:
        assert_present(sealed, before)

    response = desk_post(desk, f"{base}/reroute", remove_queue="commissioner_general")
    assert response.status_code == 303
    # The policy routed the case there: the removal waits for a second officer.
    assert case(db, filed.reference).queue_slugs == ["commissioner_general", "internal_audit"]
    db.rollback()
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    approved = desk_post(
        officer_client(app, general), f"{base}/removal/commissioner_general", decision="approve"
    )
    assert approved.status_code == 303
    assert case(db, filed.reference).queue_slugs == ["internal_audit"]
    db.rollback()
    assert_after_commit_step_ran(caplog)
    if initialised.config.database_url.startswith("postgresql"):
        assert vacuums_of_sealed_keys(initialised) > vacuums

    after = stored_bytes(initialised)
    for sealed in removed:
        assert_absent(sealed, after)
    for sealed in kept:
        assert_present(sealed, after)  # only the removed queue lost its keys


# --- SMS CANCEL ---------------------------------------------------------------------


def test_a_cancelled_sms_report_is_gone_from_the_database_files(
    sms_app: Flask, phone: Phone, initialised: Initialised, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hotline.sealing.shredding")
    other = phone.other("+250788000999")
    other.send("1 Smuggled sugar at Kagitumba")
    phone.send("2 " + SMS_REPORT)
    phone.one("He works the night shift, plate RAB 123 C")

    with sms_app.extensions["hotline"].database.sessions() as db:
        mine = db.scalars(select(Disclosure).join(Message).where(Message.seq == 2).distinct()).one()
        ciphertexts = [bytes(m.body) for m in mine.messages]
        sealed_keys = [
            bytes(row.sealed)
            for row in db.scalars(select(SealedKey).where(SealedKey.disclosure_id == mine.id))
        ]
        others = [
            bytes(row.sealed)
            for row in db.scalars(select(SealedKey).where(SealedKey.disclosure_id != mine.id))
        ]
    assert len(ciphertexts) == 2
    assert len(sealed_keys) >= 2 * 2  # each message to a queue and to the codename key
    before = stored_bytes(initialised)
    for secret in ciphertexts + sealed_keys + others:
        assert_present(secret, before)

    assert "deleted" in phone.one("CANCEL")
    assert_after_commit_step_ran(caplog)

    after = stored_bytes(initialised)
    for secret in ciphertexts + sealed_keys:
        assert_absent(secret, after)
    assert_absent(SMS_REPORT.encode(), after)
    for sealed in others:
        assert_present(sealed, after)  # someone else's report stands
