"""Who may read what: the recipients each kind of item is sealed to.

This is the most security-sensitive decision in the product, so it is made
here only. Recipients are named in ``sealed_keys.recipient`` as
``queue:<slug>`` or ``reporter:<id>`` (a stored format):

* a message or attachment: the queues the case is routed to, plus the
  reporter's codename key for what the reporter may read (their own words and
  officers' replies; never internal notes or measures);
* contact details: the custodian queue alone, so no receiving officer's key,
  not even the reporter's codename key, opens who the reporter is;
* a register request's reason: the custodian and the case's queues;
* a register release: the requesting officer's *personal* key alone
  (``releases``);
* a queue's private key: each designated officer's personal key and the
  recovery key (``queue_keys``);
* rerouting: the queues a case is added to, never the custodian nor a queue
  the reporter excluded (checked by ``cases.rerouting`` before it reseals).

Every public key is checked against its tag first (``trust``): a queue whose
key fails is left out, the alarm is raised, and the item is sealed to the
recovery key (``instance:recovery``) in its place, so nothing is lost and
nothing reaches the swapped key.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import assert_never

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hotline.crypto.codenames import Filer
from hotline.crypto.key_tags import tag_holds
from hotline.crypto.keypairs import PrivateKey, PublicKey
from hotline.models import Disclosure, InstanceKey, Queue, Reporter
from hotline.procedure import AuthorKind
from hotline.sealing import trust

RECOVERY = "recovery"


def reporter_may_read(author_kind: AuthorKind) -> bool:
    """Whether the reporter may read a message, by its author kind: their own
    words and officers' replies, never internal notes or protective measures.

    Exhaustive, so a new author kind fails mypy here until someone decides
    who may read it.
    """
    match author_kind:
        case AuthorKind.REPORTER | AuthorKind.OFFICER:
            return True
        case AuthorKind.NOTE | AuthorKind.MEASURE:
            return False
        case _:
            assert_never(author_kind)


def queue_recipient(slug: str) -> str:
    return f"queue:{slug}"


def reporter_recipient(reporter_id: str) -> str:
    return f"reporter:{reporter_id}"


def recovery_recipient() -> str:
    return f"instance:{RECOVERY}"


_QUEUE_KEYS = select(
    Queue.slug, Queue.public_key, Queue.key_tag, Queue.is_custodian, Queue.key_generation
).where(Queue.slug.in_(bindparam("slugs", expanding=True)))


def queue_public_keys(session: Session, slugs: Collection[str]) -> dict[str, PublicKey]:
    """The public keys of ``slugs`` whose tags hold, by recipient name. A queue
    whose key fails is left out (and alarmed); the recovery key takes its place."""
    tag_key = trust.instance_secrets(session).key_tag_key
    keys: dict[str, PublicKey] = {}
    for slug, raw, tag, is_custodian, generation in session.execute(
        _QUEUE_KEYS, {"slugs": list(slugs)}
    ):
        purpose = "custodian" if is_custodian else "queue"
        owner = queue_recipient(slug)
        if tag_holds(
            tag_key, tag, purpose=purpose, owner=owner, version=generation, public_key=raw
        ):
            keys[owner] = PublicKey(raw)
        else:
            trust.raise_alarm(session, f"queues/{slug}", "public key fails its tag")
    if len(keys) < len(set(slugs)):
        keys.update(recovery_key(session))
    return keys


def recovery_key(session: Session) -> dict[str, PublicKey]:
    """The recovery key as a recipient, when its tag holds (else alarmed, and none)."""
    row = session.get(InstanceKey, RECOVERY)
    if row is None or not trust.check(session, row):
        return {}
    return {recovery_recipient(): PublicKey(row.public_key)}


def for_new_case(
    session: Session, queues: Collection[str], reporter: Filer
) -> dict[str, PublicKey]:
    """What a reporter files: sealed to the routed queues and to their codename key."""
    return {
        **queue_public_keys(session, queues),
        reporter_recipient(reporter.reporter_id): reporter.public_key,
    }


def for_case(
    session: Session, disclosure: Disclosure, *, reporter_readable: bool
) -> dict[str, PublicKey]:
    """An item added to an existing case: its queues as they are now, and the
    reporter when they may read it."""
    recipients = queue_public_keys(session, disclosure.queue_slugs)
    if reporter_readable:
        reporter = session.get(Reporter, disclosure.reporter_id)
        if reporter is not None and trust.check(session, reporter):
            recipients[reporter_recipient(reporter.id)] = PublicKey(reporter.public_key)
    return recipients


def for_message(
    session: Session, disclosure: Disclosure, author_kind: AuthorKind
) -> dict[str, PublicKey]:
    return for_case(session, disclosure, reporter_readable=reporter_may_read(author_kind))


def for_contact(session: Session, custodian_slug: str) -> dict[str, PublicKey]:
    """Contact details: the custodian alone."""
    return queue_public_keys(session, [custodian_slug])


def for_register_request(
    session: Session, disclosure: Disclosure, custodian_slug: str
) -> dict[str, PublicKey]:
    """The custodian must read the reason to decide; the case's queues may read
    it as part of the case. Nobody else: the reason may itself be revealing."""
    return queue_public_keys(session, [custodian_slug, *disclosure.queue_slugs])


def for_added_queues(session: Session, queues: Collection[Queue]) -> dict[str, PublicKey]:
    """Rerouting: the queues a case is added to (checked by the caller), each
    whose tag holds; the recovery key in place of any that fails."""
    return queue_public_keys(session, [queue.slug for queue in queues])


def queue_openers(queue_keys: Mapping[str, PrivateKey]) -> dict[str, PrivateKey]:
    """Queue private keys by slug, as the recipient names that items are opened with."""
    return {queue_recipient(slug): key for slug, key in queue_keys.items()}
