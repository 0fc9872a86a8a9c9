"""TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES(...)): each dynamic table with its lag metrics and the
state of its latest refresh.

Snowflake [DOC D14: sql-reference/functions/dynamic_tables; reference 3.9]:
* Arguments, all optional: NAME => '[db.][schema.]name' (case-insensitive), REFRESH_DATA_TIMESTAMP_START
  => ts (the metrics count refreshes whose data timestamp is at or after it; default: the 7 days
  of history kept), RESULT_LIMIT => n (default 100, 1 to 2^31 - 1, see _MAX_LIMIT),
  INCLUDE_CONNECTED => TRUE (with NAME and without RESULT_LIMIT: every dynamic table connected to
  that one, upstream or down).
* Columns: NAME, SCHEMA_NAME, DATABASE_NAME, QUALIFIED_NAME, TARGET_LAG_SEC, TARGET_LAG_TYPE,
  SCHEDULING_STATE, MEAN_LAG_SEC, MAXIMUM_LAG_SEC, TIME_ABOVE_TARGET_LAG_SEC,
  TIME_WITHIN_TARGET_LAG_RATIO, LATEST_DATA_TIMESTAMP, LAST_COMPLETED_REFRESH_STATE(_CODE,
  _MESSAGE), EXECUTING_REFRESH_QUERY_ID, RECOMMENDATIONS.
* Rows come sorted by the latest completed refresh's state: FAILED, UPSTREAM_FAILED, SKIPPED,
  SUCCEEDED, CANCELED.

[INFER] How the metrics are computed (Snowflake names them and does not give formulas): a table's
lag at instant t is t minus the data timestamp of the last successful refresh finished by t (a
NO_DATA refresh counts: the table is current as of it). Over the window from the first such
refresh in range to now, MEAN_LAG_SEC is the time-average of that lag, MAXIMUM_LAG_SEC its
largest value, TIME_ABOVE_TARGET_LAG_SEC how long it exceeded the target lag, and
TIME_WITHIN_TARGET_LAG_RATIO the share of the window it did not; seconds are rounded to whole
numbers. TARGET_LAG_SEC is the lag the table is refreshed for (a DOWNSTREAM table's comes from its
consumers; NULL when none has one, and then nothing counts as above it). A table that never
refreshed successfully has NULL metrics. Ties in the sort go by qualified name. Refreshes here run
to completion inside the statement that starts them, so EXECUTING_REFRESH_QUERY_ID is NULL, and
RECOMMENDATIONS is NULL.
"""

from __future__ import annotations

from datetime import timedelta

from ..commands import snowflake_bool
from ..engine import HOOKS
from ..errors import compilation_error
from ..names import META_SCHEMA, parse_parts
from ..session import Session
from .catalog import DT, registry, scheduling_state
from .history import _lit, _timestamp

M = META_SCHEMA
COLUMNS = ["NAME", "SCHEMA_NAME", "DATABASE_NAME", "QUALIFIED_NAME", "TARGET_LAG_SEC", "TARGET_LAG_TYPE",
           "SCHEDULING_STATE", "MEAN_LAG_SEC", "MAXIMUM_LAG_SEC", "TIME_ABOVE_TARGET_LAG_SEC",
           "TIME_WITHIN_TARGET_LAG_RATIO", "LATEST_DATA_TIMESTAMP", "LAST_COMPLETED_REFRESH_STATE",
           "LAST_COMPLETED_REFRESH_STATE_CODE", "LAST_COMPLETED_REFRESH_STATE_MESSAGE",
           "EXECUTING_REFRESH_QUERY_ID", "RECOMMENDATIONS"]
# [INFER] The page gives RESULT_LIMIT the range 1 to 10000 and, in the same paragraph, tells to
# pass "the maximum value of a signed integer" to sort or filter every table: that value is taken
# (anything above the tables there are returns them all).
_MAX_LIMIT = 2**31 - 1
_STATE_ORDER = ["FAILED", "UPSTREAM_FAILED", "SKIPPED", "SUCCEEDED", "CANCELED", "CANCELLED"]


def _connected(reg, dt: DT) -> list[DT]:  # type: ignore[no-untyped-def]
    """``dt`` and every dynamic table reachable from it through inputs or consumers."""
    seen = {dt.fqn: dt}
    todo = [dt]
    while todo:
        t = todo.pop()
        for n in reg.upstream(t) + reg.downstream(t):
            if n.fqn not in seen:
                seen[n.fqn] = n
                todo.append(n)
    return list(seen.values())


