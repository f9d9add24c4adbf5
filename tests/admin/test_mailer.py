"""``hotline notify`` against a real SMTP server on loopback: one e-mail per officer
per batch, and nothing in it about any case."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.models import AuditEvent, Disclosure, Notification, ReminderSent
from hotline.notifications.mailer import BODY, run_batch, run_forever
from hotline.smtp import MailError, parse_smtp_url
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer
from tests.helpers.reporter import check_in, element, file_report, hidden

SECRET_TEXT = "Quartermaster Bizimana swapped seals on container MSKU 448812 at Rusumo"


@dataclass
class Collector:
    """An aiosmtpd handler keeping what the server accepted."""

    received: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mail_app(initialised: Initialised, smtp: tuple[Collector, int]) -> Iterator[Flask]:
    """The same instance, with HOTLINE_SMTP_URL pointing at the loopback server."""
    config = initialised.config.with_changes(
        smtp_url=f"smtp://127.0.0.1:{smtp[1]}", mail_from="hotline@rra.example"
    )
    app = create_app(config)
    yield app
    app.extensions["hotline"].database.dispose()


def unsent(db: Session) -> list[Notification]:
    db.expire_all()
    return list(db.scalars(select(Notification).where(Notification.sent.is_(False))))


def parsed(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw)


def test_the_notification_e_mail_names_the_case_and_kind_and_nothing_of_its_content(
    client: FlaskClient,
    mail_app: Flask,
    smtp: tuple[Collector, int],
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    make_officer("mutesi", ["internal_audit"])
    receipt = file_report(client, text=SECRET_TEXT, category="retaliation")
    reference = element(receipt, "case-ref")
    assert {n.officer_id for n in unsent(db)}  # the admin (no e-mail) and mutesi

    result = mail_app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    collector = smtp[0]
    assert len(collector.received) == 1
    recipients, raw = collector.received[0]
    assert recipients == ["mutesi@example.org"]
    message = parsed(raw)
    assert message["From"] == "hotline@rra.example"
    assert message["Subject"] == "Hotline: new activity"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert body.decode().replace("\r\n", "\n") == BODY + f"\n{reference}: new case in your queue\n"
    lowered = raw.lower()
    for leak in (
        "retaliation",
        "internal",
        "audit",
        "commissioner",
        "bizimana",
        "msku",
        "448812",
        "rusumo",
        "container",
    ):
        assert leak.lower().encode() not in lowered, leak
    assert unsent(db) == []  # the administrator without an address is marked too


def test_two_reports_and_a_follow_up_make_one_e_mail_per_officer(
    client: FlaskClient,
    mail_app: Flask,
    smtp: tuple[Collector, int],
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    make_officer("mutesi", ["internal_audit"])
    make_officer("kalisa", ["commissioner_general"])
    codename = element(file_report(client, category="staff_misconduct"), "codename")
    file_report(client, text=SECRET_TEXT, category="staff_misconduct")
    page = check_in(client, codename)
    client.post(
        "/checkin/followup",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "disclosure": hidden(page, "disclosure"),
            "body": "One more lorry on Friday",
        },
    )
    rows_per_officer: dict[int, int] = {}
    for row in unsent(db):
        rows_per_officer[row.officer_id] = rows_per_officer.get(row.officer_id, 0) + 1
    assert max(rows_per_officer.values()) >= 2  # several reasons to write...

    result = mail_app.test_cli_runner().invoke(args=["notify"])
    assert result.exit_code == 0, result.output
    recipients = sorted(r for rcpts, _raw in smtp[0].received for r in rcpts)
    assert recipients == ["kalisa@example.org", "mutesi@example.org"]  # ...one e-mail each
    assert unsent(db) == []
    # Each e-mail sent is an audit event naming the officer, and nothing of the cases.
    db.expire_all()
    sends = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "notification.sent")))
    assert sorted(e.subject for e in sends) == ["officer:kalisa", "officer:mutesi"]
    assert {(e.actor, e.detail) for e in sends} == {("notify", "")}

    again = mail_app.test_cli_runner().invoke(args=["notify"])
    assert again.exit_code == 0
    assert len(smtp[0].received) == 2  # nothing new, nothing sent


def test_rows_stay_unsent_when_the_smtp_server_is_down(
    initialised: Initialised, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    make_officer("mutesi", ["internal_audit"])
    file_report(client, category="staff_misconduct")
    config = initialised.config.with_changes(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    app = create_app(config)
    try:
        result = app.test_cli_runner().invoke(args=["notify"])
    finally:
        app.extensions["hotline"].database.dispose()
    assert result.exit_code != 0
    assert "not sent" in result.output
    assert any(n.officer_id for n in unsent(db))


def test_notify_without_an_smtp_url_fails_clearly(
    runner: Any, client: FlaskClient, make_officer: MakeOfficer
) -> None:
    make_officer("mutesi", ["internal_audit"])
    file_report(client, category="staff_misconduct")
    result = runner.invoke(args=["notify"])
    assert result.exit_code != 0
    assert "HOTLINE_SMTP_URL" in result.output


def test_overdue_acknowledgements_are_reminded_once_by_reference_and_kind(
    client: FlaskClient,
    mail_app: Flask,
    smtp: tuple[Collector, int],
    make_officer: MakeOfficer,
    db: Session,
) -> None:
    make_officer("mutesi", ["internal_audit"])
    reference = element(file_report(client, category="staff_misconduct"), "case-ref")
    instance = mail_app.extensions["hotline"]
    run_batch(instance.database, instance.config)
    assert len(smtp[0].received) == 1  # the new case
    db.execute(
        update(Disclosure).values(acknowledgement_due=dt.date.today() - dt.timedelta(days=1))
    )
    db.commit()

    run_batch(instance.database, instance.config)
    db.expire_all()
    reminders = list(db.scalars(select(ReminderSent)))
    assert [r.kind for r in reminders] == ["ack_overdue"]
    assert len(smtp[0].received) == 2
    assert f"{reference}: acknowledgement overdue".encode() in smtp[0].received[1][1]
    assert b"staff" not in smtp[0].received[1][1].lower()
    assert parsed(smtp[0].received[1][1])["Subject"] == "Hotline: new activity"

    run_batch(instance.database, instance.config)
    assert len(smtp[0].received) == 2  # reminded once


def test_the_loop_waits_the_configured_interval_between_batches(
    mail_app: Flask,
) -> None:
    instance = mail_app.extensions["hotline"]
    slept: list[float] = []
    run_forever(
        instance.database,
        instance.config.with_changes(notify_interval_minutes=15),
        sleep=slept.append,
        report=lambda _line: None,
        batches=3,
    )
    assert slept == [900, 900]


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user", "password"),
    [
        ("smtp://mail.example:587", "mail.example", 587, False, None, None),
        ("smtps://u%40x:p%3Ass@mail.example", "mail.example", 465, True, "u@x", "p:ss"),
        ("smtp://localhost", "localhost", 25, False, None, None),
    ],
)
def test_smtp_urls_are_parsed(
    url: str, host: str, port: int, tls: bool, user: str | None, password: str | None
) -> None:
    settings = parse_smtp_url(url)
    assert (settings.host, settings.port, settings.implicit_tls) == (host, port, tls)
    assert (settings.username, settings.password) == (user, password)
    assert password is None or password not in repr(settings)


def test_a_bad_smtp_url_is_refused() -> None:
    with pytest.raises(MailError):
        parse_smtp_url("http://mail.example")
