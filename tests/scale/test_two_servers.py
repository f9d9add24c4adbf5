"""Two gunicorn servers sharing PostgreSQL and Redis: the web tier keeps no state.

A reporter checks in on one server and goes on on the other; the check-in rate
limit counts attempts on both; neither server logs a request, so no client
address, user agent or time of a report.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.instance import Initialised
from tests.helpers.servers import Server, start_server

# Several gunicorn workers under load each: under xdist these tests share one
# worker, so two load tests never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("scale")


AGENT = "DistinctiveAgent/9.9 (reporter phone)"


class Browser:
    """A cookie-keeping client without JavaScript, like a phone's browser."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"User-Agent": AGENT})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def servers(initialised: Initialised, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    if not initialised.config.redis_url:
        pytest.skip("across processes needs PostgreSQL + Redis (the other backend)")
    a = start_server(initialised.config, tmp_path, "a")
    b = start_server(initialised.config, tmp_path, "b")
    yield a, b
    for server in (a, b):
        if server.process.poll() is None:
            server.stop()


@pytest.mark.slow
def test_sessions_and_rate_limits_hold_across_servers(servers: tuple[Server, Server]) -> None:
    a, b = servers
    reporter = Browser()
    status, form = reporter.request(a.url + "/report?category=other")
    assert status == 200
    status, receipt = reporter.request(
        a.url + "/report",
        {
            "csrf_token": field(form, "csrf_token"),
            "form_token": field(form, "form_token"),
            "category": "other",
            "body": "Warehouse 7 relabels imported sugar as local produce",
        },
    )
    assert status == 200, receipt
    codename = re.search(r'id="codename"[^>]*>([^<]+)<', receipt)
    assert codename

    # Check in on A, read the case on B.
    _, page = reporter.request(a.url + "/checkin")
    status, _ = reporter.request(
        a.url + "/checkin",
        {"csrf_token": field(page, "csrf_token"), "codename": codename.group(1)},
    )
    assert status == 200
    status, case = reporter.request(b.url + "/checkin")
    assert status == 200
    assert "Warehouse 7 relabels imported sugar" in case

    # Ten check-ins a minute per client address, counted across both servers:
    # the reporter's own check-in above came from the same (loopback) address.
    guesser = Browser()
    _, page = guesser.request(a.url + "/checkin")
    token = field(page, "csrf_token")
    statuses = []
    for attempt in range(10):
        server = a if attempt % 2 == 0 else b
        status, _ = guesser.request(
            server.url + "/checkin", {"csrf_token": token, "codename": "abacus " * 7}
        )
        statuses.append(status)
    assert statuses[:9] == [401] * 9
    assert statuses[9] == 429

    logs = a.stop() + b.stop()
    assert "Booting worker" in logs, logs  # the servers' logs were captured
    # No request is logged at all: not the client, and not the second a
    # report arrived, which a workplace's network log could be matched against.
    assert "/report" not in logs
    assert "/checkin" not in logs
    assert AGENT not in logs
    assert "DistinctiveAgent" not in logs
    assert codename.group(1) not in logs
