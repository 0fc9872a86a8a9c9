"""Scheduled refreshes: the scheduler provider for dynamic tables.

Only tables with a time-based TARGET_LAG, SCHEDULER not DISABLE and state RUNNING are scheduled;
DOWNSTREAM tables refresh as part of their consumers' pipelines (never on their own). Lag is
measured from the base tables at the root: a refresh at data timestamp T covers everything up to T
through the whole pipeline, so the next refresh is due at ``T + target_lag``.

[INFER] Snowflake's heuristic for starting "slightly earlier" is not public: here a refresh is due
exactly when the lag would reach the target (under ManualClock a refresh is instantaneous, so the
lag never exceeds the target). An uninitialized ON_SCHEDULE table is due one lag after creation.
Tables due at the same instant refresh in one pipeline run (shared upstream refreshed once).
Priority 30: at one instant, tasks (20) run first, so a task's writes are in the refresh.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..scheduler import provider
from .catalog import DT, registry

if TYPE_CHECKING:
    from ..engine import Engine

log = logging.getLogger("cdcsim.dynamic_tables")


def due_at(dt: DT, attempts: dict[str, datetime]) -> datetime | None:
    if dt.scheduling_state != "RUNNING" or not dt.scheduler_enabled or dt.lag_sec is None or dt.downstream_lag:
        return None
    base = dt.data_timestamp if dt.initialized and dt.data_timestamp is not None else dt.created_on
    # a failed refresh does not move the data timestamp: retry one lag after the attempt
    tried = attempts.get(dt.fqn)
    if tried is not None and tried > base:
        base = tried
    return base + timedelta(seconds=dt.lag_sec)


@provider
class DynamicTableProvider:
    priority = 30

    def next_due(self, engine: Engine) -> datetime | None:
        reg = registry(engine)
        with reg.lock:
            dues = [d for dt in reg.tables.values() if (d := due_at(dt, reg.attempts)) is not None]
        return min(dues) if dues else None

    def poll_interval(self, engine: Engine) -> float | None:
        return None

    def run_due(self, engine: Engine, now: datetime) -> None:
        from .refresh import run_pipeline

        assert engine.scheduler is not None
        reg = registry(engine)
        with reg.lock:
            due = [dt for dt in reg.tables.values() if (d := due_at(dt, reg.attempts)) is not None and d <= now]
        if not due:
            return
        s = engine.scheduler.session
        saved = s.now_override
        s.now_override = now if engine.clock.manual else None
        try:
            for dt in due:
                reg.attempts[dt.fqn] = now
            run_pipeline(s, due, "SCHEDULED")
        except Exception:  # recorded in history by the pipeline; keep the scheduler alive
            log.exception("scheduled dynamic table refresh failed")
        finally:
            s.now_override = saved
