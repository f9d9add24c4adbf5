"""What "nothing lost" means, checked against the database after a load.

Every submission whose receipt reached the reporter is stored, opens with its
codename (derived with the instance pepper at the real cost, as the servers
derive it) and with its queues' keys (through the recovery key), and says
exactly what was sent; no report is stored twice; no case is partial.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.admin.designations import queue_key_from_recovery
from hotline.config import Config
from hotline.crypto.codenames import derive
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import load_secrets, recovery_private_key, secrets_loader
from hotline.db import Database
from hotline.models import Attachment, ContactDetail, Disclosure, Message, Queue, SealedKey
from hotline.sealing.items import read_message
from hotline.sealing.recipients import queue_recipient, reporter_recipient
from tests.helpers.load import Outcome
from tests.helpers.servers import Gunicorn, gunicorn

TOKEN = re.compile(r"^(HL[0-9a-f]{16})\b")


@contextmanager
def server(config: Config, tmp_path: Path, *, workers: int = 2) -> Iterator[Gunicorn]:
    """A real gunicorn on 127.0.0.1, reached as through the onion service: every
    Tor user arrives from one address, so the per-address limits are off there
    (as they are in production) and the load is not refused with 429s.

    (``tests.helpers.servers.start_server`` gives up when a booting worker makes its
    first health check time out; this one waits for every worker.)
    """
    with gunicorn(config, tmp_path, workers=workers) as running:
        yield running


def log_of(running: Gunicorn) -> str:
    return running.log.read_text(errors="replace")


def queue_keys(session: Session, recovery_words: str) -> dict[str, PrivateKey]:
    recovery = recovery_private_key(recovery_words)
    return {
        queue_recipient(q.slug): queue_key_from_recovery(q, recovery)
        for q in session.scalars(select(Queue))
    }


@dataclass(frozen=True)
class Stored:
    receipts: int
    disclosures: int


def verify(config: Config, recovery_words: str, outcomes: Iterable[Outcome]) -> Stored:
    """Assert the receipted submissions are all there, whole, once; return counts."""
    receipted = [o for o in outcomes if o.codename and o.reference]
    pepper = load_secrets(config.keys_dir).pepper
    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        with database.sessions() as session:
            keys = queue_keys(session, recovery_words)
            tokens: list[str] = []
            for stored in session.scalars(select(Disclosure)):
                if not stored.messages:
                    continue  # caught by assert_no_partial_case below
                match = TOKEN.match(read_message(session, stored.messages[0], keys))
                if match:
                    tokens.append(match.group(1))
            assert len(tokens) == len(set(tokens)), "a report was stored twice"
            for outcome in receipted:
                disclosure = session.scalar(
                    select(Disclosure).where(Disclosure.reference == outcome.reference)
                )
                assert disclosure is not None, f"receipted {outcome.reference} is not stored"
                assert outcome.codename is not None
                reporter = derive(outcome.codename, pepper)
                assert disclosure.reporter_id == reporter.reporter_id
                assert len(disclosure.messages) == 1
                message = disclosure.messages[0]
                mine = {reporter_recipient(reporter.reporter_id): reporter.private_key}
                assert read_message(session, message, mine) == outcome.text.strip()
                assert read_message(session, message, keys) == outcome.text.strip()
            assert_no_partial_case(session)
            total = session.scalar(select(func.count()).select_from(Disclosure)) or 0
    finally:
        database.dispose()
    return Stored(len(receipted), int(total))


def assert_no_partial_case(session: Session) -> None:
    """Every case has content, and no sealed key is left without its item."""
    empty = session.scalars(
        select(Disclosure.reference).where(
            ~select(Message.id).where(Message.disclosure_id == Disclosure.id).exists(),
            ~select(Attachment.id).where(Attachment.disclosure_id == Disclosure.id).exists(),
        )
    ).all()
    assert not empty, f"cases without a message or file: {empty}"
    items = (
        set(session.scalars(select(Message.id)))
        | set(session.scalars(select(Attachment.id)))
        | set(session.scalars(select(ContactDetail.id)))
    )
    sealed_items = {
        item_id
        for item_id, kind in session.execute(select(SealedKey.item_id, SealedKey.item_kind))
        if kind in ("message", "attachment", "contact")
    }
    assert sealed_items <= items, "sealed keys without their item"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
