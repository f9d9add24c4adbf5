"""Attacks 1 and 2 of issue 13, by someone who can write to the database but
not read keys/: swap a queue's public key (every new report would be sealed to
them), or the requesting officer's key before a custodian approves a register
release. Each runs on SQLite and PostgreSQL, with plain SQL as the attacker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import recovery_private_key
from hotline.models import Alarm, AuditEvent, ContactRequest, Disclosure, Message, SealedKey
from hotline.sealing.items import open_sealed_key, read_message
from tests.helpers.desk import file_web_report
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin, post
from tests.register.test_register import CUSTODIAN, REASON, file_with_contact, request_id

Desk = Callable[[OfficerLogin], FlaskClient]
SWAPPED = "internal_audit"  # staff misconduct goes to it and to commissioner_general
WORDS = "Weighbridge ticket 4471 was altered after the lorry left"


def _attacker_sql(db: Session, statement: str, **values: object) -> None:
    db.execute(text(statement), values)
    db.commit()


def _alarms(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Alarm.row).where(Alarm.cleared.is_(False))))


def _tampering_events(db: Session) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(select(AuditEvent.subject).where(AuditEvent.action == "tampering.detected"))
    )


@pytest.mark.parametrize("with_tag", ["own key, old tag", "another queue's key and tag"])
def test_a_swapped_queue_key_is_never_sealed_to_and_no_report_is_lost(
    with_tag: str,
    app: Flask,
    client: FlaskClient,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
    db: Session,
) -> None:
    attacker = PrivateKey.generate()
    if with_tag == "own key, old tag":
        _attacker_sql(
            db,
            "UPDATE queues SET public_key = :key WHERE slug = :slug",
            key=attacker.public_key().raw,
            slug=SWAPPED,
        )
    else:
        # A genuine key and tag, copied from a queue the attacker controls less
        # well than this one: the tag names its owner, so it fails here too.
        _attacker_sql(
            db,
            "UPDATE queues SET"
            " public_key = (SELECT public_key FROM queues WHERE slug = 'investigation'),"
            " key_tag = (SELECT key_tag FROM queues WHERE slug = 'investigation')"
            " WHERE slug = :slug",
            slug=SWAPPED,
        )

    filed = file_web_report(client, WORDS)  # the reporter gets the usual receipt
    assert len(filed.codename) >= 16

    disclosure = db.scalars(select(Disclosure).where(Disclosure.reference == filed.reference)).one()
    rows = list(db.scalars(select(SealedKey).where(SealedKey.disclosure_id == disclosure.id)))
    recipients = {row.recipient for row in rows}
    assert f"queue:{SWAPPED}" not in recipients
    assert {"queue:commissioner_general", "instance:recovery"} <= recipients
    if with_tag == "own key, old tag":
        for row in rows:
            with pytest.raises(CannotOpen):
                open_sealed_key(row, attacker)
    # Not lost: the recovery key and the queue that verified both read it.
    message = db.scalars(select(Message).where(Message.disclosure_id == disclosure.id)).one()
    recovery = recovery_private_key(initialised.recovery_words)
    assert read_message(db, message, {"instance:recovery": recovery}) == WORDS

    assert _alarms(db) == [f"queues/{SWAPPED}"]
    assert _tampering_events(db) == [f"queues/{SWAPPED}"]
    file_web_report(app.test_client(), WORDS)  # one open alarm per row, not one per report
    assert _alarms(db) == [f"queues/{SWAPPED}"]

    admin = desk(make_officer("root", ["investigation"], admin=True))
    page = admin.get("/officer/").get_data(as_text=True)
    assert 'class="alarm"' in page
    assert f"queues/{SWAPPED}" in page
    officer = desk(make_officer("mutesi", ["commissioner_general"]))
    assert 'class="alarm"' not in officer.get("/officer/").get_data(as_text=True)


def test_an_untouched_instance_raises_no_alarm(
    client: FlaskClient, db: Session, make_officer: MakeOfficer, desk: Desk
) -> None:
    file_web_report(client, WORDS)
    admin = desk(make_officer("root", ["investigation"], admin=True))
    assert 'class="alarm"' not in admin.get("/officer/").get_data(as_text=True)
    assert _alarms(db) == []


def test_a_register_release_to_a_swapped_officer_key_is_refused(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    reference = file_with_contact(app)
    login = make_officer("mutesi", ["internal_audit"])
    mutesi = desk(login)
    keeper = desk(make_officer("keeper", [CUSTODIAN]))
    sent = post(mutesi, f"/officer/case/{reference}/contact", {"reason": REASON})
    assert sent.status_code == 303
    rid = request_id(db)

    attacker = PrivateKey.generate()
    _attacker_sql(
        db,
        "UPDATE officers SET public_key = :key WHERE id = :id",
        key=attacker.public_key().raw,
        id=login.officer_id,
    )
    decided = post(keeper, f"/officer/register/{rid}/decide", {"decision": "approve"})
    assert decided.status_code == 409

    db.expire_all()
    request = db.get_one(ContactRequest, rid)
    assert request.status == "pending"
    assert request.sealed_for_requester is None
    assert _alarms(db) == [f"officers/{login.officer_id}"]
    assert _tampering_events(db) == [f"officers/{login.officer_id}"]
    approvals = db.scalars(select(AuditEvent).where(AuditEvent.action == "register.approved"))
    assert list(approvals) == []
