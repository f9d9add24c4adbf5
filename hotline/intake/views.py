"""Reporter web pages: landing, report form, receipt, check-in. No JavaScript anywhere.

Views parse, call ``intake.service`` or ``intake.checkin``, and render. The
codename appears in exactly one response (the receipt of the submitting POST)
and is never put in a URL, cookie, session, log or cache.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from hotline.cases.states import outcome_label, reward_label, status_label
from hotline.crypto.codenames import ReporterKeys
from hotline.crypto.sessions import REPORTER_SESSIONS
from hotline.extensions import limiter
from hotline.instance import current, db_session
from hotline.intake import checkin
from hotline.intake.forms import (
    CATEGORY_LABELS,
    CheckinForm,
    FollowUpForm,
    LogoutForm,
    ReportForm,
)
from hotline.intake.prerendered import Prerendered, prerendered
from hotline.intake.prerendered import bind as bind_prerendered
from hotline.intake.receipts import removed_labels
from hotline.intake.retaliation import retaliation_links
from hotline.intake.service import (
    Draft,
    DraftRejected,
    Receipt,
    UnknownCase,
    Upload,
    append,
    submit,
)

blueprint = Blueprint("reporter", __name__)

REPORTER_COOKIE = "hl_r"
LANG_COOKIE = "lang"
FORM_TOKEN_MAX_AGE = 24 * 3600


def _through_onion() -> bool:
    """Requests that reach us through the onion service all share one address;
    a per-address limit there would let one guesser lock every reporter out."""
    onion = current().config.onion_url
    return bool(onion) and urlsplit(onion).hostname == request.host.split(":")[0]


# --- helpers local to these views ----------------------------------------------


def _token_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="report-form")


def _new_form_token() -> str:
    return _token_serializer().dumps(secrets.token_urlsafe(16))


def _valid_form_token(token: str | None) -> bool:
    if not token:
        return False
    try:
        _token_serializer().loads(token, max_age=FORM_TOKEN_MAX_AGE)
    except BadSignature:
        return False
    return True


def _uploads(files: list[FileStorage] | None) -> list[Upload]:
    return [
        Upload(name=f.filename or "attachment", claimed_type=f.mimetype, content=f.read())
        for f in files or []
        if isinstance(f, FileStorage) and f.filename
    ]


def _signed_in_reporter() -> ReporterKeys | None:
    payload = current().sessions.read("reporter", request.cookies.get(REPORTER_COOKIE))
    return checkin.keys_from_payload(payload) if payload else None


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, **context), status)
    return response


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(slug, unit.name) for slug, unit in current().policy.units.items()]


# --- pages ------------------------------------------------------------------------


@blueprint.get("/")
def landing() -> Response:
    return _page("reporter/landing.html", categories=CATEGORY_LABELS)


@blueprint.route("/report", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"], exempt_when=_through_onion)
def report() -> Response:
    instance = current()
    reporter = _signed_in_reporter()
    if request.method == "GET":
        wanted = request.args.get("category")
        category = wanted if wanted in CATEGORY_LABELS else None
        html = prerendered("report_form").page(
            (category, reporter is not None),
            lambda markers: _blank_report_form(category, reporter, markers),
            {"csrf_token": generate_csrf(), "form_token": _new_form_token()},
        )
        return make_response(html)

    form = ReportForm()
    form.concerns.choices = _unit_choices()
    if not form.validate_on_submit():
        form.form_token.data = form.form_token.data or _new_form_token()
        return _page("reporter/report.html", 400, form=form, reporter=reporter)
    token = form.form_token.data
    if not _valid_form_token(token):
        form.form_token.data = _new_form_token()
        form.form_token.errors = [_("This form has expired. Please send it again.")]
        return _page("reporter/report.html", 400, form=form, reporter=reporter)

    session = db_session()
    category = form.category.data or ""
    draft = Draft(
        category=category,
        text=form.body.data or "",
        channel="web",
        attachments=_uploads(form.attachment.data),
        concerns=frozenset(form.concerns.data or ()),
        related_to=retaliation_links(
            session,
            reporter_id=reporter.reporter_id if reporter is not None else None,
            category=category,
        ),
        codename_kind="words",
    )
    try:
        receipt = submit(
            session,
            draft,
            policy=instance.policy,
            kdf=instance.kdf,
            limits=instance.limits,
            reporter=reporter,
        )
        checkin.use_form_token(session, token)
        session.commit()
    except IntegrityError:
        session.rollback()
        if checkin.form_token_used(session, token):
            return _page("reporter/already_filed.html", 409)
        raise
    except DraftRejected as exc:
        session.rollback()
        form.body.errors = [_rejection_message(exc)]
        return _page("reporter/report.html", 400, form=form, reporter=reporter)
    return make_response(_receipt_page(receipt))


def _receipt_page(receipt: Receipt) -> str:
    if receipt.files:  # what was removed from each file: rendered for this receipt
        return render_template("reporter/receipt.html", receipt=receipt)
    values = {"reference": receipt.reference, "codename": receipt.codename or ""}
    return prerendered("receipt").page(
        receipt.codename is not None,
        lambda markers: render_template(
            "reporter/receipt.html",
            receipt=Receipt(
                codename=markers["codename"] if receipt.codename is not None else None,
                reference=markers["reference"],
                disclosure_id="",
                reporter_id="",
            ),
        ),
        values,
    )


def _blank_report_form(
    category: str | None, reporter: ReporterKeys | None, markers: Mapping[str, str]
) -> str:
    """The report form as everyone sees it first, with markers for the tokens."""
    form = ReportForm(formdata=None, meta={"csrf": False})
    form.concerns.choices = _unit_choices()
    form.category.data = category
    form.form_token.data = markers["form_token"]
    return render_template(
        "reporter/report.html",
        form=form,
        reporter=reporter,
        csrf_token=lambda: markers["csrf_token"],
    )


def _rejection_message(error: DraftRejected) -> str:
    """The reporter's words for why a draft was refused."""
    config = current().config
    if error.reason == "text_too_long":
        return str(
            _(
                "The text is too long: at most %(count)s characters.",
                count=format_decimal(config.max_report_chars),
            )
        )
    if error.reason == "files_too_large":
        return str(
            _(
                "The files are too large together: at most %(mb)s MB.",
                mb=config.max_upload_bytes // (1024 * 1024),
            )
        )
    if error.reason == "empty":
        return str(_("Please describe what happened."))
    if error.reason == "unreadable_file":
        return str(_("A file could not be read. Remove it or send it in another format."))
    units = current().policy.max_concerns
    return str(_("Please tick at most %(count)s units.", count=units))


