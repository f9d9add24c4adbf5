"""The public statistics over a generated three-year history: page, CSV and JSON
agree, nothing published reveals a count from 1 to 4, not even by comparing
two versions, and published numbers never change."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, replace

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.models import Disclosure, PublishedStatistics, today
from hotline.transparency.statistics import ensure_published, published_versions
from hotline.transparency.tables import (
    ALL,
    COUNTS,
    MEASURES,
    Quarter,
    YearTable,
    last_completed_quarter,
)
from tests.transparency.audit import (
    Key,
    StatsTables,
    bounded_attack,
    count_cells,
    determined_by_equations,
    expected_counts,
    group_rule_violations,
    page_token,
)
from tests.transparency.history import Case, generate, insert_cases

TODAY = today()
#: The first publication happens as if on this day: two quarters ago.
EARLIER = Quarter.of(TODAY).previous().start + dt.timedelta(days=10)


@dataclass
class Outputs:
    page: dict[int, dict[tuple[str, str], str]]
    csv: list[dict[str, str]]
    json: dict[str, object]


def capture(client: FlaskClient, runner: FlaskCliRunner) -> Outputs:
    response = client.get("/transparency")
    assert response.status_code == 200
    parser = StatsTables()
    parser.feed(response.get_data(as_text=True))
    download = client.get("/transparency.csv")
    assert download.status_code == 200
    result = runner.invoke(args=["stats", "--json"])
    assert result.exit_code == 0, result.output
    return Outputs(
        page=parser.tables,
        csv=list(csv.DictReader(io.StringIO(download.get_data(as_text=True)))),
        json=json.loads(result.stdout),
    )


def assert_agree(outputs: Outputs) -> None:
    """The page, the CSV and the JSON carry the same value in every cell."""
    years = outputs.json["years"]
    assert isinstance(years, list)
    csv_rows = {(r["year"], r["category"]): r for r in outputs.csv}
    assert len(csv_rows) == sum(len(y["rows"]) for y in years)
    for year in years:
        table = YearTable.from_json(year)
        page = outputs.page[table.year]
        for row, figures in table.rows.items():
            for measure in MEASURES:
                figure = figures.get(measure)
                token = "" if figure is None else figure.csv
                assert csv_rows[(str(table.year), row)][measure] == token, (
                    table.year,
                    row,
                    measure,
                )
                if figure is not None:
                    assert page_token(page[(row, measure)], measure) == token, (row, measure)
                    as_json = year["rows"][row][measure]
                    assert as_json["suppressed"] == figure.suppressed
                    if figure.suppressed:
                        assert as_json["value"] is None
                        assert as_json["reason"] in {
                            "fewer_than_5",
                            "protects_another",
                            "too_few_cases",
                        }
                        assert (token == "<5") == (as_json["reason"] == "fewer_than_5")


def assert_no_small_count(outputs: Outputs) -> None:
    for row in outputs.csv:
        for measure in COUNTS:
            value = row[measure]
            if value.isdigit():
                assert not 0 < int(value) < 5, (row["year"], row["category"], measure, value)


def truth_of(tables: list[YearTable], cases: list[Case]) -> dict[Key, int]:
    truth: dict[Key, int] = {}
    for table in tables:
        counts = expected_counts(cases, table.year, table.through.end)
        for key in count_cells(table, table.through.number):
            truth[key] = counts[key[2]][key[3]]
    return truth


@pytest.fixture
def history(app: Flask, db: Session) -> list[Case]:
    start = TODAY - dt.timedelta(days=3 * 365)
    cases = generate(2600, start, EARLIER, today=TODAY, seed=11)
    insert_cases(db, cases)
    db.commit()
    return cases


def test_history_is_published_safely_and_never_revised(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    db: Session,
    history: list[Case],
) -> None:
    # Version 1: the page as it was shortly after an earlier quarter ended.
    clock = app.extensions["hotline"].clock
    clock.set(dt.datetime.combine(EARLIER, dt.time(12), tzinfo=dt.UTC))
    first = capture(client, runner)
    assert first.json["published_through"] == str(last_completed_quarter(EARLIER))
    assert_agree(first)
    assert_no_small_count(first)
    frozen = {r.quarter: r.body for r in db.scalars(select(PublishedStatistics))}

    # Later: new cases in the following quarter, and an old case closed with a
    # back-dated closure inside an already published year.
    later = generate(
        400, Quarter.of(EARLIER).start, TODAY - dt.timedelta(days=1), today=TODAY, seed=12
    )
    insert_cases(db, later)
    old = db.scalars(
        select(Disclosure)
        .where(
            Disclosure.closed_on.is_(None),
            Disclosure.received_on < EARLIER - dt.timedelta(days=400),
        )
        .limit(1)
    ).one()
    db.execute(
        update(Disclosure)
        .where(Disclosure.id == old.id)
        .values(
            status="closed", outcome="malicious", closed_on=old.received_on + dt.timedelta(days=9)
        )
    )
    db.commit()
    clock.set(None)
    second = capture(client, runner)
    assert second.json["published_through"] == str(last_completed_quarter(TODAY))
    assert_agree(second)
    assert_no_small_count(second)

    # Old numbers never change: stored bodies are untouched, complete years identical.
    after = {r.quarter: r.body for r in db.scalars(select(PublishedStatistics))}
    assert {q: after[q] for q in frozen} == frozen
    first_final = [r for r in first.csv if r["status"] == "final"]
    assert first_final
    assert [
        r
        for r in second.csv
        if (r["status"], r["year"]) in {("final", f["year"]) for f in first_final}
    ] == first_final

    # Everything ever published, attacked as a whole.
    versions = published_versions(db)
    assert len(versions) == len(after)
    assert group_rule_violations(versions) == []
    assert determined_by_equations(versions) == []
    # The back-dated closure is not in the frozen numbers: the truth is the history as published.
    truth = truth_of(versions, history + later)
    assert bounded_attack(versions, truth) == []
    # The test did exercise hiding: small counts were there to protect.
    tokens = [t for v in versions for t in count_cells(v, v.through.number).values()]
    assert "<5" in tokens
    assert "x" in tokens


def test_counts_are_as_of_the_quarter_end(app: Flask, db: Session) -> None:
    """A case closed after the year ended is ongoing in that year's table."""
    year = last_completed_quarter(TODAY).year - 1
    received = dt.date(year, 11, 2)
    cases = [
        Case(
            category="taxpayer_fraud",
            channel="web",
            received_on=received + dt.timedelta(days=i % 20),
            acknowledged_on=received + dt.timedelta(days=i % 20),
            first_reply_on=None,
            closed_on=dt.date(year + 1, 1, 5) if i < 3 else None,
            outcome="referred" if i < 3 else None,
            reward_paid_on=None,
            reward_minor=None,
            queues=("investigation",),
        )
        for i in range(8)
    ]
    insert_cases(db, cases)
    db.commit()
    ensure_published(app.extensions["hotline"].database, TODAY)
    table = next(t for t in published_versions(db) if t.year == year and t.final)
    assert table.figure("taxpayer_fraud", "received").value == 8  # type: ignore[union-attr]
    assert table.figure("taxpayer_fraud", "ongoing").value == 8  # type: ignore[union-attr]
    assert table.figure("taxpayer_fraud", "closed").value == 0  # type: ignore[union-attr]
    assert table.figure(ALL, "received").value == 8  # type: ignore[union-attr]


