"""The queue page and its bulk actions: thin routes over hotline.desk.queue and
hotline.desk.bulk, on the desk's blueprint.

The filter lives in the URL (a GET form), so a filtered queue can be
bookmarked, shared with a colleague of the same queue, and survives a bulk
action: the bulk form carries the query it came from and returns to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode

from flask import Response, make_response, redirect, render_template, request
from flask import url_for as flask_url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice

from hotline.auth.session import OfficerContext, officer_required, signed_in_officer
from hotline.desk import bulk
from hotline.desk.access import assignable_officers, designated_queues
from hotline.desk.errors import CaseRefused
from hotline.desk.queue import (
    Assignee,
    CaseFilter,
    Cursor,
    Overdue,
    Sort,
    list_cases,
    queue_names,
)
from hotline.desk.views import _audit_key, _max_chars, _officer_id, blueprint
from hotline.desk.wording import refusal_message
from hotline.forms import Form
from hotline.instance import db_session
from hotline.models import today
from hotline.procedure import Category, Channel, Outcome, Status

_T = TypeVar("_T", Overdue, Assignee, Sort)

#: Query parameters that make up the filter (the cursor parameters are not kept).
FILTER_KEYS = (
    "q",
    "queue",
    "status",
    "category",
    "channel",
    "assignee",
    "overdue",
    "unread",
    "from",
    "to",
    "sort",
)


class BulkForm(Form):
    action = SelectField(
        _l("For the selected cases"),
        choices=[SelectChoice("assign", _l("assign to")), SelectChoice("status", _l("set status"))],
    )
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    status = SelectField(_l("New status"), choices=[SelectChoice(s, s.lazy_label) for s in Status])
    outcome = SelectField(
        _l("Outcome (when closing)"),
        choices=[SelectChoice("", _l("none")), *(SelectChoice(o, o.lazy_label) for o in Outcome)],
        default="",
    )
    back = HiddenField()


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filter(args: Mapping[str, str], own_queues: Mapping[str, object]) -> CaseFilter:
    """The filter from the URL; anything unknown is ignored, never an error."""
    overdue = args.get("overdue")
    return CaseFilter(
        status=Status.parse(args.get("status")),
        category=Category.parse(args.get("category")),
        channel=Channel.parse(args.get("channel")),
        queue=args.get("queue") if args.get("queue") in own_queues else None,
        # "1" is the old checkbox: acknowledgement overdue.
        overdue=Overdue.ACKNOWLEDGEMENT if overdue == "1" else _term(Overdue, overdue),
        unread=args.get("unread") == "1",
        reference=(args.get("q") or "").strip()[:32],
        assignee=_term(Assignee, args.get("assignee")),
        received_from=_day(args.get("from")),
        received_to=_day(args.get("to")),
        sort=_term(Sort, args.get("sort")) or Sort.RECEIVED,
    )


def _term(kind: type[_T], value: str | None) -> _T | None:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _filter_args(args: Mapping[str, str]) -> dict[str, str]:
    return {k: args[k] for k in FILTER_KEYS if args.get(k)}


def _queue_page(officer: OfficerContext, status: int = 200, error: str | None = None) -> Response:
    session = db_session()
    args = request.args
    # The session's keys and a designation the database still holds, as on every
    # case page: a revoked or rotated-away queue leaves the list at once.
    queues = sorted(designated_queues(session, officer))
    case_filter = parse_filter(args, officer.queue_keys)
    page = list_cases(
        session,
        queues,
        case_filter,
        officer_id=officer.officer_id,
        after=Cursor.parse(args.get("after")),
        before=Cursor.parse(args.get("before")),
        last=args.get("last") == "1",
    )
    session.commit()  # the alarm a forged status raised, if any
    form = BulkForm(formdata=None)
    officers = assignable_officers(session, queues)
    form.assignee.choices = [
        SelectChoice("", _l("nobody")),
        *(SelectChoice(str(o.id), o.username) for o in officers),
    ]
    form.back.data = urlencode(_filter_args(args))
    return make_response(
        render_template(
            "officer/queue.html",
            page=page,
            case_filter=case_filter,
            filter_args=_filter_args(args),
            queue_names=queue_names(session, queues),
            usernames={o.id: o.username for o in officers},
            bulk_form=form,
            error=error,
            done=args.get("done") == "bulk",
            channels=tuple(Channel),
        ),
        status,
    )


@blueprint.get("/")
@officer_required
def queue() -> Response:
    return _queue_page(signed_in_officer())


def _run_bulk(session: Session, officer: OfficerContext, form: BulkForm) -> None:
    references = request.form.getlist("case")
    if form.action.data == "assign":
        bulk.assign_many(
            session, _audit_key(), officer, references, _officer_id(form.assignee.data)
        )
    else:
        bulk.set_status_many(
            session,
            _audit_key(),
            officer,
            references,
            form.status.data or "",
            outcome=form.outcome.data or None,
            max_chars=_max_chars(),
            today=today(),
        )


@blueprint.post("/bulk")
@officer_required
def bulk_action() -> Response | WerkzeugResponse:
    """Assign or move the selected cases, then back to the same filtered queue."""
    officer = signed_in_officer()
    form = BulkForm()
    form.assignee.choices = []
    # Only our own filter keys survive the round trip: no open redirect, no injection.
    back = {k: v for k, v in parse_qsl(form.back.data or "") if k in FILTER_KEYS}
    if not form.validate_on_submit():
        return _queue_page(officer, 400, next(iter(form.errors.values()))[0])
    session = db_session()
    try:
        _run_bulk(session, officer, form)
    except CaseRefused as exc:
        session.rollback()
        reference = exc.params.get("reference")
        message = refusal_message(exc)
        return _queue_page(officer, 400, f"{reference}: {message}" if reference else message)
    session.commit()
    return redirect(flask_url_for("desk.queue", done="bulk", **back), code=303)
