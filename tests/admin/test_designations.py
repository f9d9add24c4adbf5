"""Administrators designate, approve, revoke and deactivate; the key decides who can."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import unseal_designations
from hotline.auth.officers import unlock
from hotline.models import AuditEvent, Designation, Disclosure, Message, Officer
from hotline.sealing.items import read_message
from hotline.sealing.recipients import queue_recipient
from tests.helpers.officers import MakeOfficer, OfficerLogin, listed_references, post
from tests.helpers.reporter import TEXT, element, file_report

Desk = Callable[[OfficerLogin], FlaskClient]


def designation(db: Session, username: str, queue: str) -> Designation | None:
    db.expire_all()
    return db.scalar(
        select(Designation)
        .join(Officer, Officer.id == Designation.officer_id)
        .where(Officer.username == username, Designation.queue_slug == queue)
    )


def officer_id(db: Session, username: str) -> int:
    return db.scalars(select(Officer.id).where(Officer.username == username)).one()


def actor_actions(db: Session) -> list[tuple[str, str]]:
    db.expire_all()
    return [(e.actor, e.action) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def actions(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_administrator_designates_an_officer_who_then_sees_the_queue(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    reference = element(file_report(client, category="staff_misconduct"), "case-ref")
    chief = make_officer("chief", ["internal_audit", "commissioner_general"], admin=True)
    mutesi = make_officer("mutesi", [])

    assert listed_references(app, desk(mutesi)) == set()

    admin = desk(chief)
    response = post(
        admin,
        "/officer/admin/designate",
        {"officer": str(officer_id(db, "mutesi")), "queue": "internal_audit"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    row = designation(db, "mutesi", "internal_audit")
    assert row is not None
    assert not row.pending
    assert row.designated_by == officer_id(db, "chief")
    # Made by the administrator at the desk (the fixture's own designations are "test"'s).
    assert ("officer:chief", "designation.made") in actor_actions(db)

    assert listed_references(app, desk(mutesi)) == {reference}


def test_a_non_administrator_gets_403_on_every_admin_page(
    make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    mutesi = make_officer("mutesi", ["internal_audit"])
    client = desk(mutesi)
    assert client.get("/officer/admin/").status_code == 403
    assert client.get("/officer/admin/audit").status_code == 403
    response = post(
        client,
        "/officer/admin/designate",
        {"officer": str(mutesi.officer_id), "queue": "investigation"},
    )
    assert response.status_code == 403
    assert designation(db, "mutesi", "investigation") is None
    row = designation(db, "mutesi", "internal_audit")
    assert row is not None
    assert post(client, f"/officer/admin/designations/{row.id}/revoke").status_code == 403
    assert designation(db, "mutesi", "internal_audit") is not None


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/officer/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/officer/login")


def test_a_pending_cli_designation_takes_effect_once_an_administrator_approves_it(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    make_officer: MakeOfficer,
    desk: Desk,
    db: Session,
) -> None:
    file_report(client, category="taxpayer_fraud")  # routed to investigation
    password = "correct horse battery"
    result = runner.invoke(
        args=["officer", "add", "habimana", "--queue", "investigation", "--password-stdin"],
        input=password + "\n",
    )
    assert result.exit_code == 0, result.output
    pending = designation(db, "habimana", "investigation")
    assert pending is not None
    assert pending.pending

    def keys_of_habimana() -> dict[str, object]:
        db.expire_all()
        officer = db.scalars(select(Officer).where(Officer.username == "habimana")).one()
        return dict(unseal_designations(db, officer, unlock(officer, password).private_key).keys)

    assert keys_of_habimana() == {}

    chief = make_officer("chief", ["investigation"], admin=True)
    admin = desk(chief)
    page = admin.get("/officer/admin/").get_data(as_text=True)
    assert re.search(rf'id="designation-{pending.id}".*?pending.*?Approve', page, re.S)

    response = post(admin, f"/officer/admin/designations/{pending.id}/approve")
    assert response.status_code == 303
    approved = designation(db, "habimana", "investigation")
    assert approved is not None
    assert not approved.pending
    assert "designation.approved" in actions(db)

    keys = keys_of_habimana()
    assert set(keys) == {"investigation"}
    message = db.scalars(select(Message)).one()
    recipient_keys = {queue_recipient("investigation"): keys["investigation"]}
    assert read_message(db, message, recipient_keys) == TEXT  # type: ignore[arg-type]


def test_an_administrator_who_does_not_hold_a_queue_cannot_designate_to_it(
    runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    deputy = make_officer("deputy", ["commissioner_general"], admin=True)
    make_officer("mutesi", [])
    admin = desk(deputy)
    page = admin.get("/officer/admin/").get_data(as_text=True)
    assert 'value="internal_audit"' not in page  # not offered either

    response = post(
        admin,
        "/officer/admin/designate",
        {"officer": str(officer_id(db, "mutesi")), "queue": "internal_audit"},
    )
    assert response.status_code == 403
    assert "not designated to this queue" in response.get_data(as_text=True)
    assert designation(db, "mutesi", "internal_audit") is None

    runner.invoke(
        args=["officer", "add", "kalisa", "--queue", "internal_audit", "--password-stdin"],
        input="correct horse battery\n",
    )
    pending = designation(db, "kalisa", "internal_audit")
    assert pending is not None
    assert post(admin, f"/officer/admin/designations/{pending.id}/approve").status_code == 403
    still = designation(db, "kalisa", "internal_audit")
    assert still is not None
    assert still.pending


def test_revoking_deletes_the_sealed_copy_ends_sessions_and_offers_rotation(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    chief = make_officer("chief", ["internal_audit"], admin=True)
    mutesi = make_officer("mutesi", ["internal_audit"])
    officer_browser = desk(mutesi)
    assert officer_browser.get("/officer/").status_code == 200
    row = designation(db, "mutesi", "internal_audit")
    assert row is not None
    assert row.sealed_queue_key

    response = post(desk(chief), f"/officer/admin/designations/{row.id}/revoke")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "hotline keys rotate internal_audit --recovery-file" in page
    assert "/officer/admin/queues/internal_audit/rotate" in page  # rotate now

    assert designation(db, "mutesi", "internal_audit") is None
    assert "designation.revoked" in actions(db)
    # The officer's session (which held the unsealed key) is gone.
    assert officer_browser.get("/officer/").status_code == 302


def test_deactivating_stops_sign_in_and_removes_designations(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    chief = make_officer("chief", ["internal_audit"], admin=True)
    mutesi = make_officer("mutesi", ["internal_audit"])
    officer_browser = desk(mutesi)
    admin = desk(chief)

    response = post(admin, f"/officer/admin/officers/{mutesi.officer_id}/deactivate")
    assert response.status_code == 303
    db.expire_all()
    assert not db.get(Officer, mutesi.officer_id).active  # type: ignore[union-attr]
    assert designation(db, "mutesi", "internal_audit") is None
    assert officer_browser.get("/officer/").status_code == 302
    assert "officer.deactivated" in actions(db)

    # Nor can an administrator lock themselves out.
    refused = post(admin, f"/officer/admin/officers/{chief.officer_id}/deactivate")
    assert refused.status_code == 409
    assert db.get(Officer, chief.officer_id).active  # type: ignore[union-attr]


def test_the_officers_page_lists_officers_and_designations(
    make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    chief = make_officer("chief", ["internal_audit"], admin=True)
    make_officer("mutesi", ["internal_audit"])
    page = desk(chief).get("/officer/admin/").get_data(as_text=True)
    assert "mutesi" in page
    assert "Internal Audit &amp; Integrity" in page
    assert db.scalar(select(Disclosure)) is None
