"""Officers' decisions, signed like their words: a case's status, its reward,
and a codename-register request's approval or refusal.

Each is a state kept in its row; the officer who changes it signs the state
they leave (``authorship.statement`` with author kind ``officer``, seq 0, and
for ciphertext the state, a stored format)::

    status   item id = case id,    kind "status":
             "status=<s>|outcome=<o>|acknowledged_on=<d>|feedback_due=<d>|closed_on=<d>"
    reward   item id = case id,    kind "reward":
             "state=<s>|collected=<n>|reward=<n>|assessed_on=<d>|approved_on=<d>
              |paid_on=<d>|assessed_by=<id>|approved_by=<id>"
    register item id = request id, kind "register":
             "status=<s>|requester=<id>|decided_on=<d>|release=<hex SHA-256 of the release>"

(empty for what is unset, dates ISO 8601). A proof is the officer's
``0x03 ‖ signed at ‖ signature`` (``authorship``) or,
for a state stored before revision 0010, ``0x01 ‖ the server's tag`` (trust on
upgrade). The state a row is made in (received; not eligible; pending) needs
none. A state whose proof fails is never acted on: the reporter does not see
it, a forged approval counts for nothing, a forged release releases nothing;
the desk shows it as unverified, and the alarm is raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto.signing import SigningKey
from hotline.models import ContactRequest, Disclosure
from hotline.procedure import AuthorKind, Outcome, RequestStatus, RewardState, Status
from hotline.sealing import authorship, case_heads, trust


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _state(**values: object) -> bytes:
    return "|".join(f"{name}={_text(value)}" for name, value in values.items()).encode()


def status_state(disclosure: Disclosure) -> bytes:
    return _state(
        status=disclosure.status,
        outcome=disclosure.outcome,
        acknowledged_on=disclosure.acknowledged_on,
        feedback_due=disclosure.feedback_due,
        closed_on=disclosure.closed_on,
    )


def reward_state(disclosure: Disclosure) -> bytes:
    return _state(
        state=disclosure.reward_state,
        collected=disclosure.collected_minor,
        reward=disclosure.reward_minor,
        assessed_on=disclosure.reward_assessed_on,
        approved_on=disclosure.reward_approved_on,
        paid_on=disclosure.reward_paid_on,
        assessed_by=disclosure.reward_assessed_by,
        approved_by=disclosure.reward_approved_by,
    )


def register_state(request: ContactRequest) -> bytes:
    release = request.sealed_for_requester
    return _state(
        status=request.status,
        requester=request.officer_id,
        decided_on=request.decided_on,
        release=hashlib.sha256(bytes(release)).hexdigest() if release is not None else "",
    )


def _statement(disclosure_id: str, item_id: str, kind: str, by: int | None, state: bytes) -> bytes:
    return authorship.statement(
        disclosure_id=disclosure_id,
        item_id=item_id,
        author_kind=AuthorKind.OFFICER,
        officer_id=by,
        seq=0,
        ciphertext=state,
        kind=kind,
    )


def _status_statement(disclosure: Disclosure) -> bytes:
    return _statement(
        disclosure.id, disclosure.id, "status", disclosure.status_by, status_state(disclosure)
    )


def _reward_statement(disclosure: Disclosure) -> bytes:
    return _statement(
        disclosure.id, disclosure.id, "reward", disclosure.reward_by, reward_state(disclosure)
    )


def _register_statement(request: ContactRequest) -> bytes:
    return _statement(
        request.disclosure_id, request.id, "register", request.decided_by, register_state(request)
    )


# --- signing ------------------------------------------------------------------------


def sign_status(session: Session, disclosure: Disclosure, by: int, signer: SigningKey) -> None:
    """Sign the case's status as it now stands, and seal the case's head over
    it (unless the head was already rewritten: ``case_heads.may_move``)."""
    sealed = case_heads.may_move(session, disclosure)
    disclosure.status_by = by
    disclosure.status_proof = authorship.officer_proof(signer, _status_statement(disclosure))
    if sealed:
        case_heads.retag(session, disclosure)


def sign_reward(session: Session, disclosure: Disclosure, by: int, signer: SigningKey) -> None:
    sealed = case_heads.may_move(session, disclosure)
    disclosure.reward_by = by
    disclosure.reward_proof = authorship.officer_proof(signer, _reward_statement(disclosure))
    if sealed:
        case_heads.retag(session, disclosure)


def sign_register(request: ContactRequest, signer: SigningKey) -> None:
    """Sign a decided request (``decided_by`` set)."""
    request.decision_proof = authorship.officer_proof(signer, _register_statement(request))


# --- checking -----------------------------------------------------------------------


def _initial_status(d: Disclosure) -> bool:
    return d.status == Status.RECEIVED and not any(
        (d.outcome, d.acknowledged_on, d.feedback_due, d.closed_on, d.status_by)
    )


def _initial_reward(d: Disclosure) -> bool:
    return d.reward_state == RewardState.NOT_ELIGIBLE and all(
        value is None
        for value in (
            d.collected_minor,
            d.reward_minor,
            d.reward_assessed_on,
            d.reward_approved_on,
            d.reward_paid_on,
            d.reward_assessed_by,
            d.reward_approved_by,
            d.reward_by,
        )
    )


def _pending(r: ContactRequest) -> bool:
    return (
        r.status == RequestStatus.PENDING
        and r.decided_by is None
        and r.decided_on is None
        and r.sealed_for_requester is None
    )


def _holds(
    checker: authorship.Checker,
    proof: bytes | None,
    by: int | None,
    statement: Callable[[], bytes],
    initial: bool,
) -> bool:
    if proof is None:
        return initial
    return checker.proof_holds(bytes(proof), statement(), by)


def status_holds(checker: authorship.Checker, disclosure: Disclosure) -> bool:
    return _holds(
        checker,
        disclosure.status_proof,
        disclosure.status_by,
        lambda: _status_statement(disclosure),
        _initial_status(disclosure),
    )


def reward_holds(checker: authorship.Checker, disclosure: Disclosure) -> bool:
    return _holds(
        checker,
        disclosure.reward_proof,
        disclosure.reward_by,
        lambda: _reward_statement(disclosure),
        _initial_reward(disclosure),
    )


def register_holds(checker: authorship.Checker, request: ContactRequest) -> bool:
    return _holds(
        checker,
        request.decision_proof,
        request.decided_by,
        lambda: _register_statement(request),
        _pending(request),
    )


def check_status(session: Session, disclosure: Disclosure) -> bool:
    """:func:`status_holds`, raising the alarm when it does not."""
    if status_holds(authorship.Checker(session), disclosure):
        return True
    trust.raise_alarm(session, f"disclosures/{disclosure.id}/status", "unverifiable decision")
    return False


def unverified_statuses(session: Session, disclosures: Iterable[Disclosure]) -> set[str]:
    """The ids of those cases whose status fails its proof, raising the alarm for
    each: what a list of cases checks for the rows it shows (one checker, so each
    officer's keys are looked up once)."""
    checker = authorship.Checker(session)
    failed = set()
    for disclosure in disclosures:
        if not status_holds(checker, disclosure):
            row = f"disclosures/{disclosure.id}/status"
            trust.raise_alarm(session, row, "unverifiable decision")
            failed.add(disclosure.id)
    return failed


def check_reward(session: Session, disclosure: Disclosure) -> bool:
    if reward_holds(authorship.Checker(session), disclosure):
        return True
    trust.raise_alarm(session, f"disclosures/{disclosure.id}/reward", "unverifiable decision")
    return False


def check_register(session: Session, request: ContactRequest) -> bool:
    if register_holds(authorship.Checker(session), request):
        return True
    trust.raise_alarm(session, f"contact_requests/{request.id}", "unverifiable decision")
    return False


@dataclass(frozen=True)
class ForReporter:
    """What a reporter is told of a case's state: only what verifies. An
    unverifiable status shows as received, an unverifiable reward as not
    eligible (what every case starts as), and the alarm is raised."""

    status: Status
    outcome: Outcome | None
    reward_state: RewardState
    reward_minor: int | None


def for_reporter(session: Session, disclosure: Disclosure) -> ForReporter:
    status_ok = check_status(session, disclosure)
    reward_ok = check_reward(session, disclosure)
    closed = status_ok and disclosure.status == Status.CLOSED
    return ForReporter(
        status=disclosure.status if status_ok else Status.RECEIVED,
        outcome=disclosure.outcome if closed else None,
        reward_state=disclosure.reward_state if reward_ok else RewardState.NOT_ELIGIBLE,
        reward_minor=disclosure.reward_minor if reward_ok else None,
    )


def vouch_for_stored(session: Session) -> int:
    """Trust on upgrade: the server's tag on every decision stored before
    revision 0010. Run only by ``hotline init`` in the upgrading run."""
    tag_key = trust.instance_secrets(session).key_tag_key
    count = 0
    for disclosure in session.scalars(select(Disclosure)):
        if not _initial_status(disclosure):
            disclosure.status_proof = authorship.server_tag(tag_key, _status_statement(disclosure))
            count += 1
        if not _initial_reward(disclosure):
            disclosure.reward_proof = authorship.server_tag(tag_key, _reward_statement(disclosure))
            count += 1
    for request in session.scalars(select(ContactRequest)):
        if not _pending(request):
            request.decision_proof = authorship.server_tag(tag_key, _register_statement(request))
            count += 1
    return count
