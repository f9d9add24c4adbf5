"""Plain text from e-mail bodies: normalising, HTML to text, PGP armour, flowed text.

Report text is shown to the custodian and the officers, so nothing in it may
steer how it is displayed: control characters and bidi overrides go, HTML is
reduced to text by nh3 (no tags, no script/style content survive) so no
interface ever renders reporter-supplied markup, and inline PGP signatures go
because a signature names the signer's key.
"""

from __future__ import annotations

import html
import re

import nh3

__all__ = [
    "BIDI_CONTROLS",
    "clean_line",
    "clean_text",
    "html_to_text",
    "strip_inline_pgp",
    "tidy",
    "unflow",
]

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff" + BIDI_CONTROLS + "]",
)
_NEWLINES = re.compile(r"\r\n|\r|\u2028|\u2029|\x85")


def clean_text(text: str) -> str:
    """Unix newlines; no control characters or bidi overrides (display spoofing)."""
    text = _NEWLINES.sub("\n", text)
    return _UNSAFE_CHARS.sub("", text)


def tidy(text: str) -> str:
    """Strip line ends and runs of blank lines."""
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def clean_line(text: str, limit: int) -> str:
    text = clean_text(text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit]


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
    text = clean_text(html.unescape(text)).replace("\xa0", " ").replace(_SOFT_BREAK, "")
    lines = [line.strip() for line in text.split("\n")]
    return tidy("\n".join(lines))


# ---------------------------------------------------------------------- plain text

_PGP_SIGNED_HEAD = re.compile(
    r"^-----BEGIN PGP SIGNED MESSAGE-----[ \t]*\n(?:[A-Za-z-]+:[^\n]*\n)*\n?", re.M
)
_PGP_SIGNATURE_BEGIN = "-----BEGIN PGP SIGNATURE-----"
_PGP_SIGNATURE_END = "-----END PGP SIGNATURE-----"


def strip_inline_pgp(text: str) -> str:
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


def unflow(text: str, delsp: bool) -> str:
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
