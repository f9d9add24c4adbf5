"""The voice line: Twilio Voice driven as Twilio drives it, step by signed step.

A whole call must file a voice disclosure whose recording opens for the routed
queues only and is not the caller's voice (the disguise moves the formants and
keeps the length), read the code out twice, delete the recording at Twilio, and
keep the caller's number nowhere.
"""

from __future__ import annotations

import io
import secrets
import urllib.parse
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from scipy.signal import lfilter
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from hotline import create_app
from hotline.intake.voice.disguise import lpc, pole_angles, read_wav, write_wav
from hotline.models import Disclosure
from hotline.procedure import AuthorKind, Category, Channel
from hotline.sealing.items import read_attachment, read_message
from tests.helpers.desk import queue_keys, reporter_keys
from tests.helpers.instance import Initialised
from tests.helpers.stored import assert_absent, dump_database
from tests.helpers.writers import officer_writes
from tests.intake.test_sms import ACCOUNT_SID, PUBLIC_URL, TOKEN, FakeTwilio

CALLER = "+250788777666"
RATE = 8000
FORMANTS = (700, 1200, 2600)


def voiced_recording(seconds: float = 3.0) -> bytes:
    """A vowel-like recording: a 125 Hz pulse train through three formants."""
    source = np.zeros(int(RATE * seconds))
    source[:: RATE // 125] = 1.0
    poles = []
    for frequency, bandwidth in zip(FORMANTS, (80, 90, 120), strict=True):
        radius = np.exp(-np.pi * bandwidth / RATE)
        angle = 2 * np.pi * frequency / RATE
        poles += [radius * np.exp(1j * angle), radius * np.exp(-1j * angle)]
    signal = lfilter([1.0], np.real(np.poly(poles)), source)
    return write_wav(signal / np.max(np.abs(signal)) * 0.5, RATE)


def formants(wav: bytes) -> np.ndarray:
    samples, rate = read_wav(wav)
    frame = samples[rate : rate + 160] * np.hanning(160)
    return pole_angles(lpc(frame, 6)) * rate / (2 * np.pi)


@dataclass
class Call:
    """One call: every step is a fresh request signed as Twilio signs it."""

    client: FlaskClient
    number: str = CALLER
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))

    def post(self, path: str, token: str = TOKEN, **form: str) -> tuple[int, str]:
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.call_sid,
            "From": self.number,
            "To": "+250700000222",
            "CallStatus": "in-progress",
            **form,
        }
        signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, params)
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        body = response.get_data(as_text=True)
        response.close()  # as the WSGI server does once the answer is sent
        return response.status_code, body

    def step(self, path: str, **form: str) -> ElementTree.Element:
        status, body = self.post(path, **form)
        assert status == 200, body
        return ElementTree.fromstring(body)  # noqa: S314 - our own TwiML


def action(twiml: ElementTree.Element, verb: str = "Gather") -> str:
    element = twiml.find(f".//{verb}")
    assert element is not None, ElementTree.tostring(twiml)
    return element.attrib["action"]


def said(twiml: ElementTree.Element) -> list[str]:
    return [say.text or "" for say in twiml.iter("Say")]


def spoken_code(twiml: ElementTree.Element) -> str:
    digits = "".join(t for t in said(twiml) if len(t) == 1 and t.isdigit())
    assert len(digits) == 32, digits
    assert digits[:16] == digits[16:], "the code is read out twice"
    return digits[:16]


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(voiced_recording())
    yield fake
    fake.close()


@pytest.fixture
def voice_app(initialised: Initialised, twilio: FakeTwilio) -> Iterator[Flask]:
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN,
            twilio_account_sid=ACCOUNT_SID,
            twilio_api_base=twilio.base,
            public_url=PUBLIC_URL,
        )
    )
    yield app
    app.extensions["hotline"].database.dispose()


@pytest.fixture
def call(voice_app: Flask) -> Call:
    return Call(voice_app.test_client())


@pytest.fixture
def dbs(voice_app: Flask) -> Iterator[Session]:
    with voice_app.extensions["hotline"].database.sessions() as session:
        yield session


def report_by_voice(call: Call, category: str = "2") -> tuple[ElementTree.Element, str]:
    """A whole reporting call; the last TwiML and the RecordingSid."""
    start = call.step("/voice/twilio")
    menu = call.step(action(start), Digits="1")
    categories = call.step(action(menu), Digits="1")
    record = call.step(action(categories), Digits=category)
    recording_sid = "RE" + secrets.token_hex(16)
    recorded = call.step(
        action(record, "Record"),
        RecordingSid=recording_sid,
        RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}",
        RecordingDuration="3",
    )
    return call.step(action(recorded), Digits="2"), recording_sid


def test_a_whole_call_files_a_disguised_voice_report_and_reads_the_code_twice(
    call: Call, dbs: Session, initialised: Initialised, twilio: FakeTwilio, voice_app: Flask
) -> None:
    last, recording_sid = report_by_voice(call)
    code = spoken_code(last)
    assert any(
        "disguised" in t for t in said(call.step("/voice/twilio/category?lang=en", Digits="1"))
    )

    disclosure = dbs.scalars(select(Disclosure)).one()
    assert disclosure.channel == Channel.VOICE
    assert disclosure.category == Category.STAFF_MISCONDUCT
    [attachment] = disclosure.attachments
    keys = queue_keys(initialised, dbs, *disclosure.queue_slugs)
    audio = read_attachment(dbs, attachment, keys, content=True).content
    original = voiced_recording()
    assert audio != original
    # The disguise is measurable: the formants moved, the length kept within 5%.
    before, after = formants(original), formants(audio)
    # (φ**α keeps φ = 1 rad, about 1,270 Hz, in place: the outer formants move.)
    assert abs(after[0] - before[0]) > 30, (before, after)
    assert before[2] - after[2] > 100, (before, after)
    duration = len(read_wav(audio)[0]) / len(read_wav(original)[0])
    assert 0.95 <= duration <= 1.05
    # No tags: a WAV of nothing but its format and its samples.
    with wave.open(io.BytesIO(audio)) as parsed:
        assert parsed.getnframes() * 2 + 44 == len(audio)
    # The reporter's code opens it too; the recording is gone at Twilio.
    assert (
        read_attachment(dbs, attachment, reporter_keys(voice_app, code), content=True).content
        == audio
    )
    deleted = [path for method, path, _auth, _body in twilio.requests if method == "DELETE"]
    assert deleted == [f"/twilio/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}.json"]


