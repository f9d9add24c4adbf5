"""The file name an evidence file is shown under."""

from __future__ import annotations

import re
import unicodedata

_MAX_NAME_CHARS = 120
_MAX_EXTENSION_CHARS = 16
_FALLBACK_NAME = "attachment"


# Cc: control characters (NUL, newline, ESC...); Cf: invisible format
# characters, including the bidi overrides used to disguise "gpj.exe" as
# "exe.jpg"; Cs: lone surrogates, which cannot even be encoded; Zl/Zp: line
# and paragraph separators.
_DROPPED_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def safe_name(name: str | None) -> str:
    """Basename only, no control or invisible characters, at most 120 chars."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) not in _DROPPED_NAME_CATEGORIES)
    # Split on both separators: a Windows browser sends "C:\\Users\\me\\x.jpg",
    # and "../" must never reach anything that builds a path.
    text = re.split(r"[/\\]", text)[-1].strip()
    if not text.strip("."):
        # "", "." and ".." are not names.
        return _FALLBACK_NAME
    if len(text) > _MAX_NAME_CHARS:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION_CHARS:
            # Keep the extension so the name still says what the file is.
            stem = stem[: _MAX_NAME_CHARS - len(extension) - 1].rstrip()
            text = f"{stem}.{extension}"
        else:
            text = text[:_MAX_NAME_CHARS].rstrip()
    return text or _FALLBACK_NAME


def with_extension(name: str, extension: str) -> str:
    """``name`` with its extension replaced (a converted photo: IMG_1.HEIC → IMG_1.jpg)."""
    stem, dot, _old = name.rpartition(".")
    return f"{stem if dot and stem else name}.{extension}"
