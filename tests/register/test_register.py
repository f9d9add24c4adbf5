"""The codename register: request with a reason, a custodian decides, the requester reads.

Contact details and reasons never appear in clear in the database or the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.intake.service import Draft, submit
from hotline.models import AuditEvent, ContactRequest
from hotline.procedure import Category, Channel
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin, post
from tests.helpers.reporter import TEXT
from tests.helpers.stored import assert_absent, dump_database

Desk = Callable[[OfficerLogin], FlaskClient]
CONTACT = "Jeanne Uwimana, +250 788 555 123, jeanne.u@example.rw"
REASON = "Protected interview needed: the reporter is the only witness to the weighbridge swap"
CUSTODIAN = "codename_register"


def file_with_contact(app: Flask, contact: str | None = CONTACT) -> str:
    """A staff-misconduct case (internal_audit + commissioner_general) by e-mail,
    whose reporter left contact details (sealed to the custodian alone)."""
    instance = app.extensions["hotline"]
    with instance.database.transaction() as session:
        receipt = submit(
            session,
            Draft(
                category=Category.STAFF_MISCONDUCT,
                text=TEXT,
                channel=Channel.EMAIL,
                contact=contact,
                codename_kind="digits",
            ),
            policy=instance.policy,
            limits=instance.limits,
            kdf=instance.kdf,
        )
    return receipt.reference


def request_id(db: Session) -> str:
    db.expire_all()
    return db.scalars(select(ContactRequest.id)).one()


def status(db: Session) -> str:
    db.expire_all()
    return db.scalars(select(ContactRequest.status)).one()


def audit_rows(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_request_approve_and_read_with_every_step_audited(
    app: Flask,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
    db: Session,
) -> None:
    reference = file_with_contact(app)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    keeper = desk(make_officer("keeper", [CUSTODIAN]))
    kalisa = desk(make_officer("kalisa", ["investigation"]))
    page_url = f"/officer/case/{reference}/contact"

    form = mutesi.get(page_url)
    assert form.status_code == 200
    assert 'name="reason"' in form.get_data(as_text=True)
    sent = post(mutesi, page_url, {"reason": REASON})
    assert sent.status_code == 303
    waiting = mutesi.get(sent.headers["Location"]).get_data(as_text=True)
    assert "waiting for the custodian" in waiting
    assert REASON in waiting  # the case's own queue reads its reason back
    rid = request_id(db)

    # Officers of other queues see neither the page nor the register.
    assert kalisa.get(page_url).status_code == 403
    assert post(kalisa, page_url, {"reason": "curious"}).status_code == 403
    assert kalisa.get("/officer/register").status_code == 403
    assert mutesi.get("/officer/register").status_code == 403
    for outsider in (kalisa, mutesi):
        decided = post(outsider, f"/officer/register/{rid}/decide", {"decision": "approve"})
        assert decided.status_code == 403
    assert status(db) == "pending"
    read_early = post(mutesi, f"{page_url}/{rid}/read")
    assert read_early.status_code == 403

    register_page = keeper.get("/officer/register").get_data(as_text=True)
    assert reference in register_page
    assert REASON in register_page
    assert CONTACT not in register_page  # approving does not show the custodian anything
    approved = post(keeper, f"/officer/register/{rid}/decide", {"decision": "approve"})
    assert approved.status_code == 303
    assert status(db) == "approved"

    assert "approved by keeper" in mutesi.get(page_url).get_data(as_text=True)
    shown = post(mutesi, f"{page_url}/{rid}/read")
    assert shown.status_code == 200
    assert CONTACT in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    # An officer of the case who did not ask cannot read it.
    other = desk(make_officer("ingabire", ["internal_audit"]))
    assert post(other, f"{page_url}/{rid}/read").status_code == 403

    rows = [e for e in audit_rows(db) if e.action.startswith("register.")]
    assert [(e.action, e.actor) for e in rows] == [
        ("register.requested", "officer:mutesi"),
        ("register.approved", "officer:keeper"),
        ("register.read", "officer:mutesi"),
    ]
    assert all(e.subject == reference and rid in e.detail for e in rows)
    trail = "\n".join(f"{e.actor} {e.action} {e.subject} {e.detail}" for e in audit_rows(db))
    for secret in ("Jeanne", "788 555", "weighbridge", "witness"):
        assert secret not in trail
    stored = dump_database(initialised.config)
    for secret in (CONTACT, REASON, "Jeanne Uwimana", "weighbridge swap"):
        assert_absent(secret.encode(), stored)


def test_a_refused_request_cannot_be_read(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    reference = file_with_contact(app)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    keeper = desk(make_officer("keeper", [CUSTODIAN]))
    page_url = f"/officer/case/{reference}/contact"
    assert post(mutesi, page_url, {"reason": REASON}).status_code == 303
    rid = request_id(db)

    refused = post(keeper, f"/officer/register/{rid}/decide", {"decision": "refuse"})
    assert refused.status_code == 303
    assert status(db) == "refused"
    db.expire_all()
    assert db.scalars(select(ContactRequest.sealed_for_requester)).one() is None
    page = mutesi.get(page_url).get_data(as_text=True)
    assert "refused by keeper" in page
    assert f"{rid}/read" not in page
    response = post(mutesi, f"{page_url}/{rid}/read")
    assert response.status_code == 403
    assert CONTACT not in response.get_data(as_text=True)
    # Decided once: a second decision is refused.
    again = post(keeper, f"/officer/register/{rid}/decide", {"decision": "approve"})
    assert again.status_code == 409
    assert "register.refused" in [e.action for e in audit_rows(db)]


def test_a_custodian_cannot_approve_their_own_request(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    reference = file_with_contact(app)
    both = desk(make_officer("ineza", ["internal_audit", CUSTODIAN]))
    keeper = desk(make_officer("keeper", [CUSTODIAN]))
    assert post(both, f"/officer/case/{reference}/contact", {"reason": REASON}).status_code == 303
    rid = request_id(db)
    own = post(both, f"/officer/register/{rid}/decide", {"decision": "approve"})
    assert own.status_code == 403
    assert status(db) == "pending"
    assert (
        post(keeper, f"/officer/register/{rid}/decide", {"decision": "approve"}).status_code == 303
    )
    shown = post(both, f"/officer/case/{reference}/contact/{rid}/read")
    assert CONTACT in shown.get_data(as_text=True)


def test_a_case_without_contact_details_has_nothing_to_request(
    app: Flask, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    reference = file_with_contact(app, contact=None)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    page_url = f"/officer/case/{reference}/contact"
    assert 'id="no-contact"' in mutesi.get(page_url).get_data(as_text=True)
    assert post(mutesi, page_url, {"reason": REASON}).status_code == 400
    assert db.scalar(select(ContactRequest)) is None


def test_an_unknown_reference_looks_like_someone_elses_case(
    make_officer: MakeOfficer, desk: Desk
) -> None:
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    assert mutesi.get("/officer/case/HL-0000-0000/contact").status_code == 403
