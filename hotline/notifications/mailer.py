"""Draining the notification outbox: one e-mail per officer per batch (or per day).

The e-mail lists, per case, its reference and what happened ("new case in
your queue", "acknowledgement overdue"): never content, category, queue or
anything of the reporter. A reference alone tells a mailbox reader nothing but
that a case exists; what it is about stays on the desk. Batches run every
``notify_interval_minutes`` (``hotline notify --loop``, or cron), so the time an
e-mail is sent does not reveal when a report arrived. An officer who chose the
daily digest gets at most one e-mail a day, gathering everything since.

Each e-mail the SMTP server accepted is an audit event (``notification.sent``,
naming the officer only).
Rows are marked sent only after the SMTP server accepted the message; an
officer without an address, or deactivated, has their rows marked sent
without an e-mail, so they do not pile up.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.config import Config
from hotline.crypto.keyring import load_secrets
from hotline.db import Database
from hotline.models import Disclosure, Notification, Officer, ReplyNotice
from hotline.notifications.outbox import KIND_LINES, REMINDER
from hotline.notifications.reminders import queue_reminders
from hotline.notifications.reply_notices import (
    CannotNotify,
    Mailer,
    NoticeResult,
    Texter,
    send_pending,
)
from hotline.smtp import MailError, SmtpSettings, parse_smtp_url, smtp_connection

SUBJECT = "Hotline: new activity"
BODY = "There is new activity in your Hotline queues. Sign in to the desk to see it.\n"
NOTIFICATION_SENT = "notification.sent"


def notification_body(items: list[tuple[str | None, str]]) -> str:
    """BODY, then one line per (reference, kind): what happened, to which case."""
    lines = sorted(
        {
            f"{reference}: {KIND_LINES.get(kind, KIND_LINES[REMINDER])}"
            for reference, kind in items
            if reference
        }
    )
    return BODY + ("\n" + "\n".join(lines) + "\n" if lines else "")


def notification_message(
    mail_from: str, to: str, items: list[tuple[str | None, str]] | None = None
) -> EmailMessage:
    """The e-mail Hotline sends officers: case references and kinds, no content."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = SUBJECT
    message["Date"] = formatdate(usegmt=True)
    domain = mail_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(notification_body(items or []))
    return message


@dataclass(frozen=True)
class DrainResult:
    emails: int
    skipped_officers: int
    rows: int
    #: Officers whose address the server refused; their rows stay unsent.
    refused: int = 0


Connect = Callable[[SmtpSettings], AbstractContextManager[smtplib.SMTP]]


