"""Run the benchmarks, print one table, and write bench/results.md.

``python -m bench`` (or ``make bench``): page weights, then web submissions,
check-ins and SMS through gunicorn with one worker per core on SQLite and on
PostgreSQL + Redis, then the officer's queue page over 100,000 cases, then the SMS webhook at
20 requests/s with its Argon2id thread key (``python -m bench sms`` runs only that). Every
request goes to 127.0.0.1; the PostgreSQL database is created for the run and
dropped after. It takes a few minutes on two cores.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.breakdown import breakdown, table
from bench.instance import temporary_instance
from bench.officer_queue import CASES, fill, make_officer
from bench.page_weight import BUDGET, PageWeight, measure
from bench.postgres import Unavailable, forget_redis, fresh_database, redis_url
from bench.sms import main as sms_main
from bench.sms import report as sms_report
from bench.throughput import (
    CONCURRENCY,
    SMS_RATE,
    WORKERS,
    BackendResult,
    measure_backend,
)
from tests.helpers import load
from tests.helpers.servers import gunicorn

RESULTS = Path(__file__).parent / "results.md"
QUEUE_PATHS = ["/officer/", "/officer/?last=1", "/officer/?unread=1&status=received"]
QUEUE_REPEATS = 40


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def postgres_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return "PostgreSQL"
    return out.stdout.strip().replace("psql (PostgreSQL) ", "PostgreSQL ") or "PostgreSQL"


@dataclass
class QueueResult:
    fill_seconds: float
    runs: dict[str, load.Run]


def officer_queue(config_url: str, redis: str, log_dir: Path) -> QueueResult:
    with temporary_instance(config_url, redis_url=redis) as config:
        seconds = fill(config, CASES)
        login = make_officer(config, config.keys_dir.parent / "recovery.txt")
        with gunicorn(config, log_dir, workers=WORKERS) as server:
            runs = load.in_process(
                load.officer_pages,
                server.port,
                username=login.username,
                password=login.password,
                code=login.code(),
                paths=QUEUE_PATHS,
                repeats=QUEUE_REPEATS,
                time_limit=120,
            )
    return QueueResult(seconds, runs)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds == seconds else "n/a"  # NaN check


def _cells(results: dict[str, BackendResult | str], cell: object) -> list[str]:
    out = []
    for result in results.values():
        out.append(result if isinstance(result, str) else cell(result))  # type: ignore[operator]
    return out


def summary(
    weights: list[PageWeight],
    results: dict[str, BackendResult | str],
    queue: QueueResult | str,
) -> list[str]:
    heaviest = max(weights, key=lambda w: w.total)
    transparency = [w for w in weights if w.page == "/transparency"]
    lines = [
        "| measure | SQLite | PostgreSQL + Redis |",
        "| --- | ---: | ---: |",
    ]

    def row(name: str, cell: object) -> None:
        lines.append(f"| {name} | " + " | ".join(_cells(results, cell)) + " |")

    lines.append(
        f"| heaviest reporter page, gzip HTML + CSS (budget {BUDGET:,}) | "
        f"{heaviest.total:,} B ({heaviest.page}, {heaviest.language}) | same pages |"
    )
    if transparency:
        worst = max(transparency, key=lambda w: w.total)
        lines.append(f"| /transparency, gzip HTML + CSS | {worst.total:,} B | same page |")
    else:
        lines.append("| /transparency | no such route yet | |")
    row(
        "web submissions per second (GET form + multipart POST of 600 chars)",
        lambda r: f"{r.submissions.run.per_second:.1f}/s",
    )
    row(
        "server CPU per submission (gunicorn + PostgreSQL backends)",
        lambda r: ms(r.submissions.cpu_each),
    )
    row(
        "  of which PostgreSQL backends",
        lambda r: ms(r.submissions.postgres_cpu / max(1, len(r.submissions.run.ok))),
    )
    row(
        "one codename derivation (scrypt n=2^14, r=8, p=1), CPU, median, during the load",
        lambda r: ms(r.derivation),
    )
    row("  the same with the server idle", lambda r: ms(r.derivation_idle))
    row(
        "**KDF share** (one derivation during the load ÷ server CPU per submission)",
        lambda r: f"**{r.kdf_share:.0%}**",
    )
    row("  with the idle derivation instead", lambda r: f"{r.kdf_share_idle:.0%}")
    row(
        "submission latency p50 / p95",
        lambda r: (
            f"{ms(r.submissions.run.percentile(0.5))} / {ms(r.submissions.run.percentile(0.95))}"
        ),
    )
    row(
        "codename check-ins per second (form, POST, case page)",
        lambda r: f"{r.check_ins.run.per_second:.1f}/s",
    )
    row("server CPU per check-in", lambda r: ms(r.check_ins.cpu_each))
    row(
        f"SMS webhook latency p50 / p99 at {SMS_RATE:g} signed requests/s",
        lambda r: f"{ms(r.sms.run.percentile(0.5))} / {ms(r.sms.run.percentile(0.99))}",
    )
    row("server CPU per SMS request", lambda r: ms(r.sms.cpu_each))
    if isinstance(queue, str):
        lines.append(f"| officer queue page, {CASES:,} cases | | {queue} |")
    else:
        for path, run in queue.runs.items():
            lines.append(
                f"| officer queue `{path}`, {CASES:,} cases, p50 / p95 | n/a | "
                f"{ms(run.percentile(0.5))} / {ms(run.percentile(0.95))} |"
            )
    return lines


def main() -> None:
    began = time.monotonic()
    log_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-logs-"))
    print("Page weights…", file=sys.stderr)
    with temporary_instance() as config:
        weights = measure(config)
    results: dict[str, BackendResult | str] = {}
    print("SQLite…", file=sys.stderr)
    with temporary_instance() as config:
        results["sqlite"] = measure_backend("sqlite", config, log_dir)
    print("Where a submission's CPU goes…", file=sys.stderr)
    phases = breakdown()
    queue: QueueResult | str = "not run"
    print("PostgreSQL + Redis…", file=sys.stderr)
    try:
        redis = redis_url()
        with fresh_database() as url, temporary_instance(url, redis_url=redis) as config:
            results["postgresql"] = measure_backend("postgresql", config, log_dir)
        print(f"Officer queue page over {CASES:,} cases…", file=sys.stderr)
        with fresh_database() as url:
            queue = officer_queue(url, redis, log_dir)
    except Unavailable as exc:
        results.setdefault("postgresql", f"skipped: {exc}")
        queue = f"skipped: {exc}"
    finally:
        forget_redis()
    print("SMS webhook at 20 requests/s…", file=sys.stderr)
    sms_lines = sms_report()

    sqlite = results["sqlite"]
    assert isinstance(sqlite, BackendResult)
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}; {postgres_version()}.",
        f"Commit: {git.stdout.strip()} (plus uncommitted work, if any). "
        f"Run took {time.monotonic() - began:.0f} s. Reproduce with `make bench`.",
        "",
        f"gunicorn: {WORKERS} workers (one per core) × 8 threads; load from another "
        f"process on 127.0.0.1, {CONCURRENCY} browsers at once, without JavaScript "
        "(the report form is posted as multipart/form-data with its empty file field, "
        "as a browser sends it), arriving as through the onion service (one address "
        "for every Tor user, so the per-address limits are off, as in production). "
        "Server CPU is read from "
        "/proc for gunicorn's processes and the PostgreSQL backends serving them; "
        "Redis is not counted. Other work on the machine makes rates vary between "
        "runs; the ratios below come from this one run.",
        "",
        *summary(weights, results, queue),
        "",
        f"KDF share: {sqlite.kdf_share:.0%}",
        "",
    ]
    failures = [f for r in results.values() if isinstance(r, BackendResult) for f in r.failures]
    if failures:
        lines += ["Failed requests:", "", *(f"- {f}" for f in failures), ""]
    if isinstance(queue, QueueResult):
        lines += [
            f"The {CASES:,} cases (metadata rows only: reporters, disclosures, their queues) "
            f"were bulk-inserted with COPY in {queue.fill_seconds:.0f} s; the officer is "
            "designated to the Commissioner General's queue, which receives every category.",
            "",
        ]
    lines += [
        "## SMS webhook with the Argon2id thread key (`python -m bench sms`)",
        "",
        *sms_lines,
        "",
    ]
    lines += [
        "## Where a submission's CPU goes (SQLite, in process)",
        "",
        "The same GET + POST through Flask's test client in the benchmark's own "
        "process (no HTTP parsing), with CPU-time counters around the phases; "
        "`python -m bench.profile` names the functions inside them.",
        "",
        *table(phases),
        "",
        "## Reporter page weight (gzip -9, HTML + CSS)",
        "",
        f"Budget: {BUDGET:,} bytes (one round trip on a new connection).",
        "",
        "| page | language | HTML | CSS | total | within budget |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for w in weights:
        ok = "yes" if w.total <= BUDGET else "NO"
        lines.append(
            f"| {w.page} | {w.language} | {w.html_gzip:,} | {w.css_gzip:,} | {w.total:,} | {ok} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    if failures:
        print(f"(written to {RESULTS}; server logs kept in {log_dir})")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
        print(f"(written to {RESULTS})")


if __name__ == "__main__":
    if sys.argv[1:] == ["sms"]:
        sys.exit(sms_main())
    main()
