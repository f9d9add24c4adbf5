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
from hotline.intake.attachments.confinement import Allowance, clean_confined
from hotline.intake.service import DraftRejected, Limits, Upload
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
    limits: Limits,
) -> tuple[T, int]:
    """File with the attachments; if they cannot be filed, file the first ones
    that clean and fit the report's budget together (files, megabytes and
    pixels, see ``service.clean_uploads``), and say in the text how many were not.

    The service refuses the whole draft for one unreadable file, which suits a
    form the reporter can correct; a reporter who e-mailed may never write again.
    """
    try:
        return attempt(text, uploads), 0
    except DraftRejected as exc:
        if not uploads or exc.reason not in _FILE_REASONS:
            raise
        reason = exc.reason
    kept = _within_budget(uploads, limits)
    if kept:
        dropped_note = _DROPPED_UNREADABLE if reason == DraftRefusal.UNREADABLE_FILE else _DROPPED
        note = dropped_note.format(count=len(uploads) - len(kept))
        try:
            return attempt(_with_note(text, note, limits.max_chars), kept), len(uploads) - len(kept)
        except DraftRejected as exc:
            if exc.reason not in _FILE_REASONS:
                raise
    template = (
        _DROPPED_UNREADABLE if reason == DraftRefusal.UNREADABLE_FILE and not kept else _DROPPED
    )
    note = template.format(count=len(uploads))
    return attempt(_with_note(text, note, limits.max_chars), []), len(uploads)


def _within_budget(uploads: Sequence[Upload], limits: Limits) -> list[Upload]:
    """The files that clean, in order, while together they stay within the
    report's budget: a file that would overspend it is skipped, later smaller
    ones may still fit."""
    kept: list[Upload] = []
    size = pixels = 0
    for upload in uploads:
        if len(kept) == limits.max_files:
            break
        if not upload.content or size + len(upload.content) > limits.max_upload_bytes:
            continue
        try:
            cleaned = clean_confined(
                upload.name,
                upload.claimed_type,
                upload.content,
                Allowance(pixels=limits.max_pixels - pixels),
            )
        except UnreadableFile:  # TooCostly too: over what the report has left
            continue
        kept.append(upload)
        size += len(upload.content)
        pixels += cleaned.pixels
    return kept
