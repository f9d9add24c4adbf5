"""Four eyes on removing a queue the policy routed a case to.

An officer of the Commissioner General's office could once strip Internal
Audit from a staff-misconduct case on their own. Each test below is an
attempt by one officer (alone, with a colleague of the same unit, with a
unit they brought in themselves, or racing another approver) to take a
policy-chosen queue off a case; the queue must keep reading the case until a
real second officer decides.
"""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hotline.models import Notification, QueueRemoval, SealedKey
from hotline.notifications.outbox import APPROVAL_WAITING
from tests.helpers.desk import audit_events, case, desk_post, file_web_report, officer_client
from tests.helpers.officers import OfficerLogin

REPORT = "The integrity officer sells copies of audit plans to the firms being audited"


def _sealed_to(db: Session, disclosure_id: str, slug: str) -> int:
    db.expire_all()
    return len(
        db.scalars(
            select(SealedKey).where(
                SealedKey.disclosure_id == disclosure_id,
                SealedKey.recipient == f"queue:{slug}",
            )
        ).all()
    )


def test_one_officer_cannot_strip_a_queue_the_policy_chose(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    # Staff misconduct goes to Internal Audit and the Commissioner General's office.
    filed = file_web_report(client, REPORT)
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    colleague: OfficerLogin = make_officer("colleague", ["commissioner_general"])  # type: ignore[operator]
    friend: OfficerLogin = make_officer("friend", ["investigation"])  # type: ignore[operator]
    auditor: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    desk = officer_client(app, general)
    audit_desk = officer_client(app, auditor)
    disclosure_id = case(db, filed.reference).id
    db.rollback()
    # The general brings in a unit of their choosing, then asks to remove Internal Audit.
    assert desk_post(desk, f"{base}/reroute", add_queue="investigation").status_code == 303
    asked = desk_post(desk, f"{base}/reroute", remove_queue="internal_audit")
    assert asked.status_code == 303
    assert "removal waits for a second officer" in desk.get(asked.headers["Location"]).get_data(
        as_text=True
    )
    assert case(db, filed.reference).queue_slugs == [
        "commissioner_general",
        "internal_audit",
        "investigation",
    ]
    db.rollback()

    attempts = {
        "general": (desk, "You asked for this removal"),
        "colleague": (officer_client(app, colleague), "another queue the policy routed"),
        "friend": (officer_client(app, friend), "another queue the policy routed"),
    }
    for who, (officer_desk, words) in attempts.items():
        refused = desk_post(officer_desk, f"{base}/removal/internal_audit", decision="approve")
        assert refused.status_code == 400, who
        assert words in refused.get_data(as_text=True), who
        # Internal Audit still reads the case, keys and all.
        auditor_page = audit_desk.get(base)
        assert auditor_page.status_code == 200, who
        assert REPORT in auditor_page.get_data(as_text=True)
        assert _sealed_to(db, disclosure_id, "internal_audit") == 1
    # A second request for the same removal is refused, not duplicated.
    again = desk_post(desk, f"{base}/reroute", remove_queue="internal_audit")
    assert again.status_code == 400
    assert "already waits" in again.get_data(as_text=True)

    # Internal Audit hears that a decision waits; the requester does not.
    db.expire_all()
    waiting_for = set(
        db.scalars(
            select(Notification.officer_id).where(
                Notification.kind == APPROVAL_WAITING,
                Notification.disclosure_id == disclosure_id,
            )
        )
    )
    assert auditor.officer_id in waiting_for
    assert general.officer_id not in waiting_for

    # The unit being removed may consent: then, and only then, it loses the case.
    page = audit_desk.get(base).get_data(as_text=True)
    assert 'value="approve"' in page
    approved = desk_post(audit_desk, f"{base}/removal/internal_audit", decision="approve")
    assert approved.status_code == 303
    assert approved.headers["Location"].endswith("/officer/")
    assert audit_desk.get(base).status_code == 403
    assert _sealed_to(db, disclosure_id, "internal_audit") == 0
    assert db.scalars(select(QueueRemoval)).all() == []
    assert [e.detail for e in audit_events(db, "case.removal_approved")] == [
        "queue=internal_audit; requested_by=general"
    ]


def test_a_queue_an_officer_added_goes_at_once(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    desk = officer_client(app, general)
    assert desk_post(desk, f"{base}/reroute", add_queue="investigation").status_code == 303
    removed = desk_post(desk, f"{base}/reroute", remove_queue="investigation")
    assert removed.headers["Location"].endswith("done=rerouted")
    assert case(db, filed.reference).queue_slugs == ["commissioner_general", "internal_audit"]
    assert db.scalars(select(QueueRemoval)).all() == []


def test_a_withdrawn_or_refused_removal_leaves_the_queue_reading(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    auditor: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    desk = officer_client(app, general)
    audit_desk = officer_client(app, auditor)

    assert desk_post(desk, f"{base}/reroute", remove_queue="internal_audit").status_code == 303
    withdrawn = desk_post(desk, f"{base}/removal/internal_audit", decision="refuse")
    assert withdrawn.headers["Location"].endswith("done=removal_refused")
    assert desk_post(desk, f"{base}/reroute", remove_queue="internal_audit").status_code == 303
    refused = desk_post(audit_desk, f"{base}/removal/internal_audit", decision="refuse")
    assert refused.status_code == 303
    # Decided: nothing waits, and approving now is refused with a clear reason.
    late = desk_post(audit_desk, f"{base}/removal/internal_audit", decision="approve")
    assert late.status_code == 400
    assert "No request to remove that queue waits" in late.get_data(as_text=True)
    assert case(db, filed.reference).queue_slugs == ["commissioner_general", "internal_audit"]
    assert audit_desk.get(base).status_code == 200
    assert [e.actor for e in audit_events(db, "case.removal_refused")] == [
        "officer:general",
        "officer:auditor",
    ]


def test_waiting_removals_can_never_leave_a_case_without_a_queue(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    auditor: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    assert (
        desk_post(officer_client(app, general), f"{base}/reroute", remove_queue="internal_audit")
    ).status_code == 303
    # Each unit asking to remove the other would, if both were approved, orphan the case.
    crossed = desk_post(
        officer_client(app, auditor), f"{base}/reroute", remove_queue="commissioner_general"
    )
    assert crossed.status_code == 400
    assert "at least one queue" in crossed.get_data(as_text=True)


def test_an_administrator_decides_a_removal_without_reading_the_case(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    general: OfficerLogin = make_officer("general", ["commissioner_general"])  # type: ignore[operator]
    administrator: OfficerLogin = make_officer("chief", [], admin=True)  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    general_desk = officer_client(app, general)
    assert (
        desk_post(general_desk, f"{base}/reroute", remove_queue="internal_audit")
    ).status_code == 303
    admin_desk = officer_client(app, administrator)
    page = admin_desk.get("/officer/admin/").get_data(as_text=True)
    assert filed.reference in page
    assert "asked by general" in page
    assert REPORT not in page
    removal = db.scalars(select(QueueRemoval)).one()
    db.rollback()

    # The requester cannot approve through the administrators' route either.
    sneaked = desk_post(general_desk, f"/officer/admin/removals/{removal.id}", decision="approve")
    assert sneaked.status_code == 403
    assert case(db, filed.reference).queue_slugs == ["commissioner_general", "internal_audit"]
    db.rollback()

    approved = desk_post(admin_desk, f"/officer/admin/removals/{removal.id}", decision="approve")
    assert approved.status_code == 303
    assert case(db, filed.reference).queue_slugs == ["commissioner_general"]
    # Deciding gave the administrator no access to the case.
    assert admin_desk.get(base).status_code == 403
    assert [e.actor for e in audit_events(db, "case.removal_approved")] == ["officer:chief"]


def test_two_approvers_racing_remove_the_queue_once(
    app: Flask, client: FlaskClient, db: Session, make_officer: object
) -> None:
    filed = file_web_report(client, REPORT)
    auditor: OfficerLogin = make_officer("auditor", ["internal_audit"])  # type: ignore[operator]
    first: OfficerLogin = make_officer("first", ["commissioner_general"])  # type: ignore[operator]
    second: OfficerLogin = make_officer("second", ["commissioner_general"])  # type: ignore[operator]
    base = f"/officer/case/{filed.reference}"
    assert (
        desk_post(
            officer_client(app, auditor), f"{base}/reroute", remove_queue="commissioner_general"
        )
    ).status_code == 303
    desks = [officer_client(app, first), officer_client(app, second)]
    tokens = [d.get(base).get_data(as_text=True) for d in desks]
    assert all('value="approve"' in t for t in tokens)
    start = threading.Barrier(2)
    responses: list[TestResponse] = []

    def approve(officer_desk: FlaskClient) -> None:
        start.wait()
        responses.append(
            desk_post(officer_desk, f"{base}/removal/commissioner_general", decision="approve")
        )

    threads = [threading.Thread(target=approve, args=(d,)) for d in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The loser finds nothing waiting (400), or, having lost the queue, no case (403).
    assert sorted(r.status_code for r in responses)[0] == 303
    assert sorted(r.status_code for r in responses)[1] in (400, 403)
    assert case(db, filed.reference).queue_slugs == ["internal_audit"]
    assert len(audit_events(db, "case.removal_approved")) == 1
