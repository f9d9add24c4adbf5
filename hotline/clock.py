"""The application's clock: one object that says what time it is.

Code that decides by the time (session expiry, which quarters' statistics are
due) asks the instance's clock instead of the system, so a test can set the
time it needs on that one object instead of patching module attributes.
"""

from __future__ import annotations

import datetime as dt


class Clock:
    """The system's UTC time, unless a test has fixed it."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self._fixed if self._fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().date()

    def set(self, when: dt.datetime | None) -> None:
        """Fix the time at ``when`` (timezone-aware), or follow the system again (None)."""
        self._fixed = when

    def advance(self, by: dt.timedelta) -> None:
        """Fix the time ``by`` later than it is now."""
        self._fixed = self.now() + by
