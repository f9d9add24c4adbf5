"""Which public keys in the database may be sealed to: those whose tag holds.

Every public key the server seals to carries ``key_tag``, an HMAC under
``keys/key_tag_key`` (``crypto.key_tags``) over the key, its owner, its
purpose and its version. Someone who can write to the database but not read
``keys/`` cannot make one, so a swapped key is found before anything is
sealed to it. A key whose tag fails is never sealed to: the caller leaves it
out (a report goes to the other queues and the recovery key) or refuses (a
register release), and :func:`raise_alarm` names the row for every
administrator and in the audit trail.

Owners and purposes are a stored format::

    queue       owner "queue:<slug>", purpose "queue" or "custodian", version = key generation
    recovery    owner "instance:<name>", purpose "instance", version 1
    officer     owner "officer:<id>", purpose "personal", version 1
    reporter    owner "reporter:<id>", purpose "codename", version = KDF version
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import record
from hotline.crypto import key_tags
from hotline.crypto.keyring import InstanceSecrets, KeysError
from hotline.models import Alarm, InstanceKey, Officer, Queue, Reporter, utcnow

Keyed = Queue | InstanceKey | Officer | Reporter


class UntrustedKey(Exception):
    """A public key whose tag fails: the database was changed without ``keys/``."""

    def __init__(self, row: str) -> None:
        super().__init__(f"the public key in {row} fails its tag")
        self.row = row


def instance_secrets(session: Session) -> InstanceSecrets:
    """The secrets the session's database was opened with (``Database(keys=...)``)."""
    load = session.info.get("keys")
    if load is None:
        raise KeysError("this database session has no keys/: cannot check public keys")
    secrets: InstanceSecrets = load()
    return secrets


def _identity(item: Keyed) -> tuple[str, str, int]:
    """(purpose, owner, version) of a keyed row."""
    match item:
        case Queue():
            return (
                ("custodian" if item.is_custodian else "queue"),
                f"queue:{item.slug}",
                (item.key_generation),
            )
        case InstanceKey():
            return "instance", f"instance:{item.name}", 1
        case Officer():
            return "personal", f"officer:{item.id}", 1
        case Reporter():
            return "codename", f"reporter:{item.id}", item.kdf_version


def row_name(item: Keyed) -> str:
    """How an alarm names the row: table and primary key."""
    match item:
        case Queue():
            return f"queues/{item.slug}"
        case InstanceKey():
            return f"instance_keys/{item.name}"
        case Officer():
            return f"officers/{item.id}"
        case Reporter():
            return f"reporters/{item.id}"


def tag_for(tag_key: bytes, item: Keyed) -> bytes:
    purpose, owner, version = _identity(item)
    return key_tags.key_tag(
        tag_key, purpose=purpose, owner=owner, version=version, public_key=item.public_key
    )


def tag(session: Session, item: Keyed) -> None:
    """Tag a key the server has just made or rotated (its row must have its id)."""
    item.key_tag = tag_for(instance_secrets(session).key_tag_key, item)


def holds(tag_key: bytes, item: Keyed) -> bool:
    purpose, owner, version = _identity(item)
    return key_tags.tag_holds(
        tag_key,
        item.key_tag,
        purpose=purpose,
        owner=owner,
        version=version,
        public_key=item.public_key,
    )


def check(session: Session, item: Keyed) -> bool:
    """Whether ``item``'s key may be sealed to; if not, the alarm is raised."""
    if holds(instance_secrets(session).key_tag_key, item):
        return True
    raise_alarm(session, row_name(item), "public key fails its tag")
    return False


def require(session: Session, item: Keyed) -> None:
    """Raise :class:`UntrustedKey` (after raising the alarm) unless the tag holds."""
    if not check(session, item):
        raise UntrustedKey(row_name(item))


def raise_alarm(session: Session, row: str, detail: str) -> None:
    """Name a tampered row for every administrator (desk) and in the audit
    trail, once while it stays uncleared."""
    open_alarm = session.scalar(
        select(Alarm.id).where(Alarm.row == row, Alarm.cleared.is_(False)).limit(1)
    )
    if open_alarm is not None:
        return
    session.add(Alarm(raised_at=utcnow(), row=row, detail=detail, cleared=False))
    record(
        session,
        instance_secrets(session).audit_key,
        actor="system",
        action="tampering.detected",
        subject=row,
        detail=detail,
    )


def open_alarms(session: Session) -> list[Alarm]:
    return list(session.scalars(select(Alarm).where(Alarm.cleared.is_(False)).order_by(Alarm.id)))


def tag_untagged(session: Session) -> int:
    """Trust on upgrade: tag every key stored before tags existed. Run only by
    ``hotline init`` in the run that applies revision 0006. Returns how many."""
    tag_key = instance_secrets(session).key_tag_key
    count = 0
    untagged: list[Keyed] = [
        *session.scalars(select(Queue).where(Queue.key_tag.is_(None))),
        *session.scalars(select(InstanceKey).where(InstanceKey.key_tag.is_(None))),
        *session.scalars(select(Officer).where(Officer.key_tag.is_(None))),
        *session.scalars(select(Reporter).where(Reporter.key_tag.is_(None))),
    ]
    for item in untagged:
        item.key_tag = tag_for(tag_key, item)
        count += 1
    return count
