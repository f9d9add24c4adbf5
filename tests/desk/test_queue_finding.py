"""Finding cases: seek pages that visit every case exactly once in each sort,
filters that keep to the officer's queues, and bulk actions that cannot reach
a case of another queue."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.desk.queue import (
    PAGE_SIZE,
    Assignee,
    CaseFilter,
    Cursor,
    Overdue,
    Sort,
    list_cases,
)
from hotline.models import Disclosure, DisclosureQueue, today
from hotline.procedure import Channel, Status
from tests.helpers.desk import audit_events, case, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.transparency.history import generate, insert_cases

QUEUES = ["internal_audit"]


def _fill(db: Session, count: int = 400) -> list[str]:
    day = today()
    ids = insert_cases(db, generate(count, day - dt.timedelta(days=400), day, seed=3))
    rng = random.Random(5)  # noqa: S311 - test data
    # Many cases share a day, so the id must break ties; some have a last activity.
    for disclosure_id in rng.sample(ids, count // 3):
        db.execute(
            update(Disclosure)
            .where(Disclosure.id == disclosure_id)
            .values(last_activity_on=day - dt.timedelta(days=rng.randrange(5)))
        )
    db.commit()
    return ids


def _visible(db: Session) -> list[Disclosure]:
    routed = select(DisclosureQueue.disclosure_id).where(DisclosureQueue.queue_slug.in_(QUEUES))
    return list(db.scalars(select(Disclosure).where(Disclosure.id.in_(routed))))


def _expected(db: Session, sort: Sort) -> list[str]:
    rows = _visible(db)
    match sort:
        case Sort.RECEIVED:
            rows.sort(key=lambda d: (d.received_on, d.id), reverse=True)
        case Sort.DUE:
            rows.sort(key=lambda d: (d.feedback_due or d.acknowledgement_due, d.id))
        case Sort.ACTIVITY:
            rows.sort(key=lambda d: (d.last_activity_on or d.received_on, d.id), reverse=True)
    return [d.reference for d in rows]


def test_seek_pages_visit_every_case_once_forwards_and_backwards(db: Session) -> None:
    _fill(db)
    for sort in Sort:
        expected = _expected(db, sort)
        assert len(expected) > 2 * PAGE_SIZE
        case_filter = CaseFilter(sort=sort)
        forwards: list[str] = []
        page = list_cases(db, QUEUES, case_filter)
        assert page.first
        while True:
            assert len(page.rows) <= PAGE_SIZE
            forwards += [r.reference for r in page.rows]
            if page.older is None:
                break
            page = list_cases(db, QUEUES, case_filter, after=page.older)
        assert page.last
        assert forwards == expected, sort

        backwards: list[str] = []
        page = list_cases(db, QUEUES, case_filter, last=True)
        assert page.last
        assert page.older is None
        while True:
            backwards = [r.reference for r in page.rows] + backwards
            if page.newer is None:
                break
            page = list_cases(db, QUEUES, case_filter, before=page.newer)
        assert page.first
        assert backwards == expected, sort


def test_filters_find_exactly_the_matching_cases_of_the_officers_queues(db: Session) -> None:
    _fill(db)
    rows = _visible(db)
    day = today()
    mine = rows[:7]
    for d in mine:
        d.assigned_officer_id = None
    db.commit()

    def found(case_filter: CaseFilter, officer_id: int | None = None) -> set[str]:
        refs: set[str] = set()
        page = list_cases(db, QUEUES, case_filter, officer_id=officer_id)
        refs |= {r.reference for r in page.rows}
        while page.older is not None:
            page = list_cases(db, QUEUES, case_filter, officer_id=officer_id, after=page.older)
            refs |= {r.reference for r in page.rows}
        return refs

    target = rows[3].reference
    assert found(CaseFilter(reference=target.lower())) == {target}
    assert found(CaseFilter(reference=target[:8].lower())) == {
        d.reference for d in rows if d.reference.startswith(target[:8])
    }
    # A reference routed only elsewhere is not found, even typed in full.
    elsewhere = db.scalars(
        select(Disclosure.reference).where(
            Disclosure.id.not_in(
                select(DisclosureQueue.disclosure_id).where(DisclosureQueue.queue_slug.in_(QUEUES))
            )
        )
    ).first()
    assert elsewhere is not None
    assert found(CaseFilter(reference=elsewhere)) == set()

    assert found(CaseFilter(channel=Channel.SMS)) == {
        d.reference for d in rows if d.channel == Channel.SMS
    }
    assert found(CaseFilter(overdue=Overdue.FEEDBACK)) == {
        d.reference
        for d in rows
        if d.status != Status.CLOSED and d.feedback_due is not None and d.feedback_due < day
    }
    assert found(CaseFilter(overdue=Overdue.ACKNOWLEDGEMENT)) == {
        d.reference for d in rows if d.acknowledged_on is None and d.acknowledgement_due < day
    }
    start, end = day - dt.timedelta(days=200), day - dt.timedelta(days=100)
    assert found(CaseFilter(received_from=start, received_to=end)) == {
        d.reference for d in rows if start <= d.received_on <= end
    }
    assert found(CaseFilter(assignee=Assignee.UNASSIGNED)) == {d.reference for d in rows}
    assert found(CaseFilter(assignee=Assignee.MINE), officer_id=None) == set()


def test_forged_cursors_and_filters_are_ignored_not_errors(
    app: Flask, db: Session, make_officer: Any
) -> None:
    _fill(db, 10)
    desk = officer_client(app, make_officer("mukamana", QUEUES))
    for query in (
        "after=garbage",
        "before=2026-99-99~x",
        "after=2026-01-01~'%3B--",
        "sort=drop&overdue=everything&assignee=ceo&from=yesterday&queue=investigation",
        "q=%25%25%25",
        "last=1&after=2026-01-01~abc",
    ):
        assert desk.get(f"/officer/?{query}").status_code == 200, query
    assert Cursor.parse("2026-01-01~abc") == Cursor(dt.date(2026, 1, 1), "abc")
    assert Cursor.parse("2026-01-01~a-b") is None


def test_bulk_assign_changes_each_case_audited_and_returns_to_the_filter(
    app: Flask, client: Any, db: Session, make_officer: Any
) -> None:
    filed = [file_web_report(client, f"Report number {n} about the Gatuna post") for n in range(3)]
    officer: OfficerLogin = make_officer("uwase", QUEUES)
    desk = officer_client(app, officer)
    officer_id = case(db, filed[0].reference).assigned_officer_id  # None
    assert officer_id is None
    me = re.search(r'<option value="(\d+)">uwase</option>', desk.get("/officer/").text)
    assert me is not None
    response = desk.post(
        "/officer/bulk",
        data={
            "csrf_token": _token(desk),
            "action": "assign",
            "assignee": me.group(1),
            "status": "acknowledged",
            "outcome": "",
            "back": "assignee=unassigned&evil=https://example.org",
            "case": [f.reference for f in filed],
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/officer/?done=bulk&assignee=unassigned")
    for f in filed:
        assert case(db, f.reference).assigned_officer_id == int(me.group(1))
    assert {e.subject for e in audit_events(db, "case.assigned")} == {f.reference for f in filed}
    mine = desk.get("/officer/?assignee=mine").text
    assert all(f.reference in mine for f in filed)

    response = desk_post(
        desk,
        "/officer/bulk",
        action="status",
        assignee="",
        status="acknowledged",
        outcome="",
        case=[f.reference for f in filed],
    )
    assert response.status_code == 303
    assert {case(db, f.reference).status for f in filed} == {Status.ACKNOWLEDGED}
    assert len(audit_events(db, "case.status")) == 3


def test_a_refused_step_refuses_the_whole_batch(
    app: Flask, client: Any, db: Session, make_officer: Any
) -> None:
    first = file_web_report(client, "Invoices split at Rubavu")
    second = file_web_report(client, "Invoices split at Rusizi")
    desk = officer_client(app, make_officer("habimana", QUEUES))
    desk_post(desk, f"/officer/case/{second.reference}/status", status="acknowledged")
    response = desk_post(
        desk,
        "/officer/bulk",
        action="status",
        assignee="",
        status="acknowledged",
        outcome="",
        case=[first.reference, second.reference],
    )
    assert response.status_code == 400
    assert second.reference in response.text
    assert case(db, first.reference).status == Status.RECEIVED


def test_an_officer_of_another_queue_cannot_act_through_a_forged_bulk_post(
    app: Flask, client: Any, db: Session, make_officer: Any
) -> None:
    # staff_misconduct goes to internal_audit and the Commissioner General, never investigation.
    theirs = [file_web_report(client, f"Misconduct {n} at the Kigali office") for n in range(2)]
    own = file_web_report(client, "Fuel smuggled at Rusumo", "taxpayer_fraud")
    outsider: OfficerLogin = make_officer("outsider", ["investigation"])
    desk = officer_client(app, outsider)
    events = len(audit_events(db))
    for action in ({"action": "assign", "assignee": ""}, {"action": "status"}):
        response = desk_post(
            desk,
            "/officer/bulk",
            status="acknowledged",
            outcome="",
            **action,
            case=[own.reference, *(t.reference for t in theirs)],
        )
        assert response.status_code == 403
        assert theirs[0].reference not in response.text
    assert case(db, own.reference).status == Status.RECEIVED
    for t in theirs:
        assert case(db, t.reference).status == Status.RECEIVED
    # Nothing happened to any case: the only events are the two refusals.
    refused = audit_events(db)[events:]
    assert [(e.action, e.subject) for e in refused] == [("access.refused", "/officer/bulk")] * 2
    # Forged by internal id or with a case the queue page never showed: the same.
    forged = desk_post(desk, "/officer/bulk", action="status", status="acknowledged", case="x")
    assert forged.status_code == 403


def _token(desk: Any) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', desk.get("/officer/").text)
    assert match
    return match.group(1)
