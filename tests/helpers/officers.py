"""Test officers: signing in through the real form, desk form posts, what the desk lists."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.auth.officers import TOTP_STEP, totp
from hotline.models import Designation, Officer


@dataclass
class OfficerLogin:
    """A test officer: username, password and TOTP secret, ready to sign in."""

    username: str
    password: str
    totp_secret: bytes
    officer_id: int
    last_step: int = 0

    def next_code(self) -> str:
        """A code for a time step not used before (the server refuses reuse)."""
        now = time.time()
        now_step = int(now) // TOTP_STEP
        # The server accepts the steps either side of its own. The previous step
        # leaves room for three sign-ins a minute, but near the end of a step the
        # server's clock may move on before it checks the code: use this step then.
        closing = TOTP_STEP - now % TOTP_STEP < 5
        step = max(now_step if closing else now_step - 1, self.last_step + 1)
        assert step <= now_step + 1, "signed in too often within one minute"
        self.last_step = step
        return totp(self.totp_secret).generate(step * TOTP_STEP).decode()


#: The ``make_officer`` fixture: ``make_officer("mutesi", ["internal_audit"], admin=False)``.
MakeOfficer = Callable[..., OfficerLogin]


def sign_in(client: FlaskClient, login: OfficerLogin) -> None:
    """Sign an officer in through the real form; fails the test if refused."""
    html = client.get("/officer/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    response = client.post(
        "/officer/login",
        data={
            "csrf_token": token.group(1),
            "username": login.username,
            "password": login.password,
            "code": login.next_code(),
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/officer/")


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


def only_designation(session: Session, username: str) -> Designation:
    """The one designation an officer holds (fails if they hold none or several)."""
    return session.scalars(
        select(Designation)
        .join(Officer, Designation.officer_id == Officer.id)
        .where(Officer.username == username)
    ).one()
