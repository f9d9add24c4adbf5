"""What a cleaning child may still reach once it holds a hostile file.

The rlimits of :mod:`.confinement` bound what a file can cost. They do not stop
a decoder bug, exploited by a crafted photo or PDF, from reading what the
service user may read: ``keys/`` (the secrets that unseal every report), the
SQLite database, ``/etc/hotline/hotline.env``, or the web worker's memory
through ``/proc``. Nor from connecting to PostgreSQL or Redis, or out.

So before it reads the file, the child asks the kernel (Landlock, Linux 5.13
and later) to allow it, for the rest of its short life, only this:

* reading and executing beneath the interpreter, its virtual environment and
  standard library, Hotline's own package, ``/usr`` and the system libraries
  (Pillow, qpdf, poppler's ``pdftocairo`` and their fonts live there), and
  reading ``/etc/fonts``, the fontconfig cache, the dynamic linker's cache,
  ``/dev/urandom`` and the CPU list in ``/sys``;
* nothing else: no other file or directory can be opened, nothing can be
  written, created or removed, no TCP or UDP socket can bind or connect, no
  socket file can be reached (on kernels that know that right), and neither
  a signal nor an abstract socket can reach a process outside the child.

``keys/``, the database, the configuration and ``/proc`` are outside that
list wherever an operator puts them (under ``/var/lib``, ``/etc``, a checkout
or a container volume), unless they put them beneath one of the places above.

Landlock is best effort: a kernel without it, or with an older version of it,
enforces what it knows and the cleaning goes on. :func:`walls` says what held,
and ``hotline verify`` asks a real child to open ``keys/`` and says whether it
could.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import landlockpy
from landlockpy import AccessFS, Ruleset, Scope

_READ = AccessFS.READ_FILE | AccessFS.READ_DIR
_READ_AND_RUN = _READ | AccessFS.EXECUTE
_FILE_RIGHTS = AccessFS.READ_FILE | AccessFS.EXECUTE

#: Beneath these the child may read and execute (when they exist).
_SYSTEM = ("/usr", "/lib", "/lib64", "/bin", "/sbin")
#: These the child may only read (when they exist).
_SYSTEM_DATA = (
    "/etc/fonts",
    "/etc/ld.so.cache",
    "/var/cache/fontconfig",
    "/dev/urandom",
    "/sys/devices/system/cpu",
)


def readable_places() -> tuple[tuple[Path, AccessFS], ...]:
    """Every place the child keeps access to, with what it may do there."""
    package = Path(__file__).resolve().parents[2]  # hotline/, not the checkout around it
    runtime = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    runtime |= {os.path.dirname(os.path.realpath(sys.executable))}
    places: dict[Path, AccessFS] = {}
    for name in (*sorted(runtime), *_SYSTEM, str(package)):
        places[Path(name)] = _READ_AND_RUN
    for name in _SYSTEM_DATA:
        places.setdefault(Path(name), _READ)
    return tuple((path, access) for path, access in places.items() if path.exists())


def raise_walls() -> int:
    """Restrict this process (and anything it starts) to :func:`readable_places`.

    Returns the Landlock ABI version enforced, 0 when the kernel has none (then
    nothing is restricted beyond the rlimits). Call it once, in the child,
    after everything the child needs is open.
    """
    if not sys.platform.startswith("linux"):
        return 0
    try:
        abi = landlockpy.abi_version()
        if abi == 0:
            return 0
        with Ruleset(scoped=Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL) as ruleset:
            for path, access in readable_places():
                # A rule on a file may only grant what applies to files.
                ruleset.allow_path(path, access if path.is_dir() else access & _FILE_RIGHTS)
            ruleset.restrict()
    except (landlockpy.LandlockError, OSError):
        # Refused by the kernel (a security module's policy, a seccomp
        # filter): cleaning goes on under the rlimits, and `hotline verify`
        # says that keys/ is readable from the child.
        return 0
    return abi
