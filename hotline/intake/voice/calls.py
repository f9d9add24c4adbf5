"""What a call remembers between two of Twilio's requests: the caller's code,
so that "press 1 to hear it again" and a recorded answer work, and nothing else.

Kept for :data:`CALL_SECONDS` in Redis when configured, else in the worker's
memory, never in the database; found by a keyed hash of the CallSid and sealed
under a key derived from the pepper and the CallSid, so neither Redis nor a
memory dump gives a code without the call's id. Forgotten when the call ends.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask

from hotline.crypto import aead
from hotline.crypto.keyring import InstanceSecrets
from hotline.instance import EXTENSION

CALL_SECONDS = 15 * 60
_LABEL = b"voice-call-code"


class CallMemory:
    """Each live call's sealed code, until it expires or is forgotten."""

    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:voice-call:"
        self._memory: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(secrets: InstanceSecrets, call_sid: str) -> tuple[str, bytes]:
        name = secrets.keyed_hash("voice-call", call_sid)
        key = HKDF(algorithm=SHA256(), length=32, salt=_LABEL, info=_LABEL).derive(
            secrets.pepper + b"|" + call_sid.encode()
        )
        return name, key

    def keep(self, secrets: InstanceSecrets, call_sid: str, codename: str) -> None:
        name, key = self._keys(secrets, call_sid)
        sealed = aead.seal(key, codename.encode(), _LABEL + name.encode())
        if self._redis is not None:
            self._redis.set(self._prefix + name, sealed, ex=CALL_SECONDS)
            return
        with self._lock:
            self._sweep()
            self._memory[name] = (time.monotonic() + CALL_SECONDS, sealed)

    def recall(self, secrets: InstanceSecrets, call_sid: str) -> str | None:
        name, key = self._keys(secrets, call_sid)
        sealed: bytes | None
        if self._redis is not None:
            sealed = self._redis.get(self._prefix + name)
        else:
            with self._lock:
                self._sweep()
                kept = self._memory.get(name)
            sealed = kept[1] if kept else None
        if sealed is None:
            return None
        try:
            return aead.open(key, sealed, _LABEL + name.encode()).decode()
        except aead.CannotOpen:
            return None

    def forget(self, secrets: InstanceSecrets, call_sid: str) -> None:
        name, _key = self._keys(secrets, call_sid)
        if self._redis is not None:
            self._redis.delete(self._prefix + name)
            return
        with self._lock:
            self._memory.pop(name, None)

    def _sweep(self) -> None:
        now = time.monotonic()
        for name in [n for n, (expiry, _) in self._memory.items() if expiry <= now]:
            del self._memory[name]


def call_memory(app: Flask) -> CallMemory:
    """The app's memory of live calls."""
    memory = app.extensions.get("hotline-voice-calls")
    if not isinstance(memory, CallMemory):
        instance = app.extensions[EXTENSION]
        fresh = CallMemory(instance.redis, instance.config.redis_prefix)
        memory = cast(CallMemory, app.extensions.setdefault("hotline-voice-calls", fresh))
    return memory
