"""Attacks 3 and 4 of issue 13, by someone who can write to the database but not
read keys/: forge an officer's reply (sealing needs only public keys), or move
a genuine item into another case. Neither reaches the reporter, on the web or
by SMS; the desk shows them as unverified; the administrators are alarmed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.signing import SigningKey
from hotline.models import Alarm, AuditEvent, Disclosure, Message
from hotline.procedure import AuthorKind
from hotline.sealing import authorship, recipients
from hotline.sealing.items import read_message, seal_message
from hotline.sealing.store import insert_sealed
from tests.helpers.desk import file_web_report, queue_keys
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin
from tests.helpers.reporter import check_in
from tests.helpers.writers import officer_writes
from tests.intake.test_sms import REPORT, Phone, codename_in

Desk = Callable[[OfficerLogin], FlaskClient]
LURE = "Please send your full name and village so that we can protect you"
GENUINE = "Thank you. Which weighbridge was it?"


def _case(db: Session) -> Disclosure:
    db.expire_all()
    return db.scalars(select(Disclosure)).one()


def _forge_reply(db: Session, disclosure: Disclosure, officer_id: int, proof: bytes | None) -> str:
    """What the attacker can do without keys/: seal a reply to the public keys
    in the database and INSERT it, as an officer, with whatever proof they have."""
    item = seal_message(
        disclosure_id=disclosure.id,
        seq=disclosure.next_seq,
        author_kind=AuthorKind.OFFICER,
        text=LURE,
        recipients=recipients.for_message(db, disclosure, AuthorKind.OFFICER),
        officer_id=officer_id,
    )
    item.row["authenticity"] = proof
    insert_sealed(db, Message, [item])
    db.execute(
        text("UPDATE disclosures SET next_seq = next_seq + 1 WHERE id = :id"), {"id": disclosure.id}
    )
    db.commit()
    return item.id


def _alarmed(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Alarm.row).order_by(Alarm.id)))


@pytest.mark.parametrize("proof", ["none", "replayed", "attacker's signing key"])
def test_a_forged_officer_reply_never_reaches_the_reporter(
    proof: str,
    sms_app: Flask,
    phone: Phone,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send("DONE")
    mutesi = make_officer("mutesi", ["internal_audit"])
    with sms_app.extensions["hotline"].database.sessions() as db:
        disclosure = _case(db)
        genuine = officer_writes(db, disclosure, author_kind=AuthorKind.OFFICER, text=GENUINE)
        db.commit()
        stolen = genuine.authenticity
        if proof == "none":
            forged_proof = None
        elif proof == "replayed":
            forged_proof = stolen  # a genuine signature, from another item
        else:
            attacker = SigningKey.generate()
            db.execute(
                text("UPDATE officers SET signing_public_key = :key WHERE id = :id"),
                {"key": attacker.public_bytes(), "id": mutesi.officer_id},
            )
            db.commit()
            forged_proof = authorship.officer_proof(attacker, b"anything")
        forged = _forge_reply(db, disclosure, mutesi.officer_id, forged_proof)
        if proof == "attacker's signing key":
            # Signed over the real statement with the swapped-in key: still refused.
            message = db.get_one(Message, forged)
            statement = authorship.statement(
                disclosure_id=message.disclosure_id,
                item_id=message.id,
                author_kind=message.author_kind,
                officer_id=message.officer_id,
                seq=message.seq,
                ciphertext=message.body,
            )
            db.execute(
                text("UPDATE messages SET authenticity = :proof WHERE id = :id"),
                {"proof": authorship.officer_proof(attacker, statement), "id": forged},
            )
            db.commit()

    status = phone.one(f"STATUS {codename}")
    assert "Which weighbridge" in status
    assert "full name" not in status
    assert "full name" not in phone.one(f"STATUS {codename}")
    web = check_in(sms_app.test_client(), codename)
    assert GENUINE in web
    assert LURE not in web

    root = desk(make_officer("root", ["internal_audit"], admin=True))
    page = root.get(f"/officer/case/{disclosure.reference}").get_data(as_text=True)
    assert "Unverified, reported to administrators." in page
    assert LURE not in page
    assert GENUINE in page
    with sms_app.extensions["hotline"].database.sessions() as db:
        alarms = _alarmed(db)
        assert f"messages/{forged}" in alarms
        if proof == "attacker's signing key":
            assert f"officers/{mutesi.officer_id}" in alarms
        events = db.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "tampering.detected")
        )
        assert f"messages/{forged}" in set(events)
    assert 'class="alarm"' in root.get("/officer/").get_data(as_text=True)


def test_an_item_moved_to_another_case_does_not_open_there(
    sms_app: Flask, phone: Phone, initialised: Initialised, make_officer: MakeOfficer, desk: Desk
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename_a = codename_in(first)
    phone.send("DONE")
    with sms_app.extensions["hotline"].database.sessions() as db:
        id_a = _case(db).id
    other = Phone(phone.client, number="+250788000777")
    second, _ = other.send("2 The storekeeper sells seized sugar at night")
    codename_b = codename_in(second)
    other.send("DONE")
    with sms_app.extensions["hotline"].database.sessions() as db:
        case_a = db.get_one(Disclosure, id_a)
        case_b = db.scalars(select(Disclosure).where(Disclosure.id != id_a)).one()
        reply = officer_writes(db, case_a, author_kind=AuthorKind.OFFICER, text=GENUINE)
        db.commit()
        moved = reply.id
        # The attacker moves the reply (and its sealed keys) into case B, at its next place.
        for table in ("messages", "sealed_keys"):
            column = "id" if table == "messages" else "item_id"
            db.execute(
                text(f"UPDATE {table} SET disclosure_id = :b WHERE {column} = :id"),  # noqa: S608
                {"b": case_b.id, "id": moved},
            )
        db.execute(
            text("UPDATE messages SET seq = :seq WHERE id = :id"),
            {"seq": case_b.next_seq, "id": moved},
        )
        db.commit()
        db.expire_all()
        message = db.get_one(Message, moved)
        keys = queue_keys(initialised, db, *case_b.queue_slugs)
        with pytest.raises(CannotOpen):
            read_message(db, message, keys)
        assert not authorship.Checker(db).holds(message)
        reference_b = case_b.reference

    assert GENUINE not in check_in(sms_app.test_client(), codename_b)
    assert "Which weighbridge" not in other.one(f"STATUS {codename_b}")
    assert GENUINE not in check_in(sms_app.test_client(), codename_a)  # gone from A, as moved
    root = desk(make_officer("root", ["internal_audit"], admin=True))
    page = root.get(f"/officer/case/{reference_b}").get_data(as_text=True)
    assert "Unverified, reported to administrators." in page
    with sms_app.extensions["hotline"].database.sessions() as db:
        assert f"messages/{moved}" in _alarmed(db)


def test_a_file_moved_to_another_case_does_not_open_there_and_check_in_still_works(
    app: Flask, initialised: Initialised
) -> None:
    import io

    from hotline.models import Attachment

    first, second = app.test_client(), app.test_client()
    note = io.BytesIO(b"Weighbridge ticket 4471, altered after the lorry left\n")
    filed_a = file_web_report(first, GENUINE, attachment=(note, "ticket.txt"))
    filed_b = file_web_report(second, "The storekeeper sells seized sugar at night")
    with app.extensions["hotline"].database.sessions() as db:
        case_b = db.scalars(
            select(Disclosure).where(Disclosure.reference == filed_b.reference)
        ).one()
        moved = db.scalars(select(Attachment.id)).one()
        for table, column in (("attachments", "id"), ("sealed_keys", "item_id")):
            db.execute(
                text(f"UPDATE {table} SET disclosure_id = :b WHERE {column} = :id"),  # noqa: S608
                {"b": case_b.id, "id": moved},
            )
        db.execute(text("UPDATE attachments SET message_id = NULL WHERE id = :id"), {"id": moved})
        db.commit()
    page = check_in(app.test_client(), filed_b.codename)
    assert filed_b.reference in page
    assert "ticket.txt" not in page
    assert "ticket.txt" not in check_in(app.test_client(), filed_a.codename)
    with app.extensions["hotline"].database.sessions() as db:
        assert f"attachments/{moved}" in _alarmed(db)
