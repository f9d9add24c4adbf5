"""Officer sign-in: password + TOTP, forced change at first sign-in, no code reuse,
at most 5 failures a minute per account, sign-out destroys the key material."""

from __future__ import annotations

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.officers import TOTP_STEP, totp
from hotline.models import AuditEvent, Officer
from tests.helpers.desk import file_web_report
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin, sign_in


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match
    return match.group(1)


def post_login(client: FlaskClient, username: str, password: str, code: str = "") -> int:
    token = csrf(client.get("/officer/login").get_data(as_text=True))
    response = client.post(
        "/officer/login",
        data={"csrf_token": token, "username": username, "password": password, "code": code},
    )
    return response.status_code


def test_desk_pages_need_a_signed_in_officer(client: FlaskClient) -> None:
    response = client.get("/officer/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/officer/login")


def test_sign_in_with_password_and_code_opens_the_desk(
    client: FlaskClient, make_officer: object, db: Session
) -> None:
    login: OfficerLogin = make_officer("uwase", ["investigation"])  # type: ignore[operator]
    sign_in(client, login)
    page = client.get("/officer/")
    assert page.status_code == 200
    assert "Cases in your queues" in page.get_data(as_text=True)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "officer.signed_in")).first()


def test_a_used_code_is_refused_even_with_the_right_password(
    app: Flask, make_officer: object
) -> None:
    login: OfficerLogin = make_officer("kalisa", ["investigation"])  # type: ignore[operator]
    code = login.next_code()
    first, second = app.test_client(), app.test_client()
    assert post_login(first, login.username, login.password, code) == 303
    assert post_login(second, login.username, login.password, code) == 401


def test_wrong_password_or_code_is_refused_without_saying_which(
    client: FlaskClient, make_officer: object
) -> None:
    login: OfficerLogin = make_officer("ineza", ["investigation"])  # type: ignore[operator]
    assert post_login(client, "ineza", "wrong password!!", login.next_code()) == 401
    assert post_login(client, "ineza", login.password, "000000") == 401
    assert post_login(client, "nobody", login.password, "123456") == 401


def test_five_failures_a_minute_lock_the_account_not_others(
    client: FlaskClient, make_officer: object
) -> None:
    target: OfficerLogin = make_officer("target", ["investigation"])  # type: ignore[operator]
    other: OfficerLogin = make_officer("other", ["investigation"])  # type: ignore[operator]
    for _ in range(5):
        assert post_login(client, "target", "wrong password!!", "000000") == 401
    assert post_login(client, "target", target.password, target.next_code()) == 429
    assert post_login(client, "other", other.password, other.next_code()) == 303


def test_first_sign_in_forces_a_new_password_and_enrols_totp(
    app: Flask, client: FlaskClient, initialised: Initialised, db: Session
) -> None:
    # A report every queue but the excluded unit receives; the administrator that
    # `hotline init` made must open it through none of them.
    filed = file_web_report(app.test_client(), "The Commissioner's office waives fines")
    password = initialised.result.admin_password
    assert password
    token = csrf(client.get("/officer/login").get_data(as_text=True))
    response = client.post(
        "/officer/login", data={"csrf_token": token, "username": "admin", "password": password}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/officer/setup")
    page = client.get("/officer/setup").get_data(as_text=True)
    assert "<svg" in page
    secret_b32 = re.search(r'id="totp-secret">([A-Z2-7=]+)<', page)
    assert secret_b32
    import base64

    secret = base64.b32decode(secret_b32.group(1))
    code = totp(secret).generate(int(time.time()) // TOTP_STEP * TOTP_STEP).decode()
    short = client.post(
        "/officer/setup",
        data={"csrf_token": csrf(page), "new_password": "short", "confirm": "short", "code": code},
    )
    assert short.status_code == 200 or short.status_code == 400
    new_password = "a much longer passphrase"
    done = client.post(
        "/officer/setup",
        data={
            "csrf_token": csrf(page),
            "new_password": new_password,
            "confirm": new_password,
            "code": code,
        },
    )
    assert done.status_code == 303
    queue = client.get("/officer/")
    assert queue.status_code == 200
    # Administration is not case access: no case listed, none opens.
    assert filed.reference not in queue.get_data(as_text=True)
    assert client.get(f"/officer/case/{filed.reference}").status_code == 403
    db.expire_all()
    admin = db.scalars(select(Officer).where(Officer.username == "admin")).one()
    assert admin.designations == []
    assert admin.totp_enrolled
    assert not admin.must_change_password
    # The one-time password no longer works; the new one does (with a fresh code).
    fresh = totp(secret).generate((int(time.time()) // TOTP_STEP + 1) * TOTP_STEP).decode()
    assert post_login(client, "admin", password, fresh) == 401
    assert post_login(client, "admin", new_password, fresh) == 303


def test_sign_out_destroys_the_session(app: Flask, make_officer: object) -> None:
    login: OfficerLogin = make_officer("mugisha", ["investigation"])  # type: ignore[operator]
    client = app.test_client()
    sign_in(client, login)
    cookie = client.get_cookie("hl_o", path="/officer")
    assert cookie is not None
    page = client.get("/officer/").get_data(as_text=True)
    client.post("/officer/logout", data={"csrf_token": csrf(page)})
    sessions = app.extensions["hotline"].sessions
    with app.app_context():
        assert sessions.read("officer", cookie.value) is None
    assert client.get("/officer/").status_code == 302
