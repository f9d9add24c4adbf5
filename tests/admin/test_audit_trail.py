"""The desk's audit-trail page: newest first, paginated, and it checks the chain."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.keyring import load_secrets
from hotline.models import AuditEvent
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin

Desk = Callable[[OfficerLogin], FlaskClient]


def chain_status(client: FlaskClient) -> str:
    html = client.get("/officer/admin/audit").get_data(as_text=True)
    match = re.search(r'id="chain-status"[^>]*>([^<]+)<', html)
    assert match
    return match.group(1)


def test_the_audit_page_shows_events_newest_first_in_pages(
    initialised: Initialised, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    audit_key = load_secrets(initialised.config.keys_dir).audit_key
    for n in range(60):
        record(db, audit_key, actor="officer:x", action="case.viewed", subject=f"HL-{n:04d}")
    db.commit()
    admin = desk(make_officer("chief", ["internal_audit"], admin=True))
    first = admin.get("/officer/admin/audit")
    assert first.status_code == 200
    ids = [int(i) for i in re.findall(r"<tr[^>]*><td>(\d+)</td>", first.get_data(as_text=True))]
    assert len(ids) == 50
    assert ids == sorted(ids, reverse=True)
    second = admin.get("/officer/admin/audit?page=2").get_data(as_text=True)
    older = [int(i) for i in re.findall(r"<tr[^>]*><td>(\d+)</td>", second)]
    # Together the pages hold every event (each view adds one, so page 2 starts
    # one event later than page 1 ended).
    assert max(older) <= min(ids)
    assert set(ids) | set(older) == set(range(1, max(ids) + 1))
    assert "Chain intact" in chain_status(admin)
    # Reading the trail is itself recorded.
    db.expire_all()
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "audit.viewed"))


def test_editing_or_deleting_an_audit_row_is_detected_on_the_desk(
    initialised: Initialised, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    admin = desk(make_officer("chief", ["internal_audit"], admin=True))
    assert "Chain intact" in chain_status(admin)

    original = db.scalars(select(AuditEvent.actor).where(AuditEvent.id == 2)).one()
    db.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor="officer:someone-else"))
    db.commit()
    assert "Chain broken at event 2" in chain_status(admin)

    db.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor=original))
    db.commit()
    assert "Chain intact" in chain_status(admin)

    db.execute(delete(AuditEvent).where(AuditEvent.id == 3))
    db.commit()
    assert "Chain broken at event 3" in chain_status(admin)


def test_only_administrators_read_the_audit_trail(make_officer: MakeOfficer, desk: Desk) -> None:
    officer = desk(make_officer("mutesi", ["internal_audit"]))
    assert officer.get("/officer/admin/audit").status_code == 403
