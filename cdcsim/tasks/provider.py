"""The task scheduler provider: what is due when, and running a whole task graph for one trigger.

Owns the time rules [DOC T1, T2, T3, T4, T5]:
* an interval schedule's slots are ``RESUME time + k * interval``; a run never starts early; after a
  run the next slot is the first one after it *finished*, so slots that pass during a run are
  skipped (one instance at a time, NO_OVERLAP) — under a ManualClock runs take no virtual time and
  every slot runs;
* a triggered task (no SCHEDULE, WHEN SYSTEM$STREAM_HAS_DATA) runs once its stream has data, at most
  every USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS, and at least every 12 hours (health check:
  SKIPPED when there is no data). [INFER] In real time the scheduler notices new data by polling
  (a quarter of the interval, 5 ms to 1 s) and, sooner, when a session commits a write to the
  table a waiting task's stream reads (``_wake_triggered``);
* EXECUTE TASK runs once now (also when suspended); when the task has a SCHEDULED run pending, the
  requested run replaces it [DOC T6], so the schedule continues with the slot after;
* a file database reopened later has its overdue tasks run once (one catch-up run, no burst), then
  the schedule continues from the first slot after now.

And the graph rules: children run after all their predecessors succeed (a suspended child is
passed over as if it had succeeded [DOC T4]); a SKIPPED root runs nothing else and no finalizer; the
finalizer runs after every other task completed or failed, once per attempt; TASK_AUTO_RETRY_ATTEMPTS
re-runs the failed tasks and what depends on them after the finalizer (SCHEDULED_FROM 'AUTOMATIC
RETRY', same RUN_ID); after
SUSPEND_TASK_AFTER_NUM_FAILURES consecutive failed runs of any graph task the root is suspended
(that run is FAILED_AND_AUTO_SUSPENDED; last_suspended_reason SUSPENDED_DUE_TO_ERRORS). A graph
run is listed in the store's ``graph_runs`` from its start until its last task run is accounted
for (CURRENT_TASK_GRAPHS shows it EXECUTING, COMPLETE_TASK_GRAPHS waits for it).

Choices [INFER]: a run whose retries all fail counts as one failed run; SKIPPED runs neither count
nor reset the failure streak; a resume resets it. A child's SCHEDULED_TIME is the instant its
predecessors finished. Graph runs execute one at a time on the scheduler thread, so with
ALLOW_CHILD_OVERLAP / ALLOW_ALL_OVERLAP slots that pass during a run are skipped as with NO_OVERLAP.
A finalizer runs only if it is resumed.

[INFER] Finished runs are written to the history table in batches: at once under a ManualClock,
when a task's state changed, or when no run is due within ``FLUSH_PERIOD``; a schedule faster than
that writes its runs once per period (each write is a commit, an fsync on a file database: on the
sub-second pipeline benchmark, one in ten scheduler milliseconds). TASK_HISTORY shows unwritten
runs too; a crash can lose the last period of history rows, never a change the runs made.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..engine import HOOKS
from ..names import QName, parse_parts, qualify
from ..scheduler import provider
from . import graph
from .history import M, Record
from .model import Task
from .runner import CANCELLED, FAILED, SKIPPED, SUCCEEDED, Outcome, RunContext, run_task
from .store import GraphRun, LastRun, TaskStore, epoch_ms, store_of

if TYPE_CHECKING:
    from ..engine import Engine
    from ..session import Session

HEALTH_CHECK = timedelta(hours=12)
FLUSH_PERIOD = timedelta(seconds=1)
PASSED, NOT_RUN = "PASSED", "NOT_RUN"  # suspended child passed over / not reached
AUTO_SUSPENDED = "FAILED_AND_AUTO_SUSPENDED"


def merge_config(base: str | None, override: str | None) -> str | None:
    """EXECUTE TASK ... USING CONFIG deep-merges into the root's CONFIG for one run [DOC T6]."""
    if override is None:
        return base

    def deep(a: object, b: object) -> object:
        if isinstance(a, dict) and isinstance(b, dict):
            return {**a, **{k: deep(a.get(k), v) for k, v in b.items()}}
        return b

    return json.dumps(deep(json.loads(base) if base else {}, json.loads(override)))


def slot_after(engine: Engine, task: Task, after: datetime) -> datetime | None:
    # Limits are checked when a schedule is set, not when a stored one runs (see TaskStore.load).
    sched = task.parsed_schedule(True)
    if sched is None:
        return None
    return sched.first_after(task.base or after, after)


