"""A call's recordings, once Twilio has its answer: fetched, disguised, filed,
deleted at Twilio.

The original voice is held only in memory, only until it is disguised; it never
reaches the database or disk. A recording Twilio cannot hand over in
:data:`FETCH_ATTEMPTS` tries stays at Twilio (README says what to do).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from flask import Response, current_app

from hotline.instance import current
from hotline.intake.service import Upload, append
from hotline.intake.sms.twilio import TwilioApi
from hotline.intake.voice.disguise import UnreadableAudio, disguise_wav

FETCH_ATTEMPTS = 3


def after_response(
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
                content = fetch(api, sid, instance.limits.max_upload_bytes)
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


def fetch(api: TwilioApi, sid: str, max_bytes: int) -> bytes | None:
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


def filer(reporter_id: str, disclosure_id: str, text: str) -> Callable[[list[Upload]], None]:
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


def later(response: Response, run: Callable[[], None]) -> Response:
    """Run once the response is sent: the WSGI server closes the response after
    writing it, so Twilio has its TwiML and the caller hears it while the
    recording is fetched and disguised."""
    response.call_on_close(run)
    return response
