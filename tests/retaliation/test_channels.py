"""Retaliation is a disclosure of its own on every channel (PROCEDURE.md):
web, SMS (Twilio and Africa's Talking), USSD and e-mail each file a NEW
retaliation case linked to the reporter's earlier one, routed without the
units that case excluded, never a comment appended to the old case. Without a
code (or with a wrong one) it is still a retaliation case, unlinked."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from hotline.intake.email.acknowledgement import acknowledgement
from hotline.intake.email.channel import EmailChannel
from hotline.intake.email.cli import build_channel
from hotline.intake.email.ingest import FILED, LINKED, IngestResult
from hotline.procedure import Channel
from tests.helpers.email import make_message, read_case
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import check_in, element, file_report, hidden
from tests.helpers.servers import PUBLIC_URL
from tests.intake.test_sms import CODE, Phone, codename_in
from tests.intake.test_sms import read_case as read_sms_case
from tests.intake.test_ussd import Handset
from tests.retaliation.checks import (
    SCENARIOS,
    Scenario,
    assert_desk_shows_nothing_of_the_earlier_case,
    assert_new_linked_retaliation,
    assert_unlinked_retaliation,
    file_earlier,
)

MOVED = "Since my report I was moved to a border post and my salary was cut"
MakeOfficer = Callable[..., OfficerLogin]
Desk = Callable[[OfficerLogin], FlaskClient]
Opened = Callable[[Flask], Session]


@pytest.fixture
def opened() -> Iterator[Opened]:
    """``opened(app)``: a session on that app's database, closed after the test."""
    with ExitStack() as stack:
        yield lambda app: stack.enter_context(app.extensions["hotline"].database.sessions())


# --- SMS, through Twilio and Africa's Talking -----------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_sms_retaliation_keyword_with_a_code_files_a_new_linked_case(
    phone: Phone,
    sms_app: Flask,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
    opened: Opened,
    scenario: Scenario,
) -> None:
    earlier = file_earlier(sms_app, scenario)
    replies = phone.send(f"RETALIATION {earlier.codename} {MOVED}")
    assert "linked to your earlier reports" in replies[0]
    assert CODE.search(" ".join(replies)) is None  # the code stays the same: not repeated
    db = opened(sms_app)
    case = assert_new_linked_retaliation(db, earlier, Channel.SMS)
    assert case.reference in replies[0]
    assert read_sms_case(db, initialised, case) == [MOVED]  # the code is not in it
    # A second part joins the retaliation case, not the earlier one.
    phone.one("They said it was because of my complaint")
    db.expire_all()
    assert len(case.messages) == 2
    assert_desk_shows_nothing_of_the_earlier_case(make_officer, desk, case, earlier)


def test_sms_menu_three_with_the_code_in_the_message_is_linked(
    phone: Phone, sms_app: Flask, opened: Opened
) -> None:
    earlier = file_earlier(sms_app)
    asked = phone.one("3")
    assert "put your code in the message" in asked
    replies = phone.send(f"My code is {earlier.codename}. {MOVED}")
    assert "linked to your earlier reports" in replies[0]
    assert_new_linked_retaliation(opened(sms_app), earlier, Channel.SMS)


def test_sms_menu_three_after_status_with_a_code_is_linked(
    phone: Phone, sms_app: Flask, opened: Opened
) -> None:
    earlier = file_earlier(sms_app)
    assert earlier.reference in phone.one(f"STATUS {earlier.codename}")
    asked = phone.one("3")
    assert "linked to your earlier ones" in asked
    replies = phone.send(MOVED)
    assert "linked to your earlier reports" in replies[0]
    assert_new_linked_retaliation(opened(sms_app), earlier, Channel.SMS)


