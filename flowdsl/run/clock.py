"""Virtual time for Wait states, retries and timeouts."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class VirtualClock:
    """A clock that only advances when the engine sleeps on it.

    With ``real=True`` sleeps also block for real (useful when a workflow talks to real processes).
    """

    def __init__(self, start: datetime | None = None, *, real: bool = False) -> None:
        self._start = start or datetime(2024, 1, 1, tzinfo=timezone.utc)
        if self._start.tzinfo is None:
            self._start = self._start.replace(tzinfo=timezone.utc)
        self._elapsed = 0.0
        self.real = real

    @property
    def elapsed(self) -> float:
        """Seconds of virtual time since the clock started."""
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.real:
            time.sleep(seconds)
        self._elapsed += seconds

    def sleep_until(self, when: datetime) -> None:
        self.sleep((when - self.now()).total_seconds())


def iso(dt: datetime) -> str:
    """AWS context-object timestamp format, e.g. 2024-01-01T00:00:00.000Z."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
