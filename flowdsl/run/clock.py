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
        self._cache_at = -1.0
        self._cache_dt: datetime | None = None
        self._cache_iso: str | None = None

    @property
    def elapsed(self) -> float:
        """Seconds of virtual time since the clock started."""
        return self._elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def cached_now(self) -> datetime:
        # Virtual time only moves on sleep(), so the datetime (and its ISO text) can be reused.
        if self._cache_at != self._elapsed or self._cache_dt is None:
            self._cache_at, self._cache_dt, self._cache_iso = self._elapsed, self.now(), None
        return self._cache_dt

    def iso_now(self) -> str:
        dt = self.cached_now()
        if self._cache_iso is None:
            self._cache_iso = iso(dt)
        return self._cache_iso

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
