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

This module does no I/O and no logging. Attachment metadata (EXIF, PDF authors) is
*not* removed here; that is the job of the attachment sanitiser.
"""

from __future__ import annotations

import binascii
import codecs
import email
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr
from functools import lru_cache

import nh3

__all__ = [
    "CATEGORIES",
    "CODENAME_PLACEHOLDER",
    "FORWARDED_MARKER",
    "MAX_TEXT_CHARS",
    "OTHER",
    "RETALIATION",
    "STAFF_MISCONDUCT",
    "TAXPAYER_FRAUD",
    "TRUNCATION_NOTE",
    "EmailAttachment",
    "NotAnEmail",
    "ParsedEmail",
    "detect_category",
    "find_case_reference",
    "find_codename",
    "html_to_text",
    "parse",
    "remove_quoted",
    "strip_codename",
]

TAXPAYER_FRAUD = "taxpayer_fraud"
STAFF_MISCONDUCT = "staff_misconduct"
RETALIATION = "retaliation"
OTHER = "other"
CATEGORIES = (TAXPAYER_FRAUD, STAFF_MISCONDUCT, RETALIATION, OTHER)

MAX_TEXT_CHARS = 100_000
TRUNCATION_NOTE = "[truncated]"
CODENAME_PLACEHOLDER = "[codename removed]"
FORWARDED_MARKER = "--- forwarded message ---"
DEFAULT_ATTACHMENT_NAME = "attachment"

_MAX_DEPTH = 20
_MAX_PARTS = 1000
_MAX_DEFECTS = 64
_MAX_SUBJECT_CHARS = 1000
_MAX_NAME_CHARS = 255
_MAX_MESSAGE_ID_CHARS = 998
_MAX_COLLECTED_CHARS = 4 * MAX_TEXT_CHARS  # bounds the work on hostile input
_MAX_HTML_CHARS = 16 * MAX_TEXT_CHARS
_HEADER_SCAN_BYTES = 256 * 1024

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
class EmailAttachment:
    """One attached file, exactly as received (metadata is stripped elsewhere)."""

    name: str
    claimed_type: str
    content: bytes

    def __repr__(self) -> str:  # the name may identify someone: never show it
        return f"EmailAttachment(claimed_type={self.claimed_type!r}, size={len(self.content)})"


@dataclass(frozen=True, repr=False)
class ParsedEmail:
    """What the e-mail channel keeps of a message. See the module docstring."""

    text: str
    subject: str
    sender: str | None
    category: str
    codename: str | None
    case_reference: str | None
    message_id: str | None
    attachments: tuple[EmailAttachment, ...] = field(default=())
    defects: tuple[str, ...] = field(default=())
    #: The first language the message's Content-Language names ("fr" for
    #: "fr-RW"), for the language of the acknowledgement; None if none.
    language: str | None = None

    def __repr__(self) -> str:  # no content, sender, codename or Message-ID
        return (
            f"ParsedEmail(category={self.category!r}, case_reference={self.case_reference!r}, "
            f"has_codename={self.codename is not None}, text_chars={len(self.text)}, "
            f"attachments={len(self.attachments)}, defects={len(self.defects)})"
        )


# --------------------------------------------------------------------------- defects


class _Defects:
    """An ordered, de-duplicated, bounded set of defect *names* (never content)."""

    def __init__(self) -> None:
        self._names: dict[str, None] = {}

    def add(self, name: str) -> None:
        if len(self._names) < _MAX_DEFECTS:
            self._names.setdefault(name, None)

    def extend(self, defects: Iterable[object]) -> None:
        for defect in defects:
            self.add(type(defect).__name__)

    def as_tuple(self) -> tuple[str, ...]:
        return tuple(self._names)


# ------------------------------------------------------------------ text normalising

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_MARKS = "\u200e\u200f\u061c"
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff" + _BIDI_CONTROLS + "]",
)
_NEWLINES = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")


def _clean_text(text: str) -> str:
    """Unix newlines; no control characters or bidi overrides (display spoofing)."""
    text = _NEWLINES.sub("\n", text)
    return _UNSAFE_CHARS.sub("", text)


def _tidy(text: str) -> str:
    """Strip line ends and runs of blank lines."""
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _clean_line(text: str, limit: int) -> str:
    text = _clean_text(text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


# -------------------------------------------------------------------------- charsets

# Labels that real mailers use for a superset, as browsers do (WHATWG Encoding).
_CHARSET_UPGRADES = {
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "tis-620": "cp874",
    "big5": "big5hkscs",
}
# Python codecs that are not character sets, or that interpret their input.
_FORBIDDEN_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)


@lru_cache(maxsize=128)
def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None if unknown or unsafe."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_UPGRADES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if info.name in _FORBIDDEN_CODECS:
        return None
    try:
        "a".encode(info.name).decode(info.name)
    except (LookupError, UnicodeError, ValueError):
        return None  # a bytes-to-bytes codec such as base64 or zlib
    return info.name


@lru_cache(maxsize=128)
def _is_single_byte(codec: str) -> bool:
    return len(bytes(range(256)).decode(codec, errors="replace")) == 256


def _decode_bytes(data: bytes, charset: str | None, defects: _Defects) -> str:
    """Decode with the declared charset, falling back to UTF-8, then to replacement.

    A single-byte label (us-ascii, latin-1, koi8-r...) on valid UTF-8 is a common
    mislabel, so UTF-8 is tried first for those; multi-byte labels go first.
    """
    codec = _codec(charset)
    if charset and codec is None:
        defects.add("UnknownCharset")
    attempts: list[str] = []
    if codec is not None and not _is_single_byte(codec):
        attempts.append(codec)
    attempts.append("utf-8")
    if codec is not None and codec not in attempts:
        attempts.append(codec)
    for attempt in attempts:
        try:
            return data.decode(attempt)
        except (UnicodeError, LookupError):
            continue
    defects.add("UndecodableText")
    return data.decode(codec or "utf-8", errors="replace")


# --------------------------------------------------------------------------- headers

_FIELD_NAME = rb"[\x21-\x39\x3b-\x7e]+"
_HEADER_LINE = re.compile(rb"^" + _FIELD_NAME + rb":")
_OBS_HEADER_LINE = re.compile(rb"^(" + _FIELD_NAME + rb")[ \t]+:")
_KNOWN_MESSAGE_HEADERS = frozenset(
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
_STRONG_HEADER_NAMES = _KNOWN_MESSAGE_HEADERS | frozenset(
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


def _strip_preamble(raw: bytes) -> bytes:
    """Drop a UTF-8 byte-order mark and blank lines before the headers."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.lstrip(b"\r\n")


