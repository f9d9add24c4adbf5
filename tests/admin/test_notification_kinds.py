"""Each notification kind is produced once, to the officers it concerns only,
naming the case reference and what happened, never what the case says."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import Disclosure, Notification, Officer
from hotline.notifications.mailer import drain_outbox
from hotline.notifications.reminders import queue_reminders
from tests.admin.test_mailer import SECRET_TEXT, Collector, mail_app, parsed, smtp
from tests.desk.test_deadlines import _original_and_retaliation
from tests.helpers.desk import desk_post, file_web_report, officer_client
from tests.helpers.officers import MakeOfficer, OfficerLogin, post
from tests.helpers.reporter import check_in, hidden
from tests.register.test_register import CUSTODIAN, REASON, file_with_contact

__all__ = ["mail_app", "smtp"]  # fixtures used here


def selected(html: str) -> str:
    match = re.search(r'<option selected value="(\w+)"', html)
    assert match, "no option selected"
    return match.group(1)


def rows(db: Session, kind: str) -> list[tuple[int, str]]:
    """(officer id, case reference) of every row of this kind."""
    db.expire_all()
    return sorted(
        (officer_id, reference)
        for officer_id, reference in db.execute(
            select(Notification.officer_id, Disclosure.reference)
            .join(Disclosure, Disclosure.id == Notification.disclosure_id)
            .where(Notification.kind == kind)
        )
    )


def test_new_case_and_answer_go_once_to_the_queues_officers_only(
    client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    mutesi = make_officer("mutesi", ["internal_audit"])
    other = make_officer("other", ["investigation"])
    filed = file_web_report(client, SECRET_TEXT, "staff_misconduct")
    new = rows(db, "new_case")
    assert (mutesi.officer_id, filed.reference) in new
    assert other.officer_id not in {officer for officer, _ in new}
    assert len([r for r in new if r[0] == mutesi.officer_id]) == 1

    page = check_in(client, filed.codename)
    for body in ("One more lorry on Friday", "And another on Sunday"):
        client.post(
            "/checkin/followup",
            data={
                "csrf_token": hidden(page, "csrf_token"),
                "disclosure": hidden(page, "disclosure"),
                "body": body,
            },
        )
    answered = rows(db, "reporter_wrote")
    assert answered.count((mutesi.officer_id, filed.reference)) == 1  # said once per batch
    assert other.officer_id not in {officer for officer, _ in answered}


def test_the_assignee_is_told_and_nobody_else(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    lead: OfficerLogin = make_officer("lead", ["investigation"])
    worker: OfficerLogin = make_officer("worker", ["investigation"])
    filed = file_web_report(client, SECRET_TEXT, "taxpayer_fraud")
    desk = officer_client(app, lead)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/assign", assignee=str(worker.officer_id)).status_code == 303
    assert rows(db, "assigned") == [(worker.officer_id, filed.reference)]
    # Assigning oneself tells nobody.
    assert desk_post(desk, f"{base}/assign", assignee=str(lead.officer_id)).status_code == 303
    assert rows(db, "assigned") == [(worker.officer_id, filed.reference)]


def test_a_reward_assessment_asks_another_officer_to_approve(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    assessor: OfficerLogin = make_officer("assessor", ["investigation"])
    approver: OfficerLogin = make_officer("approver", ["investigation"])
    outsider: OfficerLogin = make_officer("outsider", ["internal_audit"])
    filed = file_web_report(client, SECRET_TEXT, "taxpayer_fraud")
    desk = officer_client(app, assessor)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/reward", reward_state="pending_assessment").status_code == 303
    assert rows(db, "approval_waiting") == []  # nothing to approve yet
    response = desk_post(
        desk, f"{base}/reward", reward_state="pending_assessment", collected="1000.00"
    )
    assert response.status_code == 303
    waiting = rows(db, "approval_waiting")
    assert (approver.officer_id, filed.reference) in waiting
    assert assessor.officer_id not in {o for o, _ in waiting}
    assert outsider.officer_id not in {o for o, _ in waiting}


def test_a_register_request_tells_the_custodian(
    app: Flask, make_officer: MakeOfficer, db: Session
) -> None:
    reference = file_with_contact(app)
    mutesi = officer_client(app, make_officer("mutesi", ["internal_audit"]))
    keeper: OfficerLogin = make_officer("keeper", [CUSTODIAN])
    kalisa: OfficerLogin = make_officer("kalisa", ["investigation"])
    page = f"/officer/case/{reference}/contact"
    assert post(mutesi, page, {"reason": REASON}, page=page).status_code == 303
    waiting = rows(db, "register_waiting")
    assert (keeper.officer_id, reference) in waiting
    assert kalisa.officer_id not in {o for o, _ in waiting}


def test_deadlines_are_reminded_once_each_by_kind(
    client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    mutesi = make_officer("mutesi", ["internal_audit"])
    other = make_officer("other", ["investigation"])
    filed = file_web_report(client, SECRET_TEXT, "staff_misconduct")
    today = dt.date.today()

    def due(**values: object) -> None:
        db.execute(update(Disclosure).values(**values))
        db.commit()
        queue_reminders(db, today)
        queue_reminders(db, today)  # a second batch adds nothing
        db.commit()

    due(acknowledgement_due=today + dt.timedelta(days=2))
    due(acknowledgement_due=today - dt.timedelta(days=1))
    due(
        acknowledged_on=today,
        acknowledgement_due=today,
        feedback_due=today + dt.timedelta(days=1),
    )
    due(feedback_due=today - dt.timedelta(days=1))
    for kind in ("ack_due_soon", "ack_overdue", "feedback_due_soon", "feedback_overdue"):
        produced = rows(db, kind)
        assert produced.count((mutesi.officer_id, filed.reference)) == 1, kind
        assert other.officer_id not in {o for o, _ in produced}, kind


def test_digest_officers_get_one_e_mail_a_day(
    client: FlaskClient,
    mail_app: Flask,
    smtp: tuple[Collector, int],
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    daily = make_officer("daily", ["internal_audit"])
    make_officer("now", ["commissioner_general"])
    db.execute(update(Officer).where(Officer.id == daily.officer_id).values(notify_digest=True))
    db.commit()
    instance = mail_app.extensions["hotline"]
    first = file_web_report(client, SECRET_TEXT, "staff_misconduct")
    drain_outbox(instance.database, instance.config)
    second = file_web_report(client, "Another lorry", "staff_misconduct")
    drain_outbox(instance.database, instance.config)

    by_recipient: dict[str, list[bytes]] = {}
    for recipients, raw in smtp[0].received:
        for recipient in recipients:
            by_recipient.setdefault(recipient, []).append(raw)
    assert len(by_recipient["now@example.org"]) == 2  # immediate: each batch
    assert len(by_recipient["daily@example.org"]) == 1  # digest: one today
    body = parsed(by_recipient["daily@example.org"][0]).get_payload(decode=True)
    assert isinstance(body, bytes)
    assert f"{first.reference}: new case in your queue".encode() in body
    assert b"lorry" not in body.lower()
    assert b"staff" not in body.lower()
    # The second case waits for tomorrow's digest, not lost.
    db.expire_all()
    waiting = rows(db, "new_case")
    assert (daily.officer_id, second.reference) in waiting
    assert (
        db.scalar(
            select(Notification.sent)
            .where(Notification.officer_id == daily.officer_id)
            .order_by(Notification.id.desc())
            .limit(1)
        )
        is False
    )
    db.execute(update(Officer).where(Officer.id == daily.officer_id).values(digest_sent_on=None))
    db.commit()
    drain_outbox(instance.database, instance.config)
    assert len([r for rs, _ in smtp[0].received for r in rs if r == "daily@example.org"]) == 2


def test_an_officer_chooses_the_daily_digest_on_the_desk(
    app: Flask, make_officer: MakeOfficer, db: Session
) -> None:
    login: OfficerLogin = make_officer("daily", ["internal_audit"])
    desk = officer_client(app, login)
    page = desk.get("/officer/notifications")
    assert page.status_code == 200
    assert selected(page.get_data(as_text=True)) == "immediate"
    chosen = post(desk, "/officer/notifications", {"how": "digest"}, page="/officer/notifications")
    assert chosen.status_code == 303
    db.expire_all()
    assert db.scalar(select(Officer.notify_digest).where(Officer.id == login.officer_id)) is True
    assert selected(desk.get("/officer/notifications").get_data(as_text=True)) == "digest"
    refused = post(desk, "/officer/notifications", {"how": "hourly"}, page="/officer/notifications")
    assert refused.status_code == 400


def test_a_due_retaliation_check_in_is_reminded_once_to_its_queues(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    original_ref, retaliation_ref = _original_and_retaliation(client)
    protector: OfficerLogin = make_officer("protector", ["internal_audit"])
    other: OfficerLogin = make_officer("other", ["investigation"])
    desk = officer_client(app, protector)
    original_page = f"/officer/case/{original_ref}"
    assert desk_post(desk, f"{original_page}/status", status="acknowledged").status_code == 303
    closing = {"status": "closed", "outcome": "substantiated"}
    assert desk_post(desk, f"{original_page}/status", **closing).status_code == 303
    db.execute(
        update(Disclosure)
        .where(Disclosure.reference == original_ref)
        .values(closed_on=dt.date.today() - dt.timedelta(days=95))
    )
    db.commit()
    queue_reminders(db, dt.date.today())  # 30, 60 and 90 days all due: said once
    queue_reminders(db, dt.date.today())
    db.commit()
    produced = rows(db, "retaliation_check_in")
    assert produced.count((protector.officer_id, retaliation_ref)) == 1
    assert other.officer_id not in {o for o, _ in produced}
