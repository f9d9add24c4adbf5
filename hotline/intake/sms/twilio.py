"""The Twilio SMS webhook: ``POST /sms/twilio``. Thin: verify, fetch, call ``dialogue.handle``.

Security notes, since a reporter found out can lose a job or a life:

* **Only Twilio can talk to it.** Every request must carry a valid
  ``X-Twilio-Signature`` computed over the *public* URL (so it works behind a
  proxy) and the form fields. Without ``TWILIO_AUTH_TOKEN`` configured, every
  request is refused. A refused request changes nothing and stores nothing.
  The signature replaces the CSRF token, which Twilio cannot send.
* **The sender's number never leaves memory.** ``From``, ``FromCity``,
  ``FromState``, ``FromZip``, ``FromCountry`` and ``MessageSid`` are read from
  the form, used in memory (the thread keys, the rate-limit key, Twilio's
  redaction call) and never stored or logged; this module does not log at all.
  The rate limit keys on a 16-bit bucket of ``keyed_hash("sms-rate", From)``.
* **Copies at Twilio are removed.** MMS media are fetched (only from the
  configured Twilio API base: no request to any other host can be provoked),
  passed through ``intake.service`` (which strips metadata) and then deleted at
  Twilio; with an account SID, the inbound message body is redacted too. Both
  clean-ups are best effort and never fail the webhook.
"""

from __future__ import annotations

import base64
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, g, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests

from hotline.config import Config
from hotline.extensions import csrf, limiter
from hotline.instance import current
from hotline.intake.sms.gateway import Inbound, Media, receive
from hotline.rate_limits import bucket

blueprint = Blueprint("sms", __name__)

WEBHOOK_PATH = "/sms/twilio"
#: Twilio sends at most 10 media per message.
MAX_MEDIA = 10
FETCH_TIMEOUT = 10.0
CLEANUP_TIMEOUT = 5.0
_MESSAGE_SID = re.compile(r"^(?:SM|MM)[0-9a-fA-F]{32}$")
_RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")


def _signed() -> bool:
    """Whether the request carries Twilio's signature over the public URL.

    Computed once per request (the rate limiter asks too): forged requests are
    not counted against a reporter's limit, so nobody can silence a number by
    sending unsigned requests in its name.
    """
    if "sms_signed" not in g:
        config: Config = current().config
        token = config.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        g.sms_signed = bool(token and signature) and bool(
            RequestValidator(token).validate(
                config.public_url.rstrip("/") + WEBHOOK_PATH, request.form, signature
            )
        )
    return bool(g.sms_signed)


def _unsigned() -> bool:
    return not _signed()


def _rate_key() -> str:
    """The sender's bucket: the limit holds per phone, the number is not kept."""
    return bucket(current().secrets, "sms-rate", request.form.get("From", ""))


def _twiml(replies: list[str], status: int = 200) -> Response:
    response = MessagingResponse()
    for text in replies:
        response.message(text)
    return Response(str(response), status=status, content_type="text/xml; charset=utf-8")


