"""What every SMS gateway does for the dialogue, and the one path a message takes.

A gateway (Twilio: ``twilio.py``; Africa's Talking: ``africastalking.py``)
authenticates its own webhook and reads its own form into an :class:`Inbound`;
:func:`receive` then does the rest the same way for both: refuse a replay,
fetch and clean media, key the thread, run the dialogue, commit, and ask the
gateway to delete its copies. The sender's number lives only in the
``Inbound`` for the length of the request.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from hotline.instance import current, db_session
from hotline.intake.service import Upload
from hotline.intake.sms.dialogue import handle
from hotline.intake.sms.replays import seen_messages
from hotline.intake.sms.thread import ThreadStore, thread_keys, thread_store
from hotline.notifications import reply_notices
from hotline.procedure import Channel

WHATSAPP_PREFIX = "whatsapp:"


@dataclass(frozen=True)
class Media:
    """A file attached to an inbound message, at the gateway, not yet fetched."""

    url: str
    claimed_type: str | None


@dataclass(frozen=True, repr=False)
class Inbound:
    """One inbound message as the gateway delivered it (never logged: no repr)."""

    sender: str
    body: str
    #: The gateway's id of the message, for refusing replays ("" when it has none).
    message_id: str
    media: Sequence[Media] = field(default_factory=tuple)

    @property
    def channel(self) -> Channel:
        """WhatsApp arrives through the same gateways with a prefixed sender."""
        return Channel.WHATSAPP if self.sender.startswith(WHATSAPP_PREFIX) else Channel.SMS


class Gateway(Protocol):
    """What ``receive`` needs from a gateway beyond its webhook."""

    @property
    def name(self) -> str:
        """Keeps each gateway's replay record apart."""
        ...

    def fetch(self, media: Media, max_bytes: int) -> tuple[bytes, str | None]:
        """The media's bytes and type; raises OSError or ValueError when it cannot."""
        ...

    def clean_up(self, inbound: Inbound) -> None:
        """Delete the gateway's copies of the message and its media (best effort)."""
        ...


def _fetch_media(gateway: Gateway, inbound: Inbound, max_bytes: int) -> tuple[list[Upload], int]:
    uploads: list[Upload] = []
    failed = 0
    for number, media in enumerate(inbound.media, start=1):
        try:
            content, served = gateway.fetch(media, max_bytes)
        except (OSError, ValueError):
            failed += 1
            continue
        media_type = media.claimed_type or served
        extension = mimetypes.guess_extension(media_type or "") or ""
        uploads.append(Upload(f"{inbound.channel}-file-{number}{extension}", media_type, content))
    return uploads, failed


def receive(gateway: Gateway, inbound: Inbound) -> list[str] | None:
    """File and answer one authenticated inbound message; None for a replay.

    Returns the reply texts, which the gateway delivers its own way.
    """
    instance = current()
    if not inbound.sender:
        return []
    if inbound.message_id and not seen_messages(current_app, gateway.name).first_delivery(
        instance.secrets, inbound.message_id
    ):
        # A replayed (or doubly delivered) request: answered once already.
        return None
    uploads, failed = _fetch_media(gateway, inbound, instance.limits.max_upload_bytes)
    sender_key, state_key = thread_keys(instance.secrets, inbound.sender)
    session = db_session()
    threads = thread_store(current_app)
    with threads.locked(sender_key):
        replies = _handle_locked(session, threads, inbound, uploads, failed, sender_key, state_key)
    # Stored (sealed) or refused: either way no copy should stay at the gateway.
    gateway.clean_up(inbound)
    return replies


def _handle_locked(
    session: Session,
    threads: ThreadStore,
    inbound: Inbound,
    uploads: list[Upload],
    failed: int,
    sender_key: str,
    state_key: bytes,
) -> list[str]:
    instance = current()

    def opt_in(disclosure_id: str, language: str) -> None:
        # The only place the number is kept: sealed under a key from keys/.
        reply_notices.opt_in(
            session,
            instance.secrets,
            disclosure_id=disclosure_id,
            channel=inbound.channel,
            address=inbound.sender,
            language=language,
        )

    replies = handle(
        session,
        threads,
        sender_key=sender_key,
        state_key=state_key,
        body=inbound.body,
        media=uploads,
        media_failed=failed,
        channel=inbound.channel,
        policy=instance.policy,
        kdf=instance.kdf,
        limits=instance.limits,
        public_url=instance.config.public_url,
        now=instance.clock.now(),
        opt_in=opt_in,
    )
    session.commit()
    return replies
