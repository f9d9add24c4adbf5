"""The intake operations every channel shares, beside ``submit`` and ``append``.

No channel writes to the database on its own: the web form, SMS and e-mail
find a reporter's newest case, record what they have already filed, link a
report to the case it names and link a retaliation report to the reporter's
earlier cases, and withdraw a report its author cancels, through these
functions, so each rule is written once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.models import (
    Disclosure,
    DisclosureExclusion,
    DisclosureLink,
    EmailSeen,
    Reporter,
    SealedKey,
)
from hotline.notifications import reply_notices
from hotline.procedure import Category, LinkKind
from hotline.sealing import case_heads
from hotline.sealing.shredding import CASE_CONTENT, shred


def newest_case(session: Session, reporter_id: str) -> Disclosure | None:
    """The reporter's newest disclosure, which a follow-up by SMS or e-mail joins."""
    return session.scalars(
        select(Disclosure)
        .where(Disclosure.reporter_id == reporter_id)
        .order_by(Disclosure.received_on.desc(), Disclosure.reference.desc())
    ).first()


def retaliation_links(
    session: Session, *, reporter_id: str | None, category: Category
) -> list[str]:
    """The disclosures a new report of this category links to: every earlier one
    of the same reporter when it reports retaliation, none otherwise (nor for a
    reporter who has no codename yet). ``submit`` links them as ``retaliation_for``."""
    if reporter_id is None or category != Category.RETALIATION:
        return []
    return list(session.scalars(select(Disclosure.id).where(Disclosure.reporter_id == reporter_id)))


def inherited_exclusions(session: Session, linked_ids: Sequence[str]) -> set[str]:
    """Queues excluded on any case a new one is linked to by the reporter:
    exclusions follow the reporter, so ``submit`` keeps them excluded."""
    if not linked_ids:
        return set()
    rows = session.scalars(
        select(DisclosureExclusion.queue_slug).where(
            DisclosureExclusion.disclosure_id.in_(linked_ids)
        )
    )
    return set(rows)


def referenced_case(session: Session, reference: str) -> Disclosure | None:
    """The case a reference names, if it exists (the reference proves nothing)."""
    return session.scalar(select(Disclosure).where(Disclosure.reference == reference))


def link_to_referenced_case(session: Session, disclosure_id: str, referenced: Disclosure) -> None:
    """Link a new disclosure to the case its message referenced.

    ``submit`` links only a reporter's own cases (proved by the codename); this
    link records an unverified claim, in the filing's transaction: a ``related``
    link, never proof that the same person wrote both.
    """
    session.add(DisclosureLink(from_id=disclosure_id, to_id=referenced.id, kind=LinkKind.RELATED))
    session.flush()


def already_seen(session: Session, message_hash: str) -> bool:
    """Whether a message with this keyed digest (of an e-mail's content and
    Message-IDs, see ``intake.email.ingest.message_hash``) was filed before."""
    return session.get(EmailSeen, message_hash) is not None


def record_seen(session: Session, message_hash: str) -> None:
    """Record a message as filed, in the filing's own transaction, so a retried
    delivery or an interrupted IMAP poll never files it twice.

    Only the keyed hash and the day are kept: nothing says which case the
    message became.
    """
    session.add(EmailSeen(message_hash=message_hash))
    session.flush()


def withdraw(session: Session, disclosure_id: str, reporter_id: str) -> None:
    """Delete a disclosure its reporter cancels in the thread that filed it (SMS
    ``CANCEL``): its sealed keys first (that alone makes every item unreadable),
    then the rows (messages and attachments go with it), and the codename's
    reporter row when nothing else is filed under it."""
    disclosure = session.get(Disclosure, disclosure_id)
    if disclosure is None or disclosure.reporter_id != reporter_id:
        return
    shred(session, SealedKey.disclosure_id == disclosure_id, tables=CASE_CONTENT)
    reply_notices.forget(session, disclosure_id)
    session.delete(disclosure)
    session.flush()
    case_heads.case_removed(session, disclosure_id)
    remaining = session.scalars(
        select(Disclosure.id).where(Disclosure.reporter_id == reporter_id)
    ).first()
    if remaining is None:
        session.execute(delete(Reporter).where(Reporter.id == reporter_id))
    session.flush()