def _check_first_line(raw: bytes) -> None:
    if not raw.strip():
        raise NotAnEmail("empty input")
    lines = raw[:_HEADER_SCAN_BYTES].splitlines()
    if lines and lines[0].startswith(b"From "):  # mbox envelope line
        lines = lines[1:]
    if not lines or not (_HEADER_LINE.match(lines[0]) or _OBS_HEADER_LINE.match(lines[0])):
        raise NotAnEmail("no header block")


def _repair_header_block(raw: bytes, defects: _Defects) -> bytes:
    """Keep every header in the header block, and no header in the body.

    Python's parser ends the headers at the first line that is not a header, so one
    broken line would turn the remaining headers (X-Originating-IP...) into report
    text. Here a broken line that is followed by a real header is joined to the
    previous header, "Name : value" becomes "Name: value", and a broken line after
    the last recognisable header starts the body (a missing blank line).
    """
    lines = raw[:_HEADER_SCAN_BYTES].splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if line in (b"\n", b"\r\n", b"\r")), None)
    if end is None:
        if len(raw) > _HEADER_SCAN_BYTES:  # a giant header block: leave it to the parser
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
        obs = _OBS_HEADER_LINE.match(line)
        if obs:
            header[index] = obs.group(1) + b":" + line[obs.end() :]
            defects.add("WhitespaceBeforeColon")
            line = header[index]
        if _HEADER_LINE.match(line):
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


