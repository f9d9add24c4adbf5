"""Administration pages of the officer desk.

Thin routes over ``admin.service``, ``admin.designations`` and ``admin.queue_rotation``:

- ``/officer/admin/``: officers, designations (designate, approve, revoke,
  deactivate) and queue keys (rotate now); administrators only;
- ``/officer/admin/audit``: the audit trail (``admin.audit_views``);

Every POST is CSRF-checked by the application-wide ``CSRFProtect``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, make_response, redirect, request, url_for
from flask import render_template as _render
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.admin import service as administration
from hotline.admin.designations import NoQueueKey
from hotline.admin.lifecycle import reset_officer
from hotline.admin.queue_rotation import rotate_held_queue
from hotline.auth.lockouts import recent_lockouts
from hotline.auth.service import desk_keys
from hotline.auth.session import (
    OFFICER_COOKIE,
    admin_required,
    open_desk_session,
    set_officer_cookie,
    signed_in_officer,
)
from hotline.crypto.keypairs import PrivateKey
from hotline.desk.errors import CaseRefused
from hotline.desk.queue_removals import decide_removal_as_administrator, waiting_removals
from hotline.desk.wording import refusal_message
from hotline.instance import current, db_session
from hotline.models import Officer, Queue

blueprint = Blueprint("admin", __name__, url_prefix="/officer")


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return make_response(_render(template, **context), status)


def _audit_key() -> bytes:
    return current().secrets.audit_key


def _custodian_slug() -> str:
    return current().policy.custodian_slug


# --- officers and designations ---------------------------------------------------

NOTICES = {
    "designated": lambda: _("The officer is designated. It takes effect at their next sign-in."),
    "approved": lambda: _("The designation is approved. It takes effect at their next sign-in."),
    "deactivated": lambda: _(
        "The officer is deactivated, their designations removed and their sessions ended."
    ),
    "removal_approved": lambda: _(
        "The removal was approved: that queue can no longer open the case."
    ),
    "removal_refused": lambda: _("The removal was refused: the queue keeps the case."),
}


def _officers_page(status: int = 200, error: str | None = None) -> Response:
    session = db_session()
    officer = signed_in_officer()
    notice = NOTICES.get(request.args.get("done", ""))
    return _page(
        "officer/admin_officers.html",
        status,
        officers=administration.list_officers(session),
        queues=administration.list_queues(session),
        held=set(officer.queue_keys),
        error=error,
        notice=notice() if notice else None,
        lockouts=recent_lockouts(session),
        removals=waiting_removals(session),
        queue_names={q.slug: q.name for q in session.scalars(select(Queue))},
    )


def _admin_message(exc: administration.AdministrationError) -> tuple[int, str]:
    """The status and the officer's-language message for a refused act."""
    if isinstance(exc, administration.QueueNotHeld):
        return 403, _(
            "You are not designated to this queue, or its key changed since you signed in: "
            "only an administrator who holds a queue's current key can designate to it. "
            "If it was rotated, sign in again."
        )
    if isinstance(exc, administration.NotAdministrator):
        return 403, _("Only administrators manage designations.")
    if isinstance(exc, administration.CannotDeactivate):
        return 409, _("You cannot deactivate yourself or the last active administrator.")
    return 404, _("That officer, queue or designation does not exist or is deactivated.")


def _refused(exc: administration.AdministrationError) -> Response:
    db_session().rollback()
    status, message = _admin_message(exc)
    return _officers_page(status, message)


@blueprint.get("/admin/")
@admin_required
def officers() -> Response:
    return _officers_page()


@blueprint.post("/admin/designate")
@admin_required
def designate() -> Response | WerkzeugResponse:
    officer_id = request.form.get("officer", type=int)
    queue_slug = request.form.get("queue", "")
    if officer_id is None or not queue_slug:
        return _officers_page(400, _("Choose an officer and a queue."))
    session = db_session()
    try:
        administration.designate_officer(
            session,
            signed_in_officer(),
            officer_id=officer_id,
            queue_slug=queue_slug,
            audit_key=_audit_key(),
        )
    except administration.AdministrationError as exc:
        return _refused(exc)
    session.commit()
    return redirect(url_for("admin.officers", done="designated"), code=303)


@blueprint.post("/admin/removals/<int:removal_id>")
@admin_required
def decide_removal(removal_id: int) -> Response | WerkzeugResponse:
    """Four eyes on a queue removal, without reading the case."""
    approve = request.form.get("decision") == "approve"
    session = db_session()
    try:
        decide_removal_as_administrator(
            session, _audit_key(), signed_in_officer(), removal_id, approve=approve
        )
    except CaseRefused as exc:
        session.rollback()
        return _officers_page(400, refusal_message(exc))
    session.commit()
    done = "removal_approved" if approve else "removal_refused"
    return redirect(url_for("admin.officers", done=done), code=303)