@dataclass(frozen=True)
class TwilioApi:
    """Calls to Twilio's REST API with the account's credentials (stdlib only)."""

    base: str
    account_sid: str | None
    auth_token: str

    @classmethod
    def from_config(cls, config: Config) -> TwilioApi:
        return cls(
            config.twilio_api_base.rstrip("/"),
            config.twilio_account_sid,
            config.twilio_auth_token or "",
        )

    def trusted(self, url: str) -> bool:
        """Only URLs under the API base are ever fetched or deleted (no SSRF)."""
        return url.startswith(self.base + "/")

    def _request(self, url: str, method: str, data: bytes | None = None) -> urllib.request.Request:
        req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - trusted() checked
        if self.account_sid:
            pair = f"{self.account_sid}:{self.auth_token}".encode()
            # Unredirected: a redirect to Twilio's media CDN must not carry our credentials.
            req.add_unredirected_header("Authorization", "Basic " + base64.b64encode(pair).decode())
        return req

    def fetch(self, url: str, max_bytes: int) -> tuple[bytes, str | None]:
        """The media's bytes and type; raises OSError or ValueError when it cannot."""
        with urllib.request.urlopen(self._request(url, "GET"), timeout=FETCH_TIMEOUT) as answer:  # noqa: S310
            content = answer.read(max_bytes + 1)
            media_type = answer.headers.get_content_type()
        if len(content) > max_bytes:
            raise ValueError("media larger than the upload limit")
        return content, media_type

    def send_message(self, to: str, sender: str, body: str) -> bool:
        """Send one SMS or WhatsApp message (needs the account SID); False when refused."""
        if not self.account_sid:
            return False
        url = f"{self.base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": sender, "Body": body}).encode()
        req = self._request(url, "POST", data)
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._best_effort(req)

    def _best_effort(self, req: urllib.request.Request) -> bool:
        try:
            with urllib.request.urlopen(req, timeout=CLEANUP_TIMEOUT) as answer:  # noqa: S310
                answer.read(1024)
        except (OSError, ValueError):
            return False
        return True

    def delete_media(self, url: str) -> bool:
        """Delete one media resource at Twilio (needs the account SID)."""
        if not self.account_sid or not self.trusted(url):
            return False
        resource = urllib.parse.urlsplit(url)._replace(query="", fragment="").geturl()
        return self._best_effort(self._request(resource, "DELETE"))

    def recording_url(self, recording_sid: str, suffix: str = ".wav") -> str:
        """A call recording's resource (``.wav``: its audio; ``.json``: the resource)."""
        if not self.account_sid or not _RECORDING_SID.match(recording_sid):
            raise ValueError("no account SID, or not a RecordingSid")
        account = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.base}/2010-04-01/Accounts/{account}/Recordings/{recording_sid}{suffix}"

    def delete_recording(self, recording_sid: str) -> bool:
        """Delete a call recording at Twilio (needs the account SID)."""
        try:
            url = self.recording_url(recording_sid, ".json")
        except ValueError:
            return False
        return self._best_effort(self._request(url, "DELETE"))

    def redact_body(self, message_sid: str) -> bool:
        """Twilio's redaction: POST an empty Body to the inbound message."""
        if not self.account_sid or not _MESSAGE_SID.match(message_sid):
            return False
        url = (
            f"{self.base}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid, safe='')}"
            f"/Messages/{message_sid}.json"
        )
        data = urllib.parse.urlencode({"Body": ""}).encode()
        req = self._request(url, "POST", data)
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        return self._best_effort(req)


@dataclass(frozen=True)
class TwilioGateway:
    """Twilio as the dialogue's gateway: media from its API, copies deleted there."""

    api: TwilioApi
    name: str = "sms"

    def fetch(self, media: Media, max_bytes: int) -> tuple[bytes, str | None]:
        return self.api.fetch(media.url, max_bytes)

    def clean_up(self, inbound: Inbound) -> None:
        for media in inbound.media:
            self.api.delete_media(media.url)
        self.api.redact_body(inbound.message_id)


def _inbound(form: MultiDict[str, str], api: TwilioApi) -> Inbound:
    """The message in Twilio's form, with only the media URLs under the API base."""
    try:
        count = min(int(form.get("NumMedia", "0") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for index in range(max(count, 0)):
        url = form.get(f"MediaUrl{index}", "")
        if url and api.trusted(url):
            media.append(Media(url, form.get(f"MediaContentType{index}") or None))
    return Inbound(
        sender=form.get("From", "").strip(),
        body=form.get("Body", ""),
        message_id=form.get("MessageSid", ""),
        media=tuple(media),
    )


@blueprint.post(WEBHOOK_PATH)
@limiter.limit("20/minute", key_func=_rate_key, exempt_when=_unsigned)
def twilio_webhook() -> Response:
    if not _signed():
        return Response("", status=403, content_type="text/plain")
    api = TwilioApi.from_config(current().config)
    replies = receive(TwilioGateway(api), _inbound(request.form, api))
    return _twiml(replies or [])


@blueprint.errorhandler(429)
def _too_many(_error: TooManyRequests) -> Response:
    """Over the limit: no reply (it would cost the reporter and flood the phone)."""
    return _twiml([], status=429)


def register(app: Flask) -> None:
    """Mount the webhook. CSRF is off for it: Twilio's signature replaces the token."""
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
