"""Reporter check-in pages: sign in with the codename, read the cases and
replies, add information, sign out."""

from __future__ import annotations

from functools import partial

from flask import Response, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.crypto.sessions import REPORTER_SESSIONS
from hotline.desk.wording import money
from hotline.extensions import limiter
from hotline.instance import current, db_session
from hotline.intake import checkin
from hotline.intake.service import DraftRejected, UnknownCase, append
from hotline.intake.web import blueprint
from hotline.intake.web.forms import CheckinForm, FollowUpForm, LogoutForm
from hotline.intake.web.pages import page, rejection_message, through_onion, uploads
from hotline.intake.web.sessions import (
    REPORTER_COOKIE,
    session_payload,
    set_reporter_cookie,
    signed_in_reporter,
)


@blueprint.route("/checkin", methods=["GET", "POST"])
@limiter.limit("10/minute;60/hour", methods=["POST"], exempt_when=through_onion)
def checkin_page() -> Response | WerkzeugResponse:
    instance = current()
    form = CheckinForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return page("reporter/checkin.html", 400, form=form)
        try:
            keys = checkin.authenticate(db_session(), instance.kdf, form.codename.data or "")
        except checkin.UnknownCodename:
            form.codename.errors = [
                _("No report matches this codename. Check each word and try again.")
            ]
            return page("reporter/checkin.html", 401, form=form)
        cookie = instance.sessions.open("reporter", session_payload(keys), REPORTER_SESSIONS)
        response = redirect(url_for("reporter.checkin_page"), code=303)
        set_reporter_cookie(response, cookie)
        return response

    reporter = signed_in_reporter()
    if reporter is None:
        return page("reporter/checkin.html", form=form)
    session = db_session()
    disclosures = checkin.reporter_disclosures(session, reporter)
    checkin.mark_replies_read(session, reporter.reporter_id)
    session.commit()
    return page(
        "reporter/case.html",
        disclosures=disclosures,
        followup=FollowUpForm(),
        logout=LogoutForm(),
        sent=request.args.get("sent") == "1",
        money=partial(money, currency=current().policy.currency),
    )


@blueprint.post("/checkin/followup")
@limiter.limit("30/minute", exempt_when=through_onion)
def followup() -> Response | WerkzeugResponse:
    reporter = signed_in_reporter()
    form = FollowUpForm()
    if reporter is None:
        return page("reporter/expired.html", 401, text=form.body.data or "")
    if not form.validate_on_submit():
        return page("reporter/expired.html", 400, text=form.body.data or "")
    session = db_session()
    try:
        append(
            session,
            reporter_id=reporter.reporter_id,
            disclosure_id=form.disclosure.data or "",
            text=checkin.without_codenames(session, current().kdf, form.body.data or ""),
            attachments=uploads(form.attachment.data),
            limits=current().limits,
        )
        session.commit()
    except (DraftRejected, UnknownCase) as exc:
        session.rollback()
        message = (
            rejection_message(exc)
            if isinstance(exc, DraftRejected)
            else str(_("That report is not one of yours."))
        )
        return page("reporter/expired.html", 400, text=form.body.data or "", message=message)
    return redirect(url_for("reporter.checkin_page", sent=1), code=303)


@blueprint.post("/checkin/logout")
def logout() -> WerkzeugResponse:
    current().sessions.close(request.cookies.get(REPORTER_COOKIE))
    response = redirect(url_for("reporter.landing"), code=303)
    response.delete_cookie(REPORTER_COOKIE, path="/")
    return response
