"""Test vectors for the stored formats of revision 0010: files' server tags,
officers' decisions, case heads and the case ledger, officers' signing-key
history and the time-stamped signature. Each constant was made
once by the code as written; each check also spells the format out byte for
byte, so a change to either fails here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from hotline.crypto import signing
from hotline.crypto.signing import SigningKey
from hotline.models import ContactRequest, Disclosure
from hotline.procedure import AuthorKind, Outcome, RequestStatus, RewardState, Status
from hotline.sealing import authorship, case_heads, decisions, signing_keys

KEY = b"t" * 32
CASE = "d" * 32
FILE_TAG = "01bbbdea3edc60c1fade6d4c92fd325ecfa6306814ca8d0b554f7243e0507fcf77"
LINK = "2f70f155d5a5988cdfd1c203134dd2cd57ab56c83ea0a500477439c9a2e41670"
HEAD = "90f02bc71d0209f7cf1cfc532aebe71f50f816d283469f04b321b28bcac4c6e8"
MARK = "6f228ca31e57834cd796837730739adf46c72aae68bd1f30fb0958a07237e6a9"
LEDGER = "e4a735ac46fcaec76130e1bee2997531907d44c53c31a722bb3c2d48d3da55b4"


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def _mac(message: bytes) -> bytes:
    return hmac.new(KEY, message, hashlib.sha256).digest()


def test_a_files_server_tag_is_unchanged() -> None:
    row = {
        "disclosure_id": CASE,
        "id": "a" * 32,
        "message_id": "m" * 32,
        "name": b"N",
        "media_type": b"T",
        "content": b"C",
        "seq": 3,
    }
    tag = authorship.server_tag(KEY, authorship.attachment_statement(row))
    assert tag.hex() == FILE_TAG
    sealed = _lp(b"m" * 32) + _lp(b"N") + _lp(b"T") + _lp(b"C")
    parts = (CASE.encode(), b"a" * 32, b"attachment", b"reporter", b"", b"3", sealed)
    spelled = b"hotline-item-v1" + b"".join(_lp(p) for p in parts)
    assert tag == b"\x01" + _mac(spelled)


def test_decision_states_and_statements_are_unchanged() -> None:
    disclosure = Disclosure(
        id=CASE,
        status=Status.CLOSED,
        outcome=Outcome.SUBSTANTIATED,
        acknowledged_on=dt.date(2026, 1, 2),
        feedback_due=dt.date(2026, 4, 2),
        closed_on=dt.date(2026, 3, 1),
        reward_state=RewardState.APPROVED,
        collected_minor=1000,
        reward_minor=100,
        reward_assessed_on=dt.date(2026, 3, 2),
        reward_approved_on=dt.date(2026, 3, 3),
        reward_assessed_by=4,
        reward_approved_by=5,
    )
    assert decisions.status_state(disclosure) == (
        b"status=closed|outcome=substantiated|acknowledged_on=2026-01-02"
        b"|feedback_due=2026-04-02|closed_on=2026-03-01"
    )
    assert decisions.reward_state(disclosure) == (
        b"state=approved|collected=1000|reward=100|assessed_on=2026-03-02"
        b"|approved_on=2026-03-03|paid_on=|assessed_by=4|approved_by=5"
    )
    request = ContactRequest(
        id="r" * 32,
        disclosure_id=CASE,
        officer_id=4,
        status=RequestStatus.APPROVED,
        decided_by=5,
        decided_on=dt.date(2026, 3, 4),
        sealed_for_requester=b"x",
    )
    assert decisions.register_state(request) == (
        b"status=approved|requester=4|decided_on=2026-03-04|release="
        + hashlib.sha256(b"x").hexdigest().encode()
    )
    statement = authorship.statement(
        disclosure_id=CASE,
        item_id=CASE,
        author_kind=AuthorKind.OFFICER,
        officer_id=7,
        seq=0,
        ciphertext=b"S",
        kind="status",
    )
    parts = (CASE.encode(), CASE.encode(), b"status", b"officer", b"7", b"0", b"S")
    assert statement == b"hotline-item-v1" + b"".join(_lp(p) for p in parts)


def test_the_case_head_and_ledger_are_unchanged() -> None:
    link = case_heads.next_link(case_heads.START, case_heads.Link(1, "m" * 32, b"\x01proof"))
    assert link.hex() == LINK
    assert (
        link
        == hashlib.sha256(
            b"hotline-case-link-v1" + bytes(32) + _lp(b"1") + _lp(b"m" * 32) + _lp(b"\x01proof")
        ).digest()
    )
    head = case_heads.head_tag(KEY, CASE, 1, link, b"\x02s", None)
    assert head.hex() == HEAD
    assert head == _mac(
        b"hotline-case-head-v1"
        + _lp(CASE.encode())
        + _lp(b"1")
        + _lp(link)
        + _lp(b"\x02s")
        + _lp(b"")
    )
    mark = case_heads.case_mark(KEY, CASE)
    assert mark.hex() == MARK
    assert mark == _mac(b"hotline-case-v1" + _lp(CASE.encode()))
    ledger = case_heads.ledger_tag(KEY, 1, mark)
    assert ledger.hex() == LEDGER
    assert ledger == _mac(b"hotline-case-ledger-v1" + _lp(b"1") + _lp(mark))


RETIRED = "e55b0c4097b68772e27e798cd78fc6c42d47f92dedcb96b718541995f93d3064"
CURRENT = "d9ad52a3554d87e95c4ae8b1c8b7a6493420fb24d0124a94da6944739c812283"


def test_the_signing_key_history_tag_is_unchanged() -> None:
    public = bytes(range(32))
    retired = signing_keys.history_tag(KEY, 7, 2, public, 1000, 2000)
    current = signing_keys.history_tag(KEY, 7, 3, public, 2000, None)
    assert (retired.hex(), current.hex()) == (RETIRED, CURRENT)
    spelled = b"hotline-signing-key-v1" + b"".join(
        _lp(p) for p in (b"7", b"3", public, b"2000", b"")
    )
    assert current == _mac(spelled)


def test_an_officers_signature_has_the_documented_layout() -> None:
    signer = SigningKey(bytes(range(64)))
    text = b"a statement"
    proof = authorship.officer_proof(signer, text)
    assert proof[:1] == b"\x03"
    moment = int.from_bytes(proof[1:9], "big")
    assert abs(moment - signing_keys.now_us()) < 60_000_000
    signed = b"hotline-signed-v2" + _lp(str(moment).encode()) + text
    assert signing.verify(signer.public_bytes(), signed, proof[9:])
    assert len(proof) == 9 + signing.SIGNATURE_BYTES
