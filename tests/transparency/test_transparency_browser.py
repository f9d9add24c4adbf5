"""The statistics page in Debian's Chromium, served by a real gunicorn, no JavaScript.

The browser runs in a thread of its own: ``tests/browser`` keeps a
session-wide Playwright running in the main thread, and Playwright's sync API
refuses a second one there. Same Chromium, arguments and phone size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.crypto.keyring import secrets_loader
from hotline.db import Database
from hotline.models import today
from tests.helpers.browser import CHROMIUM_ARGS, CHROMIUM_CANDIDATES, screenshot
from tests.helpers.instance import Initialised
from tests.helpers.servers import Server, start_server
from tests.transparency.history import generate, insert_cases

# One Chromium at a time: under xdist these tests share one worker.
pytestmark = pytest.mark.xdist_group("chromium")


@pytest.fixture
def server(initialised: Initialised, tmp_path: Path) -> Iterator[Server]:
    database = Database(
        initialised.config.database_url, keys=secrets_loader(initialised.config.keys_dir)
    )
    with database.transaction() as session:
        insert_cases(session, generate(1500, today() - dt.timedelta(days=3 * 365), today()))
    database.dispose()
    running = start_server(initialised.config, tmp_path, "transparency")
    yield running
    running.stop()
    # stop() kills a server slow to exit without reaping it; reap it here.
    with contextlib.suppress(subprocess.TimeoutExpired):
        running.process.wait(timeout=10)


def on_phone(check: Callable[[Any], None]) -> None:
    """Run ``check(page)`` on a 360×740 page with JavaScript off."""
    executable = next((c for c in CHROMIUM_CANDIDATES if shutil.which(c)), None)
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Debian's chromium is not installed (CI=true: .ci/run installs it)")
        pytest.skip("Debian's chromium is not installed")
    errors: list[BaseException] = []

    def run() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(
                        viewport={"width": 360, "height": 740},
                        java_script_enabled=False,
                        locale="en-GB",
                    )
                    check(context.new_page())
                finally:
                    browser.close()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run, name="chromium")
    thread.start()
    thread.join(timeout=180)
    assert not thread.is_alive(), "the browser did not finish"
    if errors:
        raise errors[0]


@pytest.mark.browser
def test_statistics_page_renders_on_a_phone(server: Server, backend: str) -> None:
    def check(page: Any) -> None:
        response = page.goto(server.url + "/transparency")
        assert response.status == 200
        assert response.headers["cache-control"] == "public, max-age=3600"
        assert "what the hotline received" in page.inner_text("h1")
        chart = page.locator("svg[role=img]").bounding_box()
        assert chart is not None
        assert chart["width"] > 200
        assert chart["x"] + chart["width"] <= 360
        assert page.locator("table.stats").count() >= 3
        assert page.locator("text=fewer than 5").count() > 0
        # The page never scrolls sideways; wide tables scroll inside their box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if backend == "sqlite":
            screenshot(page, "transparency")

    on_phone(check)


@pytest.mark.browser
def test_public_tables_fit_a_phone_without_scrolling_inside(server: Server, backend: str) -> None:
    """The yearly table used to run off the right edge at 360 px: every column
    must be readable without sliding the table sideways."""

    def check(page: Any) -> None:
        page.goto(server.url + "/transparency")
        widths = page.evaluate(
            "[...document.querySelectorAll('.scroll')].map(b => [b.scrollWidth, b.clientWidth])"
        )
        assert widths
        for scroll_width, client_width in widths:
            assert scroll_width <= client_width, widths
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        if backend == "sqlite":
            screenshot(page, "transparency-table")

    on_phone(check)
