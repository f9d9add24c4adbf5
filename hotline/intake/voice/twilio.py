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

import re
import time
import urllib.parse
from collections.abc import Callable, Sequence

from flask import Blueprint, Flask, Response, abort, current_app, g, request, send_from_directory
from flask_babel import force_locale
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Gather, Hangup, Record, Redirect, VoiceResponse
from werkzeug.exceptions import TooManyRequests

from hotline.crypto.codename_text import ascii_digits
from hotline.extensions import csrf, limiter
from hotline.instance import current, db_session
from hotline.intake.checkin import UnknownCodename, authenticate, unread_replies
from hotline.intake.operations import newest_case
from hotline.intake.service import Draft, DraftRejected, Upload, append, submit
from hotline.intake.sms.twilio import TwilioApi
from hotline.intake.voice.calls import call_memory
from hotline.intake.voice.disguise import UnreadableAudio, disguise_wav
from hotline.intake.voice.prompts import PROMPTS, Speaker, recorded
from hotline.models import Disclosure
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category, Channel, Status
from hotline.rate_limits import bucket
from hotline.sealing.items import read_message
from hotline.sealing.recipients import reporter_recipient

blueprint = Blueprint("voice", __name__)

BASE = "/voice/twilio"
#: Five minutes a recording, and at most this many recordings a report.
RECORDING_SECONDS = 300
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
FETCH_ATTEMPTS = 3
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")


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


# --- building answers --------------------------------------------------------------------


def _language() -> str:
    language = request.args.get("lang", "")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _speaker(language: str) -> Speaker:
    config = current().config
    return Speaker(language, config.voice_prompts_dir, config.public_url + "/voice/prompts")


def _url(step: str, **params: str) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v})
    return f"{BASE}/{step}" + (f"?{query}" if query else "")


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), content_type="text/xml; charset=utf-8")


def _digits() -> str:
    return ascii_digits(request.form.get("Digits", ""))


def _recordings() -> list[str]:
    return [sid for sid in request.args.get("recs", "").split(",") if _RECORDING_SID.match(sid)]


def _gather(action: str, digits: int = 1, *, finish_on_key: str | None = None) -> Gather:
    if finish_on_key:
        return Gather(num_digits=digits, action=action, timeout=15, finish_on_key=finish_on_key)
    return Gather(num_digits=digits, action=action, timeout=8)


def _menu(language: str, notice: bool = False) -> VoiceResponse:
    speaker = _speaker(language)
    response = VoiceResponse()
    if notice:
        speaker.prompt(response, "not-a-choice")
    gather = _gather(_url("menu", lang=language))
    speaker.prompt(gather, "menu")
    response.append(gather)
    response.append(Redirect(_url("language", lang=language)))
    return response


def _record(language: str, category: str, recordings: Sequence[str]) -> VoiceResponse:
    response = VoiceResponse()
    if not recordings:
        _speaker(language).prompt(response, "before-recording")
    response.append(
        Record(
            action=_url("recorded", lang=language, cat=category, recs=",".join(recordings)),
            max_length=RECORDING_SECONDS,
            finish_on_key="#",
            play_beep=True,
            trim="trim-silence",
        )
    )
    return response


def _read_code(response: VoiceResponse, language: str, codename: str) -> None:
    speaker = _speaker(language)
    speaker.prompt(response, "your-code")
    speaker.digits(response, codename)
    speaker.prompt(response, "your-code")
    speaker.digits(response, codename)
    gather = _gather(_url("repeat", lang=language))
    speaker.prompt(gather, "hear-again")
    response.append(gather)
    speaker.prompt(response, "goodbye")
    response.append(Hangup())


def _goodbye(language: str) -> VoiceResponse:
    response = VoiceResponse()
    _speaker(language).prompt(response, "goodbye")
    response.append(Hangup())
    call_memory(current_app).forget(current().secrets, request.form.get("CallSid", ""))
    return response


# --- after the response: recordings --------------------------------------------------------


