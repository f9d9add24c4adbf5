"""A fresh PostgreSQL database for one benchmark run (dropped after), and the
process ids of the server backends that serve our connections to it."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text

ADMIN_URL = os.environ.get(
    "HOTLINE_BENCH_POSTGRES",
    os.environ.get("HOTLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
#: Not the tests' database 9: a concurrent test run flushes that one.
REDIS_URL = os.environ.get("HOTLINE_BENCH_REDIS", "redis://127.0.0.1:6379/12")


class Unavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached; the benchmark says so in its table."""


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database; dropped (even with connections left) afterwards."""
    name = f"hotline_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure means "not reachable" (re-raised as such)
        admin.dispose()
        raise Unavailable(f"PostgreSQL is not reachable: {exc}") from exc
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def redis_url() -> str:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
        client.flushdb()
    except Exception as exc:
        raise Unavailable(f"Redis is not reachable: {exc}") from exc
    return REDIS_URL


def forget_redis() -> None:
    """Drop the benchmark's sessions and counters from its Redis database."""
    import redis

    with contextlib.suppress(Exception):  # best effort at the end of a run
        redis.Redis.from_url(REDIS_URL).flushdb()


def backend_pids(monitor: Engine) -> list[int]:
    """Backends connected to the monitor's database, other than the monitor itself."""
    with monitor.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        return sorted(int(pid) for (pid,) in rows)
