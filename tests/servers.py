"""Real gunicorn servers for tests that cross process boundaries or drive a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hotline.config import Config

ROOT = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child: ask Linux to end it when the test process dies, so a test
    run that is killed leaves no server behind to confuse the next one."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
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
