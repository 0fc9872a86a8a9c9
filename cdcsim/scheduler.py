"""The scheduler core: a pure function of time.

Feature modules register *providers* (tasks, dynamic tables). A provider answers ``next_due()``
(the earliest instant it has work, or None) and ``run_due(now)`` (run everything due at or before
``now``, in order, recording history). ``tick(now)`` steps through every due instant up to
``now`` in time order, so a ManualClock ``advance(10 minutes)`` of a 1-minute task gives ten runs,
each at its own instant. Real time uses the same core: APScheduler's background scheduler wakes
at the next due instant (and at least every ``MAX_SLEEP_S``) and calls ``run_pending()``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .engine import Engine
    from .session import Session

log = logging.getLogger("cdcsim.scheduler")
MAX_SLEEP_S = 1.0
MIN_SLEEP_S = 0.005


class Provider(Protocol):
    priority: int  # lower runs first when several providers are due at the same instant

    def next_due(self, engine: Engine) -> datetime | None: ...

    def run_due(self, engine: Engine, now: datetime) -> None: ...

    def poll_interval(self, engine: Engine) -> float | None: ...


PROVIDERS: list[type] = []


def provider(cls: type) -> type:
    """Class decorator: one instance of ``cls`` is created per engine."""
    PROVIDERS.append(cls)
    return cls


class Scheduler:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.providers: list[Provider] = sorted((cls() for cls in PROVIDERS), key=lambda p: p.priority)
        self._tick_lock = threading.RLock()
        self._session: Session | None = None
        self._bg = None
        self._arm_lock = threading.Lock()

    @property
    def session(self) -> Session:
        """The session scheduled work runs in (its own DuckDB connection)."""
        if self._session is None:
            from .session import Session

            self._session = Session(self.engine, name="scheduler")
        return self._session

    def next_due(self) -> datetime | None:
        dues = [d for p in self.providers if (d := p.next_due(self.engine)) is not None]
        return min(dues) if dues else None

    def tick(self, now: datetime) -> int:
        """Run everything due up to ``now`` in time order; returns the number of due instants."""
        steps = 0
        with self._tick_lock:
            clock = self.engine.clock
            while True:
                due = self.next_due()
                if due is None or due > now:
                    break
                if clock.manual and due > clock.now():
                    clock.set(due)  # type: ignore[attr-defined]
                at = due if clock.manual else max(due, clock.now())
                for p in self.providers:
                    pd = p.next_due(self.engine)
                    if pd is not None and pd <= at:
                        p.run_due(self.engine, at)
                steps += 1
                if steps > 10_000_000:  # pragma: no cover - a provider that never advances
                    raise RuntimeError("scheduler made no progress")
        return steps

    def advance(self, delta: timedelta) -> datetime:
        clock = self.engine.clock
        if not clock.manual:
            from .errors import ProgrammingError

            raise ProgrammingError("advance() needs a ManualClock: connect(clock=cdcsim.ManualClock(...))", 251003)
        target = clock.now() + delta
        self.tick(target)
        clock.set(target)  # type: ignore[attr-defined]
        # Work that becomes due exactly at the target instant runs too.
        self.tick(target)
        return target

    def run_pending(self) -> int:
        return self.tick(self.engine.clock.now())

    # ------------------------------------------------------------------ real time
    # APScheduler runs one short job per wake-up, re-armed for the next due instant. No job runs
    # forever, so a process that never calls stop() still exits (executor threads are joined
    # at interpreter exit, and an idle one returns at once).
    _JOB = "cdcsim-tick"

    def wake(self) -> None:
        """Run a tick now (after DDL that changed what is due)."""
        self._arm(0.0)

    def _sleep_for(self) -> float:
        due = self.next_due()
        polls = [q for p in self.providers if (q := p.poll_interval(self.engine)) is not None]
        sleep = MAX_SLEEP_S if due is None else (due - self.engine.clock.now()).total_seconds()
        if polls:
            sleep = min(sleep, min(polls))
        return max(MIN_SLEEP_S, min(MAX_SLEEP_S, sleep))

    def _arm(self, delay: float | None = None) -> None:
        if self._bg is None:
            return
        if delay is None:
            # Outside the lock: providers take their own locks (a DDL holding one calls wake()).
            delay = self._sleep_for()
        with self._arm_lock:
            bg = self._bg
            if bg is None:
                return
            try:
                bg.add_job(self._tick_job, trigger="date", run_date=datetime.now() + timedelta(seconds=delay),
                           id=self._JOB, replace_existing=True, max_instances=4, misfire_grace_time=None)
            except Exception:  # the scheduler is shutting down
                log.debug("could not arm the scheduler", exc_info=True)

    def _tick_job(self) -> None:
        try:
            if not self.engine.clock.manual and not self.engine.closed:
                self.run_pending()
        except Exception:  # failures are recorded in history by providers; keep ticking
            log.exception("scheduler tick failed")
        finally:
            self._arm()

    def start(self) -> None:
        if self._bg is not None:
            return
        from apscheduler.schedulers.background import BackgroundScheduler

        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self._bg = BackgroundScheduler(daemon=True)
        self._bg.start()
        self._arm(0.0)

    def stop(self) -> None:
        with self._arm_lock:
            bg, self._bg = self._bg, None
        if bg is None:
            return
        bg.shutdown(wait=True)
        for p in self.providers:  # what a provider buffered (e.g. task history) is written now
            flush = getattr(p, "flush", None)
            if flush is not None:
                try:
                    flush(self.engine)
                except Exception:
                    log.exception("flushing %s on stop", type(p).__name__)

    @property
    def running(self) -> bool:
        return self._bg is not None
