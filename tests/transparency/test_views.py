"""The public page and CSV (headers, accessibility, weight) and the officer's
statistics (only their own queues)."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.models import today
from tests.helpers.officers import sign_in
from tests.transparency.history import Case, generate, insert_cases

TODAY = today()
BUDGET = 14 * 1024


@pytest.fixture
def cases(app: Flask, db: Session) -> list[Case]:
    generated = generate(1500, TODAY - dt.timedelta(days=3 * 365), TODAY, seed=5)
    insert_cases(db, generated)
    db.commit()
    return generated


def test_public_page_is_cacheable_scriptless_and_accessible(
    client: FlaskClient, cases: list[Case]
) -> None:
    response = client.get("/transparency")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert " style=" not in html  # the CSP allows no inline style
    svg = re.search(r"<svg[^>]*>", html)
    assert svg
    assert 'role="img"' in svg.group(0)
    assert 'aria-label="Disclosures received per year, by category"' in svg.group(0)
    assert "<title>Disclosures received per year, by category</title>" in html
    assert "fewer than 5" in html
    assert 'href="/transparency.csv"' in html


def test_csv_is_text_csv_and_cacheable(client: FlaskClient, cases: list[Case]) -> None:
    response = client.get("/transparency.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert "attachment" in response.headers["Content-Disposition"]
    header = response.get_data(as_text=True).splitlines()[0]
    assert header.startswith("year,through,status,category,received,ongoing,closed")


def test_page_is_translated_and_a_language_switch_is_not_shared(
    client: FlaskClient, cases: list[Case]
) -> None:
    response = client.get("/transparency?lang=fr")
    assert response.status_code == 200
    assert '<html lang="fr"' in response.get_data(as_text=True)
    # This response sets the language cookie: no shared cache may keep it.
    assert response.headers["Cache-Control"].startswith("private")
    assert client.get("/transparency?lang=ar").get_data(as_text=True).count('dir="rtl"') == 1


def test_page_weighs_under_14_kb_gzip_without_the_chart(
    client: FlaskClient, cases: list[Case], app: Flask
) -> None:
    with client.get("/static/hotline.css") as stylesheet:
        css = stylesheet.data
    weights = {}
    for lang in app.config["HOTLINE"].languages:
        html = client.get(f"/transparency?lang={lang}").get_data(as_text=True)
        without_chart = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
        weights[lang] = len(gzip.compress(without_chart.encode(), 9)) + len(gzip.compress(css, 9))
        chart = re.search(r"<svg.*?</svg>", html, flags=re.S)
        assert chart
        weights[f"{lang} chart"] = len(gzip.compress(chart.group(0).encode(), 9))
    print("transparency page, gzip bytes (HTML without chart + CSS; chart alone):", weights)
    assert all(w < BUDGET for k, w in weights.items() if "chart" not in k), weights


def _per_month(html: str) -> list[list[int]]:
    table = re.search(r'<table class="stats" id="per-month">(.*?)</table>', html, flags=re.S)
    assert table
    body = table.group(1).split("<tbody>")[1]
    return [
        [int(v) for v in re.findall(r"<td>(\d+)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def _since(month_count: int) -> dt.date:
    index = TODAY.year * 12 + TODAY.month - 1 - (month_count - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def test_officer_sees_only_their_own_queues(
    client: FlaskClient, cases: list[Case], make_officer: object
) -> None:
    since = _since(12)
    recent = [c for c in cases if c.received_on >= since]
    investigator = make_officer("ines", ["investigation"])  # type: ignore[operator]
    sign_in(client, investigator)
    response = client.get("/officer/stats")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert 'role="img"' in html
    rows = _per_month(html)
    assert len(rows) == 12
    # Columns: the four categories, then the channels seen.
    by_category = [sum(r[i] for r in rows) for i in range(4)]
    expected = sum(1 for c in recent if "investigation" in c.queues)
    assert by_category == [expected, 0, 0, 0]
    assert expected > 0
    assert sum(sum(r[4:]) for r in rows) == expected
    outcomes = re.search(r'id="outcomes">(.*?)</table>', html, flags=re.S)
    assert outcomes
    outcome_rows = [
        [int(v) for v in re.findall(r"<td>(\d+)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", outcomes.group(1).split("<tbody>")[1], flags=re.S)
    ]
    assert len(outcome_rows) == 5
    assert sum(r[0] for r in outcome_rows) > 0
    staff_misconduct_outcomes = [r[1] for r in outcome_rows]
    assert staff_misconduct_outcomes == [0] * 5
    assert re.search(r'id="open-retaliation">0<', html)


def test_internal_audit_only_cases_stay_out_of_other_queues(
    app: Flask, cases: list[Case], make_officer: object
) -> None:
    since = _since(12)
    recent = [c for c in cases if c.received_on >= since]
    for username, queue in (("grace", "commissioner_general"), ("amani", "internal_audit")):
        client = app.test_client()
        sign_in(client, make_officer(username, [queue]))  # type: ignore[operator]
        rows = _per_month(client.get("/officer/stats").get_data(as_text=True))
        staff_misconduct = sum(r[1] for r in rows)
        expected = sum(1 for c in recent if c.category == "staff_misconduct" and queue in c.queues)
        assert staff_misconduct == expected
    only_audit = [c for c in recent if c.queues == ("internal_audit",)]
    assert only_audit, "the history routes some cases to internal_audit only"


def test_officer_statistics_need_a_signed_in_officer(client: FlaskClient) -> None:
    response = client.get("/officer/stats")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/officer/login")


def test_stats_command_prints_a_table(
    client: FlaskClient, runner: object, cases: list[Case]
) -> None:
    result = runner.invoke(args=["stats"])  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    assert "Published through" in result.output
    assert "retaliation" in result.output
