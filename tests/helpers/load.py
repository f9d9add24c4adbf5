"""The load generator. Each function runs in its own process (see :func:`in_process`),
so that its CPU is never counted as the server's, and is bounded in count and time.

Every request goes to 127.0.0.1. Reports and SMS texts start with a random
token, so a test can look for each one in the database afterwards.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import multiprocessing
import secrets
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from tests.helpers.client import Browser, Reply

P = ParamSpec("P")
T = TypeVar("T")

CATEGORIES = ("taxpayer_fraud", "staff_misconduct", "retaliation", "other")
_SENTENCE = (
    "The assessor at the border post asked the clearing agent for money to release "
    "the goods, and the lorry was waved through without the weighbridge ticket. "
)
REPORT_CHARS = 600


def report_text(token: str, chars: int = REPORT_CHARS) -> str:
    """A report of exactly ``chars`` characters that begins with ``token``."""
    text = token + " "
    while len(text) < chars:
        text += _SENTENCE
    return text[:chars]


def in_process(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``function`` in a fresh process (spawned, so it shares nothing with us)."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args, **kwargs).result()


@dataclass(frozen=True)
class Outcome:
    """One journey: final status, seconds, and what the reporter was shown."""

    status: int
    seconds: float
    token: str = ""
    text: str = ""
    codename: str | None = None
    reference: str | None = None
    error: str | None = None
    #: The start of the page of a refused request, for tests to read.
    page: str = ""


@dataclass(frozen=True)
class Run:
    outcomes: tuple[Outcome, ...]
    wall_seconds: float

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in (200, 303) and o.error is None]

    @property
    def per_second(self) -> float:
        return len(self.ok) / self.wall_seconds if self.wall_seconds else 0.0

    def percentile(self, fraction: float) -> float:
        return percentile([o.seconds for o in self.ok], fraction)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a real request)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _pool(count: int, concurrency: int, time_limit: float, job: Callable[[int], Outcome]) -> Run:
    """``count`` jobs on ``concurrency`` threads; none starts after ``time_limit``."""
    started = time.monotonic()
    deadline = started + time_limit
    counter = iter(range(count))
    lock = threading.Lock()
    outcomes: list[Outcome] = []

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            outcome = job(index)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(tuple(outcomes), time.monotonic() - started)


def submissions(
    port: int,
    *,
    count: int,
    concurrency: int,
    time_limit: float,
    host: str | None = None,
    chars: int = REPORT_CHARS,
) -> Run:
    """Reporters each GET the form and POST one report, as a browser without JS."""
    browsers: dict[int, Browser] = {}

    def job(index: int) -> Outcome:
        ident = threading.get_ident()
        browser = browsers.setdefault(ident, Browser(port, host=host))
        # A new reporter each time: fresh cookies, the same kept-alive connection.
        browser.cookies.clear()
        token = "HL" + secrets.token_hex(8)
        text = report_text(token, chars)
        began = time.monotonic()
        try:
            reply, receipt = browser.submit(text, CATEGORIES[index % len(CATEGORIES)])
        except (OSError, http.client.HTTPException) as exc:
            # A worker killed mid-response cuts the connection, or the body short.
            browser.close()
            return Outcome(0, time.monotonic() - began, token, text, error=type(exc).__name__)
        seconds = time.monotonic() - began
        if receipt is None:
            return Outcome(
                reply.status, seconds, token, text, error=_why(reply), page=reply.body[:3000]
            )
        return Outcome(reply.status, seconds, token, text, receipt[0], receipt[1])

    try:
        return _pool(count, concurrency, time_limit, job)
    finally:
        for browser in browsers.values():
            browser.close()


def _why(reply: Reply) -> str:
    return f"HTTP {reply.status}" if reply.status != 200 else "no receipt on the page"


def check_ins(
    port: int,
    codenames: list[str],
    *,
    count: int,
    concurrency: int,
    time_limit: float,
    host: str | None = None,
) -> Run:
    """Reporters check in with their codename and read their case page."""
    browsers: dict[int, Browser] = {}

    def job(index: int) -> Outcome:
        ident = threading.get_ident()
        browser = browsers.setdefault(ident, Browser(port, host=host))
        browser.cookies.clear()
        began = time.monotonic()
        try:
            reply = browser.check_in(codenames[index % len(codenames)])
        except (OSError, http.client.HTTPException) as exc:
            # A worker killed mid-response cuts the connection, or the body short.
            browser.close()
            return Outcome(0, time.monotonic() - began, error=type(exc).__name__)
        ok = reply.status == 200 and 'name="codename"' not in reply.body
        return Outcome(reply.status, time.monotonic() - began, error=None if ok else _why(reply))

    try:
        return _pool(count, concurrency, time_limit, job)
    finally:
        for browser in browsers.values():
            browser.close()


# --- SMS ---------------------------------------------------------------------------


def sms_params(number: str, body: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": "SM" + secrets.token_hex(16),
        "From": number,
        "To": "+250700000111",
        "Body": body,
        "NumMedia": "0",
    }


def sms_signature(token: str, url: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(token).compute_signature(url, params))


def send_sms(browser: Browser, token: str, public_url: str, number: str, body: str) -> Reply:
    params = sms_params(number, body)
    signature = sms_signature(token, public_url + "/sms/twilio", params)
    return browser.post("/sms/twilio", params, headers={"X-Twilio-Signature": signature})


def sms_dialogue_parts(token: str) -> list[str]:
    """A feature-phone report in three texts: category and first part, more, DONE."""
    first = f"2 {token} " + _SENTENCE[:120]
    return [first, _SENTENCE[:150], "DONE"]


def sms_steady(
    port: int,
    *,
    twilio_token: str,
    public_url: str,
    rate: float,
    duration: float,
    time_limit: float,
) -> Run:
    """Open-loop SMS traffic: one signed webhook request every ``1/rate`` seconds.

    Each phone sends a three-part dialogue; requests start on schedule whether
    or not earlier ones have finished, so a slow server shows up as latency.
    """
    total = int(rate * duration)
    phones = -(-total // 3)
    schedule: list[tuple[float, str, str]] = []
    for phone in range(phones):
        number = f"+2507{secrets.randbelow(10**8):08d}"
        for part, body in enumerate(sms_dialogue_parts("HL" + secrets.token_hex(8))):
            # Interleave phones so one phone's parts are spaced out like a person's.
            slot = part * phones + phone
            schedule.append((slot / rate, number, body))
    schedule.sort()
    schedule = schedule[:total]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    started = time.monotonic()
    local = threading.local()

    def job(item: tuple[float, str, str]) -> None:
        at, number, body = item
        delay = started + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() - started > time_limit:
            return
        browser: Browser | None = getattr(local, "browser", None)
        if browser is None:
            browser = local.browser = Browser(port)
        began = time.monotonic()
        try:
            reply = send_sms(browser, twilio_token, public_url, number, body)
            outcome = Outcome(reply.status, time.monotonic() - began, body[:20])
        except (OSError, http.client.HTTPException) as exc:
            # A worker killed mid-response cuts the connection, or the body short.
            browser.close()
            outcome = Outcome(0, time.monotonic() - began, error=type(exc).__name__)
        with lock:
            outcomes.append(outcome)

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(job, schedule))
    return Run(tuple(outcomes), time.monotonic() - started)


# --- the officer's queue page ------------------------------------------------------


def officer_pages(
    port: int,
    *,
    username: str,
    password: str,
    code: str,
    paths: list[str],
    repeats: int,
    time_limit: float,
) -> dict[str, Run]:
    """Sign in through the real form (password + TOTP), then time each page."""
    from tests.helpers.client import hidden

    browser = Browser(port)
    try:
        page = browser.get("/officer/login")
        reply = browser.post(
            "/officer/login",
            {
                "csrf_token": hidden(page.body, "csrf_token"),
                "username": username,
                "password": password,
                "code": code,
            },
        )
        if reply.status != 303:
            raise RuntimeError(f"officer sign-in refused: HTTP {reply.status}")
        runs: dict[str, Run] = {}
        deadline = time.monotonic() + time_limit
        for path in paths:
            outcomes = []
            began_all = time.monotonic()
            browser.get(path)  # warm the caches once, not timed
            for _ in range(repeats):
                if time.monotonic() > deadline:
                    break
                began = time.monotonic()
                reply = browser.get(path)
                error = None if reply.status == 200 and "HL-" in reply.body else _why(reply)
                outcomes.append(Outcome(reply.status, time.monotonic() - began, error=error))
            runs[path] = Run(tuple(outcomes), time.monotonic() - began_all)
        return runs
    finally:
        browser.close()
