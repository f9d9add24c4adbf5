"""Keep pypdf, pikepdf and Pillow from logging what they read in an uploaded file.

The libraries we feed untrusted files to log what they find in them: pypdf's
warnings quote raw bytes of the PDF, Pillow's TIFF plugin logs every EXIF
value (artist, serial number, GPS) at DEBUG level. Hotline gives them nothing
but such files, so their parent loggers are set above CRITICAL before the
first file: a module logger made later (pypdf makes some on first use, in the
middle of a file) inherits that level and writes nothing, whatever the
server's logging configuration. A child logger given its own level by its
library is also filtered while a file is processed (a ContextVar, per thread
and per task).
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
_QUIET_LOGGER_ROOTS = ("pypdf", "pikepdf", "PIL", "pillow_heif", "libav")


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


#: Above every level a library logs at.
SILENT = logging.CRITICAL + 1


def quiet_library_loggers() -> None:
    for root in _QUIET_LOGGER_ROOTS:
        logging.getLogger(root).setLevel(SILENT)
    # A logger's filters only see records logged on that very logger, not
    # those propagated from its children, so every module logger gets one.
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if (
            isinstance(logger, logging.Logger)
            and name.split(".", 1)[0] in _QUIET_LOGGER_ROOTS
            and _DROP_WHILE_PROCESSING not in logger.filters
        ):
            logger.addFilter(_DROP_WHILE_PROCESSING)
