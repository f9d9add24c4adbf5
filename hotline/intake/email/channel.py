"""One received message at a time: file it, commit, then acknowledge it.

Used by the two ways mail arrives: an MTA pipe (``hotline ingest-email``) and
IMAP polling (``hotline poll-imap``), both in :mod:`hotline.intake.email.cli`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy.exc import IntegrityError

from hotline.crypto.codenames import CodenameKdf
from hotline.crypto.keyring import InstanceSecrets
from hotline.db import Database
from hotline.intake.email import ingest
from hotline.intake.email.acknowledgement import acknowledgement
from hotline.intake.email.ingest import DUPLICATE, REJECTED, IngestResult
from hotline.intake.email.parse import parse
from hotline.intake.operations import already_seen
from hotline.intake.service import Limits
from hotline.procedure import DEFAULT_LANGUAGE
from hotline.routing import Policy

__all__ = ["EmailChannel", "Sender"]

logger = logging.getLogger(__name__)

Sender = Callable[[EmailMessage], None]


@dataclass
class EmailChannel:
    """One received message at a time: file it, commit, then acknowledge it.

    ``send`` delivers an acknowledgement (SMTP in production); None when no
    SMTP server is configured, in which case none is sent.
    """

    database: Database
    policy: Policy
    kdf: CodenameKdf
    limits: Limits
    secrets: InstanceSecrets = field(repr=False)
    local_part: str = "report"
    acknowledge: bool = True
    mail_from: str = "hotline@localhost"
    public_url: str = "http://127.0.0.1:5000"
    onion_url: str | None = None
    send: Sender | None = None
    #: Where warnings go (the CLI prints them): never given an address or text.
    warn: Callable[[str], None] = logger.warning
    #: The acknowledgement's language when a message does not name one of
    #: ``languages`` in its Content-Language.
    language: str = DEFAULT_LANGUAGE
    languages: tuple[str, ...] = (DEFAULT_LANGUAGE,)

    def receive(self, raw: bytes) -> IngestResult:
        """File and commit, then acknowledge. Raises ``NotAnEmail`` and database
        errors (nothing was filed then); never fails because of the reply."""
        result = self.file(raw)
        self.acknowledge_receipt(result)
        return result

    def file(self, raw: bytes) -> IngestResult:
        with self.database.sessions() as session:
            try:
                result = ingest.ingest(
                    session,
                    raw,
                    policy=self.policy,
                    kdf=self.kdf,
                    limits=self.limits,
                    secrets=self.secrets,
                    local_part=self.local_part,
                )
                if result.outcome == REJECTED:
                    session.rollback()  # not seen: nothing was filed
                else:
                    session.commit()
                return result
            except IntegrityError:
                session.rollback()
                # Another delivery of the same message committed first.
                if self._seen_before(raw):
                    return IngestResult(DUPLICATE)
                raise

    def _seen_before(self, raw: bytes) -> bool:
        parsed = parse(raw, local_part=self.local_part)
        with self.database.sessions() as session:
            seen = ingest.message_hash(self.secrets, parsed)
            return already_seen(session, seen)

    def acknowledge_receipt(self, result: IngestResult) -> bool:
        """Send the acknowledgement, if one is due and allowed. True if sent."""
        if not self.acknowledge:
            return False
        try:
            message = acknowledgement(
                result,
                mail_from=self.mail_from,
                public_url=self.public_url,
                onion_url=self.onion_url,
                language=(result.language if result.language in self.languages else self.language),
            )
            if message is None:
                return False
            if self.send is None:
                self.warn("acknowledgement not sent: HOTLINE_SMTP_URL is not set")
                return False
            self.send(message)
        except Exception as exc:  # noqa: BLE001 - the case is filed; the reply is best effort
            # The class name only: an SMTP error message can quote the address.
            self.warn(f"acknowledgement not sent: {type(exc).__name__}")
            return False
        return True
