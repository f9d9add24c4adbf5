"""The application factory and the health check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import Config, ConfigError
from hotline.crypto.keyring import KeysError
from hotline.intake.web.pages import ONION_ENVIRON_KEY
from tests.helpers.instance import Initialised


def test_factory_honours_the_given_config(app: Flask) -> None:
    assert app.config["HOTLINE"].testing is True
    assert app.config["TESTING"] is True


def test_config_from_environment_reads_hotline_variables(tmp_path: Path) -> None:
    config = Config.from_env(
        {
            "HOTLINE_DATABASE_URL": "postgresql+psycopg://db/hotline",
            "HOTLINE_KEYS_DIR": str(tmp_path),
            "HOTLINE_REDIS_URL": "redis://cache:6379/0",
            "HOTLINE_PUBLIC_URL": "https://hotline.example.org/",
            "HOTLINE_MAX_UPLOAD_BYTES": "1000",
        }
    )
    assert config.database_url == "postgresql+psycopg://db/hotline"
    assert config.keys_dir == tmp_path
    assert config.redis_url == "redis://cache:6379/0"
    assert config.public_url == "https://hotline.example.org"
    assert config.max_upload_bytes == 1000
    assert Config.from_env({}).database_url.startswith("sqlite:///")
    with pytest.raises(ConfigError, match="HOTLINE_MAX_UPLOAD_BYTES"):
        Config.from_env({"HOTLINE_MAX_UPLOAD_BYTES": "lots"})
    assert Config.from_env({}).email_language == "en"
    assert Config.from_env({"HOTLINE_EMAIL_LANGUAGE": "FR"}).email_language == "fr"
    with pytest.raises(ConfigError, match="HOTLINE_EMAIL_LANGUAGE"):
        Config.from_env({"HOTLINE_EMAIL_LANGUAGE": "de"})


def test_the_server_refuses_to_start_without_keys(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path}/x.sqlite3", keys_dir=tmp_path / "none")
    with pytest.raises(KeysError, match="hotline init"):
        create_app(config)


def test_healthz_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "script-src" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unreachable_database_gives_a_clear_503(initialised: Initialised) -> None:
    broken = initialised.config.with_changes(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    app = create_app(broken)
    client = app.test_client()
    page = client.get("/checkin").get_data(as_text=True)  # needs no database
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post(
        "/checkin", data={"csrf_token": token.group(1), "codename": "abacus " * 7}
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert "nothing was sent" in response.get_data(as_text=True)
    assert client.get("/healthz").status_code == 503
    app.extensions["hotline"].database.dispose()


def test_behind_a_proxy_each_client_has_its_own_rate_limit(initialised: Initialised) -> None:
    app = create_app(initialised.config.with_changes(proxy_hops=1))
    client = app.test_client()
    page = client.get("/checkin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    data = {"csrf_token": token.group(1), "codename": "abacus " * 7}

    def attempt(address: str) -> int:
        response = client.post("/checkin", data=data, headers={"X-Forwarded-For": address})
        return response.status_code

    assert [attempt("198.51.100.7") for _ in range(10)] == [401] * 10
    assert attempt("198.51.100.7") == 429
    assert attempt("203.0.113.9") == 401  # another reporter behind the same proxy
    app.extensions["hotline"].database.dispose()


def test_onion_visitors_share_no_lock_out(initialised: Initialised) -> None:
    """Every onion visitor arrives from the Tor daemon's address: a per-address
    limit there would let one guesser lock every reporter out. Onion traffic is
    what the WSGI caller says it is (gunicorn's onion listener), never a Host."""
    app = create_app(initialised.config.with_changes(onion_url="http://hotlinexyz.onion"))

    def attempts(host: str, count: int, onion: bool) -> list[int]:
        client = app.test_client()
        cast(dict[str, Any], client.environ_base)[ONION_ENVIRON_KEY] = onion
        page = client.get("/checkin", base_url=f"http://{host}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token
        data = {"csrf_token": token.group(1), "codename": "abacus " * 7}
        return [
            client.post("/checkin", data=data, base_url=f"http://{host}").status_code
            for _ in range(count)
        ]

    assert attempts("hotlinexyz.onion", 12, onion=True) == [401] * 12
    assert attempts("hotlinexyz.onion", 11, onion=False)[-1] == 429
    app.extensions["hotline"].database.dispose()


# --- error pages: each area in its own layout --------------------------------------

#: What only the officer layout has, and what only the reporter layout has.
OFFICER_LAYOUT = ('<body class="desk">', '<a class="brand" href="/officer/">Officer desk</a>')
REPORTER_LAYOUT = (
    '<nav class="langs" aria-label="Language">',
    '<a class="brand" href="/">Integrity hotline</a>',
    "This site stores no address, browser details or cookies that identify you.",
)


def assert_officer_page(html: str) -> None:
    for mark in OFFICER_LAYOUT:
        assert mark in html
    for mark in REPORTER_LAYOUT:
        assert mark not in html


def officer_csrf(client: FlaskClient) -> str:
    page = client.get("/officer/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    return token.group(1)


def test_a_missing_officer_page_is_an_officer_page(client: FlaskClient) -> None:
    for path in ("/officer/no-such-page", "/officer/cases/HL-0000-0000/nothing"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert_officer_page(html)
        assert "<title>Page not found · Integrity hotline</title>" in html
        assert "This page does not exist." in html
        assert response.headers["Cache-Control"] == "no-store"


def test_officer_form_errors_are_officer_pages(client: FlaskClient) -> None:
    expired = client.post("/officer/login", data={"csrf_token": "", "username": "admin"})
    assert expired.status_code == 400
    assert_officer_page(expired.get_data(as_text=True))
    assert "The form expired" in expired.get_data(as_text=True)

    too_large = client.post(
        "/officer/login", data={"csrf_token": "x", "username": "a" * 40_000_000}
    )
    assert too_large.status_code == 413
    assert_officer_page(too_large.get_data(as_text=True))

    token = officer_csrf(client)
    data = {"csrf_token": token, "username": "admin", "password": "wrong", "code": ""}
    statuses = [client.post("/officer/login", data=data).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    limited = client.post("/officer/login", data=data)
    assert limited.status_code == 429
    assert_officer_page(limited.get_data(as_text=True))
    assert "Please wait" in limited.get_data(as_text=True)


def test_reporter_error_pages_keep_the_reporter_layout(client: FlaskClient) -> None:
    for path in ("/no-such-page", "/officers", "/report/nothing"):
        response = client.get(path)
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        for mark in REPORTER_LAYOUT:
            assert mark in html
        assert "<title>Page not found</title>" in html
        assert "<body>" in html
        assert '<p><a class="button" href="/">Back to the start</a></p>' in html
        assert "Officer desk" not in html
    expired = client.post("/checkin", data={"csrf_token": "", "codename": "x"})
    assert expired.status_code == 400
    assert '<nav class="langs"' in expired.get_data(as_text=True)
    assert "Officer desk" not in expired.get_data(as_text=True)


def test_an_officer_page_without_the_database_is_a_clear_officer_503(
    initialised: Initialised,
) -> None:
    broken = initialised.config.with_changes(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    app = create_app(broken)
    client = app.test_client()
    token = officer_csrf(client)  # the sign-in page needs no database
    response = client.post(
        "/officer/login",
        data={"csrf_token": token, "username": "admin", "password": "x", "code": ""},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    html = response.get_data(as_text=True)
    assert_officer_page(html)
    assert "nothing was sent" in html
    app.extensions["hotline"].database.dispose()
