"""The MIME walk: which parts of a message are its text, and which are files.

Every part is decoded inside its own ``try`` so one bad part never loses the
others; the walk is bounded (depth, parts, collected text) because the input
is hostile. PGP/S-MIME *signatures* are discarded because a signature names its
key, and the headers of a forwarded message are never read: only its body text
and attachments are kept.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field
from email.message import Message

from hotline.crypto.codename_text import cut_digit_tail
from hotline.intake.email.charsets import decode_bytes
from hotline.intake.email.defects import Defects
from hotline.intake.email.headers import decode_words, unsurrogate
from hotline.intake.email.text import (
    clean_line,
    clean_text,
    html_to_text,
    strip_inline_pgp,
    tidy,
    unflow,
)

__all__ = [
    "DEFAULT_ATTACHMENT_NAME",
    "FORWARDED_MARKER",
    "MAX_TEXT_CHARS",
    "BodyText",
    "EmailAttachment",
    "Walk",
    "walk_tree",
]

MAX_TEXT_CHARS = 100_000
FORWARDED_MARKER = "--- forwarded message ---"
DEFAULT_ATTACHMENT_NAME = "attachment"

_MAX_DEPTH = 20
_MAX_PARTS = 1000
_MAX_NAME_CHARS = 255
_MAX_COLLECTED_CHARS = 4 * MAX_TEXT_CHARS  # bounds the work on hostile input
_MAX_HTML_CHARS = 16 * MAX_TEXT_CHARS

# Signature parts are dropped: they are not evidence and they name the signer's key.
_SIGNATURE_TYPES = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
    }
)
# Protocol control parts that carry nothing but a version number.
_CONTROL_TYPES = frozenset({"application/pgp-encrypted"})


@dataclass(frozen=True, repr=False)
class EmailAttachment:
    """One attached file, exactly as received (metadata is stripped elsewhere)."""

    name: str
    claimed_type: str
    content: bytes

    def __repr__(self) -> str:  # the name may identify someone: never show it
        return f"EmailAttachment(claimed_type={self.claimed_type!r}, size={len(self.content)})"


@dataclass
class BodyText:
    text: str
    forwarded: int  # 0: the reporter's own message; n: inside n forwarded messages
    marker: bool = False


@dataclass
class Walk:
    defects: Defects
    texts: list[BodyText] = field(default_factory=list)
    attachments: list[EmailAttachment] = field(default_factory=list)
    parts: int = 0
    chars: int = 0

    def add_text(self, text: str, forwarded: int) -> None:
        """Collect body text, up to a bound well above what is returned."""
        room = _MAX_COLLECTED_CHARS - self.chars
        if len(text) > room:
            self.defects.add("TextTruncated")
            # Never keep the first half of a digit run: it could be part of a codename.
            text = text[: max(room, 0)]
            head, tail = text[:-80], text[-80:]
            text = head + cut_digit_tail(tail)
        if text:
            self.texts.append(BodyText(text, forwarded))
            self.chars += len(text)


def _content_type(part: Message, defects: Defects) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:  # RFC 2045 default
        defects.add("ContentTypeError")
        return "text/plain"


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:
        return None


def _filename(part: Message, defects: Defects) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        defects.add("FilenameError")
        return None
    if name is None:
        return None
    if "=?" in name:  # encoded-word in a parameter: not standard, but common
        name = decode_words(name, defects)
    return name


def _safe_filename(name: str | None) -> str:
    """The last path component, without control characters; "attachment" if empty."""
    if name is None:
        return DEFAULT_ATTACHMENT_NAME
    name = clean_line(unsurrogate(name), 4 * _MAX_NAME_CHARS)
    name = re.split(r"[/\\]", name)[-1].strip().lstrip(".")
    return name[:_MAX_NAME_CHARS] or DEFAULT_ATTACHMENT_NAME


def _raw_payload_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _decode_base64(data: bytes) -> bytes:
    """Decode as much of (possibly truncated or dirty) base64 as possible."""
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data.split(b"=", 1)[0])
    if len(cleaned) % 4 == 1:  # a lone trailing character carries no whole byte
        cleaned = cleaned[:-1]
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


def _payload_bytes(part: Message, defects: Defects) -> bytes:
    try:
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        if encoding == "base64":
            raw = _raw_payload_bytes(part)
            if len(re.sub(rb"[^A-Za-z0-9+/=]", b"", raw)) % 4:
                defects.add("TruncatedBase64")
            return _decode_base64(raw)
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""
    except Exception:  # keep the raw bytes rather than nothing
        defects.add("PayloadDecodeError")
        try:
            return _raw_payload_bytes(part)
        except Exception:
            return b""


def _part_text(part: Message, ctype: str, defects: Defects) -> str:
    """The decoded text of a text/plain or text/html part, as plain text."""
    try:
        charset = part.get_param("charset")
        charset_label = charset if isinstance(charset, str) else None
        text = clean_text(decode_bytes(_payload_bytes(part, defects), charset_label, defects))
        if ctype == "text/html":
            if len(text) > _MAX_HTML_CHARS:
                defects.add("TextTruncated")
            return html_to_text(text[:_MAX_HTML_CHARS])
        if str(part.get_param("format", "")).lower() == "flowed":
            text = unflow(text, str(part.get_param("delsp", "")).lower() == "yes")
        return tidy(strip_inline_pgp(text))
    except Exception:  # one bad part must not lose the others
        defects.add("TextPartError")
        return ""


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _is_body_text(ctype: str, part: Message, defects: Defects) -> bool:
    return (
        ctype in ("text/plain", "text/html")
        and _disposition(part) != "attachment"
        and _filename(part, defects) is None
    )


def _choose_alternative(children: list[Message], defects: Defects) -> Message | None:
    """The first non-blank text/plain alternative, else the richest other one."""
    for child in children:
        ctype = _content_type(child, defects)
        if (
            ctype == "text/plain"
            and _is_body_text(ctype, child, defects)
            and _part_text(child, ctype, defects).strip()
        ):
            return child
    for child in reversed(children):
        ctype = _content_type(child, defects)
        if ctype.startswith("multipart/") or _is_body_text(ctype, child, defects):
            return child
    return children[0] if children else None


def walk_tree(
    part: Message, walk: Walk, depth: int, forwarded: int, attachments_only: bool
) -> None:
    walk.parts += 1
    if walk.parts > _MAX_PARTS:
        walk.defects.add("TooManyParts")
        return
    if depth > _MAX_DEPTH:
        walk.defects.add("NestingTooDeep")
        return
    try:
        _walk_part(part, walk, depth, forwarded, attachments_only)
    except Exception:  # one bad part must not lose the others
        walk.defects.add("PartError")


def _walk_part(
    part: Message, walk: Walk, depth: int, forwarded: int, attachments_only: bool
) -> None:
    defects = walk.defects
    defects.extend(part.defects)
    ctype = _content_type(part, defects)
    maintype, _, subtype = ctype.partition("/")
    if ctype in _SIGNATURE_TYPES or ctype in _CONTROL_TYPES:
        return
    if maintype == "multipart":
        children = _children(part)
        if not children:  # no boundary found: file the raw content as text
            if not attachments_only:
                text = clean_text(decode_bytes(_payload_bytes(part, defects), None, defects))
                walk.add_text(tidy(text), forwarded)
            return
        chosen = _choose_alternative(children, defects) if subtype == "alternative" else None
        for child in children:
            only = attachments_only or (chosen is not None and child is not chosen)
            walk_tree(child, walk, depth + 1, forwarded, only)
        return
    if maintype == "message":
        children = _children(part)
        if subtype in ("rfc822", "global") and children:
            if not attachments_only:
                walk.texts.append(BodyText(FORWARDED_MARKER, forwarded + 1, marker=True))
            # The forwarded message's own headers are never read: only its MIME tree.
            walk_tree(children[0], walk, depth + 1, forwarded + 1, attachments_only)
        else:  # delivery reports and the like: machine data, often with addresses
            defects.add("UnsupportedMessagePart")
        return
    if _is_body_text(ctype, part, defects):
        if not attachments_only:
            walk.add_text(_part_text(part, ctype, defects), forwarded)
        return
    walk.attachments.append(
        EmailAttachment(
            name=_safe_filename(_filename(part, defects)),
            claimed_type=ctype,
            content=_payload_bytes(part, defects),
        )
    )
