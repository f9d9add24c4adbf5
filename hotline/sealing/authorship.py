"""Who wrote each item, in a form the database cannot forge.

Sealing needs only public keys, so a database writer could otherwise add a
message with ``author_kind='officer'`` and have it shown to the reporter as a
reply. Each message carries ``authenticity``:

* ``0x03 ‖ signed at (8 bytes, big-endian microseconds since 1970 UTC) ‖
  signature``: an officer's Ed25519 ‖ ML-DSA-65 signature (``crypto.signing``)
  over ``"hotline-signed-v2" ‖ lp(decimal signed at) ‖ statement`` with the
  signing key their password unwraps. It verifies only against the officer's
  key that was valid at that moment (``signing_keys``: every key they have
  had, tagged under ``keys/`` with its validity), so a reset keeps their
  earlier items verifiable and a retired key signs nothing new;
* ``0x01 ‖ HMAC-SHA256(keys/key_tag_key, statement)``: the server's tag, for
  what reporters and channels send, and (trust on upgrade) for every message
  stored before revision 0006, and every ``0x02`` signature (the format of
  revisions 0006 to 0009, which named no time) found valid at revision 0010.

Both cover the statement (a stored format)::

    "hotline-item-v1" ‖ lp(case id) ‖ lp(item id) ‖ lp("message")
    ‖ lp(author kind) ‖ lp(officer id or "") ‖ lp(decimal seq) ‖ lp(ciphertext)

Files carry the server's tag over the same statement with kind
``"attachment"``, author ``reporter`` (only reporters' channels store files),
their ``seq``, and for ciphertext ``lp(message id or "") ‖ lp(name) ‖
lp(media type) ‖ lp(content)`` (the three sealed columns), so a file swapped,
moved to another case or message, or renumbered fails.

An item whose authenticity fails is never shown to the reporter, is shown on
the desk as unverified, and raises the alarm for the administrators.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.crypto import key_tags, signing
from hotline.crypto.signing import SigningKey
from hotline.models import Attachment, Message, Officer
from hotline.procedure import AuthorKind
from hotline.sealing import signing_keys, trust

SERVER = b"\x01"
OFFICER = b"\x02"
SIGNED = b"\x03"
SIGNED_STATEMENT = b"hotline-signed-v2"
STATEMENT = b"hotline-item-v1"
SIGNING_PURPOSE = "signing"


def _lp(value: bytes) -> bytes:
    return len(value).to_bytes(4, "big") + value


def statement(
    *,
    disclosure_id: str,
    item_id: str,
    author_kind: str,
    officer_id: int | None,
    seq: int,
    ciphertext: bytes,
    kind: str = "message",
) -> bytes:
    parts = [
        disclosure_id.encode(),
        item_id.encode(),
        kind.encode(),
        str(author_kind).encode(),
        b"" if officer_id is None else str(officer_id).encode(),
        str(seq).encode(),
        ciphertext,
    ]
    return STATEMENT + b"".join(_lp(part) for part in parts)


def _statement_of(row: Mapping[str, Any] | Message) -> bytes:
    values: Mapping[str, Any] = (
        row if not isinstance(row, Message) else {name: getattr(row, name) for name in _STATED}
    )
    return statement(
        disclosure_id=values["disclosure_id"],
        item_id=values["id"],
        author_kind=values["author_kind"],
        officer_id=values.get("officer_id"),
        seq=values["seq"],
        ciphertext=bytes(values["body"]),
    )


_STATED = ("disclosure_id", "id", "author_kind", "officer_id", "seq", "body")


def attachment_statement(row: Mapping[str, Any] | Attachment) -> bytes:
    values: Mapping[str, Any] = (
        row if not isinstance(row, Attachment) else {name: getattr(row, name) for name in _FILED}
    )
    sealed = b"".join(
        _lp(part)
        for part in (
            (values.get("message_id") or "").encode(),
            bytes(values["name"]),
            bytes(values["media_type"]),
            bytes(values["content"]),
        )
    )
    return statement(
        disclosure_id=values["disclosure_id"],
        item_id=values["id"],
        author_kind=AuthorKind.REPORTER,
        officer_id=None,
        seq=values["seq"] or 0,
        ciphertext=sealed,
        kind="attachment",
    )


_FILED = ("disclosure_id", "id", "message_id", "name", "media_type", "content", "seq")


def tag_attachment(tag_key: bytes, row: dict[str, Any]) -> None:
    """Tag a file row (not yet written; its ``seq`` set)."""
    row["authenticity"] = server_tag(tag_key, attachment_statement(row))


def attachment_holds(tag_key: bytes, attachment: Attachment) -> bool:
    proof = attachment.authenticity
    return proof is not None and hmac.compare_digest(
        bytes(proof), server_tag(tag_key, attachment_statement(attachment))
    )


def server_tag(tag_key: bytes, message: bytes) -> bytes:
    return SERVER + hmac.new(tag_key, message, hashlib.sha256).digest()


def vouch_by_server(session: Session, row: dict[str, Any]) -> None:
    """Tag a reporter's or channel's message row (not yet written)."""
    row["authenticity"] = server_tag(
        trust.instance_secrets(session).key_tag_key, _statement_of(row)
    )


def _signed_text(moment: int, text: bytes) -> bytes:
    return SIGNED_STATEMENT + _lp(str(moment).encode()) + text


def officer_proof(signer: SigningKey, text: bytes) -> bytes:
    """``0x03 ‖ now ‖ signature`` over ``text`` and the moment of signing."""
    moment = signing_keys.now_us()
    return SIGNED + moment.to_bytes(8, "big") + signer.sign(_signed_text(moment, text))


def sign_by_officer(row: dict[str, Any], signer: SigningKey) -> None:
    """Sign an officer's message row (not yet written)."""
    row["authenticity"] = officer_proof(signer, _statement_of(row))


