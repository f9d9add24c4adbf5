"""Property-based tests of the SMS webhook and the e-mail channel.

SMS: signed requests with arbitrary Unicode bodies and every command of every
language, in any order, from a fresh number each time. E-mail: the parser on
arbitrary bytes and on mutated corpus messages, and the channel filing them.
Neither may fail with anything but its documented refusal, store a text or a
sender in the clear, or leave a partial case.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.parse import NotAnEmail, parse
from hotline.intake.sms.commands import KEYWORDS, LANGUAGE_WORDS
from tests.fuzz.invariants import assert_stored_safely, marker
from tests.helpers.email import CORPUS
from tests.helpers.instance import Initialised
from tests.helpers.servers import ONION_HOST

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOKEN = "fuzz-twilio-token"
PUBLIC_URL = "https://hotline.example.org"

COMMANDS = sorted(
    {word for by_language in KEYWORDS.values() for words in by_language.values() for word in words}
    | set(LANGUAGE_WORDS)
)


@pytest.fixture
def sms_app(initialised: Initialised) -> Iterator[Flask]:
    config = initialised.config.with_changes(
        twilio_auth_token=TOKEN, public_url=PUBLIC_URL, onion_url=f"http://{ONION_HOST}"
    )
    app = create_app(config)
    yield app
    app.extensions["hotline"].database.dispose()


# --- SMS --------------------------------------------------------------------------------

#: What a reporter may type: commands in any case, menu choices, category and text,
#: a codename-like number, or anything at all (each text part carries a marker).
bodies = st.one_of(
    st.sampled_from(COMMANDS),
    st.sampled_from(COMMANDS).map(str.lower),
    st.integers(min_value=0, max_value=9).map(str),
    st.tuples(st.integers(0, 9), st.text(max_size=200)).map(lambda p: f"{p[0]} {marker()} {p[1]}"),
    st.text(max_size=200).map(lambda t: f"{marker()} {t}"),
    st.from_regex(r"[0-9٠-٩]{4}[ -]?[0-9٠-٩]{4}[ -]?[0-9٠-٩]{4}[ -]?[0-9٠-٩]{4}", fullmatch=True),
    st.text(max_size=40),
)


@FUZZ
@given(parts=st.lists(bodies, min_size=1, max_size=5))
def test_any_sms_dialogue_gets_a_reply_and_stores_no_plaintext(
    sms_app: Flask, initialised: Initialised, parts: list[str]
) -> None:
    client = sms_app.test_client()
    number = f"+2507{secrets.randbelow(10**8):08d}"
    validator = RequestValidator(TOKEN)
    for body in parts:
        params = {
            "AccountSid": "AC" + "1" * 32,
            "MessageSid": "SM" + secrets.token_hex(16),
            "From": number,
            "FromCity": "NYAMIRAMBO-FUZZ-CITY",
            "To": "+250700000111",
            "Body": body,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(PUBLIC_URL + "/sms/twilio", params)
        response = client.post(
            "/sms/twilio", data=params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200, (body, response.status_code)
        assert response.mimetype == "text/xml"
    sent = [m for p in parts for m in re.findall(r"HLFZ[0-9a-f]{16}", p)]
    assert_stored_safely(
        sms_app, initialised.config, *sent, number, number[1:], "NYAMIRAMBO-FUZZ-CITY"
    )


# --- e-mail -------------------------------------------------------------------------------


def _corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A corpus message with a few random edits: flips, cuts, insertions, repeats."""
    data = bytearray(draw(st.sampled_from(_corpus())))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data.extend(draw(st.binary(min_size=1, max_size=20)))
            continue
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 4))
        else:
            del data[at:]
    return bytes(data)


@settings(max_examples=50, deadline=None)
@given(raw=st.one_of(st.binary(max_size=2000), mutated()))
def test_the_parser_only_ever_refuses_with_not_an_email(raw: bytes) -> None:
    try:
        parsed = parse(raw)
    except NotAnEmail:
        return
    assert isinstance(parsed.text, str)
    assert parsed.category
    # The codename it found is never left in the text it keeps.
    if parsed.codename:
        assert parsed.codename not in parsed.text.replace(" ", "")


def _with_marker(raw: bytes, secret: str) -> bytes:
    """Put the marker at the start of the body (after the first blank line)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return head + found + secret.encode() + b" " + body
    return raw + b"\n\n" + secret.encode()


@FUZZ
@given(raw=mutated())
def test_the_email_channel_files_mutated_mail_whole_or_not_at_all(
    sms_app: Flask, initialised: Initialised, raw: bytes
) -> None:
    instance = sms_app.extensions["hotline"]
    channel = EmailChannel(
        database=instance.database,
        policy=instance.policy,
        kdf=instance.kdf,
        limits=instance.limits,
        secrets=instance.secrets,
        acknowledge=False,
    )
    secret = marker()
    message = _with_marker(raw, secret)
    try:
        parsed = parse(message)
    except NotAnEmail:
        with pytest.raises(NotAnEmail):
            channel.file(message)
        return
    result = channel.file(message)
    assert result.outcome
    sender = parsed.sender or ""
    assert_stored_safely(sms_app, initialised.config, secret, sender)
