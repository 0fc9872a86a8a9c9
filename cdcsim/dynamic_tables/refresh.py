"""Refresh execution: one pipeline run at one shared DATA_TIMESTAMP, atomically, with history.

A *pipeline run* refreshes a set of dynamic tables plus (transitively) the dynamic tables they read,
upstream first, each exactly once. It holds the engine's write lock from start to end, so every
base table stays at one version (the run's data timestamp) while the run reads it, and all
refreshes of the run are applied in **one DuckDB transaction**: a reader sees every table of the
pipeline before the run or every table after it, so gold always agrees with the silver it was
computed from. (Snowflake only promises per-table atomicity; this is stronger, never weaker.)

Failures: when a table's refresh raises, the transaction is rolled back and the run is repeated
without that table; its consumers record UPSTREAM_FAILED and keep their last good contents. The
failing table records FAILED with the error's code and message. Five consecutive failed
*scheduled* refreshes suspend the table (SUSPENDED_DUE_TO_ERRORS) and its consumers
(UPSTREAM_SUSPENDED_DUE_TO_ERRORS); manual failures do not count and any success resets the count.

A table none of whose inputs changed since its frontier refreshes as NO_DATA: no query runs, only
the data timestamp and history advance. [INFER] The initial refresh of an INCREMENTAL table
reports REFRESH_ACTION = INCREMENTAL (everything is its first delta); of a FULL table, FULL; of a
table CREATE OR REPLACE made, REINITIALIZE (statements.create_dynamic_table). A FAILED refresh
reports the action it was taking (INCREMENTAL or FULL), as the monitoring page's example does.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import changes
from ..errors import Error, ProgrammingError, not_found
from ..names import META_SCHEMA, QName
from ..session import Session, map_duck_error
from . import apply
from .catalog import DT, Registry, registry, suspend, update
from .planning import get_plan

M = META_SCHEMA
MAX_SCHEDULED_FAILURES = 5


@dataclass
class Outcome:
    dt: DT
    state: str = "SUCCEEDED"
    action: str = "NO_DATA"
    inserted: int = 0
    deleted: int = 0
    error: Error | None = None
    code: str | None = None
    message: str | None = None
    ms: float = 0.0
    inputs: list[dict] = field(default_factory=list)
    frontier: int | None = None  # the version the refresh read its inputs up to


class RefreshFailed(Exception):
    def __init__(self, fqn: str, error: Error):
        super().__init__(str(error))
        self.fqn, self.error = fqn, error


def pipeline_members(reg: Registry, targets: list[DT]) -> set[str]:
    """The targets and every upstream dynamic table they (transitively) read. An upstream table
    with SCHEDULER = DISABLE is not refreshed (the walk stops there); a target with SCHEDULER =
    DISABLE refreshes only itself."""
    out: set[str] = set()
    todo = list(targets)
    while todo:
        t = todo.pop()
        if t.fqn in out:
            continue
        out.add(t.fqn)
        if not t.scheduler_enabled:
            continue
        for u in reg.upstream(t):
            if u.scheduler_enabled:
                todo.append(u)
    return out


def run_pipeline(s: Session, targets: list[DT], trigger: str, *, own_txn: bool = True,
                 force_init: set[str] | None = None) -> dict[str, Outcome]:
    """Refresh ``targets`` and their upstream tables at one data timestamp.

    ``own_txn=False`` (CREATE ... INITIALIZE = ON_CREATE): the caller's transaction is used and the
    first failure propagates as ``RefreshFailed`` so the CREATE fails and leaves nothing behind.
    """
    reg = registry(s.engine)
    members = pipeline_members(reg, targets)
    order = reg.topo_order(members)
    data_ts = s.now()
    failed: dict[str, Outcome] = {}
    saved_override = s.now_override
    s.now_override = data_ts  # CURRENT_TIMESTAMP() inside the refresh reads the data timestamp
    if s.engine.clock.manual:
        # the refresh's statements bypass Session.run, which sets the SQL variable they read; the
        # wall clock's refreshes keep DuckDB's own time (a statement fewer on the hot path)
        s._set_now()
    try:
        if not own_txn:
            return _attempt(s, reg, order, trigger, data_ts, failed, force_init or set(), raise_on_fail=True)
        outcomes: dict[str, Outcome] = {}
        s.acquire_write()
        try:
            while True:
                s.duck.execute("BEGIN TRANSACTION")
                try:
                    outcomes = _attempt(s, reg, order, trigger, data_ts, failed, force_init or set())
                    _record(s, reg, outcomes, trigger, data_ts)
                    s.duck.execute("COMMIT")
                    break
                except RefreshFailed as rf:
                    s._safe_rollback()
                    # in-memory frontiers of the tables refreshed before the failure moved: restore
                    reg.reload(s.duck)
                    order = reg.topo_order(members)
                    bad = reg.tables[rf.fqn]
                    # the action it was taking: the monitoring page's FAILED row says INCREMENTAL
                    failed[rf.fqn] = Outcome(bad, "FAILED", "FULL" if bad.refresh_mode == "FULL" else "INCREMENTAL",
                                             error=rf.error,
                                             code=f"{rf.error.errno or 100000:06d}"
                                             if isinstance(rf.error.errno, int) else str(rf.error.errno),
                                             message=rf.error.msg)
                except BaseException:
                    s._safe_rollback()
                    reg.reload(s.duck)
                    raise
        finally:
            s.engine.lock.release(s, all_levels=True)
        _apply_in_memory(s, reg, outcomes, trigger, data_ts)
        if any(o.action == "REINITIALIZE" for o in outcomes.values()):
            s.reload_catalog()  # inputs were re-tracked under new change logs
        if any(o.state != "SUCCEEDED" for o in outcomes.values()) or trigger == "SCHEDULED":
            s.engine.scheduler and s.engine.scheduler.wake()
        return outcomes
    finally:
        s.now_override = saved_override
        if s.engine.clock.manual:
            s._set_now()


def _apply_in_memory(s: Session, reg: Registry, outcomes: dict[str, Outcome], trigger: str,
                     data_ts: datetime) -> None:
    """Mirror what ``_record`` wrote (a reload costs more than the NO_DATA refresh itself)."""
    if any(o.state == "FAILED" and trigger == "SCHEDULED" and o.dt.failures + 1 >= MAX_SCHEDULED_FAILURES
           for o in outcomes.values()):
        reg.reload(s.duck)  # an auto-suspension changed several tables
        return
    for fqn, o in outcomes.items():
        dt = reg.tables.get(fqn)
        if dt is None:
            continue
        if o.state == "SUCCEEDED":
            dt.initialized, dt.data_timestamp, dt.failures = True, data_ts, 0
        elif o.state == "FAILED" and trigger == "SCHEDULED":
            dt.failures += 1


def _drop_temps(s: Session) -> None:
    try:
        for (name,) in s.duck.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_dt\\_%' ESCAPE '\\'"
        ).fetchall():
            s.duck.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')
    except Exception:  # noqa: BLE001 - cleanup only; temp tables die with the connection anyway
        pass


def _attempt(s: Session, reg: Registry, order: list[DT], trigger: str, data_ts: datetime,
             failed: dict[str, Outcome], force_init: set[str], raise_on_fail: bool = False) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    bad: set[str] = set(failed)
    for dt in order:
        if dt.fqn in failed:
            outcomes[dt.fqn] = failed[dt.fqn]
            continue
        if any(u.fqn in bad for u in reg.upstream(dt)):
            bad.add(dt.fqn)
            outcomes[dt.fqn] = Outcome(dt, "UPSTREAM_FAILED", "NO_DATA", code="UPSTREAM_FAILURE",
                                       message="Skipped refreshing because an input dynamic table failed.")
            continue
        t0 = time.perf_counter()
        try:
            out = refresh_one(s, reg, dt, dt.fqn in force_init or not dt.initialized)
        except Exception as e:  # noqa: BLE001 - any failure of the query becomes the table's FAILED state
            err = e if isinstance(e, Error) else map_duck_error(e)
            if not isinstance(err, Error):
                err = ProgrammingError(str(e), 100000)
            raise RefreshFailed(dt.fqn, err) from None
        out.ms = (time.perf_counter() - t0) * 1000
        outcomes[dt.fqn] = out
    return outcomes


def _retrack_replaced_inputs(s: Session, dt: DT) -> bool:
    """Re-attach inputs whose table was replaced (CREATE OR REPLACE [DYNAMIC] TABLE drops the old
    change log): their history is gone, so the table must be rebuilt from scratch — Snowflake's
    REINITIALIZE."""
    replaced = False
    for src in dt.sources:
        if src.table_id is None or src.kind not in ("TABLE", "DYNAMIC_TABLE"):
            continue
        if s.engine.catalog.tracked.get(src.fqn) == src.table_id:
            continue
        qn = QName(*src.fqn.split(".", 2))
        if s.relation_kind(qn) is None:
            raise not_found("Table", src.fqn)
        new_id = changes.track(s.duck, qn)
        changes.set_hold(s.duck, new_id, "dt:" + dt.fqn, 0)
        s.duck.execute(f"UPDATE {M}.dt_sources SET table_id = ? WHERE dt_fqn = ? AND src_fqn = ?",
                       [new_id, dt.fqn, src.fqn])
        src.table_id = new_id
        replaced = True
    return replaced


def refresh_one(s: Session, reg: Registry, dt: DT, initialize: bool) -> Outcome:
    con = s.duck
    reinit = _retrack_replaced_inputs(s, dt)
    plan = get_plan(s, dt)
    if not initialize and not plan.state_checked:
        # A database written by an older cdcsim may lack the state this plan keeps: rebuild it.
        reinit = reinit or not apply.has_state(con, plan, dt.id)
        if not reinit:  # rows of zeros an older cdcsim left, which apply._agg_delta must not meet
            apply.purge_empty_groups(con, plan, dt.id)
    plan.state_checked = True
    initialize = initialize or reinit
    table = dt.qname
    out = Outcome(dt)
    tracked = [src for src in dt.sources if src.table_id is not None]
    # one statement: per input, what its log holds past the frontier (events, what the delta read
    # needs to know, the last statement). The write lock is held: no event can follow the log's
    # end, so the windows are open-ended, and the version this refresh reads up to (the new
    # frontier) is the last statement any input's log shows.
    probes: dict[int, tuple] = {}
    hi = max((src.frontier for src in tracked), default=0)
    if tracked:
        q = " UNION ALL ".join(
            f"SELECT {i}, * FROM ({changes.probe_sql(src.table_id, src.frontier, None, single=src.mixed)})"
            for i, src in enumerate(tracked))
        probes = {r[0]: r[1:] for r in con.execute(q).fetchall()}
        hi = max([hi, *(int(p[6]) for p in probes.values() if p[6] is not None)])
        for i, src in enumerate(tracked):
            # the next probe tests one event per row only for an input whose last window held more
            # than inserts: an input that had none (a join's dimension that did not change) skips
            # that subquery; a window that then holds updates is tested by delta_sql's own query
            src.mixed = bool(probes[i][1])
    changed = [(i, src) for i, src in enumerate(tracked) if probes[i][0]]
    minimal = _has_consumers(s, reg, dt)
    watched = _read_by_stream(s, dt)
    tmp = f"_dt_{dt.id}"
    if initialize:
        out.inserted, out.deleted = apply.full(con, table, plan, dt.id, False, tmp)
        out.action = "REINITIALIZE" if reinit else "INCREMENTAL" if dt.refresh_mode == "INCREMENTAL" else "FULL"
    elif not changed and not plan.time_dependent:
        out.action = "NO_DATA"
    elif dt.refresh_mode == "FULL" or plan.kind == "DIFF":
        out.inserted, out.deleted = apply.full(con, table, plan, dt.id, minimal, tmp)
        out.action = "FULL" if dt.refresh_mode == "FULL" else "INCREMENTAL"
    else:
        deltas = {}
        tables = {}
        # one changed input read by one statement of the plan: no temp table for its delta
        inline = len(changed) == 1 and plan.kind in ("LINEAR", "AGG_DELTA")
        for n, (i, src) in enumerate(changed):
            qn = QName(*src.fqn.split(".", 2))
            cols = reg.columns.get(src.fqn)
            if cols is None:
                cols = reg.columns[src.fqn] = changes.user_columns(con, qn)
            if plan.reads is not None:
                # only what the plan reads (at least one column, for the delta's row shape)
                cols = [c for c in cols if c.name.lower() in plan.reads] or cols[:1]
            deltas[src.fqn] = apply.materialise_delta(con, f"{tmp}_d{n}", src.fqn, qn, src.table_id, cols,
                                                      src.frontier, hi, probes[i], inline)
            tables[src.fqn] = qn
        out.inserted, out.deleted = apply.incremental(con, table, plan, dt.id, deltas, tables, tmp,
                                                      tracked=dt.fqn in s.engine.catalog.tracked, watched=watched)
        out.action = "INCREMENTAL"
    out.inputs = [{"name": src.fqn, "kind": src.kind} for _i, src in changed]
    if out.action == "NO_DATA":
        return out  # nothing read: the frontiers and the log holds stay where they are
    # advance the frontiers (recorded by the history row, see catalog.Registry.reload) and, every
    # few refreshes, move the log holds up to them and release the log rows no holder needs any
    # more (a lagging hold only keeps log rows longer)
    for src in tracked:
        src.frontier = hi
    out.frontier = hi if tracked else None
    n = reg.refreshes.get(dt.fqn, 0) + 1
    # a refresh that read or wrote many rows compacts at once: the rows it leaves in the logs
    # would otherwise make some later, small refresh pay for deleting them
    moved = out.inserted + out.deleted + sum(int(probes[i][0]) for i, _src in changed)
    big = moved > changes.COMPACT_ROWS
    if n >= changes.COMPACT_EVERY or big:
        n = 0
        if tracked:
            con.execute(f"UPDATE {M}.log_holds SET stmt = ? WHERE holder = ?", [hi, "dt:" + dt.fqn])
        ids = s.engine.catalog.tracked.values()
        for src in tracked:
            changes.compact(con, src.table_id, ids)
        log_id = s.engine.catalog.tracked.get(dt.fqn)
        if log_id is not None and not minimal:
            changes.compact(con, log_id)
        apply.purge_empty_groups(con, plan, dt.id)
    reg.refreshes[dt.fqn] = n
    return out


def _has_consumers(s: Session, reg: Registry, dt: DT) -> bool:
    """Does anything read this table's change log (a dynamic table downstream, a stream)?"""
    return bool(reg.downstream(dt)) or _read_by_stream(s, dt)


