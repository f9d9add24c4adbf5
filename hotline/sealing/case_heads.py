"""Noticing what was deleted: each case's head, and the ledger of cases.

Every item of a case (message, reply, note, measure, file) takes the case's
next number (``seq``). The case's head holds how many items were appended and
the last link of a hash chain over them, under an HMAC that someone without
``keys/`` cannot make; it moves in the same transaction as each append. So an
item deleted from the middle (a gap), from the end (a trimmed tail), or an
item slipped in, is noticed by ``hotline verify`` and on the desk's case page.
The head's tag also covers the case's signed decisions (``decisions``), so an
older status or reward, restored with its genuine signature, fails too.

The ledger (one row) holds how many cases there are and the XOR of an HMAC of
each case id: deleting a whole case changes both, and nobody without
``keys/`` can make them agree again. Stored formats (pinned by
tests/crypto/test_stored_formats.py)::

    link_0   = 32 zero bytes
    link_n   = SHA-256("hotline-case-link-v1" ‖ link_n-1 ‖ lp(decimal seq)
                       ‖ lp(item id) ‖ lp(authenticity))
    head tag = HMAC-SHA256(key_tag_key, "hotline-case-head-v1" ‖ lp(case id)
                       ‖ lp(decimal count) ‖ lp(link) ‖ lp(status proof or "")
                       ‖ lp(reward proof or ""))
    case mark  = HMAC-SHA256(key_tag_key, "hotline-case-v1" ‖ lp(case id))
    ledger tag = HMAC-SHA256(key_tag_key, "hotline-case-ledger-v1"
                       ‖ lp(decimal count) ‖ lp(XOR of every case mark))
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from hotline.models import Attachment, CaseLedger, Disclosure, Message
from hotline.sealing import authorship, trust

START = bytes(32)
LEDGER_ID = 1


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mac(tag_key: bytes, message: bytes) -> bytes:
    return hmac.new(tag_key, message, hashlib.sha256).digest()


@dataclass(frozen=True)
class Link:
    """What the chain covers of one item."""

    seq: int
    item_id: str
    authenticity: bytes


def next_link(previous: bytes, item: Link) -> bytes:
    return hashlib.sha256(
        b"hotline-case-link-v1"
        + previous
        + _lp(str(item.seq).encode())
        + _lp(item.item_id.encode())
        + _lp(item.authenticity)
    ).digest()


def head_tag(
    tag_key: bytes,
    disclosure_id: str,
    count: int,
    link: bytes,
    status_proof: bytes | None,
    reward_proof: bytes | None,
) -> bytes:
    return _mac(
        tag_key,
        b"hotline-case-head-v1"
        + _lp(disclosure_id.encode())
        + _lp(str(count).encode())
        + _lp(link)
        + _lp(status_proof or b"")
        + _lp(reward_proof or b""),
    )


def new_head(tag_key: bytes, disclosure_id: str, items: Sequence[Link]) -> dict[str, Any]:
    """The head columns of a case being filed with ``items`` (no decisions yet)."""
    link = START
    for item in items:
        link = next_link(link, item)
    return {
        "head_count": len(items),
        "head_link": link,
        "head_tag": head_tag(tag_key, disclosure_id, len(items), link, None, None),
    }


def retag(session: Session, disclosure: Disclosure) -> None:
    """Seal the case's head as it stands (after a decision, an append or a purge)."""
    disclosure.head_tag = head_tag(
        trust.instance_secrets(session).key_tag_key,
        disclosure.id,
        disclosure.head_count or 0,
        bytes(disclosure.head_link or START),
        disclosure.status_proof,
        disclosure.reward_proof,
    )


def holds(tag_key: bytes, disclosure: Disclosure) -> bool:
    """Whether the case's head is one the server sealed (its items aside)."""
    if disclosure.head_tag is None or disclosure.head_count is None:
        return False
    expected = head_tag(
        tag_key,
        disclosure.id,
        disclosure.head_count,
        bytes(disclosure.head_link or START),
        disclosure.status_proof,
        disclosure.reward_proof,
    )
    return hmac.compare_digest(expected, bytes(disclosure.head_tag))


