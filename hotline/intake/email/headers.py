"""Reading the few headers the e-mail channel uses, and keeping all others out.

Only Subject, From (the sender, sealed to the custodian alone), the recipient
headers (for a plus address), Message-ID and Resent-Message-ID (for de-duplication) and
Content-Language are read. Received, X-Originating-IP, X-Mailer and the rest
are never returned; :func:`repair_header_block` exists so that a broken header
line cannot push them into the body, where they would become report text.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses

from hotline.intake.email.charsets import decode_bytes
from hotline.intake.email.defects import Defects
from hotline.intake.email.text import clean_line

__all__ = [
    "HEADER_LINE",
    "HEADER_SCAN_BYTES",
    "KNOWN_MESSAGE_HEADERS",
    "OBS_HEADER_LINE",
    "content_language",
    "decode_words",
    "header_text",
    "message_id",
    "raw_header_values",
    "recipients",
    "repair_header_block",
    "sender_address",
    "strip_preamble",
    "unsurrogate",
]

_MAX_MESSAGE_ID_CHARS = 998
HEADER_SCAN_BYTES = 256 * 1024

_FIELD_NAME = rb"[\x21-\x39\x3b-\x7e]+"
HEADER_LINE = re.compile(rb"^" + _FIELD_NAME + rb":")
OBS_HEADER_LINE = re.compile(rb"^(" + _FIELD_NAME + rb")[ \t]+:")
KNOWN_MESSAGE_HEADERS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "received",
        "return-path",
        "delivered-to",
        "x-original-to",
    }
)
_STRONG_HEADER_NAMES = KNOWN_MESSAGE_HEADERS | frozenset(
    {
        "bcc",
        "in-reply-to",
        "references",
        "user-agent",
        "importance",
        "priority",
        "comments",
        "keywords",
        "organization",
        "envelope-to",
        "thread-topic",
        "thread-index",
        "authentication-results",
    }
)
_STRONG_HEADER_PREFIXES = (b"x-", b"content-", b"arc-", b"dkim-", b"list-", b"resent-")


def _is_strong_header(line: bytes) -> bool:
    name = line.split(b":", 1)[0].lower()
    return name.decode("ascii", "replace") in _STRONG_HEADER_NAMES or name.startswith(
        _STRONG_HEADER_PREFIXES
    )


def strip_preamble(raw: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark and blank lines before the headers."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.lstrip(b"\r\n")


def repair_header_block(raw: bytes, defects: Defects) -> bytes:
    """Keep every header in the header block, and no header in the body.

    Python's parser ends the headers at the first line that is not a header, so one
    broken line would turn the remaining headers (X-Originating-IP...) into report
    text. Here a broken line that is followed by a real header is joined to the
    previous header, "Name : value" becomes "Name: value", and a broken line after
    the last recognisable header starts the body (a missing blank line).
    """
    lines = raw[:HEADER_SCAN_BYTES].splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if line in (b"\n", b"\r\n", b"\r")), None)
    if end is None:
        if len(raw) > HEADER_SCAN_BYTES:  # a giant header block: leave it to the parser
            return raw
        end = len(lines)
    header = lines[:end]
    rest = raw[sum(len(line) for line in header) :]
    bad: list[int] = []
    last_strong = -1
    for index, line in enumerate(header):
        if index == 0 and line.startswith(b"From "):
            continue
        if line[:1] in (b" ", b"\t"):
            continue
        obs = OBS_HEADER_LINE.match(line)
        if obs:
            header[index] = obs.group(1) + b":" + line[obs.end() :]
            defects.add("WhitespaceBeforeColon")
            line = header[index]
        if HEADER_LINE.match(line):
            if _is_strong_header(line):
                last_strong = index
            continue
        bad.append(index)
    if not bad:
        return b"".join(header) + rest
    eol = b"\r\n" if header[0].endswith(b"\r\n") else b"\n"
    body_start: int | None = None
    for index in bad:
        if index < last_strong:
            header[index] = b" " + header[index]
            defects.add("HeaderLineWithoutColon")
        else:
            body_start = index
            defects.add("MissingHeaderBodySeparator")
            break
    if body_start is None:
        return b"".join(header) + rest
    return b"".join([*header[:body_start], eol, *header[body_start:]]) + rest


def raw_header_values(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


def unsurrogate(value: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) decoded as UTF-8."""
    if not re.search("[\udc80-\udcff]", value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    return data.decode("utf-8", errors="replace")


def decode_words(value: str, defects: Defects) -> str:
    """Fallback RFC 2047 decoding of a raw header value."""
    value = unsurrogate(value)
    try:
        chunks = decode_header(value)
    except Exception:  # any failure keeps the raw text
        defects.add("HeaderDecodeError")
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset, defects))
    return "".join(out)


