"""Replies reach every reporter: one who agreed at filing is told, without
content, that an officer replied; one who did not is told nothing. The number
or address is kept sealed under a key in ``keys/`` only, never where an officer
could read it, and shredded when the case closes."""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.intake.email.cli import build_channel
from hotline.intake.sms import gsm
from hotline.models import Disclosure, ReplyNotice
from hotline.notifications.mailer import send_reply_notices
from hotline.notifications.reply_notices import NOTICE_SENT
from hotline.sealing.items import read_message
from tests.helpers.desk import audit_events, desk_post, officer_client, queue_keys
from tests.helpers.email import CODE, make_message
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.stored import assert_absent, dump_database
from tests.intake.test_sms import AT_API_KEY, FakeAfricasTalking

TOKEN = "test-token"
PUBLIC_URL = "https://hotline.example.org"
PHONE = "+250788123456"
REPORT = "The officer at Rusumo asked for a bribe of 200,000 francs to clear lorry RAD 911 X"
REPLY = "Thank you. Which day was the lorry at Rusumo, and who was on shift?"
SENDER = "aline.mukamana@example.net"
NOTICE = "There is news on your report. Text STATUS and your code."
REFERENCE = re.compile(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}")


@dataclasses.dataclass
class FakeTexter:
    """The gateway, capturing what would be sent."""

    sent: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def send_text(self, to: str, body: str) -> None:
        self.sent.append((to, body))


