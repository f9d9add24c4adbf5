"""``hotline officer list | deactivate | reset USER``: the officer lifecycle on
the console, the same services as the desk's administrator pages.

The console is no officer: it acts as ``cli``. A reset re-seals the officer's
queues only with the recovery words (``--recovery-file``); without them the
designations wait for an administrator who holds each queue to approve them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask.cli import with_appcontext

from hotline.admin.cli import _fail, _recovery_key
from hotline.crypto.keypairs import PrivateKey
from hotline.instance import current


@dataclass(frozen=True)
class Console:
    """The console as the acting administrator: no officer row, no queue key."""

    officer_id: int = 0
    is_admin: bool = True
    actor: str = "cli"
    queue_keys: Mapping[str, PrivateKey] = field(default_factory=dict)


@click.command("list")
@with_appcontext
def officer_list() -> None:
    """Every officer: active or not, administrator or not, and their queues."""
    from hotline.admin.service import list_officers

    with current().database.transaction() as session:
        rows = list_officers(session)
    for row in rows:
        state = "active" if row.active else "deactivated"
        role = " admin" if row.is_admin else ""
        queues = ", ".join(
            d.queue_slug + ("" if d.state == "active" else " (pending)") for d in row.designations
        )
        click.echo(f"{row.username}\t{state}{role}\t{queues or '-'}")


@click.command("deactivate")
@click.argument("username")
@with_appcontext
def officer_deactivate(username: str) -> None:
    """Stop USER signing in, end their sessions and remove their queue keys.
    Their replies, notes and audit events stay theirs."""
    from hotline.admin.lifecycle import find_officer
    from hotline.admin.service import AdministrationError, deactivate_officer

    instance = current()
    try:
        with instance.database.transaction() as session:
            officer, held = deactivate_officer(
                session,
                Console(),
                officer_id=find_officer(session, username).id,
                audit_key=instance.secrets.audit_key,
            )
            officer_id = officer.id
    except AdministrationError as exc:
        _fail(str(exc))
    instance.sessions.backend.delete_for_officer(officer_id)
    click.echo(f"{username} is deactivated; their sessions are ended.")
    if held:
        click.echo("Consider rotating the keys they held: " + ", ".join(held))


@click.command("reset")
@click.argument("username")
@click.option(
    "--recovery-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Recovery words: re-seal the officer's queues now instead of leaving them pending.",
)
@with_appcontext
def officer_reset(username: str, recovery_file: Path | None) -> None:
    """Give USER a one-time password and a new TOTP enrolment after a lost
    password or phone; their sessions end."""
    from hotline.admin.designations import NoQueueKey, queue_key_from_recovery
    from hotline.admin.lifecycle import find_officer, reset_officer
    from hotline.admin.service import AdministrationError

    instance = current()
    recovery = _recovery_key(recovery_file) if recovery_file else None
    try:
        with instance.database.transaction() as session:
            reset = reset_officer(
                session,
                find_officer(session, username),
                queue_key=lambda queue: (
                    queue_key_from_recovery(queue, recovery) if recovery else None
                ),
                params=instance.argon2_params,
                audit_key=instance.secrets.audit_key,
                actor="cli",
            )
    except (AdministrationError, NoQueueKey) as exc:
        _fail(str(exc))
    instance.sessions.backend.delete_for_officer(reset.officer_id)
    click.echo(f"{username} is reset; their sessions are ended.")
    click.echo(f"One-time password (shown once; changed at the next sign-in): {reset.password}")
    click.echo("TOTP provisioning URI (enter it in the officer's authenticator):")
    click.echo(reset.provisioning_uri)
    if reset.pending:
        click.echo(
            "Pending until an administrator who holds the queue approves them: "
            + ", ".join(reset.pending)
        )


def register(officer_group: click.Group) -> None:
    for command in (officer_list, officer_deactivate, officer_reset):
        officer_group.add_command(command)
