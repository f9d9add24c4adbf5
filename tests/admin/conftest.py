"""Helpers for the administration tests: signed-in desk clients and form posts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import OfficerLogin, sign_in

MakeOfficer = Callable[..., OfficerLogin]


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(
    client: FlaskClient,
    path: str,
    data: dict[str, str] | None = None,
    *,
    page: str = "/officer/login",
) -> TestResponse:
    """POST a desk form with a CSRF token taken from a page the officer can open."""
    token = csrf(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def desk(app: Flask) -> Callable[[OfficerLogin], FlaskClient]:
    """``desk(login)``: a new browser, signed in as that officer."""

    def open_desk(login: OfficerLogin) -> FlaskClient:
        client = app.test_client()
        sign_in(client, login)
        return client

    return open_desk


def listed_references(app: Flask, client: FlaskClient) -> set[str]:
    """The case references the desk lists for this signed-in browser.

    Uses the queue keys the officer's live session really holds, through the
    desk's own ``list_cases``; when the case page exists (another part of the
    desk), the rendered list is checked as well.
    """
    from hotline.desk.queue import CaseFilter, list_cases

    cookie = client.get_cookie("hl_o", path="/officer")
    if cookie is None:
        return set()
    instance = app.extensions["hotline"]
    with app.test_request_context():
        payload = instance.sessions.read("officer", cookie.value)
    if payload is None:
        return set()
    with instance.database.sessions() as session:
        page = list_cases(session, sorted(payload["queues"]), CaseFilter())
        references = {row.reference for row in page.rows}
    if "desk.case" in app.view_functions:
        html = client.get("/officer/").get_data(as_text=True)
        assert references == set(re.findall(r">(HL-[0-9A-Z]{4}-[0-9A-Z]{4})<", html))
    return references