@dataclasses.dataclass
class FakeMailer:
    sent: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)

    def __call__(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


@pytest.fixture
def sms_app(initialised: Initialised) -> Iterator[Flask]:
    app = create_app(
        initialised.config.with_changes(twilio_auth_token=TOKEN, public_url=PUBLIC_URL)
    )
    yield app
    app.extensions["hotline"].database.dispose()


def text(client: FlaskClient, body: str, number: str = PHONE) -> list[str]:
    params = {
        "AccountSid": "AC" + "3f" * 16,
        "MessageSid": "SM" + secrets.token_hex(16),
        "From": number,
        "To": "+250700000111",
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/sms/twilio", params)
    response = client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    replies = re.findall(r"<Message>(.*?)</Message>", response.get_data(as_text=True), re.S)
    for reply in replies:
        assert gsm.fits(reply), reply
    return replies


def the_case(db: Session) -> Disclosure:
    db.expire_all()
    return db.scalars(select(Disclosure)).one()


def officer_replies(
    app: Flask, db: Session, make_officer: object, disclosure: Disclosure
) -> tuple[FlaskClient, str]:
    """An officer of the case's queues replies on the desk; their browser and
    the page the desk answers with."""
    login: OfficerLogin = make_officer("kamanzi", list(disclosure.queue_slugs))  # type: ignore[operator]
    desk = officer_client(app, login)
    response = desk_post(desk, f"/officer/case/{disclosure.reference}/reply", reply=REPLY)
    assert response.status_code == 303
    return desk, desk.get(response.headers["Location"]).get_data(as_text=True)


def notices(app: Flask) -> tuple[FakeTexter, FakeMailer]:
    instance = app.extensions["hotline"]
    texter, mailer = FakeTexter(), FakeMailer()
    send_reply_notices(instance.database, instance.config, texter=texter, mailer=mailer)
    return texter, mailer


def test_an_sms_reporter_who_agreed_is_texted_a_notice_without_content(
    app: Flask,
    sms_app: Flask,
    db: Session,
    make_officer: object,
    initialised: Initialised,
) -> None:
    phone = sms_app.test_client()
    filed = text(phone, "1 " + REPORT)
    assert any("NOTIFY" in reply for reply in filed)
    assert text(phone, "NOTIFY")[0].startswith("Agreed")
    disclosure = the_case(db)

    # Nothing is sent before an officer replies.
    assert notices(app)[0].sent == []
    desk, page = officer_replies(app, db, make_officer, disclosure)
    # The desk says truthfully how the reporter will learn of it.
    assert "they will be sent a notice without content" in page
    assert PHONE not in page

    texter, _mailer = notices(app)
    assert texter.sent == [(PHONE, NOTICE)]
    body = texter.sent[0][1]
    assert "Rusumo" not in body
    assert REFERENCE.search(body) is None
    # Sent once per reply, and audited without the number.
    assert notices(app)[0].sent == []
    events = audit_events(db, NOTICE_SENT)
    assert [e.subject for e in events] == [disclosure.reference]
    assert all(PHONE not in f"{e.subject} {e.detail}" for e in events)

    # The number is nowhere in the clear, and nothing a queue key opens holds it.
    stored = dump_database(initialised.config)
    assert_absent(PHONE.encode(), stored)
    assert_absent(PHONE.removeprefix("+").encode(), stored)
    keys = queue_keys(initialised, db, *disclosure.queue_slugs)
    for message in the_case(db).messages:
        assert PHONE.removeprefix("+") not in read_message(db, message, keys)

    # Closing the case shreds the sealed number: a later reply tells nobody.
    base = f"/officer/case/{disclosure.reference}"
    assert desk_post(desk, f"{base}/status", status="acknowledged").status_code == 303
    closed = desk_post(desk, f"{base}/status", status="closed", outcome="substantiated")
    assert closed.status_code == 303
    db.expire_all()
    assert db.scalars(select(ReplyNotice)).all() == []
    assert notices(app)[0].sent == []


def test_an_sms_reporter_who_did_not_agree_is_told_nothing(
    app: Flask, sms_app: Flask, db: Session, make_officer: object, initialised: Initialised
) -> None:
    phone = sms_app.test_client()
    text(phone, "1 " + REPORT)
    text(phone, "DONE")
    disclosure = the_case(db)
    _desk, page = officer_replies(app, db, make_officer, disclosure)
    assert "they see it only when they text STATUS" in page

    texter, mailer = notices(app)
    assert texter.sent == []
    assert mailer.sent == []
    assert db.scalars(select(ReplyNotice)).all() == []


def test_an_email_reporter_who_agreed_is_mailed_a_notice_without_content(
    app: Flask, db: Session, make_officer: object, initialised: Initialised
) -> None:
    acknowledged: list[EmailMessage] = []
    channel = dataclasses.replace(
        build_channel(app.extensions["hotline"], "report"),
        acknowledge=True,
        send=acknowledged.append,
        public_url=PUBLIC_URL,
    )
    raw = make_message(
        subject="Customs fraud at Rusumo",
        body=REPORT + "\n\nNOTIFY\n",
        sender=f"Aline Mukamana <{SENDER}>",
    )
    result = channel.receive(raw)
    assert result.notice_agreed
    assert "we will send this address a mail without content" in " ".join(
        acknowledged[-1].get_content().split()
    )
    assert CODE.search(acknowledged[-1].get_content())
    disclosure = the_case(db)
    _desk, page = officer_replies(app, db, make_officer, disclosure)
    assert "they will be sent a notice without content" in page
    assert SENDER not in page

    texter, mailer = notices(app)
    assert texter.sent == []
    [(to, subject, body)] = mailer.sent
    assert to == SENDER
    for content in ("Rusumo", "lorry", disclosure.reference):
        assert content not in subject + body


def test_an_email_reporter_who_did_not_agree_is_told_how_to(
    app: Flask, db: Session, make_officer: object
) -> None:
    acknowledged: list[EmailMessage] = []
    channel = dataclasses.replace(
        build_channel(app.extensions["hotline"], "report"),
        acknowledge=True,
        send=acknowledged.append,
        public_url=PUBLIC_URL,
    )
    # "notify" inside a sentence is not the keyword.
    result = channel.receive(make_message(subject="I notify you of fraud", body=REPORT))
    assert not result.notice_agreed
    assert "a line that says only NOTIFY" in " ".join(acknowledged[-1].get_content().split())
    officer_replies(app, db, make_officer, the_case(db))
    texter, mailer = notices(app)
    assert texter.sent == []
    assert mailer.sent == []


def test_the_notice_goes_out_through_the_configured_sms_gateway(
    app: Flask, sms_app: Flask, db: Session, make_officer: object
) -> None:
    phone = sms_app.test_client()
    text(phone, "1 " + REPORT)
    text(phone, "NOTIFY")
    officer_replies(app, db, make_officer, the_case(db))
    gateway = FakeAfricasTalking()
    try:
        instance = app.extensions["hotline"]
        config = instance.config.with_changes(
            africastalking_username="hotline",
            africastalking_api_key=AT_API_KEY,
            africastalking_api_base=gateway.base,
        )
        result = send_reply_notices(instance.database, config)
    finally:
        gateway.close()
    assert result.sent == 1
    assert [(m["to"], m["message"]) for m in gateway.sent] == [(PHONE, NOTICE)]
