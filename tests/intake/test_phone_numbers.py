"""No channel keeps a phone number: not the database, not Redis, not a log line.

One instance takes a report on every phone channel (SMS through Twilio and
through Africa's Talking, WhatsApp, USSD, a voice call, and a follow-up on
each); then everything it could have kept is searched for the numbers, in every
form a number is written. On PostgreSQL the instance uses Redis (rate limits,
replay records, the voice call's memory), and every Redis key of the test's
prefix is read back, names and values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from hotline import create_app
from tests.helpers.instance import Initialised
from tests.helpers.stored import assert_absent, dump_database
from tests.intake.test_sms import (
    ACCOUNT_SID,
    AT_API_KEY,
    AT_TOKEN,
    PUBLIC_URL,
    REPORT,
    TOKEN,
    FakeAfricasTalking,
    FakeTwilio,
    Phone,
    codename_in,
)
from tests.intake.test_ussd import TOKEN as USSD_TOKEN
from tests.intake.test_ussd import Handset
from tests.intake.test_voice import Call, report_by_voice, spoken_code, voiced_recording

NUMBERS = {
    "sms": "+250788100201",
    "africastalking": "+250788100202",
    "whatsapp": "+250788100203",
    "ussd": "+250788100204",
    "voice": "+250788100205",
}


def written_forms(number: str) -> list[bytes]:
    """A number as a log, a form field or a URL might write it."""
    digits = number.lstrip("+")
    return [f.encode() for f in (number, digits, digits[3:], "0" + digits[3:], "%2B" + digits)]


@pytest.fixture
def every_channel(initialised: Initialised) -> Iterator[tuple[Flask, FakeAfricasTalking]]:
    twilio = FakeTwilio(voiced_recording(1.0))
    africastalking = FakeAfricasTalking()
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN,
            twilio_account_sid=ACCOUNT_SID,
            twilio_api_base=twilio.base,
            public_url=PUBLIC_URL,
            africastalking_token=AT_TOKEN,
            africastalking_username="hotline",
            africastalking_api_key=AT_API_KEY,
            africastalking_api_base=africastalking.base,
        )
    )
    try:
        yield app, africastalking
    finally:
        app.extensions["hotline"].database.dispose()
        twilio.close()
        africastalking.close()


def test_no_phone_number_is_kept_by_any_channel(
    every_channel: tuple[Flask, FakeAfricasTalking],
    initialised: Initialised,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, africastalking = every_channel
    caplog.set_level(logging.DEBUG)
    client = app.test_client()

    for phone in (
        Phone(client, NUMBERS["sms"]),
        Phone(client, NUMBERS["africastalking"], africastalking=africastalking),
        Phone(client, "whatsapp:" + NUMBERS["whatsapp"]),
    ):
        code = codename_in(phone.send("2 " + REPORT)[0])
        phone.send("DONE")
        phone.send(f"STATUS {code}")
        phone.send(f"REPLY {code} The lorry came back on Friday")

    # USSD's token is the app's Africa's Talking token here.
    assert USSD_TOKEN != AT_TOKEN
    handset = Handset(client, NUMBERS["ussd"])
    for answer in ("", "1", "1", "2", REPORT, "0"):
        if answer:
            handset.answers.append(answer)
        status, _body = handset.post(token=AT_TOKEN)
        assert status == 200

    call = Call(client, NUMBERS["voice"])
    code = spoken_code(report_by_voice(call)[0])
    follow_up = Call(client, NUMBERS["voice"])
    menu = follow_up.step("/voice/twilio/language", Digits="1")
    assert menu.find(".//Gather") is not None
    follow_up.step("/voice/twilio/code?lang=en", Digits=code)

    kept = [dump_database(initialised.config), caplog.text.encode()]
    config = initialised.config
    if config.redis_url:
        store = redis.Redis.from_url(config.redis_url)
        keys = list(store.scan_iter(match=f"*{config.redis_prefix}*", count=1000))
        assert keys, "the PostgreSQL instance keeps its limits and replays in Redis"
        for key in keys:
            kept.append(key)
            kind = store.type(key)  # type: ignore[no-untyped-call]
            if kind == b"string":
                kept.append(store.get(key) or b"")
            elif kind == b"hash":
                kept.extend(b"".join(pair) for pair in store.hgetall(key).items())
            elif kind == b"zset":
                kept.extend(member for member, _score in store.zrange(key, 0, -1, withscores=True))
            elif kind == b"list":
                kept.extend(store.lrange(key, 0, -1))
        store.close()
    everything = b"\n".join(kept)
    for number in NUMBERS.values():
        for form in written_forms(number):
            assert_absent(form, everything)
