"""``hotline verify`` (issue 13, item 6): every tag, signature and the audit
chain; the first bad row of each kind named; non-zero on any failure. And the
cheap checks the desk runs at every sign-in."""

from __future__ import annotations

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline.crypto.keypairs import PrivateKey
from hotline.models import Alarm, Message
from tests.helpers.desk import file_web_report
from tests.helpers.officers import MakeOfficer, sign_in


def _sql(db: Session, statement: str, **values: object) -> None:
    db.execute(text(statement), values)
    db.commit()


def test_verify_passes_an_untouched_instance_then_names_each_tampered_row(
    runner: FlaskCliRunner, client: FlaskClient, db: Session, make_officer: MakeOfficer
) -> None:
    make_officer("mutesi", ["investigation"])  # audit events to trim
    make_officer("kalisa", ["investigation"])
    file_web_report(client, "The assessor at Rusumo took 300,000 francs")
    clean = runner.invoke(args=["verify"])
    assert clean.exit_code == 0, clean.output
    assert "Everything verifies." in clean.output
    assert "messages (signatures and server tags): 1 checked" in clean.output

    queue_key = db.scalars(text("SELECT public_key FROM queues WHERE slug = 'investigation'")).one()
    _sql(
        db,
        "UPDATE queues SET public_key = :key WHERE slug = 'investigation'",
        key=PrivateKey.generate().public_key().raw,
    )
    message_id = db.scalars(select(Message.id)).one()
    _sql(db, "UPDATE messages SET seq = seq + 1 WHERE id = :id", id=message_id)
    _sql(db, "DELETE FROM audit_events WHERE id = (SELECT MAX(id) FROM audit_events)")
    broken = runner.invoke(args=["verify"])
    assert broken.exit_code == 2, broken.output
    assert "queue keys: 4 checked, 1 FAILED (first: queues/investigation)" in broken.output
    assert f"1 FAILED (first: messages/{message_id})" in broken.output
    assert "audit trail:" in broken.output
    assert "FAILED, broken at" in broken.output

    # Restored from a backup (the queue key and the message; the trail is
    # re-checked from its own anchor elsewhere): the row verifies again.
    _sql(db, "UPDATE queues SET public_key = :key WHERE slug = 'investigation'", key=queue_key)
    _sql(db, "UPDATE messages SET seq = seq - 1 WHERE id = :id", id=message_id)
    still = runner.invoke(args=["verify"])
    assert "queue keys: 4 checked" in still.output
    assert "FAILED (first: queues" not in still.output
    assert still.exit_code == 2  # the trimmed audit trail still fails


def test_alarms_fail_verify_until_cleared_once_everything_verifies(
    runner: FlaskCliRunner, make_officer: MakeOfficer, db: Session
) -> None:
    """The desk's cheap check at sign-in finds a swapped queue key before any
    report is filed; the alarm stays until an administrator clears it."""
    slug = "investigation"
    original = db.scalars(
        text("SELECT public_key FROM queues WHERE slug = :slug"), {"slug": slug}
    ).one()
    _sql(
        db,
        "UPDATE queues SET public_key = :key WHERE slug = :slug",
        key=PrivateKey.generate().public_key().raw,
        slug=slug,
    )
    login = make_officer("root", ["investigation"], admin=True)
    app_client = runner.app.test_client()
    sign_in(app_client, login)
    db.expire_all()
    assert list(db.scalars(select(Alarm.row))) == [f"queues/{slug}"]

    _sql(db, "UPDATE queues SET public_key = :key WHERE slug = :slug", key=original, slug=slug)
    alarmed = runner.invoke(args=["verify"])
    assert alarmed.exit_code == 2
    assert f"open alarms: queues/{slug}" in alarmed.output
    cleared = runner.invoke(args=["verify", "--clear-alarms"])
    assert cleared.exit_code == 0, cleared.output
    assert "1 alarms cleared." in cleared.output
    assert runner.invoke(args=["verify"]).exit_code == 0
