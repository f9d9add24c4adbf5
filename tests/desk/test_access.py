"""Need to know: an officer of another queue gets 403 for everything, nothing
changes, and none of their keys opens the case."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.models import (
    Attachment,
    AuditEvent,
    Designation,
    DisclosureLink,
    DisclosureQueue,
    Message,
    SealedKey,
)
from hotline.procedure import AuthorKind
from hotline.sealing.items import read_attachment, read_message
from tests.helpers.desk import (
    audit_events,
    case,
    desk_post,
    file_web_report,
    officer_client,
    queue_keys,
)
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import hidden, jpeg_with_gps

TEXT = "The assessor at Rusumo took 500,000 to clear the fuel tanker"


def _snapshot(db: Session, reference: str) -> tuple[object, ...]:
    disclosure = case(db, reference)
    return (
        disclosure.status,
        disclosure.outcome,
        disclosure.assigned_officer_id,
        disclosure.reward_state,
        disclosure.collected_minor,
        disclosure.unread,
        disclosure.queue_slugs,
        db.scalar(select(func.count()).select_from(Message)),
        db.scalar(select(func.count()).select_from(SealedKey)),
        db.scalar(select(func.count()).select_from(DisclosureQueue)),
        db.scalar(select(func.count()).select_from(DisclosureLink)),
    )


def test_an_officer_of_another_queue_can_do_nothing_with_the_case(
    app: Flask, client: FlaskClient, db: Session, initialised: Initialised, make_officer: object
) -> None:
    # staff_misconduct → internal_audit + commissioner_general; never investigation.
    filed = file_web_report(client, TEXT, attachment=(io.BytesIO(jpeg_with_gps()), "tank.jpg"))
    own_case = file_web_report(client, "fraud at the border", "taxpayer_fraud")
    outsider: OfficerLogin = make_officer("outsider", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, outsider)
    attachment = db.scalars(select(Attachment)).one()
    before = _snapshot(db, filed.reference)
    events_before = len(audit_events(db))
    base = f"/officer/case/{filed.reference}"

    forbidden = desk.get(base)
    assert forbidden.status_code == 403
    page = forbidden.get_data(as_text=True)
    assert TEXT not in page
    assert "Rusumo" not in page
    assert desk.get(f"{base}/attachment/{attachment.id}").status_code == 403
    actions = {
        "reply": {"reply": "hello"},
        "note": {"note": "a note"},
        "measure": {"measure": "moved desk"},
        "status": {"status": "acknowledged"},
        "assign": {"assignee": str(outsider.officer_id)},
        "link": {"other": own_case.reference, "kind": "related"},
        "reroute": {"add_queue": "investigation", "remove_queue": ""},
        "reward": {"reward_state": "pending_assessment", "collected": "100"},
    }
    for action, data in actions.items():
        response = desk_post(desk, f"{base}/{action}", **data)
        assert response.status_code == 403, action
        assert TEXT not in response.get_data(as_text=True)
    # Invalid input to a forbidden case is still just 403.
    assert desk_post(desk, f"{base}/reply", reply="").status_code == 403

    assert _snapshot(db, filed.reference) == before
    new_events = audit_events(db)[events_before:]
    # Only the refusals themselves: one per request, nothing done to the case.
    assert {e.action for e in new_events if e.subject == filed.reference} == {"access.refused"}
    assert len([e for e in new_events if e.subject == filed.reference]) == 2 + len(actions) + 1

    keys = queue_keys(initialised, db, "investigation")
    disclosure = case(db, filed.reference)
    for message in disclosure.messages:
        with pytest.raises(CannotOpen):
            read_message(db, message, keys)
    with pytest.raises(CannotOpen):
        read_attachment(db, attachment, keys, content=True)
    # Their own case opens, so the 403 above is about the queue, not the officer.
    assert desk.get(f"/officer/case/{own_case.reference}").status_code == 200


def test_an_unknown_reference_looks_exactly_like_a_forbidden_case(
    app: Flask, client: FlaskClient, make_officer: object
) -> None:
    filed = file_web_report(client, TEXT)
    login: OfficerLogin = make_officer("guesser", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, login)
    forbidden = desk.get(f"/officer/case/{filed.reference}")
    unknown = desk.get("/officer/case/HL-0000-0000")
    assert forbidden.status_code == unknown.status_code == 403

    def without_token(html: str) -> str:
        # The sign-out form's CSRF token is signed with the time: it may differ.
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    assert without_token(forbidden.get_data(as_text=True)) == without_token(
        unknown.get_data(as_text=True)
    )


def test_a_revoked_designation_closes_the_case_and_the_list_even_to_a_live_session(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, TEXT)
    login: OfficerLogin = make_officer("revoked", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    assert desk.get(f"/officer/case/{filed.reference}").status_code == 200
    assert filed.reference in desk.get("/officer/").get_data(as_text=True)
    # The session still holds the queue key; the database no longer designates.
    db.execute(delete(Designation).where(Designation.officer_id == login.officer_id))
    db.commit()
    assert desk.get(f"/officer/case/{filed.reference}").status_code == 403
    assert filed.reference not in desk.get("/officer/").get_data(as_text=True)
    assert desk_post(desk, f"/officer/case/{filed.reference}/reply", reply="x").status_code == 403


def test_desk_pages_need_a_session(client: FlaskClient) -> None:
    filed = file_web_report(client, TEXT)
    response = client.get(f"/officer/case/{filed.reference}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/officer/login")
    assert client.get("/officer/deadlines").status_code == 302


def test_a_reply_sent_after_the_session_ended_says_so_and_stores_nothing(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, TEXT)
    login: OfficerLogin = make_officer("late", ["commissioner_general"])  # type: ignore[operator]
    desk = officer_client(app, login)
    token = hidden(desk.get("/officer/").get_data(as_text=True), "csrf_token")
    # The officer writes for half an hour; the stored session is gone meanwhile.
    cookie = desk.get_cookie("hl_o", path="/officer")
    assert cookie is not None
    app.extensions["hotline"].sessions.close(cookie.value)
    response = desk.post(
        f"/officer/case/{filed.reference}/reply",
        data={"csrf_token": token, "reply": "Which days is the cashier alone?"},
    )
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "Your session ended" in page
    assert "copy your text" in page
    assert [m.author_kind for m in case(db, filed.reference).messages] == [AuthorKind.REPORTER]


def test_opening_a_case_clears_unread_and_is_audited(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, TEXT)
    login: OfficerLogin = make_officer("reader", ["commissioner_general"])  # type: ignore[operator]
    desk = officer_client(app, login)
    assert case(db, filed.reference).unread
    page = desk.get(f"/officer/case/{filed.reference}")
    assert page.status_code == 200
    assert TEXT in page.get_data(as_text=True)
    assert not case(db, filed.reference).unread
    viewed = audit_events(db, "case.viewed")
    assert [(e.actor, e.subject) for e in viewed] == [("officer:reader", filed.reference)]
    assert (db.scalar(select(func.count()).select_from(AuditEvent)) or 0) >= 2
