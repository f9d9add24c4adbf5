"""A database writer without keys/ "closes" or "acknowledges" a case to take it
off the desk's lists: the queue and the deadline overview show each row's status
only if it verifies, and a case the forgery took off the lists is named to the
administrators by ``hotline verify`` (which a timer runs hourly)."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.models import Alarm
from tests.helpers.desk import case, desk_post, file_web_report
from tests.helpers.officers import MakeOfficer, OfficerLogin
from tests.sealing.test_signed_decisions import Desk


def _forge(db: Session, disclosure_id: str, statement: str, **values: object) -> None:
    # The attacker's write: ``statement`` is this file's own constant text.
    forged = text(f"UPDATE disclosures SET {statement} WHERE id = :id")  # noqa: S608
    db.execute(forged, {"id": disclosure_id, **values})
    db.commit()
    db.expire_all()


def _alarms(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Alarm.row).where(Alarm.cleared.is_(False))))


def _row(page: str, reference: str) -> str:
    rows = [row.split("</tr>")[0] for row in page.split("<tr") if reference in row]
    assert len(rows) == 1, f"{reference} is not listed once"
    return rows[0]


def _acknowledged(app: Flask, officer: FlaskClient, text_: str) -> str:
    filed = file_web_report(app.test_client(), text_, "staff_misconduct")
    assert desk_post(officer, f"/officer/case/{filed.reference}/status", status="acknowledged")
    return filed.reference


def test_a_forged_status_shows_as_unverified_in_the_queue_with_its_deadline_owed(
    app: Flask, db: Session, make_officer: MakeOfficer, desk: Desk
) -> None:
    mutesi: FlaskClient = desk(make_officer("mutesi", ["internal_audit"]))
    genuine = _acknowledged(app, mutesi, "Receipts torn up at the Gatuna post")
    forged = file_web_report(app.test_client(), "Bribes asked at Rusizi", "staff_misconduct")
    page = mutesi.get("/officer/").get_data(as_text=True)
    assert "unverified" not in page
    assert _alarms(db) == []

    # Acknowledged 100 days ago by nobody: the feedback it owes is overdue.
    long_ago = dt.date.today() - dt.timedelta(days=100)
    forged_id = case(db, forged.reference).id
    _forge(
        db,
        forged_id,
        "status = 'closed', outcome = 'unsubstantiated', acknowledged_on = :ack,"
        " feedback_due = :due, closed_on = :ack",
        ack=long_ago,
        due=long_ago + dt.timedelta(days=90),
    )
    page = mutesi.get("/officer/").get_data(as_text=True)
    row = _row(page, forged.reference)
    assert "unverified" in row
    assert "Closed" not in row
    assert 'class="overdue"' in row  # its deadlines still owed, not ticked off
    assert "unverified" not in _row(page, genuine)
    assert f"disclosures/{forged_id}/status" in _alarms(db)

    # "Mine, overdue" and every filter read the same rows the same way.
    filtered = mutesi.get("/officer/?status=closed").get_data(as_text=True)
    assert "unverified" in _row(filtered, forged.reference)


def test_a_forged_feedback_date_shows_as_unverified_on_the_deadlines_page(
    app: Flask, db: Session, make_officer: MakeOfficer, desk: Desk
) -> None:
    mutesi: FlaskClient = desk(make_officer("mutesi", ["internal_audit"]))
    reference = _acknowledged(app, mutesi, "Fuel tankers waved through at Rusumo")
    disclosure_id = case(db, reference).id
    soon = dt.date.today() + dt.timedelta(days=3)
    _forge(db, disclosure_id, "feedback_due = :due", due=soon)
    page = mutesi.get("/officer/deadlines").get_data(as_text=True)
    listed = re.search(rf"<tr[^>]*>\s*<td><a[^>]*>{reference}</a>(.*?)</td>", page, re.DOTALL)
    assert listed, page
    assert "unverified" in listed.group(1)
    assert f"disclosures/{disclosure_id}/status" in _alarms(db)


def test_a_case_a_forged_closure_took_off_every_list_is_named_by_verify(
    app: Flask,
    db: Session,
    runner: FlaskCliRunner,
    make_officer: MakeOfficer,
    desk: Desk,
) -> None:
    """The lists cannot check rows they do not show: the hourly ``hotline verify``
    raises the alarm the administrators see on the desk."""
    mutesi: FlaskClient = desk(make_officer("mutesi", ["internal_audit"]))
    chief_login: OfficerLogin = make_officer("chief", ["investigation"], admin=True)
    reference = _acknowledged(app, mutesi, "The Kigali cashier keeps part of every fine")
    disclosure_id = case(db, reference).id
    _forge(db, disclosure_id, "status = 'closed', closed_on = acknowledged_on")
    deadlines = mutesi.get("/officer/deadlines").get_data(as_text=True)
    assert reference not in deadlines  # off the list: nothing here can see it
    assert _alarms(db) == []

    result = runner.invoke(args=["verify"])
    assert result.exit_code == 2, result.output
    assert f"disclosures/{disclosure_id}/status" in _alarms(db)
    chief = desk(chief_login)
    assert f"disclosures/{disclosure_id}/status" in chief.get("/officer/").get_data(as_text=True)
