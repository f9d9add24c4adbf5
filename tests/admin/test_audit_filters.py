"""The audit trail is complete and can be searched: refused access is an event,
the page filters by officer, case, kind and dates in the URL, and the CSV holds
exactly what the filter keeps, with no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.audit import record, verify
from hotline.auth.refusals import REFUSED_ACCESS
from hotline.crypto.keyring import load_secrets
from hotline.models import AuditEvent
from tests.helpers.desk import audit_events, desk_post, file_web_report, officer_client
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin

Desk = Callable[[OfficerLogin], FlaskClient]


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r"<tr[^>]*><td>(\d+)</td>", html)]


def _csv(client: FlaskClient, query: str = "") -> list[list[str]]:
    response = client.get(f"/officer/admin/audit.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_an_officer_of_another_queue_opening_a_case_gets_403_and_an_event(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    filed = file_web_report(client, "The assessor at Rusumo took a bribe")
    outsider = officer_client(app, make_officer("outsider", ["investigation"]))
    before = len(audit_events(db, REFUSED_ACCESS))

    assert outsider.get(f"/officer/case/{filed.reference.lower()}").status_code == 403
    assert (
        desk_post(outsider, f"/officer/case/{filed.reference}/reply", reply="hi").status_code == 403
    )
    assert outsider.get("/officer/admin/audit").status_code == 403

    refused = audit_events(db, REFUSED_ACCESS)[before:]
    assert [(e.actor, e.subject) for e in refused] == [
        ("officer:outsider", filed.reference),
        ("officer:outsider", filed.reference),
        ("officer:outsider", "/officer/admin/audit"),
    ]
    assert [e.detail for e in refused] == ["GET desk.case", "POST desk.reply", "GET admin.audit"]
    # Nothing of the client: no address anywhere in the events.
    assert not any("127.0.0.1" in e.detail + e.subject + e.actor for e in refused)
    # The refused reply changed nothing but the trail, and the chain holds.
    key = load_secrets(app.extensions["hotline"].config.keys_dir).audit_key
    assert verify(db, key).ok
    # An officer who may open the case leaves no refusal.
    insider = officer_client(app, make_officer("mutesi", ["internal_audit"]))
    assert insider.get(f"/officer/case/{filed.reference}").status_code == 200
    assert len(audit_events(db, REFUSED_ACCESS)) == before + 3


def test_the_filters_narrow_the_page_and_live_in_the_url(
    initialised: Initialised, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    key = load_secrets(initialised.config.keys_dir).audit_key
    old = record(db, key, actor="officer:kalisa", action="case.viewed", subject="HL-AAAA-AAAA")
    record(db, key, actor="officer:kalisa", action="case.replied", subject="HL-AAAA-AAAA")
    record(db, key, actor="officer:mutesi", action="case.viewed", subject="HL-BBBB-BBBB")
    record(db, key, actor="sign-in", action="officer.sign_in_refused", subject="officer:kalisa")
    record(
        db, key, actor="officer:chief", action="officer.designated", subject="kalisa→investigation"
    )
    record(db, key, actor="officer:kalisaa", action="case.viewed", subject="HL-CCCC-CCCC")
    db.commit()
    admin = desk(make_officer("chief", ["internal_audit"], admin=True))

    def subjects(query: str) -> list[str]:
        html = admin.get(f"/officer/admin/audit?{query}").get_data(as_text=True)
        return re.findall(
            r"<tr[^>]*><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", html
        )

    assert sorted(subjects("officer=kalisa")) == sorted(
        ["HL-AAAA-AAAA", "HL-AAAA-AAAA", "officer:kalisa", "kalisa→investigation"]
    )
    assert subjects("case=hl-aaaa-aaaa") == ["HL-AAAA-AAAA", "HL-AAAA-AAAA"]
    assert subjects("case=HL-AAAA-AAAA&kind=case.replied") == ["HL-AAAA-AAAA"]
    assert subjects("officer=kalisa&kind=case.viewed") == ["HL-AAAA-AAAA"]
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert subjects(f"since={tomorrow}") == []
    assert "HL-BBBB-BBBB" in subjects(f"until={tomorrow}&kind=case.viewed")
    # Dates: move the oldest event back ten days (this breaks the chain, which
    # the page then says; the filter still reads the dates as stored).
    db.execute(
        update(AuditEvent)
        .where(AuditEvent.id == old.id)
        .values(at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    )
    db.commit()
    week_ago = (dt.date.today() - dt.timedelta(days=7)).isoformat()
    assert subjects(f"officer=kalisa&kind=case.viewed&since={week_ago}") == []
    assert subjects(f"officer=kalisa&kind=case.viewed&until={week_ago}") == ["HL-AAAA-AAAA"]

    # The form is a GET form that shows the filter it applied, and the pager
    # and the CSV link carry it.
    html = admin.get("/officer/admin/audit?officer=kalisa&kind=case.viewed").get_data(as_text=True)
    assert re.search(r'<form method="get"[^>]*id="audit-filter"', html)
    assert 'name="officer" value="kalisa"' in html
    assert '<option value="case.viewed" selected>' in html
    link = re.search(r'id="audit-csv" href="([^"]+)"', html)
    assert link
    assert "officer=kalisa" in link.group(1)
    assert "kind=case.viewed" in link.group(1)


def test_the_csv_matches_the_filter_is_audited_and_runs_no_formula(
    initialised: Initialised, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    key = load_secrets(initialised.config.keys_dir).audit_key
    for n in range(3):
        record(db, key, actor="officer:kalisa", action="case.viewed", subject=f"HL-AAAA-000{n}")
    record(db, key, actor="officer:kalisa", action="case.noted", subject='=HYPERLINK("x")')
    record(db, key, actor="officer:kalisa", action="case.noted", subject="+1", detail="@SUM(A1)")
    record(db, key, actor="officer:kalisa", action="case.noted", subject="-2", detail="plain")
    db.commit()
    admin = desk(make_officer("chief", ["internal_audit"], admin=True))

    rows = _csv(admin, "?officer=kalisa&kind=case.viewed")
    assert rows[0] == ["id", "time_utc", "actor", "action", "subject", "detail"]
    assert [r[4] for r in rows[1:]] == ["HL-AAAA-0002", "HL-AAAA-0001", "HL-AAAA-0000"]
    # The page with the same filter shows the same events.
    html = admin.get("/officer/admin/audit?officer=kalisa&kind=case.viewed").get_data(as_text=True)
    assert _ids(html) == [int(r[0]) for r in rows[1:]]

    noted = _csv(admin, "?kind=case.noted")[1:]
    assert [r[4] for r in noted] == ["'-2", "'+1", '\'=HYPERLINK("x")']
    assert [r[5] for r in noted] == ["plain", "'@SUM(A1)", ""]
    for row in noted:
        assert not any(cell[:1] in "=+-@" for cell in row if cell)

    exported = audit_events(db, "audit.exported")
    assert [(e.actor, e.detail) for e in exported] == [
        ("officer:chief", "officer=kalisa kind=case.viewed"),
        ("officer:chief", "kind=case.noted"),
    ]
    # Not an administrator: no CSV, and the refusal is an event.
    officer = desk(make_officer("mutesi", ["internal_audit"]))
    assert officer.get("/officer/admin/audit.csv").status_code == 403
    assert audit_events(db, REFUSED_ACCESS)[-1].subject == "/officer/admin/audit.csv"
