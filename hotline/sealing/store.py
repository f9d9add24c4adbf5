"""Storing the sealed parts of a case.

Every channel and the officer desk write messages and attachments through
these functions, with the recipients that ``recipients`` decides: the queues
the case is routed to, plus the reporter's codename key for what the reporter
may read (their own words and officers' replies, never internal notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from hotline.crypto.signing import SigningKey
from hotline.db import Base, insert_into
from hotline.models import Attachment, Disclosure, Message, SealedKey
from hotline.procedure import AuthorKind
from hotline.sealing import authorship, case_heads, recipients, trust
from hotline.sealing.case_heads import Link
from hotline.sealing.items import FileToStore, SealedItem, seal_attachment, seal_message

_Item = TypeVar("_Item", Message, Attachment)


def insert_sealed(session: Session, model: type[Base], items: Sequence[SealedItem]) -> None:
    """Write sealed items of one kind, then their sealed keys, as plain INSERTs.

    For the filing path, where every row is new: it skips the ORM's unit of
    work. The rows they refer to must already be written.
    """
    if not items:
        return
    session.execute(insert_into(model), [item.row for item in items])
    keys = [key for item in items for key in item.sealed_keys]
    session.execute(insert_into(SealedKey), keys)


def _add(session: Session, item: SealedItem, model: type[_Item]) -> _Item:
    """Add a sealed item and its sealed keys to the session, for the ORM to flush."""
    added = model(**item.row)
    session.add(added)
    session.add_all(SealedKey(**key) for key in item.sealed_keys)
    return added


def store_message(
    session: Session,
    disclosure: Disclosure,
    *,
    author_kind: AuthorKind,
    text: str,
    officer_id: int | None = None,
    signer: SigningKey | None = None,
) -> Message:
    """Seal and add a message to an existing case, to the recipients its kind
    allows: the case's queues, and the reporter for what the reporter may read.
    A reporter's message is tagged by the server; an officer's is signed with
    ``signer``, their signing key (``authorship``)."""
    item = seal_message(
        disclosure_id=disclosure.id,
        seq=disclosure.take_seq(),
        author_kind=author_kind,
        text=text,
        recipients=recipients.for_message(session, disclosure, author_kind),
        officer_id=officer_id,
    )
    if author_kind == AuthorKind.REPORTER:
        authorship.vouch_by_server(session, item.row)
    elif signer is None:
        raise ValueError("an officer's message needs their signing key")
    else:
        authorship.sign_by_officer(item.row, signer)
    _advance(session, disclosure, item)
    return _add(session, item, Message)


def _advance(session: Session, disclosure: Disclosure, item: SealedItem) -> None:
    row = item.row
    case_heads.append(session, disclosure, Link(row["seq"], row["id"], row["authenticity"]))


def store_attachment(
    session: Session,
    disclosure: Disclosure,
    file: FileToStore,
    *,
    message_id: str | None,
) -> Attachment:
    """Seal and add a file to an existing case, readable by its queues and its reporter."""
    item = seal_attachment(
        disclosure_id=disclosure.id,
        file=file,
        message_id=message_id,
        recipients=recipients.for_case(session, disclosure, reporter_readable=True),
    )
    item.row["seq"] = disclosure.take_seq()
    authorship.tag_attachment(trust.instance_secrets(session).key_tag_key, item.row)
    _advance(session, disclosure, item)
    return _add(session, item, Attachment)
