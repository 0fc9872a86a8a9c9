"""INFORMATION_SCHEMA table functions: DYNAMIC_TABLE_REFRESH_HISTORY and DYNAMIC_TABLE_GRAPH_HISTORY.

Arguments and columns follow the reference (3.7, 3.8; doc D6, D7):
* REFRESH_HISTORY(DATA_TIMESTAMP_START => ts (default: one day ago), DATA_TIMESTAMP_END => ts,
  RESULT_LIMIT => n (default 100, at most 10000), NAME => '[db.][schema.]name' (case-insensitive),
  NAME_PREFIX => 'DB.SCHEMA.', ERROR_ONLY => bool).
* GRAPH_HISTORY(AS_OF => ts | HISTORY_START => ts [, HISTORY_END => ts]); without arguments the
  current description of every dynamic table. [INFER] NAME => '[db.][schema.]name' keeps one
  table's rows: the reference page lists no NAME, the monitoring page's example passes it.

[INFER] Row order is not documented: both return the newest rows first (RESULT_LIMIT keeps the
newest). ERROR_ONLY keeps FAILED, UPSTREAM_FAILED and CANCELLED refreshes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..commands import snowflake_bool
from ..engine import HOOKS
from ..errors import compilation_error
from ..names import META_SCHEMA, parse_parts
from ..session import Session

M = META_SCHEMA
REFRESH_COLUMNS = ["NAME", "SCHEMA_NAME", "DATABASE_NAME", "STATE", "STATE_CODE", "STATE_MESSAGE", "QUERY_ID",
                   "DATA_TIMESTAMP", "REFRESH_START_TIME", "REFRESH_END_TIME", "COMPLETION_TARGET",
                   "QUALIFIED_NAME", "LAST_COMPLETED_DEPENDENCY", "STATISTICS", "REFRESH_ACTION", "REINIT_REASON",
                   "REFRESH_TRIGGER", "TARGET_LAG_SEC", "GRAPH_HISTORY_VALID_FROM", "INPUTS_WITH_CHANGED_DATA"]
GRAPH_COLUMNS = ["NAME", "SCHEMA_NAME", "DATABASE_NAME", "QUALIFIED_NAME", "INPUTS", "TARGET_LAG_TYPE",
                 "TARGET_LAG_SEC", "QUERY_TEXT", "VALID_FROM", "VALID_TO", "SCHEDULING_STATE", "ALTER_TRIGGER"]


def _lit(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, datetime):
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    return "'" + str(v).replace("'", "''") + "'"


def _timestamp(s: Session, v: Any) -> datetime:
    """A TIMESTAMP argument: a literal string or an expression such as DATEADD(...)."""
    if isinstance(v, datetime):
        return v
    text = str(v)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    tr = s.translate(f"SELECT ({text})::TIMESTAMP")
    s._set_now()
    row = s.duck.execute(s._resolve_tokens(tr)).fetchone()
    if row is None or row[0] is None:
        raise compilation_error(f"invalid timestamp argument {text}", 1_044, "42P13")
    return row[0]


def refresh_history(s: Session, args: list, kwargs: dict) -> str:
    if args:
        raise compilation_error("DYNAMIC_TABLE_REFRESH_HISTORY takes named arguments only", 1_044, "42P13")
    where = []
    start = kwargs.get("DATA_TIMESTAMP_START")
    end = _timestamp(s, kwargs["DATA_TIMESTAMP_END"]) if kwargs.get("DATA_TIMESTAMP_END") is not None else None
    # without a start the range is the day before its end (the end defaulting to now) [DOC D6]
    where.append(f"data_timestamp >= {_lit(_timestamp(s, start) if start is not None else (end or s.now()) - timedelta(days=1))}")
    if end is not None:
        where.append(f"data_timestamp <= {_lit(end)}")
    if kwargs.get("NAME") is not None:
        parts = parse_parts(str(kwargs["NAME"]))
        qn = s.qualify(parts)
        where.append(f"upper(qualified_name) = upper({_lit(qn.fqn)})")
    if kwargs.get("NAME_PREFIX") is not None:
        where.append(f"starts_with(upper(qualified_name), upper({_lit(kwargs['NAME_PREFIX'])}))")
    if kwargs.get("ERROR_ONLY") is not None and snowflake_bool(kwargs["ERROR_ONLY"], "ERROR_ONLY"):
        where.append("state IN ('FAILED', 'UPSTREAM_FAILED', 'CANCELLED')")
    limit = int(kwargs.get("RESULT_LIMIT", 100))
    if not 1 <= limit <= 10000:
        raise compilation_error("RESULT_LIMIT must be between 1 and 10000", 1_044, "42P13")
    cols = ", ".join(f'{c.lower()} AS "{c}"' for c in REFRESH_COLUMNS)
    return (f"SELECT {cols} FROM {M}.dt_refresh_history WHERE {' AND '.join(where)} "
            f"ORDER BY data_timestamp DESC, seq DESC LIMIT {limit}")


def graph_history(s: Session, args: list, kwargs: dict) -> str:
    if args:
        raise compilation_error("DYNAMIC_TABLE_GRAPH_HISTORY takes named arguments only", 1_044, "42P13")
    if kwargs.get("AS_OF") is not None:
        t = _lit(_timestamp(s, kwargs["AS_OF"]))
        where = f"valid_from <= {t} AND (valid_to IS NULL OR valid_to > {t})"
    elif kwargs.get("HISTORY_START") is not None:
        st = _lit(_timestamp(s, kwargs["HISTORY_START"]))
        end = kwargs.get("HISTORY_END")
        where = f"(valid_to IS NULL OR valid_to > {st})"
        if end is not None:
            where += f" AND valid_from <= {_lit(_timestamp(s, end))}"
    else:
        where = f"valid_to IS NULL AND qualified_name IN (SELECT fqn FROM {M}.dynamic_tables)"
    if kwargs.get("NAME") is not None:
        where += f" AND upper(qualified_name) = upper({_lit(s.qualify(parse_parts(str(kwargs['NAME']))).fqn)})"
    cols = ", ".join(f'{c.lower()} AS "{c}"' for c in GRAPH_COLUMNS)
    return f"SELECT {cols} FROM {M}.dt_graph_history WHERE {where} ORDER BY valid_from DESC, seq DESC"


HOOKS.table_functions["DYNAMIC_TABLE_REFRESH_HISTORY"] = refresh_history
HOOKS.table_functions["DYNAMIC_TABLE_GRAPH_HISTORY"] = graph_history
