"""The reporter's web pages, driven as a browser without JavaScript would."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import create_app
from hotline.models import Disclosure, DisclosureLink, Message
from hotline.procedure import AuthorKind
from hotline.sealing.items import read_message
from tests.helpers.desk import file_web_report, queue_keys
from tests.helpers.instance import Initialised
from tests.helpers.reporter import (
    TEXT,
    check_in,
    element,
    file_report,
    hidden,
    jpeg_with_gps,
    open_form,
)
from tests.helpers.stored import assert_absent, dump_database
from tests.helpers.writers import officer_writes


def count(db: Session, model: type) -> int:
    db.expire_all()
    return len(db.scalars(select(model)).all())


def test_landing_offers_the_four_choices_and_check_in(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    for category in ("taxpayer_fraud", "staff_misconduct", "retaliation", "other"):
        assert f"/report?category={category}" in html
    assert 'href="/checkin"' in html
    assert "grievances" in html
    assert "<script" not in html


def test_report_form_preselects_the_category_from_the_link(client: FlaskClient) -> None:
    html = client.get("/report?category=retaliation").get_data(as_text=True)
    assert re.search(r'value="retaliation"[^>]*checked|checked[^>]*value="retaliation"', html)
    for name in ("category", "body", "attachment", "concerns"):
        assert f'name="{name}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_report_with_a_photo_gets_a_receipt_and_leaves_no_plaintext(
    client: FlaskClient, initialised: Initialised, db: Session
) -> None:
    photo = jpeg_with_gps()
    response_html = file_report(client, attachment=(io.BytesIO(photo), "gatuna-weighbridge.jpg"))
    codename = element(response_html, "codename")
    reference = element(response_html, "case-ref")
    assert len(codename.split()) == 7
    assert re.fullmatch(r"HL-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert "location" in response_html  # the receipt says what was removed
    stored = dump_database(initialised.config)
    for secret in (TEXT, "Gatuna", "gatuna-weighbridge", "Reporter Real Name", codename):
        assert_absent(secret.encode(), stored)
    assert count(db, Disclosure) == 1


def test_the_receipt_is_never_cached_and_the_codename_never_leaves_the_page(
    client: FlaskClient,
) -> None:
    data = {**open_form(client), "category": "other", "body": TEXT}
    response = client.post("/report", data=data)
    html = response.get_data(as_text=True)
    codename = element(html, "codename")
    assert response.headers["Cache-Control"] == "no-store"
    for header, value in response.headers.items():
        assert codename not in value, header
        assert codename.replace(" ", "+") not in value, header
    assert response.headers.get("Location") is None


def test_sending_the_same_form_twice_files_once(client: FlaskClient, db: Session) -> None:
    data = {**open_form(client), "category": "other", "body": TEXT}
    assert client.post("/report", data=dict(data)).status_code == 200
    again = client.post("/report", data=dict(data))
    assert again.status_code == 409
    assert "already sent" in again.get_data(as_text=True)
    assert count(db, Disclosure) == 1


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"category": "gossip"}, 400, "Not a valid choice"),
        ({"body": "   "}, 400, "Please describe what happened"),
        ({"csrf_token": ""}, 400, "please send again"),
        ({"form_token": "forged"}, 400, "expired"),
    ],
)
def test_bad_reports_get_a_clear_page_keep_the_text_and_store_nothing(
    client: FlaskClient, db: Session, change: dict[str, str], status: int, message: str
) -> None:
    typed = "Keep this text: lorry RAD 204 B"
    data = {**open_form(client), "category": "other", "body": typed, **change}
    response = client.post("/report", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in html
    if change.get("body") is None:
        assert typed in html
    assert count(db, Disclosure) == 0


def test_after_an_expired_csrf_token_the_same_page_sends(client: FlaskClient, db: Session) -> None:
    typed = "Keep this text: lorry RAD 204 B"
    form = open_form(client)
    refused = client.post(
        "/report", data={**form, "csrf_token": "", "category": "other", "body": typed}
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert typed in page
    # The page carries a fresh token: sending it again, as it is, files the report.
    resent = client.post(
        "/report",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "form_token": hidden(page, "form_token"),
            "category": "other",
            "body": typed,
        },
    )
    assert resent.status_code == 200, resent.get_data(as_text=True)
    assert count(db, Disclosure) == 1


def test_an_oversized_upload_is_refused_with_a_clear_page(
    initialised: Initialised, db: Session
) -> None:
    app = create_app(initialised.config.with_changes(max_upload_bytes=2_000))
    client = app.test_client()
    data = {
        **open_form(client),
        "category": "other",
        "body": "with a big file",
        "attachment": (io.BytesIO(b"%PDF" + b"0" * 5_000), "big.pdf"),
    }
    response = client.post("/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "too large" in html
    assert "with a big file" in html
    assert count(db, Disclosure) == 0
    app.extensions["hotline"].database.dispose()


def test_check_in_shows_the_report_and_takes_a_follow_up(
    client: FlaskClient, initialised: Initialised
) -> None:
    codename = element(file_report(client), "codename")
    page = check_in(client, codename.upper().replace(" ", "-"))
    assert TEXT in page
    assert "Received" in page
    assert "no reward at this stage" in page  # reward state
    followup = {
        "csrf_token": hidden(page, "csrf_token"),
        "disclosure": hidden(page, "disclosure"),
        "body": "Second lorry on Friday, plate RAC 555 Z",
    }
    response = client.post("/checkin/followup", data=followup)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "plate RAC 555 Z" in page
    assert_absent(b"RAC 555 Z", dump_database(initialised.config))


def test_a_wrong_codename_is_refused_clearly(client: FlaskClient) -> None:
    file_report(client)
    html = client.get("/checkin").get_data(as_text=True)
    response = client.post(
        "/checkin",
        data={"csrf_token": hidden(html, "csrf_token"), "codename": "abacus " * 7},
    )
    assert response.status_code == 401
    assert "No report matches this codename" in response.get_data(as_text=True)
    assert "hl_r" not in response.headers.get("Set-Cookie", "")


def test_the_session_cookie_holds_no_codename_and_logout_ends_it(
    app: Flask, client: FlaskClient
) -> None:
    codename = element(file_report(client), "codename")
    page = check_in(client, codename)
    cookie = client.get_cookie("hl_r")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Strict"
    assert codename not in cookie.value
    sessions = app.extensions["hotline"].sessions
    with app.app_context():
        assert sessions.read("reporter", cookie.value) is not None
        client.post("/checkin/logout", data={"csrf_token": hidden(page, "csrf_token")})
        assert sessions.read("reporter", cookie.value) is None
    assert "Check in with your codename" in client.get("/checkin").get_data(as_text=True)


def test_an_expired_session_keeps_the_unsent_text_on_screen(
    app: Flask, client: FlaskClient
) -> None:
    codename = element(file_report(client), "codename")
    page = check_in(client, codename)
    app.extensions["hotline"].clock.advance(dt.timedelta(minutes=31))
    response = client.post(
        "/checkin/followup",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "disclosure": hidden(page, "disclosure"),
            "body": "my unsent words",
        },
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "30 minutes" in html
    assert "my unsent words" in html


def test_retaliation_from_check_in_is_a_new_linked_disclosure(
    client: FlaskClient, db: Session
) -> None:
    codename = element(file_report(client), "codename")
    check_in(client, codename)
    html = file_report(client, "My transfer to a remote post came a week later", "retaliation")
    assert 'id="codename"' not in html  # filed under the codename they already have
    db.expire_all()
    retaliation = db.scalars(select(Disclosure).where(Disclosure.category == "retaliation")).one()
    original = db.scalars(select(Disclosure).where(Disclosure.category != "retaliation")).one()
    link = db.scalars(select(DisclosureLink)).one()
    assert (link.from_id, link.to_id, link.kind) == (retaliation.id, original.id, "retaliation_for")
    assert retaliation.reporter_id == original.reporter_id
    page = client.get("/checkin").get_data(as_text=True)
    assert original.reference in page
    assert retaliation.reference in page


def test_an_officer_reply_shows_at_check_in(client: FlaskClient, app: Flask, db: Session) -> None:

    codename = element(file_report(client), "codename")
    disclosure = db.scalars(select(Disclosure)).one()
    officer_writes(
        db, disclosure, author_kind=AuthorKind.OFFICER, text="Thank you; which warehouse?"
    )
    officer_writes(db, disclosure, author_kind=AuthorKind.NOTE, text="internal: check the assessor")
    db.commit()
    page = check_in(client, codename)
    assert "Thank you; which warehouse?" in page
    assert "internal: check the assessor" not in page
    db.expire_all()
    reply = db.scalars(select(Message).where(Message.author_kind == "officer")).one()
    assert reply.reporter_read


def test_arabic_pages_are_right_to_left_and_the_flow_works(client: FlaskClient) -> None:
    landing = client.get("/?lang=ar")
    assert 'dir="rtl"' in landing.get_data(as_text=True)
    assert "lang=ar" in landing.headers.get("Set-Cookie", "")
    html = file_report(client, "شاحنة تهريب عند الحدود ليلاً", "taxpayer_fraud")
    assert 'lang="ar"' in html
    assert 'dir="rtl"' in html
    codename = element(html, "codename")
    assert "شاحنة تهريب" in check_in(client, codename)


def test_onion_location_is_sent_when_configured(initialised: Initialised) -> None:
    onion = "http://hotlinexyz.onion"
    app = create_app(initialised.config.with_changes(onion_url=onion))
    response = app.test_client().get("/report?category=other")
    assert response.headers["Onion-Location"] == onion + "/report?category=other"
    app.extensions["hotline"].database.dispose()


def test_a_codename_quoted_in_a_web_report_or_follow_up_is_never_sealed(
    client: FlaskClient, db: Session, initialised: Initialised
) -> None:
    # A reporter quotes last time's codename in a new report, and their own in a
    # follow-up: officers reading either could open that reporter's check-in.
    first = file_web_report(client, "The clearing agent splits invoices", "taxpayer_fraud")
    second = file_web_report(
        client, f"Same agent again. Last time I was given: {first.codename}", "taxpayer_fraud"
    )
    page = check_in(client, second.codename)
    sent = client.post(
        "/checkin/followup",
        data={
            "csrf_token": hidden(page, "csrf_token"),
            "disclosure": hidden(page, "disclosure"),
            "body": f"My code is {second.codename.upper()}, and lorry RAB 123 C",
        },
    )
    assert sent.status_code == 303
    case = db.scalars(select(Disclosure).where(Disclosure.reference == second.reference)).one()
    keys = queue_keys(initialised, db, *case.queue_slugs)
    texts = [read_message(db, m, keys) for m in case.messages]
    assert texts == [
        "Same agent again. Last time I was given: [codename removed]",
        "My code is [codename removed], and lorry RAB 123 C",
    ]
    # Seven words of the list that open no one are the reporter's words, kept.
    words = " ".join(["gravy"] * 7)
    fresh = client.application.test_client()  # not signed in: a new reporter
    third = file_web_report(fresh, f"They shouted {words} at me", "taxpayer_fraud")
    third_case = db.scalars(select(Disclosure).where(Disclosure.reference == third.reference)).one()
    third_keys = queue_keys(initialised, db, *third_case.queue_slugs)
    assert read_message(db, third_case.messages[0], third_keys) == f"They shouted {words} at me"
