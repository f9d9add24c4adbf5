"""Issue 16, item 9 (web and desk): bad input is an answer, not a 500.

NUL and other control characters in any form field get a clear 400 page (a NUL
made PostgreSQL fail); a huge page number on the queue is clamped; Unicode
direction controls in a reporter's text are shown visibly to officers.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.desk import desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import hidden, open_form

CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_in_reporter_forms_are_a_clear_400(
    client: FlaskClient, control: str
) -> None:
    report = client.post(
        "/report", data={**open_form(client), "category": "other", "body": f"fuel{control}x"}
    )
    assert report.status_code == 400
    assert "invisible control characters" in report.get_data(as_text=True)
    page = client.get("/checkin").get_data(as_text=True)
    token = hidden(page, "csrf_token")
    for path, data in [
        ("/checkin", {"codename": f"able{control} baker"}),
        ("/checkin/followup", {"disclosure": f"x{control}", "body": f"more{control}"}),
    ]:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 400, path
        assert "invisible control characters" in response.get_data(as_text=True)


@pytest.mark.parametrize("control", CONTROLS)
def test_control_characters_at_officer_sign_in_are_a_clear_400(
    client: FlaskClient, control: str
) -> None:
    token = hidden(client.get("/officer/login").get_data(as_text=True), "csrf_token")
    response = client.post(
        "/officer/login",
        data={
            "csrf_token": token,
            "username": f"kamanzi{control}",
            "password": f"pass{control}",
            "code": f"12{control}3456",
        },
    )
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_ordinary_text(client: FlaskClient) -> None:
    response = client.post(
        "/report",
        data={**open_form(client), "category": "other", "body": "line one\r\n\tline two"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["1e20", "99999999999999999999999", "-5", "0", "x"])
def test_a_huge_page_number_is_clamped(
    app: Flask, client: FlaskClient, make_officer: object, page: str
) -> None:
    filed = file_web_report(client, "Cigarettes re-labelled as biscuits at the port")
    login: OfficerLogin = make_officer("kamanzi", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    response = desk.get(f"/officer/?page={page}")
    assert response.status_code == 200
    assert filed.reference in response.get_data(as_text=True)


def test_direction_controls_are_shown_visibly_to_officers(
    app: Flask, client: FlaskClient, make_officer: object
) -> None:
    filed = file_web_report(client, "Pay the agent \u202e0001 FRW\u202c only in cash")
    login: OfficerLogin = make_officer("kamanzi", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    page = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    assert "Pay the agent ⟨U+202E⟩0001 FRW⟨U+202C⟩ only in cash" in page
    assert "\u202e" not in page
    # An officer's own reply with a NUL is refused too, not a 500.
    response = desk_post(desk, f"/officer/case/{filed.reference}/reply", reply="ok\x00")
    assert response.status_code == 400
