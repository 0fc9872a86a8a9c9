"""Task run history: the run record, its table ``_cdcsim.task_history``, and
``TABLE(INFORMATION_SCHEMA.TASK_HISTORY(...))`` [DOC T7].

Owns the documented columns (in order), the documented arguments (SCHEDULED_TIME_RANGE_START /
END, RESULT_LIMIT 1-10000 default 100, TASK_NAME case-insensitive and unqualified,
DATABASE_NAME, SCHEMA_NAME, ERROR_ONLY, ROOT_TASK_ID) and the row order (newest SCHEDULED_TIME
first), and the argument checks and run source the other task table functions share
(``check_args``, ``result_limit``, ``error_only``, ``runs_sql``). Besides finished runs it shows runs in flight (EXECUTING) and each started task's next
run (SCHEDULED), as Snowflake does. Finished runs are buffered in memory by the scheduler and
written in one batch after each scheduler step (the function reads the buffer too, so nothing is
ever invisible).

The function covers the whole account, as documented ("the history of task usage for your entire
Snowflake account"): which database's INFORMATION_SCHEMA it is called through does not narrow it;
DATABASE_NAME / SCHEMA_NAME (and the columns of the same names) do. The runs of dropped tasks stay
until they age out, as in Snowflake.

Choices [INFER]: a range start more than 7 days back is an error, as documented; rows with equal
SCHEDULED_TIME come newest-recorded first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from .. import frames
from ..commands import snowflake_bool
from ..errors import Error, ProgrammingError
from ..names import META_SCHEMA

if TYPE_CHECKING:
    from ..session import Session

M = META_SCHEMA
RETENTION = timedelta(days=7)
NEXT_HORIZON = timedelta(days=8)

COLUMNS: list[tuple[str, str]] = [
    ("QUERY_ID", "VARCHAR"), ("NAME", "VARCHAR"), ("DATABASE_NAME", "VARCHAR"), ("SCHEMA_NAME", "VARCHAR"),
    ("QUERY_TEXT", "VARCHAR"), ("CONDITION_TEXT", "VARCHAR"), ("STATE", "VARCHAR"), ("ERROR_CODE", "VARCHAR"),
    ("ERROR_MESSAGE", "VARCHAR"), ("SCHEDULED_TIME", "TIMESTAMP"), ("QUERY_START_TIME", "TIMESTAMP"),
    ("NEXT_SCHEDULED_TIME", "TIMESTAMP"), ("COMPLETED_TIME", "TIMESTAMP"), ("ROOT_TASK_ID", "VARCHAR"),
    ("GRAPH_VERSION", "BIGINT"), ("RUN_ID", "BIGINT"), ("RETURN_VALUE", "VARCHAR"), ("SCHEDULED_FROM", "VARCHAR"),
    ("ATTEMPT_NUMBER", "BIGINT"), ("CONFIG", "VARCHAR"), ("QUERY_HASH", "VARCHAR"), ("QUERY_HASH_VERSION", "BIGINT"),
    ("QUERY_PARAMETERIZED_HASH", "VARCHAR"), ("QUERY_PARAMETERIZED_HASH_VERSION", "BIGINT"),
    ("GRAPH_RUN_GROUP_ID", "VARCHAR"), ("BACKFILL_INFO", "VARCHAR"), ("SPCS_JOB_ID", "VARCHAR"),
]
NAMES = [c for c, _ in COLUMNS]
_COLS_SQL = ", ".join(f'"{c}"' for c in NAMES)

DDL = [
    f"CREATE TABLE IF NOT EXISTS {M}.task_history ({', '.join(f'{chr(34)}{c}{chr(34)} {t}' for c, t in COLUMNS)}, "
    '"_SEQ" BIGINT)',
]


@dataclass
class Record:
    """One row of TASK_HISTORY."""

    query_id: str | None
    name: str
    database_name: str
    schema_name: str
    query_text: str
    condition_text: str | None
    state: str
    error_code: str | None
    error_message: str | None
    scheduled_time: datetime
    query_start_time: datetime | None
    next_scheduled_time: datetime | None
    completed_time: datetime | None
    root_task_id: str
    graph_version: int
    run_id: int
    return_value: str | None
    scheduled_from: str
    attempt_number: int
    config: str | None
    query_hash: str | None
    query_hash_version: int | None
    graph_run_group_id: str | None
    seq: int = 0

    def row(self) -> tuple:
        return (self.query_id, self.name, self.database_name, self.schema_name, self.query_text,
                self.condition_text, self.state, self.error_code, self.error_message, self.scheduled_time,
                self.query_start_time, self.next_scheduled_time, self.completed_time, self.root_task_id,
                self.graph_version, self.run_id, self.return_value, self.scheduled_from, self.attempt_number,
                self.config, self.query_hash, self.query_hash_version, self.query_hash,
                self.query_hash_version, self.graph_run_group_id, None, None, self.seq)


# Up to this many runs are written as one parameterised VALUES statement: a step of the scheduler
# usually finishes one or a few runs, and building a DataFrame costs ~10 ms whatever its size. A
# VALUES list parses in time linear in its length, so large batches (a long advance() over many
# tasks) still travel as a registered DataFrame.
_VALUES_MAX = 16
_ROW_PARAMS = "(" + ", ".join(["?"] * (len(COLUMNS) + 1)) + ")"


def write(con: duckdb.DuckDBPyConnection, records: list[Record]) -> None:
    """Append finished runs in one statement (the caller holds the engine's write lock)."""
    if not records:
        return
    if len(records) <= _VALUES_MAX:
        # INSERT ... VALUES casts each value to its column's type, as the CASTs below do.
        con.execute(f"INSERT INTO {M}.task_history VALUES " + ", ".join([_ROW_PARAMS] * len(records)),
                    [v for r in records for v in r.row()])
        return
    import pandas as pd

    df = pd.DataFrame.from_records([r.row() for r in records], columns=NAMES + ["_SEQ"])
    frames.register(con, "_cdcsim_task_hist_buf", df)
    try:
        casts = ", ".join(f'CAST("{c}" AS {t})' for c, t in COLUMNS + [("_SEQ", "BIGINT")])
        con.execute(f"INSERT INTO {M}.task_history SELECT {casts} FROM _cdcsim_task_hist_buf")
    finally:
        frames.unregister(con, "_cdcsim_task_hist_buf")


def prune(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    con.execute(f'DELETE FROM {M}.task_history WHERE "SCHEDULED_TIME" < ?', [now - RETENTION])


# ---------------------------------------------------------------------------- the table function
def sql_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    return "'" + str(v).replace("'", "''") + "'"


def _eval(s: Session, value: Any) -> Any:
    """Evaluate SQL text (``DATEADD(...)``, ``'...'::TIMESTAMP``) in the session; literals pass through."""
    if not isinstance(value, str):
        return value
    tr = s.translate("SELECT " + value)
    s._set_now()
    return s.duck.execute(s._resolve_tokens(tr)).fetchall()[0][0]


def _as_ts(s: Session, v: Any, arg: str) -> datetime:
    if isinstance(v, str):
        text = v
        try:
            v = datetime.fromisoformat(v.strip())
        except ValueError:
            try:
                v = _eval(s, v)
                if isinstance(v, str):
                    v = datetime.fromisoformat(v)
            except (Error, duckdb.Error, ValueError):  # neither a timestamp nor an expression giving one
                raise ProgrammingError(f"Invalid argument {arg}: '{text}' is not a timestamp", 1_044,
                                       "22023") from None
    if not isinstance(v, datetime):
        raise ProgrammingError(f"Invalid argument {arg}: expected a timestamp", 1_044, "22023")
    return v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone().replace(tzinfo=None)


_SESSION_VAR = re.compile(r"^\$[A-Za-z_][A-Za-z0-9_]*$")


def session_values(s: Session, kw: dict) -> dict:
    """Arguments that name a session variable, given their value: the page's own
    ``SET task_id = ...; TASK_HISTORY(ROOT_TASK_ID => $task_id)`` [DOC T7] (the table function
    receives a non-literal argument as its SQL text)."""
    return {k: _eval(s, v) if isinstance(v, str) and _SESSION_VAR.match(v) else v for k, v in kw.items()}


def name_filter(column: str, value: object) -> str:
    """DATABASE_NAME / SCHEMA_NAME match case-insensitively, and exactly when the name is in double
    quotes inside the string (``DATABASE_NAME => '"my_db"'``) [DOC T7]."""
    text = str(value)
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return f'"{column}" = {sql_literal(text[1:-1].replace(chr(34) * 2, chr(34)))}'
    return f'upper("{column}") = upper({sql_literal(text)})'


def check_args(fn: str, args: list, kw: dict, allowed: list[str]) -> None:
    """Table functions of this package take named arguments only, from a documented set."""
    if args or set(kw) - set(allowed):
        raise ProgrammingError(f"SQL compilation error:\nInvalid argument for {fn}: use named arguments "
                               f"{', '.join(allowed)}.", 1_044, "42P13")


def result_limit(kw: dict, default: int) -> int:
    """RESULT_LIMIT: 1 to 10000 for every task table function [DOC T7]."""
    try:
        limit = int(kw.get("RESULT_LIMIT", default))
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= 10_000:
        raise ProgrammingError("Invalid argument RESULT_LIMIT: must be between 1 and 10000.", 1_044, "22023")
    return limit


def error_only(kw: dict) -> bool:
    return kw.get("ERROR_ONLY") is not None and snowflake_bool(kw["ERROR_ONLY"], "ERROR_ONLY")


def runs_sql(s: Session, live: list[Record], view: str) -> str:
    """A subquery over every run: the written table plus ``live`` (runs not written yet).

    ``view`` names the registered DataFrame: each function needs its own, since one statement may
    call several of them and a registration replaces an earlier one of the same name."""
    live_sql = ""
    if live:
        # In-memory rows travel as a registered DataFrame: a VALUES literal of many rows parses slowly.
        import pandas as pd

        df = pd.DataFrame.from_records([r.row() for r in live], columns=NAMES + ["_SEQ"])
        frames.register(s.duck, view, df)
        casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in COLUMNS + [("_SEQ", "BIGINT")])
        live_sql = f" UNION ALL SELECT {casts} FROM {view}"
    return f"(SELECT {_COLS_SQL}, \"_SEQ\" FROM {M}.task_history{live_sql})"


def task_history(s: Session, args: list, kwargs: dict) -> str:
    from .store import store_of

    now = s.now()
    kw = session_values(s, {k.upper(): v for k, v in kwargs.items()})
    check_args("TASK_HISTORY", args, kw, ["SCHEDULED_TIME_RANGE_START", "SCHEDULED_TIME_RANGE_END", "RESULT_LIMIT",
                                          "TASK_NAME", "DATABASE_NAME", "SCHEMA_NAME", "ERROR_ONLY", "ROOT_TASK_ID"])
    # String literals arrive as Python strings, expressions as SQL text: only timestamps need evaluating.
    start = _as_ts(s, kw["SCHEDULED_TIME_RANGE_START"], "SCHEDULED_TIME_RANGE_START") \
        if "SCHEDULED_TIME_RANGE_START" in kw else now - RETENTION
    end = _as_ts(s, kw["SCHEDULED_TIME_RANGE_END"], "SCHEDULED_TIME_RANGE_END") \
        if "SCHEDULED_TIME_RANGE_END" in kw else None
    if start < now - RETENTION - timedelta(seconds=1):
        raise ProgrammingError("Invalid argument SCHEDULED_TIME_RANGE_START: the time range must be within the "
                               "last 7 days.", 1_044, "22023")
    limit = result_limit(kw, 100)
    where = [f'"SCHEDULED_TIME" >= {sql_literal(start)}']
    if end is not None:
        where.append(f'"SCHEDULED_TIME" <= {sql_literal(end)}')
    if "TASK_NAME" in kw:
        where.append(f'upper("NAME") = upper({sql_literal(str(kw["TASK_NAME"]))})')
    if "DATABASE_NAME" in kw:
        where.append(name_filter("DATABASE_NAME", kw["DATABASE_NAME"]))
    if "SCHEMA_NAME" in kw:
        where.append(name_filter("SCHEMA_NAME", kw["SCHEMA_NAME"]))
    if "ROOT_TASK_ID" in kw:
        where.append(f'"ROOT_TASK_ID" = {sql_literal(str(kw["ROOT_TASK_ID"]))}')
    if error_only(kw):
        where.append("\"STATE\" IN ('FAILED', 'FAILED_AND_AUTO_SUSPENDED', 'CANCELLED')")
    live = store_of(s.engine).live_records(now, now + NEXT_HORIZON)
    return (f"SELECT {_COLS_SQL} FROM {runs_sql(s, live, '_cdcsim_task_live')} AS _h "
            f"WHERE {' AND '.join(where)} ORDER BY \"SCHEDULED_TIME\" DESC, \"_SEQ\" DESC LIMIT {limit}")
