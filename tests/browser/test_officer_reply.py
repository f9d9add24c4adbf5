"""An officer signs in, opens the case a reporter filed and replies; the reporter
reads the reply at check-in. Both in Debian's Chromium, JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import follow, screenshot
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.servers import Server, start_server

# One Chromium at a time: under xdist these tests share one worker.
pytestmark = pytest.mark.xdist_group("chromium")


@pytest.fixture
def server(initialised: Initialised, tmp_path: Path) -> Iterator[Server]:
    running = start_server(initialised.config, tmp_path, "desk")
    yield running
    running.stop()


@pytest.mark.browser
def test_officer_reply_reaches_the_reporter(
    server: Server, chromium: Any, make_officer: Any, backend: str
) -> None:

    officer: OfficerLogin = make_officer("nyiraneza", ["internal_audit"])
    phone = chromium.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    reporter = phone.new_page()
    reporter.goto(server.url + "/report?category=staff_misconduct")
    reporter.fill("#body", "The cashier at Kigali office keeps part of every fine")
    follow(reporter, "button[type=submit]")
    codename = reporter.inner_text("#codename").strip()
    reference = reporter.inner_text("#case-ref").strip()

    laptop = chromium.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    desk = laptop.new_page()
    desk.goto(server.url + "/officer/login")
    desk.fill("#username", officer.username)
    desk.fill("#password", officer.password)
    desk.fill("#code", officer.next_code())
    follow(desk, "button[type=submit]")
    assert reference in desk.content()
    follow(desk, f"text={reference}")
    assert "keeps part of every fine" in desk.content()
    desk.fill("#reply", "Thank you. Which days does this happen?")
    follow(desk, "form[action$='/reply'] button[type=submit]")
    assert "Thank you. Which days does this happen?" in desk.content()
    if backend == "sqlite":
        screenshot(desk, "officer-case")

    reporter.goto(server.url + "/checkin")
    reporter.fill("#codename", codename)
    follow(reporter, "button[type=submit]")
    assert "Thank you. Which days does this happen?" in reporter.content()
    phone.close()
    laptop.close()
