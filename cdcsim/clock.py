"""Clocks: the engine's single source of "now".

``WallClock`` reads the system clock (naive local time, as Snowflake's TIMESTAMP_NTZ shows it);
``ManualClock`` is virtual time that only moves when told, which makes schedules, target lags and
``CURRENT_TIMESTAMP()`` deterministic for tests and fast-forwardable for workshops.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class Clock:
    """Interface: ``now()`` returns a naive datetime."""

    manual = False

    def now(self) -> datetime:  # pragma: no cover - interface
        raise NotImplementedError


class WallClock(Clock):
    """The system clock, naive local time with microsecond precision."""

    def now(self) -> datetime:
        return datetime.now()


class ManualClock(Clock):
    """Virtual time. Starts at ``start`` (default 2025-01-01 00:00) and moves only by ``set``/``advance``.

    Time never goes backwards: ``set`` to an earlier instant raises ``ValueError``.
    """

    manual = True

    def __init__(self, start: datetime | None = None):
        self._now = start if start is not None else datetime(2025, 1, 1)
        if self._now.tzinfo is not None:
            self._now = self._now.replace(tzinfo=None)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            if when < self._now:
                raise ValueError(f"ManualClock cannot go back from {self._now} to {when}")
            self._now = when

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("ManualClock.advance needs a non-negative duration")
        with self._lock:
            self._now = self._now + delta
            return self._now
