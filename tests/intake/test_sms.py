"""The SMS channel: Twilio's webhook driven exactly as Twilio drives it.

Requests are signed with twilio's own RequestValidator over the public URL;
replies are read from the TwiML. Every part a reporter sends must be filed at
once, sealed; no phone number may reach the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.admin.designations import queue_key_from_recovery
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import load_secrets, recovery_private_key
from hotline.intake.sms import gsm
from hotline.intake.sms.commands import KEYWORDS, MENU, keyword
from hotline.intake.sms.texts import STATUS_PIECES, Texts
from hotline.intake.sms.thread import (
    THREAD_LIFETIME,
    ThreadState,
    open_state,
    read_thread,
    seal_state,
    thread_keys,
    thread_store,
)
from hotline.models import Attachment, Disclosure, Message, Queue, Reporter, SealedKey
from hotline.procedure import LANGUAGES, AuthorKind, Channel, Outcome, RewardState, Status
from hotline.sealing.items import read_attachment, read_message
from hotline.sealing.recipients import queue_recipient
from tests.helpers.desk import file_web_report
from tests.helpers.instance import Initialised
from tests.helpers.reporter import check_in, jpeg_with_gps
from tests.helpers.stored import assert_absent, dump_database
from tests.helpers.writers import officer_decides, officer_writes

TOKEN = "test-token"
PUBLIC_URL = "https://hotline.example.org"
WEBHOOK_URL = PUBLIC_URL + "/sms/twilio"
PHONE = "+250788123456"
PHONE_DIGITS = "250788123456"
FROM_CITY = "KIGALI-NYARUGENGE"
FROM_STATE = "UMUJYI WA KIGALI"
FROM_ZIP = "RW-KG-00501-NYAMIRAMBO"
ACCOUNT_SID = "AC" + "3f" * 16
CODE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")
REFERENCE = re.compile(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}")
REPORT = "The officer at Rusumo asked for a bribe of 200,000 francs to clear lorry RAD 911 X"


# --- a phone talking to the webhook ----------------------------------------------------


def twiml_messages(xml: str) -> list[str]:
    root = ElementTree.fromstring(xml)  # noqa: S314 - our own response, not untrusted input
    assert root.tag == "Response"
    return [m.text or "" for m in root.iter("Message")]


def signed_post(
    client: FlaskClient, params: dict[str, str], *, token: str = TOKEN, url: str = WEBHOOK_URL
) -> Any:
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": signature})


class FakeAfricasTalking:
    """Africa's Talking's messaging API on 127.0.0.1: records every SMS sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                fields = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                fields["apiKey"] = self.headers.get("apiKey") or ""
                fake.sent.append(fields)
                payload = b'{"SMSMessageData": {"Recipients": [{"status": "Success"}]}}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


AT_TOKEN = "at-" + "5e" * 16
AT_API_KEY = "atsk_" + "9c" * 16


@dataclass
class Phone:
    """One reporter's phone: every message is a fresh request from the gateway,
    Twilio (signed; replies in the TwiML) or Africa's Talking (the URL's token;
    replies sent through its messaging API)."""

    client: FlaskClient
    number: str = PHONE
    sent: list[str] = field(default_factory=list)
    africastalking: FakeAfricasTalking | None = None

    def other(self, number: str) -> Phone:
        """Another phone on the same gateway."""
        return Phone(self.client, number, africastalking=self.africastalking)

    def params(self, body: str, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": "SM" + secrets.token_hex(16),
            "From": self.number,
            "FromCity": FROM_CITY,
            "FromState": FROM_STATE,
            "FromZip": FROM_ZIP,
            "FromCountry": "RW",
            "To": "+250700000111",
            "Body": body,
            "NumMedia": "0",
            **extra,
        }

    def _send_africastalking(self, gateway: FakeAfricasTalking, body: str) -> list[str]:
        before = len(gateway.sent)
        response = self.client.post(
            "/sms/africastalking",
            query_string={"token": AT_TOKEN},
            data={
                "from": self.number,
                "to": "21212",
                "text": body,
                "date": "2026-12-03 06:40:00",
                "id": secrets.token_hex(16),
                "linkId": "",
                "networkCode": "63510",
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_data() == b""
        new = gateway.sent[before:]
        assert all(m["to"] == self.number and m["apiKey"] == AT_API_KEY for m in new)
        return [m["message"] for m in new]

    def send(self, body: str, **extra: str) -> list[str]:
        self.sent.append(body)
        if self.africastalking is not None:
            replies = self._send_africastalking(self.africastalking, body)
        else:
            response = signed_post(self.client, self.params(body, **extra))
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.mimetype == "text/xml"
            replies = twiml_messages(response.get_data(as_text=True))
        for reply in replies:
            assert gsm.fits(reply), reply
        return replies

    def one(self, body: str, **extra: str) -> str:
        replies = self.send(body, **extra)
        assert len(replies) == 1, replies
        return replies[0]


def codename_in(text: str) -> str:
    match = CODE.search(text)
    assert match, f"no codename in {text!r}"
    return match.group(1)


@pytest.fixture
def africastalking() -> Iterator[FakeAfricasTalking]:
    fake = FakeAfricasTalking()
    yield fake
    fake.close()


@pytest.fixture
def sms_app(initialised: Initialised, africastalking: FakeAfricasTalking) -> Iterator[Flask]:
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN,
            public_url=PUBLIC_URL,
            africastalking_token=AT_TOKEN,
            africastalking_username="hotline",
            africastalking_api_key=AT_API_KEY,
            africastalking_api_base=africastalking.base,
        )
    )
    yield app
    app.extensions["hotline"].database.dispose()


@pytest.fixture(params=["twilio", "africastalking"])
def phone(
    request: pytest.FixtureRequest, sms_app: Flask, africastalking: FakeAfricasTalking
) -> Phone:
    """The dialogue's tests run through both gateways."""
    gateway = africastalking if request.param == "africastalking" else None
    return Phone(sms_app.test_client(), africastalking=gateway)