# --- officers' signing keys -------------------------------------------------------


def signing_key_tag(tag_key: bytes, officer_id: int, public: bytes) -> bytes:
    return key_tags.key_tag(
        tag_key,
        purpose=SIGNING_PURPOSE,
        owner=f"officer:{officer_id}",
        version=1,
        public_key=public,
    )


def set_signing_key(session: Session, officer: Officer, signer: SigningKey) -> None:
    """Store the public half of a new signing key, tagged."""
    public = signer.public_bytes()
    officer.signing_public_key = public
    officer.signing_key_tag = signing_key_tag(
        trust.instance_secrets(session).key_tag_key, officer.id, public
    )
    signing_keys.add_key(session, officer, public)


def signing_key_holds(tag_key: bytes, officer: Officer) -> bool:
    public = officer.signing_public_key
    tag = officer.signing_key_tag
    if public is None or tag is None:
        return False
    expected = signing_key_tag(tag_key, officer.id, public)
    return hmac.compare_digest(expected, bytes(tag))


# --- checking -----------------------------------------------------------------------


class Checker:
    """Checks messages and decisions, looking each author's keys up once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tag_key = trust.instance_secrets(session).key_tag_key
        self._keys: dict[int, list[signing_keys.ValidKey]] = {}

    def _officer_keys(self, officer_id: int) -> list[signing_keys.ValidKey]:
        if officer_id not in self._keys:
            officer = self.session.get(Officer, officer_id)
            if officer is None:
                self._keys[officer_id] = []
                return []
            if officer.signing_public_key is not None and not signing_key_holds(
                self.tag_key, officer
            ):
                # The current key swapped: the alarm, whatever the history says.
                trust.raise_alarm(
                    self.session, f"officers/{officer_id}", "signing key fails its tag"
                )
            self._keys[officer_id] = signing_keys.keys_of(self.session, officer_id)
        return self._keys[officer_id]

    def holds(self, message: Message) -> bool:
        """Whether the message is what its author wrote, where they wrote it."""
        proof = message.authenticity
        if proof is None or len(proof) < 1:
            return False
        if message.author_kind == AuthorKind.REPORTER and bytes(proof[:1]) != SERVER:
            return False
        return self.proof_holds(bytes(proof), _statement_of(message), message.officer_id)

    def proof_holds(self, proof: bytes, text: bytes, officer_id: int | None) -> bool:
        """Whether ``proof`` is the server's tag over ``text``, or ``officer_id``'s
        signature over it with the key they held when they signed."""
        if proof[:1] == SERVER:
            return hmac.compare_digest(proof, server_tag(self.tag_key, text))
        if proof[:1] != SIGNED or officer_id is None or len(proof) < 9:
            return False
        moment = int.from_bytes(proof[1:9], "big")
        signed = _signed_text(moment, text)
        return any(
            key.covers(moment) and signing.verify(key.public_key, signed, proof[9:])
            for key in self._officer_keys(officer_id)
        )

    def check(self, message: Message) -> bool:
        """:meth:`holds`, raising the alarm for a message that fails."""
        if self.holds(message):
            return True
        trust.raise_alarm(self.session, f"messages/{message.id}", "unverifiable item")
        return False

    def verified(self, messages: Iterable[Message]) -> list[Message]:
        """The messages that hold; the alarm is raised for the rest."""
        return [message for message in messages if self.check(message)]


def vouch_for_stored(session: Session) -> int:
    """Trust on upgrade: the server's tag on every message stored before
    revision 0006. Run only by ``hotline init`` in the upgrading run."""
    tag_key = trust.instance_secrets(session).key_tag_key
    count = 0
    for message in session.scalars(select(Message).where(Message.authenticity.is_(None))):
        message.authenticity = server_tag(tag_key, _statement_of(message))
        count += 1
    return count


def vouch_for_signed(session: Session) -> int:
    """Trust on upgrade (revision 0010): a ``0x02`` signature of revisions
    0006 to 0009 named no time, so it could not tell a retired key from the
    current one; each that verifies now becomes the server's tag."""
    tag_key = trust.instance_secrets(session).key_tag_key
    count = 0
    signed = select(Message).where(Message.authenticity.isnot(None))
    for message in session.scalars(signed).yield_per(500):
        proof = bytes(message.authenticity or b"")
        officer = session.get(Officer, message.officer_id) if message.officer_id else None
        if proof[:1] != OFFICER or officer is None or officer.signing_public_key is None:
            continue
        text = _statement_of(message)
        if signing_key_holds(tag_key, officer) and signing.verify(
            bytes(officer.signing_public_key), text, proof[1:]
        ):
            message.authenticity = server_tag(tag_key, text)
            count += 1
    return count
