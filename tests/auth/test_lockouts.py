"""Issue 16, item 4: lockouts that grow, audited, and shown to administrators."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.auth.lockouts import LOCKED_OUT, LOCKOUTS, REFUSED, lockout_after
from hotline.auth.views import LOGIN_LIMIT
from hotline.extensions import limiter
from hotline.models import AuditEvent
from hotline.rate_limits import bucket
from tests.helpers.officers import OfficerLogin

MakeOfficer = Callable[..., OfficerLogin]


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _attempt(app: Flask, username: str, password: str, code: str) -> int:
    client = app.test_client()
    token = _token(client.get("/officer/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": username, "password": password, "code": code}
    return client.post("/officer/login", data=data).status_code


def _account(app: Flask, username: str) -> str:
    with app.app_context():
        secrets = app.extensions["hotline"].secrets
        return "officer-login:" + bucket(secrets, "officer-login", username.casefold())


def _forget_the_minute(app: Flask, username: str) -> None:
    """What a minute's wait does: the per-minute limit no longer counts."""
    prefix = app.extensions["hotline"].config.redis_prefix
    limiter.limiter.clear(LOGIN_LIMIT, "officer-login", prefix + _account(app, username))


def _events(db: Session, action: str) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_lockouts_grow_from_minutes_to_hours() -> None:
    assert [lockout_after(n) for n in range(1, 5)] == [None] * 4
    assert lockout_after(5) == dt.timedelta(minutes=5)
    assert lockout_after(10) == dt.timedelta(minutes=30)
    assert lockout_after(15) == dt.timedelta(hours=2)
    assert lockout_after(20) == lockout_after(100) == LOCKOUTS[-1] >= dt.timedelta(hours=8)
    assert lockout_after(21) is None


def test_a_locked_account_refuses_even_the_right_password_and_code(
    app: Flask,
    make_officer: MakeOfficer,
    db: Session,
    desk: Callable[[OfficerLogin], FlaskClient],
) -> None:
    chief = make_officer("chief", ["commissioner_general"], admin=True)
    login = make_officer("kamanzi", ["internal_audit"])
    assert [_attempt(app, login.username, "wrong", "000000") for _ in range(5)] == [401] * 5
    _forget_the_minute(app, login.username)
    # Locked for minutes: the right password and code are not even evaluated.
    assert _attempt(app, login.username, login.password, login.next_code()) == 429
    refused = _events(db, REFUSED)
    assert len(refused) == 6
    assert {e.subject for e in refused} == {"officer:kamanzi"}
    assert refused[-1].detail == "account locked"
    (locked,) = _events(db, LOCKED_OUT)
    assert (locked.subject, locked.detail) == ("officer:kamanzi", "5 minutes")
    # The administrators' page raises the alert.
    page = desk(chief).get("/officer/admin/").get_data(as_text=True)
    assert 'id="lockout-alert"' in page
    assert "officer:kamanzi, 5 minutes" in page

    # Once the lock ends, five more wrong attempts lock it for longer.
    storage = limiter.storage
    prefix = app.extensions["hotline"].config.redis_prefix
    storage.clear(f"{prefix}:officer-lockout:lock:" + _account(app, login.username))
    _forget_the_minute(app, login.username)
    assert [_attempt(app, login.username, "wrong", "000000") for _ in range(5)] == [401] * 5
    _forget_the_minute(app, login.username)
    assert _attempt(app, login.username, login.password, login.next_code()) == 429
    assert [e.detail for e in _events(db, LOCKED_OUT)] == ["5 minutes", "30 minutes"]


def test_an_unknown_username_is_locked_alike_and_never_recorded(app: Flask, db: Session) -> None:
    typed = "my-Secret-password-typed-in-the-wrong-field"
    assert [_attempt(app, typed, "wrong", "000000") for _ in range(5)] == [401] * 5
    _forget_the_minute(app, typed)
    assert _attempt(app, typed, "wrong", "000000") == 429
    events = _events(db, REFUSED) + _events(db, LOCKED_OUT)
    assert len(events) == 7
    assert {e.subject for e in events} == {"unknown account"}
    for event in events:
        assert typed.casefold() not in (event.subject + event.detail).casefold()


@pytest.mark.parametrize("wrong", ["password", "code"])
def test_a_right_sign_in_clears_the_count(
    app: Flask, make_officer: MakeOfficer, wrong: str
) -> None:
    login = make_officer("mutesi", ["internal_audit"])
    # A wrong password needs no real code: the test keeps its three codes a
    # minute (the server's window) for the right sign-ins.
    bad = ("wrong", "000000") if wrong == "password" else (login.password, "000000")
    assert [_attempt(app, login.username, *bad) for _ in range(4)] == [401] * 4
    _forget_the_minute(app, login.username)
    assert _attempt(app, login.username, login.password, login.next_code()) == 303
    _forget_the_minute(app, login.username)
    assert [_attempt(app, login.username, *bad) for _ in range(4)] == [401] * 4
    _forget_the_minute(app, login.username)
    assert _attempt(app, login.username, *bad) == 401  # the 5th since the right one
    _forget_the_minute(app, login.username)
    assert _attempt(app, login.username, login.password, login.next_code()) == 429