def test_sms_retaliation_with_a_wrong_code_is_filed_unlinked_and_says_so(
    phone: Phone, sms_app: Flask, initialised: Initialised, opened: Opened
) -> None:
    earlier = file_earlier(sms_app)
    wrong = "0000 1111 2222 3333"
    notice, filed, _how = phone.send(f"RETALIATION {wrong} {MOVED}")
    assert "matches no report" in notice
    new_code = codename_in(filed)
    assert new_code != earlier.codename
    db = opened(sms_app)
    case = assert_unlinked_retaliation(db, Channel.SMS)
    assert read_sms_case(db, initialised, case) == [MOVED]  # nothing of the text is lost
    assert case.reporter_id != db.get_one(type(case), earlier.disclosure_id).reporter_id


def test_sms_retaliation_without_a_code_is_a_retaliation_case(
    phone: Phone, sms_app: Flask, opened: Opened
) -> None:
    filed, _how = phone.send(f"RETALIATION {MOVED}")
    codename_in(filed)
    assert_unlinked_retaliation(opened(sms_app), Channel.SMS)


def test_sms_retaliation_with_a_web_reporters_words_links_and_keeps_them_out(
    phone: Phone, sms_app: Flask, initialised: Initialised, opened: Opened
) -> None:
    earlier = file_earlier(sms_app, codename_kind="words")
    replies = phone.send(f"RETALIATION {earlier.codename.upper()} {MOVED}")
    assert "linked to your earlier reports" in replies[0]
    db = opened(sms_app)
    case = assert_new_linked_retaliation(db, earlier, Channel.SMS)
    assert read_sms_case(db, initialised, case) == [MOVED]


def test_sms_menu_three_with_a_web_reporters_words_first_is_linked(
    phone: Phone, sms_app: Flask, initialised: Initialised, opened: Opened
) -> None:
    earlier = file_earlier(sms_app, codename_kind="words")
    phone.one("3")
    replies = phone.send(f"{earlier.codename}\n{MOVED}")
    assert "linked to your earlier reports" in replies[0]
    db = opened(sms_app)
    case = assert_new_linked_retaliation(db, earlier, Channel.SMS)
    assert read_sms_case(db, initialised, case) == [MOVED]


def test_sms_retaliation_keyword_in_another_language(
    phone: Phone, sms_app: Flask, opened: Opened
) -> None:
    earlier = file_earlier(sms_app)
    asked = phone.one(f"REPRÉSAILLES {earlier.codename}")
    assert "FIN" in asked  # answered in French
    phone.send(MOVED)
    assert_new_linked_retaliation(opened(sms_app), earlier, Channel.SMS)


# --- e-mail ---------------------------------------------------------------------------


def _channel(app: Flask) -> EmailChannel:
    return build_channel(app.extensions["hotline"], "report")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_email_to_the_retaliation_address_with_a_code_files_a_new_linked_case(
    email_app: Flask,
    initialised: Initialised,
    make_officer: MakeOfficer,
    desk: Desk,
    opened: Opened,
    scenario: Scenario,
) -> None:
    earlier = file_earlier(email_app, scenario)
    raw = make_message(subject="Following up", body=f"My code: {earlier.codename}\n\n{MOVED}")
    raw = raw.replace(b"report@rra.example", b"report+retaliation@rra.example")
    result = _channel(email_app).receive(raw)
    assert result.outcome == LINKED
    db = opened(email_app)
    case = assert_new_linked_retaliation(db, earlier, Channel.EMAIL)
    assert result.reference == case.reference
    [text] = read_case(db, initialised, case)
    assert MOVED in text
    assert earlier.codename not in text
    assert_desk_shows_nothing_of_the_earlier_case(make_officer, desk, case, earlier)


def test_the_acknowledgement_of_a_linked_report_says_so_and_nothing_of_the_case() -> None:
    result = IngestResult(
        LINKED, reference="HL-7K3M-Q9PA", disclosure_id="x", reply_to="aline@example.net"
    )
    message = acknowledgement(result, mail_from="hotline@rra.example", public_url=PUBLIC_URL)
    assert message is not None
    body = message.get_content()
    assert "filed as a new report under your codename" in body
    assert "added to your report" not in body
    for secret in ("HL-7K3M-Q9PA", "retaliation", "Retaliation"):
        assert secret not in body
        assert secret not in str(message["Subject"])


