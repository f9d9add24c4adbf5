"""What issue 13 left to a database writer without keys/: forging an officer's
decision (a status, a reward, a register approval), swapping a file, and
deleting items or whole cases. Each attack is made here with SQL alone; none
is acted on, the desk shows it, the administrators are alarmed, and
``hotline verify`` names the row."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.crypto.signing import SigningKey
from hotline.models import Alarm, Attachment, ContactRequest, Disclosure, Message
from hotline.sealing import authorship, case_heads
from tests.helpers.desk import Filed, case, desk_post, file_web_report
from tests.helpers.officers import MakeOfficer, OfficerLogin, post
from tests.helpers.reporter import check_in, jpeg_with_gps
from tests.intake.test_sms import REPORT, Phone, codename_in
from tests.register.test_register import CONTACT, CUSTODIAN, REASON, file_with_contact

Desk = Callable[[OfficerLogin], FlaskClient]
UNVERIFIED = "Unverified, reported to administrators."
TEXT = "The assessor at Rusumo took 300,000 francs to clear a lorry of sugar"


def _sql(db: Session, statement: str, **values: object) -> None:
    db.execute(text(statement), values)
    db.commit()
    db.expire_all()


def element(html: str, element_id: str) -> str:
    """The inside of the element with that id (a dd, p or ul of the case page)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|ul)>', html, re.DOTALL)
    assert match, f"no #{element_id}"
    return match.group(1)


def _alarms(db: Session) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(Alarm.row).where(Alarm.cleared.is_(False))))


