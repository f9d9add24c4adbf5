"""Filing cases and opening them with every kind of key, for the maintenance tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.admin.designations import queue_key_from_recovery
from hotline.config import Config
from hotline.crypto.codenames import CodenameKdf, ReporterKeys
from hotline.crypto.envelopes import CannotOpen
from hotline.crypto.keypairs import PrivateKey
from hotline.crypto.keyring import load_secrets, recovery_private_key
from hotline.db import Database
from hotline.intake.checkin import UnknownCodename, authenticate
from hotline.intake.service import Draft, Limits, submit
from hotline.models import Disclosure, Message, Queue, SealedKey
from hotline.procedure import AuthorKind, Category, Channel, Outcome, Status
from hotline.routing import load_policy
from hotline.sealing.items import read_message
from hotline.sealing.recipients import queue_recipient, reporter_recipient
from tests.helpers.writers import officer_decides, officer_writes


@dataclass(frozen=True)
class Filed:
    codename: str
    disclosure_id: str
    reference: str
    text: str


class Cases:
    """One instance's database, opened the way the reporter and the queues open it."""

    def __init__(self, config: Config, recovery_words: str) -> None:
        self.config = config
        self.policy = load_policy(config.policy_path)
        self.secrets = load_secrets(config.keys_dir)
        self.kdf = CodenameKdf(self.secrets.pepper, n=config.scrypt_n)
        self.limits = Limits.from_config(config)
        self.database = Database(config.database_url, keys=lambda: self.secrets)
        self.recovery = recovery_private_key(recovery_words)

    def close(self) -> None:
        self.database.dispose()

    def file(
        self,
        category: Category = Category.STAFF_MISCONDUCT,
        *,
        reporter: ReporterKeys | None = None,
        codename: str | None = None,
        contact: str | None = None,
    ) -> Filed:
        text = f"HL{secrets.token_hex(8)} the assessor at Rusumo took 300,000 francs"
        with self.database.transaction() as session:
            receipt = submit(
                session,
                Draft(category=category, text=text, channel=Channel.WEB, contact=contact),
                policy=self.policy,
                kdf=self.kdf,
                limits=self.limits,
                reporter=reporter,
            )
            disclosure = session.get(Disclosure, receipt.disclosure_id)
            assert disclosure is not None
            # An officer's reply, sealed to the queues and the reporter.
            officer_writes(
                session, disclosure, author_kind=AuthorKind.OFFICER, text="reply " + text[:18]
            )
        return Filed(
            receipt.codename or codename or "",
            receipt.disclosure_id,
            receipt.reference,
            text,
        )

    def close_case(self, disclosure_id: str, closed_on: object) -> None:
        with self.database.transaction() as session:
            officer_decides(
                session,
                session.get_one(Disclosure, disclosure_id),
                status=Status.CLOSED,
                outcome=Outcome.SUBSTANTIATED,
                closed_on=closed_on,
            )

    def queue_keys(self, session: Session) -> dict[str, PrivateKey]:
        return {
            queue_recipient(q.slug): queue_key_from_recovery(q, self.recovery)
            for q in session.scalars(select(Queue))
        }

    def reporter_keys(self, session: Session, codename: str) -> ReporterKeys:
        return authenticate(session, self.kdf, codename)

    def texts_with_queue_keys(self, database: Database, disclosure_id: str) -> list[str]:
        with database.sessions() as session:
            keys = self.queue_keys(session)
            return [read_message(session, m, keys) for m in _messages(session, disclosure_id)]

    def texts_with_codename(
        self, database: Database, codename: str, disclosure_id: str
    ) -> list[str]:
        with database.sessions() as session:
            reporter = authenticate(session, self.kdf, codename)
            keys = {reporter_recipient(reporter.reporter_id): reporter.private_key}
            return [read_message(session, m, keys) for m in _messages(session, disclosure_id)]

    def opens_with_codename(self, database: Database, codename: str, disclosure_id: str) -> bool:
        try:
            return bool(self.texts_with_codename(database, codename, disclosure_id))
        except (UnknownCodename, CannotOpen):
            return False

    def sealed_keys(self, database: Database, disclosure_id: str) -> list[bytes]:
        with database.sessions() as session:
            return list(
                session.scalars(
                    select(SealedKey.sealed).where(SealedKey.disclosure_id == disclosure_id)
                )
            )


def _messages(session: Session, disclosure_id: str) -> list[Message]:
    return list(
        session.scalars(
            select(Message).where(Message.disclosure_id == disclosure_id).order_by(Message.seq)
        )
    )
