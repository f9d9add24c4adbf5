"""Administration commands of the ``hotline`` console: key rotation, recovery, notify.

``keys rotate`` and ``recover`` need the recovery words (``--recovery-file``):
the CLI holds no queue key of its own, and the words are what stands in for a
designated administrator. Nothing secret is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from hotline.crypto.keypairs import PrivateKey
from hotline.instance import current

RECOVERY_FILE = click.option(
    "--recovery-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="File holding the recovery words, or enough shares of them one a line (mode 0600).",
)


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"hotline: {message}", err=True)
    sys.exit(code)


def _recovery_key(recovery_file: Path) -> PrivateKey:
    """The recovery private key, or exit if the words do not match this instance."""
    from hotline.crypto import keyring
    from hotline.initialise import recovery_key_matches

    try:
        words = keyring.read_recovery_file(recovery_file)
    except keyring.KeysError as exc:
        _fail(str(exc))
    with current().database.transaction() as session:
        if not recovery_key_matches(session, words):
            _fail("the recovery words do not match this instance")
    return keyring.recovery_private_key(words)


@click.group("keys")
def keys_group() -> None:
    """Queue keys."""


@keys_group.command("rotate")
@click.argument("queue")
@RECOVERY_FILE
@click.option(
    "--reapprove",
    is_flag=True,
    help="Leave every designation pending until an administrator approves it again.",
)
@click.option(
    "--keep",
    "keep",
    multiple=True,
    metavar="USER",
    help="With --reapprove: officers who keep the new key at once (an administrator).",
)
@with_appcontext
def keys_rotate(queue: str, recovery_file: Path, reapprove: bool, keep: tuple[str, ...]) -> None:
    """Give QUEUE a new key and re-seal every item sealed to the old one.

    Run it after revoking an officer who may have kept a copy of the key.
    Officers who hold the queue get the new key (unless --reapprove); their
    open sessions end, and the next sign-in picks the new key up.
    """
    from hotline.admin.designations import NoQueueKey, queue_key_from_recovery
    from hotline.admin.queue_rotation import rotate_queue_key
    from hotline.admin.rotation import count_sealed_to
    from hotline.models import Officer, Queue

    instance = current()
    recovery = _recovery_key(recovery_file)
    # rotate_queue_key commits twice (the rotation, then its catch-up), so it
    # runs in a plain session rather than one transaction.
    with instance.database.sessions() as session:
        row = session.get(Queue, queue)
        if row is None:
            known = ", ".join(sorted(session.scalars(select(Queue.slug))))
            _fail(f"unknown queue {queue!r}; known: {known}")
        keep_ids = []
        for username in keep:
            officer = session.scalar(select(Officer).where(Officer.username == username))
            if officer is None:
                _fail(f"unknown officer {username!r}")
            keep_ids.append(officer.id)
        try:
            old_key = queue_key_from_recovery(row, recovery)
            total = count_sealed_to(session, queue)
            with click.progressbar(
                length=total, label=f"Re-sealing {queue}", file=sys.stderr
            ) as bar:
                rotated = rotate_queue_key(
                    session,
                    row,
                    old_key,
                    audit_key=instance.secrets.audit_key,
                    actor="cli",
                    sessions=instance.sessions,
                    reapprove=reapprove,
                    keep_officer_ids=keep_ids,
                    progress=bar.update,
                )
        except NoQueueKey as exc:
            session.rollback()
            _fail(str(exc))
    rotation = rotated.rotation
    click.echo(
        f"Queue {queue} is now at key generation {rotation.generation}: "
        f"{rotated.resealed_items} items re-sealed."
    )
    click.echo(f"Officers holding the new key: {len(rotation.resealed_designations)}.")
    if rotation.pending_designations:
        click.echo(
            f"Designations pending approval by an administrator who holds the new key: "
            f"{len(rotation.pending_designations)}."
        )
    click.echo("Officers of this queue must sign in again.")


@click.command("recover")
@click.argument("queue")
@click.argument("officer")
@RECOVERY_FILE
@with_appcontext
def recover(queue: str, officer: str, recovery_file: Path) -> None:
    """Give OFFICER the key of QUEUE from the recovery words.

    For when everyone who held the queue lost access. The officer signs in
    again to pick the key up.
    """
    from hotline.admin.designations import NoQueueKey
    from hotline.admin.service import AdministrationError, recover_queue

    instance = current()
    recovery = _recovery_key(recovery_file)
    try:
        with instance.database.transaction() as session:
            designation = recover_queue(
                session,
                queue_slug=queue,
                username=officer,
                recovery_key=recovery,
                audit_key=instance.secrets.audit_key,
            )
            officer_id = designation.officer_id
    except (AdministrationError, NoQueueKey) as exc:
        _fail(str(exc))
    instance.sessions.backend.delete_for_officer(officer_id)
    click.echo(f"{officer} now holds the key of {queue}; they must sign in again.")


@click.group("recovery")
def recovery_group() -> None:
    """The recovery words."""


@recovery_group.command("split")
@RECOVERY_FILE
@click.option("--shares", type=click.IntRange(2, 16), default=3, show_default=True)
@click.option("--needed", type=click.IntRange(2, 16), default=2, show_default=True)
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@with_appcontext
def recovery_split(recovery_file: Path, shares: int, needed: int, folder: Path) -> None:
    """Split the recovery words into SHARES files in FOLDER, any NEEDED of which
    stand in for the words (one share for each receiving unit: none can then
    open alone a report kept from it). Then destroy the words themselves."""
    from hotline.crypto import keyring
    from hotline.crypto.recovery_shares import split_recovery_words

    if needed > shares:
        _fail("--needed cannot be more than --shares")
    _recovery_key(recovery_file)  # the words of this instance, or exit
    words = keyring.read_recovery_file(recovery_file)
    paths = [folder / f"recovery-share-{n}-of-{shares}.txt" for n in range(1, shares + 1)]
    if existing := [p for p in paths if p.exists()]:
        _fail(f"{existing[0]} exists; refusing to overwrite it")
    try:
        split = split_recovery_words(words, shares=shares, needed=needed)
        for path, share in zip(paths, split, strict=True):
            keyring.write_recovery_file(path, share)
    except keyring.KeysError as exc:
        _fail(str(exc))
    for path in paths:
        click.echo(f"Share written: {path} (mode 0600)")
    click.echo(
        f"Any {needed} of the {shares} shares, one a line in one file, stand in for the words "
        "(--recovery-file). Give each share to a different unit, on paper, then destroy "
        f"{recovery_file} and these files."
    )


@click.command("notify")
@click.option("--loop", is_flag=True, help="Run a batch every HOTLINE_NOTIFY_INTERVAL_MINUTES.")
@with_appcontext
def notify(loop: bool) -> None:
    """Send each officer with something new one e-mail: case references and kinds, no content."""
    import smtplib

    from hotline.notifications.mailer import run_batch, run_forever
    from hotline.smtp import MailError

    instance = current()
    if loop:
        run_forever(instance.database, instance.config, report=click.echo)
        return
    try:
        result = run_batch(instance.database, instance.config)
    except (MailError, smtplib.SMTPException, OSError) as exc:
        _fail(f"notifications not sent: {exc}")
    click.echo(f"{result.emails} e-mails sent; {result.skipped_officers} officers without one.")
    if result.refused:
        _fail(f"{result.refused} addresses were refused; they are retried next time")


def register(app: Flask) -> None:
    for command in (keys_group, recover, recovery_group, notify):
        app.cli.add_command(command)
