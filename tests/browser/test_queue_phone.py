"""The queue on a 360 px phone, JavaScript off: no sideways scrolling, and a
case found by typing the start of its reference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import follow, screenshot
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.servers import Server, start_server

pytestmark = pytest.mark.xdist_group("chromium")


@pytest.fixture
def server(initialised: Initialised, tmp_path: Path) -> Iterator[Server]:
    running = start_server(initialised.config, tmp_path, "desk")
    yield running
    running.stop()


@pytest.mark.browser
def test_the_queue_fits_a_phone_and_finds_a_case_by_reference(
    server: Server, chromium: Any, make_officer: Any, backend: str
) -> None:
    officer: OfficerLogin = make_officer("ingabire", ["internal_audit"])
    context = chromium.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    references = []
    for text in ("Receipts torn up at the Gatuna post", "Bribes asked at the Rusizi office"):
        page.goto(server.url + "/report?category=staff_misconduct")
        page.fill("#body", text)
        follow(page, "button[type=submit]")
        references.append(page.inner_text("#case-ref").strip())

    page.goto(server.url + "/officer/login")
    page.fill("#username", officer.username)
    page.fill("#password", officer.password)
    page.fill("#code", officer.next_code())
    follow(page, "button[type=submit]")
    page.goto(server.url + "/officer/")
    assert all(r in page.content() for r in references)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if backend == "sqlite":
        screenshot(page, "officer-queue-360")

    page.fill("#q", references[1][:7].lower() + references[1][7:].lower())
    follow(page, "#find button[type=submit]")
    assert "q=" in page.url
    listed = page.locator("table.queue a[href*='/officer/case/']").all_inner_texts()
    assert listed == [references[1]]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    wide = chromium.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    laptop = wide.new_page()
    laptop.goto(server.url + "/officer/login")
    laptop.fill("#username", officer.username)
    laptop.fill("#password", officer.password)
    laptop.fill("#code", officer.next_code())
    follow(laptop, "button[type=submit]")
    laptop.goto(server.url + "/officer/?sort=activity")
    assert laptop.evaluate("document.documentElement.scrollWidth") <= 1280
    if backend == "sqlite":
        screenshot(laptop, "officer-queue-1280")
    context.close()
    wide.close()
