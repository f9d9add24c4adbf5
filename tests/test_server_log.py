"""What gunicorn writes about requests: nothing by default (the second a report
arrived could be matched against a workplace's network log), and with
HOTLINE_ACCESS_LOG=1 never an address, user agent or query string."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from tests.helpers.instance import Initialised
from tests.helpers.servers import start_server

AGENT = "DistinctiveAgent/9.9 (reporter phone)"


def _visit(url: str) -> None:
    request = urllib.request.Request(
        url + "/report?category=other&marker=querystring", headers={"User-Agent": AGENT}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_no_request_is_logged_unless_asked_and_then_no_address(
    initialised: Initialised, tmp_path: Path
) -> None:
    quiet = start_server(initialised.config, tmp_path, "quiet")
    logging = start_server(
        initialised.config, tmp_path, "logging", environment={"HOTLINE_ACCESS_LOG": "1"}
    )
    try:
        _visit(quiet.url)
        _visit(logging.url)
    finally:
        quiet_log = quiet.stop()
        access_log = logging.stop()
    assert "Booting worker" in quiet_log
    assert "/report" not in quiet_log
    requests = [line for line in access_log.splitlines() if '"GET /report"' in line]
    assert requests, access_log
    for line in requests:
        assert "127.0.0.1" not in line
    for secret in (AGENT, "DistinctiveAgent", "querystring"):
        assert secret not in access_log
