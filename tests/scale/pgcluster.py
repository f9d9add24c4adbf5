"""A private PostgreSQL server for the restart test.

Restarting the machine's shared cluster (``pg_ctlcluster 15 main restart``)
would break every other test run using it at that moment, so the test gets a
server of its own: the same binaries, a fresh data directory under /tmp owned
by the ``postgres`` user, listening on 127.0.0.1 and a free port only. It is
restarted with ``pg_ctl restart`` (what ``pg_ctlcluster`` runs underneath) and
always stopped and deleted afterwards, even when the test fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.servers import free_port

POSTGRES_ROOT = Path("/usr/lib/postgresql")


def binaries() -> Path | None:
    """The newest installed server's bin directory, or None."""
    if not POSTGRES_ROOT.is_dir():
        return None
    versions = sorted(
        (p for p in POSTGRES_ROOT.iterdir() if (p / "bin" / "pg_ctl").exists()),
        key=lambda p: int(p.name) if p.name.isdigit() else 0,
    )
    return versions[-1] / "bin" if versions else None


def why_not_available() -> str | None:
    """None when a private cluster can be made here, else the reason."""
    if os.geteuid() != 0:
        return "needs root (to run the server as the postgres user)"
    if binaries() is None:
        return "no PostgreSQL server binaries under /usr/lib/postgresql"
    if shutil.which("runuser") is None:
        return "runuser is not installed"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "no postgres user"
    return None


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def log(self) -> Path:
        return self.datadir / "server.log"

    def _pg_ctl(self, *args: str, timeout: float = 60) -> None:
        # The server pg_ctl starts keeps its standard streams: never a pipe of
        # ours (we would wait for it to close), always the log file.
        with (self.datadir / "pg_ctl.out").open("ab") as out:
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.datadir),
                    *args,
                ],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )

    def _options(self) -> str:
        return f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1"

    def start(self) -> None:
        self._pg_ctl("-l", str(self.log), "-o", self._options(), "-w", "start")

    def restart(self) -> None:
        """Fast shutdown (open connections are cut), then start again."""
        self._pg_ctl("-l", str(self.log), "-o", self._options(), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        done = subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "status",
            ],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def create_database(self, name: str) -> None:
        subprocess.run(
            [
                str(self.bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                name,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    bindir = binaries()
    assert bindir is not None
    postgres = pwd.getpwnam("postgres")
    datadir = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    os.chown(datadir, postgres.pw_uid, postgres.pw_gid)
    cluster = Cluster(bindir, datadir, free_port())
    try:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        cluster.start()
        yield cluster
    finally:
        # Left running or not, the private server never outlives the test.
        if cluster.running():
            cluster.stop()
        shutil.rmtree(datadir, ignore_errors=True)
