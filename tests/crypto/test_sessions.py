"""Split-knowledge sessions, on the database and on Redis."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from hotline.clock import Clock
from hotline.crypto.sessions import OFFICER_SESSIONS, REPORTER_SESSIONS, SessionStore
from tests.helpers.stored import dump_database

SECRET = {"reporter_id": "ab" * 32, "key": "c2VjcmV0LXJlcG9ydGVyLWtleS1ieXRlcw=="}


@pytest.fixture
def store(app: Flask) -> SessionStore:
    store: SessionStore = app.extensions["hotline"].sessions
    return store


@pytest.fixture
def clock(app: Flask) -> Clock:
    """The instance's clock, fixed at the present: the test moves it on."""
    clock: Clock = app.extensions["hotline"].clock
    clock.set(dt.datetime.now(dt.UTC))
    return clock


def test_the_cookie_opens_the_session_and_the_store_alone_holds_only_ciphertext(
    app: Flask, store: SessionStore
) -> None:
    cookie = store.open("reporter", SECRET, REPORTER_SESSIONS)
    assert store.read("reporter", cookie) == SECRET
    assert SECRET["key"].encode() not in dump_database(app.extensions["hotline"].config)
    redis = app.extensions["hotline"].redis
    if redis is not None:
        stored = b"".join(
            redis.get(k) or b""
            for k in redis.keys(f"{app.extensions['hotline'].config.redis_prefix}:session:*")
        )
        assert stored
        assert SECRET["key"].encode() not in stored
    session_id, session_key = cookie.split(".")
    # Either half alone, or the halves of two sessions mixed, opens nothing.
    other = store.open("reporter", SECRET, REPORTER_SESSIONS)
    assert store.read("reporter", f"{session_id}.{other.split('.')[1]}") is None
    assert store.read("reporter", session_id) is None
    assert store.read("officer", cookie) is None  # a reporter session is not an officer's


def test_idle_and_absolute_expiry(store: SessionStore, clock: Clock) -> None:
    cookie = store.open("reporter", SECRET, REPORTER_SESSIONS)
    clock.advance(dt.timedelta(minutes=29))
    assert store.read("reporter", cookie) == SECRET  # activity moves the idle expiry on
    clock.advance(dt.timedelta(minutes=29))
    assert store.read("reporter", cookie) == SECRET
    clock.advance(dt.timedelta(minutes=31))
    assert store.read("reporter", cookie) is None  # 31 idle minutes

    cookie = store.open("reporter", SECRET, REPORTER_SESSIONS)
    for _ in range(5):
        clock.advance(dt.timedelta(minutes=25))
        store.read("reporter", cookie)
    assert store.read("reporter", cookie) is None  # past 2 hours, however active


def test_close_and_closing_every_session_of_an_officer(
    store: SessionStore, make_officer: Any
) -> None:
    reporter = store.open("reporter", SECRET, REPORTER_SESSIONS)
    store.close(reporter)
    assert store.read("reporter", reporter) is None
    one, two = make_officer("one", []).officer_id, make_officer("two", []).officer_id
    first = store.open("officer", {"officer_id": one}, OFFICER_SESSIONS, officer_id=one)
    second = store.open("officer", {"officer_id": one}, OFFICER_SESSIONS, officer_id=one)
    someone_else = store.open("officer", {"officer_id": two}, OFFICER_SESSIONS, officer_id=two)
    store.backend.delete_for_officer(one)
    assert store.read("officer", first) is None
    assert store.read("officer", second) is None
    assert store.read("officer", someone_else) == {"officer_id": two}


@pytest.mark.parametrize(
    "cookie", [None, "", "x", "a.b", "....", "%%.%%", "A" * 43 + "." + "B" * 43]
)
def test_malformed_cookies_open_nothing(store: SessionStore, cookie: str | None) -> None:
    assert store.read("reporter", cookie) is None
