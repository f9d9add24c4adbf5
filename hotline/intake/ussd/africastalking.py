"""The Africa's Talking USSD callback: ``POST /ussd/africastalking?token=…``.

Callbacks are authenticated as ``intake.africastalking`` says (the token in
the URL, optionally the source network); a refused request gets a 403 and
changes nothing.

The form carries ``sessionId``, ``serviceCode``, ``phoneNumber``, ``networkCode``
and ``text`` (every answer of the session so far, joined by ``*``). The phone
number is read only to key the rate limit (a keyed hash); nothing here logs.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import TooManyRequests

from hotline.extensions import csrf, limiter
from hotline.instance import current, db_session
from hotline.intake.africastalking import trusted_callback, untrusted_callback
from hotline.intake.sms.replays import seen_messages
from hotline.intake.ussd.dialogue import Intake, Screen, answer
from hotline.intake.ussd.menu import inputs_of, walk
from hotline.intake.ussd.screens import Screens
from hotline.rate_limits import bucket

blueprint = Blueprint("ussd", __name__)

CALLBACK_PATH = "/ussd/africastalking"


def _rate_key() -> str:
    """A keyed hash of the caller's number: the limit holds per phone, the number
    is not kept."""
    return bucket(current().secrets, "ussd-rate", request.form.get("phoneNumber", ""))


def _reply(screen: Screen) -> Response:
    prefix = "END" if screen.final else "CON"
    return Response(f"{prefix} {screen.text}", content_type="text/plain; charset=utf-8")


@blueprint.post(CALLBACK_PATH)
@limiter.limit("30/minute", key_func=_rate_key, exempt_when=untrusted_callback)
def africastalking_ussd() -> Response:
    if not trusted_callback():
        return Response("", status=403, content_type="text/plain")
    instance = current()
    session_id = request.form.get("sessionId", "")
    inputs = inputs_of(request.form.get("text", ""))
    seen = seen_messages(current_app, "ussd")

    def first_filing() -> bool:
        # No session id, no protection against a resend: file anyway (nothing is lost).
        return not session_id or seen.first_delivery(instance.secrets, session_id)

    session = db_session()
    screen = answer(
        session,
        inputs,
        Intake(instance.policy, instance.kdf, instance.limits),
        first_filing=first_filing,
    )
    session.commit()
    return _reply(screen)


@blueprint.errorhandler(429)
def _too_many(_error: TooManyRequests) -> Response:
    """Over the limit: end the session, in its language, and file nothing."""
    language = walk(inputs_of(request.form.get("text", ""))).language
    return _reply(Screen(Screens(language).try_later(), final=True))


def register(app: Flask) -> None:
    """Mount the callback. CSRF is off for it: the URL's token replaces it."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