def may_move(session: Session, disclosure: Disclosure) -> bool:
    """Whether the head may be moved or re-sealed: only one that holds. A head
    rewritten in the database (say, over a trimmed tail) is never re-sealed by
    the server, which would launder it; the append or decision still goes
    through, and the alarm is raised."""
    if holds(trust.instance_secrets(session).key_tag_key, disclosure):
        return True
    trust.raise_alarm(session, f"disclosures/{disclosure.id}", "the case's head fails its tag")
    return False


def append(session: Session, disclosure: Disclosure, item: Link) -> None:
    """Move the head past a new item, in the transaction that adds it."""
    if not may_move(session, disclosure):
        return
    disclosure.head_link = next_link(bytes(disclosure.head_link or START), item)
    disclosure.head_count = (disclosure.head_count or 0) + 1
    retag(session, disclosure)


def empty(session: Session, disclosure: Disclosure) -> None:
    """The head of a purged case, whose items are gone on purpose."""
    disclosure.head_count = 0
    disclosure.head_link = START
    retag(session, disclosure)


def items_of(session: Session, disclosure_id: str) -> list[Link]:
    """The case's numbered items, in order."""
    rows = [
        *session.execute(
            select(Message.seq, Message.id, Message.authenticity).where(
                Message.disclosure_id == disclosure_id
            )
        ),
        *session.execute(
            select(Attachment.seq, Attachment.id, Attachment.authenticity).where(
                Attachment.disclosure_id == disclosure_id, Attachment.seq.isnot(None)
            )
        ),
    ]
    return sorted(
        (Link(seq, item_id, bytes(proof or b"")) for seq, item_id, proof in rows),
        key=lambda link: (link.seq, link.item_id),
    )


def problem(tag_key: bytes, disclosure: Disclosure, items: Iterable[Link]) -> str | None:
    """What is wrong with the case's items against its head, or None."""
    if disclosure.head_tag is None or disclosure.head_count is None:
        return "the case has no head"
    count = disclosure.head_count
    if not holds(tag_key, disclosure):
        return "the case's head fails its tag"
    link = START
    seen = 0
    for item in items:
        seen += 1
        if item.seq != seen:
            if item.seq > seen:
                return f"item {seen} of {count} is missing"
            return f"item {item.seq} appears twice"
        link = next_link(link, item)
    if seen < count:
        return f"the last {count - seen} of {count} items are missing"
    if seen > count or link != bytes(disclosure.head_link or START):
        return "the items do not match the case's head"
    return None


def check(session: Session, disclosure: Disclosure) -> str | None:
    """:func:`problem` for one case, raising the alarm if there is one."""
    found = problem(
        trust.instance_secrets(session).key_tag_key,
        disclosure,
        items_of(session, disclosure.id),
    )
    if found is not None:
        trust.raise_alarm(session, f"disclosures/{disclosure.id}", found)
    return found


# --- the ledger of cases --------------------------------------------------------------


def case_mark(tag_key: bytes, disclosure_id: str) -> bytes:
    return _mac(tag_key, b"hotline-case-v1" + _lp(disclosure_id.encode()))


def ledger_tag(tag_key: bytes, count: int, digest: bytes) -> bytes:
    return _mac(tag_key, b"hotline-case-ledger-v1" + _lp(str(count).encode()) + _lp(digest))


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _digest_of(tag_key: bytes, ids: Iterable[str]) -> tuple[int, bytes]:
    count, digest = 0, START
    for disclosure_id in ids:
        count += 1
        digest = _xor(digest, case_mark(tag_key, disclosure_id))
    return count, digest


def seal_ledger(session: Session) -> None:
    """Make the ledger from the cases there are (a new instance, or the
    upgrading run of ``hotline init``: trust on upgrade)."""
    tag_key = trust.instance_secrets(session).key_tag_key
    count, digest = _digest_of(tag_key, session.scalars(select(Disclosure.id)))
    ledger = session.get(CaseLedger, LEDGER_ID)
    if ledger is None:
        ledger = CaseLedger(id=LEDGER_ID)
        session.add(ledger)
    ledger.count, ledger.digest = count, digest
    ledger.tag = ledger_tag(tag_key, count, digest)
    session.flush()