def drain_outbox(
    database: Database, config: Config, *, connect: Connect = smtp_connection
) -> DrainResult:
    """Send one e-mail to each officer with unsent notifications; mark rows sent.

    Each officer's rows are committed right after their e-mail is accepted, so
    a failure part way never sends anyone the same batch twice.
    """
    today = dt.datetime.now(dt.UTC).date()
    with database.transaction() as session:
        rows = session.execute(
            select(
                Notification.id, Notification.officer_id, Notification.kind, Disclosure.reference
            )
            .outerjoin(Disclosure, Disclosure.id == Notification.disclosure_id)
            .where(Notification.sent.is_(False))
            .order_by(Notification.id)
        ).all()
        by_officer: dict[int, list[int]] = {}
        items: dict[int, list[tuple[str | None, str]]] = {}
        for row_id, officer_id, kind, reference in rows:
            by_officer.setdefault(officer_id, []).append(row_id)
            items.setdefault(officer_id, []).append((reference, kind))
        found = list(session.scalars(select(Officer).where(Officer.id.in_(by_officer))))
        officers = {o.id: (o.email if o.active else None) for o in found}
        usernames = {o.id: o.username for o in found}
        # Digest officers wait for their day's e-mail; their rows stay unsent.
        waiting = set(
            session.scalars(
                select(Officer.id).where(
                    Officer.id.in_(by_officer),
                    Officer.notify_digest.is_(True),
                    Officer.digest_sent_on >= today,
                )
            )
        )
    if not by_officer:
        return DrainResult(0, 0, 0)

    to_mail = {
        oid: ids for oid, ids in by_officer.items() if officers.get(oid) and oid not in waiting
    }
    skipped = {oid: ids for oid, ids in by_officer.items() if not officers.get(oid)}
    with database.transaction() as session:
        for ids in skipped.values():
            _mark_sent(session, ids)

    emails = refused = 0
    if to_mail:
        if not config.smtp_url:
            raise MailError("HOTLINE_SMTP_URL is not set; notifications cannot be sent")
        audit_key = load_secrets(config.keys_dir).audit_key
        with connect(parse_smtp_url(config.smtp_url)) as client:
            for officer_id, ids in sorted(to_mail.items()):
                address = officers[officer_id] or ""
                try:
                    client.send_message(
                        notification_message(config.mail_from, address, items[officer_id])
                    )
                except smtplib.SMTPRecipientsRefused:
                    refused += 1  # retried next batch; the others still get theirs
                    continue
                with database.transaction() as session:
                    _mark_sent(session, ids)
                    session.execute(
                        update(Officer)
                        .where(Officer.id == officer_id, Officer.notify_digest.is_(True))
                        .values(digest_sent_on=today)
                        .execution_options(synchronize_session=False)
                    )
                    # Who was told, and when: never a case, a kind or a count.
                    record(
                        session,
                        audit_key,
                        actor="notify",
                        action=NOTIFICATION_SENT,
                        subject=f"officer:{usernames[officer_id]}",
                    )
                emails += 1
    sent_rows = sum(len(ids) for oid, ids in by_officer.items() if oid not in waiting)
    return DrainResult(emails, len(skipped), sent_rows, refused)


def _mark_sent(session: Session, ids: list[int]) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(sent=True)
        .execution_options(synchronize_session=False)
    )


def smtp_mailer(config: Config, *, connect: Connect = smtp_connection) -> Mailer | None:
    """Sends one plain e-mail through the configured server; None without one."""
    if not config.smtp_url:
        return None
    settings = parse_smtp_url(config.smtp_url)

    def send(to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = config.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        domain = config.mail_from.rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(body)
        try:
            with connect(settings) as client:
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise CannotNotify(type(exc).__name__) from exc

    return send


def send_reply_notices(
    database: Database,
    config: Config,
    *,
    texter: Texter | None = None,
    mailer: Mailer | None = None,
) -> NoticeResult:
    """Tell reporters who agreed, without content, that an officer replied."""
    from hotline.intake.sms.outbound import GatewayTexter

    with database.transaction() as session:
        if (
            session.scalar(select(ReplyNotice.disclosure_id).where(ReplyNotice.pending.is_(True)))
            is None
        ):
            return NoticeResult(0, 0)
        return send_pending(
            session,
            load_secrets(config.keys_dir),
            texter=texter if texter is not None else GatewayTexter.from_config(config),
            mailer=mailer if mailer is not None else smtp_mailer(config),
        )


def run_batch(database: Database, config: Config) -> DrainResult:
    """One batch: queue due reminders, tell reporters of replies, then drain the outbox."""
    with database.transaction() as session:
        queue_reminders(session, dt.datetime.now(dt.UTC).date())
    send_reply_notices(database, config)
    return drain_outbox(database, config)


def run_forever(
    database: Database,
    config: Config,
    *,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    batches: int | None = None,
) -> None:
    """Run a batch every ``notify_interval_minutes``, whatever arrives between.

    A failed batch (SMTP down) is reported and retried at the next interval;
    its rows stay unsent.
    """
    interval = max(1, config.notify_interval_minutes) * 60
    done = 0
    while batches is None or done < batches:
        try:
            result = run_batch(database, config)
            report(f"notify: {result.emails} e-mails sent")
        except (MailError, smtplib.SMTPException, OSError) as exc:
            report(f"notify: batch failed, will retry: {exc}")
        done += 1
        if batches is None or done < batches:
            sleep(interval)
