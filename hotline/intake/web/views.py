"""Reporter report pages: landing, report form, receipt.

The report form and the receipt are rendered once per language and filled in
per request (``prerendered``). A form whose CSRF token expired comes back with
everything the reporter typed.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError

from hotline import errors
from hotline.crypto.codenames import ReporterKeys
from hotline.extensions import limiter
from hotline.instance import current, db_session
from hotline.intake.checkin import without_codenames
from hotline.intake.operations import retaliation_links
from hotline.intake.service import Draft, DraftRejected, Receipt, submit
from hotline.intake.web import blueprint
from hotline.intake.web.form_tokens import (
    form_token_used,
    new_form_token,
    use_form_token,
    valid_form_token,
)
from hotline.intake.web.forms import ReportForm
from hotline.intake.web.pages import (
    page,
    rejection_message,
    through_onion,
    unit_choices,
    uploads,
)
from hotline.intake.web.prerendered import prerendered
from hotline.intake.web.sessions import signed_in_reporter
from hotline.procedure import Category, Channel


@blueprint.get("/")
def landing() -> Response:
    return page("reporter/landing.html")


@blueprint.route("/report", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"], exempt_when=through_onion)
def report() -> Response:
    instance = current()
    reporter = signed_in_reporter()
    if request.method == "GET":
        chosen = Category.parse(request.args.get("category"))
        html = prerendered("report_form").page(
            (chosen, reporter is not None),
            lambda markers: _blank_report_form(chosen, reporter, markers),
            {"csrf_token": generate_csrf(), "form_token": new_form_token()},
        )
        return make_response(html)

    form = ReportForm()
    form.concerns.choices = unit_choices()
    if not form.validate_on_submit():
        form.form_token.data = form.form_token.data or new_form_token()
        return page("reporter/report.html", 400, form=form, reporter=reporter)
    token = form.form_token.data
    if not valid_form_token(token):
        form.form_token.data = new_form_token()
        form.form_token.errors = [_("This form has expired. Please send it again.")]
        return page("reporter/report.html", 400, form=form, reporter=reporter)

    session = db_session()
    # The form accepts only the listed categories.
    category = Category(form.category.data)
    draft = Draft(
        category=category,
        # A codename quoted in the report (theirs or anyone's) is never sealed.
        text=without_codenames(session, instance.kdf, form.body.data or ""),
        channel=Channel.WEB,
        attachments=uploads(form.attachment.data),
        concerns=frozenset(form.concerns.data or ()),
        related_to=retaliation_links(
            session,
            reporter_id=reporter.reporter_id if reporter is not None else None,
            category=category,
        ),
        codename_kind="words",
        language=str(get_locale()),
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
        use_form_token(session, token)
        session.commit()
    except IntegrityError:
        session.rollback()
        if form_token_used(session, token):
            return page("reporter/already_filed.html", 409)
        raise
    except DraftRejected as exc:
        session.rollback()
        form.body.errors = [rejection_message(exc)]
        return page("reporter/report.html", 400, form=form, reporter=reporter)
    return make_response(_receipt_page(receipt))


def _receipt_page(receipt: Receipt) -> str:
    if receipt.files:  # what was removed from each file: rendered for this receipt
        return render_template("reporter/receipt.html", receipt=receipt)
    values = {"reference": receipt.reference, "codename": receipt.codename or ""}
    # Where the report went is part of the variant: a few sets of the policy's queues.
    return prerendered("receipt").page(
        (receipt.codename is not None, receipt.queues, receipt.excluded),
        lambda markers: render_template(
            "reporter/receipt.html",
            receipt=Receipt(
                codename=markers["codename"] if receipt.codename is not None else None,
                reference=markers["reference"],
                disclosure_id="",
                reporter_id="",
                queues=receipt.queues,
                excluded=receipt.excluded,
            ),
        ),
        values,
    )


def _blank_report_form(
    category: Category | None, reporter: ReporterKeys | None, markers: Mapping[str, str]
) -> str:
    """The report form as everyone sees it first, with markers for the tokens."""
    form = ReportForm(formdata=None, meta={"csrf": False})
    form.concerns.choices = unit_choices()
    form.category.data = category
    form.form_token.data = markers["form_token"]
    return render_template(
        "reporter/report.html",
        form=form,
        reporter=reporter,
        csrf_token=lambda: markers["csrf_token"],
    )


@blueprint.errorhandler(CSRFError)
def _form_expired(error: CSRFError) -> Response:
    if request.endpoint != "reporter.report":
        return errors.form_expired(error)
    # Keep everything the reporter typed; a fresh token lets them send again.
    form = ReportForm(formdata=request.form, meta={"csrf": False})
    form.concerns.choices = unit_choices()
    form.form_token.data = request.form.get("form_token") or new_form_token()
    form.body.errors = [
        _("The page was open too long. Your text is still here: please send again.")
    ]
    return page("reporter/report.html", 400, form=form, reporter=signed_in_reporter())
