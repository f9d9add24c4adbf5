"""Keep pypdf and Pillow from logging while they read an uploaded file.

The libraries we feed untrusted files to log what they find in them: pypdf's
warnings quote raw bytes of the PDF, Pillow's TIFF plugin logs every EXIF
value (artist, serial number, GPS) at DEBUG level. Records emitted while
this package is processing a file are dropped. The switch is a ContextVar, so
it is per thread and per task, and pypdf/Pillow logging elsewhere in the
process is untouched.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from PIL import (
    GifImagePlugin,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

processing: ContextVar[bool] = ContextVar("hotline_attachments_processing", default=False)
_QUIET_LOGGER_ROOTS = ("pypdf", "pikepdf", "PIL")


class _DropWhileProcessing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not processing.get()


_DROP_WHILE_PROCESSING = _DropWhileProcessing()
# The Pillow plugins we use, imported up front so that their loggers already
# exist when quiet_library_loggers() looks (TiffImagePlugin parses EXIF).
_PILLOW_PLUGINS = (
    GifImagePlugin,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)


def quiet_library_loggers() -> None:
    # A logger's filters only see records logged on that very logger, not
    # those propagated from its children, so every module logger gets one.
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if (
            isinstance(logger, logging.Logger)
            and name.split(".", 1)[0] in _QUIET_LOGGER_ROOTS
            and _DROP_WHILE_PROCESSING not in logger.filters
        ):
            logger.addFilter(_DROP_WHILE_PROCESSING)
