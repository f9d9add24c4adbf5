"""The voice line: ``POST /voice/twilio`` and the steps of a call, answered in TwiML.

Every request must carry Twilio's signature over the public URL, query
included (403 otherwise, nothing changes). A call: choose a language, then
report (a category, a recording of up to five minutes, more recordings if the
caller wants) or follow up (the 16-digit code: the status and the newest
officer reply are read out, and an answer can be recorded). A report is filed
when the caller sends it, and the code is read out twice, digit by digit.

What is kept between steps travels in the URLs Twilio calls back (language,
category, RecordingSids: Twilio knows them anyway) or, for the code only, in
the sealed :mod:`.calls` memory. The caller's number is read only for the rate
limit (a keyed hash). Recordings are fetched *after* the response is sent,
disguised (:mod:`.disguise`), filed as attachments through the intake service
and deleted at Twilio: the original voice never reaches the database or disk.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory
from flask_babel import force_locale
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Hangup, Record, Redirect, VoiceResponse
from werkzeug.exceptions import TooManyRequests

from hotline.extensions import csrf, limiter
from hotline.instance import current, db_session
from hotline.intake.checkin import UnknownCodename, authenticate, unread_replies
from hotline.intake.operations import newest_case
from hotline.intake.service import Draft, DraftRejected, submit
from hotline.intake.voice.answers import (
    BASE,
    RECORDING_SECONDS,
    RECORDING_SID,
    caller_language,
    gather_keys,
    goodbye,
    keyed_digits,
    menu,
    read_code,
    record,
    recording_sids,
    speaker_for,
    step_url,
    twiml_response,
)
from hotline.intake.voice.calls import call_memory
from hotline.intake.voice.prompts import PROMPTS, recorded
from hotline.intake.voice.recordings import after_response, filer, later
from hotline.models import Disclosure
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category, Channel, Status
from hotline.rate_limits import bucket
from hotline.sealing import decisions
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient

blueprint = Blueprint("voice", __name__)

#: At most this many recordings a report.
MAX_RECORDINGS = 5
CATEGORIES = {
    "1": Category.TAXPAYER_FRAUD,
    "2": Category.STAFF_MISCONDUCT,
    "3": Category.RETALIATION,
    "4": Category.OTHER,
}
#: What officers read beside a voice report's recordings (the words are the caller's).
VOICE_REPORT = "Voice report: the caller's recording, disguised, is attached."
VOICE_ANSWER = "Voice answer: the caller's recording, disguised, is attached."


# --- who may call ----------------------------------------------------------------------


def _signed() -> bool:
    """Twilio's signature over the public URL of this step, query included."""
    if "voice_signed" not in g:
        config = current().config
        token = config.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        query = request.query_string.decode()
        url = config.public_url.rstrip("/") + request.path + (f"?{query}" if query else "")
        g.voice_signed = bool(token and signature) and bool(
            RequestValidator(token).validate(url, request.form, signature)
        )
    return bool(g.voice_signed)


def _unsigned() -> bool:
    return not _signed()


def _rate_key() -> str:
    return bucket(current().secrets, "voice-rate", request.form.get("From", ""))


# --- the steps of a call ---------------------------------------------------------------------


@blueprint.post(BASE)
@limiter.limit("30/minute", key_func=_rate_key, exempt_when=_unsigned)
def call_start() -> Response:
    if not _signed():
        return Response("", status=403, content_type="text/plain")
    response = VoiceResponse()
    gather = gather_keys(step_url("language"))
    speaker_for(DEFAULT_LANGUAGE).language_menu(gather)
    response.append(gather)
    response.append(Redirect(BASE))
    return twiml_response(response)


def _step(name: str) -> Callable[[Callable[[], Response]], Callable[[], Response]]:
    """A signed, rate-limited step of the call at ``/voice/twilio/<name>``."""

    def register(view: Callable[[], Response]) -> Callable[[], Response]:
        def signed_view() -> Response:
            if not _signed():
                return Response("", status=403, content_type="text/plain")
            return view()

        signed_view.__name__ = view.__name__
        limited = limiter.limit("30/minute", key_func=_rate_key, exempt_when=_unsigned)
        return blueprint.post(f"{BASE}/{name}")(limited(signed_view))

    return register


