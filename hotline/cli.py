"""The ``hotline`` console command: a Flask CLI group over the services.

Commands print what a person needs and nothing secret beyond what they were
asked for (the one-time password and recovery words of ``init``, the TOTP URI
of ``officer add``).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from hotline.instance import current
from hotline.routing import Policy, load_policy


def _app_for_cli() -> Flask:
    from hotline import create_app

    return create_app(require_keys=False)


main = FlaskGroup(
    name="hotline",
    help="Hotline: anonymous reporting for revenue and customs authorities.",
    create_app=partial(_app_for_cli),
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"hotline: {message}", err=True)
    sys.exit(code)


@click.command("init")
@click.option(
    "--recovery-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the recovery words to this new file (mode 0600) instead of printing them.",
)
@with_appcontext
def init_command(recovery_file: Path | None) -> None:
    """Create keys, schema, queue keys and the first administrator (idempotent)."""
    from hotline.crypto.keyring import KeysError
    from hotline.initialise import initialise
    from hotline.routing import PolicyError

    try:
        result = initialise(current().config, recovery_file=recovery_file)
    except (KeysError, PolicyError) as exc:
        _fail(str(exc))
        return
    if not result.created_secrets and not result.new_queues and not result.admin_password:
        click.echo("Hotline is already initialised; nothing was changed.")
        return
    if result.new_queues:
        click.echo(f"Queues created: {', '.join(result.new_queues)}")
    if result.admin_password:
        click.echo("")
        click.echo("First administrator (shown once; change it at first sign-in):")
        click.echo(f"  username: {result.admin_username}")
        click.echo(f"  password: {result.admin_password}")
    if result.recovery_words:
        click.echo("")
        click.echo("Recovery words (shown once; write them down and lock them away).")
        click.echo("They open every queue if all its officers lose access:")
        click.echo(f"  {result.recovery_words}")
    elif recovery_file is not None:
        click.echo(f"Recovery words written to {recovery_file} (mode 0600).")
    if result.admin_password:
        # The administrator manages officers and holds no queue: nobody reads a
        # case until an officer is designated with the recovery words.
        words_file = recovery_file or "FILE-WITH-THE-RECOVERY-WORDS"
        click.echo("")
        click.echo("The administrator reads no case. Make the first officer of a queue:")
        click.echo(
            f"  hotline officer add USERNAME --queue investigation --password-stdin "
            f"--recovery-file {words_file}"
        )
        policy = _policy()
        click.echo(f"  case queues: {', '.join(policy.queues)}")
        click.echo(f"  the codename register, for its custodian only: {policy.custodian_slug}")
        click.echo("Give no one every queue; keep the recovery words offline. Once the first")
        click.echo("officers are made, split the words so that no unit can use them alone:")
        click.echo(
            f"  hotline recovery split --recovery-file {words_file} --shares 3 --needed 2 DIR"
        )


def _policy() -> Policy:
    return load_policy(current().config.policy_path)


@click.group("officer")
def officer_group() -> None:
    """Manage receiving officers."""


@officer_group.command("add")
@click.argument("username")
@click.option("--queue", "queues", multiple=True, required=True, help="Queue to designate.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password on stdin.")
@click.option("--admin", is_flag=True, help="Make the officer an administrator.")
@click.option("--email", help="Address for notifications (no case content is ever sent).")
@click.option(
    "--recovery-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Recovery words (or enough shares of them): complete the designations now.",
)
@with_appcontext
def officer_add(
    username: str,
    queues: tuple[str, ...],
    password_stdin: bool,
    admin: bool,
    email: str | None,
    recovery_file: Path | None,
) -> None:
    """Create an officer and designate them (pending without the recovery words)."""
    from hotline.admin.designations import NoQueueKey
    from hotline.auth.officers import WeakPassword
    from hotline.auth.service import OfficerNotAdded, add_officer
    from hotline.crypto import keyring
    from hotline.initialise import recovery_key_matches

    instance = current()
    password = sys.stdin.readline().rstrip("\n")
    try:
        words = keyring.read_recovery_file(recovery_file) if recovery_file else None
    except keyring.KeysError as exc:
        _fail(str(exc))
    try:
        with instance.database.transaction() as session:
            recovery = None
            if words is not None:
                if not recovery_key_matches(session, words):
                    _fail("the recovery words do not match this instance")
                recovery = keyring.recovery_private_key(words)
            added = add_officer(
                session,
                username,
                password,
                queues,
                params=instance.argon2_params,
                audit_key=instance.secrets.audit_key,
                actor="cli",
                is_admin=admin,
                email=email,
                recovery_key=recovery,
            )
    except (OfficerNotAdded, WeakPassword, NoQueueKey) as exc:
        _fail(str(exc))
        return
    click.echo(f"Officer {username} created.")
    if added.pending:
        click.echo(
            "Pending until an administrator who holds the queue approves them: "
            + ", ".join(added.pending)
        )
    if added.provisioning_uri is not None:
        click.echo("TOTP provisioning URI (enter it in the officer's authenticator):")
        click.echo(added.provisioning_uri)


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.option(
    "--expect",
    "expected",
    metavar="DIGEST",
    default=None,
    help="A head digest printed by an earlier run: fail unless the trail still reaches it.",
)
@with_appcontext
def audit_verify(expected: str | None) -> None:
    """Check every link of the audit chain and the sealed head; name the first
    broken one, and print the head's digest to note for ``--expect``."""
    from hotline.audit import verify

    instance = current()
    with instance.database.transaction() as session:
        result = verify(session, instance.secrets.audit_key, expect=expected)
    if result.ok:
        click.echo(f"Audit trail intact: {result.events} events.")
        click.echo(f"Head digest: {result.digest}")
        return
    _fail(f"audit trail broken at event {result.first_broken}: {result.reason}", code=2)