@blueprint.post("/admin/designations/<int:designation_id>/approve")
@admin_required
def approve(designation_id: int) -> Response | WerkzeugResponse:
    session = db_session()
    try:
        administration.approve_designation(
            session, signed_in_officer(), designation_id=designation_id, audit_key=_audit_key()
        )
    except administration.AdministrationError as exc:
        return _refused(exc)
    session.commit()
    return redirect(url_for("admin.officers", done="approved"), code=303)


@blueprint.post("/admin/designations/<int:designation_id>/revoke")
@admin_required
def revoke(designation_id: int) -> Response:
    session = db_session()
    try:
        revoked = administration.revoke_designation(
            session, signed_in_officer(), designation_id=designation_id, audit_key=_audit_key()
        )
    except administration.AdministrationError as exc:
        return _refused(exc)
    session.commit()
    # Their sessions hold the unsealed queue key: end them now, not at expiry.
    current().sessions.backend.delete_for_officer(revoked.officer_id)
    queue = session.get(Queue, revoked.queue_slug)
    return _page(
        "officer/admin_revoked.html",
        revoked=revoked,
        can_rotate=queue is not None and revoked.queue_slug in signed_in_officer().queue_keys,
    )


@blueprint.post("/admin/officers/<int:officer_id>/deactivate")
@admin_required
def deactivate(officer_id: int) -> Response | WerkzeugResponse:
    session = db_session()
    try:
        administration.deactivate_officer(
            session, signed_in_officer(), officer_id=officer_id, audit_key=_audit_key()
        )
    except administration.AdministrationError as exc:
        return _refused(exc)
    session.commit()
    current().sessions.backend.delete_for_officer(officer_id)
    return redirect(url_for("admin.officers", done="deactivated"), code=303)


@blueprint.post("/admin/officers/<int:officer_id>/reset")
@admin_required
def reset(officer_id: int) -> Response:
    """A one-time password and new TOTP enrolment for an officer who lost theirs;
    their queues re-sealed with the keys this administrator holds."""
    by = signed_in_officer()
    session = db_session()
    target = session.get(Officer, officer_id)
    if target is None or target.id == by.officer_id:
        return _refused(administration.UnknownOfficer("not an officer you can reset"))

    def held(queue: Queue) -> PrivateKey | None:
        try:
            return administration.held_queue_key(queue, by.queue_keys)
        except administration.QueueNotHeld:
            return None

    try:
        done = reset_officer(
            session,
            target,
            queue_key=held,
            params=current().argon2_params,
            audit_key=_audit_key(),
            actor=by.actor,
        )
    except administration.AdministrationError as exc:
        return _refused(exc)
    session.commit()
    current().sessions.backend.delete_for_officer(officer_id)
    response = _page("officer/admin_reset.html", reset=done)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/admin/queues/<slug>/rotate")
@admin_required
def rotate(slug: str) -> Response:
    """Rotate with the key in the administrator's session.

    The whole rotation runs in this request; for a queue with very many items
    the CLI (``hotline keys rotate``) shows a progress bar instead.
    """
    officer = signed_in_officer()
    session = db_session()
    try:
        rotated = rotate_held_queue(
            session,
            officer,
            queue_slug=slug,
            reapprove=request.form.get("reapprove") == "1",
            audit_key=_audit_key(),
            sessions=current().sessions,
        )
    except administration.UnknownQueue:
        abort(404)
    except administration.AdministrationError as exc:
        return _refused(exc)
    except NoQueueKey:
        session.rollback()
        return _officers_page(409, _("The queue's key changed since you signed in. Sign in again."))
    response = _page(
        "officer/admin_rotated.html",
        rotation=rotated.rotation,
        resealed=rotated.resealed_items,
        queue=rotated.queue,
    )
    # The rotation ended the administrator's session too (it held the old
    # key); they get a fresh one at once, opened with the personal key their
    # session already holds.
    row = session.get(Officer, officer.officer_id)
    if row is not None and row.active and officer.signing_key is not None:
        desk = desk_keys(session, row, officer.private_key, officer.signing_key)
        set_officer_cookie(response, OFFICER_COOKIE, open_desk_session(desk))
    return response


# --- the codename register -------------------------------------------------------


def register_blueprint(app: Flask) -> None:
    # The audit trail's routes live in their own module, on this blueprint.
    from hotline.admin import audit_views  # noqa: F401

    app.register_blueprint(blueprint)
