"""100,000 cases of metadata in PostgreSQL, and an officer who can sign in to list them.

Only the rows the queue page reads are made (reporters, disclosures and their
queues): the list never decrypts anything, so messages would change nothing
but the size of the database. Case references and ids are random like real
ones; dates spread over three years.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from hotline.admin.designations import designate, queue_key_from_recovery
from hotline.auth.officers import TOTP_STEP, create_officer, totp
from hotline.config import Config
from hotline.crypto.keyring import read_recovery_file, recovery_private_key, secrets_loader
from hotline.db import Database
from hotline.initialise import argon2_params
from hotline.models import Queue, today
from hotline.procedure import ACKNOWLEDGEMENT_DAYS
from hotline.references import REFERENCE_ALPHABET
from hotline.routing import load_policy

CASES = 100_000
CASES_PER_REPORTER = 5
#: The raw public key of a reporter: ML-KEM-768 (1,184 bytes) + X25519 (32).
PUBLIC_KEY_BYTES = 1_184 + 32
OFFICER = "bench-officer"
#: The Commissioner General's queue receives every category: the longest list.
QUEUE = "commissioner_general"


@dataclass(frozen=True)
class OfficerLogin:
    username: str
    password: str
    totp_secret: bytes

    def code(self) -> str:
        step = int(time.time()) // TOTP_STEP
        return str(totp(self.totp_secret).generate(step * TOTP_STEP).decode())


def _reference(used: set[str], rng: random.Random) -> str:
    while True:
        chars = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"HL-{chars[:4]}-{chars[4:]}"
        if reference not in used:
            used.add(reference)
            return reference


def fill(config: Config, cases: int = CASES, seed: int = 8) -> float:
    """Insert ``cases`` cases with COPY; returns the seconds it took."""
    began = time.monotonic()
    rng = random.Random(seed)  # synthetic benchmark data, not secrets
    policy = load_policy(config.policy_path)
    day0 = today()
    statuses = ("received", "acknowledged", "under_investigation", "closed")
    weights = (10, 15, 25, 50)
    outcomes = ("substantiated", "unsubstantiated", "out_of_scope", "referred")
    channels = ("web", "sms", "email")
    categories = ("taxpayer_fraud", "staff_misconduct", "retaliation", "other")
    routes = {c: policy.route(c, frozenset()) for c in categories}
    reporters = [secrets.token_hex(32) for _ in range(-(-cases // CASES_PER_REPORTER))]
    used: set[str] = set()

    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        raw = database.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(
                "COPY reporters (id, public_key, kdf_version, created_on) FROM STDIN"
            ) as copy:
                for reporter in reporters:
                    copy.write_row((reporter, secrets.token_bytes(PUBLIC_KEY_BYTES), 1, day0))
            queue_rows: list[tuple[str, str]] = []
            with cursor.copy(
                "COPY disclosures (id, reference, reporter_id, category, channel, status,"
                " outcome, received_on, acknowledgement_due, acknowledged_on, feedback_due,"
                " closed_on, unread, next_seq, reward_state) FROM STDIN"
            ) as copy:
                for index in range(cases):
                    disclosure_id = secrets.token_hex(16)
                    category = categories[index % len(categories)]
                    status = rng.choices(statuses, weights)[0]
                    received = day0 - dt.timedelta(days=rng.randrange(3 * 365))
                    acknowledged = None if status == "received" else received + dt.timedelta(days=3)
                    closed = status == "closed"
                    copy.write_row(
                        (
                            disclosure_id,
                            _reference(used, rng),
                            reporters[index // CASES_PER_REPORTER],
                            category,
                            rng.choices(channels, (70, 20, 10))[0],
                            status,
                            rng.choice(outcomes) if closed else None,
                            received,
                            received + dt.timedelta(days=ACKNOWLEDGEMENT_DAYS),
                            acknowledged,
                            received + dt.timedelta(days=90) if acknowledged else None,
                            received + dt.timedelta(days=60) if closed else None,
                            rng.random() < 0.2,
                            2,
                            "not_eligible",
                        )
                    )
                    queue_rows.extend((disclosure_id, slug) for slug in routes[category])
            with cursor.copy(
                "COPY disclosure_queues (disclosure_id, queue_slug) FROM STDIN"
            ) as copy:
                for row in queue_rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    finally:
        database.dispose()
    return time.monotonic() - began


def make_officer(config: Config, recovery_file: Path) -> OfficerLogin:
    """An officer past first sign-in, designated to the Commissioner General's queue
    with the recovery words (as ``hotline officer add --recovery-file`` does)."""
    password = "bench-" + secrets.token_urlsafe(18)
    recovery = recovery_private_key(read_recovery_file(recovery_file))
    database = Database(config.database_url, keys=secrets_loader(config.keys_dir))
    try:
        with database.transaction() as session:
            officer, unlocked = create_officer(
                session,
                OFFICER,
                password,
                params=argon2_params(config),
                enrol_totp=True,
            )
            officer.must_change_password = False
            queue = session.get(Queue, QUEUE)
            assert queue is not None
            designate(
                session,
                officer,
                queue,
                queue_key=queue_key_from_recovery(queue, recovery),
                by=None,
            )
            assert unlocked.totp_secret is not None
            return OfficerLogin(OFFICER, password, unlocked.totp_secret)
    finally:
        database.dispose()
