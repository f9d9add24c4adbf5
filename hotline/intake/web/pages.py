"""What the reporter's pages share: rendering with a status, the onion
exemption from per-address limits, uploaded files, the unit choices, and the
reporter's words for a refused draft."""

from __future__ import annotations

from typing import Any, assert_never

from flask import Response, make_response, render_template, request
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from hotline.instance import current
from hotline.intake.service import DraftRejected, Upload
from hotline.procedure import DraftRefusal

#: Set by a WSGI caller that is not gunicorn (the test client) to say a request
#: came through the onion service. No HTTP header can reach a key without the
#: ``HTTP_`` prefix, and under gunicorn the listener decides instead.
ONION_ENVIRON_KEY = "hotline.onion"


def through_onion() -> bool:
    """Requests that reach us through the onion service all share one address;
    a per-address limit there would let one guesser lock every reporter out.

    Which requests those are is decided by the listener they arrived on
    (``HOTLINE_ONION_BIND``, which only the Tor daemon can reach), never by the
    ``Host`` header or anything else a client sends."""
    listener = request.environ.get("gunicorn.socket")
    if listener is None:
        return request.environ.get(ONION_ENVIRON_KEY) is True
    bind = current().config.onion_bind
    return bind is not None and same_listener(listener.getsockname(), bind)


def same_listener(address: object, bind: str) -> bool:
    """Whether a socket's local address is the gunicorn ``bind`` given:
    ``unix:PATH`` or ``HOST:PORT`` (``[::1]:PORT`` for IPv6)."""
    if bind.startswith("unix:"):
        return isinstance(address, str) and address == bind.removeprefix("unix:")
    if not isinstance(address, tuple):
        return False
    host, _, port = bind.rpartition(":")
    return str(address[0]) == host.strip("[]") and str(address[1]) == port


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, **context), status)
    return response


def uploads(files: list[FileStorage] | None) -> list[Upload]:
    return [
        Upload(name=f.filename or "attachment", claimed_type=f.mimetype, content=f.read())
        for f in files or []
        if isinstance(f, FileStorage) and f.filename
    ]


def unit_choices() -> list[SelectChoice]:
    """The units a report can concern, named in the page's language (rra.toml)."""
    language = str(get_locale())
    return [
        SelectChoice(slug, unit.label(language)) for slug, unit in current().policy.units.items()
    ]


def rejection_message(error: DraftRejected) -> str:
    """The reporter's words for why a draft was refused."""
    config = current().config
    match error.reason:
        case DraftRefusal.TEXT_TOO_LONG:
            return str(
                _(
                    "The text is too long: at most %(count)s characters.",
                    count=format_decimal(config.max_report_chars),
                )
            )
        case DraftRefusal.FILES_TOO_LARGE:
            return str(
                _(
                    "The files are too large together: at most %(mb)s MB.",
                    mb=config.max_upload_bytes // (1024 * 1024),
                )
            )
        case DraftRefusal.FILES_TOO_COSTLY:
            return str(
                _(
                    "The files are too many or too large to clean safely: at most %(count)s "
                    "files, and pictures of %(megapixels)s megapixels together. Send fewer "
                    "or smaller files (a screenshot of a large photo works). Your text is "
                    "kept below.",
                    count=config.max_files,
                    megapixels=config.max_pixels_per_report // 1_000_000,
                )
            )
        case DraftRefusal.EMPTY:
            return str(_("Please describe what happened."))
        case DraftRefusal.UNREADABLE_FILE:
            return str(_("A file could not be read. Remove it or send it in another format."))
        case DraftRefusal.UNROUTABLE:
            # The form offers only the policy's categories and units, so what
            # routing can refuse is ticking more units than it allows.
            units = current().policy.max_concerns
            return str(_("Please tick at most %(count)s units.", count=units))
        case _:
            assert_never(error.reason)
