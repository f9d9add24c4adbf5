"""The audit trail on the desk: the page, its filter (in the URL) and the CSV.

Thin routes over :mod:`hotline.admin.audit_trail`, on the administration
blueprint. Reading the trail and downloading it are audit events themselves,
recorded after the chain check so the page reports the chain as it was found.
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request

from hotline.admin.audit_trail import (
    AuditFilter,
    audit_csv,
    audit_kinds,
    audit_page,
    audit_rows,
    parse_day,
)
from hotline.admin.views import blueprint
from hotline.audit import record, verify
from hotline.auth.session import admin_required, signed_in_officer
from hotline.instance import current, db_session

AUDIT_PAGE_SIZE = 50


def _filter() -> AuditFilter:
    args = request.args
    return AuditFilter(
        officer=args.get("officer", "").strip()[:80],
        case=args.get("case", "").strip()[:40],
        kind=args.get("kind", "").strip()[:64],
        since=parse_day(args.get("since")),
        until=parse_day(args.get("until")),
    )


@blueprint.get("/admin/audit")
@admin_required
def audit() -> Response:
    session = db_session()
    audit_key = current().secrets.audit_key
    wanted = _filter()
    verification = verify(session, audit_key)
    trail = audit_page(session, wanted, request.args.get("page", 1, type=int), AUDIT_PAGE_SIZE)
    kinds = audit_kinds(session)
    record(session, audit_key, actor=signed_in_officer().actor, action="audit.viewed")
    session.commit()
    return make_response(
        render_template(
            "officer/admin_audit.html",
            events=trail.events,
            page=trail.page,
            pages=trail.pages,
            total=trail.total,
            verification=verification,
            wanted=wanted,
            kinds=kinds,
            # The filter as URL arguments, for the pager and the CSV link.
            query={k: v for k, v in request.args.items() if k != "page" and v},
        ),
        200,
    )


@blueprint.get("/admin/audit.csv")
@admin_required
def audit_download() -> Response:
    session = db_session()
    wanted = _filter()
    body = audit_csv(audit_rows(session, wanted))
    record(
        session,
        current().secrets.audit_key,
        actor=signed_in_officer().actor,
        action="audit.exported",
        detail=wanted.describe(),
    )
    session.commit()
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
