"""The USSD and voice webhooks under steady load: p50 and p99 at 20 requests/s.

``python -m bench.channels`` starts gunicorn (two workers) on SQLite and on
PostgreSQL + Redis and sends open-loop traffic from this process: whole USSD
sessions (language, menu, category, two screens of text, send) and whole
reporting calls (every TwiML step of a call, signed as Twilio signs them),
requests started on schedule whether or not earlier ones have finished. Each
filed report derives a codename, so this measures the filing path too. The
recording fetch and disguise run after the response and are not in the figure
(the bench server has no Twilio account, so there is nothing to fetch).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from twilio.request_validator import RequestValidator

from bench.instance import temporary_instance
from bench.postgres import Unavailable, forget_redis, fresh_database, redis_url
from tests.helpers.client import Browser
from tests.helpers.load import Outcome, Run
from tests.helpers.servers import PUBLIC_URL, TWILIO_TOKEN, gunicorn

RESULTS = Path(__file__).parent / "channels.md"
RATE = 20.0
SECONDS = 15.0
AT_TOKEN = "bench-" + "ab" * 16
TEXT = "The clearing agent pays the duty officer for every lorry that crosses at night"

Step = Callable[[Browser], int]


def ussd_session() -> list[Step]:
    session_id = "ATUid_" + secrets.token_hex(8)
    number = f"+2507{secrets.randbelow(10**8):08d}"
    answers = [
        "",
        "1",
        "1*1",
        "1*1*2",
        f"1*1*2*{TEXT}",
        f"1*1*2*{TEXT}*{TEXT}",
        f"1*1*2*{TEXT}*{TEXT}*0",
    ]

    def step(text: str) -> Step:
        def post(browser: Browser) -> int:
            form = {
                "sessionId": session_id,
                "phoneNumber": number,
                "serviceCode": "*1#",
                "text": text,
            }
            return browser.post(f"/ussd/africastalking?token={AT_TOKEN}", form).status

        return post

    return [step(text) for text in answers]


def voice_call() -> list[Step]:
    call_sid = "CA" + secrets.token_hex(16)
    number = f"+2507{secrets.randbelow(10**8):08d}"
    recording = "RE" + secrets.token_hex(16)
    steps = [
        ("/voice/twilio", {}),
        ("/voice/twilio/language", {"Digits": "1"}),
        ("/voice/twilio/menu?lang=en", {"Digits": "1"}),
        ("/voice/twilio/category?lang=en", {"Digits": "2"}),
        ("/voice/twilio/recorded?lang=en&cat=2", {"RecordingSid": recording}),
        (f"/voice/twilio/more?lang=en&cat=2&recs={recording}", {"Digits": "2"}),
    ]

    def step(path: str, extra: dict[str, str]) -> Step:
        def post(browser: Browser) -> int:
            form = {"CallSid": call_sid, "From": number, "AccountSid": "AC" + "0" * 32, **extra}
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL + path, form)
            return browser.post(path, form, headers={"X-Twilio-Signature": signature}).status

        return post

    return [step(path, extra) for path, extra in steps]


def steady(port: int, make: Callable[[], list[Step]], rate: float, seconds: float) -> Run:
    """Open-loop: one request every ``1/rate`` seconds, sessions interleaved."""
    total = int(rate * seconds)
    sessions: list[list[Step]] = []
    while sum(len(s) for s in sessions) < total:
        sessions.append(make())
    length = len(sessions[0])
    schedule = sorted(
        (step * len(sessions) + number, steps[step])
        for number, steps in enumerate(sessions)
        for step in range(length)
    )[:total]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    local = threading.local()
    started = time.monotonic()

    def job(item: tuple[int, Step]) -> None:
        slot, send = item
        delay = started + slot / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        browser: Browser | None = getattr(local, "browser", None)
        if browser is None:
            browser = local.browser = Browser(port)
        began = time.monotonic()
        try:
            status = send(browser)
        except (OSError, http.client.HTTPException) as exc:
            browser.close()
            outcome = Outcome(0, time.monotonic() - began, error=type(exc).__name__)
        else:
            outcome = Outcome(status, time.monotonic() - began, "")
        with lock:
            outcomes.append(outcome)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(job, schedule))
    return Run(tuple(outcomes), time.monotonic() - started)


def measure(database_url: str | None, redis: str | None, log_dir: Path) -> dict[str, Run]:
    with (
        temporary_instance(database_url, redis_url=redis) as config,
        gunicorn(config, log_dir, workers=2) as server,
    ):
        steady(server.port, ussd_session, 5.0, 2.0)  # warm up every worker
        return {
            "USSD": steady(server.port, ussd_session, RATE, SECONDS),
            "voice": steady(server.port, voice_call, RATE, SECONDS),
        }


def row(backend: str, channel: str, run: Run) -> str:
    failed = sum(1 for o in run.outcomes if o.status != 200)
    return (
        f"| {backend} | {channel} | {len(run.outcomes)} | {failed} "
        f"| {run.percentile(0.5) * 1000:.0f} ms | {run.percentile(0.99) * 1000:.0f} ms |"
    )


def main() -> int:
    os.environ["HOTLINE_AFRICASTALKING_TOKEN"] = AT_TOKEN
    lines = [
        f"Webhooks at {RATE:.0f} requests/s for {SECONDS:.0f} s each, gunicorn with 2 workers:",
        "",
        "| backend | webhook | requests | not 200 | p50 | p99 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as logs:
        log_dir = Path(logs)
        for channel, run in measure(None, None, log_dir).items():
            lines.append(row("SQLite", channel, run))
        try:
            with fresh_database() as url:
                redis = redis_url()
                try:
                    for channel, run in measure(url, redis, log_dir).items():
                        lines.append(row("PostgreSQL + Redis", channel, run))
                finally:
                    forget_redis()
        except Unavailable as exc:
            lines.append(f"| PostgreSQL + Redis | skipped: {exc} | | | | |")
    table = "\n".join(lines)
    print(table)
    RESULTS.write_text(
        "# USSD and voice webhooks\n\n"
        "Written by `python -m bench.channels`; quote figures from one run.\n\n" + table + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