def _raw_header_values(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


def _unsurrogate(value: str) -> str:
    """Raw 8-bit header bytes (kept as surrogates by the parser) decoded as UTF-8."""
    if not re.search("[\udc80-\udcff]", value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    return data.decode("utf-8", errors="replace")


def _decode_words(value: str, defects: _Defects) -> str:
    """Fallback RFC 2047 decoding of a raw header value."""
    value = _unsurrogate(value)
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
            out.append(_decode_bytes(chunk, charset, defects))
    return "".join(out)


def _header_text(msg: Message, name: str, defects: _Defects) -> str | None:
    """The first value of a header, RFC 2047 decoded; None if absent."""
    try:
        value = msg.get(name)
        if value is None:
            return None
        defects.extend(getattr(value, "defects", ()))
        return _unsurrogate(str(value))
    except Exception:  # the header registry can fail on hostile input
        defects.add("HeaderParseError")
        raw = _raw_header_values(msg, name)
        return _decode_words(raw[0], defects) if raw else None


def _bare_address(address: str) -> str | None:
    address = address.strip().strip("<>").strip()
    if not address or len(address) > 320 or re.search(r"[\s<>(),;\\]", address):
        return None
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or not re.fullmatch(r"[^\s@\[\]]+|\[[^\s\]]+\]", domain):
        return None
    return f"{local}@{domain.lower()}"


def _sender(msg: Message, defects: _Defects) -> str | None:
    try:
        header = msg.get("From")
        if header is None:
            return None
        defects.extend(getattr(header, "defects", ()))
        for address in getattr(header, "addresses", ()):
            # Raw 8-bit bytes in the address come through as surrogates,
            # which cannot be encoded for sealing.
            return _bare_address(_unsurrogate(str(address.addr_spec)))
    except Exception:  # fall back to the tolerant compat32 parser
        defects.add("HeaderParseError")
    raw = _raw_header_values(msg, "From")
    if not raw:
        return None
    return _bare_address(parseaddr(_unsurrogate(raw[0]))[1])


_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def _recipients(msg: Message) -> list[str]:
    raw: list[str] = []
    for name in _RECIPIENT_HEADERS:
        raw.extend(_unsurrogate(v) for v in _raw_header_values(msg, name))
    try:
        return [address for _, address in getaddresses(raw) if address]
    except Exception:  # a plain split is enough to find a plus tag
        return [token for value in raw for token in re.split(r"[\s,;<>]+", value) if "@" in token]


def _message_id(msg: Message) -> str | None:
    raw = _raw_header_values(msg, "Message-ID")
    if not raw:
        return None
    value = _clean_line(_unsurrogate(raw[0]), _MAX_MESSAGE_ID_CHARS)
    return value or None


_LANGUAGE_TAG = re.compile(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:,|$)")


def _content_language(msg: Message) -> str | None:
    """The primary subtag of the first language tag in Content-Language (RFC 3282)."""
    raw = _raw_header_values(msg, "Content-Language")
    if not raw:
        return None
    match = _LANGUAGE_TAG.match(_unsurrogate(raw[0])[:200])
    return match.group(1).lower() if match else None


# ------------------------------------------------------------------------------ HTML

_HTML_WHITESPACE = re.compile(r"\s+")
_SOFT_BREAK = "\ue000"  # a private-use marker: "a line break here, unless there is one"
_HTML_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:address|article|blockquote|dd|div|dl|dt|footer|h[1-6]|header|li|ol|p|pre|"
    r"section|table|tr|ul)\b[^>]*>",
    re.I,
)
_HTML_PARAGRAPH_END = re.compile(r"<\s*/\s*(?:p|h[1-6]|blockquote|table|ul|ol|pre)\s*>", re.I)
_HTML_LINE_BREAK = re.compile(r"<\s*br\b[^>]*>", re.I)
_SOFT_BREAKS = re.compile(f"[ \t]*{_SOFT_BREAK}[{_SOFT_BREAK} \t]*")
_HTML_DROPPED_CONTENT = {"script", "style", "title", "head", "template"}
# html5ever is quadratic in element nesting depth and in the length of one text
# node; hostile markup is flattened and long text is split before nh3 sees it.
_HTML_MAX_TAGS = 10_000
_HTML_NON_RAW_TAG = re.compile(r"<(?!/?(?:script|style|title|template)\b)/?[A-Za-z][^>]*>", re.I)
_HTML_LONG_TEXT = re.compile(r"[^<]{4096}[^<\s&]*")


def html_to_text(markup: str) -> str:
    """Plain text from HTML: every tag stripped by nh3, script/style content dropped.

    Source whitespace is collapsed as a browser would; <br>, </p>, </div>, </li> and
    similar block ends become line breaks before the tags are stripped. The result
    is text, not markup: entities are unescaped once, so "&lt;b&gt;" becomes "<b>".
    """
    markup = _HTML_WHITESPACE.sub(" ", markup.replace(_SOFT_BREAK, ""))
    markup = _HTML_BLOCK_TAG.sub(lambda m: f"{_SOFT_BREAK}{m.group()}{_SOFT_BREAK}", markup)
    markup = _HTML_PARAGRAPH_END.sub(lambda m: f"{m.group()}\n\n", markup)
    markup = _HTML_LINE_BREAK.sub(lambda m: f"{m.group()}\n", markup)
    if markup.count("<") > _HTML_MAX_TAGS:
        markup = _HTML_NON_RAW_TAG.sub("", markup)
    markup = _HTML_LONG_TEXT.sub("\\g<0><span></span>", markup)
    cleaned = nh3.clean(
        markup, tags=set(), clean_content_tags=_HTML_DROPPED_CONTENT, strip_comments=True
    )
    text = _SOFT_BREAKS.sub("\n", cleaned)
    text = _clean_text(html.unescape(text)).replace("\xa0", " ").replace(_SOFT_BREAK, "")
    lines = [line.strip() for line in text.split("\n")]
    return _tidy("\n".join(lines))


# ---------------------------------------------------------------------- plain text

_PGP_SIGNED_HEAD = re.compile(
    r"^-----BEGIN PGP SIGNED MESSAGE-----[ \t]*\n(?:[A-Za-z-]+:[^\n]*\n)*\n?", re.M
)
_PGP_SIGNATURE_BEGIN = "-----BEGIN PGP SIGNATURE-----"
_PGP_SIGNATURE_END = "-----END PGP SIGNATURE-----"


def _strip_inline_pgp(text: str) -> str:
    """Remove inline (cleartext) PGP signature armour, which names the signer's key."""
    if "-----BEGIN PGP SIGN" not in text:
        return text
    signed = _PGP_SIGNED_HEAD.search(text) is not None
    text = _PGP_SIGNED_HEAD.sub("", text)
    kept: list[str] = []
    position = 0
    while True:  # a linear scan: no regex backtracking over hostile input
        start = text.find(_PGP_SIGNATURE_BEGIN, position)
        if start == -1:
            kept.append(text[position:])
            break
        kept.append(text[position:start])
        end = text.find(_PGP_SIGNATURE_END, start)
        if end == -1:  # unterminated: the armour runs to the end
            break
        line_end = text.find("\n", end)
        position = len(text) if line_end == -1 else line_end + 1
    text = "".join(kept)
    if signed:  # undo dash-escaping (RFC 4880 section 7.1)
        text = re.sub(r"^- ", "", text, flags=re.M)
    return text


def _unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    out: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


# ------------------------------------------------------------------- quoted replies

_ATTRIBUTION_END = re.compile(
    r"(?:\bwrote|\ba\s+[ée]crit|كتب|\baliandika|\byanditse|\bschrieb|\bescribi[óo])\s*:\s*$",
    re.I,
)
_ATTRIBUTION_START = re.compile(r"^(?:On|Le|في|Mnamo|Tarehe|Ku\s+wa|Am|El)\b", re.I)
_BANNER_ATTRIBUTION = re.compile(
    r"^\s*-{2,}.*(?:\bwrote|\ba\s+[ée]crit|\baliandika|كتب).*-{2,}\s*$", re.I
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d['’]origine|ujumbe wa asili|"
    r"الرسالة الأصلية|ursprüngliche nachricht|mensaje original)\s*-{2,}\s*$",
    re.I,
)
_FORWARD_BANNER = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|message transf[ée]r[ée]|"
    r"ujumbe uliosambazwa|رسالة محولة|رسالة معاد توجيهها)\s*-{2,}|begin forwarded message:)\s*$",
    re.I,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:From|De|Kutoka|من|Von)\s*\*?\s*:\s*\S", re.I)
_OUTLOOK_SENT = re.compile(
    r"^\s*\*?(?:Sent|Date|Envoy[ée]|Imetumwa|Tarehe|أرسل|تاريخ الإرسال|Gesendet|Datum)"
    r"\s*\*?\s*:",
    re.I,
)
_OUTLOOK_TO_OR_SUBJECT = re.compile(
    r"^\s*\*?(?:To|Subject|Cc|[ÀA]|Objet|Kwa|Kichwa|Mada|إلى|الموضوع|An|Betreff)\s*\*?\s*:",
    re.I,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|tr|wg|rv|enc)\s*:", re.I)
_SEPARATOR_LINE = re.compile(r"^\s*(?:_{5,}|-{5,})\s*$")


_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, _BIDI_MARKS + _BIDI_CONTROLS)))
_MAX_MARKER_CHARS = 400


