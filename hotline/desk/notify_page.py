"""The officer's notification setting (immediate or daily digest), on the desk's blueprint."""

from __future__ import annotations

from flask import Response, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.auth.session import officer_required, signed_in_officer
from hotline.desk.forms import NotificationsForm
from hotline.desk.views import _audit_key, blueprint
from hotline.instance import db_session
from hotline.notifications.preferences import choose_digest, takes_digest


@blueprint.route("/notifications", methods=["GET", "POST"])
@officer_required
def notifications() -> Response | WerkzeugResponse:
    officer = signed_in_officer()
    session = db_session()
    form = NotificationsForm()
    if form.validate_on_submit():
        choose_digest(
            session,
            _audit_key(),
            actor=officer.actor,
            officer_id=officer.officer_id,
            digest=form.how.data == "digest",
        )
        session.commit()
        return redirect(url_for("desk.notifications"), 303)
    status = 400 if form.is_submitted() else 200
    if not form.is_submitted():
        form.how.data = "digest" if takes_digest(session, officer.officer_id) else "immediate"
    return make_response(render_template("officer/notifications.html", form=form), status)
