"""Debian's Chromium for Playwright: where it is, how it starts, where screenshots go,
and how a test follows a click to the page it loads."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def follow(page: object, selector: str) -> None:
    """Click what loads a new page (a link, a form's button) and wait until that
    page has loaded, redirects included.

    ``click`` returns once a navigation has started; reading the page then, on a
    busy machine, reads the old page or an empty one between the two.
    """
    with page.expect_navigation(wait_until="load"):  # type: ignore[attr-defined]
        page.click(selector)  # type: ignore[attr-defined]