@_step("language")
def choose_language() -> Response:
    digits = keyed_digits()
    if not digits:
        return twiml_response(menu(caller_language()))
    index = int(digits[0]) - 1
    if not 0 <= index < len(LANGUAGES):
        response = VoiceResponse()
        speaker_for(DEFAULT_LANGUAGE).prompt(response, "not-a-choice")
        response.append(Redirect(BASE))
        return twiml_response(response)
    return twiml_response(menu(LANGUAGES[index]))


@_step("menu")
def main_menu() -> Response:
    language, digits = caller_language(), keyed_digits()
    speaker = speaker_for(language)
    response = VoiceResponse()
    if digits == "1":
        gather = gather_keys(step_url("category", lang=language))
        speaker.prompt(gather, "categories")
        response.append(gather)
        response.append(Redirect(step_url("menu", lang=language)))
        return twiml_response(response)
    if digits == "2":
        gather = gather_keys(step_url("code", lang=language), 16, finish_on_key="#")
        speaker.prompt(gather, "ask-code")
        response.append(gather)
        response.append(Redirect(step_url("language", lang=language)))
        return twiml_response(response)
    return twiml_response(menu(language, notice=bool(digits)))


@_step("category")
def choose_category() -> Response:
    language, digits = caller_language(), keyed_digits()
    if digits not in CATEGORIES:
        response = VoiceResponse()
        speaker_for(language).prompt(response, "not-a-choice")
        response.append(Redirect(step_url("menu", lang=language)))
        return twiml_response(response)
    return twiml_response(record(language, digits, []))


@_step("recorded")
def recorded_part() -> Response:
    language, category = caller_language(), request.args.get("cat", "")
    recordings = recording_sids()
    sid = request.form.get("RecordingSid", "")
    if RECORDING_SID.match(sid) and sid not in recordings:
        recordings.append(sid)
    if len(recordings) >= MAX_RECORDINGS:
        return _send(language, category, recordings)
    response = VoiceResponse()
    gather = gather_keys(step_url("more", lang=language, cat=category, recs=",".join(recordings)))
    speaker_for(language).prompt(gather, "record-more")
    response.append(gather)
    # No key pressed: send what was recorded rather than lose it.
    response.append(
        Redirect(step_url("more", lang=language, cat=category, recs=",".join(recordings), send="1"))
    )
    return twiml_response(response)


@_step("more")
def record_more() -> Response:
    language, category = caller_language(), request.args.get("cat", "")
    recordings = recording_sids()
    if keyed_digits() == "1" and not request.args.get("send"):
        return twiml_response(record(language, category, recordings))
    return _send(language, category, recordings)


def _send(language: str, category: str, recordings: list[str]) -> Response:
    instance = current()
    speaker = speaker_for(language)
    if category not in CATEGORIES or not recordings:
        return twiml_response(goodbye(language))
    session = db_session()
    try:
        receipt = submit(
            session,
            Draft(
                category=CATEGORIES[category],
                text=VOICE_REPORT,
                channel=Channel.VOICE,
                codename_kind="digits",
                language=language,
            ),
            policy=instance.policy,
            kdf=instance.kdf,
            limits=instance.limits,
        )
        session.commit()
    except DraftRejected:
        session.rollback()
        response = VoiceResponse()
        speaker.prompt(response, "not-filed")
        response.append(Hangup())
        return twiml_response(response)
    codename = receipt.codename or ""
    call_memory(current_app).keep(instance.secrets, request.form.get("CallSid", ""), codename)
    response = VoiceResponse()
    speaker.prompt(response, "filed")
    read_code(response, language, codename)
    file = filer(receipt.reporter_id, receipt.disclosure_id, "")
    return later(twiml_response(response), after_response(recordings, file))


