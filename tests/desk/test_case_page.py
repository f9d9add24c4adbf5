"""The case page reads like a case: the conversation first and in order, each
entry with its author and verification state, the facts (with the reporter's
language) beside it, every action in one place, and no block that does not
apply (no reward on a retaliation case). Everything is plain HTML forms."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.models import Disclosure
from tests.helpers.desk import desk_post, file_web_report, officer_client
from tests.helpers.officers import MakeOfficer, OfficerLogin
from tests.helpers.reporter import element, jpeg_with_gps, open_form

ACTIONS = ("reply", "note", "measure", "status", "assign", "link", "reroute", "reward", "export")


def _section(html: str, element_id: str) -> str:
    match = re.search(rf'<(section|aside|ol)[^>]*id="{element_id}".*?</\1>', html, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


def test_the_conversation_comes_first_in_order_with_authors_and_verification(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer
) -> None:
    filed = file_web_report(
        client,
        "The cashier keeps part of every fine",
        attachment=(io.BytesIO(jpeg_with_gps()), "receipt.jpg"),
    )
    desk = officer_client(app, make_officer("mutesi", ["internal_audit"]))
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/reply", reply="Which days?").status_code == 303
    assert desk_post(desk, f"{base}/note", note="Check the till rolls").status_code == 303
    html = desk.get(base).get_data(as_text=True)

    # The conversation comes before the facts and the actions.
    assert html.index('id="conversation"') < html.index('id="actions"')
    assert html.index('id="conversation"') < html.index('id="facts-h"')
    thread = _section(html, "conversation")
    entries = re.findall(r'<li class="msg (\w+)" id="msg-(\d+)">(.*?)</li>\n', thread, re.S)
    assert [(kind, int(seq)) for kind, seq, _ in entries] == [
        ("reporter", 1),  # its file is item 2 of the case, shown with it
        ("officer", 3),
        ("note", 4),
    ]
    reporter, reply, note = (body for _, _, body in entries)
    assert "The cashier keeps part of every fine" in reporter
    assert "receipt.jpg" in reporter  # the file sits with the message it came with
    assert "mutesi" in reply
    assert "Which days?" in reply
    assert "not read yet" in reply
    assert "mutesi" in note
    assert "Check the till rolls" in note
    for body in (reporter, reply, note):
        assert '<span class="verified">verified</span>' in body


def test_every_action_is_in_one_place_and_keeps_its_route(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer
) -> None:
    filed = file_web_report(client, "Fuel tankers cleared without papers", "taxpayer_fraud")
    desk = officer_client(app, make_officer("kalisa", ["investigation"]))
    html = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    actions = _section(html, "actions")
    for action in ACTIONS:
        assert f'action="/officer/case/{filed.reference}/{action}"' in actions, action
    # No form outside the actions except signing out.
    outside = html.replace(actions, "")
    assert re.findall(r'<form method="post" action="([^"]+)"', outside) == ["/officer/logout"]
    # No script anywhere: the <details> open and close without JavaScript.
    assert "<script" not in html
    # The reward applies to a tax fraud case.
    assert 'id="reward-state"' in html

    # A refused action shows its form open again, with the reason.
    refused = desk_post(desk, f"/officer/case/{filed.reference}/link", other="HL-0000-0000")
    assert refused.status_code == 400
    again = refused.get_data(as_text=True)
    assert 'id="case-error"' in again
    assert '<details id="act-link" open>' in again
    assert '<details id="act-note">' in again


def test_a_retaliation_case_shows_no_reward(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer
) -> None:
    filed = file_web_report(client, "My manager moved me after I reported", "retaliation")
    desk = officer_client(app, make_officer("mutesi", ["internal_audit"]))
    html = desk.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    assert 'id="protection-h"' in html
    assert 'id="reward-h"' not in html
    assert 'id="reward-state"' not in html
    assert "/reward" not in html


def test_the_reporter_s_language_is_shown_and_old_cases_say_not_recorded(
    app: Flask, client: FlaskClient, make_officer: MakeOfficer, db: Session
) -> None:
    form = open_form(client, "/report?lang=fr")
    response = client.post(
        "/report?lang=fr",
        data={**form, "category": "staff_misconduct", "body": "Le caissier garde les amendes"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    french = element(response.get_data(as_text=True), "case-ref")
    # Another browser, without the French cookie.
    english = file_web_report(app.test_client(), "The cashier keeps the fines").reference
    desk = officer_client(app, make_officer("mutesi", ["internal_audit"]))

    def language(reference: str) -> str:
        return element(
            desk.get(f"/officer/case/{reference}").get_data(as_text=True), "case-language"
        )

    assert language(french) == "Français"
    assert language(english) == "English"
    # A case filed before the language was recorded.
    db.execute(update(Disclosure).where(Disclosure.reference == english).values(language=None))
    db.commit()
    assert language(english) == "not recorded"


def test_the_desk_names_queues_in_the_officers_language(
    app: Flask, client: FlaskClient, make_officer: object
) -> None:
    filed = file_web_report(client, "Invoices split at Rusumo", "taxpayer_fraud")
    login: OfficerLogin = make_officer("francine", ["investigation"])  # type: ignore[operator]
    desk = officer_client(app, login)
    page = desk.get(f"/officer/case/{filed.reference}?lang=fr").get_data(as_text=True)
    assert "Enquêtes fiscales et contrainte" in page  # the case's queues
    assert "Bureau du Commissaire général" in page
    assert "Revenue Investigation &amp; Enforcement" not in page
    deadlines = desk.get("/officer/deadlines?lang=fr").get_data(as_text=True)
    assert "Enquêtes fiscales et contrainte" in deadlines
    english = desk.get(f"/officer/case/{filed.reference}?lang=en").get_data(as_text=True)
    assert "Revenue Investigation &amp; Enforcement" in english