def _plain(line: str) -> str:
    """A line as it is matched against markers: no bidi marks, no outer spaces."""
    return line.translate(_INVISIBLE).strip()


def _attribution_length(plains: Sequence[str], index: int) -> int:
    """How many lines (1-3) form an "On ... wrote:" attribution at index, or 0."""
    first = plains[index]
    if not first or len(first) > _MAX_MARKER_CHARS:
        return 0
    starts = _ATTRIBUTION_START.search(first) is not None
    for span in (1, 2, 3):
        if index + span > len(plains) or (span > 1 and not starts):
            break
        chunk = plains[index : index + span]
        joined = " ".join(chunk)
        if len(joined) > _MAX_MARKER_CHARS or not chunk[-1]:
            break
        if _ATTRIBUTION_END.search(joined):
            return span if starts or "@" in joined else 0
    return 0


def _is_outlook_header(plains: Sequence[str], index: int) -> bool:
    if len(plains[index]) > _MAX_MARKER_CHARS or not _OUTLOOK_FROM.match(plains[index]):
        return False
    following = plains[index + 1 : index + 7]
    return any(_OUTLOOK_SENT.match(line) for line in following[:3]) and any(
        _OUTLOOK_TO_OR_SUBJECT.match(line) for line in following
    )


def _is_cut_marker(plain: str) -> bool:
    return len(plain) <= _MAX_MARKER_CHARS and bool(
        _ORIGINAL_MESSAGE.match(plain) or _BANNER_ATTRIBUTION.match(plain)
    )


