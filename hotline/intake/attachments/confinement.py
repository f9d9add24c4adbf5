"""Cleaning in a child process with limits: what a hostile file can cost.

A file of a few hundred kilobytes can ask a decoder for gigabytes (a PNG whose
rows are all zeros) or for minutes of CPU (a PDF of nested forms). The checks
in :mod:`.images` refuse what a header already shows to be too large; what
slips past them is bounded here. Each file is cleaned in a child process of a
small fork server (this module run with ``python -m``, started on first use
with the cleaner imported, so a child costs a fork, not an interpreter
start). Before cleaning, the child:

* may add at most :data:`MEMORY_BYTES` of address space (``RLIMIT_AS``): an
  allocation beyond that fails at once instead of swapping the server;
* may use at most :data:`CPU_SECONDS` of CPU (``RLIMIT_CPU``), and an alarm
  ends it after :data:`WALL_SECONDS` whatever it is doing (the parent stops
  waiting then too);
* may write no file (``RLIMIT_FSIZE`` 0) and dump no core (``RLIMIT_CORE`` 0):
  a crash never leaves the evidence on disk;
* has its standard output and error on ``/dev/null``: a C library that prints
  what it found in a file prints it nowhere.

The server is a fresh interpreter, not a fork of the web worker, and gets none
of its environment: a child holds no session, key, database connection or
gateway token in memory. It does run as the same user, so last of all, before
reading the file, the child walls itself in with Landlock (:mod:`.landlock_rules`):
it may read the interpreter, the libraries and fonts, and nothing else, so not
``keys/``, the database, the configuration or ``/proc``; and it may open no
network connection. :func:`probe_walls` asks a child whether a path is still
readable (``hotline verify`` asks it of ``keys/``).

The parent sends the file and reads the answer over a socket pair made for
that one file (passed to the server with ``SCM_RIGHTS``), framed as a JSON
header and raw bytes: never a pickle, so a decoder bug exploited in the child
cannot run code in the web worker through its answer.

A file that breaks a limit is refused with :class:`TooCostly`; the reporter's
text is not lost (the form shows it again; e-mail files it without the file).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline.intake.attachments import CleanedFile, clean
from hotline.intake.attachments.errors import TooCostly, UnreadableFile
from hotline.intake.attachments.framing import receive_frame, send_frame
from hotline.intake.attachments.landlock_rules import raise_walls

#: Address space a child may add to what it inherits from the fork server.
MEMORY_BYTES = 1024 * 1024 * 1024
#: CPU time a child may use on one file.
CPU_SECONDS = 30
#: Wall-clock time after which a child ends, whatever it is doing.
WALL_SECONDS = 90.0
#: The largest cleaned file the parent accepts (a PDF may grow when rebuilt).
MAX_ANSWER_BYTES = 256 * 1024 * 1024

_TOO_COSTLY = "This file is too large or too complex to be cleaned safely."
_UNREADABLE = "This file could not be read. It may be damaged or incomplete."


@dataclass(frozen=True)
class Allowance:
    """What one cleaning may cost."""

    memory_bytes: int = MEMORY_BYTES
    cpu_seconds: int = CPU_SECONDS
    wall_seconds: float = WALL_SECONDS
    #: Pixels the file's pictures may decode to: the report's remaining budget.
    pixels: int | None = None


def clean_confined(
    name: str, claimed_type: str | None, content: bytes, allowance: Allowance | None = None
) -> CleanedFile:
    """:func:`~hotline.intake.attachments.clean` in a limited child process.

    Raises :class:`UnreadableFile` (or its :class:`TooCostly`) as ``clean``
    does, and :class:`TooCostly` when the child breaks a limit or dies.
    """
    allowance = allowance or Allowance()
    job = {
        "name": name,
        "claimed_type": claimed_type,
        "memory_bytes": allowance.memory_bytes,
        "cpu_seconds": allowance.cpu_seconds,
        "wall_seconds": allowance.wall_seconds,
        "pixels": allowance.pixels,
    }
    header, body = _exchange(job, content, allowance.wall_seconds)
    return _answer(header, body)


@dataclass(frozen=True)
class WallsProbe:
    """What a cleaning child could still reach: see :func:`probe_walls`."""

    #: The Landlock ABI the kernel enforced in the child, 0 for none.
    landlock_abi: int
    #: Whether the child could open the path it was asked to open.
    readable: bool


def probe_walls(path: str) -> WallsProbe:
    """Ask a cleaning child, confined exactly as for a reporter's file, to
    open ``path`` (a file or a directory) and say whether it could: what a
    decoder bug in that child could read. ``hotline verify`` asks it of
    ``keys/``."""
    allowance = Allowance()
    header, _body = _exchange({"probe": path}, b"", allowance.wall_seconds)
    abi, readable = header.get("landlock"), header.get("readable")
    if (
        header.get("outcome") != "probe"
        or not isinstance(abi, int)
        or not isinstance(readable, bool)
    ):
        raise TooCostly(_TOO_COSTLY)
    return WallsProbe(abi, readable)


def _exchange(
    job: dict[str, Any], content: bytes, wall_seconds: float
) -> tuple[dict[str, Any], bytes]:
    """Send one job to a fresh child and read its answer."""
    deadline = time.monotonic() + wall_seconds + 1.0
    ours, theirs = socket.socketpair()
    try:
        with theirs:
            _SERVER.hand_over(theirs)
        ours.settimeout(max(deadline - time.monotonic(), 0.001))
        send_frame(ours, job, content)
        return receive_frame(ours, deadline, MAX_ANSWER_BYTES)
    except (OSError, EOFError, ValueError):
        # Timed out, or the child died (the CPU limit, the alarm, or memory
        # so short it could not even answer): too costly either way.
        raise TooCostly(_TOO_COSTLY) from None
    finally:
        ours.close()


def _answer(header: dict[str, Any], body: bytes) -> CleanedFile:
    """The child's answer, checked field by field (it handled hostile bytes)."""
    outcome = header.get("outcome")
    message = header.get("message")
    if outcome == "too_costly":
        raise TooCostly(message if isinstance(message, str) else _TOO_COSTLY)
    if outcome != "cleaned":
        raise UnreadableFile(message if isinstance(message, str) else _UNREADABLE)
    removed = header.get("removed")
    fields = (
        header.get("name"),
        header.get("media_type"),
        header.get("metadata_warning"),
        header.get("cleaned"),
        header.get("pixels"),
    )
    name, media_type, warning, cleaned, pixels = fields
    if not (
        isinstance(name, str)
        and isinstance(media_type, str)
        and isinstance(warning, bool)
        and isinstance(cleaned, bool)
        and isinstance(pixels, int)
        and isinstance(removed, list)
        and all(isinstance(r, str) for r in removed)
    ):
        raise UnreadableFile(_UNREADABLE)
    return CleanedFile(name, media_type, body, tuple(removed), warning, cleaned, pixels)


