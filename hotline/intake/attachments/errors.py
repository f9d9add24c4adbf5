"""The errors the cleaner raises."""

from __future__ import annotations


class UnreadableFile(ValueError):
    """The content is (by its magic bytes) an image or PDF we clean, but it
    cannot be decoded, or it is too large to decode safely.

    The message is plain English and contains nothing from the file, so it is
    safe to show to the reporter.
    """


class TooCostly(UnreadableFile):
    """The file (or the report's files together) would cost more memory, CPU
    or time to clean than a report is allowed: refused, like an unreadable
    file, but the reporter is told to send fewer or smaller files."""


class OverBudget(TooCostly):
    """The report's pictures together, those inside its documents included,
    would decode to more pixels than its budget: the file is refused, never
    kept with a blank in place of a picture."""
