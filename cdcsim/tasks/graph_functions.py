"""Task graph table functions: ``TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS(...))``,
``COMPLETE_TASK_GRAPHS(...)`` and ``CURRENT_TASK_GRAPHS(...)`` [DOC T2, T4].

Owns their documented arguments, columns (in order) and row order:
* TASK_DEPENDENTS(TASK_NAME => '<name>' [, RECURSIVE => bool, default TRUE]): the named task, then
  its direct children (RECURSIVE => FALSE) or everything below it, then the finalizer of a named
  root: the docs find "immediately dependent tasks (that is, child tasks and finalizer tasks)"
  with it [DOC: sql-reference/sql/alter-task, "Rename a task"; create-task, "Clone tasks in a task
  graph"], and call it with the name by position (``TASK_DEPENDENTS('old_task_name', RECURSIVE =>
  false)``), which is accepted as TASK_NAME (and a second one as RECURSIVE). The columns are the
  documented subset of SHOW TASKS (lower-case, like SHOW) and their values come from SHOW TASKS'
  own row.
* COMPLETE_TASK_GRAPHS([RESULT_LIMIT] [, ROOT_TASK_NAME] [, ERROR_ONLY]): one row per finished
  graph run attempt (GRAPH_RUN_GROUP_ID + ATTEMPT_NUMBER, as TASK_HISTORY assigns them) that
  completed in the last 60 minutes, newest COMPLETED_TIME first, as documented. STATE is FAILED
  or CANCELLED after the first task run that ended so (FIRST_ERROR_* name it), else SUCCEEDED
  (a skipped child does not change that); a graph run whose root was SKIPPED has no row, as
  documented. COMPLETED_TIME is when its last task run finished.
* CURRENT_TASK_GRAPHS([RESULT_LIMIT] [, ROOT_TASK_NAME]): graph runs in flight (EXECUTING) and
  each started root's next run within 8 days (SCHEDULED), newest SCHEDULED_TIME first; its columns
  include FIRST_ERROR_TASK_NAME / _CODE / _MESSAGE as documented (a run in flight names its first
  task run so far that failed or was cancelled; a SCHEDULED run has none).
RESULT_LIMIT is 1-10000, default 1000; ROOT_TASK_NAME is unqualified and case-insensitive; like
TASK_HISTORY they cover the whole account.

Choices [INFER] (the docs are silent):
* TASK_DEPENDENTS lists dependents top-down: a task after all of its predecessors below the named
  task, ties by name (the order a graph run uses); the finalizer comes last (it runs last). An
  unknown task is 002003 "does not exist or not authorized".
* Graph run STATE when several tasks ended badly: the state of the first one to end
  (FAILED_AND_AUTO_SUSPENDED counts as FAILED). Each ATTEMPT_NUMBER of a graph run (automatic or
  manual retry) is its own row. The 60-minute window applies to COMPLETED_TIME. ROOT_TASK_NAME is
  the name of the graph run's first task run (its root), so runs of a dropped root stay readable.
* A SCHEDULED row has no GRAPH_RUN_GROUP_ID, QUERY_START_TIME or NEXT_SCHEDULED_TIME yet (as in
  TASK_HISTORY); an EXECUTING row's NEXT_SCHEDULED_TIME is the root's next slot after now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..commands import snowflake_bool
from ..errors import ProgrammingError, not_found
from ..names import parse_parts
from . import graph
from .history import NEXT_HORIZON, check_args, error_only, result_limit, runs_sql, session_values, sql_literal
from .provider import slot_after
from .statements import SHOW_COLUMNS, show_row
from .store import store_of

if TYPE_CHECKING:
    from ..session import Session

COMPLETE_WINDOW = timedelta(minutes=60)
DEFAULT_LIMIT = 1000

DEPENDENTS_COLUMNS = ["created_on", "name", "database_name", "schema_name", "owner", "comment", "warehouse",
                      "schedule", "predecessors", "state", "definition", "condition"]
_DEPENDENTS_TYPES = ["TIMESTAMP"] + ["VARCHAR"] * 11

COMPLETE_COLUMNS: list[tuple[str, str]] = [
    ("ROOT_TASK_NAME", "VARCHAR"), ("DATABASE_NAME", "VARCHAR"), ("SCHEMA_NAME", "VARCHAR"), ("STATE", "VARCHAR"),
    ("SCHEDULED_FROM", "VARCHAR"), ("FIRST_ERROR_TASK_NAME", "VARCHAR"), ("FIRST_ERROR_CODE", "BIGINT"),
    ("FIRST_ERROR_MESSAGE", "VARCHAR"), ("SCHEDULED_TIME", "TIMESTAMP"), ("QUERY_START_TIME", "TIMESTAMP"),
    ("NEXT_SCHEDULED_TIME", "TIMESTAMP"), ("COMPLETED_TIME", "TIMESTAMP"), ("ROOT_TASK_ID", "VARCHAR"),
    ("GRAPH_VERSION", "BIGINT"), ("RUN_ID", "BIGINT"), ("ATTEMPT_NUMBER", "BIGINT"), ("CONFIG", "VARCHAR"),
    ("GRAPH_RUN_GROUP_ID", "VARCHAR"), ("BACKFILL_INFO", "VARCHAR"),
]
CURRENT_COLUMNS: list[tuple[str, str]] = [
    ("ROOT_TASK_NAME", "VARCHAR"), ("DATABASE_NAME", "VARCHAR"), ("SCHEMA_NAME", "VARCHAR"), ("STATE", "VARCHAR"),
    ("SCHEDULED_FROM", "VARCHAR"), ("FIRST_ERROR_TASK_NAME", "VARCHAR"), ("FIRST_ERROR_CODE", "BIGINT"),
    ("FIRST_ERROR_MESSAGE", "VARCHAR"), ("SCHEDULED_TIME", "TIMESTAMP"), ("QUERY_START_TIME", "TIMESTAMP"),
    ("NEXT_SCHEDULED_TIME", "TIMESTAMP"), ("ROOT_TASK_ID", "VARCHAR"), ("GRAPH_VERSION", "BIGINT"),
    ("RUN_ID", "BIGINT"), ("ATTEMPT_NUMBER", "BIGINT"), ("CONFIG", "VARCHAR"), ("GRAPH_RUN_GROUP_ID", "VARCHAR"),
    ("BACKFILL_INFO", "VARCHAR"),
]
_ERROR_STATES = "('FAILED', 'FAILED_AND_AUTO_SUSPENDED', 'CANCELLED')"
_ERRORS = {"FAILED", "FAILED_AND_AUTO_SUSPENDED", "CANCELLED"}


def _rows_sql(columns: list[tuple[str, str]], rows: list[tuple]) -> str:
    """A typed SELECT over a few rows built in Python (typed even when there are none)."""
    if not rows:
        return "SELECT " + ", ".join(f'CAST(NULL AS {t}) AS "{c}"' for c, t in columns) + " WHERE FALSE"
    values = ", ".join("(" + ", ".join(sql_literal(v) for v in r) + ")" for r in rows)
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    casts = ", ".join(f'CAST(c{i} AS {t}) AS "{c}"' for i, (c, t) in enumerate(columns))
    return f"SELECT {casts} FROM (VALUES {values}) AS _v({names})"


def _kw(kwargs: dict) -> dict[str, Any]:
    return {k.upper(): v for k, v in kwargs.items()}


# ---------------------------------------------------------------------------- TASK_DEPENDENTS
def task_dependents(s: Session, args: list, kwargs: dict) -> str:
    kw = session_values(s, _kw(kwargs))
    # The docs' own calls pass the name by position: TASK_DEPENDENTS('old_task_name', RECURSIVE => false)
    for key, value in zip(["TASK_NAME", "RECURSIVE"], args, strict=False):
        if key in kw:
            raise ProgrammingError(f"SQL compilation error:\nInvalid argument for TASK_DEPENDENTS: {key} is given "
                                   "twice.", 1_044, "42P13")
        kw[key] = value
    check_args("TASK_DEPENDENTS", args[2:], kw, ["TASK_NAME", "RECURSIVE"])
    if kw.get("TASK_NAME") is None:
        raise ProgrammingError("SQL compilation error:\nInvalid argument for TASK_DEPENDENTS: TASK_NAME is "
                               "required.", 1_044, "42P13")
    recursive = snowflake_bool(kw["RECURSIVE"], "RECURSIVE") if kw.get("RECURSIVE") is not None else True
    st = store_of(s.engine)
    qn = s.qualify(parse_parts(str(kw["TASK_NAME"])))
    with st.lock:
        task = st.get(qn.fqn)
        if task is None:
            raise not_found("Task", qn.fqn)
        if recursive:
            tasks = graph.members(st, task)  # the named task first, each task after its predecessors
        else:
            tasks = [task] + sorted(st.children(task.fqn), key=lambda t: t.fqn)
        fin = st.finalizer(task.fqn)
        if fin is not None:
            tasks.append(fin)
        picks = [SHOW_COLUMNS.index(c) for c in DEPENDENTS_COLUMNS]
        rows = [tuple(r[i] for i in picks) + (n,) for n, r in enumerate(show_row(st, t) for t in tasks)]
    cols = list(zip(DEPENDENTS_COLUMNS, _DEPENDENTS_TYPES, strict=True)) + [("_ORD", "BIGINT")]
    out = ", ".join(f'"{c}"' for c in DEPENDENTS_COLUMNS)
    return f'SELECT {out} FROM ({_rows_sql(cols, rows)}) AS _d ORDER BY "_ORD"'


# ---------------------------------------------------------------------------- COMPLETE_TASK_GRAPHS
def complete_task_graphs(s: Session, args: list, kwargs: dict) -> str:
    kw = session_values(s, _kw(kwargs))
    check_args("COMPLETE_TASK_GRAPHS", args, kw, ["RESULT_LIMIT", "ROOT_TASK_NAME", "ERROR_ONLY"])
    limit = result_limit(kw, DEFAULT_LIMIT)
    st = store_of(s.engine)
    with st.lock:
        pending = list(st.pending)  # finished, not written yet
        in_flight = list(st.graph_runs)
    cutoff = s.now() - COMPLETE_WINDOW
    g = '"GRAPH_RUN_GROUP_ID"'
    # A graph run between two of its task runs has no run in flight, yet it is not complete.
    busy = f" AND {g} NOT IN (" + ", ".join(sql_literal(x) for x in in_flight) + ")" if in_flight else ""
    where = []
    if kw.get("ROOT_TASK_NAME") is not None:
        where.append(f'upper("ROOT_TASK_NAME") = upper({sql_literal(str(kw["ROOT_TASK_NAME"]))})')
    if error_only(kw):
        where.append("\"STATE\" IN ('FAILED', 'CANCELLED')")
    cols = ", ".join(f'"{c}"' for c, _ in COMPLETE_COLUMNS)
    # A graph run's root runs first, so the group's earliest task run is the root's.
    return f"""
