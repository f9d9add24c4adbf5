"""What the rate limits key on, and how they forget.

A limit keys on :func:`bucket`: a keyed hash (the pepper's) of the client
address or phone number, truncated to :data:`BUCKET_BITS` bits so that it
collides on purpose. There are 65,536 buckets: all of IPv4 falls into them
about 65,500 addresses to a bucket, and Rwanda's mobile numbers about 1,500
to a bucket, so even with the pepper a bucket names no one; two clients
sharing a bucket at the same minute (rare with a few thousand at once) share
its allowance. Every window is at most an hour (:data:`LONGEST_WINDOW`).

Redis expires a limit's key when its window ends. Without Redis, limits live
in this worker's memory, where Flask-Limiter's own storage keeps each hit's
time (to the microsecond) until the next hit happens to sweep it:
:class:`ForgettingMemoryStorage` sweeps every second, so no hit outlives its
window by more than :data:`SWEEP_SECONDS`.
"""

from __future__ import annotations

import bisect
import threading
import time

from limits.storage import MemoryStorage

from hotline.crypto.keyring import InstanceSecrets

#: 2**16 buckets: the hash is cut to four hex digits.
BUCKET_BITS = 16
BUCKETS = 2**BUCKET_BITS
#: No limit's window is longer than this (seconds).
LONGEST_WINDOW = 60 * 60
#: How often the memory storage forgets expired hits.
SWEEP_SECONDS = 1.0
#: The storage URI of :class:`ForgettingMemoryStorage`.
MEMORY_URI = "hotline-memory://"


def bucket(secrets: InstanceSecrets, purpose: str, value: str) -> str:
    """The rate-limit bucket of a client address or phone number: four hex digits."""
    return secrets.keyed_hash(purpose, value)[: BUCKET_BITS // 4]


class ForgettingMemoryStorage(MemoryStorage):
    """Flask-Limiter's memory storage, with every expired hit and counter
    forgotten within :data:`SWEEP_SECONDS` of its window's end."""

    STORAGE_SCHEME = ["hotline-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions, **options)
        self._sweeper: threading.Thread | None = None
        self._sweeper_lock = threading.Lock()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self._start_sweeping()
        return super().incr(key, expiry, amount)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        self._start_sweeping()
        return super().acquire_entry(key, limit, expiry, amount)

    def _start_sweeping(self) -> None:
        """Started at the first hit (never at import): one daemon thread per worker."""
        if self._sweeper is not None:
            return
        with self._sweeper_lock:
            if self._sweeper is None:
                self._sweeper = threading.Thread(
                    target=self._sweep_forever, name="rate-limit-sweeper", daemon=True
                )
                self._sweeper.start()

    def _sweep_forever(self) -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            self.forget_expired()

    def forget_expired(self) -> None:
        """Drop every hit and counter whose window has ended, and their keys."""
        now = time.time()
        for key in list(self.events):
            with self.locks[key]:
                events = self.events.get(key, [])
                live = bisect.bisect_left(events, -now, key=lambda event: -event.expiry)
                if live:
                    self.events[key] = events[:live]
                else:
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
        for key in list(self.expirations):
            if self.expirations.get(key, now) <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)
