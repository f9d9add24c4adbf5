"""What the reporter's pages share: rendering with a status, the onion
exemption from per-address limits, uploaded files, the unit choices, and the
reporter's words for a refused draft."""

from __future__ import annotations

from typing import Any, assert_never
from urllib.parse import urlsplit

from flask import Response, make_response, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from hotline.instance import current
from hotline.intake.service import DraftRejected, Upload
from hotline.procedure import DraftRefusal


def through_onion() -> bool:
    """Requests that reach us through the onion service all share one address;
    a per-address limit there would let one guesser lock every reporter out."""
    onion = current().config.onion_url
    return bool(onion) and urlsplit(onion).hostname == request.host.split(":")[0]


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
    return [SelectChoice(slug, unit.name) for slug, unit in current().policy.units.items()]


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