@pytest.fixture
def twilio_phone(sms_app: Flask) -> Phone:
    """For what only Twilio does: signatures, MessageSids, MMS."""
    return Phone(sms_app.test_client())


@pytest.fixture
def dbs(sms_app: Flask) -> Iterator[Session]:
    with sms_app.extensions["hotline"].database.sessions() as session:
        yield session


def count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def live_threads(phone: Phone) -> int:
    """How many SMS threads are alive, in Redis or the app's memory."""
    app = phone.client.application
    return len(thread_store(app).live_keys(app.extensions["hotline"].clock.now()))


def thread_state(initialised: Initialised, phone: Phone) -> ThreadState | None:
    app = phone.client.application
    sender_key, state_key = thread_keys(load_secrets(initialised.config.keys_dir), phone.number)
    now = app.extensions["hotline"].clock.now()
    return read_thread(thread_store(app), sender_key, state_key, now)


def queue_keys(
    db: Session, initialised: Initialised, disclosure: Disclosure
) -> dict[str, PrivateKey]:
    recovery = recovery_private_key(initialised.recovery_words)
    return {
        queue_recipient(slug): queue_key_from_recovery(db.get_one(Queue, slug), recovery)
        for slug in disclosure.queue_slugs
    }


def read_case(db: Session, initialised: Initialised, disclosure: Disclosure) -> list[str]:
    """Every message of the case, opened as an officer would (with a queue key)."""
    keys = queue_keys(db, initialised, disclosure)
    return [read_message(db, m, keys) for m in disclosure.messages]


def only_disclosure(db: Session) -> Disclosure:
    db.expire_all()
    return db.scalars(select(Disclosure)).one()


# --- the dialogue ------------------------------------------------------------------------


def test_a_whole_dialogue_in_english(phone: Phone, dbs: Session, initialised: Initialised) -> None:
    welcome = phone.one("Hello")
    for line in ("1 Tax fraud", "2 Staff corruption", "3 Retaliation", "4 Other", "FR RW SW AR EN"):
        assert line in welcome
    assert "STATUS" in welcome
    assert live_threads(phone) == 0  # nothing worth keeping yet

    asked = phone.one("2")
    assert "who, what, where and when" in asked
    assert "DONE" in asked
    assert "CANCEL" in asked
    state = thread_state(initialised, phone)
    assert state is not None
    assert state.category == "staff_misconduct"
    assert count(dbs, Disclosure) == 0

    first, how = phone.send(REPORT)
    codename = codename_in(first)
    assert "delete this SMS thread" in first
    assert "STATUS" in how
    assert PUBLIC_URL + "/checkin" in how
    assert count(dbs, Disclosure) == 1  # filed at once, before DONE

    added = phone.one("It happened on 3 May at 10 in the morning")
    assert "Added" in added
    assert CODE.search(added) is None  # the codename is not repeated on every part

    done, how = phone.send("done")
    assert CODE.search(done) is None  # shown once, then not kept by the thread
    assert "delete this SMS thread" in done
    assert "STATUS" in how
    assert PUBLIC_URL + "/checkin" in how
    assert live_threads(phone) == 0  # deleted on DONE

    disclosure = only_disclosure(dbs)
    assert (disclosure.channel, disclosure.category) == ("sms", "staff_misconduct")
    assert REFERENCE.search(first).group() == disclosure.reference  # type: ignore[union-attr]
    assert read_case(dbs, initialised, disclosure) == [
        REPORT,
        "It happened on 3 May at 10 in the morning",
    ]

    status = phone.one(f"STATUS {codename}")
    assert f"{disclosure.reference}: Received." in status
    assert "No new reply" in status


@pytest.mark.parametrize(
    ("language", "switch", "done", "status", "more"),
    [
        ("fr", "FR", "FIN", "STATUT", "SUITE"),
        ("rw", "rw", "Ndangije", "AMAKURU", "IBINDI"),
        ("sw", "Kiswahili", "MWISHO", "HALI", "ZAIDI"),
        ("ar", "AR", "تم", "حالة", "المزيد"),
    ],
)
def test_the_dialogue_in_each_language(
    phone: Phone,
    sms_app: Flask,
    dbs: Session,
    initialised: Initialised,
    language: str,
    switch: str,
    done: str,
    status: str,
    more: str,
) -> None:
    menu = phone.one(switch)
    assert "1 " in menu
    assert "4 " in menu
    assert keyword("status", language) in menu
    state = thread_state(initialised, phone)
    assert state is not None
    assert state.language == language

    # A first report message that starts with a number is both choice and text.
    first, how = phone.send("2 " + REPORT)
    codename = codename_in(first)
    assert keyword("done", language) in first
    assert keyword("status", language) in how
    state = thread_state(initialised, phone)
    assert state is not None
    assert state.language == language

    closing, _how = phone.send(done)
    assert CODE.search(closing) is None
    assert codename in first
    assert live_threads(phone) == 0
    disclosure = only_disclosure(dbs)
    assert disclosure.category == "staff_misconduct"
    assert read_case(dbs, initialised, disclosure) == [REPORT]

    # Commands in that language work on a new thread too.
    answer = phone.one(f"{status} {codename}")
    assert disclosure.reference in answer
    with sms_app.app_context():
        nothing_more = Texts(language).nothing_more()
    assert phone.one(more) == nothing_more


def test_commands_of_every_language_work_whatever_the_thread_language(
    phone: Phone, dbs: Session
) -> None:
    phone.one("FR")
    phone.send("4 Un camion passe la frontière la nuit sans déclaration")
    assert count(dbs, Disclosure) == 1
    phone.one("CANCEL")  # English, in a French thread
    assert count(dbs, Disclosure) == 0


def test_arabic_indic_digits_choose_and_give_codes(phone: Phone, dbs: Session) -> None:
    phone.one("AR")
    first, _ = phone.send("١ شاحنة تهريب عند الحدود ليلاً")
    codename = codename_in(first)
    assert only_disclosure(dbs).category == "taxpayer_fraud"
    arabic = codename.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    phone.send("تم")
    assert only_disclosure(dbs).reference in phone.one(f"حالة {arabic}")


