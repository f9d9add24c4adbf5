"""Uploaded files are held in memory only, never in a temporary file.

Werkzeug's form parser spools every file part over 500 KB to a temporary file
before the view sees it: a reporter's photo would lie on the server's disk in
the clear, and its blocks would remain there after the file is freed. Every
request of the application is parsed through :class:`MemoryRequest`, so every
route that accepts files (the report form, the check-in follow-up, and any
added later) keeps them in a ``BytesIO``. ``MAX_CONTENT_LENGTH`` (the upload
cap plus the text) bounds what one request can hold in memory, and the parser
refuses a body longer than that before reading it."""

from __future__ import annotations

from io import BytesIO
from typing import IO

from flask import Request


class MemoryRequest(Request):
    """Flask's request, with each uploaded file parsed into memory."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return BytesIO()
