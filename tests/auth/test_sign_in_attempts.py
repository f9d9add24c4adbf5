"""Issue 16, item 4: sign-in attempts are charged before they are checked."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask

from hotline.auth import officers, service
from hotline.crypto import keyring
from tests.helpers.officers import OfficerLogin, sign_in

CONCURRENT = 24


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_concurrent_wrong_sign_ins_evaluate_at_most_five(
    app: Flask, make_officer: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    login: OfficerLogin = make_officer("kamanzi", ["internal_audit"])  # type: ignore[operator]
    evaluated: list[int] = []
    real = service.sign_in

    def counted(*args: object, **kwargs: object) -> object:
        evaluated.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "sign_in", counted)
    clients = [app.test_client() for _ in range(CONCURRENT)]
    tokens = [_token(c.get("/officer/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(CONCURRENT)
    statuses: list[int] = []

    def attempt(number: int) -> None:
        start.wait()
        response = clients[number].post(
            "/officer/login",
            data={
                "csrf_token": tokens[number],
                "username": login.username,
                "password": f"wrong password {number}",
                "code": "000000",
            },
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(evaluated) <= 5, len(evaluated)
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == len(evaluated)


def _wrong(app: Flask, username: str) -> int:
    client = app.test_client()
    token = _token(client.get("/officer/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": username, "password": "wrong", "code": "000000"}
    return client.post("/officer/login", data=data).status_code


def test_a_right_sign_in_refunds_the_accounts_attempts(app: Flask, make_officer: object) -> None:
    login: OfficerLogin = make_officer("mutesi", ["internal_audit"])  # type: ignore[operator]
    assert [_wrong(app, login.username) for _ in range(4)] == [401] * 4
    sign_in(app.test_client(), login)  # the fifth attempt, refunded with the others
    assert [_wrong(app, login.username) for _ in range(5)] == [401] * 5
    assert _wrong(app, login.username) == 429


@pytest.mark.parametrize("known", [True, False])
def test_the_code_is_checked_whatever_the_password(
    app: Flask, make_officer: object, monkeypatch: pytest.MonkeyPatch, known: bool
) -> None:
    """Constant work: an unknown username and a wrong password cost the TOTP
    check a right password with a wrong code costs (and the Argon2 one)."""
    login: OfficerLogin = make_officer("kamanzi", ["internal_audit"])  # type: ignore[operator]
    made: list[int] = []
    real = officers.totp

    def counted(secret: bytes) -> object:
        made.append(1)
        return real(secret)

    derived: list[int] = []
    real_kek = keyring.password_kek

    def kek(*args: object) -> bytes:
        derived.append(1)
        return real_kek(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(officers, "totp", counted)
    monkeypatch.setattr(service, "password_kek", kek)
    username = login.username if known else "nobody-here"
    assert _wrong(app, username) == 401
    assert len(made) == 1  # the code check
    assert len(derived) == 1  # the key derivation a right password costs


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "password1234", "123456789012", "qwertyuiopas", "short"]
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(officers.WeakPassword):
        officers.check_password_strength(password, "kamanzi")


@pytest.mark.parametrize("password", ["correct-horse-7-battery", "Umuganda kwa Nyabugogo 1994"])
def test_strong_passwords_pass(password: str) -> None:
    officers.check_password_strength(password, "kamanzi")


def test_one_address_is_limited_across_accounts(app: Flask) -> None:
    """Guessing spread over many usernames from one address is limited too."""
    statuses = [_wrong(app, f"guess{number}") for number in range(22)]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429, 429]