def _move(session: Session, disclosure_id: str, step: int) -> None:
    """Add (+1) or take away (-1) a case. Call after the case's row is
    written or deleted: the transaction then holds SQLite's write lock, and the
    ledger row is locked on PostgreSQL, so concurrent filings queue here.

    A missing or tampered ledger is left as it is (``hotline verify`` names
    it) and the alarm raised: it is never re-tagged, and no report is lost."""
    tag_key = trust.instance_secrets(session).key_tag_key
    row = session.execute(_LEDGER_FOR_UPDATE).one_or_none()
    stored_count, stored_digest, stored_tag = row if row is not None else (0, b"", b"")
    if row is None or not hmac.compare_digest(
        ledger_tag(tag_key, stored_count, bytes(stored_digest)), bytes(stored_tag)
    ):
        trust.raise_alarm(session, "case_ledger", "the case ledger is missing or fails its tag")
        return
    count = stored_count + step
    digest = _xor(bytes(stored_digest), case_mark(tag_key, disclosure_id))
    session.execute(
        _LEDGER_UPDATE,
        {"count": count, "digest": digest, "tag": ledger_tag(tag_key, count, digest)},
    )


_LEDGER_FOR_UPDATE = (
    select(CaseLedger.count, CaseLedger.digest, CaseLedger.tag)
    .where(CaseLedger.id == LEDGER_ID)
    .with_for_update()
)
_LEDGER_UPDATE = (
    update(CaseLedger)
    .where(CaseLedger.id == LEDGER_ID)
    .values(count=bindparam("count"), digest=bindparam("digest"), tag=bindparam("tag"))
    .execution_options(synchronize_session=False)
)


def case_added(session: Session, disclosure_id: str) -> None:
    _move(session, disclosure_id, 1)


def case_removed(session: Session, disclosure_id: str) -> None:
    _move(session, disclosure_id, -1)


def ledger_holds(session: Session) -> bool:
    """The ledger's own tag, without counting the cases (cheap)."""
    ledger = session.get(CaseLedger, LEDGER_ID)
    tag_key = trust.instance_secrets(session).key_tag_key
    return ledger is not None and hmac.compare_digest(
        ledger_tag(tag_key, ledger.count, bytes(ledger.digest)), bytes(ledger.tag)
    )


def ledger_problem(session: Session, tag_key: bytes) -> str | None:
    """Whether the cases there are are the cases the ledger counted."""
    ledger = session.get(CaseLedger, LEDGER_ID)
    if ledger is None:
        return "the case ledger is missing"
    if not hmac.compare_digest(
        ledger_tag(tag_key, ledger.count, bytes(ledger.digest)), bytes(ledger.tag)
    ):
        return "the case ledger fails its tag"
    count, digest = _digest_of(tag_key, session.scalars(select(Disclosure.id)))
    if count < ledger.count:
        return f"{ledger.count - count} of {ledger.count} cases are missing"
    if count != ledger.count or digest != bytes(ledger.digest):
        return "the cases do not match the case ledger"
    return None


def seal_stored(session: Session) -> int:
    """Trust on upgrade, in the run of ``hotline init`` that applies revision
    0010 (after messages and decisions are vouched for): number and tag the
    files stored before, give every case its head, and make the ledger.
    Returns how many cases."""
    tag_key = trust.instance_secrets(session).key_tag_key
    cases = 0
    for disclosure in session.scalars(select(Disclosure).order_by(Disclosure.id)):
        seq_of = {m.id: m.seq for m in disclosure.messages}
        unnumbered = sorted(
            (a for a in disclosure.attachments if a.seq is None),
            key=lambda a: (seq_of.get(a.message_id or "", 0), a.id),
        )
        for attachment in unnumbered:
            attachment.seq = disclosure.next_seq
            disclosure.next_seq += 1
            attachment.authenticity = authorship.server_tag(
                tag_key, authorship.attachment_statement(attachment)
            )
        session.flush()
        disclosure.head_count, disclosure.head_link = 0, START
        for item in items_of(session, disclosure.id):
            disclosure.head_link = next_link(bytes(disclosure.head_link), item)
            disclosure.head_count += 1
        retag(session, disclosure)
        cases += 1
    seal_ledger(session)
    return cases
