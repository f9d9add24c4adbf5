"""A reporter's whole journey in a real browser without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers.browser import follow, screenshot
from tests.helpers.instance import Initialised
from tests.helpers.servers import Server, start_server

# One Chromium at a time: under xdist these tests share one worker.
pytestmark = pytest.mark.xdist_group("chromium")


@pytest.fixture
def server(initialised: Initialised, tmp_path: Path) -> Iterator[Server]:
    running = start_server(initialised.config, tmp_path, "browser")
    yield running
    running.stop()


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "border-post.jpg"
    image = Image.new("RGB", (64, 48), (30, 120, 60))
    exif = Image.Exif()
    exif[0x013B] = "Camera Owner"
    image.save(path, "JPEG", exif=exif)
    return path


@pytest.mark.browser
def test_report_receipt_check_in_and_follow_up(
    server: Server, phone: object, tmp_path: Path, backend: str
) -> None:
    page = phone
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    if backend == "sqlite":
        screenshot(page, "landing")
    follow(page, "text=Corruption or misconduct by staff")
    assert page.is_checked("input[value=staff_misconduct]")  # type: ignore[attr-defined]
    if backend == "sqlite":
        screenshot(page, "report-form")
    page.fill("#body", "The assessor at Rusizi asked for 50,000 to clear my goods")  # type: ignore[attr-defined]
    page.set_input_files("#attachment", str(photo(tmp_path)))  # type: ignore[attr-defined]
    follow(page, "button[type=submit]")
    codename = page.inner_text("#codename").strip()  # type: ignore[attr-defined]
    reference = page.inner_text("#case-ref").strip()  # type: ignore[attr-defined]
    assert len(codename.split()) == 7
    assert "camera details" in page.content()  # type: ignore[attr-defined]
    if backend == "sqlite":
        screenshot(page, "receipt")

    page.goto(server.url + "/checkin")  # type: ignore[attr-defined]
    page.fill("#codename", codename)  # type: ignore[attr-defined]
    follow(page, "button[type=submit]")
    # The sign-in answers with a redirect: wait for the case page it leads to,
    # or a slow machine reads the page between the two.
    page.wait_for_selector("#body-1")  # type: ignore[attr-defined]
    content = page.content()  # type: ignore[attr-defined]
    assert reference in content
    assert "asked for 50,000" in content
    assert "border-post.jpg" in content

    page.fill("#body-1", "He works the night shift on Tuesdays")  # type: ignore[attr-defined]
    follow(page, "form[action='/checkin/followup'] button[type=submit]")
    page.wait_for_selector("text=Sent.")  # type: ignore[attr-defined]
    assert "He works the night shift on Tuesdays" in page.content()  # type: ignore[attr-defined]
    assert "Sent." in page.content()  # type: ignore[attr-defined]
    if backend == "sqlite":
        screenshot(page, "check-in")


@pytest.mark.browser
def test_arabic_form_is_right_to_left_and_readable_at_320px(
    server: Server, chromium: object
) -> None:

    context = chromium.new_context(  # type: ignore[attr-defined]
        viewport={"width": 320, "height": 640}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(server.url + "/report?category=retaliation&lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    # The text box fits the screen: no sideways scrolling on a small phone.
    box = page.locator("textarea#body").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 320
    context.close()
