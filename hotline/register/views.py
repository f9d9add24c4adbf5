"""Codename register pages of the officer desk: thin routes over ``register.service``.

- ``/officer/register``: contact-details requests, for custodians only;
- ``/officer/case/<reference>/contact``: ask for a case's contact details and
  read them once released; 403 unless the case is routed to the officer's queues.

Every POST is CSRF-checked by the application-wide ``CSRFProtect``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, make_response, redirect, request, url_for
from flask import render_template as _render
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.auth.session import officer_required, signed_in_officer
from hotline.instance import current, db_session
from hotline.register import service as register

blueprint = Blueprint("register", __name__, url_prefix="/officer")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return make_response(_render(template, **context), status)


@blueprint.get("/register")
@officer_required
def custodian() -> Response:
    session = db_session()
    try:
        pending, decided = register.custodian_requests(
            session, signed_in_officer(), custodian_slug=current().policy.custodian_slug
        )
    except register.NotCustodian:
        abort(403)
    session.commit()  # the alarm for any unverifiable decision
    return _page(
        "officer/register.html",
        pending=pending,
        decided=decided,
        done=request.args.get("done"),
    )


@blueprint.post("/register/<request_id>/decide")
@officer_required
def decide(request_id: str) -> Response | WerkzeugResponse:
    decision = request.form.get("decision")
    if decision not in ("approve", "refuse"):
        abort(400)
    session = db_session()
    officer = signed_in_officer()
    try:
        register.decide(
            session,
            officer,
            request_id=request_id,
            approve=decision == "approve",
            custodian_slug=current().policy.custodian_slug,
            audit_key=current().secrets.audit_key,
            signer=officer.signing_key,
        )
    except (register.NotCustodian, register.OwnRequest):
        session.rollback()
        abort(403)
    except register.UnknownRequest:
        session.rollback()
        abort(404)
    except register.AlreadyDecided:
        session.rollback()
        abort(409)
    except register.RequesterKeyTampered:
        session.commit()  # the alarm and its audit event; nothing was released
        abort(409)
    session.commit()
    done = "approved" if decision == "approve" else "refused"
    return redirect(url_for("register.custodian", done=done), code=303)


def _register_message(exc: register.RegisterError) -> str:
    if isinstance(exc, register.NoContactDetails):
        return str(_("The register holds no contact details for this case."))
    if isinstance(exc, register.AlreadyRequested):
        return str(_("You already have a request waiting for this case."))
    return str(
        _(
            "Say why the case needs the reporter's contact details (at most %(n)s characters).",
            n=register.MAX_REASON_CHARS,
        )
    )


def _contact_page(reference: str, status: int = 200, **extra: Any) -> Response:
    session = db_session()
    officer = signed_in_officer()
    try:
        disclosure = register.visible_case(session, reference, officer.queues)
    except register.CaseNotVisible:
        abort(403)
    requests = register.requests_for_case(session, officer, disclosure)
    session.commit()  # the alarm for any unverifiable decision
    return _page(
        "officer/register_contact.html",
        status,
        reference=disclosure.reference,
        has_contact=register.has_contact_details(session, disclosure.id),
        requests=requests,
        **extra,
    )


@blueprint.route("/case/<reference>/contact", methods=["GET", "POST"])
@officer_required
def contact(reference: str) -> Response | WerkzeugResponse:
    if request.method == "GET":
        return _contact_page(reference, done=request.args.get("done"))
    session = db_session()
    officer = signed_in_officer()
    try:
        disclosure = register.visible_case(session, reference, officer.queues)
    except register.CaseNotVisible:
        abort(403)
    reason = request.form.get("reason", "")
    try:
        register.request_contact(
            session,
            officer,
            disclosure=disclosure,
            reason=reason,
            custodian_slug=current().policy.custodian_slug,
            audit_key=current().secrets.audit_key,
        )
    except register.RegisterError as exc:
        session.rollback()
        return _contact_page(reference, 400, error=_register_message(exc), reason=reason)
    session.commit()
    return redirect(url_for("register.contact", reference=reference, done="requested"), code=303)


@blueprint.post("/case/<reference>/contact/<request_id>/read")
@officer_required
def read_contact(reference: str, request_id: str) -> Response:
    session = db_session()
    officer = signed_in_officer()
    try:
        disclosure = register.visible_case(session, reference, officer.queues)
        contacts = register.read_released(
            session,
            officer,
            disclosure=disclosure,
            request_id=request_id,
            private_key=officer.private_key,
            audit_key=current().secrets.audit_key,
        )
    except register.CaseNotVisible:
        session.rollback()
        abort(403)
    except register.NotReleased:
        session.commit()  # nothing was read; an unverified approval's alarm stays
        abort(403)
    session.commit()
    return _page("officer/register_read.html", reference=disclosure.reference, contacts=contacts)


def register_blueprint(app: Flask) -> None:
    app.register_blueprint(blueprint)
