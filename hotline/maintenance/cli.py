"""``hotline backup`` and ``hotline purge``: the console side of ``maintenance``.

Neither prints report content: a backup is only written, and a purge lists
case references and dates, which officers' desks show anyway.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext

from hotline.instance import current


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"hotline: {message}", err=True)
    sys.exit(code)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Write a new dated file in this folder instead of PATH (the backup timer).",
)
@click.option(
    "--keep-days",
    type=click.IntRange(min=1),
    help="With --into: then delete the folder's backups older than this many days.",
)
@with_appcontext
def backup_command(path: Path | None, folder: Path | None, keep_days: int | None) -> None:
    """Write a consistent copy of the database (and nothing else) to PATH."""
    from hotline.maintenance.backup import backup, dated_name, forget_old_backups, keep_beside
    from hotline.maintenance.errors import MaintenanceError

    now = dt.datetime.now(dt.UTC)
    if folder is not None and path is None:
        destination = folder / dated_name(now)
    elif path is not None and folder is None and keep_days is None:
        destination = path
    else:
        _fail("give PATH, or --into FOLDER (and --keep-days)")
    config = current().config
    try:
        result = backup(config, destination)
        deleted = forget_old_backups(folder, keep_days, now) if folder and keep_days else []
    except MaintenanceError as exc:
        _fail(str(exc))
    click.echo(f"Backup written: {result.path} ({result.size:,} bytes, {result.kind}, mode 0600).")
    for old in deleted:
        click.echo(f"Deleted, older than {keep_days} days: {old}")
    click.echo("It holds no keys. Keep separately:")
    for line in keep_beside(config):
        click.echo(f"  - {line}")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
@click.option(
    "--today",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    hidden=True,
    help="Count the retention period back from this day instead of today (tests).",
)
@with_appcontext
def purge_command(dry_run: bool, on: dt.datetime | None) -> None:
    """Destroy the cases closed more than HOTLINE_RETENTION_DAYS ago.

    Their sealed data keys are deleted (crypto-shredding), then their messages,
    files, contact details and register requests; the metadata row is kept for
    the public statistics, detached from the reporter's codename. Each case is
    recorded in the audit trail.
    """
    from hotline.maintenance.errors import MaintenanceError
    from hotline.maintenance.purge import purge

    instance = current()
    days = instance.config.retention_days
    try:
        result = purge(
            instance.database,
            instance.secrets.audit_key,
            days,
            on=on.date() if on else None,
            dry_run=dry_run,
        )
    except MaintenanceError as exc:
        _fail(str(exc))
    verb = "Would purge" if dry_run else "Purged"
    click.echo(
        f"{verb} {len(result.cases)} case(s) closed before {result.cutoff.isoformat()} "
        f"(retention {days} days); {result.sealed_keys} sealed key(s)"
        + (" would be destroyed." if dry_run else " destroyed.")
    )
    for case in result.cases:
        click.echo(f"  {case.reference} (closed {case.closed_on.isoformat()})")
    if result.cases and not dry_run:
        click.echo(
            "Backups taken before today still hold these cases: delete those older "
            f"than {days} days."
        )


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(purge_command)
