"""``hotline init``: secrets, schema, queue keys, the recovery key and the first administrator.

Idempotent: a second run changes no key. It creates what is missing (a queue
newly added to the policy gets a key pair, sealed to the recovery key and to
the administrators) and refuses to overwrite anything that exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import migrations
from hotline.admin.designations import RECOVERY, create_queue
from hotline.audit import seal_unsealed_head
from hotline.auth.officers import create_officer, generate_password
from hotline.config import Config
from hotline.crypto import keyring
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.db import Database
from hotline.models import InstanceKey, Officer, Queue
from hotline.routing import Policy, load_policy
from hotline.sealing import authorship, case_heads, decisions, signing_keys, trust

FIRST_ADMIN = "admin"
#: The revision that added the audit head's seal; a database older than it has
#: its head sealed by the init run that upgrades it.
AUDIT_HEAD_SEALED = "0005"
#: The revision that added key tags; the init run that upgrades an older
#: database tags the keys it holds (trust on upgrade).
KEYS_TAGGED = "0006"
#: The revision that signs decisions, tags files and gives cases heads and the
#: instance its case ledger: filled in by the same run (trust on upgrade).
CASES_SEALED = "0010"


@dataclass(frozen=True, repr=False)
class InitResult:
    created_secrets: bool
    new_queues: tuple[str, ...]
    admin_username: str | None = None
    admin_password: str | None = None
    recovery_words: str | None = None

    def __repr__(self) -> str:
        return f"InitResult(new_queues={self.new_queues})"


def argon2_params(config: Config) -> keyring.Argon2Params:
    return keyring.Argon2Params(config.argon2_memory_kib, config.argon2_time_cost)


def initialise(config: Config, *, recovery_file: Path | None = None) -> InitResult:
    """Create what is missing. With ``recovery_file`` the recovery words are
    written there (before the recovery key is committed, so a failed write
    leaves no key whose words are lost) instead of being returned."""
    policy = load_policy(config.policy_path)
    if recovery_file is not None and recovery_file.exists():
        raise keyring.KeysError(f"{recovery_file} exists; refusing to overwrite it")
    created_secrets = False
    if not keyring.secrets_exist(config.keys_dir):
        keyring.create_secrets(config.keys_dir)
        created_secrets = True
    before = migrations.current_revision(config.database_url)
    if before is None or before < KEYS_TAGGED:
        # An instance made before key tags gets the new secret in the same run
        # that adds the tags; a newer one keeps keys/ exactly as it is.
        keyring.add_missing_secrets(config.keys_dir)
    secrets = keyring.load_secrets(config.keys_dir)  # fails clearly if keys/ is incomplete
    migrations.upgrade(config.database_url)
    database = Database(config.database_url, keys=lambda: secrets)
    try:
        with database.transaction() as session:
            if before is not None and before < AUDIT_HEAD_SEALED:
                seal_unsealed_head(session, secrets.audit_key)
            if before is not None and before < KEYS_TAGGED:
                trust.tag_untagged(session)
                authorship.vouch_for_stored(session)
            if before is None or before < CASES_SEALED:
                if before is not None:
                    authorship.vouch_for_signed(session)
                    signing_keys.record_current_keys(session)
                    decisions.vouch_for_stored(session)
                case_heads.seal_stored(session)
            result = _initialise_records(session, config, policy)
            words = result.recovery_words
            if words and recovery_file is not None:
                keyring.write_recovery_file(recovery_file, words)
                words = None
    finally:
        database.dispose()
    return InitResult(
        created_secrets,
        result.new_queues,
        result.admin_username,
        result.admin_password,
        words,
    )


def _initialise_records(session: Session, config: Config, policy: Policy) -> InitResult:
    recovery_words = None
    if session.get(InstanceKey, RECOVERY) is None:
        recovery_words = keyring.generate_recovery_words()
        recovery_public = keyring.recovery_private_key(recovery_words).public_key()
        recovery = InstanceKey(name=RECOVERY, public_key=recovery_public.raw)
        trust.tag(session, recovery)
        session.add(recovery)
        session.flush()

    existing = set(session.scalars(select(Queue.slug)))
    new_keys: dict[str, tuple[Queue, PrivateKey]] = {}
    for slug in policy.all_queue_slugs:
        if slug not in existing:
            new_keys[slug] = create_queue(
                session,
                slug,
                policy.queue_name(slug),
                is_custodian=slug == policy.custodian_slug,
            )
    session.flush()

    admin_password = None
    if session.scalar(select(Officer.id).where(Officer.is_admin.is_(True)).limit(1)) is None:
        admin_password = generate_password()
        create_officer(
            session, FIRST_ADMIN, admin_password, params=argon2_params(config), is_admin=True
        )
    # Administration is not case access: a new queue's key is sealed to the
    # recovery key only (``create_queue``), never to the administrators. Its first
    # officers get it from the recovery words (``hotline officer add … --queue Q
    # --recovery-file PATH``); later ones from a current holder's approval.
    return InitResult(
        created_secrets=False,
        new_queues=tuple(new_keys),
        admin_username=FIRST_ADMIN if admin_password else None,
        admin_password=admin_password,
        recovery_words=recovery_words,
    )


def recovery_key_matches(session: Session, words: str) -> bool:
    row = session.get(InstanceKey, RECOVERY)
    if row is None:
        return False
    try:
        key = keyring.recovery_private_key(words)
    except keyring.WrongPassword:
        return False
    return key.public_key() == PublicKey(row.public_key)
