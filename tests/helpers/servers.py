"""Real gunicorn servers, for tests that cross process boundaries or drive a
browser, and for the benchmark (``bench`` imports them from here); and the CPU
their processes (and PostgreSQL's backends serving them) spend, read from ``/proc``.

Servers listen on 127.0.0.1 only. CPU is counted per process from
``/proc/<pid>/stat`` (utime + stime), so the load generator's own CPU, which
runs in another process, is never counted as the server's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hotline.config import Config

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child: ask Linux to end it when the test or benchmark process dies,
    so a run that is killed leaves no server behind to confuse the next one."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it if it has not within 20 seconds."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: The onion host the load claims to come through: Tor clients all share one
#: address, so the per-address rate limits are off there (as in production).
ONION_HOST = "hotlinebenchxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion"
#: Signs the benchmark's webhook requests to its own throw-away server only.
TWILIO_TOKEN = "bench-twilio-token"
PUBLIC_URL = "https://hotline.example.org"


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ")".
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and parent_of(int(entry.name)) == pid:
            found.append(int(entry.name))
    return sorted(found)


def process_tree(pid: int) -> list[int]:
    tree = [pid]
    for child in children_of(pid):
        tree.extend(process_tree(child))
    return tree


@dataclass
class CpuMeter:
    """CPU seconds of a set of processes between two readings.

    Processes that appear later count from zero; a process that ends between
    readings loses what it spent (the caller keeps its processes alive).
    """

    pids: Iterable[int]

    def read(self) -> dict[int, float]:
        values = {}
        for pid in self.pids:
            seconds = cpu_seconds(pid)
            if seconds is not None:
                values[pid] = seconds
        return values

    @staticmethod
    def spent(before: Mapping[int, float], after: Mapping[int, float]) -> float:
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    #: The onion-only listener (HOTLINE_ONION_BIND), as the Tor daemon reaches it.
    onion_port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def workers(self) -> list[int]:
        return children_of(self.process.pid)


def server_env(
    config: Config, port: int, workers: int, threads: int = 8, onion_port: int = 0
) -> dict[str, str]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": config.database_url,
        "HOTLINE_KEYS_DIR": str(config.keys_dir),
        "HOTLINE_INSECURE_COOKIES": "1",
        "HOTLINE_BIND": f"127.0.0.1:{port}",
        "HOTLINE_ONION_URL": f"http://{ONION_HOST}",
        "HOTLINE_ONION_BIND": f"127.0.0.1:{onion_port or free_port()}",
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "WEB_CONCURRENCY": str(workers),
        "HOTLINE_THREADS": str(threads),
    }
    # No account SID: the webhook then never calls out to Twilio's API.
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("HOTLINE_REDIS_URL", None)
    if config.redis_url:
        env["HOTLINE_REDIS_URL"] = config.redis_url
        env["HOTLINE_REDIS_PREFIX"] = config.redis_prefix
    return env


@contextmanager
def gunicorn(config: Config, log_dir: Path, *, workers: int = 2) -> Iterator[Gunicorn]:
    port, onion_port = free_port(), free_port()
    log = log_dir / f"gunicorn-{port}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env=server_env(config, port, workers, onion_port=onion_port),
            stdout=handle,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    server = Gunicorn(port, process, log, onion_port)
    try:
        _wait_ready(server, workers)
        yield server
    finally:
        stop_process(process)


def _wait_ready(server: Gunicorn, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200 and len(server.workers()) >= workers:
                    return
        except OSError:  # refused, reset or timed out while the workers boot
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start: {server.log.read_text(errors='replace')}")


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> str:
        stop_process(self.process)
        return self.log.read_text(errors="replace")


def start_server(
    config: Config,
    tmp_path: Path,
    name: str,
    workers: int = 1,
    environment: Mapping[str, str] | None = None,
) -> Server:
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": config.database_url,
        "HOTLINE_KEYS_DIR": str(config.keys_dir),
        "HOTLINE_INSECURE_COOKIES": "1",
        "HOTLINE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        **(environment or {}),
    }
    if config.redis_url:
        env["HOTLINE_REDIS_URL"] = config.redis_url
        env["HOTLINE_REDIS_PREFIX"] = config.redis_prefix
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return Server(url, process, log)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{name} did not start: {log.read_text(errors='replace')}")
