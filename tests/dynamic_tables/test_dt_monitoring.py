"""TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES()): lag metrics and the latest refresh's state
(cdcsim/dynamic_tables/monitoring.py)."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from dthelpers import START, q
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim

FN = "TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES({}))"


def rows(con: cdcsim.Connection, args: str = "") -> list[dict]:
    return con.cursor(cdcsim.DictCursor).execute(f"SELECT * FROM {FN.format(args)}").fetchall()


@settings(max_examples=30, deadline=None)
@given(gaps=st.lists(st.tuples(st.integers(0, 400), st.booleans()), min_size=0, max_size=6),
       tail=st.integers(0, 400))
def test_lag_metrics_follow_a_model_of_the_lag(gaps, tail):
    """Refreshed by hand at chosen instants (the clock moves without the scheduler), a table's lag
    is the time since its last refresh: a saw-tooth whose mean, maximum and time above the target
    lag a small model computes."""
    clock = cdcsim.ManualClock(START)
    with cdcsim.connect(clock=clock) as con:
        q(con, "CREATE TABLE t (a INT)")
        q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = '2 minutes' WAREHOUSE = wh AS SELECT a FROM t")
        spans = []  # lag rises from 0 over each span between refreshes, then up to now
        for gap, change in gaps:
            clock.advance(timedelta(seconds=gap))
            if change:
                q(con, "INSERT INTO t VALUES (1)")
            q(con, "ALTER DYNAMIC TABLE d REFRESH")
            spans.append(gap)
        clock.advance(timedelta(seconds=tail))
        spans.append(tail)
        (r,) = rows(con)
        total = sum(spans)
        assert r["TARGET_LAG_SEC"] == 120 and r["TARGET_LAG_TYPE"] == "USER_DEFINED"
        assert r["MAXIMUM_LAG_SEC"] == max(spans)
        # (whole seconds, half away from zero as SQL's ROUND)
        assert r["MEAN_LAG_SEC"] == (math.floor(sum(x * x / 2 for x in spans) / total + 0.5) if total else 0)
        above = sum(max(0, x - 120) for x in spans)
        assert r["TIME_ABOVE_TARGET_LAG_SEC"] == above
        assert r["TIME_WITHIN_TARGET_LAG_RATIO"] == pytest.approx(1 - above / total if total else 1.0)
        assert r["LATEST_DATA_TIMESTAMP"] == START + timedelta(seconds=total - tail)
        assert r["LAST_COMPLETED_REFRESH_STATE"] == "SUCCEEDED"


def test_states_sort_order_names_and_connected_tables(con: cdcsim.Connection) -> None:
    q(con, "CREATE TABLE t (a INT, b INT)")
    q(con, "INSERT INTO t VALUES (1, 1)")
    q(con, "CREATE DYNAMIC TABLE up TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT a, b FROM t")
    q(con, "CREATE DYNAMIC TABLE down TARGET_LAG = '1 hour' WAREHOUSE = wh AS SELECT a / b AS r FROM up")
    q(con, "CREATE DYNAMIC TABLE alone TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t")
    q(con, "ALTER DYNAMIC TABLE alone SUSPEND")
    q(con, "INSERT INTO t VALUES (2, 0)")  # down's next refresh divides by zero
    with pytest.raises(cdcsim.DataError):
        q(con, "ALTER DYNAMIC TABLE down REFRESH")
    got = rows(con)
    assert [r["NAME"] for r in got] == ["DOWN", "ALONE", "UP"]  # FAILED first, then by name
    by = {r["NAME"]: r for r in got}
    assert by["DOWN"]["LAST_COMPLETED_REFRESH_STATE"] == "FAILED"
    assert by["DOWN"]["LAST_COMPLETED_REFRESH_STATE_MESSAGE"]
    assert by["UP"]["TARGET_LAG_TYPE"] == "DOWNSTREAM" and by["UP"]["TARGET_LAG_SEC"] == 3600
    assert '"SUSPENDED"' in by["ALONE"]["SCHEDULING_STATE"] and "USER_SUSPENDED" in by["ALONE"]["SCHEDULING_STATE"]
    assert [r["NAME"] for r in rows(con, "NAME => 'public.up'")] == ["UP"]
    assert sorted(r["NAME"] for r in rows(con, "NAME => 'up', INCLUDE_CONNECTED => TRUE")) == ["DOWN", "UP"]
    assert len(rows(con, "RESULT_LIMIT => 2")) == 2
    for bad in ("INCLUDE_CONNECTED => TRUE", "NAME => 'up', INCLUDE_CONNECTED => TRUE, RESULT_LIMIT => 5",
                "RESULT_LIMIT => 0", "NAMES => 'x'"):
        with pytest.raises(cdcsim.ProgrammingError):
            rows(con, bad)
    assert rows(con, "NAME => 'nosuch'") == []


def test_a_table_that_never_refreshed_has_no_metrics(con: cdcsim.Connection) -> None:
    q(con, "CREATE TABLE t (a INT)")
    q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh INITIALIZE = ON_SCHEDULE AS SELECT a FROM t")
    (r,) = rows(con)
    assert r["MEAN_LAG_SEC"] is None and r["LATEST_DATA_TIMESTAMP"] is None
    assert r["LAST_COMPLETED_REFRESH_STATE"] is None