def test_press_1_hears_the_code_again_and_nothing_else_can(call: Call) -> None:
    last, _sid = report_by_voice(call)
    code = spoken_code(last)
    again = call.step(action(last), Digits="1")
    assert spoken_code(again) == code
    stranger = Call(call.client)
    goodbye = stranger.step(action(last), Digits="1")
    assert "".join(t for t in said(goodbye) if t.isdigit()) == ""


def test_a_follow_up_call_hears_the_officer_reply_and_records_an_answer(
    call: Call, dbs: Session, initialised: Initialised, twilio: FakeTwilio
) -> None:
    code = spoken_code(report_by_voice(call)[0])
    disclosure = dbs.scalars(select(Disclosure)).one()
    officer_writes(dbs, disclosure, author_kind=AuthorKind.NOTE, text="internal: do not read")
    officer_writes(dbs, disclosure, author_kind=AuthorKind.OFFICER, text="Which border post?")
    dbs.commit()

    second = Call(call.client)
    start = second.step("/voice/twilio")
    menu = second.step(action(start), Digits="1")  # English
    ask = second.step(action(menu), Digits="2")  # follow up
    status = second.step(action(ask), Digits=code)
    words = said(status)
    assert "Which border post?" in words
    assert not any("internal" in w for w in words)
    record = second.step(action(status), Digits="1")
    answer_sid = "RE" + secrets.token_hex(16)
    done = second.step(action(record, "Record"), RecordingSid=answer_sid)
    assert any("added" in w for w in said(done))

    dbs.expire_all()
    keys = queue_keys(initialised, dbs, *disclosure.queue_slugs)
    texts = [read_message(dbs, m, keys) for m in disclosure.messages]
    assert any(t.startswith("Voice answer") for t in texts)
    assert len(disclosure.attachments) == 2


def test_unsigned_or_forged_steps_get_403_and_file_nothing(call: Call, dbs: Session) -> None:
    paths = ("/voice/twilio", "/voice/twilio/more?lang=en&cat=1&recs=RE" + "0" * 32)
    for path in paths:
        assert call.post(path, token="not-the-token", Digits="2")[0] == 403
        unsigned = call.client.post(path, data={"Digits": "2", "CallSid": call.call_sid})
        assert unsigned.status_code == 403
    assert dbs.scalars(select(Disclosure)).all() == []


def test_a_wrong_code_hears_only_that_it_is_unknown(call: Call) -> None:
    report_by_voice(call)
    second = Call(call.client)
    menu = second.step(action(second.step("/voice/twilio")), Digits="1")
    ask = second.step(action(menu), Digits="2")
    answer = second.step(action(ask), Digits="1234567890123456")
    assert said(answer)
    assert "not known" in said(answer)[0]
    assert answer.find(".//Hangup") is not None


def test_the_caller_number_is_kept_nowhere(
    call: Call, initialised: Initialised, twilio: FakeTwilio
) -> None:
    report_by_voice(call)
    dump = dump_database(initialised.config)
    for form in (CALLER, CALLER.lstrip("+"), "788777666"):
        assert_absent(form.encode(), dump)
    for _method, path, _auth, body in twilio.requests:
        assert CALLER.encode() not in body
        assert urllib.parse.quote(CALLER) not in path


def test_a_caller_who_chooses_french_hears_french(call: Call, voice_app: Flask) -> None:
    start = call.step("/voice/twilio")
    offers = start.findall(".//Gather/Say")
    assert [say.attrib["language"] for say in offers][:2] == ["en-GB", "fr-FR"]
    menu = call.step(action(start), Digits="2")
    [say] = menu.findall(".//Gather/Say")
    assert say.attrib["language"] == "fr-FR"
    assert "appuyez sur 1" in (say.text or "")


def test_a_recorded_prompt_replaces_the_synthesised_one(
    initialised: Initialised, twilio: FakeTwilio, tmp_path: Path
) -> None:
    (tmp_path / "rw").mkdir()
    (tmp_path / "rw" / "menu.mp3").write_bytes(b"ID3 recorded by the operator")
    app = create_app(
        initialised.config.with_changes(
            twilio_auth_token=TOKEN, public_url=PUBLIC_URL, voice_prompts_dir=tmp_path
        )
    )
    try:
        call = Call(app.test_client())
        menu = call.step(action(call.step("/voice/twilio")), Digits="3")  # Kinyarwanda
        [play] = menu.findall(".//Gather/Play")
        assert play.text == f"{PUBLIC_URL}/voice/prompts/rw/menu.mp3"
        with app.test_client().get("/voice/prompts/rw/menu.mp3") as served:
            assert served.data == b"ID3 recorded by the operator"
        assert app.test_client().get("/voice/prompts/rw/..%2Fsecret.mp3").status_code == 404
        assert app.test_client().get("/voice/prompts/rw/goodbye.mp3").status_code == 404
    finally:
        app.extensions["hotline"].database.dispose()
