"""The SMS thread: its keys, its sealed state, its expiry and where it is kept.

No phone number is stored, and no thread is kept in the database. A thread
lives in Redis when configured (every worker and server sees it; Redis expires
it) or else in the worker's memory, for :data:`THREAD_LIFETIME` after the last
message, and is deleted on ``DONE``. It is found by a key derived with
Argon2id (:data:`THREAD_KDF`, memory-hard) from the pepper and ``From``, and its
state is sealed with ChaCha20-Poly1305 under a second key from that same
derivation: with the database, ``keys/`` and a Redis dump, every phone number
tried costs one Argon2id derivation, and a thread is gone 30 minutes after its
last message. The state never holds the codename once it has been shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any, cast

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from flask import Flask

from hotline.crypto import aead
from hotline.crypto.keyring import InstanceSecrets
from hotline.instance import EXTENSION
from hotline.procedure import DEFAULT_LANGUAGE, LANGUAGES, Category

#: A thread lives this long after its last message.
THREAD_LIFETIME = dt.timedelta(minutes=30)
STATE_LABEL = b"sms-thread-state"
STATE_VERSION = b"\x01"


@dataclass(frozen=True)
class ThreadKdf:
    """Argon2id parameters of the thread key (memory in KiB)."""

    memory_kib: int
    iterations: int
    lanes: int = 1


#: Chosen with ``python -m bench sms``: 8 MiB and one pass cost 7–10 ms of one
#: core on the bench machine (16 MiB and two passes cost 30–80 ms, and with the
#: codename derivation of each first part the webhook then queued at 20
#: requests/s: p99 of seconds). Each phone number an attacker tries costs the
#: same 8 MiB: all 10^8 numbers of one country code take about 10 core-days
#: for each 30-minute window of threads (bench/results.md).
THREAD_KDF = ThreadKdf(memory_kib=8 * 1024, iterations=1)
#: Argon2id's salt: fixed, since the pepper (its secret input) is what is per instance.
KDF_SALT = b"hotline-sms-thread-v2"


@dataclass(repr=False)
class ThreadState:
    """What a thread remembers between messages; only ever stored sealed.

    It has no codename: the codename is shown once, when the first part is
    filed, and not kept (DONE answers without it).
    """

    language: str = DEFAULT_LANGUAGE
    #: Kept as its plain string in the sealed JSON, as it always was.
    category: Category | None = None
    reporter_id: str | None = None
    disclosure_id: str | None = None
    reference: str | None = None
    parts: int = 0
    #: The reporter a valid code proved in this thread (STATUS, REPLY,
    #: RETALIATION): a retaliation report chosen next is filed under it and
    #: linked to their earlier reports. Never the code itself.
    known_reporter_id: str | None = None
    #: Replies waiting for MORE.
    pages: list[str] = field(default_factory=list)

    def __repr__(self) -> str:  # never show the pages
        return f"ThreadState({self.language}, {self.category}, parts={self.parts})"

    def is_blank(self) -> bool:
        """Nothing worth keeping: such a thread is not stored at all."""
        return self == ThreadState()

    def reset(self) -> None:
        """Forget the report in progress; keep only the language."""
        language = self.language
        self.__dict__.update(asdict(ThreadState(language=language)))


def thread_keys(
    instance_secrets: InstanceSecrets, sender: str, kdf: ThreadKdf = THREAD_KDF
) -> tuple[str, bytes]:
    """The thread's lookup key and the key that seals its state.

    Both come from one Argon2id derivation over the pepper *and* the sender's
    number, which the server has only while that sender is talking to it.
    """
    derived = Argon2id(
        salt=KDF_SALT,
        length=64,
        iterations=kdf.iterations,
        lanes=kdf.lanes,
        memory_cost=kdf.memory_kib,
        secret=instance_secrets.pepper,
    ).derive(sender.encode("utf-8"))
    return derived[:32].hex(), derived[32:]


def seal_state(state: ThreadState, state_key: bytes, sender_key: str) -> bytes:
    """The state, AEAD-encrypted and bound to its thread (a value copied onto
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


class ThreadStore:
    """Sealed thread states by thread key, each until it expires.

    In Redis (``SET … EX``: Redis forgets it) when configured, else in this
    worker's memory (swept on every call). Several gunicorn workers share no
    memory: with more than one worker, SMS needs Redis (README, "SMS").
    """

    #: Memory locks are striped: two threads of one sender take turns, others rarely wait.
    STRIPES = 64

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:sms-thread:"
        self._memory: dict[str, tuple[bytes, dt.datetime]] = {}
        self._memory_lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(self.STRIPES)]

    @contextmanager
    def locked(self, sender_key: str) -> Iterator[None]:
        """Hold the thread until the block ends: two messages of one sender, on
        two workers or servers, are handled one after the other."""
        if self._redis is not None:
            lock = self._redis.lock(
                self._prefix + "lock:" + sender_key, timeout=60, blocking_timeout=30
            )
            if not lock.acquire():
                raise TimeoutError("the SMS thread stayed locked for 30 s")
            try:
                yield
            finally:
                lock.release()
            return
        stripe = self._stripes[hashlib.sha256(sender_key.encode()).digest()[0] % self.STRIPES]
        with stripe:
            yield

    def load(self, sender_key: str, now: dt.datetime) -> bytes | None:
        """The sealed state of a live thread, or None."""
        if self._redis is not None:
            value = self._redis.get(self._prefix + sender_key)
            return None if value is None else bytes(value)
        with self._memory_lock:
            self._sweep(now)
            kept = self._memory.get(sender_key)
        return None if kept is None else kept[0]

    def keep(self, sender_key: str, sealed: bytes, now: dt.datetime) -> None:
        """Store the sealed state, alive for another :data:`THREAD_LIFETIME`."""
        if self._redis is not None:
            seconds = int(THREAD_LIFETIME.total_seconds())
            self._redis.set(self._prefix + sender_key, sealed, ex=seconds)
            return
        with self._memory_lock:
            self._sweep(now)
            self._memory[sender_key] = (sealed, now + THREAD_LIFETIME)

    def forget(self, sender_key: str) -> None:
        """Delete the thread (DONE, or nothing worth keeping)."""
        if self._redis is not None:
            self._redis.delete(self._prefix + sender_key)
            return
        with self._memory_lock:
            self._memory.pop(sender_key, None)

    def live_keys(self, now: dt.datetime) -> list[str]:
        """The keys of live threads (for health checks and tests; never logged)."""
        if self._redis is not None:
            found = self._redis.scan_iter(match=self._prefix + "*", count=1000)
            keys = [bytes(k).decode().removeprefix(self._prefix) for k in found]
            return [k for k in keys if not k.startswith("lock:")]
        with self._memory_lock:
            self._sweep(now)
            return list(self._memory)

    def _sweep(self, now: dt.datetime) -> None:
        for key in [k for k, (_, expiry) in self._memory.items() if expiry <= now]:
            del self._memory[key]


def thread_store(app: Flask) -> ThreadStore:
    """The app's live SMS threads."""
    name = "hotline-sms-threads"
    store = app.extensions.get(name)
    if not isinstance(store, ThreadStore):
        instance = app.extensions[EXTENSION]
        fresh = ThreadStore(instance.redis, instance.config.redis_prefix)
        store = cast(ThreadStore, app.extensions.setdefault(name, fresh))
    return store


def read_thread(
    store: ThreadStore, sender_key: str, state_key: bytes, now: dt.datetime
) -> ThreadState | None:
    """The live state of a thread, for tests; None if there is none."""
    sealed = store.load(sender_key, now)
    return None if sealed is None else open_state(sealed, state_key, sender_key)