def test_two_workers_publishing_at_once_store_one_version(app: Flask, db: Session) -> None:
    import threading

    cases = generate(300, TODAY - dt.timedelta(days=500), TODAY, today=TODAY, seed=3)
    insert_cases(db, cases)
    db.commit()
    database = app.extensions["hotline"].database
    results: list[object] = []
    barrier = threading.Barrier(2)

    def publish() -> None:
        barrier.wait()
        try:
            results.append(ensure_published(database, TODAY))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    quarters = list(db.scalars(select(PublishedStatistics.quarter)))
    assert len(quarters) == len(set(quarters)) > 0
    assert max(quarters) == str(last_completed_quarter(TODAY))


def test_nothing_to_publish_without_cases(client: FlaskClient, runner: FlaskCliRunner) -> None:
    response = client.get("/transparency")
    assert response.status_code == 200
    assert "Nothing is published yet" in response.get_data(as_text=True)
    result = runner.invoke(args=["stats", "--json"])
    assert json.loads(result.stdout)["years"] == []


def test_today_quarter_is_never_published(app: Flask, db: Session) -> None:
    cases = [replace(c, received_on=TODAY) for c in generate(20, TODAY, TODAY, today=TODAY)]
    insert_cases(db, cases)
    db.commit()
    assert ensure_published(app.extensions["hotline"].database, TODAY) == []
    assert db.scalars(select(PublishedStatistics)).all() == []


@pytest.mark.parametrize(("count", "seed"), [(12, 1), (40, 2), (90, 3), (250, 4)])
def test_small_hotlines_publish_without_revealing_anything(
    app: Flask, db: Session, count: int, seed: int
) -> None:
    """Few cases means many small cells, and versions that lean on each other."""
    cases = generate(count, TODAY - dt.timedelta(days=2 * 365), TODAY, today=TODAY, seed=seed)
    insert_cases(db, cases)
    db.commit()
    ensure_published(app.extensions["hotline"].database, TODAY)
    versions = published_versions(db)
    assert versions
    assert group_rule_violations(versions) == []
    assert bounded_attack(versions, truth_of(versions, cases)) == []
    for table in versions:
        for token in count_cells(table, table.through.number).values():
            assert not (token.isdigit() and 0 < int(token) < 5)