# --- the fork server --------------------------------------------------------------


class _ForkServer:
    """The server process, started on first use, restarted if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped_at_exit = False

    def hand_over(self, job: socket.socket) -> None:
        """Give the server one end of a job's socket pair: it forks a child for it."""
        with self._lock:
            for attempt in range(2):
                control = self._running()
                try:
                    socket.send_fds(control, [b"j"], [job.fileno()])
                    return
                except OSError:
                    self._stop()
                    if attempt:
                        raise

    def _running(self) -> socket.socket:
        if self._control is not None and self._process is not None:
            if self._process.poll() is None:
                return self._control
            self._stop()
        ours, theirs = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[3])
        path = os.environ.get("PYTHONPATH")
        # Not the worker's environment: it holds the database URL, gateway
        # tokens and mail passwords, none of which a child reading a hostile
        # file needs.
        environment = {
            "PATH": os.environ.get("PATH", os.defpath),
            "PYTHONPATH": package_root + (os.pathsep + path if path else ""),
            "LANG": "C.UTF-8",
        }
        with theirs:
            self._process = subprocess.Popen(  # noqa: S603 - our interpreter and module
                [sys.executable, "-m", __name__, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=environment,
            )
        self._control = ours
        if not self._stopped_at_exit:
            # The server goes with the worker that started it, not after it.
            atexit.register(self._stop)
            self._stopped_at_exit = True
        return ours

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.kill()
            self._process.wait()
            self._process = None


_SERVER = _ForkServer()


def serve(control_fd: int) -> None:
    """The server's loop: one forked child per job socket received, until the
    parent closes the control socket (or dies)."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message:
            return
        for fd in fds:
            if os.fork() == 0:
                control.close()
                with socket.socket(fileno=fd) as job:
                    _child(job)
                os._exit(0)
            os.close(fd)


def _child(job: socket.socket) -> None:
    """Runs in a forked child: read the job, confine, clean, answer."""
    try:
        header, content = receive_frame(job, None, None)
    except (OSError, EOFError, ValueError):
        return
    _confine(header)
    walls = raise_walls()
    probe = header.get("probe")
    if isinstance(probe, str):
        with contextlib.suppress(Exception):
            send_frame(job, {"outcome": "probe", "landlock": walls, "readable": _opens(probe)}, b"")
        return
    try:
        cleaned = clean(
            str(header.get("name", "")),
            header.get("claimed_type") if isinstance(header.get("claimed_type"), str) else None,
            content,
            max_pixels=header["pixels"] if isinstance(header.get("pixels"), int) else None,
        )
        answer: dict[str, Any] = {
            "outcome": "cleaned",
            "name": cleaned.name,
            "media_type": cleaned.media_type,
            "removed": list(cleaned.removed),
            "metadata_warning": cleaned.metadata_warning,
            "cleaned": cleaned.cleaned,
            "pixels": cleaned.pixels,
        }
        body = cleaned.content
    except TooCostly as exc:
        answer, body = {"outcome": "too_costly", "message": str(exc)}, b""
    except UnreadableFile as exc:
        answer, body = {"outcome": "unreadable", "message": str(exc)}, b""
    except MemoryError:
        answer, body = {"outcome": "too_costly", "message": _TOO_COSTLY}, b""
    except BaseException:  # noqa: BLE001 - anything else: unreadable, never a traceback
        answer, body = {"outcome": "unreadable", "message": _UNREADABLE}, b""
    # If even the answer fails (memory), the parent reads EOF: "too costly".
    with contextlib.suppress(Exception):
        send_frame(job, answer, body)


def _confine(header: dict[str, Any]) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    cpu = int(header.get("cpu_seconds") or CPU_SECONDS)
    wall = float(header.get("wall_seconds") or WALL_SECONDS)
    memory = int(header.get("memory_bytes") or MEMORY_BYTES)
    signal.setitimer(signal.ITIMER_REAL, wall)  # SIGALRM's default action ends the child
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    inherited = _address_space_bytes()
    if inherited:  # not on a system without /proc: the other limits still hold
        limit = inherited + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _opens(path: str) -> bool:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as file:
                file.read(1)
    except OSError:
        return False
    return True


def _address_space_bytes() -> int:
    """This process's virtual memory size now (``VmSize``)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    serve(int(sys.argv[1]))
    sys.exit(0)
