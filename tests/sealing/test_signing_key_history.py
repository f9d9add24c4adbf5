"""A reset gives an officer a new signing key; what they signed before still
verifies (at check-in and on the desk), and their old key, retired, signs
nothing new: a reply forged with it after the reset is refused, and one
backdated to before the reset breaks the case's head."""

from __future__ import annotations

import base64
import re
import time

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.admin.designations import unseal_designations
from hotline.auth.officers import TOTP_STEP, totp, unlock
from hotline.auth.service import sign_in
from hotline.auth.session import OfficerContext
from hotline.crypto.signing import SigningKey
from hotline.desk.service import reply
from hotline.models import Alarm, Message, Officer
from hotline.procedure import AuthorKind
from hotline.sealing import authorship, recipients, signing_keys
from hotline.sealing.items import seal_message
from hotline.sealing.store import insert_sealed
from tests.helpers.desk import case, desk_post, file_web_report, officer_client
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer
from tests.helpers.reporter import check_in

BEFORE = "Which days does the clerk sell the stamps?"
AFTER = "Thank you, we have what we need for now."
LURE = "Please come to the office alone with your national ID"
UNVERIFIED = "Unverified, reported to administrators."


def _code(uri: str) -> str:
    secret = re.search(r"secret=([A-Z2-7]+)", uri)
    assert secret
    padded = secret.group(1) + "=" * (-len(secret.group(1)) % 8)
    step = int(time.time()) // TOTP_STEP
    return totp(base64.b32decode(padded)).generate(step * TOTP_STEP).decode()


def _forge(db: Session, reference: str, officer_id: int, old: SigningKey, moment: int) -> str:
    """A reply "by" the officer, signed with their retired key as of ``moment``."""
    disclosure = case(db, reference)
    item = seal_message(
        disclosure_id=disclosure.id,
        seq=disclosure.next_seq,
        author_kind=AuthorKind.OFFICER,
        text=LURE,
        recipients=recipients.for_message(db, disclosure, AuthorKind.OFFICER),
        officer_id=officer_id,
    )
    insert_sealed(db, Message, [item])
    db.execute(
        text("UPDATE disclosures SET next_seq = next_seq + 1 WHERE id = :id"), {"id": disclosure.id}
    )
    message = db.get_one(Message, item.id)
    statement = authorship.statement(
        disclosure_id=message.disclosure_id,
        item_id=message.id,
        author_kind=message.author_kind,
        officer_id=message.officer_id,
        seq=message.seq,
        ciphertext=message.body,
    )
    signed = b"hotline-signed-v2" + len(str(moment)).to_bytes(4, "big") + str(moment).encode()
    message.authenticity = b"\x03" + moment.to_bytes(8, "big") + old.sign(signed + statement)
    db.commit()
    return item.id


def test_a_reset_keeps_earlier_replies_verified_and_retires_the_old_key(
    app: Flask,
    db: Session,
    runner: FlaskCliRunner,
    initialised: Initialised,
    make_officer: MakeOfficer,
) -> None:
    instance = app.extensions["hotline"]
    login = make_officer("mutesi", ["internal_audit"])
    colleague = officer_client(app, make_officer("kalisa", ["internal_audit"]))
    filed = file_web_report(app.test_client(), "The clerk at Nemba sells exemption stamps")
    desk = officer_client(app, login)
    url = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{url}/reply", reply=BEFORE).status_code == 303
    officer = db.get_one(Officer, login.officer_id)
    old_key = unlock(officer, login.password).signing_key  # say it leaked: hence the reset
    assert old_key is not None
    before_reset = signing_keys.now_us()

    result = runner.invoke(
        args=["officer", "reset", "mutesi", "--recovery-file", str(initialised.recovery_file)]
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password.*: (\S+)", result.output)
    uri = re.search(r"(otpauth://\S+)", result.output)
    assert password
    assert uri
    db.expire_all()
    signed = sign_in(
        db, "mutesi", password.group(1), _code(uri.group(1)), params=instance.argon2_params
    )
    new_key = signed.unlocked.signing_key
    assert new_key is not None
    assert new_key.public_bytes() != old_key.public_bytes()
    handler = OfficerContext(
        officer_id=login.officer_id,
        username="mutesi",
        is_admin=False,
        private_key=signed.unlocked.private_key,
        queue_keys=dict(unseal_designations(db, signed.officer, signed.unlocked.private_key).keys),
        signing_key=new_key,
    )
    reply(
        db,
        instance.secrets.audit_key,
        handler,
        filed.reference,
        AFTER,
        max_chars=10_000,
    )
    db.commit()

    # Both replies, before and after the reset, are the officer's.
    web = check_in(app.test_client(), filed.codename)
    assert BEFORE in web
    assert AFTER in web
    page = colleague.get(url).get_data(as_text=True)
    assert BEFORE in page
    assert AFTER in page
    assert UNVERIFIED not in page
    assert runner.invoke(args=["verify"]).exit_code == 0, runner.invoke(args=["verify"]).output

    # The retired key signing now: refused everywhere.
    forged = _forge(db, filed.reference, login.officer_id, old_key, signing_keys.now_us())
    assert LURE not in check_in(app.test_client(), filed.codename)
    page = colleague.get(url).get_data(as_text=True)
    assert LURE not in page
    assert UNVERIFIED in page
    db.expire_all()
    assert f"messages/{forged}" in db.scalars(select(Alarm.row)).all()
    output = runner.invoke(args=["verify"]).output
    assert f"FAILED (first: messages/{forged})" in output

    # Backdated to before the reset, the signature holds, but the item was never
    # appended by the server: the case's head says so.
    _forge(db, filed.reference, login.officer_id, old_key, before_reset)
    output = runner.invoke(args=["verify"]).output
    disclosure_id = case(db, filed.reference).id
    assert f"disclosures/{disclosure_id} (the items do not match the case's head)" in output
