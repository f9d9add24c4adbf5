"""The audit head is sealed (attack 5): someone who can write to the database
but not read keys/ deletes the newest events and rewrites the head to match."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto.keyring import load_secrets
from hotline.models import AuditEvent, AuditHead
from tests.helpers.instance import Initialised
from tests.helpers.officers import MakeOfficer, OfficerLogin

Desk = Callable[[OfficerLogin], FlaskClient]


def _events(db: Session, initialised: Initialised, n: int) -> None:
    audit_key = load_secrets(initialised.config.keys_dir).audit_key
    for i in range(n):
        record(db, audit_key, actor="officer:1", action="case.viewed", subject=f"HL-{i}")
    db.commit()


def _digest(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    match = re.search(r"Head digest: ([0-9a-f]{64})", result.output)
    assert match, result.output
    return match.group(1)


def chain_status(client: FlaskClient) -> str:
    html = client.get("/officer/admin/audit").get_data(as_text=True)
    match = re.search(r'id="chain-status"[^>]*>([^<]+)<', html)
    assert match
    return match.group(1)


def _trim_to(db: Session, keep: int, *, seal: str | None) -> None:
    """What the attacker can do: drop the newest events and point the head
    at the last one kept."""
    last = db.scalars(select(AuditEvent.link).where(AuditEvent.id == keep)).one()
    db.execute(delete(AuditEvent).where(AuditEvent.id > keep))
    db.execute(
        update(AuditHead).where(AuditHead.id == 1).values(count=keep, last_link=last, seal=seal)
    )
    db.commit()


def test_trimming_the_newest_events_and_rewriting_the_head_is_detected(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    _events(db, initialised, 5)
    sealed = db.scalars(select(AuditHead.seal)).one()
    _digest(runner)

    _trim_to(db, 3, seal=sealed)  # keeping the current seal
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 2
    assert "rewritten" in result.output

    db.execute(update(AuditHead).values(seal=None))  # or removing it
    db.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 2


def test_appending_after_tampering_does_not_launder_the_head(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    _events(db, initialised, 4)
    _trim_to(db, 2, seal=None)
    _events(db, initialised, 2)  # the hotline goes on recording
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 2
    assert "rewritten" in result.output


def test_a_rollback_to_an_older_sealed_head_fails_against_the_noted_digest(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    _events(db, initialised, 3)
    old_digest = _digest(runner)
    old = db.scalars(select(AuditHead)).one()
    old_count, old_link, old_seal = old.count, old.last_link, old.seal
    _events(db, initialised, 2)
    noted = _digest(runner)
    assert noted != old_digest
    # An earlier digest is still on the path: later events do not fail it.
    assert runner.invoke(args=["audit", "verify", "--expect", old_digest]).exit_code == 0
    assert runner.invoke(args=["audit", "verify", "--expect", noted]).exit_code == 0

    # Restoring an older snapshot of the head, seal included.
    db.execute(delete(AuditEvent).where(AuditEvent.id > old_count))
    db.execute(update(AuditHead).values(count=old_count, last_link=old_link, seal=old_seal))
    db.commit()
    # The database alone cannot tell (documented) ...
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # ... the digest the operator noted can.
    result = runner.invoke(args=["audit", "verify", "--expect", noted])
    assert result.exit_code == 2
    assert "expected head" in result.output


def test_a_made_up_expected_digest_fails(
    runner: FlaskCliRunner, initialised: Initialised, db: Session
) -> None:
    _events(db, initialised, 2)
    assert runner.invoke(args=["audit", "verify", "--expect", "ab" * 32]).exit_code == 2


def test_a_trimmed_trail_shows_as_broken_on_the_desk(
    initialised: Initialised, make_officer: MakeOfficer, desk: Desk, db: Session
) -> None:
    admin = desk(make_officer("chief", ["internal_audit"], admin=True))
    assert "Chain intact" in chain_status(admin)  # viewing records an event too
    _events(db, initialised, 3)
    count = db.scalars(select(AuditHead.count)).one()
    sealed = db.scalars(select(AuditHead.seal)).one()
    _trim_to(db, count - 2, seal=sealed)
    # Viewing the page appends an event: it must not seal the trimmed head.
    assert "Chain broken" in chain_status(admin)
    assert "Chain broken" in chain_status(admin)