@provider
class TaskProvider:
    priority = 20

    def __init__(self) -> None:
        self._poll_lock = threading.Lock()
        self._poll: Session | None = None

    # ------------------------------------------------------------------ what is due
    def _has_data(self, engine: Engine, task: Task) -> bool:
        from ..session import Session
        from ..streams import stream_has_data

        with self._poll_lock:
            if self._poll is None:
                self._poll = Session(engine, name="task-poll")
            for qn in _trigger_streams(task):
                try:
                    if stream_has_data(self._poll, [qn.sql]) == "TRUE":
                        return True
                except Exception:  # a missing stream: the WHEN check at run time reports it
                    continue
        return False

    def _due(self, engine: Engine, st: TaskStore, t: Task) -> datetime | None:
        if not t.is_triggered:
            return t.next_due
        seen = st.observed.get(t.fqn)
        if seen is None and self._has_data(engine, t):
            seen = st.observed[t.fqn] = engine.clock.now()
        if seen is None:
            return t.next_due  # the 12-hour health check
        last = t.last_trigger_run
        eligible = last + timedelta(seconds=t.min_trigger_interval_s) if last else (t.resumed_on or seen)
        return max(seen, eligible)

    def next_due(self, engine: Engine) -> datetime | None:
        st = store_of(engine)
        best: datetime | None = None
        with st.lock:
            for r in st.requests:
                best = r.at if best is None or r.at < best else best
            for t in st.tasks.values():
                if t.state == "started" and t.is_root:
                    d = self._due(engine, st, t)
                    if d is not None and (best is None or d < best):
                        best = d
        return best

    def poll_interval(self, engine: Engine) -> float | None:
        st = store_of(engine)
        with st.lock:
            ivals = [t.min_trigger_interval_s for t in st.tasks.values() if t.state == "started" and t.is_triggered]
        if not ivals:
            return None
        # Notice new data well within the trigger interval without spinning.
        return max(0.005, min(1.0, min(ivals) / 4))

    # ------------------------------------------------------------------ running
    def run_due(self, engine: Engine, now: datetime) -> None:
        st = store_of(engine)
        assert engine.scheduler is not None
        sess = engine.scheduler.session
        try:
            while True:
                batch: list[tuple[datetime, str, str, str | None, LastRun | None]] = []
                with st.lock:
                    for r in list(st.requests):
                        if r.at <= now:
                            batch.append((r.at, r.fqn, r.source, r.config, r.retry))
                            st.requests.remove(r)
                    for t in st.tasks.values():
                        if t.state == "started" and t.is_root:
                            d = self._due(engine, st, t)
                            if d is not None and d <= now:
                                batch.append((d, t.fqn, "TRIGGER" if t.is_triggered else "SCHEDULE", None, None))
                if not batch:
                    break
                batch.sort(key=lambda b: (b[0], b[1]))
                for at, fqn, source, config, retry in batch:
                    self.run_graph(engine, st, sess, fqn, at, source, config, now, retry)
        finally:
            if self._flush_due(engine, st):
                st.flush(sess)

    def _flush_due(self, engine: Engine, st: TaskStore) -> bool:
        """Write the finished runs now? (see the module docstring)"""
        if engine.clock.manual or st.dirty:
            return True
        now = engine.clock.now()
        if now - st.last_flush >= FLUSH_PERIOD:
            return True
        with st.lock:  # the next scheduled run (a triggered task's runs follow data: not counted)
            dues = [r.at for r in st.requests] + [t.next_due for t in st.tasks.values() if t.state == "started"
                                                  and t.is_root and not t.is_triggered and t.next_due is not None]
        return not dues or min(dues) - now >= FLUSH_PERIOD

    def flush(self, engine: Engine) -> None:
        """Write whatever finished runs are still buffered (the scheduler is stopping)."""
        assert engine.scheduler is not None
        store_of(engine).flush(engine.scheduler.session)

    def run_graph(self, engine: Engine, st: TaskStore, sess: Session, fqn: str, scheduled: datetime,
                  source: str, config: str | None, now: datetime, retry: LastRun | None = None) -> None:
        clock = engine.clock
        with st.lock:
            live_root = st.get(fqn)
            if live_root is None:
                return
            if source in ("SCHEDULE", "TRIGGER"):
                if live_root.state != "started":
                    return
                # Consume the slot now, so a failure below can never re-run it.
                live_root.next_due = None
                st.observed.pop(fqn, None)
            if live_root.modified or live_root.graph_version == 0:
                live_root.graph_version += 1  # the version is fixed when the graph runs [DOC T2]
                live_root.modified = False
                st.dirty.add(fqn)
            if live_root.last_committed_on is None:
                live_root.last_committed_on = now
                st.dirty.add(fqn)
            order = [t.snapshot() for t in graph.members(st, live_root)]
            fin = st.finalizer(fqn)
            fin = fin.snapshot() if fin is not None else None
        root = order[0]
        in_graph = {t.fqn for t in order}
        run_config = merge_config(root.config, config)
        group = str(uuid.uuid4())
        run_id = epoch_ms(scheduled)
        outcomes: dict[str, str] = {}
        records: dict[str, Record] = {}
        returns: dict[str, str] = {}
        attempt, src = 1, source
        todo = set(in_graph)
        if retry is not None:
            # RETRY LAST: same run group and RUN_ID, next attempt, from the tasks that failed [DOC T6].
            group, run_id, attempt, run_config = retry.group, retry.run_id, retry.attempt + 1, retry.config
            outcomes = {f: o for f, o in retry.outcomes.items() if f in in_graph}
            todo = {f for f, o in outcomes.items() if o in (FAILED, CANCELLED)}  # "FAILED or CANCELED" [DOC T6]
            for f in list(todo):
                todo |= graph.descendants(st, f) & in_graph
            for f in todo:
                outcomes.pop(f, None)

        with st.lock:
            prior_success = st.last_success.get(root.id)
            look_up = prior_success is None and root.id not in st.success_looked_up
            st.success_looked_up.add(root.id)
        if look_up:  # (a reopened database: the history still knows)
            prior_success = _last_success_in_history(sess, root)
            if prior_success is not None:
                with st.lock:
                    st.last_success.setdefault(root.id, prior_success)

        def instant() -> datetime:
            return now if clock.manual else clock.now()

        def run_one(t: Task, sched_t: datetime) -> None:
            rec = Record(None, t.name, t.database, t.schema, t.definition, t.condition, "EXECUTING", None, None,
                         sched_t, instant(), None, None, root.id, root.graph_version, run_id, None, src,
                         attempt, run_config, t.query_hash(), 1, group, st.next_seq())
            with st.lock:
                st.executing[t.fqn] = rec
            ctx = RunContext(t, root, run_config, returns, group, run_id, prior_success)
            ctx.cancelled = lambda: root.fqn in st.cancel
            try:
                out = run_task(engine, sess, t, sched_t, ctx)
            except Exception as e:  # never let one run stop the scheduler
                out = Outcome(FAILED, None, None, instant(), "100000", str(e))
            rec.state, rec.query_id, rec.error_code, rec.error_message = (out.state, out.query_id,
                                                                          out.error_code, out.error_message)
            rec.query_start_time, rec.completed_time, rec.return_value = out.start, out.end, out.return_value
            if out.return_value is not None:
                returns[t.fqn] = out.return_value
            outcomes[t.fqn] = out.state
            records[t.fqn] = rec
            with st.lock:
                st.executing.pop(t.fqn, None)
                st.pending.append(rec)

        live = GraphRun(root.fqn, root.name, root.database, root.schema, root.id, root.graph_version, run_id,
                        group, attempt, src, run_config, scheduled, instant())
        with st.lock:
            st.graph_runs[group] = live
        try:
            while True:
                for t in order:
                    if t.fqn not in todo:
                        continue
                    if t.fqn == root.fqn:
                        run_one(t, scheduled if attempt == 1 or retry is not None else instant())
                        continue
                    preds = [p for p in t.predecessors if p in in_graph]
                    if any(outcomes.get(p) not in (SUCCEEDED, PASSED) for p in preds):
                        outcomes[t.fqn] = NOT_RUN
                    elif t.state != "started":
                        outcomes[t.fqn] = PASSED
                    else:
                        run_one(t, instant())
                failed = [f for f, s in outcomes.items() if s == FAILED and f in in_graph]
                # Each attempt is a graph run of its own, closed by the finalizer before the next
                # attempt starts: the documented finalizer "corrects for errors" and the automatic
                # retry then succeeds [DOC: user-guide/tasks-graphs, finalizer example].
                if fin is not None and outcomes.get(root.fqn) != SKIPPED and fin.state == "started":
                    run_one(fin, instant())
                if failed and attempt <= root.retry_attempts:
                    attempt, src = attempt + 1, "AUTOMATIC RETRY"
                    live.attempt, live.scheduled_from = attempt, src
                    todo = set(failed)
                    for f in failed:
                        todo |= graph.descendants(st, f) & in_graph
                    for f in todo:
                        outcomes.pop(f, None)
                    continue
                break
            with st.lock:
                st.cancel.discard(fqn)
                prev = st.last_runs.get(fqn)
                if retry is None or prev is None or prev.group == group:  # an older group's retry is not the latest run
                    st.last_runs[fqn] = LastRun(group, run_id, attempt, dict(outcomes), run_config, root.graph_version)
                if outcomes.get(root.fqn) == SUCCEEDED and FAILED not in outcomes.values() \
                        and CANCELLED not in outcomes.values():
                    st.last_success[root.id] = (group, run_id)
            self._account(engine, st, fqn, outcomes, records, source, scheduled, now)
        finally:
            with st.lock:
                st.graph_runs.pop(group, None)

    def _account(self, engine: Engine, st: TaskStore, fqn: str, outcomes: dict[str, str],
                 records: dict[str, Record], source: str, scheduled: datetime, now: datetime) -> None:
        clock = engine.clock
        finish = max(now, clock.now())
        with st.lock:
            root = st.get(fqn)
            suspend = False
            for f, state in outcomes.items():
                t = st.get(f)
                if t is None:
                    continue
                if state == FAILED:
                    t.failures += 1
                    st.dirty.add(f)
                    if root is not None and root.suspend_after > 0 and t.failures >= root.suspend_after:
                        suspend = True
                        records[f].state = AUTO_SUSPENDED
                elif state == SUCCEEDED and t.failures:
                    t.failures = 0
                    st.dirty.add(f)
            if root is None:
                return
            if suspend and root.state == "started":
                root.state, root.last_suspended_reason, root.last_suspended_on = (
                    "suspended", "SUSPENDED_DUE_TO_ERRORS", finish)
                root.next_due = None
                st.dirty.add(fqn)
            if root.state == "started":
                if root.is_triggered:
                    if source == "TRIGGER":
                        root.last_trigger_run = scheduled
                        st.dirty.add(fqn)
                    root.next_due = (root.last_trigger_run or root.resumed_on or finish) + HEALTH_CHECK
                elif root.schedule is not None:
                    if source == "EXECUTE_TASK" and root.next_due is not None:
                        # The requested run replaced the pending scheduled one [DOC T6].
                        root.next_due = slot_after(engine, root, max(root.next_due, finish))
                    elif root.next_due is None or root.next_due <= finish:
                        root.next_due = slot_after(engine, root, finish)
            # next_due alone is not written back after every run (that would cost a write per run):
            # on reopen it is recomputed from the history (see TaskStore.load).
            for rec in records.values():
                rec.next_scheduled_time = root.next_due


