"""Error pages for the whole application, in the layout of the page that failed.

Officer pages (under ``/officer/``) answer in the officer layout, everything
else (reporter and public pages) in the reporter layout, with the same words.
The reporter's report form keeps what was typed after an expired CSRF token:
that one is answered by the reporter blueprint itself (``intake.web.views``).
"""

from __future__ import annotations

from flask import Flask, Response, g, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from hotline.instance import current

OFFICER_AREA = "/officer"


def in_officer_area() -> bool:
    return request.path == OFFICER_AREA or request.path.startswith(OFFICER_AREA + "/")


def error_page(status: int, title: str, message: str) -> Response:
    template = "officer/error.html" if in_officer_area() else "reporter/error.html"
    return make_response(render_template(template, title=title, message=message), status)


def form_expired(_error: CSRFError) -> Response:
    return error_page(
        400,
        _("The form expired"),
        _("Nothing was sent. Go back, copy your text, reload the page and try again."),
    )


def too_large(_error: RequestEntityTooLarge) -> Response:
    return error_page(
        413,
        _("Too large"),
        _(
            "The files are too large together: at most %(mb)s MB. Go back: your text is "
            "still in the form. Remove a file and send again.",
            mb=current().config.max_upload_bytes // (1024 * 1024),
        ),
    )


def rate_limited(_error: HTTPException) -> Response:
    return error_page(
        429,
        _("Please wait"),
        _("Too many attempts from this connection. Wait a while, then try again."),
    )


def session_ended(error: HTTPException) -> Response | HTTPException:
    """An officer's form sent after their session ended (30 minutes idle, 12
    hours in all): say so in their layout, and how not to lose what they typed."""
    if not in_officer_area():
        return error
    return error_page(
        401,
        _("Your session ended"),
        _(
            "Nothing was sent. Go back and copy your text, then sign in again and "
            "send it from the case page."
        ),
    )


def not_found(_error: HTTPException) -> Response:
    return error_page(404, _("Page not found"), _("This page does not exist."))


def database_unavailable(_error: OperationalError) -> tuple[str, int, dict[str, str]]:
    """A database outage is a clear, retryable 503, never a 500 or a half-filed case
    (the request's transaction is rolled back with its session)."""
    if not in_officer_area():
        return render_template("reporter/unavailable.html"), 503, {"Retry-After": "60"}
    # The officer layout asks who is signed in; during an outage it must not ask
    # the database again, so a session not read yet counts as signed out here.
    if "officer" not in g:
        g.officer = None
    page = render_template(
        "officer/error.html",
        title=_("Please try again in a minute"),
        message=_(
            "The hotline cannot store anything right now, so nothing was sent. Go back: "
            "your text is still in the form. Try again in a minute."
        ),
    )
    return page, 503, {"Retry-After": "60"}


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(CSRFError, form_expired)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(401, session_ended)
    app.register_error_handler(429, rate_limited)
    app.register_error_handler(404, not_found)
