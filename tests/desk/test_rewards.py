"""Rewards: exactly 10% of what was collected, in integers, and visible to the reporter."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.desk.errors import CaseRefused
from hotline.desk.rewards import MAX_COLLECTED_MINOR, parse_amount, reward_for
from hotline.models import today
from tests.helpers.desk import audit_events, case, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import check_in


@pytest.mark.parametrize(
    ("collected", "reward"),
    [
        (0, 0),
        (4, 0),  # 0.04 → 0.004 → 0.00
        (5, 1),  # 0.05 → 0.005 → 0.01: half rounds up
        (15, 2),  # 0.15 → 0.015 → 0.02
        (14, 1),
        (123_456_789, 12_345_679),
        (MAX_COLLECTED_MINOR, MAX_COLLECTED_MINOR // 10),
        (2**31 * 10 + 5, 2**31 + 1),
    ],
)
def test_the_reward_is_ten_percent_rounded_half_up(collected: int, reward: int) -> None:
    assert reward_for(collected) == reward


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1500000", 150_000_000),
        ("1500000.5", 150_000_050),
        ("1 500 000,05", 150_000_005),
        ("0.01", 1),
        ("25000000", 2_500_000_000),  # past a 32-bit column
    ],
)
def test_amounts_are_parsed_to_minor_units_without_floats(text: str, minor: int) -> None:
    assert parse_amount(text) == minor


@pytest.mark.parametrize("text", ["1,234", "-5", "1e6", "12.345", "", "abc", "9" * 20])
def test_ambiguous_or_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(CaseRefused):
        parse_amount(text)


def test_a_reward_set_at_the_desk_shows_to_the_reporter_at_check_in(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "Importer declares Ferraris as tractors", "taxpayer_fraud")
    login: OfficerLogin = make_officer("rewarder", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"

    assert desk_post(desk, f"{base}/reward", reward_state="pending_assessment").status_code == 303
    assert "being assessed" in check_in(client, filed.codename)
    collected = "34567890.15"  # penalties and interest: 3,456,789,015 minor units
    response = desk_post(
        desk, f"{base}/reward", reward_state="pending_assessment", collected=collected
    )
    assert response.status_code == 303
    disclosure = case(db, filed.reference)
    assert disclosure.collected_minor == 3_456_789_015
    assert disclosure.reward_minor is None  # not shown before approval
    assert disclosure.reward_assessed_on == today()
    reporter_page = client.get("/checkin").get_data(as_text=True)
    assert "3,456,789.02" not in reporter_page
    assert "3,456,789.02 RWF (not approved yet)" in desk.get(base).get_data(as_text=True)

    # Four eyes: the assessor cannot approve; another officer does.
    refused = desk_post(desk, f"{base}/reward", reward_state="approved")
    assert refused.status_code >= 400
    assert case(db, filed.reference).reward_state == "pending_assessment"
    approver: OfficerLogin = make_officer("approver", ["investigation"])  # type: ignore[operator]
    approving = officer_client(app, approver)
    assert desk_post(approving, f"{base}/reward", reward_state="approved").status_code == 303
    disclosure = case(db, filed.reference)
    assert disclosure.reward_minor == 345_678_902  # 10% of 3,456,789,015, half up
    assert (disclosure.reward_state, disclosure.reward_approved_on) == ("approved", today())
    reporter_page = client.get("/checkin").get_data(as_text=True)
    assert "approved: 3,456,789.02 RWF" in reporter_page

    # The payer is neither the assessor nor the approver.
    for officer in (desk, approving):
        assert desk_post(officer, f"{base}/reward", reward_state="paid").status_code >= 400
    payer: OfficerLogin = make_officer("payer", ["investigation"])  # type: ignore[operator]
    paying = officer_client(app, payer)
    assert desk_post(paying, f"{base}/reward", reward_state="paid").status_code == 303
    disclosure = case(db, filed.reference)
    assert (disclosure.reward_state, disclosure.reward_paid_on) == ("paid", today())
    assert "paid: 3,456,789.02 RWF" in client.get("/checkin").get_data(as_text=True)
    assert [e.detail.split(";")[0] for e in audit_events(db, "case.reward")] == [
        "not_eligible->pending_assessment",
        "pending_assessment->pending_assessment",
        "pending_assessment->approved",
        "approved->paid",
    ]


def test_reward_steps_out_of_order_are_refused(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "Undervalued timber exports", "taxpayer_fraud")
    login: OfficerLogin = make_officer("careful", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    attempts = [
        ({"reward_state": "approved"}, "cannot become"),
        ({"reward_state": "paid"}, "cannot become"),
        ({"reward_state": "not_eligible", "collected": "10"}, "cannot become"),
    ]
    for data, words in attempts:
        response = desk_post(desk, f"{base}/reward", **data)
        assert response.status_code == 400, data
        assert words in response.get_data(as_text=True)
    assert desk_post(desk, f"{base}/reward", reward_state="pending_assessment").status_code == 303
    missing = desk_post(desk, f"{base}/reward", reward_state="approved")
    assert missing.status_code == 400
    assert "before approving" in missing.get_data(as_text=True)
    bad = desk_post(desk, f"{base}/reward", reward_state="pending_assessment", collected="1,5")
    assert bad.status_code == 303  # a decimal comma is fine
    ambiguous = desk_post(
        desk, f"{base}/reward", reward_state="pending_assessment", collected="1,500"
    )
    assert ambiguous.status_code == 400
    assert "at most two decimals" in ambiguous.get_data(as_text=True)
    disclosure = case(db, filed.reference)
    assert (disclosure.reward_state, disclosure.collected_minor) == ("pending_assessment", 150)
    assert disclosure.reward_minor is None


def test_a_retaliation_case_takes_no_reward_even_from_a_posted_form(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "My transfer came a week after my report", "retaliation")
    login: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    assert 'id="act-reward"' not in desk.get(base).get_data(as_text=True)
    response = desk_post(desk, f"{base}/reward", reward_state="pending_assessment")
    assert response.status_code == 400
    assert case(db, filed.reference).reward_state == "not_eligible"
    assert "being assessed" not in check_in(client, filed.codename)
