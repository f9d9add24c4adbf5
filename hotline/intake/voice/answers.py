"""The TwiML a voice call hears, built from the step's request: menus, the
recording prompt, the code read out, goodbye. The steps are in ``twilio.py``."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from flask import Response, current_app, request
from twilio.twiml.voice_response import Gather, Hangup, Record, Redirect, VoiceResponse

from hotline.crypto.codename_text import ascii_digits
from hotline.instance import current
from hotline.intake.voice.calls import call_memory
from hotline.intake.voice.prompts import Speaker
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES

BASE = "/voice/twilio"
#: Five minutes a recording.
RECORDING_SECONDS = 300
RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")


def caller_language() -> str:
    language = request.args.get("lang", "")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def speaker_for(language: str) -> Speaker:
    config = current().config
    return Speaker(language, config.voice_prompts_dir, config.public_url + "/voice/prompts")


def step_url(step: str, **params: str) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    return f"{BASE}/{step}" + (f"?{query}" if query else "")


def twiml_response(response: VoiceResponse) -> Response:
    return Response(str(response), content_type="text/xml; charset=utf-8")


def keyed_digits() -> str:
    return ascii_digits(request.form.get("Digits", ""))


def recording_sids() -> list[str]:
    return [sid for sid in request.args.get("recs", "").split(",") if RECORDING_SID.match(sid)]


def gather_keys(action: str, digits: int = 1, *, finish_on_key: str | None = None) -> Gather:
    if finish_on_key:
        return Gather(num_digits=digits, action=action, timeout=15, finish_on_key=finish_on_key)
    return Gather(num_digits=digits, action=action, timeout=8)


def menu(language: str, notice: bool = False) -> VoiceResponse:
    speaker = speaker_for(language)
    response = VoiceResponse()
    if notice:
        speaker.prompt(response, "not-a-choice")
    gather = gather_keys(step_url("menu", lang=language))
    speaker.prompt(gather, "menu")
    response.append(gather)
    response.append(Redirect(step_url("language", lang=language)))
    return response


def record(language: str, category: str, recordings: Sequence[str]) -> VoiceResponse:
    response = VoiceResponse()
    if not recordings:
        speaker_for(language).prompt(response, "before-recording")
    response.append(
        Record(
            action=step_url("recorded", lang=language, cat=category, recs=",".join(recordings)),
            max_length=RECORDING_SECONDS,
            finish_on_key="#",
            play_beep=True,
            trim="trim-silence",
        )
    )
    return response


def read_code(response: VoiceResponse, language: str, codename: str) -> None:
    speaker = speaker_for(language)
    speaker.prompt(response, "your-code")
    speaker.digits(response, codename)
    speaker.prompt(response, "your-code")
    speaker.digits(response, codename)
    gather = gather_keys(step_url("repeat", lang=language))
    speaker.prompt(gather, "hear-again")
    response.append(gather)
    speaker.prompt(response, "goodbye")
    response.append(Hangup())


def goodbye(language: str) -> VoiceResponse:
    response = VoiceResponse()
    speaker_for(language).prompt(response, "goodbye")
    response.append(Hangup())
    call_memory(current_app).forget(current().secrets, request.form.get("CallSid", ""))
    return response
