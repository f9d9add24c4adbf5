"""Turn one raw e-mail report into plain, safe report text: the pure parsing step.

Reports e-mailed to the published address (``report@...``) are hostile input written
by people who may be in danger, so this module is deliberately narrow and defensive:

* **Nothing that identifies the reporter's machine or route is returned.** Received,
  X-Originating-IP, X-Mailer, User-Agent, DKIM and every other header are simply not
  read; :class:`ParsedEmail` has no field that could hold them. The headers of a
  forwarded message are dropped too (only its body text and attachments are kept),
  and PGP/S-MIME *signatures* are discarded because a signature names its key.
* **The codename never travels downstream.** A 16-digit codename found in the subject
  or body is returned once, normalised, in :attr:`ParsedEmail.codename` (so the
  caller can derive keys from it and forget it) and is replaced by
  ``[codename removed]`` everywhere in ``text``, ``subject`` and attachment names,
  whatever the digit script or grouping.
* **Broken mail is filed, not rejected.** A reporter cannot fix their mail client and
  may never write again, so truncated MIME, unknown charsets, bad base64 and malformed
  headers yield whatever is readable; only input that is not a message at all raises
  :class:`NotAnEmail`. Every part is decoded inside its own ``try`` so one bad part
  never loses the others.
* **HTML is reduced to text** with nh3 (no tags, no script/style content survive) so
  the custodian's interface never renders reporter-supplied markup.
* **Quoted earlier mail is removed** from follow-ups, so the hotline's own replies are
  not filed again as report text.
* ``defects`` holds only the *class names* of MIME defects (for counting), never
  message content, and the dataclass ``repr`` shows no content either, so an
  accidental log line cannot leak the report, the sender or the codename.

This module and the ones it uses (``headers``, ``charsets``, ``mime``, ``text``,
``quotes``, and :mod:`hotline.crypto.codename_text` for the codename) do no I/O and
no logging. Attachment metadata (EXIF, PDF authors) is *not* removed here; that is
the job of the attachment sanitiser.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from hotline.crypto.codename_text import find_codename, strip_codename
from hotline.intake.email.charsets import decode_bytes
from hotline.intake.email.defects import Defects
from hotline.intake.email.headers import (
    HEADER_LINE,
    HEADER_SCAN_BYTES,
    KNOWN_MESSAGE_HEADERS,
    OBS_HEADER_LINE,
    content_language,
    header_text,
    message_id,
    recipients,
    repair_header_block,
    sender_address,
    strip_preamble,
)
from hotline.intake.email.mime import MAX_TEXT_CHARS, BodyText, EmailAttachment, Walk, walk_tree
from hotline.intake.email.quotes import FORWARD_SUBJECT, remove_quoted
from hotline.intake.email.text import clean_line, clean_text, tidy
from hotline.intake.sms.commands import COMMANDS, command_and_rest
from hotline.procedure import Category
from hotline.references import find_case_reference
from hotline.routing.email_category import detect_category

__all__ = [
    "TRUNCATION_NOTE",
    "NotAnEmail",
    "ParsedEmail",
    "parse",
]

TRUNCATION_NOTE = "[truncated]"
_MAX_SUBJECT_CHARS = 1000


class NotAnEmail(ValueError):
    """The input is not an e-mail message at all (the CLI exits 65, EX_DATAERR).

    The rule, applied by :func:`parse`:

    1. empty input, or input that is only whitespace, is not an e-mail;
    2. after an optional byte-order mark, leading blank lines and an optional mbox
       ``From `` line, the first line must be a header field (``Name: value`` with a
       printable-ASCII name, RFC 5322), which rules out binary garbage and plain text;
    3. at least one standard message header (From, To, Cc, Subject, Date,
       Message-ID, MIME-Version, Content-Type, Received, ...) must be present, which
       rules out text that merely starts with ``Word: ...``;
    4. a message with neither a From header nor any body (no text, no attachment)
       is not a report.

    Everything else, however broken, is parsed.
    """


@dataclass(frozen=True, repr=False)
class ParsedEmail:
    """What the e-mail channel keeps of a message. See the module docstring."""

    text: str
    subject: str
    sender: str | None
    #: Whether ``sender`` came from a well-formed From and may be answered.
    sender_answerable: bool
    category: Category
    codename: str | None
    case_reference: str | None
    message_id: str | None
    #: The ``Resent-Message-ID`` of a forwarded (resent) copy, if any.
    resent_message_id: str | None = None
    attachments: tuple[EmailAttachment, ...] = field(default=())
    defects: tuple[str, ...] = field(default=())
    #: The first language the message's Content-Language names ("fr" for
    #: "fr-RW"), for the language of the acknowledgement; None if none.
    language: str | None = None

    def __repr__(self) -> str:  # no content, sender, codename or Message-ID
        return (
            f"ParsedEmail(category={self.category.value!r}, "
            f"case_reference={self.case_reference!r}, "
            f"has_codename={self.codename is not None}, text_chars={len(self.text)}, "
            f"attachments={len(self.attachments)}, defects={len(self.defects)})"
        )


def _check_first_line(raw: bytes) -> None:
    if not raw.strip():
        raise NotAnEmail("empty input")
    lines = raw[:HEADER_SCAN_BYTES].splitlines()
    if lines and lines[0].startswith(b"From "):  # mbox envelope line
        lines = lines[1:]
    if not lines or not (HEADER_LINE.match(lines[0]) or OBS_HEADER_LINE.match(lines[0])):
        raise NotAnEmail("no header block")


def _assemble(texts: list[BodyText], strip_quotes: bool) -> str:
    sections: list[str] = []
    for item in texts:
        body = item.text
        if strip_quotes and item.forwarded == 0 and not item.marker:
            body = remove_quoted(body)
        body = tidy(body)
        if body:
            sections.append(body)
    return "\n\n".join(sections)


def _truncate(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    note = "\n" + TRUNCATION_NOTE
    return text[: MAX_TEXT_CHARS - len(note)] + note


def _parse_message(raw: bytes, defects: Defects) -> Message | None:
    try:
        return email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # the parser is tolerant; this is belt and braces
        defects.add("ParserError")
        return None


def _body_only(raw: bytes, defects: Defects) -> str:
    """The text after the first blank line, for when the parser itself failed."""
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) == 2 else b""
    return tidy(clean_text(decode_bytes(body, None, defects)))


def parse(raw: bytes, *, local_part: str = "report") -> ParsedEmail:
    """Parse one raw RFC 5322 message. Raises only :class:`NotAnEmail` (see its rule).

    ``local_part`` is the local part of the published address, for plus tags.
    """
    if not isinstance(raw, bytes | bytearray):
        raise NotAnEmail("not bytes")
    data = strip_preamble(bytes(raw))
    _check_first_line(data)
    defects = Defects()
    data = repair_header_block(data, defects)
    repaired = bool(defects.as_tuple())
    msg = _parse_message(data, defects)
    if msg is None:
        text = _body_only(data, defects)
        if not text:
            raise NotAnEmail("unparseable")
        codename = find_codename(text)
        if codename is not None:
            text = strip_codename(text, codename)
        return ParsedEmail(
            text=_truncate(text),
            subject="",
            sender=None,
            sender_answerable=False,
            category=Category.OTHER,
            codename=codename,
            case_reference=None,
            message_id=None,
            defects=defects.as_tuple(),
        )

    names = {str(key).lower() for key, _ in msg.raw_items()}
    if not names & KNOWN_MESSAGE_HEADERS:
        raise NotAnEmail("no message headers")

    subject = clean_line(header_text(msg, "Subject", defects) or "", _MAX_SUBJECT_CHARS)
    sender, answerable = sender_address(msg, defects)
    collected = Walk(defects)
    walk_tree(msg, collected, 0, 0, attachments_only=False)

    full_text = "\n".join(item.text for item in collected.texts)
    if "from" not in names and not full_text.strip() and not collected.attachments:
        raise NotAnEmail("neither a sender nor a body")

    codename = find_codename(subject, full_text)
    text = _assemble(collected.texts, strip_quotes=not FORWARD_SUBJECT.match(subject))
    attachments = collected.attachments
    if codename is not None:
        text = strip_codename(text, codename)
        subject = strip_codename(subject, codename)
        attachments = [
            EmailAttachment(strip_codename(a.name, codename), a.claimed_type, a.content)
            for a in attachments
        ]

    return ParsedEmail(
        text=_truncate(text),
        subject=subject,
        sender=sender,
        # A header block that needed repair is not trusted for a reply either.
        sender_answerable=answerable and not repaired,
        category=_category(recipients(msg), subject, text, local_part),
        codename=codename,
        case_reference=find_case_reference(subject),
        message_id=message_id(msg),
        resent_message_id=message_id(msg, "Resent-Message-ID"),
        attachments=tuple(attachments),
        defects=defects.as_tuple(),
        language=content_language(msg),
    )


def _category(addressed: list[str], subject: str, text: str, local_part: str) -> Category:
    """The address's or the subject's category, or retaliation when the body
    opens with the retaliation command word SMS knows (``RETALIATION <code> …``),
    in any of our languages."""
    first, _rest = command_and_rest(text)
    if COMMANDS.get(first) == "retaliation":
        return Category.RETALIATION
    return detect_category(addressed, subject, local_part)
