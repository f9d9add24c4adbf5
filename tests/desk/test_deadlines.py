"""Deadlines per queue, and retaliation check-ins after the ORIGINAL case closes."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.desk.service import retaliation_reminders_due
from hotline.models import Disclosure, ReminderSent, today
from hotline.notifications.reminders import queue_reminders
from hotline.procedure import AuthorKind, Status
from tests.helpers.desk import (
    case,
    desk_post,
    file_web_report,
    officer_client,
)
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import check_in, element, file_report
from tests.helpers.writers import officer_decides


def _section(html: str, element_id: str) -> str:
    """The HTML of one table, or "" when the page has none with that id."""
    start = html.find(f'id="{element_id}"')
    return "" if start < 0 else html[start : html.index("</table>", start)]


def test_an_overdue_acknowledgement_shows_on_its_queues_deadlines_only(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    late = file_web_report(client, "Smuggled sugar at Gisenyi", "taxpayer_fraud")
    fresh = file_web_report(client, "Fuel diverted from transit", "taxpayer_fraud")
    disclosure = case(db, late.reference)
    disclosure.received_on = today() - dt.timedelta(days=10)
    disclosure.acknowledgement_due = today() - dt.timedelta(days=3)
    db.commit()
    investigator: OfficerLogin = make_officer("inv", ["investigation"])  # type: ignore[operator]
    auditor: OfficerLogin = make_officer("aud", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, investigator)

    page = desk.get("/officer/deadlines").get_data(as_text=True)
    table = _section(page, "ack-investigation")
    row = table[table.index(late.reference) :].split("</tr>")[0]
    assert "overdue" in row
    assert (today() - dt.timedelta(days=3)).isoformat() in row
    fresh_row = table[table.index(fresh.reference) :].split("</tr>")[0]
    assert "overdue" not in fresh_row
    assert 'id="queue-commissioner_general"' not in page  # not this officer's queue

    other = officer_client(app, auditor).get("/officer/deadlines").get_data(as_text=True)
    assert late.reference not in other

    acknowledged = desk_post(desk, f"/officer/case/{late.reference}/status", status="acknowledged")
    assert acknowledged.status_code == 303
    page = desk.get("/officer/deadlines").get_data(as_text=True)
    assert late.reference not in _section(page, "ack-investigation")


def test_overdue_feedback_shows_until_the_case_closes(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "Bribes for tax clearance certificates")
    login: OfficerLogin = make_officer("fb", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/status", status="acknowledged").status_code == 303
    disclosure = case(db, filed.reference)
    officer_decides(db, disclosure, feedback_due=today() - dt.timedelta(days=1))
    db.commit()
    page = desk.get("/officer/deadlines").get_data(as_text=True)
    assert filed.reference in _section(page, "feedback-internal_audit")
    assert "overdue" in _section(page, "feedback-internal_audit")
    assert "(overdue)" in desk.get(base).get_data(as_text=True)
    desk_post(desk, f"{base}/status", status="closed", outcome="referred")
    page = desk.get("/officer/deadlines").get_data(as_text=True)
    assert filed.reference not in page


def test_a_reply_after_the_acknowledgement_gives_the_feedback(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    # An officer who answered the reporter is not told, by the overview, the
    # queue, a reminder or the statistics, that feedback is overdue; a reply
    # written before the acknowledgement, or one whose signature fails, is not
    # feedback.
    filed = file_web_report(client, "Bribes for tax clearance certificates")
    login: OfficerLogin = make_officer("fb", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/reply", reply="We received it.").status_code == 303
    assert desk_post(desk, f"{base}/status", status="acknowledged").status_code == 303
    disclosure = case(db, filed.reference)
    before = min(m.created_on for m in disclosure.messages if m.author_kind == AuthorKind.OFFICER)
    officer_decides(
        db,
        disclosure,
        acknowledged_on=before + dt.timedelta(days=1),
        feedback_due=today() - dt.timedelta(days=1),
    )
    db.commit()

    def owed() -> dict[str, bool]:
        page = desk.get("/officer/deadlines").get_data(as_text=True)
        queue = desk.get("/officer/?overdue=feedback").get_data(as_text=True)
        stats = desk.get("/officer/stats").get_data(as_text=True)
        return {
            "deadlines": filed.reference in _section(page, "feedback-internal_audit"),
            "queue": filed.reference in queue,
            "case": "(overdue)" in desk.get(base).get_data(as_text=True),
            "stats": element(stats, "overdue-feedback") == "1",
        }

    assert owed() == dict.fromkeys(("deadlines", "queue", "case", "stats"), True)
    with app.app_context():
        assert queue_reminders(db, today()) >= 1
    sent = db.get(ReminderSent, (disclosure.id, "feedback_overdue"))
    assert sent is not None
    db.delete(sent)
    db.commit()

    officer_decides(
        db, disclosure, acknowledged_on=before, feedback_due=today() - dt.timedelta(days=1)
    )
    db.commit()
    assert owed() == dict.fromkeys(("deadlines", "queue", "case", "stats"), False)
    page = desk.get(base).get_data(as_text=True)
    assert f"given by the reply of {before.isoformat()}" in page
    listed = desk.get("/officer/").get_data(as_text=True)
    row = listed[listed.index(filed.reference) :].split("</tr>")[0]
    assert '<span class="badge">given</span>' in row
    with app.app_context():
        queue_reminders(db, today())
    assert db.get(ReminderSent, (disclosure.id, "feedback_overdue")) is None

    # A reply whose signature fails is not feedback on the case page.
    reply = next(m for m in disclosure.messages if m.author_kind == AuthorKind.OFFICER)
    assert reply.authenticity is not None
    reply.authenticity = reply.authenticity[:-1] + bytes([reply.authenticity[-1] ^ 1])
    db.commit()
    assert "(overdue)" in desk.get(base).get_data(as_text=True)


def _original_and_retaliation(
    client: FlaskClient, category: str = "staff_misconduct"
) -> tuple[str, str]:
    """References of an original disclosure and of retaliation filed under its codename."""
    original = file_web_report(client, "The revenue officer took a bribe", category)
    check_in(client, original.codename)
    receipt = file_report(client, "Since I reported, I was moved to a remote post", "retaliation")
    return original.reference, element(receipt, "case-ref")


def test_check_ins_follow_the_original_case_closing_and_are_reminded_once(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    original_ref, retaliation_ref = _original_and_retaliation(client)
    login: OfficerLogin = make_officer("protector", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    assert retaliation_reminders_due(db, today()) == []  # the original is still open

    original_page = f"/officer/case/{original_ref}"
    assert desk_post(desk, f"{original_page}/status", status="acknowledged").status_code == 303
    closing = {"status": "closed", "outcome": "substantiated"}
    assert desk_post(desk, f"{original_page}/status", **closing).status_code == 303
    original = case(db, original_ref)
    original.closed_on = today() - dt.timedelta(days=31)
    db.commit()

    due = retaliation_reminders_due(db, today())
    assert [(d.reference, kind) for d, kind in due] == [
        (retaliation_ref, f"retaliation_30:{original_ref}")
    ]
    assert isinstance(due[0][0], Disclosure)
    page = desk.get("/officer/deadlines").get_data(as_text=True)
    checkins = _section(page, "checkins-internal_audit")
    assert retaliation_ref in checkins
    assert f"30 days after {original_ref} closed" in checkins
    assert "overdue" in checkins

    # The retaliation case shows the original's status and the schedule.
    case_page = desk.get(f"/officer/case/{retaliation_ref}").get_data(as_text=True)
    links = _section(case_page, "retaliation-links")
    assert original_ref in links
    assert "Closed" in links
    assert "(substantiated)" in links
    schedule = _section(case_page, "checkins")
    assert schedule.count("<tr>") == 4  # header + 30, 60, 90

    # notify records what it sent; the same reminder is not due again.
    db.add(ReminderSent(disclosure_id=due[0][0].id, kind=due[0][1]))
    db.commit()
    assert retaliation_reminders_due(db, today()) == []
    original = case(db, original_ref)
    original.closed_on = today() - dt.timedelta(days=95)
    db.commit()
    assert [kind for _, kind in retaliation_reminders_due(db, today())] == [
        f"retaliation_60:{original_ref}",
        f"retaliation_90:{original_ref}",
    ]
    # Recording the check-in as a protective measure settles what was due.
    measure = "Called the reporter; no further incidents; posting reviewed"
    recorded = desk_post(desk, f"/officer/case/{retaliation_ref}/measure", measure=measure)
    assert recorded.status_code == 303
    assert retaliation_reminders_due(db, today()) == []
    page = desk.get("/officer/deadlines").get_data(as_text=True)
    assert retaliation_ref not in _section(page, "checkins-internal_audit")


def test_retaliation_is_never_revealed_to_officers_who_cannot_open_it(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    # The original goes to Investigation + Commissioner General; retaliation to
    # Internal Audit + Commissioner General.
    original_ref, retaliation_ref = _original_and_retaliation(client, "taxpayer_fraud")
    investigator: OfficerLogin = make_officer("inv2", ["investigation"])  # type: ignore[operator]
    general: OfficerLogin = make_officer("cg2", ["commissioner_general"])  # type: ignore[operator]
    auditor: OfficerLogin = make_officer("aud2", ["internal_audit"])  # type: ignore[operator]

    seen_by_investigator = officer_client(app, investigator).get(f"/officer/case/{original_ref}")
    assert retaliation_ref not in seen_by_investigator.get_data(as_text=True)
    seen_by_general = officer_client(app, general).get(f"/officer/case/{original_ref}")
    assert retaliation_ref in seen_by_general.get_data(as_text=True)
    # The retaliation handlers who cannot open the original see that there is
    # one, and nothing that identifies it: no reference, status or closure.
    auditor_desk = officer_client(app, auditor)
    retaliation_page = auditor_desk.get(f"/officer/case/{retaliation_ref}").get_data(as_text=True)
    links = _section(retaliation_page, "retaliation-links")
    assert "linked to an earlier disclosure" in links
    assert original_ref not in retaliation_page
    assert "Received" not in links
    # Nor once the original closes and the check-ins fall due.
    original = case(db, original_ref)
    original.status = Status.CLOSED
    original.closed_on = today() - dt.timedelta(days=31)
    db.commit()
    retaliation_page = auditor_desk.get(f"/officer/case/{retaliation_ref}").get_data(as_text=True)
    assert _section(retaliation_page, "checkins").count("<tr>") == 4
    assert original_ref not in retaliation_page
    deadlines = auditor_desk.get("/officer/deadlines").get_data(as_text=True)
    assert retaliation_ref in deadlines
    assert original_ref not in deadlines


def test_check_ins_never_date_the_closing_of_an_original_a_queue_cannot_open(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    """Internal Audit handles the retaliation but may not open the original
    (Investigation's): a due date counted from the original's closing, a
    reminder sent when it falls due, or check-ins appearing at all would tell
    Internal Audit the day that case closed."""
    original_ref, retaliation_ref = _original_and_retaliation(client, "taxpayer_fraud")
    auditor: OfficerLogin = make_officer("aud3", ["internal_audit"])  # type: ignore[operator]
    auditor_desk = officer_client(app, auditor)
    retaliation = case(db, retaliation_ref)
    retaliation.received_on = today() - dt.timedelta(days=40)
    db.commit()

    def seen() -> tuple[str, str, list[tuple[str, str]]]:
        page = auditor_desk.get(f"/officer/case/{retaliation_ref}").get_data(as_text=True)
        deadlines = auditor_desk.get("/officer/deadlines").get_data(as_text=True)
        due = [(d.reference, kind) for d, kind in retaliation_reminders_due(db, today())]
        return _section(page, "checkins"), _section(deadlines, "checkins-internal_audit"), due

    while_open = seen()
    received = today() - dt.timedelta(days=40)
    assert (received + dt.timedelta(days=30)).isoformat() in while_open[0]
    assert while_open[2] == [(retaliation_ref, f"retaliation_30:{retaliation_ref}")]

    closed_on = today() - dt.timedelta(days=33)
    original = case(db, original_ref)
    original.status = Status.CLOSED
    original.closed_on = closed_on
    db.commit()
    after_closing = seen()
    assert after_closing == while_open
    for days in (30, 60, 90):
        day = (closed_on + dt.timedelta(days=days)).isoformat()
        assert day not in after_closing[0]
        assert day not in after_closing[1]
    assert original_ref not in after_closing[0] + after_closing[1]


def test_a_retaliation_report_without_a_code_is_still_checked_in_on_from_its_receipt(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    """Filed on the form without a codename (or by SMS or e-mail with a wrong
    code), the report follows no earlier case; its reporter is owed the same
    protection, so the 30/60/90-day check-ins count from its receipt."""
    filed = file_web_report(client, "Since I reported, I was moved to a remote post", "retaliation")
    retaliation = case(db, filed.reference)
    received = today() - dt.timedelta(days=31)
    retaliation.received_on = received
    db.commit()
    auditor: OfficerLogin = make_officer("aud4", ["internal_audit"])  # type: ignore[operator]
    page = officer_client(app, auditor).get(f"/officer/case/{filed.reference}")
    checkins = _section(page.get_data(as_text=True), "checkins")
    for days in (30, 60, 90):
        assert (received + dt.timedelta(days=days)).isoformat() in checkins
    due = [(d.reference, kind) for d, kind in retaliation_reminders_due(db, today())]
    assert due == [(filed.reference, f"retaliation_30:{filed.reference}")]
