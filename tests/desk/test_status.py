"""The workflow received → acknowledged → under_investigation → closed, its
deadlines, and the refusals of anything else."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.desk.deadlines import acknowledgement_due, add_months, feedback_due
from hotline.models import today
from tests.helpers.desk import audit_events, case, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import check_in

REPORT = "Customs officer at Cyanika waves through undeclared mobile phones for cash"


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2025, 1, 15), 3, dt.date(2025, 4, 15)),
        (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
        (dt.date(2023, 11, 30), 3, dt.date(2024, 2, 29)),
        (dt.date(2025, 5, 31), 3, dt.date(2025, 8, 31)),
        (dt.date(2025, 3, 31), 3, dt.date(2025, 6, 30)),
        (dt.date(2025, 10, 31), 3, dt.date(2026, 1, 31)),
        (dt.date(2025, 12, 31), 2, dt.date(2026, 2, 28)),
    ],
)
def test_calendar_months_stop_at_the_end_of_a_short_month(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_the_procedure_deadlines() -> None:
    assert acknowledgement_due(dt.date(2025, 2, 25)) == dt.date(2025, 3, 4)
    assert feedback_due(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)


def test_the_workflow_sets_dates_and_the_reporter_sees_each_status(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    login: OfficerLogin = make_officer("habimana", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"

    assert desk_post(desk, f"{base}/status", status="acknowledged").status_code == 303
    disclosure = case(db, filed.reference)
    assert disclosure.status == "acknowledged"
    assert disclosure.acknowledged_on == today()
    assert disclosure.feedback_due == add_months(today(), 3)
    page = desk.get(base).get_data(as_text=True)
    assert f'id="feedback-due" class="">{add_months(today(), 3).isoformat()}' in page
    assert "Acknowledged" in check_in(client, filed.codename)

    assert desk_post(desk, f"{base}/status", status="under_investigation").status_code == 303
    assert "Under investigation" in client.get("/checkin").get_data(as_text=True)

    assert (
        desk_post(desk, f"{base}/status", status="closed", outcome="substantiated").status_code
        == 303
    )
    disclosure = case(db, filed.reference)
    assert (disclosure.status, disclosure.outcome, disclosure.closed_on) == (
        "closed",
        "substantiated",
        today(),
    )
    reporter_page = client.get("/checkin").get_data(as_text=True)
    assert "Closed" in reporter_page
    assert "substantiated" in reporter_page
    details = [e.detail for e in audit_events(db, "case.status")]
    assert details == [
        "received->acknowledged",
        "acknowledged->under_investigation",
        "under_investigation->closed; outcome=substantiated",
    ]


#: (steps first taken, the refused attempt, words the refusal must contain)
REFUSED = [
    ([], {"status": "closed", "outcome": "substantiated"}, "cannot become"),
    ([], {"status": "under_investigation"}, "cannot become"),
    ([], {"status": "received"}, "cannot become"),
    ([{"status": "acknowledged"}], {"status": "closed"}, "Choose an outcome"),
    (
        [{"status": "acknowledged"}],
        {"status": "under_investigation", "outcome": "malicious"},
        "only when closing",
    ),
    (
        [{"status": "acknowledged"}],
        {"status": "closed", "outcome": "referred", "pointer": "Go to the police"},
        "outside this procedure",
    ),
    (
        [{"status": "acknowledged"}, {"status": "closed", "outcome": "unsubstantiated"}],
        {"status": "under_investigation"},
        "cannot become",
    ),
    ([], {"status": "archived"}, "Not a valid choice"),
]


def test_invalid_transitions_are_refused_with_a_clear_message_and_change_nothing(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    login: OfficerLogin = make_officer("strict", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    for steps, attempt, message in REFUSED:
        filed = file_web_report(client, REPORT)
        base = f"/officer/case/{filed.reference}"
        for step in steps:
            assert desk_post(desk, f"{base}/status", **step).status_code == 303
        before = case(db, filed.reference)
        state = (before.status, before.outcome, before.closed_on, len(before.messages))
        events = len(audit_events(db, "case.status"))

        response = desk_post(desk, f"{base}/status", **attempt)
        assert response.status_code == 400, attempt
        page = response.get_data(as_text=True)
        assert 'id="case-error"' in page
        assert message in page, attempt
        after = case(db, filed.reference)
        assert (after.status, after.outcome, after.closed_on, len(after.messages)) == state
        assert len(audit_events(db, "case.status")) == events


def test_an_out_of_scope_closure_sends_its_pointer_to_the_reporter(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "My manager refused my leave request", "other")
    login: OfficerLogin = make_officer("triage", ["commissioner_general"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    pointer = "Leave disputes go to the HR grievance desk, room 12."
    assert desk_post(desk, f"{base}/status", status="acknowledged").status_code == 303
    response = desk_post(
        desk, f"{base}/status", status="closed", outcome="out_of_scope", pointer=pointer
    )
    assert response.status_code == 303
    disclosure = case(db, filed.reference)
    assert (disclosure.status, disclosure.outcome) == ("closed", "out_of_scope")
    assert disclosure.messages[-1].author_kind == "officer"
    assert disclosure.first_reply_on == today()
    page = check_in(client, filed.codename)
    assert pointer in page
    assert "outside this procedure" in page
    assert [e.action for e in audit_events(db) if e.subject == filed.reference][-2:] == [
        "case.status",
        "case.replied",
    ]
