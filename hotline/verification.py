"""``hotline verify``: every tag, signature and the audit chain, checked at once.

Someone who can write to the database but not read ``keys/`` cannot make a
key tag, an officer's signature, the server's tag on an item or an audit link,
so every change they make shows here: each kind of row is checked, the first
bad row of each kind is named, and any failure makes the command exit non-zero.
The desk runs the cheap part (the instance's keys, :func:`check_keys_cheaply`)
at every sign-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import verify as verify_audit
from hotline.crypto.keyring import InstanceSecrets
from hotline.models import (
    Attachment,
    ContactRequest,
    Disclosure,
    InstanceKey,
    Message,
    Officer,
    OfficerSigningKey,
    Queue,
    Reporter,
)
from hotline.sealing import authorship, case_heads, decisions, signing_keys, trust

BATCH = 500


@dataclass
class KindChecked:
    """One kind of row: how many were checked, how many failed, the first bad one."""

    kind: str
    checked: int = 0
    failed: int = 0
    first_bad: str | None = None

    def add(self, row: str, ok: bool) -> None:
        self.checked += 1
        if not ok:
            self.failed += 1
            if self.first_bad is None:
                self.first_bad = row


@dataclass
class Verification:
    kinds: list[KindChecked] = field(default_factory=list)
    audit_ok: bool = True
    audit_events: int = 0
    audit_problem: str = ""
    open_alarms: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.audit_ok and not self.open_alarms and all(k.failed == 0 for k in self.kinds)


def _keyed(session: Session) -> Iterable[tuple[str, Iterable[trust.Keyed]]]:
    yield "queue keys", session.scalars(select(Queue))
    yield "instance keys", session.scalars(select(InstanceKey))
    yield "officer keys", session.scalars(select(Officer))
    yield "reporter keys", session.scalars(select(Reporter)).yield_per(BATCH)


def _keys(session: Session, tag_key: bytes) -> Iterable[KindChecked]:
    for kind, rows in _keyed(session):
        checked = KindChecked(kind)
        for item in rows:
            checked.add(trust.row_name(item), trust.holds(tag_key, item))
        yield checked


def verify_instance(
    session: Session,
    secrets: InstanceSecrets,
    *,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check everything; ``progress(n)`` is called as each batch of messages is done."""
    result = Verification()
    result.kinds.extend(_keys(session, secrets.key_tag_key))
    signing = KindChecked("officer signing keys")
    for officer in session.scalars(select(Officer).where(Officer.signing_public_key.isnot(None))):
        signing.add(
            f"officers/{officer.id}", authorship.signing_key_holds(secrets.key_tag_key, officer)
        )
    result.kinds.append(signing)
    history = KindChecked("officer signing key history")
    for key in session.scalars(select(OfficerSigningKey).order_by(OfficerSigningKey.id)):
        history.add(f"officer_signing_keys/{key.id}", signing_keys.holds(secrets.key_tag_key, key))
    result.kinds.append(history)
    messages = KindChecked("messages (signatures and server tags)")
    checker = authorship.Checker(session)
    done = 0
    for message in session.scalars(select(Message).order_by(Message.id)).yield_per(BATCH):
        messages.add(f"messages/{message.id}", checker.holds(message))
        done += 1
        if progress is not None and done % BATCH == 0:
            progress(BATCH)
    if progress is not None and done % BATCH:
        progress(done % BATCH)
    result.kinds.append(messages)
    result.kinds.extend(_cases(session, secrets.key_tag_key, checker))
    audit = verify_audit(session, secrets.audit_key)
    result.audit_ok = audit.ok
    result.audit_events = audit.events
    if not audit.ok:
        result.audit_problem = f"broken at event {audit.first_broken}: {audit.reason}"
    result.open_alarms = [alarm.row for alarm in trust.open_alarms(session)]
    return result


def raise_alarms(session: Session, result: Verification) -> None:
    """Name each failing kind's first bad row (and a broken audit chain) to every
    administrator on the desk, as the desk's own checks do: a timer runs
    ``hotline verify`` hourly, and nobody reads its output."""
    for kind in result.kinds:
        if kind.failed and kind.first_bad is not None:
            trust.raise_alarm(session, kind.first_bad, f"{kind.failed} {kind.kind} failed")
    if not result.audit_ok:
        trust.raise_alarm(session, "audit_events", result.audit_problem)


def _cases(session: Session, tag_key: bytes, checker: authorship.Checker) -> Iterable[KindChecked]:
    """Files' tags, decisions' signatures, each case's head, and the ledger."""
    files = KindChecked("files (server tags)")
    for attachment in session.scalars(select(Attachment).order_by(Attachment.id)).yield_per(BATCH):
        files.add(f"attachments/{attachment.id}", authorship.attachment_holds(tag_key, attachment))
    made = KindChecked("decisions (status, reward, register)")
    heads = KindChecked("case heads (deleted or added items)")
    for disclosure in session.scalars(select(Disclosure).order_by(Disclosure.id)).yield_per(BATCH):
        row = f"disclosures/{disclosure.id}"
        made.add(row + "/status", decisions.status_holds(checker, disclosure))
        made.add(row + "/reward", decisions.reward_holds(checker, disclosure))
        found = case_heads.problem(tag_key, disclosure, case_heads.items_of(session, disclosure.id))
        heads.add(row + (f" ({found})" if found else ""), found is None)
    for request in session.scalars(select(ContactRequest).order_by(ContactRequest.id)):
        made.add(f"contact_requests/{request.id}", decisions.register_holds(checker, request))
    ledger = KindChecked("case ledger (deleted cases)")
    found = case_heads.ledger_problem(session, tag_key)
    ledger.add("case_ledger" + (f" ({found})" if found else ""), found is None)
    return files, made, heads, ledger


def message_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Message)) or 0


def check_keys_cheaply(session: Session) -> None:
    """At sign-in: the queue and instance keys (a handful of rows) and the case
    ledger's own tag (one row), alarming on any that fails. The full check,
    the ledger against every case included, is ``hotline verify``."""
    rows: list[trust.Keyed] = [
        *session.scalars(select(Queue)),
        *session.scalars(select(InstanceKey)),
    ]
    for item in rows:
        trust.check(session, item)
    if not case_heads.ledger_holds(session):
        trust.raise_alarm(session, "case_ledger", "the case ledger is missing or fails its tag")
