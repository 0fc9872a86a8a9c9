"""The task catalog of one engine: every task (definition + runtime state) in memory, persisted
in ``_cdcsim.tasks`` (one JSON document per task) so a file database keeps tasks, their state and
their history across restarts; plus the scheduler's in-memory buffers (finished runs not yet
written, runs in flight, graph runs in flight, EXECUTE TASK requests waiting for the scheduler).
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from ..engine import HOOKS
from ..names import META_SCHEMA
from . import history
from .history import Record
from .model import Task

if TYPE_CHECKING:
    from ..engine import Engine
    from ..session import Session

M = META_SCHEMA
_KEY = "tasks"
PRUNE_EVERY = 500


@dataclass
class LastRun:
    """The latest graph run of a root, for EXECUTE TASK ... RETRY LAST (kept in memory only)."""

    group: str
    run_id: int
    attempt: int
    outcomes: dict[str, str]
    config: str | None
    version: int


@dataclass
class GraphRun:
    """A graph run in flight, from its root's start until its last task (or finalizer) finished.

    Kept because between two task runs of a graph no task run is in flight, yet the graph run is
    neither complete (COMPLETE_TASK_GRAPHS) nor gone from CURRENT_TASK_GRAPHS."""

    root_fqn: str
    root_name: str
    database: str
    schema: str
    root_id: str
    graph_version: int
    run_id: int
    group: str
    attempt: int
    scheduled_from: str
    config: str | None
    scheduled_time: datetime
    query_start_time: datetime


@dataclass
class Request:
    """A run asked for by EXECUTE TASK that the scheduler has not started yet."""

    at: datetime
    fqn: str
    source: str  # EXECUTE_TASK | MANUAL RETRY
    config: str | None = None
    retry: LastRun | None = None


class TaskStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.lock = threading.RLock()
        self.tasks: dict[str, Task] = {}
        self.pending: list[Record] = []  # finished, not yet written
        self.executing: dict[str, Record] = {}  # fqn -> in-flight run
        self.graph_runs: dict[str, GraphRun] = {}  # GRAPH_RUN_GROUP_ID -> graph run in flight
        self.requests: list[Request] = []
        self.last_runs: dict[str, LastRun] = {}
        # root -> (GRAPH_RUN_GROUP_ID, RUN_ID) of its latest successful graph run (SYSTEM$TASK_RUNTIME_INFO)
        # root task id -> its last successful graph run (group, RUN_ID): by id, so a replaced
        # task starts with none (SYSTEM$TASK_RUNTIME_INFO)
        self.last_success: dict[str, tuple[str, int]] = {}
        # roots whose last success was looked up in TASK_HISTORY (once each: a root that never
        # succeeds would otherwise scan the history at every run)
        self.success_looked_up: set[str] = set()
        self.cancel: set[str] = set()  # roots whose in-flight graph run is being cancelled
        self._flushes = 0
        self.last_flush = datetime.min  # clock time of the last history write
        self.dirty: set[str] = set()  # runtime state changed, not yet written
        self.observed: dict[str, datetime] = {}  # triggered task fqn -> when new data was first seen
        self._seq = itertools.count(1)
        # Graph indexes, rebuilt after DDL (``touch``): a scan of every task per run would make the
        # scheduler quadratic in the number of tasks.
        self._version = 0
        self._indexed = -1
        self._children: dict[str, list[Task]] = {}
        self._finalizers: dict[str, Task] = {}

    def touch(self) -> None:
        """The set of tasks or their links changed."""
        with self.lock:
            self._version += 1

    def _index(self) -> None:
        if self._indexed == self._version:
            return
        children: dict[str, list[Task]] = {}
        finalizers: dict[str, Task] = {}
        for t in sorted(self.tasks.values(), key=lambda t: t.fqn):
            for p in t.predecessors:
                children.setdefault(p, []).append(t)
            if t.finalize is not None:
                finalizers[t.finalize] = t
        self._children, self._finalizers, self._indexed = children, finalizers, self._version

    def next_seq(self) -> int:
        return next(self._seq)

    def load(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(f"SELECT doc FROM {M}.tasks").fetchall()
        seq = con.execute(f'SELECT coalesce(max("_SEQ"), 0) FROM {M}.task_history').fetchone()[0]
        last = {(r[0], r[1], r[2]): r[3] for r in con.execute(
            f'SELECT "DATABASE_NAME", "SCHEMA_NAME", "NAME", max("SCHEDULED_TIME") FROM {M}.task_history '
            "WHERE \"SCHEDULED_FROM\" = 'SCHEDULE' GROUP BY ALL").fetchall()}
        with self.lock:
            self.tasks = {t.fqn: t for t in (Task.from_json(r[0]) for r in rows)}
            self._seq = itertools.count(int(seq) + 1)
            self.touch()
            for t in self.tasks.values():
                # The stored next_due may predate the last runs: the next slot is after the last one run.
                ran = last.get((t.database, t.schema, t.name))
                if t.state == "started" and t.schedule and ran is not None and t.next_due is not None \
                        and ran >= t.next_due:
                    # A stored schedule was checked when it was set: a file last used with
                    # limits="relaxed" (the live demo's half-second tasks) opens under any limits.
                    sched = t.parsed_schedule(True)
                    if sched is not None:
                        t.next_due = sched.first_after(t.base or ran, ran)

    # ---- queries
    def get(self, fqn: str) -> Task | None:
        return self.tasks.get(fqn)

    def children(self, fqn: str) -> list[Task]:
        with self.lock:
            self._index()
            return list(self._children.get(fqn, ()))

    def finalizer(self, root_fqn: str) -> Task | None:
        with self.lock:
            self._index()
            return self._finalizers.get(root_fqn)

    def live_records(self, now: datetime, horizon: datetime) -> list[Record]:
        """Unwritten finished runs, runs in flight, and every started task's next SCHEDULED run."""
        with self.lock:
            out = list(self.pending) + list(self.executing.values())
            for t in self.tasks.values():
                if t.state != "started" or t.next_due is None or not t.is_root or t.next_due > horizon:
                    continue
                if t.is_triggered and t.fqn not in self.observed:
                    continue  # a triggered task has no predictable next run
                out.append(Record(None, t.name, t.database, t.schema, t.definition, t.condition, "SCHEDULED",
                                  None, None, t.next_due, None, None, None, t.id, max(t.graph_version, 1),
                                  epoch_ms(t.next_due), None, "TRIGGER" if t.is_triggered else "SCHEDULE", 1,
                                  t.config, None, None, None, next(self._seq) + 10**12))
            return out

    # ---- persistence (callers hold the engine write lock for ``con``'s session)
    def save(self, con: duckdb.DuckDBPyConnection, tasks: list[Task]) -> None:
        if not tasks:
            return
        values = ", ".join(["(?, ?)"] * len(tasks))
        params: list[object] = []
        for t in tasks:
            params += [t.fqn, t.to_json()]
        con.execute(f"INSERT OR REPLACE INTO {M}.tasks VALUES {values}", params)

    def delete(self, con: duckdb.DuckDBPyConnection, fqn: str) -> None:
        con.execute(f"DELETE FROM {M}.tasks WHERE fqn = ?", [fqn])

    def flush(self, s: Session) -> None:
        """Write buffered runs and changed runtime state in one short write transaction."""
        with self.lock:
            records, self.pending = self.pending, []
            tasks = [self.tasks[f] for f in self.dirty if f in self.tasks]
            self.dirty.clear()
            self.last_flush = self.engine.clock.now()
        if not records and not tasks:
            return
        s.acquire_write()
        try:
            s.duck.execute("BEGIN TRANSACTION")
            try:
                history.write(s.duck, records)
                self.save(s.duck, tasks)
                self._flushes += 1
                if self._flushes % PRUNE_EVERY == 1:  # runs older than the 7 days TASK_HISTORY shows
                    history.prune(s.duck, s.engine.clock.now())
                s.duck.execute("COMMIT")
            except Exception:
                s.duck.execute("ROLLBACK")
                with self.lock:  # keep them for the next flush
                    self.pending[:0] = records
                    self.dirty.update(t.fqn for t in tasks)
                raise
        finally:
            s.engine.lock.release(s, all_levels=True)


def epoch_ms(t: datetime) -> int:
    """RUN_ID: the root's originally scheduled time in epoch milliseconds [DOC T7] (naive = local)."""
    return int(t.timestamp() * 1000)


def store_of(engine: Engine) -> TaskStore:
    st = engine.state.get(_KEY)
    if st is None:
        st = engine.state.setdefault(_KEY, TaskStore(engine))
    return st


def _on_load(engine: Engine, con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {M}.tasks (fqn VARCHAR PRIMARY KEY, doc VARCHAR)")
    for ddl in history.DDL:
        con.execute(ddl)
    store_of(engine).load(con)


HOOKS.on_load.append(_on_load)
