"""Texts Hotline starts itself: content-free reply notices, sent by ``hotline notify``.

Every other SMS is an answer inside the webhook's response; these go out
through the gateway's REST API: WhatsApp and (when Africa's Talking is not
configured) SMS through Twilio, SMS through Africa's Talking when it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.config import Config
from hotline.intake.africastalking import MessagingApi
from hotline.intake.sms.gateway import WHATSAPP_PREFIX
from hotline.intake.sms.twilio import TwilioApi
from hotline.notifications.reply_notices import CannotNotify


@dataclass(frozen=True, repr=False)
class GatewayTexter:
    """Sends a notice the way the configured gateways can."""

    twilio: TwilioApi | None
    sms_from: str | None
    whatsapp_from: str | None
    africastalking: MessagingApi | None

    @classmethod
    def from_config(cls, config: Config) -> GatewayTexter:
        twilio = TwilioApi.from_config(config) if config.twilio_account_sid else None
        return cls(
            twilio,
            config.twilio_sms_from,
            config.twilio_whatsapp_from,
            MessagingApi.from_config(config),
        )

    def send_text(self, to: str, body: str) -> None:
        if to.startswith(WHATSAPP_PREFIX):
            if self.twilio is None or not self.whatsapp_from:
                raise CannotNotify("WhatsApp notices need Twilio and its WhatsApp sender")
            sender = self.whatsapp_from
            if not sender.startswith(WHATSAPP_PREFIX):
                sender = WHATSAPP_PREFIX + sender
            if not self.twilio.send_message(to, sender, body):
                raise CannotNotify("Twilio refused the notice")
            return
        if self.africastalking is not None:
            if not self.africastalking.send(to, body):
                raise CannotNotify("Africa's Talking refused the notice")
            return
        if self.twilio is None or not self.sms_from:
            raise CannotNotify("SMS notices need Africa's Talking or Twilio and its number")
        if not self.twilio.send_message(to, self.sms_from, body):
            raise CannotNotify("Twilio refused the notice")
