"""``hotline ingest-email`` (an MTA pipe) and ``hotline poll-imap`` (a mailbox).

Both file through :class:`hotline.intake.email.channel.EmailChannel`. What they print
is deliberately poor: an MTA log or a cron mail must not tie a sender to a
case, so ``ingest-email`` prints one generic word (``filed``, ``joined``,
``duplicate``) and ``poll-imap`` prints counts. No subject, address,
reference, codename or database error text (SQL errors can quote parameters)
is ever printed; errors are named by their class.

Exit codes of ``ingest-email`` follow ``sysexits.h``, which Postfix and Exim
understand:

* 0 (EX_OK): filed, joined a case, or a duplicate of a message already filed
  (the MTA retried after a crash): either way, the report is safe;
* 65 (EX_DATAERR): the input is not an e-mail message at all, or it holds
  nothing to file (no text, no file): the MTA bounces it;
* 75 (EX_TEMPFAIL): the database (or ``keys/``) is unavailable, or an
  unexpected error happened: the MTA keeps the message and retries, so a
  report is never lost to an outage.
"""

from __future__ import annotations

import ssl
import sys
from collections import Counter
from functools import partial
from typing import NoReturn

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hotline.crypto.keyring import KeysError
from hotline.db import DatabaseUnavailable
from hotline.instance import Instance, current
from hotline.intake.email.acknowledgement import send_message
from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.imap import (
    MailboxError,
    MailboxUnavailable,
    parse_imap_url,
    poll_once,
    poll_repeatedly,
)
from hotline.intake.email.ingest import REJECTED
from hotline.intake.email.parse import NotAnEmail

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75
EX_CONFIG = 78

#: Failures after which the message is not filed but may be next time.
TEMPORARY: tuple[type[Exception], ...] = (DBAPIError, DatabaseUnavailable, PoolTimeout, KeysError)

LOCAL_PART = click.option(
    "--local-part",
    default="report",
    show_default=True,
    envvar="HOTLINE_EMAIL_LOCAL_PART",
    help="Local part of the published address, for plus tags (report+fraud@…).",
)


def _exit(code: int, message: str | None = None) -> NoReturn:
    if message:
        click.echo(f"hotline: {message}", err=True)
    sys.exit(code)


def build_channel(
    instance: Instance, local_part: str, ssl_context: ssl.SSLContext | None = None
) -> EmailChannel:
    """The channel with this instance's settings (reads ``keys/``: may raise KeysError)."""
    config = instance.config
    send = None
    if config.smtp_url:
        send = partial(
            send_message,
            config.smtp_url,
            envelope_from=config.mail_from,
            ssl_context=ssl_context,
        )
    return EmailChannel(
        database=instance.database,
        policy=instance.policy,
        kdf=instance.kdf,
        limits=instance.limits,
        secrets=instance.secrets,
        local_part=local_part,
        acknowledge=config.email_acknowledgement,
        mail_from=config.mail_from,
        public_url=config.public_url,
        onion_url=config.onion_url,
        send=send,
        warn=_warn,
        language=config.email_language,
        languages=config.languages,
    )


def _warn(line: str) -> None:
    """Warnings (an acknowledgement not sent) reach the MTA log or the cron mail."""
    click.echo(f"hotline: {line}", err=True)


@click.command("ingest-email")
@LOCAL_PART
@with_appcontext
def ingest_email(local_part: str) -> None:
    """File one RFC 822 message read on stdin (for an MTA pipe). Exits 0, 65 or 75."""
    raw = sys.stdin.buffer.read()
    try:
        channel = build_channel(current(), local_part)
        result = channel.receive(raw)
    except NotAnEmail:
        _exit(EX_DATAERR, "the input is not an e-mail message")
    except TEMPORARY as exc:
        _exit(EX_TEMPFAIL, f"not filed, try again later ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - keep the message queued rather than lose it
        _exit(EX_TEMPFAIL, f"not filed, try again later (internal error {type(exc).__name__})")
    if result.outcome == REJECTED:
        _exit(EX_DATAERR, "the message holds nothing to file")
    click.echo(result.outcome)


@click.command("poll-imap")
@click.option("--once", is_flag=True, help="Poll once and exit (for cron or a systemd timer).")
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=60,
    show_default=True,
    help="Seconds between polls when running continuously.",
)
@LOCAL_PART
@with_appcontext
def poll_imap(once: bool, interval: int, local_part: str) -> None:
    """File every unseen message of HOTLINE_IMAP_URL, then delete (or move) it.

    With --once, exits 75 when the mailbox or the database is unavailable.
    """
    instance = current()
    if not instance.config.imap_url:
        _exit(EX_CONFIG, "HOTLINE_IMAP_URL is not set")
    try:
        settings = parse_imap_url(instance.config.imap_url)
        channel = build_channel(instance, local_part)
    except MailboxError as exc:
        _exit(EX_CONFIG, str(exc))
    except KeysError as exc:
        _exit(EX_CONFIG, str(exc))

    def poll() -> None:
        counts: Counter[str] = Counter()
        result = poll_once(settings, partial(handle_polled, channel, counts))
        click.echo(
            f"poll-imap: {counts['filed']} filed, {counts['joined']} joined, "
            f"{counts['duplicate']} duplicate, {counts['rejected']} rejected, "
            f"{result.kept} kept for retry"
        )

    temporary = (*TEMPORARY, MailboxUnavailable)
    if not once:
        poll_repeatedly(poll, interval=interval, temporary=temporary, report=click.echo)
        return
    try:
        poll()
    except MailboxUnavailable as exc:
        _exit(EX_TEMPFAIL, str(exc))
    except TEMPORARY as exc:
        _exit(EX_TEMPFAIL, f"database unavailable ({type(exc).__name__})")


def handle_polled(channel: EmailChannel, counts: Counter[str], raw: bytes) -> bool:
    """File one polled message; True when it may leave the mailbox.

    Database failures propagate (the poll stops, the message stays); anything
    unexpected keeps this message for the next poll and lets the others through.
    """
    try:
        result = channel.receive(raw)
    except NotAnEmail:
        counts["rejected"] += 1
        return True  # nothing in it to file, and it would be fetched forever
    except TEMPORARY:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad message must not block the rest
        channel.warn(f"a message was kept for retry: {type(exc).__name__}")
        return False
    counts[result.outcome] += 1
    return True


def register(app: Flask) -> None:
    for command in (ingest_email, poll_imap):
        app.cli.add_command(command)