def remove_quoted(text: str) -> str:
    """Remove quoted earlier mail from a reply, cutting only at recognisable markers.

    Lines starting with ">" go. Everything from "-----Original Message-----", an
    Outlook "From:/Sent:/To:" block, a "---- X wrote ----" banner, or an attribution
    ("On ... wrote:", "Le ... a écrit :", "... كتب:", "Mnamo ... aliandika:") that
    names an address is cut; an attribution directly followed by ">" lines is only
    removed itself, so text written below the quote (bottom-posting) is kept. A
    "Forwarded message" banner stops all removal: what follows is evidence.
    """
    lines = text.split("\n")
    plains = [_plain(line) for line in lines]
    out: list[str] = []
    index = 0
    while index < len(lines):
        line, plain = lines[index], plains[index]
        if len(plain) <= _MAX_MARKER_CHARS and _FORWARD_BANNER.match(plain):
            out.extend(lines[index:])
            break
        if line.startswith(">"):
            index += 1
            continue
        if _is_cut_marker(plain) or _is_outlook_header(plains, index):
            break
        span = _attribution_length(plains, index)
        if span:
            after = index + span
            while after < len(lines) and not plains[after]:
                after += 1
            if after < len(lines) and lines[after].startswith(">"):
                index += span
                continue
            if "@" in " ".join(plains[index : index + span]):
                break
        out.append(line)
        index += 1
    while out and (not out[-1].strip() or _SEPARATOR_LINE.match(out[-1])):
        out.pop()
    return "\n".join(out)


# --------------------------------------------------------------------------- codenames

_DIGIT_SEPARATOR = "[ \u00a0\u202f\\-\u2010-\u2015.]"
_OPTIONAL_MARK = f"[{_BIDI_MARKS}]?"
_GROUP_SEPARATOR = f"{_OPTIONAL_MARK}{_DIGIT_SEPARATOR}{_OPTIONAL_MARK}"
_CODENAME = re.compile(
    rf"(?<!\d)(?<!\d{_DIGIT_SEPARATOR})"
    rf"(?:\d{{16}}|\d{{4}}(?:{_GROUP_SEPARATOR}\d{{4}}){{3}})"
    rf"(?!\d)(?!{_DIGIT_SEPARATOR}\d)"
)
# For removal, be generous: any digits, any script, up to three separators between.
_LOOSE_SEPARATOR = f"[\\s\\-\u2010-\u2015._/,\u066b\u066c{_BIDI_MARKS}]"
_DIGIT_RUN = re.compile(rf"\d(?:{_LOOSE_SEPARATOR}{{0,3}}\d)*")


def _ascii_digits(text: str) -> str:
    """The ASCII form of every decimal digit in text, in any script; others dropped."""
    out: list[str] = []
    for char in text:
        value = unicodedata.decimal(char, None)
        if value is not None:
            out.append(str(value))
    return "".join(out)


def find_codename(*texts: str) -> str | None:
    """The first 16-digit codename (16 digits, or 4-4-4-4 groups) in texts, as ASCII."""
    for text in texts:
        for match in _CODENAME.finditer(text):
            digits = _ascii_digits(match.group())
            if len(digits) == 16:
                return digits
    return None