def _read_by_stream(s: Session, dt: DT) -> bool:
    return any(st.table_fqn == dt.fqn for st in s.engine.catalog.streams.values())


def _record(s: Session, reg: Registry, outcomes: dict[str, Outcome], trigger: str, data_ts: datetime) -> None:
    con = s.duck
    now = s.engine.clock.now()
    rows: list[list] = []
    for fqn, o in outcomes.items():
        dt = o.dt
        lag = reg.effective_lag(dt)
        prev = dt.data_timestamp
        target = prev + timedelta(seconds=lag) if prev is not None and lag is not None else None
        if o.state == "SUCCEEDED":
            stats = {"numInsertedRows": o.inserted, "numDeletedRows": o.deleted, "numCopiedRows": 0,
                     "numAddedPartitions": 1 if o.inserted else 0, "numRemovedPartitions": 1 if o.deleted else 0,
                     "queuedTimeMs": 0, "compilationTimeMs": 0, "executionTimeMs": round(o.ms)}
            if not dt.initialized or dt.failures:  # else the history row is the record
                update(con, fqn, initialized=True, data_timestamp=data_ts, failures=0)
        else:
            stats = {"queuedTimeMs": 0, "compilationTimeMs": 0, "executionTimeMs": round(o.ms)}
            if o.state == "FAILED" and trigger == "SCHEDULED":
                n = dt.failures + 1
                update(con, fqn, failures=n)
                if n >= MAX_SCHEDULED_FAILURES and dt.scheduling_state == "RUNNING":
                    _auto_suspend(s, reg, dt, now)
        last_dep = None
        ups = reg.upstream(dt)
        if ups:
            u = ups[0]
            last_dep = json.dumps({"qualified_name": u.fqn, "data_timestamp": str(data_ts)})
        inputs = json.dumps(o.inputs) if o.action != "NO_DATA" and o.inputs else None
        rows.append([dt.qname.name, dt.qname.schema, dt.qname.database, o.state, o.code, o.message,
                     str(uuid.uuid4()), data_ts, data_ts, now, target, fqn, last_dep, json.dumps(stats), o.action,
                     None, trigger, lag, dt.created_on, inputs, dt.id,
                     o.frontier if o.state == "SUCCEEDED" else None])
    if rows:  # one statement for the whole pipeline (history rows keep the refresh order)
        one = f"({', '.join(['?'] * 20)}, nextval('{M}.dt_hist_seq'), ?, ?)"
        con.execute(f"INSERT INTO {M}.dt_refresh_history VALUES {', '.join([one] * len(rows))}",
                    [v for r in rows for v in r])


def _auto_suspend(s: Session, reg: Registry, dt: DT, now: datetime) -> None:
    suspend(s.duck, reg, dt, "SUSPENDED_DUE_TO_ERRORS", "UPSTREAM_SUSPENDED_DUE_TO_ERRORS", now)


def raise_for_manual(outcomes: dict[str, Outcome], targets: list[DT]) -> None:
    """ALTER ... REFRESH fails when a listed table ends FAILED or UPSTREAM_FAILED (doc D9, D15)."""
    for t in targets:
        o = outcomes.get(t.fqn)
        if o is None:
            continue
        if o.state == "FAILED" and o.error is not None:
            raise o.error
        if o.state == "UPSTREAM_FAILED":
            raise ProgrammingError("Manual refresh failed because an upstream dynamic table failed to refresh.",
                                   2753, "XX000")
