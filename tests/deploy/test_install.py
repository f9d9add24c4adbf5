"""deploy/install.sh, run twice in a clean Debian 12 chroot, leaves one working hotline;
deploy/upgrade.sh after it backs up, migrates and keeps the keys.

What an operator does on a fresh server, with everything from the network: a
minimal Debian from its mirror (debootstrap), this checkout copied in, then
``sh deploy/install.sh`` twice. The second run must change nothing that matters:
the same keys, the same first administrator, one virtual environment. Then
gunicorn, started the way the unit starts it, serves the report form and its
style sheet from the installed wheel (not from a checkout), and ``hotline
verify`` finds the fresh database intact.

Needs root, debootstrap and a Debian mirror (a few minutes); .ci/run installs
debootstrap, and under ``CI=true`` its absence fails the run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.checkout import copy_checkout
from tests.helpers.servers import free_port

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IN_CI = os.environ.get("CI") == "true"


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: .ci/run installs debootstrap and runs as root)")
    pytest.skip(reason)


@pytest.fixture
def debian(tmp_path: Path) -> Iterator[Path]:
    """A fresh minimal Debian in a folder, with /proc mounted; taken down afterwards."""
    if shutil.which("debootstrap") is None:
        _unavailable("debootstrap is not installed (Debian's debootstrap package)")
    if os.geteuid() != 0:
        _unavailable("a chroot needs root")
    root = tmp_path / "debian"
    made = subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, str(root), MIRROR],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if made.returncode != 0:
        _unavailable(f"debootstrap could not reach {MIRROR}: {made.stderr[-500:]}")
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    _trust_this_machines_certificates(root)
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    try:
        yield root
    finally:
        subprocess.run(["umount", "--lazy", str(root / "proc")], check=False)
        shutil.rmtree(root, ignore_errors=True)


def _trust_this_machines_certificates(root: Path) -> None:
    """Where this machine reaches PyPI through an inspecting proxy, pip in the chroot
    must trust the same authorities: the host's bundle, named in pip's own config.
    On a real server nothing of this is needed, and install.sh knows nothing of it."""
    bundle = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    if not bundle or not Path(bundle).is_file():
        return
    certificates = root / "etc" / "ssl" / "certs"
    certificates.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundle, certificates / "hotline-test-ca.crt")
    (root / "etc" / "pip.conf").write_text("[global]\ncert = /etc/ssl/certs/hotline-test-ca.crt\n")


def _in_chroot(root: Path, script: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["chroot", str(root), "env", "-i", f"PATH={PATH}", "HOME=/root", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _get(url: str, deadline: float) -> tuple[int, str]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_install_twice_in_a_clean_debian_chroot(debian: Path) -> None:
    copy_checkout(debian / "src" / "hotline")
    install = "HOTLINE_NO_SYSTEMD=1 sh /src/hotline/deploy/install.sh"

    first = _in_chroot(debian, install)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-4000:]
    assert "recovery words" in first.stdout
    data = debian / "var" / "lib" / "hotline"
    keys = _fingerprint(data / "keys")
    assert keys, "hotline init made no keys"
    admin = (debian / "root" / "hotline-first-admin.txt").read_text()
    words = debian / "root" / "hotline-recovery-words.txt"
    assert words.stat().st_mode & 0o077 == 0

    second = _in_chroot(debian, install)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-4000:]
    assert "recovery words" not in second.stdout
    assert _fingerprint(data / "keys") == keys
    assert (debian / "root" / "hotline-first-admin.txt").read_text() == admin
    assert sorted(p.name for p in (debian / "opt" / "hotline").iterdir()) == ["app", "venv"]

    as_the_service = (
        "cd /opt/hotline/app && set -a && . /etc/hotline/hotline.env && set +a && "
        "exec runuser -u hotline -- /opt/hotline/venv/bin/"
    )
    officers = _in_chroot(debian, as_the_service + "hotline officer list")
    assert officers.returncode == 0, officers.stderr[-2000:]
    assert len(officers.stdout.strip().splitlines()) == 1  # the first administrator, once
    verified = _in_chroot(debian, as_the_service + "hotline verify")
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]

    # The next release: upgrade.sh backs up first, reinstalls, migrates, keeps the keys,
    # and starts again exactly the services that ran (a systemctl that only records:
    # the web service and e-mail polling run, notify does not).
    systemctl = debian / "usr" / "local" / "bin" / "systemctl"
    systemctl.write_text(
        '#!/bin/sh\necho "$*" >> /tmp/systemctl.log\n'
        'case "$*" in "is-active --quiet hotline-notify.service") exit 3;; esac\n'
    )
    systemctl.chmod(0o755)
    upgraded = _in_chroot(debian, "sh /src/hotline/deploy/upgrade.sh")
    assert upgraded.returncode == 0, upgraded.stdout[-2000:] + upgraded.stderr[-4000:]
    calls = (debian / "tmp" / "systemctl.log").read_text().splitlines()
    assert "stop hotline-web.service hotline-poll-imap.service" in calls
    assert calls[-1] == "start hotline-web.service hotline-poll-imap.service"
    assert [p.name for p in (data / "backups").iterdir()][0].startswith("before-")
    assert _fingerprint(data / "keys") == keys
    verified = _in_chroot(debian, as_the_service + "hotline verify")
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]

    port, onion = free_port(), free_port()
    log = (debian.parent / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            "chroot",
            str(debian),
            "env",
            "-i",
            f"PATH={PATH}",
            "sh",
            "-c",
            as_the_service.replace(
                "hotline.env && set +a",
                "hotline.env && set +a && "
                f"export HOTLINE_BIND=127.0.0.1:{port} HOTLINE_ONION_BIND=127.0.0.1:{onion}",
            )
            + "gunicorn -c /opt/hotline/app/gunicorn.conf.py wsgi:app",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        status, page = _get(f"http://127.0.0.1:{port}/report", deadline)
        assert status == 200, (debian.parent / "gunicorn.log").read_text()
        assert "<form" in page
        status, css = _get(f"http://127.0.0.1:{port}/static/hotline.css", deadline)
        assert status == 200
        assert "{" in css
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()
