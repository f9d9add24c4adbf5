"""Refused access on the desk is an audit event.

Every 403 under ``/officer`` (a case of another queue, an administrator's page
opened by an officer, a register decision that is not theirs) is recorded as
``access.refused``: who (the signed-in officer, or "anonymous"), the case
reference the URL named or else the route, and the method and endpoint. Never
the client's address. Whatever the refused request had changed is rolled back
first, so only the event is committed.
"""

from __future__ import annotations

from flask import Flask, Response, request

from hotline.audit import record
from hotline.auth.session import current_officer
from hotline.instance import current, db_session
from hotline.references import normalise_reference

REFUSED_ACCESS = "access.refused"
#: The audit trail's subject column holds 120 characters; a URL can hold anything.
_SUBJECT_CHARS = 100


def _subject() -> str:
    arguments = request.view_args or {}
    reference = arguments.get("reference")
    if isinstance(reference, str) and reference:
        return normalise_reference(reference)[:_SUBJECT_CHARS]
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return rule[:_SUBJECT_CHARS]


def record_refused_access(response: Response) -> Response:
    if response.status_code != 403 or not request.path.startswith("/officer"):
        return response
    officer = current_officer()
    session = db_session()
    session.rollback()
    record(
        session,
        current().secrets.audit_key,
        actor=officer.actor if officer is not None else "anonymous",
        action=REFUSED_ACCESS,
        subject=_subject(),
        detail=f"{request.method} {request.endpoint or ''}",
    )
    session.commit()
    return response


def init_app(app: Flask) -> None:
    app.after_request(record_refused_access)
