"""Twilio deliveries already answered: a signed request sent again is refused.

Twilio's signature covers the URL and the form, not the time, so a captured
request (``REPLY <code> …``, ``CANCEL``) stays valid for ever. Each
``MessageSid`` is remembered for :data:`REPLAY_WINDOW` as a keyed hash (the
pepper's), in Redis when configured (every worker and server sees it; Redis
expires it) or else in the worker's memory (the embedded default runs one
worker). Never in the database: a MessageSid hash with its date would tell
when someone texted, long after the thread is gone.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from flask import Flask

from hotline.crypto.keyring import InstanceSecrets
from hotline.instance import EXTENSION

#: How long a MessageSid is remembered; Twilio's own retries come within minutes.
REPLAY_WINDOW_SECONDS = 24 * 60 * 60


class SeenMessages:
    """The keyed hashes of deliveries already answered, each until it expires.

    ``purpose`` keeps channels apart: SMS remembers MessageSids, USSD the
    sessions whose report was filed.
    """

    def __init__(self, redis: Any, prefix: str, purpose: str = "sms") -> None:
        self._redis = redis
        self._prefix = f"{prefix}:{purpose}-seen:"
        self._purpose = purpose
        self._memory: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_delivery(self, secrets: InstanceSecrets, message_sid: str) -> bool:
        """Record the message; False when it was already recorded (a replay).

        Recorded before the message is handled, atomically, so two copies sent
        at once are not both answered.
        """
        digest = secrets.keyed_hash(f"{self._purpose}-message-sid", message_sid)
        if self._redis is not None:
            added = self._redis.set(self._prefix + digest, b"1", nx=True, ex=REPLAY_WINDOW_SECONDS)
            return bool(added)
        now = time.monotonic()
        with self._lock:
            for old in [k for k, expiry in self._memory.items() if expiry <= now]:
                del self._memory[old]
            if digest in self._memory:
                return False
            self._memory[digest] = now + REPLAY_WINDOW_SECONDS
            return True


def seen_messages(app: Flask, purpose: str = "sms") -> SeenMessages:
    """The app's record of answered deliveries of one channel."""
    name = f"hotline-{purpose}-seen"
    seen = app.extensions.get(name)
    if not isinstance(seen, SeenMessages):
        instance = app.extensions[EXTENSION]
        fresh = SeenMessages(instance.redis, instance.config.redis_prefix, purpose)
        seen = cast(SeenMessages, app.extensions.setdefault(name, fresh))
    return seen
