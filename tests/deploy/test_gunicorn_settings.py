"""gunicorn.conf.py says at start when several workers share no Redis."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.instance import Initialised
from tests.helpers.servers import gunicorn

_WARNING = "without HOTLINE_REDIS_URL: SMS conversations and rate limits are kept per worker"


def test_two_workers_are_warned_of_in_the_log_only_without_redis(
    initialised: Initialised, tmp_path: Path
) -> None:
    # SQLite runs without Redis, PostgreSQL with it.
    with gunicorn(initialised.config, tmp_path, workers=2) as server:
        log = server.log
    warned = _WARNING in log.read_text(errors="replace")
    assert warned is (initialised.config.redis_url is None)
