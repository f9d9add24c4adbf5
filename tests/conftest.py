"""Fixtures: a fresh, initialised instance per test, on SQLite and on PostgreSQL + Redis.

The PostgreSQL + Redis variant skips with a reason when the servers are not
reachable, except under ``CI=true`` where an unreachable server fails the run.
Codename derivation and Argon2 run with cheap parameters here; the real
parameters are tested once in ``tests/crypto``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

from hotline import create_app
from hotline.config import Config
from hotline.initialise import InitResult, initialise

POSTGRES_ADMIN_URL = os.environ.get(
    "HOTLINE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS", "redis://127.0.0.1:6379/9")
IN_CI = os.environ.get("CI", "").lower() == "true"

CHEAP = {"scrypt_n": 2**4, "argon2_memory_kib": 64, "argon2_time_cost": 1}


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the server must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"hotline_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _unavailable("PostgreSQL", exc)
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable("Redis", exc)
    return REDIS_URL


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Config]:
    keys = tmp_path / "keys"
    if backend == "sqlite":
        yield Config(
            database_url=f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
            keys_dir=keys,
            insecure_cookies=True,
            testing=True,
            **CHEAP,  # type: ignore[arg-type]
        )
        return
    url = request.getfixturevalue("postgres_url")
    redis_url = request.getfixturevalue("redis_url")
    import redis

    # Each test has its own key prefix: no flushing a Redis others may be using.
    prefix = f"hotline-test-{secrets.token_hex(6)}"
    client = redis.Redis.from_url(redis_url)
    _reset_postgres(url)
    yield Config(
        database_url=url,
        redis_url=redis_url,
        redis_prefix=prefix,
        keys_dir=keys,
        insecure_cookies=True,
        testing=True,
        **CHEAP,  # type: ignore[arg-type]
    )
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


@dataclass(frozen=True)
class Initialised:
    config: Config
    result: InitResult
    recovery_file: Path

    @property
    def recovery_words(self) -> str:
        return self.recovery_file.read_text().strip()


@pytest.fixture
def initialised(config: Config, tmp_path: Path) -> Initialised:
    recovery_file = tmp_path / "recovery.txt"
    result = initialise(config, recovery_file=recovery_file)
    return Initialised(config, result, recovery_file)


@pytest.fixture
def app(initialised: Initialised) -> Iterator[Flask]:
    app = create_app(initialised.config)
    yield app
    app.extensions["hotline"].database.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[object]:
    """A database session on the app's engine, for assertions."""
    with app.extensions["hotline"].database.sessions() as session:
        yield session


def dump_database(config: Config) -> bytes:
    """Everything the database holds, as bytes: the SQLite files themselves, or a
    dump of every row of every table on PostgreSQL."""
    if config.database_url.startswith("sqlite"):
        path = Path(config.database_url.removeprefix("sqlite:///"))
        parts = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
        return b"".join(parts)
    engine = create_engine(config.database_url)
    chunks: list[bytes] = []
    with engine.connect() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        for table in list(tables):
            # Table names come from the catalogue, not from input.
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value))
                    else:
                        chunks.append(str(value).encode())
    engine.dispose()
    return b"\n".join(chunks)


def dump_keys(config: Config) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(config.keys_dir.iterdir()) if p.is_file())


def assert_absent(secret: bytes, haystack: bytes) -> None:
    """The secret appears nowhere: not raw, not as hex, not as base64."""
    import base64

    forms = {
        "raw": secret,
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "base64": base64.b64encode(secret).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(secret).rstrip(b"="),
    }
    for name, form in forms.items():
        # base64 of a substring depends on alignment: check a middle slice too.
        probe = form if name == "raw" or len(form) < 24 else form[4:-4]
        assert probe not in haystack, f"secret found in stored bytes ({name})"


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
        import time

        from hotline.auth.officers import TOTP_STEP, totp

        now_step = int(time.time()) // TOTP_STEP
        step = max(now_step - 1, self.last_step + 1)
        assert step <= now_step + 1, "signed in too often within one minute"
        self.last_step = step
        return totp(self.totp_secret).generate(step * TOTP_STEP).decode()


@pytest.fixture
def make_officer(app: Flask, initialised: Initialised) -> object:
    """``make_officer("mutesi", ["internal_audit"], admin=False)``: an officer who
    has finished first sign-in, designated to those queues."""
    from hotline.admin.designations import designate, queue_key_from_recovery
    from hotline.audit import record
    from hotline.auth.officers import create_officer
    from hotline.crypto.keyring import recovery_private_key
    from hotline.models import Queue

    instance = app.extensions["hotline"]
    recovery = recovery_private_key(initialised.recovery_words)

    def make(username: str, queues: list[str], *, admin: bool = False) -> OfficerLogin:
        password = f"correct-horse-{len(username)}-battery"
        with instance.database.transaction() as session:
            officer, unlocked = create_officer(
                session,
                username,
                password,
                params=instance.argon2_params,
                is_admin=admin,
                enrol_totp=True,
                email=f"{username}@example.org",
            )
            officer.must_change_password = False
            for slug in queues:
                queue = session.get(Queue, slug)
                designate(
                    session,
                    officer,
                    queue,
                    queue_key=queue_key_from_recovery(queue, recovery),
                    by=None,
                )
            record(
                session,
                instance.secrets.audit_key,
                actor="test",
                action="officer.created",
                subject=username,
            )
            assert unlocked.totp_secret is not None
            return OfficerLogin(username, password, unlocked.totp_secret, officer.id)

    return make


def sign_in(client: FlaskClient, login: OfficerLogin) -> None:
    """Sign an officer in through the real form; fails the test if refused."""
    import re

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
