"""Debian's Chromium driven by Playwright, with JavaScript off, at a phone's size.

Never downloads a browser: it uses ``/usr/bin/chromium`` (installed by
``.ci/run``). Without it the tests skip, except under ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.helpers.browser import CHROMIUM_ARGS, CHROMIUM_CANDIDATES


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    executable = next((c for c in CHROMIUM_CANDIDATES if shutil.which(c)), None)
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Debian's chromium is not installed (CI=true: .ci/run installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium: object) -> Iterator[object]:
    """A 360×740 page with JavaScript disabled, like Tor Browser's "Safest"."""
    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 360, "height": 740}, java_script_enabled=False, locale="en-GB"
    )
    page = context.new_page()
    yield page
    context.close()