def _after_response(
    recordings: Sequence[str], file: Callable[[list[Upload]], None]
) -> Callable[[], None]:
    """Fetch, disguise and file the recordings, then delete them at Twilio.

    Runs once the caller has their answer. A recording that cannot be fetched
    stays at Twilio, where it is deleted by hand or by its retention setting
    (README says so); nothing undisguised is ever written here.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    api = TwilioApi.from_config(current().config)

    def run() -> None:
        with app.app_context():
            instance = current()
            uploads: list[Upload] = []
            for number, sid in enumerate(recordings, start=1):
                content = _fetch(api, sid, instance.limits.max_upload_bytes)
                if content is None:
                    continue
                try:
                    disguised = disguise_wav(content)
                except UnreadableAudio:
                    continue
                uploads.append(Upload(f"voice-{number}.wav", "audio/wav", disguised))
            if uploads:
                file(uploads)
            for sid in recordings:
                api.delete_recording(sid)

    return run


def _fetch(api: TwilioApi, sid: str, max_bytes: int) -> bytes | None:
    try:
        url = api.recording_url(sid, ".wav")
    except ValueError:  # no account SID: nothing can be fetched
        return None
    for attempt in range(FETCH_ATTEMPTS):
        try:
            content, _type = api.fetch(url, max_bytes)
        except (OSError, ValueError):
            time.sleep(attempt)
            continue
        return content
    return None


def _filer(reporter_id: str, disclosure_id: str, text: str) -> Callable[[list[Upload]], None]:
    def file(uploads: list[Upload]) -> None:
        instance = current()
        with instance.database.sessions() as session:
            append(
                session,
                reporter_id=reporter_id,
                disclosure_id=disclosure_id,
                text=text,
                attachments=uploads,
                limits=instance.limits,
            )
            session.commit()

    return file


def _later(response: Response, run: Callable[[], None]) -> Response:
    """Run once the response is sent: the WSGI server closes the response after
    writing it, so Twilio has its TwiML and the caller hears it while the
    recording is fetched and disguised."""
    response.call_on_close(run)
    return response


# --- the steps of a call ---------------------------------------------------------------------


@blueprint.post(BASE)
@limiter.limit("30/minute", key_func=_rate_key, exempt_when=_unsigned)
def call_start() -> Response:
    if not _signed():
        return Response("", status=403, content_type="text/plain")
    response = VoiceResponse()
    gather = _gather(_url("language"))
    _speaker(DEFAULT_LANGUAGE).language_menu(gather)
    response.append(gather)
    response.append(Redirect(BASE))
    return _twiml(response)


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
    digits = _digits()
    if not digits:
        return _twiml(_menu(_language()))
    index = int(digits[0]) - 1
    if not 0 <= index < len(LANGUAGES):
        response = VoiceResponse()
        _speaker(DEFAULT_LANGUAGE).prompt(response, "not-a-choice")
        response.append(Redirect(BASE))
        return _twiml(response)
    return _twiml(_menu(LANGUAGES[index]))


@_step("menu")
def main_menu() -> Response:
    language, digits = _language(), _digits()
    speaker = _speaker(language)
    response = VoiceResponse()
    if digits == "1":
        gather = _gather(_url("category", lang=language))
        speaker.prompt(gather, "categories")
        response.append(gather)
        response.append(Redirect(_url("menu", lang=language)))
        return _twiml(response)
    if digits == "2":
        gather = _gather(_url("code", lang=language), 16, finish_on_key="#")
        speaker.prompt(gather, "ask-code")
        response.append(gather)
        response.append(Redirect(_url("language", lang=language)))
        return _twiml(response)
    return _twiml(_menu(language, notice=bool(digits)))


@_step("category")
def choose_category() -> Response:
    language, digits = _language(), _digits()
    if digits not in CATEGORIES:
        response = VoiceResponse()
        _speaker(language).prompt(response, "not-a-choice")
        response.append(Redirect(_url("menu", lang=language)))
        return _twiml(response)
    return _twiml(_record(language, digits, []))


@_step("recorded")
def recorded_part() -> Response:
    language, category = _language(), request.args.get("cat", "")
    recordings = _recordings()
    sid = request.form.get("RecordingSid", "")
    if _RECORDING_SID.match(sid) and sid not in recordings:
        recordings.append(sid)
    if len(recordings) >= MAX_RECORDINGS:
        return _send(language, category, recordings)
    response = VoiceResponse()
    gather = _gather(_url("more", lang=language, cat=category, recs=",".join(recordings)))
    _speaker(language).prompt(gather, "record-more")
    response.append(gather)
    # No key pressed: send what was recorded rather than lose it.
    response.append(
        Redirect(_url("more", lang=language, cat=category, recs=",".join(recordings), send="1"))
    )
    return _twiml(response)


@_step("more")
def record_more() -> Response:
    language, category = _language(), request.args.get("cat", "")
    recordings = _recordings()
    if _digits() == "1" and not request.args.get("send"):
        return _twiml(_record(language, category, recordings))
    return _send(language, category, recordings)


def _send(language: str, category: str, recordings: list[str]) -> Response:
    instance = current()
    speaker = _speaker(language)
    if category not in CATEGORIES or not recordings:
        return _twiml(_goodbye(language))
    session = db_session()
    try:
        receipt = submit(
            session,
            Draft(
                category=CATEGORIES[category],
                text=VOICE_REPORT,
                channel=Channel.VOICE,
                codename_kind="digits",
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
        return _twiml(response)
    codename = receipt.codename or ""
    call_memory(current_app).keep(instance.secrets, request.form.get("CallSid", ""), codename)
    response = VoiceResponse()
    speaker.prompt(response, "filed")
    _read_code(response, language, codename)
    file = _filer(receipt.reporter_id, receipt.disclosure_id, "")
    return _later(_twiml(response), _after_response(recordings, file))


@_step("repeat")
def repeat_code() -> Response:
    language = _language()
    codename = call_memory(current_app).recall(current().secrets, request.form.get("CallSid", ""))
    if _digits() != "1" or codename is None:
        return _twiml(_goodbye(language))
    response = VoiceResponse()
    _read_code(response, language, codename)
    return _twiml(response)


@_step("code")
def follow_up() -> Response:
    language, digits = _language(), _digits()
    speaker = _speaker(language)
    session = db_session()
    try:
        keys = authenticate(session, current().kdf, digits)
    except UnknownCodename:
        response = VoiceResponse()
        speaker.prompt(response, "unknown-code")
        response.append(Hangup())
        return _twiml(response)
    response = VoiceResponse()
    cases = session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == keys.reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference)
        .limit(3)
    )
    for disclosure in cases:
        speaker.words(response, _status_words(language, disclosure.status))
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
    gather = _gather(_url("answer", lang=language))
    speaker.prompt(gather, "answer")
    response.append(gather)
    speaker.prompt(response, "goodbye")
    response.append(Hangup())
    return _twiml(response)


def _status_words(language: str, status: Status) -> str:
    with force_locale(language):
        return str(status.label)


@_step("answer")
def answer_menu() -> Response:
    language = _language()
    if _digits() != "1":
        return _twiml(_goodbye(language))
    response = VoiceResponse()
    response.append(
        Record(
            action=_url("answered", lang=language),
            max_length=RECORDING_SECONDS,
            finish_on_key="#",
            play_beep=True,
            trim="trim-silence",
        )
    )
    return _twiml(response)


@_step("answered")
def answer_recorded() -> Response:
    language = _language()
    instance = current()
    sid = request.form.get("RecordingSid", "")
    codename = call_memory(current_app).recall(instance.secrets, request.form.get("CallSid", ""))
    if codename is None or not _RECORDING_SID.match(sid):
        return _twiml(_goodbye(language))
    session = db_session()
    try:
        keys = authenticate(session, instance.kdf, codename)
    except UnknownCodename:
        return _twiml(_goodbye(language))
    case = newest_case(session, keys.reporter_id)
    if case is None:
        return _twiml(_goodbye(language))
    response = VoiceResponse()
    speaker = _speaker(language)
    speaker.prompt(response, "answer-filed")
    speaker.prompt(response, "goodbye")
    response.append(Hangup())
    call_memory(current_app).forget(instance.secrets, request.form.get("CallSid", ""))
    file = _filer(keys.reporter_id, case.id, VOICE_ANSWER)
    return _later(_twiml(response), _after_response([sid], file))


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
