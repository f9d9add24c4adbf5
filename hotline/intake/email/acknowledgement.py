"""The automatic reply to a reporter who e-mailed: built, then sent over SMTP.

**The acknowledgement carries the codename and nothing about the case**: no
report text, no reference, no category, a generic subject. It is sent only
after the commit, never to automated senders (loops), and its failure never
undoes the filing (see :class:`~hotline.intake.email.channel.EmailChannel`).
"""

from __future__ import annotations

import functools
import smtplib
import ssl
import textwrap
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from babel.support import NullTranslations, Translations

from hotline import TRANSLATIONS
from hotline.crypto.codename_text import format_codename
from hotline.intake.email.ingest import FILED, JOINED, LINKED, IngestResult
from hotline.intake.sms.commands import keyword
from hotline.procedure import DEFAULT_LANGUAGE
from hotline.smtp import SMTP_TIMEOUT, parse_smtp_url, smtp_connection

__all__ = ["SUBJECT_FOLLOW_UP", "SUBJECT_NEW", "acknowledgement", "send_message"]


def _n(message: str) -> str:
    """Marks a message for the catalogue (``make catalogues``); it is translated
    where it is used, in the language of the acknowledgement."""
    return message


SUBJECT_NEW = _n("Your report was received")
SUBJECT_FOLLOW_UP = _n("Your message was received")


@functools.cache
def _catalogue(language: str) -> NullTranslations:
    """The application's own catalogue for one language, loaded once."""
    return Translations.load(str(TRANSLATIONS), [language])


def acknowledgement(
    result: IngestResult,
    *,
    mail_from: str,
    public_url: str,
    onion_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage | None:
    """The automatic reply to the sender, or None when none may be sent.

    It holds the codename (for a new report), the check-in address and the
    plain warning that e-mail is confidential but not anonymous, in
    ``language``. It never holds the report text, the case reference or the
    category, and its subject is the same for everyone writing in one
    language: a mailbox search must not lead to a case.
    """
    if result.outcome not in (FILED, JOINED, LINKED) or not result.reply_to:
        return None
    sender = result.reply_to
    own = parseaddr(mail_from)[1] or mail_from
    if sender.casefold() == own.casefold():
        return None  # our own acknowledgement came back: never answer it
    checkin = public_url.rstrip("/") + "/checkin"
    report = (onion_url or public_url).rstrip("/") + "/report"
    gettext = _catalogue(language).gettext

    paragraphs: list[str]
    if result.codename:
        subject = gettext(SUBJECT_NEW)
        paragraphs = [
            gettext(
                "Thank you. Your report was received and will be handled by the "
                "designated officers."
            ),
            gettext("Your codename:"),
            f"    {format_codename(result.codename)}",
            gettext(
                "Write it down somewhere safe, then delete this e-mail. The codename is "
                "the only way to follow your report, and nobody can look it up for you."
            ),
        ]
        if result.follow_up_not_joined:
            paragraphs.append(
                gettext(
                    "Your e-mail mentioned an earlier report or a codename that could not "
                    "be matched, so it was filed as a new report. A case reference alone "
                    "cannot add to a report, because anyone can type one: to add to an "
                    "earlier report, reply with that report's codename."
                )
            )
    elif result.outcome == LINKED:
        # Nothing says retaliation: a mailbox search must not lead to the case.
        subject = gettext(SUBJECT_NEW)
        paragraphs = [
            gettext(
                "Thank you. Your message was filed as a new report under your codename, "
                "linked to your earlier reports, and will be handled by the designated "
                "officers."
            )
        ]
    else:
        subject = gettext(SUBJECT_FOLLOW_UP)
        paragraphs = [gettext("Thank you. Your message was added to your report.")]
    if result.dropped_attachments:
        paragraphs.append(
            gettext(
                "Some attached files could not be filed (unreadable or too large). You "
                "can send them again on the check-in page."
            )
        )
    notify = keyword("notify", language)
    if result.notice_agreed:
        paragraphs.append(
            gettext(
                "You asked to be told when an officer replies: we will send this address "
                "a mail without content. We keep the address sealed, and delete it when "
                "the case closes."
            )
        )
    else:
        paragraphs.append(
            gettext(
                "To be told by a mail without content when an officer replies, reply to "
                "this e-mail with your codename and a line that says only %(notify)s. We "
                "then keep your address sealed until the case closes."
            )
            % {"notify": notify}
        )
    paragraphs += [
        gettext("To read the officers' replies or add information, go to"),
        f"    {checkin}",
        gettext("and enter your codename. You can also reply to this e-mail with your codename."),
        gettext(
            "E-mail is confidential, not anonymous. Your e-mail provider and our mail "
            "server see your address. We keep it sealed so that the officers handling "
            "your report cannot read it; only the custodian of the codename register "
            "can. To report anonymously, use the web form in Tor Browser instead:"
        ),
        f"    {report}",
        gettext("This is an automatic reply."),
    ]
    body = "\n\n".join(
        p if p.startswith("    ") else textwrap.fill(p, width=76, break_long_words=False)
        for p in paragraphs
    )

    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = sender
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=own.rpartition("@")[2] or "localhost")
    # RFC 3834: mark it automatic, so that other robots do not answer it.
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    original = _clean_message_id(result.original_message_id)
    if original is not None:
        message["In-Reply-To"] = original
        message["References"] = original
    message.set_content(body + "\n")
    return message


def _clean_message_id(value: str | None) -> str | None:
    """The original Message-ID if it is a well-formed ``<...>`` token (it is
    copied into our headers, so nothing that could break them is accepted)."""
    if not value:
        return None
    value = value.strip()
    if (
        len(value) > 250
        or not value.startswith("<")
        or not value.endswith(">")
        or any(c.isspace() or ord(c) < 33 or ord(c) > 126 for c in value)
    ):
        return None
    return value


def send_message(
    url: str,
    message: EmailMessage,
    *,
    envelope_from: str,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = SMTP_TIMEOUT,
) -> None:
    """Send one automatic reply.

    The envelope sender is null (``MAIL FROM:<>``, RFC 3834), so that a bounce
    of the reply is never answered by anyone; a submission server that refuses
    a null sender gets ``envelope_from`` instead.
    """
    with smtp_connection(parse_smtp_url(url), ssl_context=ssl_context, timeout=timeout) as client:
        try:
            client.send_message(message, from_addr="")
        except smtplib.SMTPSenderRefused:
            client.send_message(message, from_addr=envelope_from)
