"""Telling a reporter, without content, that an officer replied (if they agreed).

A reporter who agreed at filing (SMS or WhatsApp: the ``NOTIFY`` keyword;
e-mail: the same word in a message) has their number or address kept in
``reply_notices``, sealed with ChaCha20-Poly1305 under a key derived from
``keys/secret_key``: a secret that never enters the database, so no queue key,
officer key or database copy alone opens it, and the desk never shows it.
The sealed value is bound to its case and channel (a value copied onto another
case does not open). No public key is involved, so there is no key to
substitute: the key tag checks of sealing to queues have nothing to check here.

An officer's reply marks the row pending (:func:`reply_written`); ``hotline
notify`` sends the notices in its batches (:func:`send_pending`), never inside
the officer's request, so the time of a text does not date a reply to the
second. The text says only "there is news": never the reply, the case or the
reference. When the case closes or is destroyed the row is shredded
(:func:`forget`).

Each notice sent is an audit event (``reply_notice.sent``) naming the case and
the channel, never the number or address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto import aead
from hotline.crypto.keyring import InstanceSecrets
from hotline.intake.sms.commands import keyword
from hotline.models import Disclosure, ReplyNotice
from hotline.procedure import DEFAULT_LANGUAGE, Channel
from hotline.sealing.shredding import erase_deletions

_LABEL = b"hotline-reply-notice-address-v1"
NOTICE_SENT = "reply_notice.sent"

#: What the desk says after a reply, by how the reporter will learn of it.
WHEN_THEY_CHECK_IN = "replied"
TEXTED = "replied_texted"
MAILED = "replied_mailed"
WHEN_THEY_ASK = "replied_ask"
_CHECK_IN_CHANNELS = (Channel.WEB, Channel.VOICE, Channel.USSD)


class CannotNotify(Exception):
    """A gateway or the mail server refused a notice (retried next batch)."""


def _key(secrets: InstanceSecrets) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=_LABEL, info=_LABEL).derive(secrets.secret_key)


def _binding(disclosure_id: str, channel: str) -> bytes:
    return _LABEL + b"|" + disclosure_id.encode() + b"|" + channel.encode()


def opt_in(
    session: Session,
    secrets: InstanceSecrets,
    *,
    disclosure_id: str,
    channel: Channel,
    address: str,
    language: str,
) -> None:
    """Keep ``address`` sealed for this case, replacing an earlier agreement."""
    sealed = aead.seal(
        _key(secrets), address.encode("utf-8"), _binding(disclosure_id, str(channel))
    )
    row = session.get(ReplyNotice, disclosure_id)
    if row is None:
        session.add(
            ReplyNotice(
                disclosure_id=disclosure_id,
                channel=str(channel),
                language=language,
                sealed_address=sealed,
                pending=False,
            )
        )
    else:
        row.channel, row.language, row.sealed_address = str(channel), language, sealed
    session.flush()


def open_address(secrets: InstanceSecrets, row: ReplyNotice) -> str | None:
    """The number or address, or None when it does not open."""
    try:
        plain = aead.open(
            _key(secrets), row.sealed_address, _binding(row.disclosure_id, row.channel)
        )
    except aead.CannotOpen:
        return None
    return plain.decode("utf-8")


def reply_written(session: Session, disclosure_id: str) -> None:
    """Mark a notice due if the reporter agreed (sent by the next batch)."""
    row = session.get(ReplyNotice, disclosure_id)
    if row is not None:
        row.pending = True
        session.flush()


def how_reporter_learns(session: Session, disclosure: Disclosure) -> str:
    """What the desk truthfully says after a reply: a key of ``desk.wording.DONE``."""
    row = session.get(ReplyNotice, disclosure.id)
    if row is not None:
        return MAILED if row.channel == str(Channel.EMAIL) else TEXTED
    if disclosure.channel in _CHECK_IN_CHANNELS:
        return WHEN_THEY_CHECK_IN
    return WHEN_THEY_ASK


def forget(session: Session, disclosure_id: str) -> None:
    """Shred the sealed number or address of a case (closed or destroyed)."""
    if session.get(ReplyNotice, disclosure_id) is None:
        return
    erase_deletions(session, (ReplyNotice,))
    session.execute(delete(ReplyNotice).where(ReplyNotice.disclosure_id == disclosure_id))
    session.flush()


# --- sending (``hotline notify``) --------------------------------------------------------


def notice_text(language: str, channel: str) -> str:
    """The content-free text, in the reporter's language (GSM-7 in English)."""
    with force_locale(language or DEFAULT_LANGUAGE):
        if channel == str(Channel.EMAIL):
            return str(
                gettext(
                    "There is news on your report. Write to this address again with your "
                    "code, or check in on the website with it."
                )
            )
        return str(
            gettext(
                "There is news on your report. Text %(status)s and your code.",
                status=keyword("status", language),
            )
        )


class Texter(Protocol):
    """Sends one SMS or WhatsApp text (Twilio or Africa's Talking)."""

    def send_text(self, to: str, body: str) -> None:
        """Raise :class:`CannotNotify` when the gateway refuses."""
        ...


#: Sends one e-mail: (to, subject, body); raises CannotNotify when refused.
Mailer = Callable[[str, str, str], None]


@dataclass(frozen=True)
class NoticeResult:
    sent: int
    failed: int


def send_pending(
    session: Session,
    secrets: InstanceSecrets,
    *,
    texter: Texter | None,
    mailer: Mailer | None,
) -> NoticeResult:
    """Send every pending notice; the caller commits after each batch."""
    rows = list(
        session.scalars(
            select(ReplyNotice)
            .where(ReplyNotice.pending.is_(True))
            .order_by(ReplyNotice.disclosure_id)
        )
    )
    sent = failed = 0
    for row in rows:
        address = open_address(secrets, row)
        body = notice_text(row.language, row.channel)
        try:
            if address is None:
                raise CannotNotify("the sealed address does not open")
            if row.channel == str(Channel.EMAIL):
                if mailer is None:
                    raise CannotNotify("no mail server")
                with force_locale(row.language or DEFAULT_LANGUAGE):
                    subject = str(gettext("News on your report"))
                mailer(address, subject, body + "\n")
            else:
                if texter is None:
                    raise CannotNotify("no SMS gateway")
                texter.send_text(address, body)
        except CannotNotify:
            failed += 1
            continue
        session.execute(
            update(ReplyNotice)
            .where(ReplyNotice.disclosure_id == row.disclosure_id)
            .values(pending=False)
            .execution_options(synchronize_session=False)
        )
        reference = session.scalar(
            select(Disclosure.reference).where(Disclosure.id == row.disclosure_id)
        )
        # The case and the channel: never the number or address.
        record(
            session,
            secrets.audit_key,
            actor="notify",
            action=NOTICE_SENT,
            subject=reference or "",
            detail=row.channel,
        )
        sent += 1
    return NoticeResult(sent, failed)
