"""Decoding e-mail text whatever charset it claims, or none.

A reporter cannot fix their mail client, so a wrong or unknown charset label
must still yield readable text, and no label may pick a Python codec that is
not a character set (base64, zlib) or that interprets its input
(unicode-escape).
"""

from __future__ import annotations

import codecs
from functools import lru_cache

from hotline.intake.email.defects import Defects

__all__ = ["decode_bytes"]

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


def decode_bytes(data: bytes, charset: str | None, defects: Defects) -> str:
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
