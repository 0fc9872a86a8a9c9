"""Dynamic-table metadata: the ``_cdcsim`` tables that persist it and the in-memory registry.

Owns
* ``_cdcsim.dynamic_tables`` — one row per dynamic table (definition, resolved refresh mode,
  scheduling state, last data timestamp, consecutive scheduled failures);
* ``_cdcsim.dt_sources`` — every input relation of a dynamic table with the change-log frontier
  (a statement number) its last refresh consumed;
* ``_cdcsim.dt_refresh_history`` / ``_cdcsim.dt_graph_history`` — what the INFORMATION_SCHEMA
  functions report;
* the dependency graph helpers (upstream / downstream closure, effective lag).

The registry (``registry(engine)``) mirrors the metadata tables in memory so the refresh fast path
(a NO_DATA refresh) needs no metadata queries; every change is written through to DuckDB first and
the registry is reloaded after the transaction commits.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from ..catalog import ROW_ID_RELATIONS
from ..engine import HOOKS
from ..names import META_SCHEMA, QName

if TYPE_CHECKING:
    from ..engine import Engine

M = META_SCHEMA

_DDL = [
    # (``table_id`` is no longer written: a dynamic table's change log, if any, is in tracked_tables)
    f"""CREATE TABLE IF NOT EXISTS {M}.dynamic_tables (
        fqn VARCHAR PRIMARY KEY, database_name VARCHAR, schema_name VARCHAR, name VARCHAR, id BIGINT,
        text VARCHAR, query VARCHAR, target_lag VARCHAR, lag_sec BIGINT, scheduler VARCHAR,
        warehouse VARCHAR, requested_mode VARCHAR, refresh_mode VARCHAR, refresh_mode_reason VARCHAR,
        initialize VARCHAR, comment VARCHAR, transient BOOLEAN, created_on TIMESTAMP,
        scheduling_state VARCHAR, suspend_reason VARCHAR, last_suspended_on TIMESTAMP,
        resumed_on TIMESTAMP, initialized BOOLEAN, data_timestamp TIMESTAMP, failures INTEGER,
        table_id BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {M}.dt_sources (
        dt_fqn VARCHAR, src_fqn VARCHAR, kind VARCHAR, table_id BIGINT, frontier BIGINT,
        PRIMARY KEY (dt_fqn, src_fqn))""",
    f"""CREATE TABLE IF NOT EXISTS {M}.dt_refresh_history (
        name VARCHAR, schema_name VARCHAR, database_name VARCHAR, state VARCHAR, state_code VARCHAR,
        state_message VARCHAR, query_id VARCHAR, data_timestamp TIMESTAMP, refresh_start_time TIMESTAMP,
        refresh_end_time TIMESTAMP, completion_target TIMESTAMP, qualified_name VARCHAR,
        last_completed_dependency JSON, statistics JSON, refresh_action VARCHAR, reinit_reason VARCHAR,
        refresh_trigger VARCHAR, target_lag_sec BIGINT, graph_history_valid_from TIMESTAMP,
        inputs_with_changed_data JSON, seq BIGINT, dt_id BIGINT, frontier BIGINT)""",
    # (databases written before the refresh frontier moved into the history row)
    f"ALTER TABLE {M}.dt_refresh_history ADD COLUMN IF NOT EXISTS dt_id BIGINT",
    f"ALTER TABLE {M}.dt_refresh_history ADD COLUMN IF NOT EXISTS frontier BIGINT",
    f"""CREATE TABLE IF NOT EXISTS {M}.dt_graph_history (
        name VARCHAR, schema_name VARCHAR, database_name VARCHAR, qualified_name VARCHAR, inputs JSON,
        target_lag_type VARCHAR, target_lag_sec BIGINT, query_text VARCHAR, valid_from TIMESTAMP,
        valid_to TIMESTAMP, scheduling_state JSON, alter_trigger JSON, seq BIGINT)""",
    f"CREATE SEQUENCE IF NOT EXISTS {M}.dt_hist_seq",
]

_COLS = ("fqn, database_name, schema_name, name, id, text, query, target_lag, lag_sec, scheduler, warehouse, "
         "requested_mode, refresh_mode, refresh_mode_reason, initialize, comment, transient, created_on, "
         "scheduling_state, suspend_reason, last_suspended_on, resumed_on, initialized, data_timestamp, "
         "failures")


@dataclass
class Source:
    fqn: str
    kind: str  # TABLE | DYNAMIC_TABLE | VIEW
    table_id: int | None  # change log of the relation (None for views: see base_ids)
    frontier: int
    # did the last window read hold more than inserts? Then the next probe also asks whether each
    # row has one event (see refresh.refresh_one); an append-only input is spared that test
    mixed: bool = True


@dataclass
class DT:
    """One dynamic table's metadata (a row of ``_cdcsim.dynamic_tables`` plus its sources)."""

    fqn: str
    qname: QName
    id: int
    text: str
    query: str  # the defining query, Snowflake SQL with every relation fully qualified
    target_lag: str | None  # '<n> <unit>' | 'DOWNSTREAM' | None (SCHEDULER = DISABLE)
    lag_sec: int | None
    scheduler: str | None
    warehouse: str | None
    requested_mode: str
    refresh_mode: str  # INCREMENTAL | FULL (AUTO resolved at creation)
    refresh_mode_reason: str | None
    initialize: str
    comment: str | None
    transient: bool
    created_on: datetime
    scheduling_state: str  # RUNNING | SUSPENDED
    suspend_reason: str | None
    last_suspended_on: datetime | None
    resumed_on: datetime | None
    initialized: bool
    data_timestamp: datetime | None
    failures: int
    sources: list[Source] = field(default_factory=list)

    @property
    def downstream_lag(self) -> bool:
        return self.target_lag == "DOWNSTREAM"

    @property
    def scheduler_enabled(self) -> bool:
        return self.scheduler != "DISABLE"


class Registry:
    """The in-memory mirror of every dynamic table of one engine."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.tables: dict[str, DT] = {}
        self.plans: dict[str, Any] = {}  # fqn -> ivm.Plan (rebuilt when a source changes shape)
        self.attempts: dict[str, datetime] = {}  # fqn -> instant of the last scheduled attempt
        self.columns: dict[str, list[Any]] = {}  # relation fqn -> changes.Column list (cleared on DDL)
        self.refreshes: dict[str, int] = {}  # fqn -> refreshes since the last log compaction

    def reload(self, con: duckdb.DuckDBPyConnection) -> None:
        with self.lock:
            tables: dict[str, DT] = {}
            for r in con.execute(f"SELECT {_COLS} FROM {M}.dynamic_tables").fetchall():
                tables[r[0]] = DT(r[0], QName(r[1], r[2], r[3]), int(r[4]), *r[5:8],
                                  None if r[8] is None else int(r[8]), *r[9:16], bool(r[16]), *r[17:22],
                                  bool(r[22]), r[23], int(r[24] or 0))
            # No metadata write on the hot path: the frontier a refresh advances is in its history
            # row (``frontier``, by table id: a name can be reused), the log hold follows it at
            # compaction time only, and the data timestamp is the last successful refresh's.
            for dt_fqn, src, kind, tid, frontier in con.execute(
                    f"SELECT s.dt_fqn, s.src_fqn, s.kind, s.table_id, "
                    f"greatest(coalesce(h.stmt, s.frontier), coalesce(f.frontier, 0)) "
                    f"FROM {M}.dt_sources s JOIN {M}.dynamic_tables d ON d.fqn = s.dt_fqn "
                    f"LEFT JOIN {M}.log_holds h ON h.table_id = s.table_id AND h.holder = 'dt:' || s.dt_fqn "
                    f"LEFT JOIN (SELECT dt_id, max(frontier) AS frontier FROM {M}.dt_refresh_history "
                    f"GROUP BY dt_id) f ON f.dt_id = d.id ORDER BY s.src_fqn"
            ).fetchall():
                if dt_fqn in tables:
                    tables[dt_fqn].sources.append(Source(src, kind, None if tid is None else int(tid),
                                                         int(frontier or 0)))
            for fqn, ts in con.execute(
                    f"SELECT qualified_name, max(data_timestamp) FROM {M}.dt_refresh_history "
                    f"WHERE state = 'SUCCEEDED' GROUP BY qualified_name").fetchall():
                t = tables.get(fqn)
                if t is not None and t.initialized and (t.data_timestamp is None or ts > t.data_timestamp):
                    t.data_timestamp = ts
            stale = [f for f in self.plans
                     if f not in tables or f not in self.tables or tables[f].text != self.tables[f].text]
            for f in stale:
                self.plans.pop(f, None)
            self.tables = tables

    # -------------------------------------------------------------- graph
    def get(self, fqn: str) -> DT | None:
        return self.tables.get(fqn)

    def upstream(self, dt: DT) -> list[DT]:
        """Direct upstream dynamic tables."""
        return [self.tables[s.fqn] for s in dt.sources if s.kind == "DYNAMIC_TABLE" and s.fqn in self.tables]

    def downstream(self, dt: DT) -> list[DT]:
        """Direct consumers (dynamic tables that read ``dt``)."""
        return [t for t in self.tables.values() if any(s.fqn == dt.fqn for s in t.sources)]

    def downstream_closure(self, dt: DT) -> list[DT]:
        seen: dict[str, DT] = {}
        todo = self.downstream(dt)
        while todo:
            t = todo.pop()
            if t.fqn not in seen:
                seen[t.fqn] = t
                todo.extend(self.downstream(t))
        return list(seen.values())

    def effective_lag(self, dt: DT, _seen: frozenset[str] = frozenset()) -> int | None:
        """Seconds: a duration lag itself; DOWNSTREAM follows the shortest lag among its consumers
        (None when no consumer has a time-based lag, so the table never refreshes by itself)."""
        if dt.target_lag is None:
            return None
        if not dt.downstream_lag:
            return dt.lag_sec
        lags = [x for c in self.downstream(dt) if c.fqn not in _seen
                and (x := self.effective_lag(c, _seen | {dt.fqn})) is not None]
        return min(lags) if lags else None

    def topo_order(self, fqns: set[str]) -> list[DT]:
        """``fqns`` in dependency order (upstream first)."""
        out: list[DT] = []
        done: set[str] = set()

        def visit(f: str) -> None:
            if f in done or f not in self.tables:
                return
            done.add(f)
            for u in self.upstream(self.tables[f]):
                if u.fqn in fqns:
                    visit(u.fqn)
            out.append(self.tables[f])

        for f in sorted(fqns):
            visit(f)
        return out


def registry(engine: Engine) -> Registry:
    reg = engine.state.get("dynamic_tables")
    if reg is None:
        reg = engine.state["dynamic_tables"] = Registry()
    return reg


def _on_load(engine: Engine, con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DDL:
        con.execute(ddl)
    registry(engine).reload(con)


HOOKS.on_load.append(_on_load)
# every dynamic table has the hidden row-id column, tracked or not
ROW_ID_RELATIONS.append(lambda con: [r[0] for r in con.execute(f"SELECT fqn FROM {M}.dynamic_tables").fetchall()])


def save(con: duckdb.DuckDBPyConnection, dt: DT) -> None:
    """Write ``dt``'s row (insert or replace) and its sources."""
    con.execute(f"DELETE FROM {M}.dynamic_tables WHERE fqn = ?", [dt.fqn])
    con.execute(
        f"INSERT INTO {M}.dynamic_tables ({_COLS}) VALUES ({', '.join('?' * 25)})",
        [dt.fqn, dt.qname.database, dt.qname.schema, dt.qname.name, dt.id, dt.text, dt.query, dt.target_lag,
         dt.lag_sec, dt.scheduler, dt.warehouse, dt.requested_mode, dt.refresh_mode, dt.refresh_mode_reason,
         dt.initialize, dt.comment, dt.transient, dt.created_on, dt.scheduling_state, dt.suspend_reason,
         dt.last_suspended_on, dt.resumed_on, dt.initialized, dt.data_timestamp, dt.failures],
    )
    con.execute(f"DELETE FROM {M}.dt_sources WHERE dt_fqn = ?", [dt.fqn])
    for s in dt.sources:
        con.execute(f"INSERT INTO {M}.dt_sources VALUES (?, ?, ?, ?, ?)",
                    [dt.fqn, s.fqn, s.kind, s.table_id, s.frontier])


def update(con: duckdb.DuckDBPyConnection, fqn: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    con.execute(f"UPDATE {M}.dynamic_tables SET {sets} WHERE fqn = ?", [*values.values(), fqn])


def scheduling_state(dt: DT, running: str) -> str:
    """The SCHEDULING_STATE object (JSON) of the history functions; ``running`` is the word for a
    table that runs: GRAPH_HISTORY says ACTIVE where DYNAMIC_TABLES() says RUNNING (reference 3.8)."""
    state: dict[str, object] = {"state": running if dt.scheduling_state == "RUNNING" else "SUSPENDED"}
    if dt.scheduling_state == "SUSPENDED":
        state.update(reason_code=dt.suspend_reason, reason_message=suspend_message(dt.suspend_reason),
                     suspended_on=str(dt.last_suspended_on))
    elif dt.resumed_on is not None:
        state["resumed_on"] = str(dt.resumed_on)
    return json.dumps(state)


def record_graph(con: duckdb.DuckDBPyConnection, reg: Registry, dt: DT, now: datetime, trigger: str) -> None:
    """Close the current DYNAMIC_TABLE_GRAPH_HISTORY row of ``dt`` and open a new one."""
    con.execute(f"UPDATE {M}.dt_graph_history SET valid_to = ? WHERE qualified_name = ? AND valid_to IS NULL",
                [now, dt.fqn])
    inputs = [{"name": s.fqn, "kind": "DYNAMIC TABLE" if s.kind == "DYNAMIC_TABLE" else s.kind}
              for s in dt.sources]
    lag_type = "DOWNSTREAM" if dt.downstream_lag else "USER_DEFINED"
    con.execute(
        f"INSERT INTO {M}.dt_graph_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, nextval('{M}.dt_hist_seq'))",
        [dt.qname.name, dt.qname.schema, dt.qname.database, dt.fqn, json.dumps(inputs), lag_type,
         reg.effective_lag(dt), dt.text, now, scheduling_state(dt, "ACTIVE"), json.dumps([trigger])],
    )


def suspend(con: duckdb.DuckDBPyConnection, reg: Registry, dt: DT, reason: str, cascade_reason: str,
            now: datetime) -> None:
    """Suspend ``dt`` and, with ``cascade_reason``, every running table downstream of it (doc D10)."""
    for table, why in [(dt, reason)] + [(d, cascade_reason) for d in reg.downstream_closure(dt)]:
        if table is not dt and table.scheduling_state != "RUNNING":
            continue
        update(con, table.fqn, scheduling_state="SUSPENDED", suspend_reason=why, last_suspended_on=now)
        table.scheduling_state, table.suspend_reason, table.last_suspended_on = "SUSPENDED", why, now
        record_graph(con, reg, table, now, "SUSPEND")


def suspend_message(code: str | None) -> str | None:
    """SUSPENDED_DUE_TO_ERRORS's text is the manage page's example; the others are [INFER]."""
    return {
        "USER_SUSPENDED": "User suspended the dynamic table.",
        "UPSTREAM_USER_SUSPENDED": "An upstream dynamic table was suspended by a user.",
        "SUSPENDED_DUE_TO_ERRORS": "The dynamic table was suspended due to 5 consecutive refresh errors.",
        "UPSTREAM_SUSPENDED_DUE_TO_ERRORS": "An upstream dynamic table was suspended due to errors.",
    }.get(code or "")
