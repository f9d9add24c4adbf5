"""Bulk actions on the queue: assign or move many cases at once.

Each case goes through the same service as its own page (the same access check,
the same refusals, one audit event per case). All or nothing: a case the
officer may not act on, forged into the selection, refuses the whole batch
(CaseForbidden, a bare 403 after rollback) and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from hotline.desk import service
from hotline.desk.access import Handler
from hotline.desk.errors import CaseRefused
from hotline.procedure import RefusalReason

#: More than a page would be a forged form: the queue shows fifty at a time.
MAX_BATCH = 50


def _selection(references: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(r.strip() for r in references if r.strip()))
    if not chosen:
        raise CaseRefused(RefusalReason.NO_SELECTION, "no case selected")
    if len(chosen) > MAX_BATCH:
        raise CaseRefused(RefusalReason.TOO_MANY_SELECTED, "too many cases selected")
    return chosen


def assign_many(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    references: Sequence[str],
    officer_id: int | None,
) -> int:
    """Assign every selected case to ``officer_id`` (or to nobody); the count."""
    chosen = _selection(references)
    for reference in chosen:
        service.assign(session, audit_key, handler, reference, officer_id)
    return len(chosen)


def set_status_many(
    session: Session,
    audit_key: bytes,
    handler: Handler,
    references: Sequence[str],
    status: str,
    *,
    outcome: str | None,
    max_chars: int,
    today: dt.date,
) -> int:
    """Move every selected case to ``status``; a case that cannot make that
    step refuses the batch, naming it."""
    chosen = _selection(references)
    for reference in chosen:
        try:
            service.change_status(
                session,
                audit_key,
                handler,
                reference,
                status,
                outcome=outcome,
                max_chars=max_chars,
                today=today,
            )
        except CaseRefused as exc:
            params = {**exc.params, "reference": reference}
            raise CaseRefused(exc.reason, f"{reference}: {exc}", **params) from exc
    return len(chosen)
