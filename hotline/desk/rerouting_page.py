"""Rerouting a case and deciding waiting queue removals, on the desk's blueprint.

Thin routes over ``desk.rerouting``; a refusal shows the case page again with
the reason, as every case action does.
"""

from __future__ import annotations

from flask import Response, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.auth.session import OfficerContext, officer_required, signed_in_officer
from hotline.desk.errors import CaseRefused
from hotline.desk.forms import RemovalDecisionForm, RerouteForm
from hotline.desk.queue_removals import decide_removal
from hotline.desk.rerouting import Rerouted, reroute
from hotline.desk.views import _audit_key, _case_page, _case_url, _form_error, blueprint
from hotline.desk.wording import refusal_message
from hotline.instance import db_session


@blueprint.post("/case/<reference>/reroute")
@officer_required
def reroute_case(reference: str) -> Response | WerkzeugResponse:
    form = RerouteForm()
    if not form.validate_on_submit():
        return _case_page(reference, 400, _form_error(form), {"reroute": form})
    session = db_session()
    officer = signed_in_officer()
    try:
        rerouted = reroute(
            session,
            _audit_key(),
            officer,
            reference,
            add=[form.add_queue.data or ""],
            remove=[form.remove_queue.data or ""],
        )
    except CaseRefused as exc:
        session.rollback()
        return _case_page(reference, 400, refusal_message(exc), {"reroute": form})
    session.commit()
    return _after_rerouting(
        reference, officer, rerouted, "removal_waits" if rerouted.waiting else "rerouted"
    )


@blueprint.post("/case/<reference>/removal/<queue_slug>")
@officer_required
def decide_queue_removal(reference: str, queue_slug: str) -> Response | WerkzeugResponse:
    form = RemovalDecisionForm()
    if not form.validate_on_submit():
        return _case_page(reference, 400, _form_error(form), {})
    approve = form.decision.data == "approve"
    session = db_session()
    officer = signed_in_officer()
    try:
        rerouted = decide_removal(
            session, _audit_key(), officer, reference, queue_slug, approve=approve
        )
    except CaseRefused as exc:
        session.rollback()
        return _case_page(reference, 400, refusal_message(exc), {})
    session.commit()
    return _after_rerouting(
        reference, officer, rerouted, "removal_approved" if approve else "removal_refused"
    )


def _after_rerouting(
    reference: str, officer: OfficerContext, rerouted: Rerouted, done: str
) -> WerkzeugResponse:
    if not set(rerouted.queues) & set(officer.queues):
        # The case left every queue of this officer: it is no longer theirs to see.
        return redirect(url_for("desk.queue"), code=303)
    return redirect(_case_url(reference, done=done), code=303)