def strip_codename(text: str, codename_digits: str) -> str:
    """Replace every occurrence of the codename with "[codename removed]".

    Matches in any digit script and any grouping (spaces, hyphens, dots, line
    breaks, bidi marks between digits), even inside a longer number: removing too
    much is safe, leaving a codename in the report text is not.
    """
    target = _ascii_digits(codename_digits)
    if len(target) < 8 or not re.fullmatch(rf"(?:\d|{_LOOSE_SEPARATOR})+", codename_digits):
        raise ValueError("a digit codename is eight or more digits")
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        positions = [run.start() + i for i, c in enumerate(run.group()) if c.isdecimal()]
        digits = _ascii_digits(run.group())
        if len(digits) != len(positions):
            continue
        found = digits.find(target)
        while found != -1:
            spans.append((positions[found], positions[found + len(target) - 1] + 1))
            found = digits.find(target, found + len(target))
    for start, end in reversed(spans):
        text = text[:start] + CODENAME_PLACEHOLDER + text[end:]
    return text


_CASE_REFERENCE = re.compile(
    r"(?<![0-9A-Za-z])HL[-\u2010\u2011\u2013]([0-9A-HJKMNP-TV-Z]{4})[-\u2010\u2011\u2013]"
    r"([0-9A-HJKMNP-TV-Z]{4})(?![0-9A-Za-z])",
    re.I | re.A,
)


def find_case_reference(subject: str) -> str | None:
    """The case reference, like HL-7K3M-Q9PA (Crockford base32, any case), uppercased."""
    match = _CASE_REFERENCE.search(subject)
    if match is None:
        return None
    return f"HL-{match.group(1).upper()}-{match.group(2).upper()}"


# --------------------------------------------------------------------------- category

_PLUS_TAGS = {
    "fraud": TAXPAYER_FRAUD,
    "fraude": TAXPAYER_FRAUD,
    "tax": TAXPAYER_FRAUD,
    "smuggling": TAXPAYER_FRAUD,
    "corruption": STAFF_MISCONDUCT,
    "misconduct": STAFF_MISCONDUCT,
    "staff": STAFF_MISCONDUCT,
    "bribery": STAFF_MISCONDUCT,
    "retaliation": RETALIATION,
    "reprisal": RETALIATION,
    "other": OTHER,
}

# Phrases, matched as whole words on folded text; a trailing "*" allows any ending.
# en, fr, rw (Kinyarwanda), sw (Swahili), ar. Words that are also everyday words
# ("corrupted file", "tax" alone) are deliberately absent.
# fmt: off
_KEYWORDS: dict[str, tuple[str, ...]] = {
    RETALIATION: (
        "retaliat*", "reprisal*", "harass*", "victimi*", "intimidat*", "threaten*",
        "represailles", "harcelement*", "retorsion*", "vengeance",
        "kwihorera", "ihohoterwa", "guhohoterwa", "itotezwa", "gutotezwa",
        "kulipiza kisasi", "kisasi", "unyanyasaji", "kunyanyaswa", "vitisho", "kutishiwa",
        "انتقام", "تحرش", "مضايقة", "مضايقات", "تهديد", "ترهيب",
    ),
    STAFF_MISCONDUCT: (
        "corrupt", "corruption", "corruptly", "brib*", "misconduct", "kickback*", "extort*",
        "abuse of office", "abuse of power", "abuse of authority", "embezzl*", "collusion",
        "corrompu*", "pot de vin", "pots de vin", "abus de pouvoir", "abus de fonction",
        "detournement*", "malversation*", "faute professionnelle",
        "ruswa", "kunyereza umutungo", "imyitwarire mibi",
        "rushwa", "ufisadi", "hongo", "kuhonga", "utovu wa nidhamu", "ubadhirifu",
        "فساد", "رشوة", "رشاوى", "مرتشي", "ارتشاء", "اختلاس", "سوء سلوك",
        "استغلال نفوذ", "استغلال سلطة",
    ),
    TAXPAYER_FRAUD: (
        "fraud*", "defraud*", "tax evasion", "tax evader*", "evading tax*", "evade tax*",
        "evaded tax*", "tax dodg*", "duty evasion", "smuggl*", "contraband", "undervalu*",
        "under invoic*", "underinvoic*", "false invoice*", "fake invoice*",
        "contrebande*", "evasion fiscale", "sous facturation", "fausse* facture*",
        "magendu", "forode", "kunyereza imisoro", "kunyereza umusoro", "uburiganya",
        "gukwepa imisoro", "gukwepa umusoro",
        "magendo", "ukwepaji wa kodi", "ukwepaji kodi", "kukwepa kodi", "kukwepa ushuru",
        "ukwepaji wa ushuru", "udanganyifu", "ulaghai",
        "تهريب", "مهرب", "تهرب ضريبي", "تهرب من ضرائب", "تهرب من ضريبة", "احتيال",
        "غش ضريبي", "غش تجاري", "فواتير مزورة",
    ),
}
# fmt: on
# Most urgent first: retaliation endangers a person; staff misconduct must not be
# routed to the line staff who may be implicated.
_PRIORITY = (RETALIATION, STAFF_MISCONDUCT, TAXPAYER_FRAUD, OTHER)

