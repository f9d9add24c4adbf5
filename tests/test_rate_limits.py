"""Rate limits that forget: a 16-bit bucket, never a full hash; windows of an
hour at most; nothing left in Redis or memory once a window has ended."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from limits import parse, parse_many

from hotline import create_app
from hotline.crypto.keyring import load_secrets
from hotline.extensions import limiter
from hotline.rate_limits import (
    BUCKETS,
    LONGEST_WINDOW,
    SWEEP_SECONDS,
    ForgettingMemoryStorage,
    bucket,
)
from tests.helpers.instance import Initialised
from tests.helpers.reporter import hidden

LIMIT_STRING = re.compile(r"""["'](\d+/(?:second|minute|hour|day|month|year)[^"']*)["']""")


@pytest.fixture
def app(initialised: Initialised) -> Iterator[Flask]:
    app = create_app(initialised.config)
    yield app
    app.extensions["hotline"].database.dispose()


def stored_keys(app: Flask) -> list[str]:
    """Every rate-limit key the storage holds, without the instance's prefix."""
    instance = app.extensions["hotline"]
    prefix = instance.config.redis_prefix
    if instance.redis is not None:
        found = instance.redis.scan_iter(match=f"*{prefix}*", count=1000)
        names = [bytes(k).decode() for k in found]
        return [n.replace(prefix, "") for n in names if "session" not in n]
    storage = limiter.storage
    assert isinstance(storage, ForgettingMemoryStorage)
    return [*storage.events, *storage.storage, *storage.expirations]


def test_every_limit_has_a_window_of_an_hour_at_most() -> None:
    sources = (Path(__file__).parent.parent / "hotline").rglob("*.py")
    found = [m for path in sources for m in LIMIT_STRING.findall(path.read_text())]
    assert "10/minute;60/hour" in found
    for text in found:
        for item in parse_many(text):
            assert item.get_expiry() <= LONGEST_WINDOW, text


def test_a_client_address_is_kept_only_as_one_of_65536_buckets(
    app: Flask, initialised: Initialised
) -> None:
    client = app.test_client()
    for _ in range(3):
        html = client.get("/checkin").get_data(as_text=True)
        data = {"csrf_token": hidden(html, "csrf_token"), "codename": "1111 2222 3333 4444"}
        assert client.post("/checkin", data=data).status_code == 401  # unknown code
    secrets_ = load_secrets(initialised.config.keys_dir)
    full = secrets_.keyed_hash("rate-limit", "127.0.0.1")
    keys = stored_keys(app)
    assert keys, "the check-in limit stored nothing"
    assert any(bucket(secrets_, "rate-limit", "127.0.0.1") in k for k in keys)
    for key in keys:
        assert full[:5] not in key, key  # not even five hex digits of the hash
        assert re.search(r"[0-9a-f]{5,}", key) is None, key
    assert BUCKETS == 65536
    # Collides on purpose: among 300,000 addresses every bucket value is shared.
    seen = {
        bucket(secrets_, "rate-limit", f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}")
        for n in range(300_000)
    }
    assert len(seen) <= BUCKETS


def test_nothing_outlives_its_window_in_redis_or_memory(app: Flask) -> None:
    item = parse("3/second")
    with app.app_context():
        key = bucket(app.extensions["hotline"].secrets, "rate-limit", "192.0.2.7")
    prefix = app.extensions["hotline"].config.redis_prefix
    for _ in range(3):
        assert limiter.limiter.hit(item, "forget-test", prefix + key)
    assert not limiter.limiter.hit(item, "forget-test", prefix + key)
    assert any(key in k for k in stored_keys(app))
    time.sleep(1 + 2 * SWEEP_SECONDS + 0.5)
    assert not any(key in k for k in stored_keys(app)), stored_keys(app)
    if app.extensions["hotline"].redis is None:
        storage = limiter.storage
        assert isinstance(storage, ForgettingMemoryStorage)
        now = time.time()
        for events in storage.events.values():
            assert all(event.expiry > now for event in events)
        assert all(expiry > now for expiry in storage.expirations.values())