def dynamic_tables(s: Session, args: list, kwargs: dict) -> str:
    if args:
        raise compilation_error("DYNAMIC_TABLES takes named arguments only", 1_044, "42P13")
    unknown = set(kwargs) - {"NAME", "REFRESH_DATA_TIMESTAMP_START", "RESULT_LIMIT", "INCLUDE_CONNECTED"}
    if unknown:
        raise compilation_error(f"invalid argument {sorted(unknown)[0]} for DYNAMIC_TABLES", 1_044, "42P13")
    reg = registry(s.engine)
    now = s.now()
    tables = sorted(reg.tables.values(), key=lambda t: t.fqn)
    connected = kwargs.get("INCLUDE_CONNECTED") is not None and snowflake_bool(kwargs["INCLUDE_CONNECTED"],
                                                                                "INCLUDE_CONNECTED")
    if connected and (kwargs.get("NAME") is None or kwargs.get("RESULT_LIMIT") is not None):
        raise compilation_error("INCLUDE_CONNECTED => TRUE needs NAME and no RESULT_LIMIT.", 1_044, "42P13")
    if kwargs.get("NAME") is not None:
        qn = s.qualify(parse_parts(str(kwargs["NAME"])))
        named = [t for t in tables if t.fqn.upper() == qn.fqn.upper()]
        tables = sorted(_connected(reg, named[0]), key=lambda t: t.fqn) if connected and named else named
    limit = int(kwargs.get("RESULT_LIMIT", 100))
    if not 1 <= limit <= _MAX_LIMIT:
        raise compilation_error(f"RESULT_LIMIT must be between 1 and {_MAX_LIMIT}", 1_044, "42P13")
    start = kwargs.get("REFRESH_DATA_TIMESTAMP_START")
    since = _timestamp(s, start) if start is not None else now - timedelta(days=7)
    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    if not tables:
        return (f"SELECT {cols} FROM (SELECT NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, "
                "NULL::BIGINT, NULL::VARCHAR, NULL::JSON, NULL::BIGINT, NULL::BIGINT, NULL::BIGINT, NULL::DOUBLE, "
                "NULL::TIMESTAMP, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::JSON) "
                f"AS x({cols}) WHERE FALSE")
    values = ", ".join(
        f"({_lit(t.qname.name)}, {_lit(t.qname.schema)}, {_lit(t.qname.database)}, {_lit(t.fqn)}, "
        f"{'NULL' if (lag := reg.effective_lag(t)) is None else int(lag)}::BIGINT, "
        f"{_lit('DOWNSTREAM' if t.downstream_lag else 'USER_DEFINED')}, {_lit(scheduling_state(t, 'RUNNING'))}::JSON)"
        for t in tables)
    order = " ".join(f"WHEN {_lit(st)} THEN {i}" for i, st in enumerate(_STATE_ORDER))
    n, since_lit = _lit(now), _lit(since)
    # the lag between two successful refreshes grows from (e - d) to (e2 - d): a segment of a line
    return f"""
WITH dt(name, schema_name, database_name, q, target, lag_type, sched) AS (VALUES {values}),
ok AS (
  SELECT h.qualified_name AS q, h.refresh_end_time AS e, h.data_timestamp AS d,
         coalesce(lead(h.refresh_end_time) OVER w, {n}) AS e2
  FROM {M}.dt_refresh_history AS h
  WHERE h.state = 'SUCCEEDED' AND h.data_timestamp >= {since_lit} AND h.refresh_end_time <= {n}
    AND h.qualified_name IN (SELECT q FROM dt)
  WINDOW w AS (PARTITION BY h.qualified_name ORDER BY h.refresh_end_time, h.seq)),
seg AS (
  SELECT ok.q, ok.e, ok.d, ok.e2, epoch(ok.e - ok.d) AS l0, epoch(ok.e2 - ok.d) AS l1, dt.target
  FROM ok JOIN dt USING (q)),
m AS (
  SELECT q, min(e) AS first_e, max(d) AS latest_d, max(greatest(l0, l1)) AS max_lag,
         sum((l1 * l1 - l0 * l0) / 2) AS area,
         sum(CASE WHEN target IS NULL THEN 0 ELSE greatest(0, epoch(e2 - greatest(e, d + to_seconds(target)))) END)
           AS above
  FROM seg GROUP BY q),
last AS (
  SELECT qualified_name AS q, state, state_code, state_message FROM {M}.dt_refresh_history
  WHERE qualified_name IN (SELECT q FROM dt)
  QUALIFY row_number() OVER (PARTITION BY qualified_name ORDER BY refresh_end_time DESC, seq DESC) = 1)
SELECT dt.name AS "NAME", dt.schema_name AS "SCHEMA_NAME", dt.database_name AS "DATABASE_NAME",
  dt.q AS "QUALIFIED_NAME", dt.target AS "TARGET_LAG_SEC", dt.lag_type AS "TARGET_LAG_TYPE",
  dt.sched AS "SCHEDULING_STATE",
  round(CASE WHEN epoch({n} - m.first_e) > 0 THEN m.area / epoch({n} - m.first_e) ELSE m.max_lag END)::BIGINT
    AS "MEAN_LAG_SEC",
  round(m.max_lag)::BIGINT AS "MAXIMUM_LAG_SEC",
  CASE WHEN m.q IS NOT NULL THEN round(m.above)::BIGINT END AS "TIME_ABOVE_TARGET_LAG_SEC",
  CASE WHEN m.q IS NULL THEN NULL WHEN epoch({n} - m.first_e) > 0
       THEN 1 - m.above / epoch({n} - m.first_e) ELSE 1.0 END::DOUBLE AS "TIME_WITHIN_TARGET_LAG_RATIO",
  m.latest_d AS "LATEST_DATA_TIMESTAMP", last.state AS "LAST_COMPLETED_REFRESH_STATE",
  last.state_code AS "LAST_COMPLETED_REFRESH_STATE_CODE",
  last.state_message AS "LAST_COMPLETED_REFRESH_STATE_MESSAGE",
  NULL::VARCHAR AS "EXECUTING_REFRESH_QUERY_ID", NULL::JSON AS "RECOMMENDATIONS"
FROM dt LEFT JOIN m ON m.q = dt.q LEFT JOIN last ON last.q = dt.q
ORDER BY CASE last.state {order} ELSE {len(_STATE_ORDER)} END, dt.q
LIMIT {limit}"""


HOOKS.table_functions["DYNAMIC_TABLES"] = dynamic_tables
