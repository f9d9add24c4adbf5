"""The officer desk: thin routes over the case services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, make_response, render_template, request

from hotline.auth.session import current_officer, officer_required
from hotline.cases.queue import CaseFilter, list_cases
from hotline.cases.states import STATUSES, outcome_label, reward_label, status_label
from hotline.instance import db_session
from hotline.intake.forms import CATEGORY_LABELS

blueprint = Blueprint("desk", __name__, url_prefix="/officer")


@blueprint.get("/")
@officer_required
def queue() -> Response:
    officer = current_officer()
    assert officer is not None  # noqa: S101 - officer_required guarantees it
    args = request.args
    case_filter = CaseFilter(
        status=args.get("status") if args.get("status") in STATUSES else None,
        category=args.get("category") if args.get("category") in CATEGORY_LABELS else None,
        queue=args.get("queue") if args.get("queue") in officer.queue_keys else None,
        overdue=args.get("overdue") == "1",
        unread=args.get("unread") == "1",
    )
    page = list_cases(db_session(), officer.queues, case_filter, args.get("page", 1, type=int))
    return make_response(
        render_template(
            "officer/queue.html",
            page=page,
            case_filter=case_filter,
            filter_args={k: v for k, v in args.items() if k != "page"},
        ),
        200,
    )


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)

    @app.context_processor
    def officer_context() -> dict[str, Any]:
        if not request.path.startswith("/officer"):
            return {}
        return {
            "officer": current_officer(),
            "status_label": status_label,
            "outcome_label": outcome_label,
            "reward_label": reward_label,
            "statuses": STATUSES,
        }