def _last_success_in_history(sess: Session, root: Task) -> tuple[str, int] | None:
    """The last graph run of ``root`` whose root succeeded and no task failed or was cancelled, as
    (run group, RUN_ID), from TASK_HISTORY: what ``TaskStore.last_success`` remembers while the
    database is open. Each task's outcome is its row of the group's last attempt (a retry re-runs
    the failed tasks only)."""
    row = sess.duck.execute(
        f"""WITH last AS (
              SELECT "GRAPH_RUN_GROUP_ID" AS g, "RUN_ID" AS r, "NAME" AS n, "DATABASE_NAME" AS d, "SCHEMA_NAME" AS sc,
                     arg_max("STATE", "ATTEMPT_NUMBER") AS state, max("COMPLETED_TIME") AS done
              FROM {M}.task_history WHERE "ROOT_TASK_ID" = ? GROUP BY ALL)
            SELECT g, r FROM last GROUP BY g, r
            HAVING bool_or(n = ? AND d = ? AND sc = ? AND state = 'SUCCEEDED')
               AND NOT bool_or(state IN ('FAILED', 'CANCELLED'))
            ORDER BY max(done) DESC NULLS LAST LIMIT 1""",
        [root.id, root.name, root.database, root.schema]).fetchone()
    return None if row is None or row[1] is None else (str(row[0]), int(row[1]))


def _trigger_streams(task: Task) -> list[QName]:
    """The streams a triggered task's WHEN watches, qualified in the task's schema (a name that
    does not parse is left out: the WHEN check reports it when the task runs)."""
    out = []
    for name in task.trigger_streams:
        try:
            out.append(qualify(parse_parts(name), task.database, task.schema))
        except Exception:  # noqa: BLE001
            continue
    return out


def _wake_triggered(s: Session, written: set[str]) -> None:
    """A session committed writes to ``written``: when a started triggered task that has not seen
    data yet watches a stream on one of them, run a scheduler tick now instead of at the next poll.
    The tick still runs the task no sooner than its minimum trigger interval allows."""
    engine = s.engine
    sch = engine.scheduler
    if sch is None or not sch.running or engine.clock.manual:
        return
    st = store_of(engine)
    with st.lock:
        waiting = [t for t in st.tasks.values()
                   if t.state == "started" and t.is_triggered and t.fqn not in st.observed]
    streams = engine.catalog.streams
    for t in waiting:
        for qn in _trigger_streams(t):
            info = streams.get(qn.fqn)
            if info is not None and not written.isdisjoint(engine.catalog.source_tables(info)):
                sch.wake()
                return


HOOKS.after_write.append(_wake_triggered)
