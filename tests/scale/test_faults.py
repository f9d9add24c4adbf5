"""Faults: a worker killed mid-load, the database restarted mid-load, keys that
cannot be written or are missing, a full disk. A reporter is either told the
report was received (and it was) or told clearly that nothing was sent."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from hotline import create_app
from hotline.config import Config
from hotline.crypto.keyring import KeysError, secrets_loader
from hotline.db import Database
from hotline.initialise import initialise
from tests.helpers import load
from tests.helpers.instance import Initialised
from tests.helpers.load import Outcome, Run
from tests.helpers.servers import ONION_HOST, Gunicorn, free_port
from tests.helpers.verify import assert_no_partial_case, in_ci, log_of, server, verify
from tests.scale.pgcluster import private_cluster, why_not_available

# Several gunicorn workers under load each: under xdist these tests share one
# worker, so two load tests never compete for the same two cores.
# The load tests share one xdist worker ("scale"), so two of them never compete
# for the same two cores; the fault tests without load run anywhere.
LOAD = pytest.mark.xdist_group("scale")

ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE = "nothing was sent"


def _cases_filed(database_url: str) -> int:
    # The server logs no requests, so the database says how far the load got.
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM disclosures")).scalar_one())
    finally:
        engine.dispose()


def _wait_for_cases(database_url: str, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _cases_filed(database_url) < count:
        assert time.monotonic() < deadline, "the load never got going"
        time.sleep(0.1)


def _in_background(work: Callable[[], Run]) -> tuple[threading.Thread, list[Run]]:
    result: list[Run] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    return thread, result


def _healthy(running: Gunicorn, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(running.url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.3)


def _one_more(running: Gunicorn) -> Outcome:
    run = load.submissions(
        running.onion_port, count=1, concurrency=1, time_limit=60, host=ONION_HOST
    )
    assert len(run.ok) == 1, run.outcomes
    return run.ok[0]


# --- a worker killed during load -------------------------------------------------------


@LOAD
@pytest.mark.slow
def test_a_worker_killed_mid_load_loses_no_receipted_report(
    initialised: Initialised, tmp_path: Path
) -> None:
    with server(initialised.config, tmp_path) as running:
        thread, result = _in_background(
            lambda: load.submissions(
                running.onion_port, count=40, concurrency=6, time_limit=240, host=ONION_HOST
            )
        )
        try:
            _wait_for_cases(initialised.config.database_url, 6)
            victim = running.workers()[0]
            os.kill(victim, signal.SIGKILL)
        finally:
            thread.join(timeout=300)
        _healthy(running)
        assert victim not in running.workers()
        after = _one_more(running)
    run = result[0]
    statuses = {o.status for o in run.outcomes}
    # Requests on the killed worker lose their connection (status 0) and are
    # never told they were received; every other answer is a receipt.
    assert statuses <= {0, 200}, statuses
    assert 500 not in statuses
    stored = verify(initialised.config, initialised.recovery_words, [*run.outcomes, after])
    assert stored.receipts == len(run.ok) + 1
    # A report may be stored whose receipt died with the worker, never more.
    assert stored.receipts <= stored.disclosures <= len(run.outcomes) + 1


# --- PostgreSQL restarted during load --------------------------------------------------


@pytest.fixture
def cluster_or_skip() -> None:
    reason = why_not_available()
    if reason is not None:
        if in_ci():
            pytest.fail(f"the PostgreSQL restart test must run in CI: {reason}")
        pytest.skip(reason)


@LOAD
@pytest.mark.slow
@pytest.mark.usefixtures("cluster_or_skip")
def test_a_postgresql_restart_answers_503_then_recovers(redis_url: str, tmp_path: Path) -> None:
    import redis

    # Its own key prefix, not a FLUSHDB: other tests (other xdist workers, other
    # runs) may be using the same Redis database.
    prefix = f"hotline-test-{secrets.token_hex(6)}"
    client = redis.Redis.from_url(redis_url)
    with private_cluster() as cluster:
        cluster.create_database("hotline")
        config = Config(
            database_url=cluster.url("hotline"),
            redis_url=redis_url,
            redis_prefix=prefix,
            keys_dir=tmp_path / "keys",
            insecure_cookies=True,
        )
        recovery = tmp_path / "recovery.txt"
        initialise(config, recovery_file=recovery)
        with server(config, tmp_path) as running:
            thread, result = _in_background(
                lambda: load.submissions(
                    running.onion_port, count=400, concurrency=4, time_limit=8, host=ONION_HOST
                )
            )
            try:
                _wait_for_cases(config.database_url, 4)
                cluster.restart()
            finally:
                thread.join(timeout=300)
            _healthy(running)
            after = _one_more(running)
            log = log_of(running)
        run = result[0]
        refused = [o for o in run.outcomes if o.status != 200]
        assert refused, "the restart was not felt: no request was refused"
        for outcome in refused:
            assert outcome.status == 503, (outcome.status, outcome.page[:500])
            assert UNAVAILABLE in outcome.page
        assert "Traceback" not in log  # no request failed with a 500
        words = recovery.read_text().strip()
        stored = verify(config, words, [*run.outcomes, after])
        assert stored.receipts == len(run.ok) + 1
        # Refused reports were rolled back whole: at most the receipts' cases remain,
        # plus any whose commit landed as the connection was cut.
        assert stored.disclosures >= stored.receipts
        assert cluster.running()
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)


# --- SQLite ----------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app: Flask, initialised: Initialised) -> None:
    if not initialised.config.database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    engine = app.extensions["hotline"].database.engine
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert int(connection.execute(text("PRAGMA busy_timeout")).scalar() or 0) > 0


# --- keys -----------------------------------------------------------------------------


def _hotline(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        # The console script, whether or not the package's entry point is installed.
        [sys.executable, "-c", "from hotline.cli import main; main()", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_with_a_keys_directory_that_cannot_be_made_says_so(tmp_path: Path) -> None:
    # Root ignores permission bits, so make mkdir fail another way: under a file.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    done = _hotline(
        {
            "HOTLINE_KEYS_DIR": str(blocker / "keys"),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        },
        "init",
    )
    assert done.returncode != 0
    assert "cannot write keys" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    # Nothing was half made: no database, no recovery words printed.
    assert not (tmp_path / "hotline.sqlite3").exists()
    assert "Recovery words" not in done.stdout


def test_the_app_refuses_to_start_without_keys_and_names_the_fix(tmp_path: Path) -> None:
    config = Config(
        database_url=f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        keys_dir=tmp_path / "no-keys",
    )
    with pytest.raises(KeysError, match="run `hotline init` first"):
        create_app(config)


def test_gunicorn_without_keys_stops_at_start_with_that_message(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_KEYS_DIR": str(tmp_path / "no-keys"),
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        "HOTLINE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "run `hotline init` first" in done.stdout + done.stderr


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (root only); skipped with the reason where mounting is refused."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


def _fill(directory: Path) -> None:
    """Take every free byte of the file system."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                continue
    finally:
        os.close(fd)


