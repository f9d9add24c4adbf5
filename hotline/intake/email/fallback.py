"""Broken mail is filed, not rejected: without the files that cannot be filed,
and cut to length, with a note in the sealed text saying so.

The service refuses a whole draft for one unreadable file or too many
megabytes, which suits a form the reporter can correct; a reporter who e-mailed
may never write again, so their words are filed whatever becomes of the files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from hotline.intake.attachments import UnreadableFile
from hotline.intake.attachments.confinement import clean_confined
from hotline.intake.service import DraftRejected, Upload
from hotline.procedure import DraftRefusal

__all__ = ["truncate", "with_files_fallback"]

_DROPPED_UNREADABLE = "[{count} attached file(s) could not be read and were not filed.]"
_DROPPED = "[{count} attached file(s) were too large or unreadable and were not filed.]"
_FILE_REASONS = (
    DraftRefusal.UNREADABLE_FILE,
    DraftRefusal.FILES_TOO_LARGE,
    DraftRefusal.FILES_TOO_COSTLY,
)
_TEXT_CUT = "\n[The rest of this e-mail was too long and was not filed.]"

T = TypeVar("T")


def truncate(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters, ending with a note that the rest was not filed."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(_TEXT_CUT), 0)] + _TEXT_CUT


def _with_note(text: str, note: str, limit: int) -> str:
    """The text with a note at its end, cut first if both would not fit."""
    return (truncate(text, limit - len(note) - 2) + "\n\n" + note).strip()


def with_files_fallback(
    attempt: Callable[[str, Sequence[Upload]], T],
    text: str,
    uploads: list[Upload],
    limit: int,
    max_files: int,
) -> tuple[T, int]:
    """File with the attachments; if they cannot be filed, file without the bad
    ones (and beyond ``max_files``, the last ones; without all of them when too
    large together) and say so in the text.

    The service refuses the whole draft for one unreadable file, which suits a
    form the reporter can correct; a reporter who e-mailed may never write again.
    """
    try:
        return attempt(text, uploads), 0
    except DraftRejected as exc:
        if not uploads or exc.reason not in _FILE_REASONS:
            raise
        reason = exc.reason
    kept = []
    if reason in (DraftRefusal.UNREADABLE_FILE, DraftRefusal.FILES_TOO_COSTLY):
        # Too many files, or one too costly: the first ones that clean, up to the cap.
        kept = [u for u in uploads if _readable(u)][:max_files]
    if kept:
        dropped_note = _DROPPED_UNREADABLE if reason == DraftRefusal.UNREADABLE_FILE else _DROPPED
        note = dropped_note.format(count=len(uploads) - len(kept))
        try:
            return attempt(_with_note(text, note, limit), kept), len(uploads) - len(kept)
        except DraftRejected as exc:
            if exc.reason not in _FILE_REASONS:
                raise
    template = (
        _DROPPED_UNREADABLE if reason == DraftRefusal.UNREADABLE_FILE and not kept else _DROPPED
    )
    note = template.format(count=len(uploads))
    return attempt(_with_note(text, note, limit), []), len(uploads)


def _readable(upload: Upload) -> bool:
    try:
        clean_confined(upload.name, upload.claimed_type, upload.content)
    except UnreadableFile:  # TooCostly too
        return False
    return True
