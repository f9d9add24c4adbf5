"""Africa's Talking, the gateway of USSD and SMS across East Africa: who may call
our callbacks, and how an SMS reply is sent.

Africa's Talking does not sign its callbacks, so a callback is taken only when
the secret token in its URL (``?token=``, ``HOTLINE_AFRICASTALKING_TOKEN``)
matches, compared in constant time, and, when
``HOTLINE_AFRICASTALKING_SOURCES`` lists networks, only from them (the client
address as ``HOTLINE_PROXY_HOPS`` trusts it). Replies to SMS are not part of
the callback's answer: they are sent through the messaging API
(``HOTLINE_AFRICASTALKING_USERNAME``, ``…_API_KEY``, ``…_SENDER``), from memory,
the number never stored.
"""

from __future__ import annotations

import hmac
import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from flask import g, request

from hotline.config import Config
from hotline.instance import current

SEND_TIMEOUT = 10.0


def trusted_callback() -> bool:
    """Whether this request carries the token and comes from an allowed network."""
    if "africastalking_trusted" not in g:
        config = current().config
        expected = config.africastalking_token
        given = request.args.get("token", "")
        trusted = bool(expected) and hmac.compare_digest(given.encode(), (expected or "").encode())
        if trusted and config.africastalking_sources:
            try:
                address = ipaddress.ip_address(request.remote_addr or "")
            except ValueError:
                trusted = False
            else:
                trusted = any(
                    address in ipaddress.ip_network(network)
                    for network in config.africastalking_sources
                )
        g.africastalking_trusted = trusted
    return bool(g.africastalking_trusted)


def untrusted_callback() -> bool:
    return not trusted_callback()


@dataclass(frozen=True, repr=False)
class MessagingApi:
    """Africa's Talking's SMS API with the account's credentials (stdlib only)."""

    base: str
    username: str
    api_key: str
    sender: str | None

    @classmethod
    def from_config(cls, config: Config) -> MessagingApi | None:
        """The API, or None when the account is not configured (nothing is sent)."""
        if not (config.africastalking_username and config.africastalking_api_key):
            return None
        return cls(
            config.africastalking_api_base.rstrip("/"),
            config.africastalking_username,
            config.africastalking_api_key,
            config.africastalking_sender,
        )

    def send(self, to: str, message: str) -> bool:
        """Send one SMS; False when the API refused or could not be reached."""
        fields = {"username": self.username, "to": to, "message": message}
        if self.sender:
            fields["from"] = self.sender
        req = urllib.request.Request(  # noqa: S310 - the configured API base, https in production
            self.base + "/version1/messaging",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
        )
        req.add_header("apiKey", self.api_key)
        req.add_header("Accept", "application/json")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(req, timeout=SEND_TIMEOUT) as answer:  # noqa: S310
                answer.read(4096)
                return bool(200 <= answer.status < 300)
        except (OSError, ValueError):
            return False