def test_init_on_a_full_disk_gives_a_clear_error(tiny_disk: Path, tmp_path: Path) -> None:
    _fill(tiny_disk)
    done = _hotline(
        {
            "HOTLINE_KEYS_DIR": str(tiny_disk / "keys"),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        },
        "init",
    )
    assert done.returncode != 0
    assert "cannot write keys" in done.stderr, done.stderr
    assert "No space left on device" in done.stderr


def test_a_recovery_file_on_a_full_disk_is_a_clear_error_and_loses_nothing(
    tiny_disk: Path, tmp_path: Path
) -> None:
    _fill(tiny_disk)
    done = _hotline(
        {
            "HOTLINE_KEYS_DIR": str(tmp_path / "keys"),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        },
        "init",
        "--recovery-file",
        str(tiny_disk / "recovery.txt"),
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr
    # The words must not be lost: either init did not happen or they were shown.
    again = _hotline(
        {
            "HOTLINE_KEYS_DIR": str(tmp_path / "keys"),
            "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        },
        "init",
        "--recovery-file",
        str(tmp_path / "recovery.txt"),
    )
    assert again.returncode == 0, again.stdout
    assert (tmp_path / "recovery.txt").exists()


def test_a_report_on_a_full_disk_is_refused_clearly_and_leaves_nothing(
    tiny_disk: Path, tmp_path: Path
) -> None:

    from tests.helpers.reporter import open_form

    config = Config(
        database_url=f"sqlite:///{tiny_disk / 'hotline.sqlite3'}",
        keys_dir=tmp_path / "keys",
        insecure_cookies=True,
        scrypt_n=2**4,
        argon2_memory_kib=64,
        argon2_time_cost=1,
    )
    initialise(config, recovery_file=tmp_path / "recovery.txt")
    app = create_app(config)
    try:
        client = app.test_client()
        form = open_form(client)
        _fill(tiny_disk)
        response = client.post(
            "/report",
            data={**form, "category": "other", "body": "HL" + "0" * 16 + " " + "x" * 60_000},
        )
        assert response.status_code == 503
        assert UNAVAILABLE in response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "60"
        (tiny_disk / "filler").unlink()
        database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
        try:
            with database.sessions() as session:
                assert session.execute(text("SELECT count(*) FROM disclosures")).scalar() == 0
                assert_no_partial_case(session)
                assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        finally:
            database.dispose()
    finally:
        app.extensions["hotline"].database.dispose()