@click.command("verify")
@click.option(
    "--clear-alarms",
    is_flag=True,
    help="When everything verifies (the tampered rows were restored), clear the desk's alarms.",
)
@with_appcontext
def verify_command(clear_alarms: bool) -> None:
    """Check every key tag, signature, server tag and the audit chain; name the
    first bad row of each kind; exit non-zero on any failure."""
    from sqlalchemy import select

    from hotline.models import Alarm
    from hotline.verification import message_count, raise_alarms, verify_instance

    instance = current()
    with instance.database.transaction() as session:
        total = message_count(session)
        with click.progressbar(
            length=total, label="messages", file=sys.stderr, hidden=total < 2000
        ) as bar:
            result = verify_instance(session, instance.secrets, progress=bar.update)
        for kind in result.kinds:
            line = f"{kind.kind}: {kind.checked} checked"
            if kind.failed:
                line += f", {kind.failed} FAILED (first: {kind.first_bad})"
            click.echo(line)
        click.echo(
            f"audit trail: {result.audit_events} events, "
            + ("intact" if result.audit_ok else f"FAILED, {result.audit_problem}")
        )
        everything_else = result.audit_ok and all(k.failed == 0 for k in result.kinds)
        if result.open_alarms and clear_alarms and everything_else:
            for alarm in session.scalars(select(Alarm).where(Alarm.cleared.is_(False))):
                alarm.cleared = True
            click.echo(f"{len(result.open_alarms)} alarms cleared.")
            return
        if result.open_alarms:
            click.echo("open alarms: " + ", ".join(result.open_alarms))
        raise_alarms(session, result)
    if not result.ok:
        _fail("the database was changed by someone without keys/", code=2)
    _report_cleaning_walls(instance.config.keys_dir)
    click.echo("Everything verifies.")


def _report_cleaning_walls(keys_dir: Path) -> None:
    """Ask a cleaning child whether it could read keys/, as a decoder bug
    exploited by a reporter's file would try to."""
    from hotline.intake.attachments import TooCostly
    from hotline.intake.attachments.confinement import probe_walls

    try:
        walls = probe_walls(str(keys_dir.resolve()))
    except TooCostly:
        click.echo("cleaning child: WARNING, it did not answer; uploads cannot be cleaned")
        return
    if walls.readable:
        click.echo(
            "cleaning child: WARNING, it can read keys/: this kernel enforces no Landlock,"
            " so a decoder bug exploited by a reporter's file could read the secrets"
        )
    else:
        click.echo(f"cleaning child: cannot read keys/ (Landlock ABI {walls.landlock_abi})")


def register_commands(app: Flask) -> None:
    from hotline.admin.cli import register as register_admin_commands
    from hotline.admin.officer_cli import register as register_officer_commands
    from hotline.intake.email.cli import register as register_email_commands
    from hotline.maintenance.cli import register as register_maintenance_commands
    from hotline.transparency.cli import register as register_transparency_commands

    register_officer_commands(officer_group)
    for command in (init_command, officer_group, audit_group, verify_command):
        app.cli.add_command(command)
    register_admin_commands(app)
    register_email_commands(app)
    register_transparency_commands(app)
    register_maintenance_commands(app)
