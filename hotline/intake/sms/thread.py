"""The SMS thread: its keys, its sealed state, its expiry and where it is kept.

No phone number is stored. A thread is found by ``keyed_hash("sms-thread", From)``
(useless without the pepper) and its state is sealed with ChaCha20-Poly1305
under a key derived with HKDF from the pepper *and* ``From``. The server can
read the state only while that sender is talking to it; the database plus the
keys directory do not list who reported. Threads expire 30 minutes after the
last message and are deleted on ``DONE``; expired ones are swept on every call.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.crypto import aead
from hotline.crypto.keyring import InstanceSecrets
from hotline.models import SmsThread, utcnow
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category

#: A thread lives this long after its last message.
THREAD_LIFETIME = dt.timedelta(minutes=30)
STATE_LABEL = b"sms-thread-state"
STATE_VERSION = b"\x01"


@dataclass(repr=False)
class ThreadState:
    """What a thread remembers between messages; only ever stored sealed."""

    language: str = DEFAULT_LANGUAGE
    #: Kept as its plain string in the sealed JSON, as it always was.
    category: Category | None = None
    reporter_id: str | None = None
    disclosure_id: str | None = None
    reference: str | None = None
    #: The new codename, until DONE repeats it (sealed; deleted with the thread).
    codename: str | None = None
    parts: int = 0
    #: Replies waiting for MORE.
    pages: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # never show the codename or pages
        return f"ThreadState({self.language}, {self.category}, parts={self.parts})"

    def is_blank(self) -> bool:
        """Nothing worth keeping: such a thread is not stored at all."""
        return self == ThreadState()

    def reset(self) -> None:
        """Forget the report in progress; keep only the language."""
        language = self.language
        self.__dict__.update(asdict(ThreadState(language=language)))


def thread_keys(instance_secrets: InstanceSecrets, sender: str) -> tuple[str, bytes]:
    """The thread's lookup key and the key that seals its state.

    Both need the pepper *and* the sender's number, which the server has only
    while that sender is talking to it: the database alone tells no one which
    number is in a dialogue, or what the dialogue holds.
    """
    sender_key = instance_secrets.keyed_hash("sms-thread", sender)
    state_key = HKDF(algorithm=SHA256(), length=32, salt=STATE_LABEL, info=STATE_LABEL).derive(
        instance_secrets.pepper + b"|" + sender.encode("utf-8")
    )
    return sender_key, state_key


def seal_state(state: ThreadState, state_key: bytes, sender_key: str) -> bytes:
    """The state, AEAD-encrypted and bound to its thread (a row copied onto
    another thread does not open)."""
    plaintext = json.dumps(asdict(state), ensure_ascii=False, separators=(",", ":"))
    return STATE_VERSION + aead.seal(state_key, plaintext.encode("utf-8"), _binding(sender_key))


def _binding(sender_key: str) -> bytes:
    return STATE_LABEL + b"|" + sender_key.encode()


def open_state(sealed: bytes, state_key: bytes, sender_key: str) -> ThreadState | None:
    """The state, or None when it does not open (then the thread starts over)."""
    if not sealed.startswith(STATE_VERSION):
        return None
    try:
        plaintext = aead.open(state_key, sealed[len(STATE_VERSION) :], _binding(sender_key))
        data = json.loads(plaintext.decode("utf-8"))
    except (aead.CannotOpen, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    known = {f.name for f in fields(ThreadState)}
    try:
        state = ThreadState(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return None
    if state.language not in LANGUAGES:
        state.language = DEFAULT_LANGUAGE
    state.category = Category.parse(state.category) if state.category is not None else None
    return state


def sweep_expired(session: Session, now: dt.datetime) -> None:
    """Delete every thread past its expiry (compared in SQL: SQLite keeps no zone)."""
    session.execute(delete(SmsThread).where(SmsThread.expires_at <= now))


def read_thread(session: Session, sender_key: str, state_key: bytes) -> ThreadState | None:
    """The live state of a thread, for the webhook and tests; None if there is none."""
    row = session.scalars(
        select(SmsThread).where(SmsThread.key_hash == sender_key, SmsThread.expires_at > utcnow())
    ).first()
    return None if row is None else open_state(row.sealed_state, state_key, sender_key)


def lock_thread(
    session: Session, sender_key: str, state_key: bytes
) -> tuple[SmsThread | None, ThreadState | None]:
    """The thread's row, locked until the caller commits (two messages of one
    sender on two workers take turns), and its state if it opens."""
    row = session.get(SmsThread, sender_key, with_for_update=True)
    state = open_state(row.sealed_state, state_key, sender_key) if row is not None else None
    return row, state


def keep_thread(
    session: Session,
    row: SmsThread | None,
    state: ThreadState,
    *,
    sender_key: str,
    state_key: bytes,
    now: dt.datetime,
) -> None:
    """Store the state sealed, alive for another :data:`THREAD_LIFETIME`."""
    sealed = seal_state(state, state_key, sender_key)
    expires = now + THREAD_LIFETIME
    if row is None:
        session.add(SmsThread(key_hash=sender_key, sealed_state=sealed, expires_at=expires))
    else:
        row.sealed_state = sealed
        row.expires_at = expires
