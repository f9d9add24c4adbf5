"""Reading the audit trail: filtered by officer, case, kind and dates, and as CSV.

The filter is plain values (the page keeps it in the URL). An officer's events
are those they did (``actor``) and those done to them: a refused sign-in names
``officer:<username>``, a designation ``<username>→<queue>``. A case's events
are those whose subject is its reference.

The CSV is for a spreadsheet, where a cell starting with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return) is a formula: such cells get a leading
apostrophe, so an officer-typed value or a URL recorded in a refused-access
event cannot run in the reader's spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from hotline.models import AuditEvent
from hotline.references import normalise_reference

#: Rows of one CSV download at most; narrow the filter for more.
CSV_LIMIT = 100_000
CSV_HEADER = ("id", "time_utc", "actor", "action", "subject", "detail")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    officer: str = ""
    case: str = ""
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.officer or self.case or self.kind or self.since or self.until)

    def describe(self) -> str:
        """The filter as the audit event of a download records it."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("officer", self.officer),
                ("case", self.case),
                ("kind", self.kind),
                ("since", self.since.isoformat() if self.since else ""),
                ("until", self.until.isoformat() if self.until else ""),
            )
            if value
        ]
        return " ".join(parts) or "everything"


def parse_day(value: str | None) -> dt.date | None:
    """A ``YYYY-MM-DD`` from the URL, or None when missing or unreadable."""
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _conditions(wanted: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    username = wanted.officer.strip().removeprefix("officer:")
    if username:
        conditions.append(
            or_(
                AuditEvent.actor == f"officer:{username}",
                AuditEvent.subject == f"officer:{username}",
                AuditEvent.subject == username,
                AuditEvent.subject.startswith(f"{username}→", autoescape=True),
            )
        )
    if wanted.case.strip():
        conditions.append(AuditEvent.subject == normalise_reference(wanted.case))
    if wanted.kind.strip():
        conditions.append(AuditEvent.action == wanted.kind.strip())
    if wanted.since is not None:
        start = dt.datetime.combine(wanted.since, dt.time(), tzinfo=dt.UTC)
        conditions.append(AuditEvent.at >= start)
    if wanted.until is not None:
        end = dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        conditions.append(AuditEvent.at < end)
    return conditions


def _filtered(wanted: AuditFilter) -> Select[AuditEvent]:
    return select(AuditEvent).where(*_conditions(wanted)).order_by(AuditEvent.id.desc())


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def audit_page(session: Session, wanted: AuditFilter, page: int, page_size: int = 50) -> AuditPage:
    """One page of the events the filter keeps, newest first."""
    total = (
        session.scalar(select(func.count()).select_from(AuditEvent).where(*_conditions(wanted)))
        or 0
    )
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    events = list(
        session.scalars(_filtered(wanted).limit(page_size).offset((page - 1) * page_size))
    )
    return AuditPage(events, page, pages, total)


def audit_kinds(session: Session) -> list[str]:
    """Every kind of event in the trail, for the filter's list."""
    return sorted(session.scalars(select(AuditEvent.action).distinct()))


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def audit_rows(session: Session, wanted: AuditFilter) -> Iterator[tuple[str, ...]]:
    for event in session.scalars(_filtered(wanted).limit(CSV_LIMIT)):
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
        yield (
            str(event.id),
            at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor,
            event.action,
            event.subject,
            event.detail,
        )


def audit_csv(rows: Iterable[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