def test_a_three_part_report_is_one_disclosure_with_three_messages(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    parts = [
        "1",
        "Company Umucyo Traders imports phones declared as spare parts",
        "Their lorries cross at Gatuna on Tuesdays, the clearing agent is called Eric",
        "Invoices are kept in the office above the Nyabugogo bus park",
    ]
    replies = [phone.send(p) for p in parts]
    codename = codename_in(replies[1][0])
    for later in replies[2:]:
        assert CODE.search(later[0]) is None
    # The thread is abandoned here: no DONE. Nothing is lost.
    disclosure = only_disclosure(dbs)
    assert disclosure.category == "taxpayer_fraud"
    assert disclosure.queue_slugs == ["commissioner_general", "investigation"]
    assert len(disclosure.messages) == 3
    assert read_case(dbs, initialised, disclosure) == parts[1:]
    # The codename alone (no DONE ever sent) opens the case.
    assert disclosure.reference in phone.one(f"STATUS {codename}")


def test_control_characters_in_a_text_get_an_answer_through_either_gateway(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    # A phone keyboard or a gateway may pass a NUL or an escape through; the reporter
    # must still hear back, and the report must be filed, not refused with a web page.
    phone.one("1")
    assert (
        "Filed as"
        in phone.send("Lorries cross at Gatuna\x00 at night\x1b with undeclared phones")[0]
    )
    disclosure = only_disclosure(dbs)
    assert disclosure.category == "taxpayer_fraud"
    (text,) = read_case(dbs, initialised, disclosure)
    assert "Lorries cross at Gatuna" in text
    assert "undeclared phones" in text


def test_unicode_and_a_1600_character_body_are_filed_whole(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    text = ("Umukozi wa gasutamo yatse ruswa — «ریال» 走私 😀 ê ç. " * 40)[:1_600]
    assert len(text) == 1_600
    phone.one("3")
    phone.send(text)
    unicode_tail = "Ibyo nabonye: ﷺ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and a tab\tthere"
    phone.one(unicode_tail)
    disclosure = only_disclosure(dbs)
    assert read_case(dbs, initialised, disclosure) == [text.strip(), unicode_tail]


def test_an_empty_body_gets_the_menu_and_stores_nothing(phone: Phone, dbs: Session) -> None:
    for body in ("", "   ", "\n"):
        welcome = phone.one(body)
        assert "1 Tax fraud" in welcome
    assert count(dbs, Disclosure) == 0
    assert live_threads(phone) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("hello?", "1 Tax fraud"),
        ("5", "1 Tax fraud"),
        ("0", "1 Tax fraud"),
        ("5 lorries crossed at night", "1 Tax fraud"),
        ("STATUS please", "send STATUS and your 16-digit code"),
        ("STATUS", "send STATUS and your 16-digit code"),
        ("REPLY now", "send REPLY, your 16-digit code"),
        ("MORE", "Nothing more to send"),
    ],
)
def test_unknown_input_gets_the_menu_or_a_hint_never_an_error(
    phone: Phone, dbs: Session, body: str, expected: str
) -> None:
    assert expected in phone.one(body)
    assert count(dbs, Disclosure) == 0
    assert live_threads(phone) == 0


def test_after_a_category_every_message_is_filed(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    phone.one("4")
    phone.one("2")  # before anything is filed, a lone number corrects the choice
    parts = [
        "3 officers took bribes",  # a number and text after the choice: report text
        "hello?",  # would be "unknown input" without a category
        "STATUS of the investigation is unclear",  # words after STATUS: report text
        "4",  # once filed, a lone number is report text too
    ]
    phone.send(parts[0])
    for part in parts[1:]:
        phone.one(part)
    disclosure = only_disclosure(dbs)
    assert disclosure.category == "staff_misconduct"
    assert read_case(dbs, initialised, disclosure) == parts


# --- signatures ---------------------------------------------------------------------------


def test_forged_or_missing_signatures_are_refused_and_store_nothing(
    twilio_phone: Phone, sms_app: Flask, dbs: Session
) -> None:
    phone = twilio_phone
    client = sms_app.test_client()
    params = phone.params("2 " + REPORT)
    attempts = [
        client.post("/sms/twilio", data=params),
        client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": ""}),
        signed_post(client, params, token="not-the-token"),
        # Signed for the internal URL, not the public one.
        signed_post(client, params, url="http://localhost/sms/twilio"),
    ]
    tampered = RequestValidator(TOKEN).compute_signature(WEBHOOK_URL, params)
    attempts.append(
        client.post(
            "/sms/twilio",
            data={**params, "Body": "2 something else"},
            headers={"X-Twilio-Signature": tampered},
        )
    )
    attempts.append(
        client.post("/sms/twilio", json=params, headers={"X-Twilio-Signature": tampered})
    )
    for response in attempts:
        assert response.status_code == 403
        assert b"<Message>" not in response.data
    assert count(dbs, Disclosure) == 0
    assert live_threads(phone) == 0
    # The same request, correctly signed, is accepted: the refusals were the signature.
    assert signed_post(client, params).status_code == 200
    assert count(dbs, Disclosure) == 1


def test_without_an_auth_token_every_request_is_refused(initialised: Initialised) -> None:
    app = create_app(initialised.config.with_changes(public_url=PUBLIC_URL))
    client = app.test_client()
    for token in (TOKEN, ""):
        params = Phone(client).params("2 " + REPORT)
        assert signed_post(client, params, token=token).status_code == 403
    with app.extensions["hotline"].database.sessions() as db:
        assert count(db, Disclosure) == 0
    app.extensions["hotline"].database.dispose()


def test_the_webhook_needs_no_csrf_token_but_the_web_forms_still_do(
    phone: Phone, sms_app: Flask
) -> None:
    assert phone.one("1")  # a signed POST without any CSRF token
    response = sms_app.test_client().post("/checkin", data={"codename": "1234"})
    assert response.status_code == 400


# --- CANCEL, DONE, expiry -----------------------------------------------------------------


ORNAMENTS = ["{} ✅", "{}!", "👍 {}", "{} 🙏🏽.", "¡{}!!", "{} ✔️ 😊", "«{}»", "{} 🎉🎉"]
LANGUAGE_CODES = ("en", "fr", "rw", "sw", "ar")


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_emoji_and_punctuation_around_done_are_not_report_text(
    phone: Phone, dbs: Session, initialised: Initialised, language: str
) -> None:
    for n, word in enumerate(KEYWORDS["done"][language]):
        for i, ornament in enumerate(ORNAMENTS):
            phone = phone.other(f"+25078810{n}{i:03d}")  # under the rate limit
            first, _ = phone.send("2 " + REPORT)
            closing = phone.send(ornament.format(word))
            assert len(closing) == 2, (ornament.format(word), closing)  # finished + how to check
            assert CODE.search(closing[0]) is None
            assert codename_in(first)
            assert live_threads(phone) == 0
    for disclosure in dbs.scalars(select(Disclosure)):
        assert read_case(dbs, initialised, disclosure) == [REPORT]


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_emoji_and_punctuation_around_cancel_still_cancel(
    phone: Phone, dbs: Session, language: str
) -> None:
    for n, word in enumerate(KEYWORDS["cancel"][language]):
        for i, ornament in enumerate(ORNAMENTS):
            phone = phone.other(f"+25078810{n}{i:03d}")  # under the rate limit
            phone.send("2 " + REPORT)
            assert count(dbs, Disclosure) == 1
            phone.one(ornament.format(word))
            dbs.expire_all()
            assert count(dbs, Disclosure) == 0, ornament.format(word)


def test_words_of_report_text_around_a_command_keep_it_report_text(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    phone.send("2 " + REPORT)
    phone.send("DONE, then he left ✅")
    assert read_case(dbs, initialised, only_disclosure(dbs)) == [REPORT, "DONE, then he left ✅"]


@pytest.mark.parametrize("cancel", ["CANCEL", "annuler", "HAGARIKA", "ghairi", "الغاء"])
def test_cancel_destroys_what_the_thread_filed(
    phone: Phone, dbs: Session, initialised: Initialised, cancel: str, sms_app: Flask
) -> None:
    # Someone else's report must survive.
    other = phone.other("+250788000999")
    other.send("1 Smuggled sugar at Kagitumba")
    kept = only_disclosure(dbs)

    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.one("and more details")
    assert count(dbs, Disclosure) == 2
    mine = dbs.scalars(select(Disclosure).where(Disclosure.id != kept.id)).one()
    mine_id, reporter_id = mine.id, mine.reporter_id

    reply = phone.one(cancel)
    assert "deleted" in reply
    dbs.expire_all()
    assert dbs.get(Disclosure, mine_id) is None
    for model in (Message, Attachment, SealedKey):
        rows = dbs.scalars(select(model).where(model.disclosure_id == mine_id)).all()
        assert rows == [], model
    assert dbs.get(Reporter, reporter_id) is None
    assert only_disclosure(dbs).id == kept.id
    assert read_case(dbs, initialised, kept) == ["Smuggled sugar at Kagitumba"]
    assert "No report matches" in phone.one(f"STATUS {codename}")
    state = thread_state(initialised, phone)
    assert state is None or (state.disclosure_id is None)
    # A reporter's cancel takes the case out of the case ledger too.
    verified = sms_app.test_cli_runner().invoke(args=["verify"])
    assert verified.exit_code == 0, verified.output


def test_cancel_with_nothing_filed_and_after_done(phone: Phone, dbs: Session) -> None:
    phone.one("3")
    assert "Nothing was filed" in phone.one("CANCEL")
    assert live_threads(phone) == 0
    phone.send("3 I was moved to a remote post after reporting")
    phone.send("DONE")
    phone.one("CANCEL")  # the thread is closed: the report stands
    assert count(dbs, Disclosure) == 1


def test_done_without_a_report_ends_the_thread(phone: Phone, dbs: Session) -> None:
    phone.one("FR")
    assert live_threads(phone) == 1
    reply = phone.one("FIN")
    assert CODE.search(reply) is None
    assert live_threads(phone) == 0


def test_expired_threads_are_ignored_and_forgotten(
    phone: Phone, sms_app: Flask, dbs: Session, initialised: Initialised
) -> None:
    other = phone.other("+250788000777")
    other.one("2")
    phone.one("1")
    assert live_threads(phone) == 2
    instance = sms_app.extensions["hotline"]
    if instance.redis is not None:
        # Redis forgets them itself: each key carries the thread's lifetime.
        keys = [
            k
            for k in instance.redis.scan_iter(match=f"{instance.config.redis_prefix}:sms-thread:*")
        ]
        assert len(keys) == 2
        for key in keys:
            assert 0 < instance.redis.ttl(key) <= THREAD_LIFETIME.total_seconds()
        for key in keys:
            instance.redis.delete(key)
    else:
        instance.clock.advance(THREAD_LIFETIME + dt.timedelta(seconds=1))
    # The expired thread is not continued: the text is not filed, the menu comes back.
    assert "1 Tax fraud" in phone.one("Lorry RAD 911 X at Gatuna")
    assert count(dbs, Disclosure) == 0
    # ...and the other sender's expired thread is gone from memory too.
    assert live_threads(phone) == 0
    assert thread_state(initialised, other) is None


def test_thread_expiry_is_renewed_on_every_message(phone: Phone, sms_app: Flask) -> None:
    phone.one("1")
    instance = sms_app.extensions["hotline"]
    if instance.redis is not None:
        (key,) = instance.redis.scan_iter(match=f"{instance.config.redis_prefix}:sms-thread:*")
        instance.redis.expire(key, 60)
        phone.send("first part")
        assert instance.redis.ttl(key) > THREAD_LIFETIME.total_seconds() - 60
        return
    instance.clock.advance(THREAD_LIFETIME - dt.timedelta(minutes=1))
    phone.send("first part")
    instance.clock.advance(THREAD_LIFETIME - dt.timedelta(minutes=1))
    assert live_threads(phone) == 1
    instance.clock.advance(dt.timedelta(minutes=2))
    assert live_threads(phone) == 0


def test_thread_state_opens_only_with_the_senders_key(initialised: Initialised) -> None:
    instance_secrets = load_secrets(initialised.config.keys_dir)
    key, state_key = thread_keys(instance_secrets, PHONE)
    other_key, other_state_key = thread_keys(instance_secrets, "+250788000999")
    state = ThreadState(language="rw", reference="HL-2026-0001", pages=["page 1234 5678"])
    sealed = seal_state(state, state_key, key)
    assert open_state(sealed, state_key, key) == state
    assert open_state(sealed, other_state_key, key) is None
    assert open_state(sealed, state_key, other_key) is None  # bound to its key
    assert b"1234 5678" not in sealed
    assert PHONE.encode() not in key.encode()
    assert len(key) == 64
    assert "1234" not in repr(state)


# The thread state's stored format is pinned in tests/crypto/test_stored_formats.py.


# --- check-in, STATUS, MORE, REPLY ----------------------------------------------------------


def test_a_codename_from_sms_opens_the_case_on_the_web(phone: Phone, sms_app: Flask) -> None:
    first, _ = phone.send("2 " + REPORT)
    page = check_in(sms_app.test_client(), codename_in(first))
    assert REPORT in page


def test_an_officer_reply_reaches_the_reporter_through_status_and_more(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send("DONE")
    disclosure = only_disclosure(dbs)
    long_reply = (
        "START Thank you for your report. "
        + " ".join(
            f"Question {i}: can you tell us more about the lorry and the driver?" for i in range(12)
        )
        + " END"
    )
    officer_writes(
        dbs, disclosure, author_kind=AuthorKind.NOTE, text="internal: check the assessor"
    )
    officer_writes(dbs, disclosure, author_kind=AuthorKind.OFFICER, text=long_reply)
    officer_decides(dbs, disclosure, reward_state=RewardState.PENDING_ASSESSMENT)
    dbs.commit()

    pages = [phone.one(f"status {codename.replace(' ', '-')}")]
    assert "Reward: being assessed" in pages[0]
    assert f"Reply on {disclosure.reference}:" in pages[0]
    assert "START" in pages[0]
    while pages[-1].endswith("Send MORE for the rest."):
        pages.append(phone.one("MORE"))
    assert len(pages) >= 3
    assert "END" in pages[-1]
    joined = " ".join(p.removesuffix("Send MORE for the rest.") for p in pages)
    assert " ".join(long_reply.split()) in " ".join(joined.split())
    assert "internal" not in joined
    assert "Nothing more" in phone.one("MORE")

    dbs.expire_all()
    reply = dbs.scalars(select(Message).where(Message.author_kind == "officer")).one()
    assert reply.reporter_read
    assert "No new reply" in phone.one(f"STATUS {codename}")


def test_status_shows_the_newest_unread_reply_then_the_next(phone: Phone, dbs: Session) -> None:
    first, _ = phone.send("1 " + REPORT)
    codename = codename_in(first)
    disclosure = only_disclosure(dbs)
    officer_writes(
        dbs, disclosure, author_kind=AuthorKind.OFFICER, text="Older question: which day?"
    )
    officer_writes(
        dbs, disclosure, author_kind=AuthorKind.OFFICER, text="Newer question: which lorry?"
    )
    dbs.commit()
    answer = phone.one(f"STATUS {codename}")
    assert "Newer question" in answer
    assert "Older question" not in answer
    assert "1 more new reply" in answer
    answer = phone.one(f"STATUS {codename}")
    assert "Older question" in answer
    assert "more new repl" not in answer


def test_status_shows_a_closed_case_with_its_outcome(phone: Phone, dbs: Session) -> None:
    first, _ = phone.send("1 " + REPORT)
    disclosure = only_disclosure(dbs)
    officer_decides(
        dbs,
        disclosure,
        status=Status.CLOSED,
        outcome=Outcome.SUBSTANTIATED,
        reward_state=RewardState.PAID,
    )
    dbs.commit()
    answer = phone.one(f"STATUS {codename_in(first)}")
    assert "Closed (substantiated)" in answer
    assert "Reward: paid" in answer


@pytest.mark.parametrize(
    "wrong", ["0000 0000 0000 0000", "1234", "1234 5678 9012 3456 7", "12345678901234567"]
)
def test_a_wrong_codename_gets_a_plain_answer(phone: Phone, dbs: Session, wrong: str) -> None:
    phone.send("2 " + REPORT)
    phone.send("DONE")
    assert "No report matches" in phone.one(f"STATUS {wrong}")
    assert "No report matches" in phone.one(f"REPLY {wrong} the lorry is back")
    assert len(only_disclosure(dbs).messages) == 1


def test_reply_adds_a_follow_up_without_the_code(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send("DONE")
    digits = codename.replace(" ", "")
    dashed = codename.replace(" ", "-")
    reply = phone.one(
        f"REPLY {dashed} The lorry came back on Friday. My code is {digits}, again {codename}."
    )
    disclosure = only_disclosure(dbs)
    assert f"Added to report {disclosure.reference}" in reply
    assert disclosure.unread
    texts = read_case(dbs, initialised, disclosure)
    assert len(texts) == 2
    follow_up = texts[1]
    assert follow_up.startswith("The lorry came back on Friday.")
    assert digits not in follow_up.replace(" ", "").replace("-", "")
    for group in codename.split():
        assert group not in follow_up
    # A REPLY without text asks for it and files nothing.
    assert "REPLY" in phone.one(f"REPLY {codename}")
    assert len(only_disclosure(dbs).messages) == 2


def test_a_code_pasted_into_a_report_part_is_removed(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send(f"my code is {codename} ok")
    texts = read_case(dbs, initialised, only_disclosure(dbs))
    assert codename not in texts[1]
    assert codename.replace(" ", "") not in texts[1]


# --- what is stored ----------------------------------------------------------------------------


def test_the_database_holds_no_phone_number_or_location(
    phone: Phone, sms_app: Flask, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    phone.one("second part")
    phone.one(f"STATUS {codename_in(first)}")  # a thread left open, with state
    stored = dump_database(initialised.config)
    for value in (PHONE, PHONE_DIGITS, PHONE_DIGITS[3:], FROM_CITY, FROM_STATE, FROM_ZIP):
        assert_absent(value.encode(), stored)
    assert_absent(codename_in(first).replace(" ", "").encode(), stored)
    assert_absent(REPORT.encode(), stored)
    redis_client = sms_app.extensions["hotline"].redis
    if redis_client is not None:
        keys = b" ".join(redis_client.keys("*"))
        assert PHONE_DIGITS.encode() not in keys


def test_replies_in_every_language_fit_with_the_longest_values(sms_app: Flask) -> None:
    longest = {
        "code": "8888 8888 8888 8888",
        "reference": "HL-WWWW-WWWW",
        "url": "https://whistleblowing.revenue-authority.example.org/checkin",
        "count": 100_000_000,
        "category": "staff_misconduct",
    }
    with sms_app.test_request_context():
        for language in LANGUAGES:
            with force_locale(language):
                texts = Texts(language)
                checked = 0
                for name, method in inspect.getmembers(texts, inspect.ismethod):
                    # refusal() only chooses among the texts checked here.
                    if name.startswith("_") or name in ("kw", "refusal") or name in STATUS_PIECES:
                        continue
                    parameters = inspect.signature(method).parameters
                    unknown = set(parameters) - set(longest)
                    assert not unknown, f"{name}: add the longest {unknown} to this test"
                    variants = (
                        [{"category": c} for c in MENU.values()]
                        if "category" in parameters
                        else [{}]
                    )
                    for variant in variants:
                        values = {p: longest[p] for p in parameters} | variant
                        text = method(**values)
                        assert text.strip(), name
                        assert gsm.fits(text), (language, name, gsm.length(text))
                        if language == "en":
                            assert gsm.is_gsm7(text), name
                    checked += 1
                assert checked >= 20  # the introspection found the texts
                # STATUS is paged: every page fits, in every language.
                hint = texts.more_hint()
                long_status = "\n".join(
                    [
                        texts.status_line(
                            "HL-WWWW-WWWW", texts.status_name(Status.CLOSED, Outcome.REFERRED)
                        )
                    ]
                    + [texts.reply_heading("HL-WWWW-WWWW"), "ن" * 900, texts.more_unread(99)]
                )
                for page in gsm.paginate(long_status, hint):
                    assert gsm.fits(page)


# --- MMS and Twilio clean-up ------------------------------------------------------------------


class FakeTwilio:
    """Twilio's REST API on 127.0.0.1: serves media, records every request."""

    def __init__(self, media: bytes, *, fail_cleanup: bool = False) -> None:
        self.media = media
        self.fail_cleanup = fail_cleanup
        self.requests: list[tuple[str, str, str | None, bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.requests.append(
                    (self.command, self.path, self.headers.get("Authorization"), body)
                )

            def do_GET(self) -> None:  # http.server's naming
                self._record()
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(fake.media)))
                self.end_headers()
                self.wfile.write(fake.media)

            def do_DELETE(self) -> None:
                self._record()
                self.send_response(500 if fake.fail_cleanup else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                self._record()
                payload = json.dumps({"body": ""}).encode()
                self.send_response(500 if fake.fail_cleanup else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/twilio"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(params=[False, True], ids=["cleanup-ok", "cleanup-fails"])
def twilio(request: pytest.FixtureRequest) -> Iterator[FakeTwilio]:
    fake = FakeTwilio(jpeg_with_gps(), fail_cleanup=request.param)
    yield fake
    fake.close()


@pytest.fixture
def mms_app(initialised: Initialised, twilio: FakeTwilio) -> Iterator[Flask]:
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN,
            public_url=PUBLIC_URL,
            twilio_account_sid=ACCOUNT_SID,
            twilio_api_base=twilio.base,
        )
    )
    yield app
    app.extensions["hotline"].database.dispose()


def test_mms_media_is_fetched_cleaned_filed_and_deleted_at_twilio(
    mms_app: Flask, twilio: FakeTwilio, initialised: Initialised
) -> None:
    phone = Phone(mms_app.test_client())
    media_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'a' * 32}/Media/ME{'b' * 32}"
    media_url = twilio.base + media_path
    evil_url = twilio.base.removesuffix("/twilio") + "/evil/secret"
    params = phone.params(
        "2 Photo of the receipt",
        NumMedia="2",
        MediaUrl0=media_url,
        MediaContentType0="image/jpeg",
        MediaUrl1=evil_url,
        MediaContentType1="image/jpeg",
    )
    response = signed_post(phone.client, params)
    assert response.status_code == 200
    replies = twiml_messages(response.get_data(as_text=True))
    codename_in(replies[0])

    basic = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{TOKEN}".encode()).decode()
    methods = [(method, path) for method, path, _auth, _body in twilio.requests]
    assert ("GET", "/twilio" + media_path) in methods
    assert ("DELETE", "/twilio" + media_path) in methods
    assert not any(path.startswith("/evil") for _m, path in methods)  # never fetched
    redaction = f"/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{params['MessageSid']}.json"
    assert ("POST", redaction) in methods
    for method, path, auth, body in twilio.requests:
        assert auth == basic, (method, path)
        if method == "POST":
            assert body == b"Body="

    with mms_app.extensions["hotline"].database.sessions() as db:
        disclosure = only_disclosure(db)
        keys = queue_keys(db, initialised, disclosure)
        (attachment,) = disclosure.attachments
        stored = read_attachment(db, attachment, keys, content=True)
        assert stored.media_type == "image/jpeg"
        assert b"Reporter Real Name" not in stored.content  # metadata stripped
        assert read_message(db, disclosure.messages[0], keys) == "Photo of the receipt"
    assert_absent(b"Reporter Real Name", dump_database(initialised.config))


def test_media_without_a_category_is_not_kept_and_the_reporter_is_told(
    mms_app: Flask, twilio: FakeTwilio
) -> None:
    phone = Phone(mms_app.test_client())
    media_url = f"{twilio.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'c' * 32}/Media/ME1"
    replies = phone.send("", NumMedia="1", MediaUrl0=media_url, MediaContentType0="image/jpeg")
    assert "1 Tax fraud" in replies[0]
    assert "choose a number first" in replies[1]
    assert ("DELETE", media_url.removeprefix(twilio.base.removesuffix("/twilio"))) in [
        (m, p) for m, p, _a, _b in twilio.requests
    ]
    with mms_app.extensions["hotline"].database.sessions() as db:
        assert count(db, Attachment) == 0


def test_cancel_also_destroys_filed_media(mms_app: Flask, twilio: FakeTwilio) -> None:
    phone = Phone(mms_app.test_client())
    media_url = f"{twilio.base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'d' * 32}/Media/ME2"
    phone.send("1", NumMedia="1", MediaUrl0=media_url, MediaContentType0="image/jpeg")
    with mms_app.extensions["hotline"].database.sessions() as db:
        assert count(db, Attachment) == 1
        phone.one("CANCEL")
        for model in (Disclosure, Message, Attachment, SealedKey, Reporter):
            assert count(db, model) == 0, model


def test_an_unreachable_twilio_api_never_fails_the_webhook(initialised: Initialised) -> None:
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN,
            public_url=PUBLIC_URL,
            twilio_account_sid=ACCOUNT_SID,
            twilio_api_base="http://127.0.0.1:9",  # discard port: nothing listens
        )
    )
    phone = Phone(app.test_client())
    media = "http://127.0.0.1:9/2010-04-01/Accounts/x/Messages/y/Media/z"
    replies = phone.send("2 " + REPORT, NumMedia="1", MediaUrl0=media)
    codename_in(replies[0])
    assert "did not arrive" in replies[-1]
    with app.extensions["hotline"].database.sessions() as db:
        assert count(db, Disclosure) == 1
    app.extensions["hotline"].database.dispose()


# --- rate limit ---------------------------------------------------------------------------------


def test_the_rate_limit_is_per_sender_and_forgeries_do_not_count(twilio_phone: Phone) -> None:
    phone = twilio_phone
    client = phone.client
    for _ in range(25):  # unsigned requests in the reporter's name
        client.post("/sms/twilio", data=phone.params("hi"))
    for _ in range(20):
        phone.one("hi")
    response = signed_post(client, phone.params("hi"))
    assert response.status_code == 429
    assert twiml_messages(response.get_data(as_text=True)) == []
    # Another sender is not affected.
    assert Phone(client, number="+250788000555").one("hi")


# --- replays (issue 16, item 6) ---------------------------------------------------------


def replay(phone: Phone, params: dict[str, str]) -> list[str]:
    """Send a captured, validly signed request again, exactly as it was."""
    response = signed_post(phone.client, params)
    assert response.status_code == 200
    return twiml_messages(response.get_data(as_text=True))


def test_a_replayed_reply_files_nothing_the_second_time(
    twilio_phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    phone = twilio_phone
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send("DONE")
    captured = phone.params(f"REPLY {codename} The lorry came back on Friday")
    assert replay(phone, captured)
    disclosure = only_disclosure(dbs)
    assert len(read_case(dbs, initialised, disclosure)) == 2
    assert replay(phone, captured) == []
    assert replay(phone.other("+250788000777"), captured) == []
    dbs.expire_all()
    assert len(read_case(dbs, initialised, only_disclosure(dbs))) == 2


def test_a_replayed_cancel_deletes_nothing_the_second_time(
    twilio_phone: Phone, dbs: Session
) -> None:
    phone = twilio_phone
    phone.send("2 " + REPORT)
    captured = phone.params("CANCEL")
    assert replay(phone, captured)
    assert count(dbs, Disclosure) == 0
    phone.send("2 " + REPORT)
    assert count(dbs, Disclosure) == 1
    assert replay(phone, captured) == []
    dbs.expire_all()
    assert count(dbs, Disclosure) == 1


def test_the_database_keeps_no_trace_of_message_sids(
    twilio_phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    phone = twilio_phone
    sid = "SM" + "ab12" * 8
    phone.send("2 " + REPORT, MessageSid=sid)
    digest = load_secrets(initialised.config.keys_dir).keyed_hash("sms-message-sid", sid)
    dump = dump_database(initialised.config)
    assert_absent(sid.encode(), dump)
    assert_absent(digest.encode(), dump)


# --- Africa's Talking (issue 18, item 2) -----------------------------------------------


@pytest.mark.parametrize("token", [None, "", "at-wrong", AT_TOKEN + "0", AT_TOKEN.upper()])
def test_an_africastalking_callback_without_the_token_gets_403_and_files_nothing(
    sms_app: Flask, dbs: Session, africastalking: FakeAfricasTalking, token: str | None
) -> None:
    response = sms_app.test_client().post(
        "/sms/africastalking",
        query_string={"token": token} if token is not None else {},
        data={"from": PHONE, "to": "21212", "text": "2 " + REPORT, "id": "ATXid_1"},
    )
    assert response.status_code == 403
    assert count(dbs, Disclosure) == 0
    assert africastalking.sent == []


def test_a_repeated_africastalking_message_id_files_nothing_more(
    sms_app: Flask, dbs: Session, africastalking: FakeAfricasTalking
) -> None:
    data = {"from": PHONE, "to": "21212", "text": "2 " + REPORT, "id": "ATXid_" + "4d" * 16}
    client = sms_app.test_client()
    for _ in range(3):
        response = client.post("/sms/africastalking", query_string={"token": AT_TOKEN}, data=data)
        assert response.status_code == 200
    assert count(dbs, Disclosure) == 1
    assert len(africastalking.sent) == 2  # the filed reply and how to check: once


def test_without_an_africastalking_account_messages_are_filed_unanswered(
    initialised: Initialised, dbs: Session, africastalking: FakeAfricasTalking
) -> None:
    app = create_app(initialised.config.with_changes(africastalking_token=AT_TOKEN))
    try:
        phone = Phone(app.test_client(), africastalking=africastalking)
        assert phone.send("2 " + REPORT) == []
    finally:
        app.extensions["hotline"].database.dispose()
    assert count(dbs, Disclosure) == 1


# --- WhatsApp (issue 18, item 3) -----------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_a_whatsapp_dialogue_files_a_whatsapp_case_and_speaks_of_a_chat(
    twilio_phone: Phone, dbs: Session, initialised: Initialised, language: str
) -> None:
    phone = twilio_phone.other("whatsapp:" + PHONE)
    if language != "en":
        phone.send(language.upper())
    first, _how = phone.send(f"2 {REPORT}")
    sms_texts = Texts(language)
    chat_texts = Texts(language, chat=True)
    with twilio_phone.client.application.test_request_context():
        filed_sms = sms_texts.filed_first(codename_in(first), "HL-XXXX-XXXX")
        filed_chat = chat_texts.filed_first(codename_in(first), "HL-XXXX-XXXX")
        finished_chat = chat_texts.finished()
    assert filed_chat != filed_sms
    disclosure = only_disclosure(dbs)
    assert first == filed_chat.replace("HL-XXXX-XXXX", disclosure.reference)
    assert disclosure.channel == Channel.WHATSAPP
    done, _how = phone.send(keyword("done", language))
    assert done == finished_chat
    dump = dump_database(initialised.config)
    assert_absent(PHONE_DIGITS.encode(), dump)
    assert_absent(b"whatsapp:", dump)


# --- phone-number enumeration (issue 16, item 1) --------------------------------------------


def _thread_dump(sms_app: Flask) -> dict[str, bytes]:
    """Every live thread as an attacker with a Redis dump (or the worker's memory) sees it."""
    instance = sms_app.extensions["hotline"]
    store = thread_store(sms_app)
    keys = store.live_keys(instance.clock.now())
    loaded = {key: store.load(key, instance.clock.now()) for key in keys}
    return {key: sealed for key, sealed in loaded.items() if sealed is not None}


def test_enumerating_phone_numbers_over_the_database_keys_and_redis_finds_no_case(
    phone: Phone, sms_app: Flask, dbs: Session, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    disclosure = only_disclosure(dbs)
    secrets_ = load_secrets(initialised.config.keys_dir)
    candidates = [f"+2507881234{n:02d}" for n in range(100)] + [PHONE]

    # The database holds no thread at all, nor anything naming the number or the code.
    assert "sms_threads" not in dbs.connection().dialect.get_table_names(dbs.connection())
    stored = dump_database(initialised.config)
    for number in candidates:
        assert_absent(secrets_.keyed_hash("sms-thread", number).encode(), stored)
    assert_absent(codename.replace(" ", "").encode(), stored)

    # The live store: the fast keyed hash of the attack matches no key...
    dump = _thread_dump(sms_app)
    assert len(dump) == 1
    fast = {secrets_.keyed_hash("sms-thread", number) for number in candidates}
    assert fast.isdisjoint(dump)
    # ...nor does HKDF-sealing by number open anything, and nothing is in clear.
    for sealed in dump.values():
        for value in (disclosure.id, disclosure.reporter_id, disclosure.reference, codename):
            assert_absent(value.encode(), sealed)
            assert_absent(value.replace(" ", "").encode(), sealed)
    # Paying Argon2id per number finds the thread (that is the server's own path),
    # but never the codename: it was shown once and not kept.
    (key,) = dump
    sender_key, state_key = thread_keys(secrets_, PHONE)
    assert sender_key == key
    state = open_state(dump[key], state_key, key)
    assert state is not None
    assert "codename" not in vars(state)
    assert codename.replace(" ", "") not in repr(vars(state)).replace(" ", "")

    # After DONE not even that: no number maps to a thread or a case.
    phone.send("DONE")
    assert _thread_dump(sms_app) == {}
    for number in candidates:
        sender_key, state_key = thread_keys(secrets_, number)
        assert (
            read_thread(thread_store(sms_app), sender_key, state_key, dt.datetime.now(dt.UTC))
            is None
        )


def test_a_pasted_codename_is_removed_though_the_thread_does_not_hold_it(
    phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.one(f"my code is {codename} and {codename.replace(' ', '-')}")
    phone.one("a code of someone else 1111 2222 3333 4444 stays")
    texts = read_case(dbs, initialised, only_disclosure(dbs))
    assert texts[1] == "my code is [codename removed] and [codename removed]"
    assert texts[2] == "a code of someone else 1111 2222 3333 4444 stays"


def test_a_web_reporters_seven_words_in_an_sms_report_are_never_sealed(
    sms_app: Flask, phone: Phone, dbs: Session, initialised: Initialised
) -> None:
    # A web reporter texts a new report and quotes their codename, or another
    # reporter's 16-digit code: officers reading either could open a check-in.
    web = file_web_report(sms_app.test_client(), "Invoices split at Rusumo", "taxpayer_fraud")
    other_code = codename_in(phone.other("+250788000777").send("2 " + REPORT)[0])
    phone.send(f"1 Same clearing agent again. My web code: {web.codename}")
    phone.one(f"and the other code {other_code} too, invoice 1111 2222 3333 4444 stays")
    mine = dbs.scalars(
        select(Disclosure).where(
            Disclosure.channel == "sms", Disclosure.category == "taxpayer_fraud"
        )
    ).one()
    texts = read_case(dbs, initialised, mine)
    assert texts[0] == "Same clearing agent again. My web code: [codename removed]"
    assert texts[1] == (
        "and the other code [codename removed] too, invoice 1111 2222 3333 4444 stays"
    )