@blueprint.route("/checkin", methods=["GET", "POST"])
@limiter.limit("10/minute;100/day", methods=["POST"], exempt_when=_through_onion)
def checkin_page() -> Response | WerkzeugResponse:
    instance = current()
    form = CheckinForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page("reporter/checkin.html", 400, form=form)
        try:
            keys = checkin.authenticate(db_session(), instance.kdf, form.codename.data or "")
        except checkin.UnknownCodename:
            form.codename.errors = [
                _("No report matches this codename. Check each word and try again.")
            ]
            return _page("reporter/checkin.html", 401, form=form)
        cookie = instance.sessions.open(
            "reporter", checkin.session_payload(keys), REPORTER_SESSIONS
        )
        response = redirect(url_for("reporter.checkin_page"), code=303)
        _set_reporter_cookie(response, cookie)
        return response

    reporter = _signed_in_reporter()
    if reporter is None:
        return _page("reporter/checkin.html", form=form)
    session = db_session()
    disclosures = checkin.reporter_disclosures(session, reporter)
    checkin.mark_replies_read(session, reporter.reporter_id)
    session.commit()
    return _page(
        "reporter/case.html",
        disclosures=disclosures,
        followup=FollowUpForm(),
        logout=LogoutForm(),
        sent=request.args.get("sent") == "1",
    )


