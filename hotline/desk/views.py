"""The officer desk: thin routes over the case services.

Each POST parses its form, calls one service and redirects (303) to the case
page. Services raise :class:`CaseForbidden` for a case the officer may not
open; it becomes a bare 403 page here, after rolling back, so nothing about
the case (not even whether it exists) leaves the server and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from flask import url_for as flask_url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from hotline.admin.designations import QueueForbidden
from hotline.auth.session import (
    OfficerContext,
    current_officer,
    officer_required,
    signed_in_officer,
)
from hotline.desk import service
from hotline.desk.casefile import view_case
from hotline.desk.deadlines import DUE_SOON_DAYS, deadline_overview
from hotline.desk.downloads import content_disposition, download_attachment, served_media_type
from hotline.desk.errors import CaseRefused
from hotline.desk.export import may_export
from hotline.desk.forms import (
    AssignForm,
    LinkForm,
    MeasureForm,
    NoteForm,
    ReplyForm,
    RewardForm,
    StatusForm,
    case_page_forms,
)
from hotline.desk.rewards import parse_amount, set_reward
from hotline.desk.wording import DONE, money, queue_label, refusal_message
from hotline.instance import current, db_session
from hotline.models import today
from hotline.notifications import reply_notices
from hotline.procedure import REWARD_PERCENT, LinkKind, RefusalReason, Status
from hotline.references import normalise_reference
from hotline.sealing.trust import open_alarms

blueprint = Blueprint("desk", __name__, url_prefix="/officer")


def _audit_key() -> bytes:
    return current().secrets.audit_key


def _max_chars() -> int:
    return current().config.max_report_chars


def _case_url(reference: str, done: str) -> str:
    return flask_url_for("desk.case", reference=normalise_reference(reference), done=done)


# --- the case list and the case page --------------------------------------------------


def _case_page(
    reference: str,
    status: int = 200,
    error: str | None = None,
    bound: dict[str, FlaskForm] | None = None,
) -> Response:
    session = db_session()
    case_file = view_case(session, _audit_key(), signed_in_officer(), reference, today=today())
    session.commit()
    done = DONE.get(request.args.get("done", "")) if status == 200 else None
    # The codename register's request page, when that part of the desk is installed.
    contact_url = (
        flask_url_for("register.contact", reference=case_file.reference)
        if "register.contact" in current_app.view_functions
        else None
    )
    return make_response(
        render_template(
            "officer/case.html",
            case=case_file,
            forms=case_page_forms(case_file, bound or {}),
            error=error,
            done=done,
            open_action=next(iter(bound or {}), None),
            reward_percent=REWARD_PERCENT,
            contact_url=contact_url,
            can_export=may_export(
                current().policy,
                signed_in_officer().queue_keys,
                (q.slug for q in case_file.queues),
            ),
        ),
        status,
    )


@blueprint.get("/case/<reference>")
@officer_required
def case(reference: str) -> Response:
    return _case_page(reference)


@blueprint.get("/case/<reference>/attachment/<attachment_id>")
@officer_required
def attachment(reference: str, attachment_id: str) -> Response:
    session = db_session()
    try:
        file = download_attachment(
            session, _audit_key(), signed_in_officer(), reference, attachment_id
        )
    except CaseRefused as exc:
        session.rollback()
        return _case_page(reference, 400, refusal_message(exc))
    session.commit()
    # Served as an inert download whatever the reporter claimed it is.
    response = Response(file.content, mimetype=served_media_type(file.media_type))
    response.headers["Content-Disposition"] = content_disposition(file.name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- actions ---------------------------------------------------------------------------


def _form_error(form: FlaskForm) -> str:
    for errors in form.errors.values():
        for message in errors:
            return str(message)
    return str(_("Please check the form."))


def _act(
    reference: str,
    form: FlaskForm,
    name: str,
    done: str,
    action: Callable[[Session, OfficerContext], object],
) -> Response | WerkzeugResponse:
    """Validate, run one service, commit, redirect; or show the page with the reason."""
    if not form.validate_on_submit():
        return _case_page(reference, 400, _form_error(form), {name: form})
    session = db_session()
    try:
        outcome = action(session, signed_in_officer())
    except CaseRefused as exc:
        session.rollback()
        return _case_page(reference, 400, refusal_message(exc), {name: form})
    session.commit()
    # An action may name a more precise confirmation (a reply: how the reporter learns).
    if isinstance(outcome, str) and outcome in DONE:
        done = outcome
    return redirect(_case_url(reference, done=done), code=303)


@blueprint.post("/case/<reference>/reply")
@officer_required
def reply(reference: str) -> Response | WerkzeugResponse:
    form = ReplyForm()
    return _act(
        reference,
        form,
        "reply",
        "replied",
        lambda session, officer: reply_notices.how_reporter_learns(
            session,
            service.reply(
                session,
                _audit_key(),
                officer,
                reference,
                form.reply.data or "",
                max_chars=_max_chars(),
            ).disclosure,
        ),
    )


@blueprint.post("/case/<reference>/note")
@officer_required
def note(reference: str) -> Response | WerkzeugResponse:
    form = NoteForm()
    return _act(
        reference,
        form,
        "note",
        "noted",
        lambda session, officer: service.add_note(
            session, _audit_key(), officer, reference, form.note.data or "", max_chars=_max_chars()
        ),
    )


@blueprint.post("/case/<reference>/measure")
@officer_required
def measure(reference: str) -> Response | WerkzeugResponse:
    form = MeasureForm()
    return _act(
        reference,
        form,
        "measure",
        "measured",
        lambda session, officer: service.add_measure(
            session,
            _audit_key(),
            officer,
            reference,
            form.measure.data or "",
            max_chars=_max_chars(),
        ),
    )


@blueprint.post("/case/<reference>/status")
@officer_required
def status(reference: str) -> Response | WerkzeugResponse:
    form = StatusForm()
    return _act(
        reference,
        form,
        "status",
        "status",
        lambda session, officer: service.change_status(
            session,
            _audit_key(),
            officer,
            reference,
            form.status.data or "",
            outcome=form.outcome.data or None,
            pointer=form.pointer.data or "",
            max_chars=_max_chars(),
            today=today(),
        ),
    )


def _officer_id(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise CaseRefused(RefusalReason.NOT_DESIGNATED, "not an officer")
    return int(value)


@blueprint.post("/case/<reference>/assign")
@officer_required
def assign(reference: str) -> Response | WerkzeugResponse:
    form = AssignForm()
    return _act(
        reference,
        form,
        "assign",
        "assigned",
        lambda session, officer: service.assign(
            session, _audit_key(), officer, reference, _officer_id(form.assignee.data)
        ),
    )


@blueprint.post("/case/<reference>/link")
@officer_required
def link(reference: str) -> Response | WerkzeugResponse:
    form = LinkForm()
    return _act(
        reference,
        form,
        "link",
        "linked",
        lambda session, officer: service.link_cases(
            session,
            _audit_key(),
            officer,
            reference,
            form.other.data or "",
            kind=form.kind.data or LinkKind.RELATED,
        ),
    )


@blueprint.post("/case/<reference>/reward")
@officer_required
def reward(reference: str) -> Response | WerkzeugResponse:
    form = RewardForm()

    def action(session: Session, officer: OfficerContext) -> None:
        collected = (form.collected.data or "").strip()
        set_reward(
            session,
            _audit_key(),
            officer,
            reference,
            state=form.reward_state.data or "",
            collected_minor=parse_amount(collected) if collected else None,
            today=today(),
        )

    return _act(reference, form, "reward", "reward", action)


# --- deadlines -------------------------------------------------------------------------


@blueprint.get("/deadlines")
@officer_required
def deadlines() -> Response:
    day = today()
    session = db_session()
    overview = deadline_overview(session, signed_in_officer(), day)
    session.commit()  # the alarm a forged status raised, if any
    return make_response(
        render_template(
            "officer/deadlines.html", overview=overview, today=day, due_soon_days=DUE_SOON_DAYS
        ),
        200,
    )


@blueprint.errorhandler(QueueForbidden)
def _forbidden(_error: QueueForbidden) -> Response:
    db_session().rollback()
    return make_response(render_template("officer/forbidden.html"), 403)


def register(app: Flask) -> None:
    # The queue page's and the export's routes live in their own modules, on this blueprint.
    from hotline.desk import export_page, notify_page, queue_page, rerouting_page  # noqa: F401

    app.register_blueprint(blueprint)

    @app.context_processor
    def officer_context() -> dict[str, Any]:
        if not request.path.startswith("/officer"):
            return {}
        officer = current_officer()
        return {
            "officer": officer,
            "statuses": tuple(Status),
            "is_custodian": officer is not None
            and current().policy.custodian_slug in officer.queue_keys,
            "money": partial(money, currency=current().policy.currency),
            "queue_label": queue_label,
            # Tampering found in the database: every administrator sees it in red.
            "alarms": open_alarms(db_session()) if officer is not None and officer.is_admin else [],
        }
