"""A receiving officer's day of work in Debian's Chromium, at 360 px and 1280 px,
JavaScript off and on: find a case by its reference, bulk-assign three cases,
filter "mine, overdue", reply, export the case as a PDF and read its text, and
an administrator resets an officer who then signs in again with their queues.
No page scrolls sideways at either width."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.models import Disclosure
from tests.helpers.browser import follow
from tests.helpers.desk import file_web_report
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.servers import Server, start_server

pytestmark = pytest.mark.xdist_group("chromium")

REPORTS = (
    "Receipts torn up at the Gatuna post",
    "Bribes asked at the Rusizi office",
    "The Kigali cashier keeps part of every fine",
    "Fuel tankers waved through at Rusumo",
)
REPLY = "Thank you. On which days does the cashier work alone?"
NEW_PASSWORD = "amber-lantern-quietly-folds-47"


@pytest.fixture
def server(initialised: Initialised, tmp_path: Path) -> Iterator[Server]:
    running = start_server(initialised.config, tmp_path, "desk")
    yield running
    running.stop()


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _sign_in(page: Any, url: str, username: str, password: str, code: str) -> None:
    page.goto(url + "/officer/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.fill("#code", code)
    follow(page, "button[type=submit]")


def _listed(page: Any) -> list[str]:
    return list(page.locator("table.queue a[href*='/officer/case/']").all_inner_texts())


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_a_day_of_work(
    server: Server,
    chromium: Any,
    make_officer: Any,
    client: FlaskClient,
    db: Session,
    width: int,
    javascript: bool,
) -> None:
    officer: OfficerLogin = make_officer("ingabire", ["internal_audit"])
    chief: OfficerLogin = make_officer("chief", ["internal_audit"], admin=True)
    references = [file_web_report(client, text).reference for text in REPORTS]
    # The first two of the three to be assigned are past their acknowledgement.
    overdue = references[:2]
    db.execute(
        update(Disclosure)
        .where(Disclosure.reference.in_(overdue))
        .values(acknowledgement_due=dt.date.today() - dt.timedelta(days=3))
    )
    db.commit()

    context = chromium.new_context(
        viewport={"width": width, "height": 900},
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _sign_in(page, server.url, officer.username, officer.password, officer.next_code())
    assert all(r in page.content() for r in references)
    _fits(page, width)

    # Find a case by (the start of) its reference, typed in lower case.
    page.fill("#q", references[2][:7].lower())
    follow(page, "#find button[type=submit]")
    assert _listed(page) == [references[2]]
    page.goto(server.url + "/officer/")

    # Bulk-assign three cases to oneself.
    for reference in references[:3]:
        page.check(f"input[name=case][value='{reference}']")
    page.select_option("#bulk select[name=action]", "assign")
    page.select_option("#bulk select[name=assignee]", label=officer.username)
    follow(page, "#bulk button[type=submit]")
    assert page.locator("table.queue").count() == 1
    _fits(page, width)

    # "Mine, overdue": the two overdue cases of the three.
    page.select_option("#find select[name=assignee]", "mine")
    page.select_option("#find select[name=overdue]", "acknowledgement")
    follow(page, "#find button[type=submit]")
    assert "assignee=mine" in page.url
    assert "overdue=acknowledgement" in page.url
    assert sorted(_listed(page)) == sorted(overdue)
    _fits(page, width)

    # Open one and reply: the conversation comes first, the facts say who has it.
    follow(page, f"text={overdue[0]}")
    assert page.inner_text("#case-assigned").strip() == officer.username
    assert page.inner_text("#case-language").strip() == "English"
    page.fill("#reply", REPLY)
    follow(page, "form[action$='/reply'] button[type=submit]")
    assert page.inner_text("#case-done")
    assert REPLY in page.inner_text("#conversation")
    _fits(page, width)

    # Export the case file as a PDF and read it.
    page.click("#act-export summary")
    page.select_option("#what", "pdf")
    with page.expect_download() as download_info:
        page.click("form[action$='/export'] button[type=submit]")
    pdf = download_info.value.path()
    text = " ".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert overdue[0] in flat
    assert REPORTS[0] in flat
    assert REPLY in flat

    # An administrator resets the officer: a one-time password and a new TOTP secret.
    admin_context = chromium.new_context(
        viewport={"width": width, "height": 900}, java_script_enabled=javascript
    )
    admin = admin_context.new_page()
    _sign_in(admin, server.url, chief.username, chief.password, chief.next_code())
    admin.goto(server.url + "/officer/admin/")
    follow(admin, f"form[action$='/officers/{officer.officer_id}/reset'] button[type=submit]")
    one_time = admin.inner_text("#one-time-password").strip()
    uri = admin.inner_text("#totp-uri").strip()
    assert admin.inner_text("#sealed").strip() == "internal_audit"
    _fits(admin, width)
    # The administrator finds the case's export in the audit trail, by its reference.
    admin.goto(server.url + "/officer/admin/audit")
    admin.fill("#audit-filter input[name=case]", overdue[0].lower())
    follow(admin, "#audit-filter button[type=submit]")
    assert "case=" in admin.url
    trail = admin.inner_text("#audit-events")
    assert "case.exported" in trail
    assert "case.replied" in trail
    _fits(admin, width)
    secret = re.search(r"secret=([A-Z2-7]+)", uri)
    assert secret
    padded = secret.group(1) + "=" * (-len(secret.group(1)) % 8)
    again = OfficerLogin(officer.username, one_time, base64.b32decode(padded), officer.officer_id)

    # Their open session ended; they sign in again, choose a password, and
    # find their queue's cases, the three assigned to them still theirs.
    page.goto(server.url + "/officer/")
    assert "/officer/login" in page.url
    _sign_in(page, server.url, again.username, again.password, again.next_code())
    assert "/officer/setup" in page.url
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.fill("#code", again.next_code())
    follow(page, "button[type=submit]")
    page.goto(server.url + "/officer/?assignee=mine")
    assert sorted(_listed(page)) == sorted(references[:3])
    follow(page, f"text={overdue[0]}")
    # Their queue key was sealed to their new key: the report opens. (Their
    # reply from before the reset was signed with the key the reset replaced.)
    assert REPORTS[0] in page.inner_text("#conversation")
    _fits(page, width)
    assert errors == []
    admin_context.close()
    context.close()
