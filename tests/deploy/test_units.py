"""The rest of the kit: systemd units that ``systemd-analyze verify`` accepts and
a Dockerfile that holds hadolint's rules (non-root, pinned base, no secrets in
layers). install.sh has its own module, ``test_install``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers.servers import ROOT

SYSTEMD = ROOT / "deploy" / "systemd"
UNITS = sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.timer")])
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"


def _installed_copies(directory: Path) -> list[Path]:
    """The units as install.sh places them, with this checkout standing in for /opt/hotline."""
    copies = []
    for unit in UNITS:
        text = unit.read_text().replace("/opt/hotline/venv/bin/", f"{VENV_BIN}/")
        copy = directory / unit.name
        copy.write_text(text.replace("/opt/hotline/app", str(ROOT)))
        copies.append(copy)
    return copies


def test_every_job_has_its_unit() -> None:
    names = {unit.name for unit in UNITS}
    assert {"hotline-web.service", "hotline-notify.service", "hotline-poll-imap.service"} <= names
    for job in ("purge", "backup", "verify"):
        assert {f"hotline-{job}.service", f"hotline-{job}.timer"} <= names
    web = (SYSTEMD / "hotline-web.service").read_text()
    for setting in ("ProtectSystem=strict", "PrivateTmp=true", "NoNewPrivileges=true"):
        assert setting in web
    assert "MemoryMax=" in web
    assert "TasksMax=" in web
    assert "HOTLINE_ONION_BIND=unix:" in (SYSTEMD / "hotline.env").read_text()
    # keys/ sits in the writable data folder; no service may write it.
    keys = re.search(r"^HOTLINE_KEYS_DIR=(.+)$", (SYSTEMD / "hotline.env").read_text(), re.M)
    assert keys is not None
    for unit in SYSTEMD.glob("*.service"):
        assert f"ReadOnlyPaths={keys.group(1)}\n" in unit.read_text(), unit.name


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing: .ci/run installs Debian's systemd")
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    copies = _installed_copies(tmp_path)
    result = subprocess.run(
        [analyze, "verify", *map(str, copies)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "hotline" not in result.stderr, result.stderr


def test_systemd_analyze_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a unit whose program is missing is refused."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian's systemd package)")
    broken = tmp_path / "hotline-web.service"
    broken.write_text(
        (SYSTEMD / "hotline-web.service").read_text().replace("/opt/hotline/venv/bin/", "/nowhere/")
    )
    result = subprocess.run(
        [analyze, "verify", str(broken)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 or "nowhere" in result.stderr


DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_holds_hadolint_rules() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert bases
    for base in bases:
        # An exact version tag or a digest, never latest or a bare name (DL3006, DL3007).
        assert "@sha256:" in base or re.search(r":\d+\.\d+\.\d+", base), base
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}  # DL3002
    for key, value in re.findall(r"^\s*(?:ENV\s+)?(\w+)=(\S*)", DOCKERFILE, re.MULTILINE):
        assert not re.search(r"SECRET|TOKEN|PASSWORD|API_KEY|PEPPER", key), key
        assert "://" not in value or "@" not in value, (key, value)  # no credentials in URLs
    assert "COPY keys" not in DOCKERFILE
    assert "COPY . " not in DOCKERFILE  # nothing from the working tree but what is named
    final = DOCKERFILE.rsplit("FROM ", 1)[1]
    assert "build-essential" not in final
    assert "gcc" not in final
    compose = (ROOT / "compose.yaml").read_text()
    published = re.findall(r"^\s+ports:", compose, re.MULTILINE)
    assert len(published) == 1  # only the proxy


def test_dockerfile_builds_where_an_engine_answers(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here")
    engine = subprocess.run([docker, "info"], capture_output=True, timeout=20)
    if engine.returncode != 0:
        pytest.skip("no docker engine answers here (docker info fails)")
    built = subprocess.run(
        [docker, "build", "-q", "-t", "hotline-test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert built.returncode == 0, built.stderr


def _directives(site: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in site.read_text().splitlines())
    return [line for line in lines if line]


def test_the_compose_site_is_the_shipped_site_but_for_where_gunicorn_listens() -> None:
    """compose.conf is kept by hand beside hotline.conf: a header, a limit or a
    log setting changed in one and not the other would go unnoticed."""
    shipped = _directives(ROOT / "deploy" / "nginx" / "hotline.conf")
    compose = _directives(ROOT / "deploy" / "nginx" / "compose.conf")
    assert len(shipped) == len(compose)
    differing = [(a, b) for a, b in zip(shipped, compose, strict=True) if a != b]
    assert differing == [
        (
            "upstream hotline_web { server unix:/run/hotline/web.sock; }",
            "upstream hotline_web { server web:8000; }",
        ),
        (
            "upstream hotline_onion { server unix:/run/hotline/onion.sock; }",
            "upstream hotline_onion { server web:8081; }",
        ),
        ("listen 127.0.0.1:8081;", "listen 8081;"),
    ]
