"""Draining the notification outbox: one content-free e-mail per officer per batch.

The e-mail says only that there is new activity. No case reference, category,
count or time: a mailbox is far less protected than the desk, and even "two
new retaliation reports" narrows down who reported. Batches run every
``notify_interval_minutes`` (``hotline notify --loop``, or cron), so the time an
e-mail is sent does not reveal when a report arrived.

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
from hotline.desk.retaliation import retaliation_reminders_due
from hotline.models import Disclosure, Notification, Officer, ReminderSent
from hotline.notifications.outbox import REMINDER, enqueue_for_queues
from hotline.procedure import Status
from hotline.smtp import MailError, SmtpSettings, parse_smtp_url, smtp_connection

SUBJECT = "Hotline: new activity"
BODY = "There is new activity in your Hotline queues. Sign in to the desk to see it.\n"
ACK_OVERDUE = "ack_overdue"
NOTIFICATION_SENT = "notification.sent"


def notification_message(mail_from: str, to: str) -> EmailMessage:
    """The one e-mail Hotline sends officers. It is the same for every officer
    and every batch, apart from the recipient and the sending time."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = SUBJECT
    message["Date"] = formatdate(usegmt=True)
    domain = mail_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(BODY)
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
    with database.transaction() as session:
        rows: list[tuple[int, int]] = [
            (row_id, officer_id)
            for row_id, officer_id in session.execute(
                select(Notification.id, Notification.officer_id).where(Notification.sent.is_(False))
            )
        ]
        by_officer: dict[int, list[int]] = {}
        for row_id, officer_id in rows:
            by_officer.setdefault(officer_id, []).append(row_id)
        found = list(session.scalars(select(Officer).where(Officer.id.in_(by_officer))))
        officers = {o.id: (o.email if o.active else None) for o in found}
        usernames = {o.id: o.username for o in found}
    if not by_officer:
        return DrainResult(0, 0, 0)

    to_mail = {oid: ids for oid, ids in by_officer.items() if officers.get(oid)}
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
                    client.send_message(notification_message(config.mail_from, address))
                except smtplib.SMTPRecipientsRefused:
                    refused += 1  # retried next batch; the others still get theirs
                    continue
                with database.transaction() as session:
                    _mark_sent(session, ids)
                    # Who was told, and when: never a case, a kind or a count.
                    record(
                        session,
                        audit_key,
                        actor="notify",
                        action=NOTIFICATION_SENT,
                        subject=f"officer:{usernames[officer_id]}",
                    )
                emails += 1
    return DrainResult(emails, len(skipped), len(rows), refused)


def _mark_sent(session: Session, ids: list[int]) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(sent=True)
        .execution_options(synchronize_session=False)
    )


def queue_reminders(session: Session, on: dt.date) -> int:
    """Queue REMINDER notifications for deadlines that passed, once per case and kind.

    - acknowledgement overdue (``ack_overdue``): not acknowledged, not closed,
      due date passed;
    - retaliation check-ins 30/60/90 days after the original case closed, as
      the case service decides (``cases.retaliation.retaliation_reminders_due``).

    ``ReminderSent`` rows make each reminder go once. The notification itself
    names no case: officers see what is due on the desk.
    """
    due: list[tuple[Disclosure, str]] = [
        (disclosure, ACK_OVERDUE)
        for disclosure in session.scalars(
            select(Disclosure).where(
                Disclosure.acknowledged_on.is_(None),
                Disclosure.closed_on.is_(None),
                Disclosure.status != Status.CLOSED,
                Disclosure.acknowledgement_due < on,
                ~select(ReminderSent.disclosure_id)
                .where(
                    ReminderSent.disclosure_id == Disclosure.id,
                    ReminderSent.kind == ACK_OVERDUE,
                )
                .exists(),
            )
        )
    ]
    due.extend(retaliation_reminders_due(session, on))
    for disclosure, kind in due:
        enqueue_for_queues(session, disclosure.queue_slugs, REMINDER)
        session.add(ReminderSent(disclosure_id=disclosure.id, kind=kind, sent_on=on))
    session.flush()
    return len(due)


def run_batch(database: Database, config: Config) -> DrainResult:
    """One batch: queue due reminders, then drain the outbox."""
    with database.transaction() as session:
        queue_reminders(session, dt.datetime.now(dt.UTC).date())
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
