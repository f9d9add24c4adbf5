"""Issue 16, item 9: control characters and huge numbers in every reporter form,
at officer sign-in and in the queue's page number. Never a 500, on either backend."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from hotline import create_app
from tests.fuzz.invariants import CLEAR_ANSWERS
from tests.helpers.desk import officer_client
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import hidden, open_form

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Text that always holds at least one control character, NUL included.
controls = st.sampled_from([chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, 0x1B, 0x7F, 0x85]])
hostile = st.tuples(st.text(max_size=40), controls, st.text(max_size=40)).map("".join)
huge = st.integers(min_value=10**9, max_value=10**40).map(str) | st.sampled_from(
    ["1e20", "-1", "NaN", "9" * 400]
)
fields = hostile | huge
_officers = itertools.count()


@FUZZ
@given(body=fields, category=fields, codename=fields, disclosure=fields)
def test_reporter_forms_answer_control_characters_and_huge_numbers(
    onion_app: Flask, body: str, category: str, codename: str, disclosure: str
) -> None:
    client = onion_app.test_client()
    report = client.post("/report", data={**open_form(client), "category": category, "body": body})
    assert report.status_code in CLEAR_ANSWERS, report.status_code
    token = hidden(client.get("/checkin").get_data(as_text=True), "csrf_token")
    checkin = client.post("/checkin", data={"csrf_token": token, "codename": codename})
    assert checkin.status_code in CLEAR_ANSWERS, checkin.status_code
    followup = client.post(
        "/checkin/followup",
        data={"csrf_token": token, "disclosure": disclosure, "body": body},
    )
    assert followup.status_code in CLEAR_ANSWERS, followup.status_code


@FUZZ
@given(username=fields, password=fields, code=fields)
def test_officer_sign_in_answers_control_characters_and_huge_numbers(
    onion_app: Flask, username: str, password: str, code: str
) -> None:
    client = onion_app.test_client()
    token = hidden(client.get("/officer/login").get_data(as_text=True), "csrf_token")
    response = client.post(
        "/officer/login",
        data={"csrf_token": token, "username": username, "password": password, "code": code},
    )
    assert response.status_code in CLEAR_ANSWERS, response.status_code


@FUZZ
@given(page=huge | hostile)
def test_the_queue_answers_any_page_number(
    onion_app: Flask, make_officer: object, page: str
) -> None:
    name = f"fuzzer{next(_officers)}"
    login: OfficerLogin = make_officer(name, ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(onion_app, login)
    response = desk.get("/officer/", query_string={"page": page})
    assert response.status_code == 200, response.status_code


# --- the SMS webhooks (Twilio, Africa's Talking) --------------------------------------------

SMS_TOKEN = "fuzz-twilio-token"
AT_TOKEN = "fuzz-" + "at" * 16
SMS_URL = "https://hotline.example.org"


@pytest.fixture
def sms_webhooks(initialised: Initialised) -> Iterator[Flask]:
    config = initialised.config.with_changes(
        twilio_auth_token=SMS_TOKEN, public_url=SMS_URL, africastalking_token=AT_TOKEN
    )
    app = create_app(config)
    yield app
    app.extensions["hotline"].database.dispose()


@FUZZ
@given(body=fields, sender=fields | st.just(""), media=huge | hostile)
def test_the_sms_webhooks_answer_control_characters_and_huge_numbers(
    sms_webhooks: Flask, body: str, sender: str, media: str
) -> None:
    client = sms_webhooks.test_client()
    params = {
        "AccountSid": "AC" + "1" * 32,
        "MessageSid": "SM" + secrets.token_hex(16),
        "From": sender,
        "To": "+250700000111",
        "Body": body,
        "NumMedia": media,
    }
    signature = RequestValidator(SMS_TOKEN).compute_signature(SMS_URL + "/sms/twilio", params)
    twilio = client.post("/sms/twilio", data=params, headers={"X-Twilio-Signature": signature})
    # 400: a control character refused with a clear message; 429: the sender's limit.
    assert twilio.status_code in (200, 400, 429), (params, twilio.status_code)
    africastalking = client.post(
        "/sms/africastalking",
        query_string={"token": AT_TOKEN},
        data={"from": sender, "to": "21212", "text": body, "id": media, "date": media},
    )
    assert africastalking.status_code in (200, 400, 429), africastalking.status_code
    # A well-formed sender with a hostile body gets the dialogue or the refusal, never a 500.
    number = f"+2507{secrets.randbelow(10**8):08d}"
    signature = RequestValidator(SMS_TOKEN).compute_signature(
        SMS_URL + "/sms/twilio", {**params, "From": number}
    )
    answer = client.post(
        "/sms/twilio", data={**params, "From": number}, headers={"X-Twilio-Signature": signature}
    )
    assert answer.status_code in (200, 400), (params, answer.status_code)
    if answer.status_code == 400:
        assert any(c in body for c in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x1b\x7f\x85")
