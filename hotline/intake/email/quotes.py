"""Removing quoted earlier mail from a follow-up.

A reporter's reply quotes the hotline's own acknowledgement and their earlier
mail; filing that again would repeat it in the case. Only recognisable markers
cut: text that merely looks quoted stays, because it may be evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hotline.crypto.codename_text import BIDI_MARKS
from hotline.intake.email.text import BIDI_CONTROLS

__all__ = ["FORWARD_SUBJECT", "remove_quoted"]

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
FORWARD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(?:fwd?|tr|wg|rv|enc)\s*:", re.I)
_SEPARATOR_LINE = re.compile(r"^\s*(?:_{5,}|-{5,})\s*$")


_INVISIBLE = str.maketrans(dict.fromkeys(map(ord, BIDI_MARKS + BIDI_CONTROLS)))
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
