"""The officer lifecycle on the console: list, deactivate, reset.

A reset officer gets new keys under the same name and still opens their
queues; a deactivated one keeps their authorship but cannot sign in, and the
session they had open dies with the command."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import unseal_designations
from hotline.auth.officers import TOTP_STEP, SignInFailed, totp
from hotline.auth.service import sign_in
from hotline.crypto.keypairs import PublicKey
from hotline.models import Message, Officer, Queue
from tests.helpers.desk import audit_events, desk_post, file_web_report, officer_client
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin


def _code(uri: str) -> str:
    import base64

    secret = re.search(r"secret=([A-Z2-7]+)", uri)
    assert secret
    padded = secret.group(1) + "=" * (-len(secret.group(1)) % 8)
    step = int(time.time()) // TOTP_STEP
    return totp(base64.b32decode(padded)).generate(step * TOTP_STEP).decode()


def _reply_and_keep_session(app: Flask, client: Any, officer: OfficerLogin) -> tuple[Any, str]:
    filed = file_web_report(client, "The clerk at Nemba sells exemption stamps")
    desk = officer_client(app, officer)
    reply = desk_post(desk, f"/officer/case/{filed.reference}/reply", reply="Which days?")
    assert reply.status_code == 303
    assert desk.get("/officer/").status_code == 200
    return desk, filed.reference


def test_reset_gives_new_keys_that_still_open_the_queues_and_ends_the_session(
    app: Flask,
    client: Any,
    runner: FlaskCliRunner,
    initialised: Initialised,
    db: Session,
    make_officer: Any,
) -> None:
    officer: OfficerLogin = make_officer("mutesi", ["internal_audit"])
    desk, _reference = _reply_and_keep_session(app, client, officer)
    old_key = db.scalars(select(Officer.public_key).where(Officer.username == "mutesi")).one()

    result = runner.invoke(
        args=["officer", "reset", "mutesi", "--recovery-file", str(initialised.recovery_file)]
    )
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password.*: (\S+)", result.output)
    uri = re.search(r"(otpauth://\S+)", result.output)
    assert password
    assert uri

    assert desk.get("/officer/").status_code != 200  # the open session died
    db.expire_all()
    with pytest.raises(SignInFailed):
        sign_in(db, "mutesi", officer.password, officer.next_code(), params=_params(app))
    signed = sign_in(db, "mutesi", password.group(1), _code(uri.group(1)), params=_params(app))
    assert signed.officer.public_key != old_key
    assert signed.needs_setup  # a new password at this sign-in
    keys = unseal_designations(db, signed.officer, signed.unlocked.private_key).keys
    queue = db.get(Queue, "internal_audit")
    assert queue is not None
    assert keys["internal_audit"].public_key() == PublicKey(queue.public_key)
    # Authorship stays: the reply is still the officer's (same row, same id).
    reply = db.scalars(select(Message).where(Message.officer_id == signed.officer.id)).one()
    assert reply is not None
    assert [e.subject for e in audit_events(db, "officer.reset")] == ["mutesi"]


def test_reset_without_the_recovery_words_leaves_the_queues_pending(
    runner: FlaskCliRunner, db: Session, make_officer: Any
) -> None:
    make_officer("kagame", ["investigation", "internal_audit"])
    result = runner.invoke(args=["officer", "reset", "kagame"])
    assert result.exit_code == 0, result.output
    assert "Pending until an administrator" in result.output
    assert "internal_audit, investigation" in result.output
    listing = runner.invoke(args=["officer", "list"])
    assert "internal_audit (pending)" in listing.output


def test_a_deactivated_officer_keeps_authorship_but_cannot_sign_in(
    app: Flask, client: Any, runner: FlaskCliRunner, db: Session, make_officer: Any
) -> None:
    make_officer("admin2", ["commissioner_general"], admin=True)
    officer: OfficerLogin = make_officer("niyonsaba", ["internal_audit"])
    desk, reference = _reply_and_keep_session(app, client, officer)
    result = runner.invoke(args=["officer", "deactivate", "niyonsaba"])
    assert result.exit_code == 0, result.output
    assert desk.get("/officer/").status_code != 200
    with pytest.raises(SignInFailed):
        sign_in(db, "niyonsaba", officer.password, officer.next_code(), params=_params(app))
    db.expire_all()
    reply = db.scalars(select(Message).where(Message.officer_id == officer.officer_id)).one()
    assert reply is not None
    assert "niyonsaba\tdeactivated" in runner.invoke(args=["officer", "list"]).output
    # A reset does not bring them back.
    again = runner.invoke(args=["officer", "reset", "niyonsaba"])
    assert again.exit_code != 0
    assert "deactivated" in again.output


def test_unknown_officers_are_refused_clearly(runner: FlaskCliRunner) -> None:
    for command in ("reset", "deactivate"):
        result = runner.invoke(args=["officer", command, "nobody-here"])
        assert result.exit_code == 1
        assert "There is no officer" in result.output


def _params(app: Flask) -> Any:
    return app.extensions["hotline"].argon2_params


def test_an_administrator_resets_an_officer_on_the_desk_with_the_keys_they_hold(
    app: Flask, client: Any, db: Session, make_officer: Any
) -> None:
    admin: OfficerLogin = make_officer("chief", ["internal_audit"], admin=True)
    officer: OfficerLogin = make_officer("mugisha", ["internal_audit", "investigation"])
    their_desk, _reference = _reply_and_keep_session(app, client, officer)
    # Not an administrator: the reset page is not theirs to use.
    forged = desk_post(their_desk, f"/officer/admin/officers/{admin.officer_id}/reset")
    assert forged.status_code in (302, 303, 403)
    assert [e.subject for e in audit_events(db, "officer.reset")] == []

    admin_desk = officer_client(app, admin)
    response = desk_post(admin_desk, f"/officer/admin/officers/{officer.officer_id}/reset")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = re.search(r'id="one-time-password">([^<]+)<', page)
    uri = re.search(r'id="totp-uri" class="wrap">([^<]+)<', page)
    assert password
    assert uri
    assert re.search(r'id="sealed">internal_audit<', page)
    assert re.search(r'id="pending">investigation<', page)
    assert their_desk.get("/officer/").status_code != 200

    db.expire_all()
    signed = sign_in(
        db,
        "mugisha",
        password.group(1),
        _code(uri.group(1).replace("&amp;", "&")),
        params=_params(app),
    )
    keys = unseal_designations(db, signed.officer, signed.unlocked.private_key).keys
    assert set(keys) == {"internal_audit"}