def test_email_opening_with_the_retaliation_keyword_and_a_code_is_linked(
    email_app: Flask,
    opened: Opened,
) -> None:
    earlier = file_earlier(email_app)
    raw = make_message(subject=None, body=f"RETALIATION {earlier.codename}\n{MOVED}")
    assert _channel(email_app).receive(raw).outcome == LINKED
    assert_new_linked_retaliation(opened(email_app), earlier, Channel.EMAIL)


def test_email_retaliation_with_a_wrong_code_is_a_new_unlinked_case(
    email_app: Flask, opened: Opened
) -> None:
    file_earlier(email_app)
    raw = make_message(subject="Retaliation", body=f"My code: 0000 1111 2222 3333\n{MOVED}")
    result = _channel(email_app).receive(raw)
    assert result.outcome == FILED
    assert result.codename is not None
    assert result.follow_up_not_joined  # the acknowledgement says the code matched nothing
    assert_unlinked_retaliation(opened(email_app), Channel.EMAIL)


# --- web and USSD -----------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_web_check_in_report_retaliation_files_a_new_linked_case(
    app: Flask,
    client: FlaskClient,
    make_officer: MakeOfficer,
    desk: Desk,
    opened: Opened,
    scenario: Scenario,
) -> None:
    earlier = file_earlier(app, scenario, codename_kind="words")
    page = check_in(client, earlier.codename)
    assert 'href="/report?category=retaliation"' in page
    receipt = file_report(client, MOVED, "retaliation")
    assert "linked to your earlier reports" in receipt
    # The earlier report's exclusion holds, and the reporter is told so.
    policy = app.extensions["hotline"].policy
    assert (
        html.unescape(element(receipt, "kept-from"))
        == f"Never sent to: {policy.queue_name(scenario.excluded)}."
    )
    [queue] = scenario.retaliation_queues
    assert html.unescape(element(receipt, "sent-to")) == f"Sent to: {policy.queue_name(queue)}."
    db = opened(app)
    case = assert_new_linked_retaliation(db, earlier, Channel.WEB)
    assert_desk_shows_nothing_of_the_earlier_case(make_officer, desk, case, earlier)


def test_web_retaliation_after_a_wrong_codename_is_filed_unlinked(
    app: Flask, client: FlaskClient, opened: Opened
) -> None:
    file_earlier(app, codename_kind="words")
    form = client.get("/checkin").get_data(as_text=True)
    refused = client.post(
        "/checkin",
        data={"csrf_token": hidden(form, "csrf_token"), "codename": "wrong words " * 3},
    )
    assert refused.status_code == 401
    page = refused.get_data(as_text=True)
    assert "No report matches this codename" in page
    assert 'href="/report?category=retaliation"' in page
    receipt = file_report(client, MOVED, "retaliation")
    assert element(receipt, "codename")  # a new codename: nothing is lost
    assert_unlinked_retaliation(opened(app), Channel.WEB)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_ussd_retaliation_with_the_code_keeps_the_earlier_exclusions(
    ussd_app: Flask, make_officer: MakeOfficer, desk: Desk, opened: Opened, scenario: Scenario
) -> None:
    earlier = file_earlier(ussd_app, scenario)
    handset = Handset(ussd_app.test_client())
    for answer in ("1", "3", earlier.codename.replace(" ", ""), MOVED):
        handset.answers.append(answer)
        kind, _text = handset.screen()
        assert kind == "CON"
    handset.answers.append("0")
    kind, text = handset.screen()
    assert kind == "END"
    db = opened(ussd_app)
    case = assert_new_linked_retaliation(db, earlier, Channel.USSD)
    assert case.reference in text
    assert_desk_shows_nothing_of_the_earlier_case(make_officer, desk, case, earlier)