@blueprint.post("/checkin/followup")
@limiter.limit("30/minute", exempt_when=_through_onion)
def followup() -> Response | WerkzeugResponse:
    reporter = _signed_in_reporter()
    form = FollowUpForm()
    if reporter is None:
        return _page("reporter/expired.html", 401, text=form.body.data or "")
    if not form.validate_on_submit():
        return _page("reporter/expired.html", 400, text=form.body.data or "")
    session = db_session()
    try:
        append(
            session,
            reporter_id=reporter.reporter_id,
            disclosure_id=form.disclosure.data or "",
            text=form.body.data or "",
            attachments=_uploads(form.attachment.data),
            limits=current().limits,
        )
        session.commit()
    except (DraftRejected, UnknownCase) as exc:
        session.rollback()
        message = (
            _rejection_message(exc)
            if isinstance(exc, DraftRejected)
            else str(_("That report is not one of yours."))
        )
        return _page("reporter/expired.html", 400, text=form.body.data or "", message=message)
    return redirect(url_for("reporter.checkin_page", sent=1), code=303)


@blueprint.post("/checkin/logout")
def logout() -> WerkzeugResponse:
    current().sessions.close(request.cookies.get(REPORTER_COOKIE))
    response = redirect(url_for("reporter.landing"), code=303)
    response.delete_cookie(REPORTER_COOKIE, path="/")
    return response


def _set_reporter_cookie(response: WerkzeugResponse, value: str) -> None:
    response.set_cookie(
        REPORTER_COOKIE,
        value,
        httponly=True,
        samesite="Strict",
        secure=not current().config.insecure_cookies,
        path="/",
    )


# --- language, errors ------------------------------------------------------------


def _remember_language(response: Response) -> Response:
    wanted = request.args.get("lang")
    if wanted in current().config.languages and request.cookies.get(LANG_COOKIE) != wanted:
        response.set_cookie(
            LANG_COOKIE,
            str(wanted),
            max_age=365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=not current().config.insecure_cookies,
        )
    return response


def _error_page(status: int, title: str, message: str) -> Response:
    return _page("reporter/error.html", status, title=title, message=message)


def _handle_csrf(_error: CSRFError) -> Response:
    if request.endpoint == "reporter.report":
        # Keep everything the reporter typed; a fresh token lets them send again.
        form = ReportForm(formdata=request.form, meta={"csrf": False})
        form.concerns.choices = _unit_choices()
        form.form_token.data = request.form.get("form_token") or _new_form_token()
        form.body.errors = [
            _("The page was open too long. Your text is still here: please send again.")
        ]
        context = {"form": form, "reporter": _signed_in_reporter()}
        return _page("reporter/report.html", 400, **context)
    return _error_page(
        400,
        _("The form expired"),
        _("Nothing was sent. Go back, copy your text, reload the page and try again."),
    )


def _handle_too_large(_error: RequestEntityTooLarge) -> Response:
    return _error_page(
        413,
        _("Too large"),
        _(
            "The files are too large together: at most %(mb)s MB. Go back: your text is "
            "still in the form. Remove a file and send again.",
            mb=current().config.max_upload_bytes // (1024 * 1024),
        ),
    )


def _handle_rate_limit(_error: HTTPException) -> Response:
    return _error_page(
        429,
        _("Please wait"),
        _("Too many attempts from this connection. Wait a while, then try again."),
    )


def _handle_not_found(_error: HTTPException) -> Response:
    return _error_page(404, _("Page not found"), _("This page does not exist."))


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
    bind_prerendered(
        app,
        report_form=Prerendered(blanks=("csrf_token", "form_token")),
        receipt=Prerendered(blanks=("reference", "codename")),
    )
    app.after_request(_remember_language)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)
    app.register_error_handler(429, _handle_rate_limit)
    app.register_error_handler(404, _handle_not_found)

    @app.context_processor
    def language_context() -> dict[str, Any]:
        locale = str(get_locale() or "en")
        return {
            "lang": locale,
            "rtl": locale == "ar",
            "languages": LANGUAGE_NAMES,
            "category_labels": CATEGORY_LABELS,
            "status_label": status_label,
            "outcome_label": outcome_label,
            "reward_label": reward_label,
            "config_max_chars": current().config.max_report_chars,
            "removed_labels": removed_labels,
        }


LANGUAGE_NAMES = {
    "en": "English",
    "fr": "Français",
    "rw": "Kinyarwanda",
    "sw": "Kiswahili",
    "ar": "العربية",
}
