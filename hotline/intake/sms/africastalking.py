"""The Africa's Talking SMS callback: ``POST /sms/africastalking?token=…``.

Thin: authenticate (``intake.africastalking``), read the form into an
``Inbound``, ``gateway.receive``, then send each reply through the messaging
API. Africa's Talking sends ``from``, ``to``, ``text``, ``date``, ``id``,
``linkId`` and ``networkCode``; only ``from`` (in memory), ``text`` and ``id``
(a keyed hash, for replays) are used. It has no MMS and no API to delete an
inbound message, so there is nothing to fetch or clean up.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import TooManyRequests

from hotline.extensions import csrf, limiter
from hotline.instance import current
from hotline.intake.africastalking import MessagingApi, trusted_callback, untrusted_callback
from hotline.intake.sms.gateway import Inbound, Media, receive
from hotline.rate_limits import bucket

blueprint = Blueprint("sms_africastalking", __name__)

CALLBACK_PATH = "/sms/africastalking"


@dataclass(frozen=True)
class AfricasTalkingGateway:
    """Africa's Talking as the dialogue's gateway: text only, nothing to delete."""

    name: str = "at-sms"

    def fetch(self, media: Media, max_bytes: int) -> tuple[bytes, str | None]:
        raise ValueError("Africa's Talking delivers no media")

    def clean_up(self, inbound: Inbound) -> None:
        """Africa's Talking has no API to delete an inbound message."""


def _rate_key() -> str:
    """The sender's bucket: the limit holds per phone, the number is not kept."""
    return bucket(current().secrets, "sms-rate", request.form.get("from", ""))


def _empty(status: int = 200) -> Response:
    return Response("", status=status, content_type="text/plain")


@blueprint.post(CALLBACK_PATH)
@limiter.limit("20/minute", key_func=_rate_key, exempt_when=untrusted_callback)
def africastalking_sms() -> Response:
    if not trusted_callback():
        return _empty(403)
    form = request.form
    inbound = Inbound(
        sender=form.get("from", "").strip(),
        body=form.get("text", ""),
        message_id=form.get("id", ""),
    )
    replies = receive(AfricasTalkingGateway(), inbound)
    api = MessagingApi.from_config(current().config)
    if api is not None:
        for reply in replies or []:
            api.send(inbound.sender, reply)
    return _empty()


@blueprint.errorhandler(429)
def _too_many(_error: TooManyRequests) -> Response:
    """Over the limit: no reply (it would cost the reporter and flood the phone)."""
    return _empty(429)


def register(app: Flask) -> None:
    """Mount the callback. CSRF is off for it: the URL's token replaces it."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
