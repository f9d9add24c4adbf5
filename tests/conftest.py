"""Fixtures: a fresh, initialised instance per test, on SQLite and on PostgreSQL + Redis.

Each test's instance is a copy of one initialised template per backend per
session (per xdist worker; see ``tests/helpers/instance.py``): a copied SQLite
file, or ``CREATE DATABASE … TEMPLATE`` on PostgreSQL, and copied ``keys/`` and
recovery file. Tests of ``hotline init`` itself carry the ``real_init`` mark and
run the real ``initialise()``.

The PostgreSQL + Redis variant skips with a reason when the servers are not
reachable, except under ``CI=true`` where an unreachable server fails the run.
Codename derivation and Argon2 run with cheap parameters here; the real
parameters are tested once in ``tests/crypto``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, text

from hotline import create_app
from hotline.config import Config
from hotline.initialise import initialise
from tests.helpers.instance import (
    IN_CI,
    RECOVERY_FILE,
    REDIS_URL,
    DatabasePool,
    Initialised,
    Template,
    drop_database,
    instance_config,
    make_postgres_template,
    make_sqlite_template,
    postgres_admin,
    postgres_url,
    sqlite_url,
)
from tests.helpers.officers import MakeOfficer, OfficerLogin, sign_in
from tests.helpers.templates import share_compiled_templates


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable: {error}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the server must run)")
    pytest.skip(message)


def pytest_configure(config: pytest.Config) -> None:
    share_compiled_templates()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Two workers a core: a test spends much of its time waiting on PostgreSQL,
    Redis, a gunicorn or Chromium subprocess, and another can use the core then."""
    return 2 * (os.cpu_count() or 1)


@pytest.fixture(scope="session")
def postgres_admin_engine() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database: creates and drops
    the template and the per-test databases."""
    admin = postgres_admin()
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _unavailable("PostgreSQL", exc)
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases(postgres_admin_engine: Engine) -> Iterator[DatabasePool]:
    pool = DatabasePool(postgres_admin_engine)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgresql_template(
    postgres_admin_engine: Engine,
    postgres_databases: DatabasePool,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Template]:
    template = make_postgres_template(
        postgres_admin_engine, tmp_path_factory.mktemp("postgresql-template")
    )
    yield template
    assert template.database is not None
    # The pool may be copying the template for a next test that never comes:
    # that copy is finished and dropped first, or it would find no template.
    postgres_databases.discard(template.database)
    drop_database(postgres_admin_engine, template.database)


@pytest.fixture(autouse=True)
def _rate_limits_per_instance() -> None:
    """Each test's app counts its rate limits under its own Redis prefix.

    Flask-Limiter's extension is one object per process, and it keeps the first
    app's RATELIMIT_KEY_PREFIX for every later app. The copied instances share
    their keys/, so the keyed hash of one test phone number is the same in every
    test: without this, one test's requests would count against the next's."""
    from hotline.extensions import limiter

    limiter._key_prefix = ""


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _template(backend: str, request: pytest.FixtureRequest) -> Template | None:
    """The session's template when this test's instance is to be a copy of it:
    the test uses ``initialised`` and is not marked ``real_init``."""
    if "initialised" not in request.fixturenames:
        return None
    if request.node.get_closest_marker("real_init") is not None:
        return None
    template = request.getfixturevalue(f"{backend}_template")
    assert isinstance(template, Template)
    return template


@pytest.fixture
def config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Config]:
    """The test's instance: a copy of the initialised template when the test uses
    ``initialised``, else an empty one (no keys, an empty database)."""
    template = _template(backend, request)
    if template is not None:
        template.copy_files(tmp_path)
    if backend == "sqlite":
        yield instance_config(sqlite_url(tmp_path), tmp_path)
        return
    databases: DatabasePool = request.getfixturevalue("postgres_databases")
    redis_url = request.getfixturevalue("redis_url")
    import redis

    name = databases.take(template.database if template else None)
    # Each test has its own key prefix: no flushing a Redis others may be using.
    prefix = f"hotline-test-{secrets.token_hex(6)}"
    client = redis.Redis.from_url(redis_url)
    try:
        yield instance_config(
            postgres_url(name), tmp_path, redis_url=redis_url, redis_prefix=prefix
        )
    finally:
        databases.give_back(name)
        # The session store's keys start with the prefix, the rate limiter's hold it.
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)
        client.close()


@pytest.fixture
def initialised(
    config: Config, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Initialised:
    recovery_file = tmp_path / RECOVERY_FILE
    template = _template(backend, request)
    if template is not None:
        return Initialised(config, template.result, recovery_file)
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


@pytest.fixture
def make_officer(app: Flask, initialised: Initialised) -> MakeOfficer:
    """``make_officer("mutesi", ["internal_audit"], admin=False)``: an officer who
    has finished first sign-in, designated to those queues, made as
    ``hotline officer add`` makes one."""
    from hotline.auth.service import add_officer
    from hotline.crypto.keyring import recovery_private_key

    instance = app.extensions["hotline"]
    recovery = recovery_private_key(initialised.recovery_words)

    def make(username: str, queues: list[str], *, admin: bool = False) -> OfficerLogin:
        password = f"correct-horse-{len(username)}-battery"
        with instance.database.transaction() as session:
            added = add_officer(
                session,
                username,
                password,
                queues,
                params=instance.argon2_params,
                audit_key=instance.secrets.audit_key,
                actor="test",
                is_admin=admin,
                email=f"{username}@example.org",
                recovery_key=recovery,
            )
            # Test officers have finished their first sign-in.
            added.officer.must_change_password = False
            assert added.totp_secret is not None
            return OfficerLogin(username, password, added.totp_secret, added.officer.id)

    return make


@pytest.fixture
def desk(app: Flask) -> Callable[[OfficerLogin], FlaskClient]:
    """``desk(login)``: a new browser, signed in as that officer."""

    def open_desk(login: OfficerLogin) -> FlaskClient:
        client = app.test_client()
        sign_in(client, login)
        return client

    return open_desk