@_step("repeat")
def repeat_code() -> Response:
    language = caller_language()
    codename = call_memory(current_app).recall(current().secrets, request.form.get("CallSid", ""))
    if keyed_digits() != "1" or codename is None:
        return twiml_response(goodbye(language))
    response = VoiceResponse()
    read_code(response, language, codename)
    return twiml_response(response)


@_step("code")
def follow_up() -> Response:
    language, digits = caller_language(), keyed_digits()
    speaker = speaker_for(language)
    session = db_session()
    try:
        keys = authenticate(session, current().kdf, digits)
    except UnknownCodename:
        response = VoiceResponse()
        speaker.prompt(response, "unknown-code")
        response.append(Hangup())
        return twiml_response(response)
    response = VoiceResponse()
    cases = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference)
        .limit(3)
    )
    for disclosure in cases:
        shown = decisions.for_reporter(session, disclosure)
        speaker.words(response, _status_words(language, shown.status))
    verified = unread_replies(session, keys.reporter_id)
    newest = verified[0] if verified else None
    if newest is None:
        speaker.prompt(response, "no-reply")
    else:
        private = {reporter_recipient(keys.reporter_id): keys.private_key}
        speaker.words(response, read_message(session, newest, private))
        newest.reporter_read = True
    session.commit()
    call_memory(current_app).keep(current().secrets, request.form.get("CallSid", ""), digits)
    gather = gather_keys(step_url("answer", lang=language))
    speaker.prompt(gather, "answer")
    response.append(gather)
    speaker.prompt(response, "goodbye")
    response.append(Hangup())
    return twiml_response(response)


def _status_words(language: str, status: Status) -> str:
    with force_locale(language):
        return str(status.label)


@_step("answer")
def answer_menu() -> Response:
    language = caller_language()
    if keyed_digits() != "1":
        return twiml_response(goodbye(language))
    response = VoiceResponse()
    response.append(
        Record(
            action=step_url("answered", lang=language),
            max_length=RECORDING_SECONDS,
            finish_on_key="#",
            play_beep=True,
            trim="trim-silence",
        )
    )
    return twiml_response(response)


@_step("answered")
def answer_recorded() -> Response:
    language = caller_language()
    instance = current()
    sid = request.form.get("RecordingSid", "")
    codename = call_memory(current_app).recall(instance.secrets, request.form.get("CallSid", ""))
    if codename is None or not RECORDING_SID.match(sid):
        return twiml_response(goodbye(language))
    session = db_session()
    try:
        keys = authenticate(session, instance.kdf, codename)
    except UnknownCodename:
        return twiml_response(goodbye(language))
    case = newest_case(session, keys.reporter_id)
    if case is None:
        return twiml_response(goodbye(language))
    response = VoiceResponse()
    speaker = speaker_for(language)
    speaker.prompt(response, "answer-filed")
    speaker.prompt(response, "goodbye")
    response.append(Hangup())
    call_memory(current_app).forget(instance.secrets, request.form.get("CallSid", ""))
    file = filer(keys.reporter_id, case.id, VOICE_ANSWER)
    return later(twiml_response(response), after_response([sid], file))


@blueprint.get("/voice/prompts/<language>/<name>.mp3")
def prompt_file(language: str, name: str) -> Response:
    """An operator's recorded prompt (public: prompts are not secret)."""
    prompts_dir = current().config.voice_prompts_dir
    if prompts_dir is None or name not in PROMPTS or not recorded(prompts_dir, language, name):
        abort(404)
    return send_from_directory(prompts_dir / language, f"{name}.mp3", mimetype="audio/mpeg")


@blueprint.errorhandler(429)
def _too_many(_error: TooManyRequests) -> Response:
    response = VoiceResponse()
    response.append(Hangup())
    return Response(str(response), status=429, content_type="text/xml; charset=utf-8")


def register(app: Flask) -> None:
    """Mount the voice line. CSRF is off for it: Twilio's signature replaces the token."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