def _verify(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 2, result.output
    return result.output


def _filed(app: Flask, body: str = TEXT, **extra: object) -> Filed:
    return file_web_report(app.test_client(), body, "staff_misconduct", **extra)


def _forgeries(db: Session) -> list[bytes | None]:
    """What an attacker can put in a proof column: nothing, a genuine proof of
    another row, or a signature with a key of their own."""
    genuine = db.scalars(
        select(Disclosure.status_proof).where(Disclosure.status_proof.isnot(None))
    ).first()
    return [None, genuine, authorship.officer_proof(SigningKey.generate(), b"closed")]


def test_a_forged_closure_is_not_shown_to_the_reporter_and_stops_the_desk(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    other = _filed(app, "Another report, acknowledged for real")
    filed = _filed(app)
    login = make_officer("mutesi", ["internal_audit"])
    mutesi = desk(login)
    assert desk_post(mutesi, f"/officer/case/{other.reference}/status", status="acknowledged")
    assert desk_post(mutesi, f"/officer/case/{filed.reference}/status", status="acknowledged")
    disclosure_id = case(db, filed.reference).id
    page = mutesi.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
    assert UNVERIFIED not in page
    assert _alarms(db) == []

    for proof in _forgeries(db):
        _sql(
            db,
            "UPDATE disclosures SET status = 'closed', outcome = 'unsubstantiated',"
            " closed_on = acknowledged_on, status_proof = :proof WHERE id = :id",
            proof=proof,
            id=disclosure_id,
        )
        web = check_in(app.test_client(), filed.codename)
        assert "Closed" not in web
        assert "unsubstantiated" not in web.lower()
        page = mutesi.get(f"/officer/case/{filed.reference}").get_data(as_text=True)
        assert UNVERIFIED in element(page, "case-status")
        # Never acted on: no next step is offered, and none is taken.
        refused = desk_post(mutesi, f"/officer/case/{filed.reference}/status", status="closed")
        assert refused.status_code == 400
        assert f"disclosures/{disclosure_id}/status" in _alarms(db)
        assert f"disclosures/{disclosure_id}/status" in _verify(runner)


def test_an_older_status_restored_with_its_genuine_signature_is_noticed(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    filed = _filed(app)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    url = f"/officer/case/{filed.reference}"
    assert desk_post(mutesi, f"{url}/status", status="acknowledged").status_code == 303
    acknowledged = case(db, filed.reference)
    old = (acknowledged.status_proof, acknowledged.status_by)
    assert desk_post(mutesi, f"{url}/status", status="under_investigation").status_code == 303
    assert runner.invoke(args=["verify"]).exit_code == 0
    _sql(
        db,
        "UPDATE disclosures SET status = 'acknowledged', status_proof = :proof,"
        " status_by = :by WHERE reference = :ref",
        proof=old[0],
        by=old[1],
        ref=filed.reference,
    )
    page = mutesi.get(url).get_data(as_text=True)
    assert "head fails its tag" in element(page, "case-head")
    assert "case heads (deleted or added items): 1 checked, 1 FAILED" in _verify(runner)


def test_a_forged_reward_approval_does_not_count_and_is_not_shown(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    filed = _filed(app)
    assessor = desk(make_officer("assessor", ["internal_audit"]))
    payer = make_officer("payer", ["internal_audit"])
    url = f"/officer/case/{filed.reference}"
    assert desk_post(assessor, f"{url}/status", status="acknowledged").status_code == 303
    assert (
        desk_post(
            assessor, f"{url}/reward", reward_state="pending_assessment", collected="1000000"
        ).status_code
        == 303
    )
    # The attacker approves it, as "by" another officer, so that it may be paid.
    _sql(
        db,
        "UPDATE disclosures SET reward_state = 'approved', reward_minor = 10000000,"
        " reward_approved_by = :by, reward_approved_on = reward_assessed_on WHERE reference = :ref",
        by=payer.officer_id,
        ref=filed.reference,
    )
    web = check_in(app.test_client(), filed.codename)
    assert "100,000.00" not in web
    assert "Approved" not in web
    page = desk(payer).get(url).get_data(as_text=True)
    assert UNVERIFIED in element(page, "reward-state")
    paid = desk_post(
        desk(make_officer("cashier", ["internal_audit"])), f"{url}/reward", reward_state="paid"
    )
    assert paid.status_code == 400
    assert case(db, filed.reference).reward_paid_on is None
    disclosure_id = case(db, filed.reference).id
    assert f"disclosures/{disclosure_id}/reward" in _alarms(db)
    assert f"disclosures/{disclosure_id}/reward" in _verify(runner)


def test_a_forged_register_approval_releases_nothing(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    reference = file_with_contact(app)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    keeper_login = make_officer("keeper", [CUSTODIAN])
    keeper = desk(keeper_login)
    page_url = f"/officer/case/{reference}/contact"
    assert post(mutesi, page_url, {"reason": REASON}).status_code == 303
    rid = db.scalars(select(ContactRequest.id)).one()
    assert (
        post(keeper, f"/officer/register/{rid}/decide", {"decision": "refuse"}).status_code == 303
    )
    assert runner.invoke(args=["verify"]).exit_code == 0

    _sql(
        db,
        "UPDATE contact_requests SET status = 'approved', sealed_for_requester = :release"
        " WHERE id = :id",
        release=b"\x02" + bytes(200),
        id=rid,
    )
    page = mutesi.get(page_url).get_data(as_text=True)
    assert UNVERIFIED in page
    assert f"{rid}/read" not in page
    assert UNVERIFIED in keeper.get("/officer/register").get_data(as_text=True)
    response = post(mutesi, f"{page_url}/{rid}/read")
    assert response.status_code == 403
    assert CONTACT not in response.get_data(as_text=True)
    assert f"contact_requests/{rid}" in _alarms(db)
    assert f"contact_requests/{rid}" in _verify(runner)


def test_a_moved_or_swapped_file_is_not_served_and_is_named(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    first = _filed(app, attachment=(io.BytesIO(jpeg_with_gps()), "tank.jpg"))
    second = _filed(app, "A second report", attachment=(io.BytesIO(jpeg_with_gps()), "lorry.jpg"))
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    assert runner.invoke(args=["verify"]).exit_code == 0
    one, two = (case(db, f.reference) for f in (first, second))
    moved = db.scalars(select(Attachment.id).where(Attachment.disclosure_id == one.id)).one()
    # The file, its sealed keys and all, moved into the second case, numbered
    # as that case's next item.
    _sql(
        db,
        "UPDATE attachments SET disclosure_id = :to, seq = :seq WHERE id = :id",
        to=two.id,
        seq=two.next_seq,
        id=moved,
    )
    _sql(db, "UPDATE sealed_keys SET disclosure_id = :to WHERE item_id = :id", to=two.id, id=moved)
    page = mutesi.get(f"/officer/case/{second.reference}").get_data(as_text=True)
    assert UNVERIFIED in element(page, "files")
    assert "tank.jpg" not in page
    download = mutesi.get(f"/officer/case/{second.reference}/attachment/{moved}")
    assert download.status_code == 400
    assert b"\xff\xd8" not in download.get_data()
    assert f"attachments/{moved}" in _alarms(db)
    output = _verify(runner)
    assert f"files (server tags): 2 checked, 1 FAILED (first: attachments/{moved})" in output
    # The first case lost an item, the second gained one: both heads say so.
    first_page = mutesi.get(f"/officer/case/{first.reference}").get_data(as_text=True)
    assert "missing" in element(first_page, "case-head")
    assert "case heads (deleted or added items): 2 checked, 2 FAILED" in output


def test_deleted_items_and_cases_are_noticed(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    filed = _filed(app)
    doomed = _filed(app, "A report the attacker wants gone")
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    url = f"/officer/case/{filed.reference}"
    for kind, words in (("reply", "Which lorry?"), ("note", "check the manifest")):
        assert desk_post(mutesi, f"{url}/{kind}", **{kind: words}).status_code == 303
    assert desk_post(mutesi, f"{url}/reply", reply="Thank you").status_code == 303
    assert runner.invoke(args=["verify"]).exit_code == 0
    disclosure_id = case(db, filed.reference).id
    seqs = {
        seq: item_id
        for seq, item_id in db.execute(
            select(Message.seq, Message.id).where(Message.disclosure_id == disclosure_id)
        )
    }
    assert sorted(seqs) == [1, 2, 3, 4]

    # From the middle: the officer's first reply.
    _sql(db, "DELETE FROM messages WHERE id = :id", id=seqs[2])
    page = mutesi.get(url).get_data(as_text=True)
    assert "item 2 of 4 is missing" in element(page, "case-head")
    assert f"disclosures/{disclosure_id}" in _alarms(db)
    assert f"disclosures/{disclosure_id} (item 2 of 4 is missing)" in _verify(runner)

    # From the end, with the gap closed up: the head still counts four.
    _sql(db, "DELETE FROM messages WHERE id = :id", id=seqs[4])
    _sql(db, "UPDATE messages SET seq = 2 WHERE id = :id", id=seqs[3])
    _sql(db, "UPDATE disclosures SET next_seq = 3, head_count = 2 WHERE id = :id", id=disclosure_id)
    page = mutesi.get(url).get_data(as_text=True)
    assert "head fails its tag" in element(page, "case-head")
    _sql(db, "UPDATE disclosures SET head_count = 4 WHERE id = :id", id=disclosure_id)
    assert "the last 2 of 4 items are missing" in element(
        mutesi.get(url).get_data(as_text=True), "case-head"
    )

    # A whole case.
    doomed_id = case(db, doomed.reference).id
    assert "case ledger (deleted cases): 1 checked\n" in runner.invoke(args=["verify"]).output
    _sql(db, "DELETE FROM sealed_keys WHERE disclosure_id = :id", id=doomed_id)
    _sql(db, "DELETE FROM messages WHERE disclosure_id = :id", id=doomed_id)
    _sql(db, "DELETE FROM disclosure_queues WHERE disclosure_id = :id", id=doomed_id)
    _sql(db, "DELETE FROM disclosures WHERE id = :id", id=doomed_id)
    assert "case_ledger (1 of 2 cases are missing)" in _verify(runner)


def test_a_forged_closure_is_not_told_by_sms_either(sms_app: Flask, phone: Phone) -> None:
    first, _ = phone.send("2 " + REPORT)
    codename = codename_in(first)
    phone.send("DONE")
    assert "Received" in phone.one(f"STATUS {codename}")
    with sms_app.extensions["hotline"].database.sessions() as db:
        _sql(
            db,
            "UPDATE disclosures SET status = 'closed', outcome = 'unsubstantiated',"
            " closed_on = received_on",
        )
    answer = phone.one(f"STATUS {codename}")
    assert "Closed" not in answer
    assert "Received" in answer
    with sms_app.extensions["hotline"].database.sessions() as db:
        assert any(row.endswith("/status") for row in _alarms(db))


def test_a_deleted_ledger_loses_no_report_and_is_never_remade(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    _filed(app)
    _sql(db, "DELETE FROM case_ledger")
    desk(make_officer("mutesi", ["internal_audit"]))  # the sign-in's cheap checks
    assert _alarms(db) == ["case_ledger"]
    later = _filed(app, "Filed after the ledger was deleted")
    assert case(db, later.reference).head_tag is not None
    assert "case_ledger" in _alarms(db)
    assert "case_ledger (the case ledger is missing)" in _verify(runner)


def test_a_rewritten_head_is_never_resealed_by_the_next_append(
    app: Flask, db: Session, runner: FlaskCliRunner, make_officer: MakeOfficer, desk: Desk
) -> None:
    """The chain's links are plain hashes anyone can recompute: an attacker
    trims the tail and rewrites the head to match, then waits for the server to
    seal it with the next append. It never does."""
    filed = _filed(app)
    mutesi = desk(make_officer("mutesi", ["internal_audit"]))
    url = f"/officer/case/{filed.reference}"
    assert desk_post(mutesi, f"{url}/reply", reply="Which lorry?").status_code == 303
    disclosure = case(db, filed.reference)
    first = db.scalars(
        select(Message).where(Message.disclosure_id == disclosure.id, Message.seq == 1)
    ).one()
    link = case_heads.next_link(
        case_heads.START, case_heads.Link(1, first.id, bytes(first.authenticity or b""))
    )
    _sql(db, "DELETE FROM messages WHERE disclosure_id = :id AND seq = 2", id=disclosure.id)
    _sql(
        db,
        "UPDATE disclosures SET head_count = 1, head_link = :link, next_seq = 2 WHERE id = :id",
        link=link,
        id=disclosure.id,
    )
    assert desk_post(mutesi, f"{url}/reply", reply="Anything else?").status_code == 303
    assert desk_post(mutesi, f"{url}/status", status="acknowledged").status_code == 303
    assert "head fails its tag" in element(mutesi.get(url).get_data(as_text=True), "case-head")
    assert f"disclosures/{disclosure.id} (the case's head fails its tag)" in _verify(runner)