_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_ARABIC_PREFIX = "(?:[وف]?(?:[بك]?ال|لل|[بلك])?)"
_ARABIC_SUFFIX = "(?:ي|يه|ه|ها|هم|ات|ين|ون)?"
_ARABIC_FOLD = str.maketrans({"ى": "ي", "ة": "ه", "ک": "ك", "ی": "ي", "ـ": None})


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: NFKD without combining marks, casefolded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(
        c for c in decomposed if not unicodedata.combining(c) and unicodedata.category(c) != "Mn"
    )
    return stripped.translate(_ARABIC_FOLD).casefold()


def _phrase_pattern(phrase: str) -> str:
    words = re.split(r"[\s\-'’]+", _fold(phrase))
    parts: list[str] = []
    for word in words:
        stem = re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        if _ARABIC_LETTER.search(word):
            stem = _ARABIC_PREFIX + stem + _ARABIC_SUFFIX
        parts.append(stem)
    return r"(?<!\w)" + r"[\s\-'’]+".join(parts) + r"(?!\w)"


_KEYWORD_PATTERNS = {
    category: re.compile("|".join(_phrase_pattern(p) for p in phrases))
    for category, phrases in _KEYWORDS.items()
}


def _plus_tag_category(recipients: Iterable[str], local_part: str) -> str | None:
    wanted = local_part.casefold()
    found: set[str] = set()
    for recipient in recipients:
        address = parseaddr(recipient)[1] or recipient
        local, at, _ = address.strip().strip("<>").rpartition("@")
        base, plus, tag = local.partition("+")
        if at and plus and base.strip('"').casefold() == wanted:
            category = _PLUS_TAGS.get(_fold(tag.strip('"')))
            if category is not None:
                found.add(category)
    return next((c for c in _PRIORITY if c in found), None)


def detect_category(recipients: list[str], subject: str, local_part: str = "report") -> str:
    """The report category, from a plus address or else from subject keywords.

    A recognised plus tag among the recipients (report+fraud@, report+corruption@,
    report+retaliation@, report+other@...) decides; otherwise keywords in the subject
    (English, French, Kinyarwanda, Swahili, Arabic; case-, accent- and
    Arabic-diacritic-insensitive, whole words). Retaliation always wins, also over a
    plus tag, because it is the most urgent; then staff misconduct, then taxpayer
    fraud; "other" if nothing matches.
    """
    by_address = _plus_tag_category(recipients, local_part)
    folded = _fold(subject)
    by_subject = {c for c, pattern in _KEYWORD_PATTERNS.items() if pattern.search(folded)}
    if RETALIATION in by_subject or by_address == RETALIATION:
        return RETALIATION
    if by_address is not None:
        return by_address
    return next((c for c in _PRIORITY if c in by_subject), OTHER)


# ------------------------------------------------------------------------- MIME walk


@dataclass
class _Text:
    text: str
    forwarded: int  # 0: the reporter's own message; n: inside n forwarded messages
    marker: bool = False


@dataclass
class _Walk:
    defects: _Defects
    texts: list[_Text] = field(default_factory=list)
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
            text = head + re.sub(rf"(?:\d|{_LOOSE_SEPARATOR})+\Z", "", tail)
        if text:
            self.texts.append(_Text(text, forwarded))
            self.chars += len(text)


def _content_type(part: Message, defects: _Defects) -> str:
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


def _filename(part: Message, defects: _Defects) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        defects.add("FilenameError")
        return None
    if name is None:
        return None
    if "=?" in name:  # encoded-word in a parameter: not standard, but common
        name = _decode_words(name, defects)
    return name


def _safe_filename(name: str | None) -> str:
    """The last path component, without control characters; "attachment" if empty."""
    if name is None:
        return DEFAULT_ATTACHMENT_NAME
    name = _clean_line(_unsurrogate(name), 4 * _MAX_NAME_CHARS)
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


def _payload_bytes(part: Message, defects: _Defects) -> bytes:
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


