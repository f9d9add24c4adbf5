"""The officer's queue over 100,000 cases on PostgreSQL: p95 of each way of
finding a case, the last page included.

``python -m bench.queue_finding`` (or ``make bench-queue``): creates a
database for the run (dropped after), fills it as ``bench.officer_queue`` does,
assigns one case in a hundred to the benchmark officer, serves it with
gunicorn (one worker per core) and times each page through the real sign-in.
Prints one line per page with its p95 against the 100 ms budget; exits 1 if a
page is over it.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select, text

from bench.instance import temporary_instance
from bench.officer_queue import CASES, OFFICER, fill, make_officer
from bench.postgres import Unavailable, forget_redis, fresh_database, redis_url
from bench.throughput import WORKERS
from hotline.config import Config
from hotline.crypto.keyring import secrets_loader
from hotline.db import Database
from hotline.desk.queue import CaseFilter, Sort, list_cases
from hotline.models import Officer
from tests.helpers import load
from tests.helpers.servers import gunicorn

BUDGET_MS = 100
RESULTS = Path(__file__).parent / "queue_finding.md"
REPEATS = 40
QUEUE = "commissioner_general"


def _paths(config: Config) -> list[str]:
    """Pages to time; the middle one starts from a real cursor 50 pages in."""
    # The queue checks each row's signed status, which needs keys/.
    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        with database.transaction() as session:
            officer_id = session.scalar(select(Officer.id).where(Officer.username == OFFICER))
            session.execute(
                text(
                    "UPDATE disclosures SET assigned_officer_id = :officer "
                    "WHERE right(id, 2) = '00' OR right(id, 2) = 'ff'"
                ),
                {"officer": officer_id},
            )
            page = list_cases(session, [QUEUE], CaseFilter())
            for _ in range(50):
                assert page.older is not None
                page = list_cases(session, [QUEUE], CaseFilter(), after=page.older)
            assert page.older is not None
            middle = page.older.token()
            reference = page.rows[0].reference
            due = list_cases(session, [QUEUE], CaseFilter(sort=Sort.DUE), last=True)
            assert due.rows
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        database.dispose()
    return [
        "/officer/",
        f"/officer/?after={middle}",
        "/officer/?last=1",
        "/officer/?sort=due",
        "/officer/?sort=due&last=1",
        "/officer/?sort=activity&last=1",
        f"/officer/?q={reference}",
        f"/officer/?q={reference[:6]}",
        "/officer/?assignee=mine",
        "/officer/?assignee=mine&last=1",
        "/officer/?assignee=unassigned&overdue=feedback",
        "/officer/?status=received&category=other&channel=sms",
        "/officer/?from=2025-01-01&to=2025-03-31&last=1",
    ]


def main() -> int:
    try:
        redis = redis_url()
        with (
            fresh_database() as url,
            temporary_instance(url, redis_url=redis) as config,
            tempfile.TemporaryDirectory() as logs,
        ):
            print(f"Filling {CASES:,} cases…", file=sys.stderr)
            seconds = fill(config, CASES)
            login = make_officer(config, config.keys_dir.parent / "recovery.txt")
            paths = _paths(config)
            with gunicorn(config, Path(logs), workers=WORKERS) as server:
                runs = load.in_process(
                    load.officer_pages,
                    server.port,
                    username=login.username,
                    password=login.password,
                    code=login.code(),
                    paths=paths,
                    repeats=REPEATS,
                    time_limit=300,
                )
    except Unavailable as exc:
        print(f"skipped: {exc}")
        return 0
    finally:
        forget_redis()
    lines = [f"Queue over {CASES:,} cases on PostgreSQL (filled in {seconds:.0f} s), p95 per page:"]
    over = False
    for path, run in runs.items():
        p95 = run.percentile(0.95) * 1000
        failed = len(run.outcomes) - len(run.ok)
        verdict = "ok" if p95 < BUDGET_MS and not failed else "OVER"
        over |= verdict == "OVER"
        why = next((o.error for o in run.outcomes if o.error), "")
        note = f"  ({failed} failed: {why})" if failed else ""
        lines.append(f"  {p95:6.0f} ms  {verdict:4}  {path}{note}")
    print("\n".join(lines))
    load_average = os.getloadavg()[0]
    RESULTS.write_text(
        "# The officer's queue at 100,000 cases\n\n"
        f"Written by `make bench-queue` on {dt.datetime.now(dt.UTC):%Y-%m-%d at %H:%M} UTC, "
        f"{os.cpu_count()} cores, load average {load_average:.1f} when it ended; "
        f"budget {BUDGET_MS} ms at p95, {REPEATS} requests per page. "
        "Quote figures from one run.\n\n"
        "```\n" + "\n".join(lines) + "\n```\n"
    )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