WITH h AS (SELECT * FROM {runs_sql(s, pending, '_cdcsim_task_graph_runs')} AS _h), r AS (
    SELECT *, first("NAME" ORDER BY "_SEQ") OVER (PARTITION BY {g}) AS _root,
              first("STATE" ORDER BY "_SEQ") OVER (PARTITION BY {g}) AS _root_state
    FROM h
    WHERE {g} IN (SELECT {g} FROM h WHERE "COMPLETED_TIME" >= {sql_literal(cutoff)}){busy}
      AND "STATE" NOT IN ('SCHEDULED', 'EXECUTING')
), a AS (
    SELECT
        any_value(_root) AS "ROOT_TASK_NAME",
        first("DATABASE_NAME" ORDER BY "_SEQ") AS "DATABASE_NAME",
        first("SCHEMA_NAME" ORDER BY "_SEQ") AS "SCHEMA_NAME",
        coalesce(replace(first("STATE" ORDER BY "COMPLETED_TIME", "_SEQ") FILTER ("STATE" IN {_ERROR_STATES}),
                         'FAILED_AND_AUTO_SUSPENDED', 'FAILED'), 'SUCCEEDED') AS "STATE",
        first("SCHEDULED_FROM" ORDER BY "_SEQ") AS "SCHEDULED_FROM",
        first("NAME" ORDER BY "COMPLETED_TIME", "_SEQ") FILTER ("STATE" IN {_ERROR_STATES})
            AS "FIRST_ERROR_TASK_NAME",
        TRY_CAST(first("ERROR_CODE" ORDER BY "COMPLETED_TIME", "_SEQ") FILTER ("STATE" IN {_ERROR_STATES})
                 AS BIGINT) AS "FIRST_ERROR_CODE",
        first("ERROR_MESSAGE" ORDER BY "COMPLETED_TIME", "_SEQ") FILTER ("STATE" IN {_ERROR_STATES})
            AS "FIRST_ERROR_MESSAGE",
        min("SCHEDULED_TIME") AS "SCHEDULED_TIME",
        min("QUERY_START_TIME") AS "QUERY_START_TIME",
        max("NEXT_SCHEDULED_TIME") AS "NEXT_SCHEDULED_TIME",
        max("COMPLETED_TIME") AS "COMPLETED_TIME",
        any_value("ROOT_TASK_ID") AS "ROOT_TASK_ID",
        max("GRAPH_VERSION") AS "GRAPH_VERSION",
        any_value("RUN_ID") AS "RUN_ID",
        "ATTEMPT_NUMBER",
        first("CONFIG" ORDER BY "_SEQ") AS "CONFIG",
        {g},
        CAST(NULL AS VARCHAR) AS "BACKFILL_INFO",
        max("_SEQ") AS _last
    FROM r WHERE _root_state <> 'SKIPPED'
    GROUP BY {g}, "ATTEMPT_NUMBER"
)
SELECT {cols} FROM a
WHERE "COMPLETED_TIME" >= {sql_literal(cutoff)}{''.join(' AND ' + w for w in where)}
ORDER BY "COMPLETED_TIME" DESC, "SCHEDULED_TIME" DESC, _last DESC LIMIT {limit}"""


# ---------------------------------------------------------------------------- CURRENT_TASK_GRAPHS
def current_task_graphs(s: Session, args: list, kwargs: dict) -> str:
    kw = session_values(s, _kw(kwargs))
    check_args("CURRENT_TASK_GRAPHS", args, kw, ["RESULT_LIMIT", "ROOT_TASK_NAME"])
    limit = result_limit(kw, DEFAULT_LIMIT)
    name = str(kw["ROOT_TASK_NAME"]).upper() if kw.get("ROOT_TASK_NAME") is not None else None
    now = s.now()
    st = store_of(s.engine)
    rows: list[tuple[datetime, int, tuple]] = []
    with st.lock:
        for run in st.graph_runs.values():
            live = st.get(run.root_fqn)
            nxt = slot_after(s.engine, live, now) if live is not None and live.state == "started" else None
            # a graph run's finished task runs stay buffered until the run ends (see provider)
            err = next((r for r in st.pending if r.graph_run_group_id == run.group
                        and r.attempt_number == run.attempt and r.state in _ERRORS), None)
            first = (None, None, None) if err is None else (
                err.name, int(err.error_code) if err.error_code and err.error_code.isdigit() else None,
                err.error_message)
            rows.append((run.scheduled_time, 1, (
                run.root_name, run.database, run.schema, "EXECUTING", run.scheduled_from, *first,
                run.scheduled_time, run.query_start_time, nxt, run.root_id, run.graph_version, run.run_id,
                run.attempt, run.config, run.group, None)))
        busy = {run.root_fqn for run in st.graph_runs.values()}
        for rec in st.live_records(now, now + NEXT_HORIZON):
            if rec.state != "SCHEDULED" or f"{rec.database_name}.{rec.schema_name}.{rec.name}" in busy:
                continue
            rows.append((rec.scheduled_time, 0, (
                rec.name, rec.database_name, rec.schema_name, "SCHEDULED", rec.scheduled_from, None, None, None,
                rec.scheduled_time, None, None, rec.root_task_id, rec.graph_version, rec.run_id,
                rec.attempt_number, rec.config, None, None)))
    picked = [r for r in rows if name is None or r[2][0].upper() == name]
    # Newest SCHEDULED_TIME first [DOC]; at equal times the run in flight before the next one.
    picked.sort(key=lambda r: (r[0], r[1], r[2][0]), reverse=True)
    body = [r[2] + (n,) for n, r in enumerate(picked[:limit])]
    cols = ", ".join(f'"{c}"' for c, _ in CURRENT_COLUMNS)
    return f'SELECT {cols} FROM ({_rows_sql(CURRENT_COLUMNS + [("_ORD", "BIGINT")], body)}) AS _c ORDER BY "_ORD"'