def header_text(msg: Message, name: str, defects: Defects) -> str | None:
    """The first value of a header, RFC 2047 decoded; None if absent."""
    try:
        value = msg.get(name)
        if value is None:
            return None
        defects.extend(getattr(value, "defects", ()))
        return unsurrogate(str(value))
    except Exception:  # the header registry can fail on hostile input
        defects.add("HeaderParseError")
        raw = raw_header_values(msg, name)
        return decode_words(raw[0], defects) if raw else None


def _bare_address(address: str) -> str | None:
    address = address.strip().strip("<>").strip()
    if not address or len(address) > 320 or re.search(r"[\s<>(),;\\]", address):
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or not re.fullmatch(r"[^\s@\[\]]+|\[[^\s\]]+\]", domain):
        return None
    return f"{local}@{domain.lower()}"


#: The one address between angle brackets of a From value (RFC 5322 angle-addr).
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")


def sender_address(msg: Message, defects: Defects) -> tuple[str | None, bool]:
    """The sender's address, and whether it may be answered.

    The address is taken only from the angle brackets of the From value (or
    from a From that is nothing but an address): a display name is never read
    for an address, so ``From: colleague@revenue.example <attacker@attacker.example>``
    yields the attacker's address, not the colleague's. It may be answered
    (an acknowledgement sent to it) only when the From header is well formed:
    one mailbox, no defect. A malformed From is sealed but never answered, so a
    forged header cannot aim the acknowledgement (which carries the codename)
    at someone else.
    """
    raw = raw_header_values(msg, "From")
    if len(raw) != 1:
        return (_angle_or_bare(raw[0]) if raw else None), False
    value = unsurrogate(raw[0])
    address = _angle_or_bare(value)
    try:
        header = msg.get("From")
        header_defects = list(getattr(header, "defects", ()))
        defects.extend(header_defects)
        parsed = [unsurrogate(str(a.addr_spec)) for a in getattr(header, "addresses", ())]
    except Exception:  # the header registry can fail on hostile input
        defects.add("HeaderParseError")
        return address, False
    well_formed = (
        address is not None
        and not header_defects
        and len(parsed) == 1
        and _bare_address(parsed[0]) == address
    )
    return address, well_formed


def _angle_or_bare(value: str) -> str | None:
    """The address between the only pair of angle brackets (or after an
    unclosed one), or the whole value when it is a bare address (a trailing
    comment allowed); None otherwise. Never an address from a display name."""
    value = re.sub(r"\s+", " ", unsurrogate(value)).strip()
    angles = _ANGLE_ADDRESS.findall(value)
    if angles:
        return _bare_address(angles[0]) if len(angles) == 1 else None
    if value.count("<") == 1 and ">" not in value:  # "Name <a@b.example": unclosed
        return _bare_address(value.split("<", 1)[1])
    if "<" in value or ">" in value:
        return None
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", value)  # "a@b.example (Name)"
    return _bare_address(bare)


_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def recipients(msg: Message) -> list[str]:
    raw: list[str] = []
    for name in _RECIPIENT_HEADERS:
        raw.extend(unsurrogate(v) for v in raw_header_values(msg, name))
    try:
        return [address for _, address in getaddresses(raw) if address]
    except Exception:  # a plain split is enough to find a plus tag
        return [token for value in raw for token in re.split(r"[\s,;<>]+", value) if "@" in token]


def message_id(msg: Message, name: str = "Message-ID") -> str | None:
    """The first Message-ID (or ``Resent-Message-ID``, by ``name``), cleaned."""
    raw = raw_header_values(msg, name)
    if not raw:
        return None
    value = clean_line(unsurrogate(raw[0]), _MAX_MESSAGE_ID_CHARS)
    return value or None


_LANGUAGE_TAG = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:,|$)")


def content_language(msg: Message) -> str | None:
    """The primary subtag of the first language tag in Content-Language (RFC 3282)."""
    raw = raw_header_values(msg, "Content-Language")
    if not raw:
        return None
    match = _LANGUAGE_TAG.match(unsurrogate(raw[0])[:200])
    return match.group(1).lower() if match else None
