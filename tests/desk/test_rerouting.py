"""Rerouting re-seals the whole case for the new queue, shreds it for a removed
one, and never reaches a unit the reporter excluded, the custodian, or zero queues."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.envelopes import CannotOpen
from hotline.models import DisclosureQueue, Notification, SealedKey
from hotline.sealing.items import read_attachment, read_message
from tests.helpers.desk import (
    audit_events,
    case,
    desk_post,
    file_web_report,
    officer_client,
    queue_keys,
    reporter_keys,
)
from tests.helpers.instance import Initialised
from tests.helpers.officers import OfficerLogin
from tests.helpers.reporter import jpeg_with_gps

REPORT = "The integrity officer sells copies of audit plans to the firms being audited"


def test_rerouting_reseals_every_item_for_the_new_queue_and_shreds_the_removed_one(
    app: Flask, client: FlaskClient, db: Session, initialised: Initialised, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT, attachment=(io.BytesIO(jpeg_with_gps()), "plan.jpg"))
    audit: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    investigator: OfficerLogin = make_officer("investigator", ["investigation"])  # type: ignore[operator]
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    desk = officer_client(app, audit)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/reply", reply="Which firms?").status_code == 303
    assert desk_post(desk, f"{base}/note", note="check the plan archive").status_code == 303
    assert desk_post(desk, f"{base}/assign", assignee=str(audit.officer_id)).status_code == 303
    assert case(db, filed.reference).queue_slugs == ["commissioner_general", "internal_audit"]

    response = desk_post(
        desk, f"{base}/reroute", add_queue="investigation", remove_queue="commissioner_general"
    )
    assert response.status_code == 303
    # Added at once; the policy's queue stays until a second officer approves its removal.
    assert case(db, filed.reference).queue_slugs == [
        "commissioner_general",
        "internal_audit",
        "investigation",
    ]
    db.rollback()
    approved = desk_post(
        officer_client(app, general), f"{base}/removal/commissioner_general", decision="approve"
    )
    assert approved.status_code == 303
    disclosure = case(db, filed.reference)
    assert disclosure.queue_slugs == ["internal_audit", "investigation"]
    assert disclosure.assigned_officer_id == audit.officer_id  # still designated

    new_key = queue_keys(initialised, db, "investigation")
    old_key = queue_keys(initialised, db, "commissioner_general")
    texts = [read_message(db, m, new_key) for m in disclosure.messages]
    assert texts == [REPORT, "Which firms?", "check the plan archive"]
    assert read_attachment(db, disclosure.attachments[0], new_key, content=True).name == "plan.jpg"
    for message in disclosure.messages:
        with pytest.raises(CannotOpen):
            read_message(db, message, old_key)
    with pytest.raises(CannotOpen):
        read_attachment(db, disclosure.attachments[0], old_key, content=False)
    removed = db.scalars(
        select(SealedKey).where(
            SealedKey.disclosure_id == disclosure.id,
            SealedKey.recipient == "queue:commissioner_general",
        )
    ).all()
    assert removed == []
    # The reporter's own copies are untouched.
    mine = reporter_keys(app, filed.codename)
    assert read_message(db, disclosure.messages[1], mine) == "Which firms?"

    assert officer_client(app, investigator).get(base).status_code == 200
    assert officer_client(app, general).get(base).status_code == 403
    assert db.scalars(
        select(Notification).where(Notification.officer_id == investigator.officer_id)
    ).first()
    rerouted = audit_events(db, "case.rerouted")
    assert [(e.subject, e.detail) for e in rerouted] == [
        (filed.reference, "added=investigation; removed=")
    ]
    requested = audit_events(db, "case.removal_requested")
    assert [(e.actor, e.detail) for e in requested] == [
        ("officer:auditor", "queue=commissioner_general")
    ]
    approved_events = audit_events(db, "case.removal_approved")
    assert [(e.actor, e.detail) for e in approved_events] == [
        ("officer:general", "queue=commissioner_general; requested_by=auditor")
    ]


def test_an_excluded_unit_never_receives_the_case_even_by_rerouting(
    app: Flask, client: FlaskClient, db: Session, initialised: Initialised, make_officer: object
) -> None:
    # The report concerns Internal Audit: it goes to the Commissioner General only.
    filed = file_web_report(client, REPORT, concerns="internal_audit")
    disclosure = case(db, filed.reference)
    assert disclosure.queue_slugs == ["commissioner_general"]
    assert disclosure.excluded_slugs == ["internal_audit"]
    general: OfficerLogin = make_officer("cg", ["commissioner_general"])  # type: ignore[operator]
    insider: OfficerLogin = make_officer("insider", ["internal_audit"])  # type: ignore[operator]
    desk = officer_client(app, general)
    base = f"/officer/case/{filed.reference}"

    page = desk.get(base).get_data(as_text=True)
    reroute_form = page[page.index('name="add_queue"') : page.index('name="remove_queue"')]
    assert 'value="internal_audit"' not in reroute_form
    assert 'value="codename_register"' not in reroute_form
    assert 'value="investigation"' in reroute_form

    refused = {
        "internal_audit": "concerns that unit",
        "codename_register": "never receives cases",
    }
    for slug, words in refused.items():
        response = desk_post(desk, f"{base}/reroute", add_queue=slug, remove_queue="")
        assert response.status_code == 400, slug
        assert words in response.get_data(as_text=True)
    last = desk_post(desk, f"{base}/reroute", add_queue="", remove_queue="commissioner_general")
    assert last.status_code == 400
    assert "at least one queue" in last.get_data(as_text=True)
    # Removing the one queue while adding the excluded one is refused too.
    swap = desk_post(
        desk, f"{base}/reroute", add_queue="internal_audit", remove_queue="commissioner_general"
    )
    assert swap.status_code == 400

    db.expire_all()
    assert set(
        db.scalars(
            select(DisclosureQueue.queue_slug).where(DisclosureQueue.disclosure_id == disclosure.id)
        )
    ) == {"commissioner_general"}
    recipients = set(
        db.scalars(select(SealedKey.recipient).where(SealedKey.disclosure_id == disclosure.id))
    )
    assert "queue:internal_audit" not in recipients
    assert "queue:codename_register" not in recipients
    excluded_key = queue_keys(initialised, db, "internal_audit")
    with pytest.raises(CannotOpen):
        read_message(db, case(db, filed.reference).messages[0], excluded_key)
    assert officer_client(app, insider).get(base).status_code == 403
    assert audit_events(db, "case.rerouted") == []


def test_rerouting_out_of_ones_own_queue_leads_back_to_the_case_list(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, "fraud at Rubavu", "taxpayer_fraud")
    login: OfficerLogin = make_officer("mover", ["investigation"])  # type: ignore[operator]
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    desk = officer_client(app, login)
    base = f"/officer/case/{filed.reference}"
    assert desk_post(desk, f"{base}/assign", assignee=str(login.officer_id)).status_code == 303
    asked = desk_post(
        officer_client(app, general), f"{base}/reroute", add_queue="", remove_queue="investigation"
    )
    assert asked.headers["Location"].endswith("done=removal_waits")
    # The removed unit consents: its own officer approves, and the case leaves their list.
    response = desk_post(desk, f"{base}/removal/investigation", decision="approve")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/officer/")
    disclosure = case(db, filed.reference)
    assert disclosure.queue_slugs == ["commissioner_general"]
    assert disclosure.assigned_officer_id is None  # the assignee can no longer open it
    assert desk.get(base).status_code == 403
