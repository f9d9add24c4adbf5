"""Submissions, check-ins and SMS through a real gunicorn (one worker per core).

For each workload the server's CPU is read from ``/proc`` before and after:
gunicorn's master and workers, plus, on PostgreSQL, the backends serving our
connections. The load generator runs in another process, so its CPU is not in
the figure. One codename derivation is timed in the same run, and the KDF
share is one derivation ÷ server CPU per submission (each submission derives
one codename; everything else is overhead).
"""

from __future__ import annotations

import hashlib
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine

from bench.postgres import backend_pids
from hotline.config import Config
from tests.helpers import load
from tests.helpers.load import Run
from tests.helpers.servers import ONION_HOST, PUBLIC_URL, TWILIO_TOKEN, CpuMeter, Gunicorn, gunicorn

WORKERS = 2
SUBMISSIONS = 360
CHECK_INS = 200
CONCURRENCY = 4
TIME_LIMIT = 60.0
SMS_RATE = 5.0
SMS_SECONDS = 24.0


def one_derivation() -> float:
    """CPU seconds of this thread for one derivation as DESIGN.md specifies it."""
    secret = secrets.token_bytes(40)
    began = time.thread_time()
    hashlib.scrypt(secret, salt=secrets.token_bytes(32), n=2**14, r=8, p=1, dklen=128, maxmem=2**28)
    return time.thread_time() - began


def derivation_seconds(samples: int = 15) -> float:
    """One derivation's CPU time (median of ``samples``), with the server idle."""
    return statistics.median(one_derivation() for _ in range(samples))


class LoadedDerivations:
    """Derivations timed while the load runs, one every ``interval`` seconds.

    scrypt is memory-hard: next to other derivations and Python work on the
    same two cores it costs more CPU time than on an idle machine. The server's
    own derivations pay that too, so the KDF share divides by this figure; the
    idle figure is shown beside it.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(one_derivation())

    def __enter__(self) -> LoadedDerivations:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


@dataclass(frozen=True)
class Measured:
    run: Run
    gunicorn_cpu: float
    postgres_cpu: float

    @property
    def server_cpu(self) -> float:
        return self.gunicorn_cpu + self.postgres_cpu

    @property
    def cpu_each(self) -> float:
        done = len(self.run.ok)
        return self.server_cpu / done if done else float("nan")


@dataclass(frozen=True)
class BackendResult:
    backend: str
    submissions: Measured
    check_ins: Measured
    sms: Measured
    #: One derivation's CPU time with the server idle, and during the submissions.
    derivation_idle: float
    derivation: float
    failures: tuple[str, ...]

    @property
    def kdf_share(self) -> float:
        return self.derivation / self.submissions.cpu_each

    @property
    def kdf_share_idle(self) -> float:
        return self.derivation_idle / self.submissions.cpu_each


def _measure(server: Gunicorn, monitor: Engine | None, work: Callable[[], Run]) -> Measured:
    gunicorn_meter = CpuMeter(server.pids())
    before = gunicorn_meter.read()
    pg_before: dict[int, float] = {}
    if monitor is not None:
        pg_before = CpuMeter(backend_pids(monitor)).read()
    run = work()
    after = CpuMeter(server.pids()).read()
    pg_cpu = 0.0
    if monitor is not None:
        pg_after = CpuMeter(sorted(set(backend_pids(monitor)) | set(pg_before))).read()
        pg_cpu = CpuMeter.spent(pg_before, pg_after)
    return Measured(run, CpuMeter.spent(before, after), pg_cpu)


def _failures(name: str, run: Run) -> list[str]:
    failed = [o for o in run.outcomes if o not in run.ok]
    if not failed:
        return []
    kinds = sorted({o.error or f"HTTP {o.status}" for o in failed})
    return [f"{name}: {len(failed)} of {len(run.outcomes)} failed ({', '.join(kinds)})"]


def measure_backend(backend: str, config: Config, log_dir: Path) -> BackendResult:
    monitor = None
    if not config.database_url.startswith("sqlite"):
        monitor = create_engine(config.database_url, pool_size=1)
    try:
        with gunicorn(config, log_dir, workers=WORKERS) as server:
            # Through the onion listener: one address for all, as Tor's load is.
            port = server.onion_port
            # Warm up: every worker imports, connects and renders once (not measured).
            warm = load.in_process(
                load.submissions, port, count=12, concurrency=4, time_limit=60, host=ONION_HOST
            )
            with LoadedDerivations() as loaded:
                submissions = _measure(
                    server,
                    monitor,
                    lambda: load.in_process(
                        load.submissions,
                        port,
                        count=SUBMISSIONS,
                        concurrency=CONCURRENCY,
                        time_limit=TIME_LIMIT,
                        host=ONION_HOST,
                    ),
                )
            codenames = [o.codename for o in (*warm.ok, *submissions.run.ok) if o.codename]
            check_ins = _measure(
                server,
                monitor,
                lambda: load.in_process(
                    load.check_ins,
                    port,
                    codenames,
                    count=CHECK_INS,
                    concurrency=CONCURRENCY,
                    time_limit=TIME_LIMIT,
                    host=ONION_HOST,
                ),
            )
            sms = _measure(
                server,
                monitor,
                lambda: load.in_process(
                    load.sms_steady,
                    port,
                    twilio_token=TWILIO_TOKEN,
                    public_url=PUBLIC_URL,
                    rate=SMS_RATE,
                    duration=SMS_SECONDS,
                    time_limit=TIME_LIMIT,
                ),
            )
            # Timed after the load, with the server idle again, in this same run.
            idle = derivation_seconds()
    finally:
        if monitor is not None:
            monitor.dispose()
    failures = (
        _failures("warm-up", warm)
        + _failures("submissions", submissions.run)
        + _failures("check-ins", check_ins.run)
        + _failures("SMS", sms.run)
    )
    return BackendResult(backend, submissions, check_ins, sms, idle, loaded.median, tuple(failures))
