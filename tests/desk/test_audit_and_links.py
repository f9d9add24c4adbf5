"""Every change is in the audit trail, which never holds case words or file names;
assignment and links stay within the officer's need to know."""

from __future__ import annotations

import io

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import verify
from hotline.models import AuditEvent, DisclosureLink
from tests.helpers.desk import audit_events, case, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import element, jpeg_with_gps

REPORT = "Commissioner Mugenzi's driver collects the envelopes on Fridays"
REPLY = "Do you know the plate number of the car?"
NOTE = "Mugenzi is away until March: interview the driver first"
MEASURE = "Reporter given a new desk on the third floor"
POINTER = "Employment complaints: Public Service Commission, Kacyiru"


def test_every_action_is_audited_and_the_trail_holds_no_case_words(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(
        client, REPORT, attachment=(io.BytesIO(jpeg_with_gps()), "envelopes-friday.jpg")
    )
    other = file_web_report(client, "a second case", "staff_misconduct")
    login: OfficerLogin = make_officer("recorder", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    page = desk.get(base).get_data(as_text=True)
    attachment_id = case(db, filed.reference).attachments[0].id
    assert desk.get(f"{base}/attachment/{attachment_id}").status_code == 200
    steps = [
        ("reply", {"reply": REPLY}),
        ("note", {"note": NOTE}),
        ("measure", {"measure": MEASURE}),
        ("assign", {"assignee": str(login.officer_id)}),
        ("link", {"other": other.reference, "kind": "related"}),
        ("reward", {"reward_state": "pending_assessment", "collected": "1000"}),
        ("status", {"status": "acknowledged"}),
        ("status", {"status": "closed", "outcome": "out_of_scope", "pointer": POINTER}),
        ("reroute", {"add_queue": "investigation", "remove_queue": ""}),
    ]
    for action, data in steps:
        assert desk_post(desk, f"{base}/{action}", **data).status_code == 303, action
    assert REPORT.replace("'", "&#39;") in page

    events = [e for e in audit_events(db) if e.subject == filed.reference]
    actions = [e.action for e in events if e.action != "case.viewed"]
    assert actions == [
        "attachment.downloaded",
        "case.replied",
        "case.note",
        "case.measure",
        "case.assigned",
        "case.linked",
        "case.reward",
        "case.status",
        "case.status",
        "case.replied",
        "case.rerouted",
    ]
    assert all(e.actor == "officer:recorder" for e in events)
    assert "case.viewed" in {e.action for e in events}

    db.expire_all()
    trail = "\n".join(
        f"{e.actor}|{e.action}|{e.subject}|{e.detail}" for e in db.scalars(select(AuditEvent))
    )
    for words in (REPORT, REPLY, NOTE, MEASURE, POINTER, "envelopes-friday", "Mugenzi", "plate"):
        assert words not in trail, words
    assert verify(db, app.extensions["hotline"].secrets.audit_key).ok


def test_assignment_is_only_to_officers_of_the_cases_queues(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    lead: OfficerLogin = make_officer("lead", ["internal_audit"])  # type: ignore[operator]
    colleague: OfficerLogin = make_officer("colleague", ["commissioner_general"])  # type: ignore[operator]
    stranger: OfficerLogin = make_officer("stranger", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, lead)
    base = f"/officer/case/{filed.reference}"

    page = desk.get(base).get_data(as_text=True)
    assert f'value="{colleague.officer_id}"' in page
    assert f'value="{stranger.officer_id}"' not in page
    assert desk_post(desk, f"{base}/assign", assignee=str(colleague.officer_id)).status_code == 303
    assert case(db, filed.reference).assigned_officer_id == colleague.officer_id
    assert 'id="case-assigned">colleague<' in desk.get(base).get_data(as_text=True)

    for forged in (str(stranger.officer_id), "999999", "x"):
        response = desk_post(desk, f"{base}/assign", assignee=forged)
        assert response.status_code == 400
        assert "not designated" in response.get_data(as_text=True)
    assert case(db, filed.reference).assigned_officer_id == colleague.officer_id
    assert desk_post(desk, f"{base}/assign", assignee="").status_code == 303
    assert case(db, filed.reference).assigned_officer_id is None
    assert [e.detail for e in audit_events(db, "case.assigned")] == ["to=colleague", "to=nobody"]


def test_links_join_only_cases_the_officer_can_open(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    first = file_web_report(client, REPORT)
    second = file_web_report(client, "The same driver, another envelope")
    hidden = file_web_report(client, "Smuggling at Rusizi", "taxpayer_fraud")
    login: OfficerLogin = make_officer("linker", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{first.reference}"

    response = desk_post(desk, f"{base}/link", other=second.reference.lower(), kind="related")
    assert response.status_code == 303
    link = db.scalars(select(DisclosureLink)).one()
    assert (link.kind, link.from_id, link.to_id) == (
        "related",
        case(db, first.reference).id,
        case(db, second.reference).id,
    )
    # Shown on both cases.
    assert first.reference in desk.get(f"/officer/case/{second.reference}").get_data(as_text=True)

    refusals = [
        ({"other": hidden.reference}, "No case you can open"),
        ({"other": "HL-0000-0000"}, "No case you can open"),
        ({"other": first.reference}, "cannot be linked to itself"),
        ({"other": second.reference}, "already linked"),
        ({"other": second.reference, "kind": "retaliation_for"}, "Only a retaliation case"),
    ]
    for data, words in refusals:
        response = desk_post(desk, f"{base}/link", **{"kind": "related", **data})
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True)
    # A case of another queue and no case at all get the same answer.
    hidden_answer = desk_post(desk, f"{base}/link", other=hidden.reference, kind="related")
    unknown_answer = desk_post(desk, f"{base}/link", other="HL-0000-0000", kind="related")
    assert element(hidden_answer.get_data(as_text=True), "case-error") == element(
        unknown_answer.get_data(as_text=True), "case-error"
    )
    assert len(db.scalars(select(DisclosureLink)).all()) == 1
