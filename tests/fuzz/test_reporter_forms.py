"""Property-based tests of every reporter form: /report, /checkin, /checkin/followup.

Whatever a browser (or a script pretending to be one) sends, the answer is a
clear page, never a 500; no text sent is stored in the clear; no case is left
without content. Each example is self-contained: a fresh client, its own marker.
"""

from __future__ import annotations

import io

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.invariants import CLEAR_ANSWERS, assert_stored_safely, disclosures, marker
from tests.helpers.instance import Initialised
from tests.helpers.reporter import hidden, open_form

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CATEGORIES = ["taxpayer_fraud", "staff_misconduct", "retaliation", "other"]
UNITS = ["commissioner_general", "internal_audit", "investigation"]

#: Any Unicode a phone keyboard, a paste or a hostile script may produce.
texts = st.text(max_size=300)
categories = st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=40))
concerns = st.lists(st.one_of(st.sampled_from(UNITS), st.text(max_size=20)), max_size=4)
files = st.lists(st.tuples(st.text(min_size=1, max_size=40), st.binary(max_size=300)), max_size=2)


@FUZZ
@given(
    category=categories,
    body=texts,
    concerned=concerns,
    uploads=files,
    multipart=st.booleans(),
    drop_token=st.booleans(),
)
def test_any_report_form_gets_a_clear_answer_and_stores_no_plaintext(
    onion_app: Flask,
    initialised: Initialised,
    category: str,
    body: str,
    concerned: list[str],
    uploads: list[tuple[str, bytes]],
    multipart: bool,
    drop_token: bool,
) -> None:
    client = onion_app.test_client()
    secret = marker()
    before = disclosures(onion_app)
    data: dict[str, object] = {
        **open_form(client),
        "category": category,
        "body": secret + " " + body,
        "concerns": concerned,
    }
    if drop_token:
        data.pop("form_token")
    if multipart:
        data["attachment"] = [(io.BytesIO(content), name) for name, content in uploads]
        response = client.post("/report", data=data, content_type="multipart/form-data")
    else:
        response = client.post("/report", data=data)
    assert response.status_code in CLEAR_ANSWERS, response.status_code
    after = disclosures(onion_app)
    if response.status_code == 200:
        assert 'id="case-ref"' in response.get_data(as_text=True)
        assert after == before + 1
    else:
        assert after == before
    assert_stored_safely(onion_app, initialised.config, secret, secret + " " + body)


@FUZZ
@given(codename=st.one_of(texts, st.from_regex(r"[a-z]{3,9}( [a-z]{3,9}){6}", fullmatch=True)))
def test_any_codename_attempt_is_refused_clearly_and_leaves_no_trace(
    onion_app: Flask, initialised: Initialised, codename: str
) -> None:
    client = onion_app.test_client()
    page = client.get("/checkin").get_data(as_text=True)
    response = client.post(
        "/checkin", data={"csrf_token": hidden(page, "csrf_token"), "codename": codename}
    )
    assert response.status_code in {400, 401}, response.status_code
    # A wrong codename never reaches the database, a cookie or the page.
    assert "hl_r" not in response.headers.get("Set-Cookie", "")
    if len(codename.strip()) >= 8:
        assert codename not in response.get_data(as_text=True)
    assert_stored_safely(onion_app, initialised.config, codename)


@FUZZ
@given(
    body=texts,
    target=st.one_of(st.just("own"), st.just("missing"), st.text(max_size=40)),
    uploads=files,
    signed_in=st.booleans(),
)
def test_any_follow_up_gets_a_clear_answer_and_stores_no_plaintext(
    onion_app: Flask,
    initialised: Initialised,
    body: str,
    target: str,
    uploads: list[tuple[str, bytes]],
    signed_in: bool,
) -> None:
    from tests.helpers.client import receipt_of

    client = onion_app.test_client()
    first = marker()
    receipt = client.post(
        "/report", data={**open_form(client), "category": "other", "body": first + " report"}
    )
    filed = receipt_of(receipt.get_data(as_text=True))
    assert filed is not None
    codename, _reference = filed
    case_page = ""
    if signed_in:
        page = client.get("/checkin").get_data(as_text=True)
        assert (
            client.post(
                "/checkin", data={"csrf_token": hidden(page, "csrf_token"), "codename": codename}
            ).status_code
            == 303
        )
        case_page = client.get("/checkin").get_data(as_text=True)
    disclosure = {"own": hidden(case_page, "disclosure") if signed_in else "", "missing": ""}.get(
        target, target
    )
    token_source = case_page or client.get("/checkin").get_data(as_text=True)
    secret = marker()
    response = client.post(
        "/checkin/followup",
        data={
            "csrf_token": hidden(token_source, "csrf_token"),
            "disclosure": disclosure,
            "body": secret + " " + body,
            "attachment": [(io.BytesIO(content), name) for name, content in uploads],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in CLEAR_ANSWERS, response.status_code
    if response.status_code == 303:
        assert signed_in
        assert target == "own"
    assert_stored_safely(onion_app, initialised.config, first, secret, secret + " " + body)
