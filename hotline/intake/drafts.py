"""What a channel hands to ``submit`` and ``append``, and what it gets back.

A :class:`Draft` (with its :class:`Upload` files) in, a :class:`Receipt` out,
:class:`DraftRejected` when the draft cannot be filed as it is, and the
operator's :class:`Limits`. The filing itself is ``hotline.intake.service``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from hotline.config import Config
from hotline.procedure import Category, Channel, DraftRefusal


class DraftRejected(ValueError):
    """The draft cannot be filed as it is.

    ``reason`` is a stable key each channel turns into words in the reporter's
    language; the English message is for logs of the CLI and for tests.
    """

    def __init__(self, reason: DraftRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnknownCase(LookupError):
    """No such case for this reporter."""


@dataclass(frozen=True)
class Upload:
    """A file as the reporter sent it, before metadata is removed."""

    name: str
    claimed_type: str | None
    content: bytes


@dataclass(frozen=True)
class Draft:
    category: Category
    text: str
    channel: Channel
    attachments: Sequence[Upload] = ()
    #: Units the report concerns; their queues are excluded.
    concerns: frozenset[str] = frozenset()
    #: Contact details the reporter chose to give; sealed to the custodian only.
    contact: str | None = None
    contact_kind: str = "contact"
    #: Disclosures of the same reporter this one follows from (retaliation → original).
    related_to: Sequence[str] = ()
    #: "words" (web) or "digits" (SMS, e-mail, voice).
    codename_kind: str = "words"
    language: str | None = None  # the reporter's, when the channel knows it


@dataclass(frozen=True)
class FileReceipt:
    name: str
    removed: tuple[str, ...]
    metadata_warning: bool


@dataclass(frozen=True, repr=False)
class Receipt:
    """What the reporter is told. ``codename`` is None when they already had one."""

    codename: str | None
    reference: str
    disclosure_id: str
    reporter_id: str
    files: tuple[FileReceipt, ...] = field(default=())
    #: The queues that received it, and those it is kept from (ticked or inherited).
    queues: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"Receipt({self.reference})"


@dataclass(frozen=True)
class Limits:
    """How much one report may carry. Set by the operator (``HOTLINE_MAX_*``):
    build it with :meth:`from_config`, never with numbers of its own."""

    max_chars: int
    max_upload_bytes: int
    #: The process's cap on concurrent cleanings (the instance holds it).
    cleanings: threading.BoundedSemaphore | None = field(default=None, compare=False)
    max_files: int = 10
    max_pixels: int = 500_000_000

    @classmethod
    def from_config(
        cls, config: Config, cleanings: threading.BoundedSemaphore | None = None
    ) -> Limits:
        return cls(
            config.max_report_chars,
            config.max_upload_bytes,
            cleanings,
            config.max_files,
            config.max_pixels_per_report,
        )
