"""What the pictures inside one document cost, against what the report has left.

A standalone picture is charged by :func:`.images.clean_image` itself. The
pictures inside a PDF, an Office or an OpenDocument file are charged here as
each one is decoded, so the report's pixel budget
(``HOTLINE_MAX_PIXELS_PER_REPORT``) bounds them too: ten PDFs of scanned pages
cost what ten photos do, not ten times the cleaning child's limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from hotline.intake.attachments.errors import OverBudget

PIXELS_SPENT = "The pictures of this report hold too many pixels together to be processed safely."


@dataclass
class PixelMeter:
    #: What the report may still decode; None for no budget.
    allowed: int | None
    spent: int = 0

    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.spent, 0)

    def charge(self, pixels: int) -> None:
        """Count a picture about to be decoded; refuse it when over the budget."""
        self.spent += pixels
        if self.allowed is not None and self.spent > self.allowed:
            raise OverBudget(PIXELS_SPENT)


_METER: ContextVar[PixelMeter | None] = ContextVar("pixel_meter", default=None)


@contextmanager
def metered(allowed: int | None) -> Iterator[PixelMeter]:
    """Charge the pictures decoded inside this block to a new meter."""
    meter = PixelMeter(allowed)
    token = _METER.set(meter)
    try:
        yield meter
    finally:
        _METER.reset(token)


def charge(pixels: int) -> None:
    meter = _METER.get()
    if meter is not None:
        meter.charge(pixels)


def left() -> int | None:
    """What the current document's pictures may still decode (None: no budget)."""
    meter = _METER.get()
    return None if meter is None else meter.left()
