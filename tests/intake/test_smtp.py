"""The acknowledgement, delivered through a real SMTP server (aiosmtpd) on loopback.

It must carry the codename, the check-in address and the plain warning that
e-mail is confidential but not anonymous, and nothing of the case: no text, no
reference, no category. It is sent after the commit, from a null envelope
sender, and its failure never loses the filed report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.crypto.codename_text import format_codename
from hotline.intake.email.acknowledgement import send_message
from hotline.models import Disclosure
from tests.helpers.email import CODE, corpus, make_message
from tests.helpers.instance import Initialised
from tests.helpers.servers import free_port
from tests.helpers.tls import Certificates, make_certificates

PUBLIC_URL = "https://hotline.example.org"
MAIL_FROM = "report@rra.example"


@dataclass
class Delivery:
    mail_from: str
    recipients: list[str]
    raw: bytes
    over_tls: bool

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Collector:
    """An aiosmtpd handler keeping what the server accepted."""

    received: list[Delivery] = field(default_factory=list)
    refuse_null_sender: bool = False

    async def handle_MAIL(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_null_sender and address in ("", "<>"):
            return "553 5.7.1 a null sender is not accepted here"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Delivery(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content),
                session.ssl is not None,
            )
        )
        return "250 OK"


@dataclass
class SmtpServer:
    collector: Collector
    port: int
    certificates: Certificates | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def _serve(collector: Collector, certificates: Certificates | None = None) -> Iterator[SmtpServer]:
    port = free_port()
    tls: dict[str, Any] = {}
    if certificates is not None:
        tls = {"tls_context": certificates.server_context(), "require_starttls": True}
    controller = Controller(collector, hostname="127.0.0.1", port=port, **tls)
    controller.start()
    yield SmtpServer(collector, port, certificates)
    controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from _serve(Collector())


@pytest.fixture
def smtp_tls(tmp_path: Any) -> Iterator[SmtpServer]:
    yield from _serve(Collector(), make_certificates(tmp_path / "smtp-tls"))


def mail_app(initialised: Initialised, smtp_url: str, **changes: object) -> Flask:
    return create_app(
        initialised.config.with_changes(
            smtp_url=smtp_url, mail_from=MAIL_FROM, public_url=PUBLIC_URL, **changes
        )
    )


@pytest.fixture
def app_with_smtp(initialised: Initialised, smtp: SmtpServer) -> Iterator[Flask]:
    app = mail_app(initialised, smtp.url)
    yield app
    app.extensions["hotline"].database.dispose()


def ingest(app: Flask, raw: bytes, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = app.test_cli_runner().invoke(args=["ingest-email"], input=raw, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_acknowledgement_reaches_the_sender_with_the_codename_and_nothing_else(
    app_with_smtp: Flask, smtp: SmtpServer, db: Session
) -> None:
    assert ingest(app_with_smtp, corpus("01_multipart_alternative.eml"))[:2] == (0, "filed\n")
    (delivery,) = smtp.collector.received
    assert delivery.recipients == ["d.okafor@example.org"]
    assert delivery.mail_from == "<>"  # a bounce of it is answered by no one (RFC 3834)
    message = delivery.message
    assert message["From"] == MAIL_FROM
    assert message["Subject"] == "Your report was received"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<20250303085810.7f3a9c@mail-out.example.net>"
    body = message.get_content()
    assert isinstance(body, str)

    codename = CODE.search(body)
    assert codename is not None
    assert codename.group(1) == format_codename(codename.group(1))  # groups of four
    disclosure = db.scalars(select(Disclosure)).one()
    keys = app_with_smtp.extensions["hotline"].kdf.derive(codename.group(1))
    assert keys.reporter_id == disclosure.reporter_id  # it is the case's codename
    assert f"{PUBLIC_URL}/checkin" in body
    assert "E-mail is confidential, not anonymous" in body
    assert "Tor Browser" in body

    whole = delivery.raw.decode("utf-8", "replace")
    assert disclosure.reference not in whole
    assert re.search(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}", whole) is None
    for leak in (
        "Kilima",
        "televisions",
        "spare parts",
        "Customs fraud",
        "northern border",
        "taxpayer",
        "fraud",
        "Daniel",
        "Zorbmail",
        "203.0.113",
    ):
        assert leak not in whole, leak


def test_a_follow_up_is_acknowledged_without_the_codename(
    app_with_smtp: Flask, smtp: SmtpServer
) -> None:
    ingest(app_with_smtp, corpus("01_multipart_alternative.eml"))
    codename = CODE.search(smtp.collector.received[0].message.get_content())
    assert codename is not None
    reply = corpus("15_followup_codename_reply.eml").replace(
        b"4821 0937 5512 0084", codename.group(1).encode()
    )
    assert ingest(app_with_smtp, reply)[:2] == (0, "joined\n")
    message = smtp.collector.received[1].message
    assert message["Subject"] == "Your message was received"
    body = message.get_content()
    assert CODE.search(body) is None
    assert codename.group(1).replace(" ", "") not in re.sub(r"\D", "", body)
    assert f"{PUBLIC_URL}/checkin" in body


def test_nothing_is_sent_when_acknowledgements_are_off(
    initialised: Initialised, smtp: SmtpServer, db: Session
) -> None:
    app = mail_app(initialised, smtp.url, email_acknowledgement=False)
    try:
        assert ingest(app, corpus("02_html_only_arabic.eml"))[:2] == (0, "filed\n")
    finally:
        app.extensions["hotline"].database.dispose()
    assert smtp.collector.received == []
    assert len(db.scalars(select(Disclosure)).all()) == 1


def test_machines_get_no_acknowledgement(app_with_smtp: Flask, smtp: SmtpServer) -> None:
    bounce = make_message(
        subject="Undelivered Mail Returned to Sender",
        body="This is the mail system at host mx.example.net.",
        sender="MAILER-DAEMON@mx.example.net",
    )
    out_of_office = make_message(
        subject="Out of office",
        body="I am away until Monday.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    for raw in (bounce, out_of_office):
        assert ingest(app_with_smtp, raw)[:2] == (0, "filed\n")
    assert smtp.collector.received == []


def test_an_unreachable_smtp_server_loses_nothing(initialised: Initialised, db: Session) -> None:
    app = mail_app(initialised, f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        code, stdout, stderr = ingest(app, corpus("07_swahili_plus_address.eml"))
    finally:
        app.extensions["hotline"].database.dispose()
    assert (code, stdout) == (0, "filed\n")
    assert stderr == "hotline: acknowledgement not sent: ConnectionRefusedError\n"
    assert len(db.scalars(select(Disclosure)).all()) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_acknowledgement_goes_over_verified_starttls(
    initialised: Initialised, smtp_tls: SmtpServer, tmp_path: Any
) -> None:
    assert smtp_tls.certificates is not None
    app = mail_app(initialised, smtp_tls.url)
    try:
        # The CA is not trusted: nothing is sent in clear instead, and the case is filed.
        untrusted = {"SSL_CERT_FILE": str(tmp_path / "nothing.pem")}
        code, stdout, stderr = ingest(app, corpus("03_base64_body.eml"), env=untrusted)
        assert (code, stdout) == (0, "filed\n")
        assert stderr == "hotline: acknowledgement not sent: SSLCertVerificationError\n"
        assert smtp_tls.collector.received == []

        trusted = {"SSL_CERT_FILE": str(smtp_tls.certificates.ca_file)}
        assert ingest(app, corpus("04_quoted_printable_windows1252.eml"), env=trusted)[:2] == (
            0,
            "filed\n",
        )
    finally:
        app.extensions["hotline"].database.dispose()
    (delivery,) = smtp_tls.collector.received
    assert delivery.over_tls
    assert delivery.recipients == ["r.dupre@example.net"]


def test_send_message_falls_back_to_a_real_sender_when_null_is_refused(
    smtp_tls: SmtpServer,
) -> None:
    assert smtp_tls.certificates is not None
    smtp_tls.collector.refuse_null_sender = True
    message = EmailMessage()
    message["From"] = MAIL_FROM
    message["To"] = "aline@example.net"
    message["Subject"] = "Your report was received"
    message.set_content("Your codename: 1234 5678 9012 3456\n")
    send_message(
        smtp_tls.url,
        message,
        envelope_from=MAIL_FROM,
        ssl_context=smtp_tls.certificates.client_context(),
    )
    (delivery,) = smtp_tls.collector.received
    assert delivery.mail_from == MAIL_FROM
    assert delivery.over_tls
