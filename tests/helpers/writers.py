"""An officer who writes into a case, signed as the desk signs it, for tests that
store replies, notes and measures without going through the desk."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from hotline.auth.officers import create_officer
from hotline.crypto.keyring import Argon2Params
from hotline.models import Disclosure, Message
from hotline.procedure import AuthorKind
from hotline.sealing import decisions
from hotline.sealing.store import store_message

#: Tests need the key wrapping, not its cost.
CHEAP = Argon2Params(memory_kib=64, time_cost=1, parallelism=1)


def officer_writes(
    session: Session, disclosure: Disclosure, *, author_kind: AuthorKind, text: str
) -> Message:
    """A new officer writes ``text`` into the case, signed with their signing key."""
    officer, unlocked = create_officer(
        session, f"writer-{secrets.token_hex(4)}", "correct-horse-battery-staple-42", params=CHEAP
    )
    return store_message(
        session,
        disclosure,
        author_kind=author_kind,
        text=text,
        officer_id=officer.id,
        signer=unlocked.signing_key,
    )


def officer_decides(session: Session, disclosure: Disclosure, **state: object) -> None:
    """A new officer sets the case's status and reward columns to ``state`` and
    signs both, as the desk does (for tests that need a case in some state
    without walking it through the workflow)."""
    officer, unlocked = create_officer(
        session, f"decider-{secrets.token_hex(4)}", "correct-horse-battery-staple-42", params=CHEAP
    )
    assert unlocked.signing_key is not None
    for name, value in state.items():
        setattr(disclosure, name, value)
    decisions.sign_status(session, disclosure, officer.id, unlocked.signing_key)
    decisions.sign_reward(session, disclosure, officer.id, unlocked.signing_key)
