"""Issue 15, item 3: an uploaded file never reaches the disk in the clear.

A real gunicorn runs with TMPDIR pointed at a private directory. While a large
multipart upload is in flight (the file part sent, the closing boundary held
back), another thread watches that directory and every file descriptor the
server's processes hold: Werkzeug's default parser would have spooled the part
to a temporary file there (an unnamed O_TMPFILE on Linux, visible only through
/proc/<pid>/fd)."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from hotline.config import Config
from tests.helpers.servers import gunicorn

PART = 3 * 1024 * 1024  # far over Werkzeug's 500 KB spooling threshold
BOUNDARY = "hotlineboundary7d3f"


def _seen_in(directory: Path, pids: list[int]) -> set[str]:
    seen = {str(p) for p in directory.rglob("*")}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:  # the process ended between listings
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(directory)):
                seen.add(target)
    return seen


def _watch(directory: Path, pids: list[int], stop: threading.Event, seen: set[str]) -> None:
    while not stop.is_set():
        seen |= _seen_in(directory, pids)
        time.sleep(0.01)


@pytest.mark.parametrize("path", ["/report", "/checkin"])
def test_no_upload_reaches_the_temporary_directory(
    initialised: object, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    private_tmp = tmp_path / "private-tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    with gunicorn(config, tmp_path, workers=1) as server:
        # Whatever gunicorn itself made at start-up (its workers' heartbeat files).
        before = _seen_in(private_tmp, server.pids())
        head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="attachments"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        tail = (
            f"\r\n--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="message"\r\n\r\n'
            f"A message.\r\n--{BOUNDARY}--\r\n"
        ).encode()
        body_length = len(head) + PART + len(tail)
        seen: set[str] = set()
        stop = threading.Event()
        watcher = threading.Thread(target=_watch, args=(private_tmp, server.pids(), stop, seen))
        watcher.start()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(
                    (
                        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                        f"Content-Length: {body_length}\r\nConnection: close\r\n\r\n"
                    ).encode()
                    + head
                )
                chunk = os.urandom(64 * 1024)
                for _ in range(PART // len(chunk)):
                    sock.sendall(chunk)
                time.sleep(1.5)  # the whole part is with the parser: it is in flight
                in_flight = set(seen)
                sock.sendall(tail)
                answer = sock.recv(4096)
        finally:
            stop.set()
            watcher.join()
        assert answer.startswith(b"HTTP/1.1 "), answer[:200]
        assert in_flight - before == set(), in_flight - before
        assert seen - before == set(), seen - before
