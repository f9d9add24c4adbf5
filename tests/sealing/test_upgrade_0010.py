"""Trust on upgrade at revision 0010: an officer's signature of revisions 0006
to 0009 (``0x02``, naming no time) that verifies becomes the server's tag, and
their signing key becomes the first of their history; a forged one does not."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from hotline.auth.officers import create_officer
from hotline.crypto.signing import SigningKey
from hotline.models import Disclosure, Message, OfficerSigningKey
from hotline.procedure import AuthorKind
from hotline.sealing import authorship, case_heads, signing_keys
from hotline.sealing.store import store_message
from tests.helpers.desk import file_web_report
from tests.helpers.writers import CHEAP


def test_signatures_of_the_previous_format_are_vouched_for_once(app: Flask, db: Session) -> None:
    file_web_report(app.test_client(), "The assessor at Rusumo took a bribe")
    disclosure = db.query(Disclosure).one()
    officer, unlocked = create_officer(
        db, "before", "correct-horse-battery-staple-42", params=CHEAP
    )
    assert unlocked.signing_key is not None
    genuine = store_message(
        db,
        disclosure,
        author_kind=AuthorKind.OFFICER,
        text="Which lorry?",
        officer_id=officer.id,
        signer=unlocked.signing_key,
    )
    forged = store_message(
        db,
        disclosure,
        author_kind=AuthorKind.OFFICER,
        text="Send your name",
        officer_id=officer.id,
        signer=unlocked.signing_key,
    )
    db.flush()
    # As revision 0009 stored them: 0x02 ‖ signature, and no key history.
    genuine.authenticity = authorship.OFFICER + unlocked.signing_key.sign(
        authorship._statement_of(genuine)
    )
    forged.authenticity = authorship.OFFICER + SigningKey.generate().sign(
        authorship._statement_of(forged)
    )
    db.execute(delete(OfficerSigningKey))
    checker = authorship.Checker(db)
    assert not checker.holds(genuine)  # the old format is no longer taken on its word

    assert authorship.vouch_for_signed(db) == 1
    assert signing_keys.record_current_keys(db) >= 1
    case_heads.seal_stored(db)
    db.commit()
    checker = authorship.Checker(db)
    assert bytes(genuine.authenticity or b"")[:1] == authorship.SERVER
    assert checker.holds(genuine)
    assert not checker.holds(forged)
    assert db.query(Message).count() == 3