def _part_text(part: Message, ctype: str, defects: _Defects) -> str:
    """The decoded text of a text/plain or text/html part, as plain text."""
    try:
        charset = part.get_param("charset")
        charset_label = charset if isinstance(charset, str) else None
        text = _clean_text(_decode_bytes(_payload_bytes(part, defects), charset_label, defects))
        if ctype == "text/html":
            if len(text) > _MAX_HTML_CHARS:
                defects.add("TextTruncated")
            return html_to_text(text[:_MAX_HTML_CHARS])
        if str(part.get_param("format", "")).lower() == "flowed":
            text = _unflow(text, str(part.get_param("delsp", "")).lower() == "yes")
        return _tidy(_strip_inline_pgp(text))
    except Exception:  # one bad part must not lose the others
        defects.add("TextPartError")
        return ""


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _is_body_text(ctype: str, part: Message, defects: _Defects) -> bool:
    return (
        ctype in ("text/plain", "text/html")
        and _disposition(part) != "attachment"
        and _filename(part, defects) is None
    )


def _choose_alternative(children: list[Message], defects: _Defects) -> Message | None:
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


def _walk(part: Message, walk: _Walk, depth: int, forwarded: int, attachments_only: bool) -> None:
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
    part: Message, walk: _Walk, depth: int, forwarded: int, attachments_only: bool
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
                text = _clean_text(_decode_bytes(_payload_bytes(part, defects), None, defects))
                walk.add_text(_tidy(text), forwarded)
            return
        chosen = _choose_alternative(children, defects) if subtype == "alternative" else None
        for child in children:
            only = attachments_only or (chosen is not None and child is not chosen)
            _walk(child, walk, depth + 1, forwarded, only)
        return
    if maintype == "message":
        children = _children(part)
        if subtype in ("rfc822", "global") and children:
            if not attachments_only:
                walk.texts.append(_Text(FORWARDED_MARKER, forwarded + 1, marker=True))
            # The forwarded message's own headers are never read: only its MIME tree.
            _walk(children[0], walk, depth + 1, forwarded + 1, attachments_only)
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


def _assemble(texts: list[_Text], strip_quotes: bool) -> str:
    sections: list[str] = []
    for item in texts:
        body = item.text
        if strip_quotes and item.forwarded == 0 and not item.marker:
            body = remove_quoted(body)
        body = _tidy(body)
        if body:
            sections.append(body)
    return "\n\n".join(sections)


def _truncate(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    note = "\n" + TRUNCATION_NOTE
    return text[: MAX_TEXT_CHARS - len(note)] + note


# ----------------------------------------------------------------------------- parse


def _parse_message(raw: bytes, defects: _Defects) -> Message | None:
    try:
        return email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # the parser is tolerant; this is belt and braces
        defects.add("ParserError")
        return None


def _body_only(raw: bytes, defects: _Defects) -> str:
    """The text after the first blank line, for when the parser itself failed."""
    parts = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    body = parts[1] if len(parts) == 2 else b""
    return _tidy(_clean_text(_decode_bytes(body, None, defects)))


def parse(raw: bytes, *, local_part: str = "report") -> ParsedEmail:
    """Parse one raw RFC 5322 message. Raises only :class:`NotAnEmail` (see its rule).

    ``local_part`` is the local part of the published address, for plus tags.
    """
    if not isinstance(raw, bytes | bytearray):
        raise NotAnEmail("not bytes")
    data = _strip_preamble(bytes(raw))
    _check_first_line(data)
    defects = _Defects()
    data = _repair_header_block(data, defects)
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
            category=OTHER,
            codename=codename,
            case_reference=None,
            message_id=None,
            defects=defects.as_tuple(),
        )

    names = {str(key).lower() for key, _ in msg.raw_items()}
    if not names & _KNOWN_MESSAGE_HEADERS:
        raise NotAnEmail("no message headers")

    subject = _clean_line(_header_text(msg, "Subject", defects) or "", _MAX_SUBJECT_CHARS)
    sender = _sender(msg, defects)
    walk = _Walk(defects)
    _walk(msg, walk, 0, 0, attachments_only=False)

    full_text = "\n".join(item.text for item in walk.texts)
    if "from" not in names and not full_text.strip() and not walk.attachments:
        raise NotAnEmail("neither a sender nor a body")

    codename = find_codename(subject, full_text)
    text = _assemble(walk.texts, strip_quotes=not _FORWARD_SUBJECT.match(subject))
    attachments = walk.attachments
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
        category=detect_category(_recipients(msg), subject, local_part),
        codename=codename,
        case_reference=find_case_reference(subject),
        message_id=_message_id(msg),
        attachments=tuple(attachments),
        defects=defects.as_tuple(),
        language=_content_language(msg),
    )
