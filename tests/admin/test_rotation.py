"""Key rotation (CLI and desk) and recovery: old cases stay readable to the queue,
and the old queue key opens nothing the database holds any more."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import NoQueueKey, queue_key_from_recovery, unseal_designations
from hotline.admin.rotation import catch_up_rotation, rotate_queue
from hotline.auth.officers import unlock
from hotline.crypto import envelopes
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import recovery_private_key
from hotline.models import AuditEvent, Designation, Message, Officer, Queue, SealedKey
from hotline.sealing.items import open_sealed_key, read_message
from hotline.sealing.queue_keys import open_queue_key
from hotline.sealing.recipients import queue_recipient
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin, listed_references, post
from tests.helpers.reporter import TEXT, element, file_report

Desk = Callable[[OfficerLogin], FlaskClient]
SLUG = "internal_audit"


def queue_key(db: Session, initialised: Initialised, slug: str = SLUG) -> PrivateKey:
    db.expire_all()
    queue = db.get(Queue, slug)
    assert queue is not None
    return queue_key_from_recovery(queue, recovery_private_key(initialised.recovery_words))


def assert_opens_nothing(db: Session, key: PrivateKey, slug: str = SLUG) -> None:
    """No sealed data key, no designation copy: nothing opens with ``key``."""
    db.expire_all()
    rows = list(db.scalars(select(SealedKey).where(SealedKey.recipient == queue_recipient(slug))))
    assert rows
    for row in rows:
        with pytest.raises(envelopes.CannotOpen):
            envelopes.open_sealed(row.sealed, key, row.item_id, row.item_kind)
    queue = db.get(Queue, slug)
    assert queue is not None
    assert key.public_key().raw != queue.public_key


def messages(db: Session) -> list[Message]:
    db.expire_all()
    return list(db.scalars(select(Message)))


def test_keys_rotate_reseals_old_cases_and_retires_the_old_key(
    client: FlaskClient,
    runner: FlaskCliRunner,
    initialised: Initialised,
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    for n in range(3):
        file_report(client, text=f"{TEXT} ({n})", category="staff_misconduct")
    mutesi = make_officer("mutesi", [SLUG])
    old_key = queue_key(db, initialised)
    old_recipient = {queue_recipient(SLUG): old_key}
    assert read_message(db, messages(db)[0], old_recipient).startswith(TEXT)

    result = runner.invoke(
        args=["keys", "rotate", SLUG, "--recovery-file", str(initialised.recovery_file)]
    )
    assert result.exit_code == 0, result.output
    assert "generation 2" in result.output
    assert "3 items re-sealed" in result.output

    new_key = queue_key(db, initialised)
    assert new_key != old_key
    new_recipient = {queue_recipient(SLUG): new_key}
    texts = sorted(read_message(db, m, new_recipient) for m in messages(db))
    assert texts == [f"{TEXT} ({n})" for n in range(3)]
    for message in messages(db):
        with pytest.raises(envelopes.CannotOpen):
            read_message(db, message, old_recipient)
    assert_opens_nothing(db, old_key)

    # The designated officer holds the new key (sealed to their public key).
    officer = db.get(Officer, mutesi.officer_id)
    assert officer is not None
    keys = unseal_designations(db, officer, unlock(officer, mutesi.password).private_key)
    assert keys.keys[SLUG] == new_key
    # Other queues are untouched.
    cg = {
        queue_recipient("commissioner_general"): queue_key(db, initialised, "commissioner_general")
    }
    assert read_message(db, messages(db)[0], cg).startswith(TEXT)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "queue.rotated"))


def test_keys_rotate_with_reapprove_leaves_designations_pending(
    runner: FlaskCliRunner,
    initialised: Initialised,
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    make_officer("mutesi", [SLUG])
    make_officer("chief", [SLUG], admin=True)
    result = runner.invoke(
        args=[
            "keys",
            "rotate",
            SLUG,
            "--recovery-file",
            str(initialised.recovery_file),
            "--reapprove",
            "--keep",
            "chief",
        ]
    )
    assert result.exit_code == 0, result.output
    db.expire_all()
    rows = {
        d.officer.username: d
        for d in db.scalars(select(Designation).where(Designation.queue_slug == SLUG))
    }
    assert rows["mutesi"].pending
    assert rows["mutesi"].key_generation == 2
    assert not rows["chief"].pending
    assert "admin" not in rows  # the first administrator never held it


def test_keys_rotate_refuses_wrong_recovery_words(
    runner: FlaskCliRunner, tmp_path: object, db: Session
) -> None:
    from pathlib import Path

    from hotline.crypto.keyring import generate_recovery_words

    wrong = Path(str(tmp_path)) / "wrong.txt"
    wrong.write_text(generate_recovery_words())
    result = runner.invoke(args=["keys", "rotate", SLUG, "--recovery-file", str(wrong)])
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert db.get(Queue, SLUG).key_generation == 1  # type: ignore[union-attr]


def test_rotating_from_the_desk_keeps_the_administrator_signed_in(
    app: Flask,
    client: FlaskClient,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
    db: Session,
) -> None:
    reference = element(file_report(client, category="staff_misconduct"), "case-ref")
    chief = make_officer("chief", [SLUG], admin=True)
    mutesi = make_officer("mutesi", [SLUG])
    old_key = queue_key(db, initialised)
    officer_browser = desk(mutesi)
    admin = desk(chief)

    response = post(admin, f"/officer/admin/queues/{SLUG}/rotate")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert 'id="generation">2<' in page
    assert 'id="resealed">1<' in page

    assert_opens_nothing(db, old_key)
    new_key = queue_key(db, initialised)
    assert read_message(db, messages(db)[0], {queue_recipient(SLUG): new_key}) == TEXT
    # The administrator's renewed session holds the new key; the officer's ended.
    assert listed_references(app, admin) == {reference}
    assert admin.get("/officer/admin/").status_code == 200
    assert officer_browser.get("/officer/").status_code == 302


def test_rotation_needs_the_current_key(
    initialised: Initialised, make_officer: MakeOfficer, app: Flask
) -> None:
    instance = app.extensions["hotline"]
    with instance.database.transaction() as session:
        queue = session.get(Queue, SLUG)
        with pytest.raises(NoQueueKey):
            rotate_queue(session, queue, PrivateKey.generate(), audit_key=b"k" * 32, actor="test")


def test_catch_up_reseals_an_item_filed_with_the_old_key_during_rotation(
    client: FlaskClient, initialised: Initialised, app: Flask, db: Session
) -> None:
    file_report(client, category="staff_misconduct")
    instance = app.extensions["hotline"]
    audit_key = instance.secrets.audit_key
    old_key = queue_key(db, initialised)
    with instance.database.transaction() as session:
        queue = session.get(Queue, SLUG)
        assert queue is not None
        rotation = rotate_queue(session, queue, old_key, audit_key=audit_key, actor="test")
    # A filing that read the old public key before the rotation committed:
    late = messages(db)[0]
    data_key = envelopes.new_data_key()
    with instance.database.transaction() as session:
        session.add(
            SealedKey(
                item_id="f" * 32,
                recipient=queue_recipient(SLUG),
                item_kind="message",
                disclosure_id=late.disclosure_id,
                sealed=envelopes.seal(data_key, old_key.public_key(), "f" * 32, "message"),
                seal_version=envelopes.LEGACY_VERSION,
            )
        )
    with instance.database.transaction() as session:
        assert catch_up_rotation(session, rotation) == 1
    with instance.database.transaction() as session:
        assert catch_up_rotation(session, rotation) == 0
    row = db.get(SealedKey, ("f" * 32, queue_recipient(SLUG)))
    assert row is not None
    db.refresh(row)
    new_key = queue_key(db, initialised)
    assert row.seal_version == envelopes.SEAL_VERSION  # resealed in the newest version
    assert open_sealed_key(row, new_key) == data_key


def test_recover_gives_a_named_officer_the_queue_key(
    runner: FlaskCliRunner,
    initialised: Initialised,
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    habimana = make_officer("habimana", [])
    result = runner.invoke(
        args=[
            "recover",
            "investigation",
            "habimana",
            "--recovery-file",
            str(initialised.recovery_file),
        ]
    )
    assert result.exit_code == 0, result.output
    db.expire_all()
    officer = db.get(Officer, habimana.officer_id)
    assert officer is not None
    row = db.scalars(
        select(Designation).where(
            Designation.officer_id == officer.id, Designation.queue_slug == "investigation"
        )
    ).one()
    assert row.sealed_queue_key is not None
    queue = db.get(Queue, "investigation")
    assert queue is not None
    opened = open_queue_key(
        queue, row.sealed_queue_key, unlock(officer, habimana.password).private_key
    )
    assert opened == queue_key(db, initialised, "investigation")
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "designation.recovered"))

    unknown = runner.invoke(
        args=[
            "recover",
            "investigation",
            "nobody",
            "--recovery-file",
            str(initialised.recovery_file),
        ]
    )
    assert unknown.exit_code != 0
    assert "no officer" in unknown.output
