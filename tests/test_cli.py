"""The `hotline` console command: init, officer add, audit verify."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.config import Config
from hotline.crypto.keyring import load_secrets
from hotline.initialise import initialise
from hotline.models import AuditEvent, Officer, Queue
from tests.helpers.instance import Initialised
from tests.helpers.officers import only_designation


def _snapshot(config: Config, session: Session) -> tuple[bytes, ...]:
    secrets = load_secrets(config.keys_dir)
    queue_keys = tuple(q.public_key for q in session.scalars(select(Queue).order_by(Queue.slug)))
    return (secrets.pepper, secrets.secret_key, secrets.audit_key, *queue_keys)


@pytest.mark.real_init
def test_init_creates_keys_queues_and_one_administrator(
    initialised: Initialised, db: Session
) -> None:
    result = initialised.result
    assert result.admin_username == "admin"
    assert result.admin_password
    assert len(result.admin_password) >= 12
    assert stat.S_IMODE(initialised.recovery_file.stat().st_mode) == 0o600
    assert len(initialised.recovery_words.split()) == 20
    for name in ("pepper", "secret_key", "audit_key"):
        path = initialised.config.keys_dir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    slugs = set(db.scalars(select(Queue.slug)))
    assert slugs == {"commissioner_general", "internal_audit", "investigation", "codename_register"}
    admin = db.scalars(select(Officer)).one()
    assert admin.is_admin
    # Administration is not case access: the first administrator holds no queue
    # and no codename register; only the recovery key opens the queue keys.
    assert admin.designations == []


@pytest.mark.real_init
def test_init_twice_leaves_every_key_unchanged(initialised: Initialised, db: Session) -> None:
    before = _snapshot(initialised.config, db)
    again = initialise(initialised.config)
    db.expire_all()
    assert _snapshot(initialised.config, db) == before
    assert again.admin_password is None
    assert again.recovery_words is None
    assert again.new_queues == ()


def test_init_command_says_when_nothing_changes(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0
    assert "already initialised" in result.output


def test_officer_add_without_recovery_words_leaves_designations_pending(
    runner: FlaskCliRunner, db: Session
) -> None:
    result = runner.invoke(
        args=["officer", "add", "mutesi", "--queue", "internal_audit", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/" in result.output
    assert "Pending" in result.output
    designation = only_designation(db, "mutesi")
    assert designation.pending


def test_officer_add_with_recovery_words_completes_designations(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    result = runner.invoke(
        args=[
            "officer",
            "add",
            "habimana",
            "--queue",
            "investigation",
            "--password-stdin",
            "--recovery-file",
            str(initialised.recovery_file),
        ],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    designation = only_designation(db, "habimana")
    assert not designation.pending


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["officer", "add", "x", "--queue", "nope", "--password-stdin"],
            "long enough pw\n",
            "unknown queue",
        ),
        (
            ["officer", "add", "shorty", "--queue", "investigation", "--password-stdin"],
            "short\n",
            "at least 12",
        ),
    ],
)
def test_officer_add_refuses_bad_input_clearly(
    runner: FlaskCliRunner, args: list[str], stdin: str, message: str
) -> None:
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_audit_verify_names_the_first_altered_or_deleted_event(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    audit_key = load_secrets(initialised.config.keys_dir).audit_key
    for n in range(4):
        record(db, audit_key, actor="officer:1", action="case.viewed", subject=f"HL-{n}")
    db.commit()
    assert "intact" in runner.invoke(args=["audit", "verify"]).output

    db.execute(update(AuditEvent).where(AuditEvent.id == 2).values(subject="HL-X"))
    db.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 2
    assert "event 2" in result.output

    db.execute(update(AuditEvent).where(AuditEvent.id == 2).values(subject="HL-1"))
    db.delete(db.get(AuditEvent, 4))
    db.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 2
    assert "deleted" in result.output


def test_init_prints_the_one_command_that_makes_a_first_reader(tmp_path: Path) -> None:
    """What an operator sees after `hotline init` (and `make run`): the administrator
    reads nothing, and the printed command, run as printed, makes an officer who
    holds the queue at once (not pending), from the recovery words."""
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        "HOTLINE_KEYS_DIR": str(tmp_path / "keys"),
    }
    words = tmp_path / "recovery.txt"

    def hotline(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from hotline.cli import main; main()", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    init = hotline("init", "--recovery-file", str(words))
    assert init.returncode == 0, init.stderr
    assert "The administrator reads no case" in init.stdout
    (printed,) = [line for line in init.stdout.splitlines() if "hotline officer add" in line]
    args = shlex.split(printed.replace("USERNAME", "mugisha"))[1:]
    assert args[-1] == str(words)
    added = hotline(*args, stdin="a long and private passphrase\n")
    assert added.returncode == 0, added.stderr
    assert "Pending" not in added.stdout
    listed = hotline("officer", "list").stdout.splitlines()
    assert any(line.startswith("mugisha\t") and "investigation" in line for line in listed)
    assert any(line.startswith("admin\t") and line.endswith("\t-") for line in listed)

    # Then the printed split, run as printed, leaves shares that stand in for the words.
    (split_line,) = [line for line in init.stdout.splitlines() if "hotline recovery split" in line]
    shares = tmp_path / "shares"
    shares.mkdir()
    split = hotline(*shlex.split(split_line.replace("DIR", str(shares)))[1:])
    assert split.returncode == 0, split.stderr
    two = tmp_path / "two-shares.txt"
    two.write_text("".join(p.read_text() for p in sorted(shares.iterdir())[1:]))
    second = hotline(
        "officer",
        "add",
        "keza",
        "--queue",
        "internal_audit",
        "--password-stdin",
        "--recovery-file",
        str(two),
        stdin="another long private passphrase\n",
    )
    assert second.returncode == 0, second.stderr
    assert "Pending" not in second.stdout
