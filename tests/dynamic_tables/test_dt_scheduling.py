"""Lag, DOWNSTREAM, shared data timestamps, NO_DATA, suspension cascades and failure handling,
all under virtual time."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dthelpers import START, history, q

import cdcsim
from cdcsim import ProgrammingError


@pytest.fixture
def base(con: cdcsim.Connection) -> cdcsim.Connection:
    q(con, "CREATE TABLE t (id INT, k INT, v STRING)")
    q(con, "INSERT INTO t VALUES (1, 0, '10'), (2, 1, '20')")
    return con


def state(con: cdcsim.Connection, name: str) -> tuple:
    cur = con.cursor(cdcsim.DictCursor)
    r = cur.execute(f"SHOW DYNAMIC TABLES LIKE '{name}'").fetchall()[0]
    return r["scheduling_state"], r["data_timestamp"]


def suspend_reason(con: cdcsim.Connection, name: str) -> str | None:
    cur = con.cursor(cdcsim.DictCursor)
    rows = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())").fetchall()
    st = json.loads([r for r in rows if r["NAME"] == name.upper()][0]["SCHEDULING_STATE"])
    return st.get("reason_code")


def test_time_lag_refreshes_when_lag_would_exceed_target(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id, v FROM t")
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    base.advance(seconds=59)
    assert len(q(base, "SELECT * FROM d")) == 2
    base.advance(seconds=1)
    assert len(q(base, "SELECT * FROM d")) == 3
    h = history(base, "d")
    assert [(x["REFRESH_TRIGGER"], x["REFRESH_ACTION"]) for x in h] == [("CREATION", "INCREMENTAL"),
                                                                         ("SCHEDULED", "INCREMENTAL")]
    assert h[1]["DATA_TIMESTAMP"] == START + timedelta(minutes=1)
    assert h[1]["COMPLETION_TARGET"] == START + timedelta(minutes=1)  # previous data timestamp + lag
    assert h[1]["TARGET_LAG_SEC"] == 60
    # with no change the next refreshes are NO_DATA and do no work
    base.advance(minutes=3)
    h = history(base, "d")
    assert [x["REFRESH_ACTION"] for x in h[2:]] == ["NO_DATA"] * 3
    assert json.loads(h[-1]["STATISTICS"])["numInsertedRows"] == 0
    assert state(base, "d")[1] == START + timedelta(minutes=4)


def test_downstream_without_consumer_never_refreshes(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM t")
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    base.advance(days=2)
    assert len(q(base, "SELECT * FROM d")) == 2
    assert [x["REFRESH_TRIGGER"] for x in history(base, "d")] == ["CREATION"]


def test_downstream_follows_its_consumer_at_one_data_timestamp(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
    q(base, "CREATE DYNAMIC TABLE gold TARGET_LAG = '5 minutes' WAREHOUSE = wh "
            "AS SELECT k, count(*) AS n FROM silver GROUP BY k")
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    base.advance(minutes=5)
    assert q(base, "SELECT * FROM gold ORDER BY k") == [(0, 2), (1, 1)]
    hs, hg = history(base, "silver"), history(base, "gold")
    assert hs[-1]["DATA_TIMESTAMP"] == hg[-1]["DATA_TIMESTAMP"] == START + timedelta(minutes=5)
    assert hs[-1]["REFRESH_TRIGGER"] == "SCHEDULED" and hs[-1]["TARGET_LAG_SEC"] == 300  # consumer's lag
    cur = base.cursor(cdcsim.DictCursor)
    g = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())").fetchall()
    silver = [r for r in g if r["NAME"] == "SILVER"][0]
    assert silver["TARGET_LAG_TYPE"] == "DOWNSTREAM" and silver["TARGET_LAG_SEC"] == 300
    assert json.loads([r for r in g if r["NAME"] == "GOLD"][0]["INPUTS"]) == [
        {"name": "CDCSIM.PUBLIC.SILVER", "kind": "DYNAMIC TABLE"}]


def test_manual_refresh_refreshes_upstream_once_at_one_timestamp(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
    q(base, "CREATE DYNAMIC TABLE g1 TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT count(*) AS n FROM silver")
    q(base, "CREATE DYNAMIC TABLE g2 TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT max(id) AS m FROM silver")
    base.advance(minutes=3)
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    q(base, "ALTER DYNAMIC TABLE g1, g2 REFRESH")
    assert q(base, "SELECT * FROM g1") == [(3,)] and q(base, "SELECT * FROM g2") == [(3,)]
    manual = [h for h in history(base, "silver") if h["REFRESH_TRIGGER"] == "MANUAL"]
    assert len(manual) == 1 and manual[0]["DATA_TIMESTAMP"] == START + timedelta(minutes=3)
    assert json.loads(manual[0]["STATISTICS"])["numInsertedRows"] == 1


def test_gold_always_agrees_with_its_silver(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
    q(base, "CREATE DYNAMIC TABLE gold TARGET_LAG = '1 minute' WAREHOUSE = wh "
            "AS SELECT k, count(*) AS n FROM silver GROUP BY k")
    for i in range(5):
        q(base, f"INSERT INTO t VALUES ({10 + i}, {i % 2}, 'x')")
        q(base, f"DELETE FROM t WHERE id = {i}")
        base.advance(seconds=30)
        assert sorted(q(base, "SELECT * FROM gold")) == sorted(q(base, "SELECT k, count(*) FROM silver GROUP BY k"))


def test_suspend_cascades_and_resume_undoes_it(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id, k FROM t")
    q(base, "CREATE DYNAMIC TABLE b TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM a")
    q(base, "CREATE DYNAMIC TABLE c TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM b")
    q(base, "ALTER DYNAMIC TABLE c SUSPEND")
    q(base, "ALTER DYNAMIC TABLE a SUSPEND")
    assert [state(base, n)[0] for n in "abc"] == ["SUSPENDED"] * 3
    assert [suspend_reason(base, n) for n in "abc"] == ["USER_SUSPENDED", "UPSTREAM_USER_SUSPENDED",
                                                         "USER_SUSPENDED"]
    with pytest.raises(ProgrammingError):
        q(base, "ALTER DYNAMIC TABLE b RESUME")  # its upstream is still suspended
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    base.advance(minutes=5)
    assert len(q(base, "SELECT * FROM b")) == 2  # suspended tables are not refreshed
    q(base, "ALTER DYNAMIC TABLE a RESUME")
    assert [state(base, n)[0] for n in "abc"] == ["RUNNING", "RUNNING", "SUSPENDED"]  # c was user-suspended
    base.advance(minutes=1)
    assert len(q(base, "SELECT * FROM b")) == 3
    assert len(q(base, "SELECT * FROM c")) == 2


def test_manual_refresh_works_on_suspended_tables(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM t")
    q(base, "ALTER DYNAMIC TABLE a SUSPEND")
    q(base, "INSERT INTO t VALUES (3, 0, '30')")
    q(base, "ALTER DYNAMIC TABLE a REFRESH")
    assert len(q(base, "SELECT * FROM a")) == 3
    assert state(base, "a")[0] == "SUSPENDED"


def test_upstream_failure_keeps_downstream_contents(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, v::INT AS n FROM t")
    q(base, "CREATE DYNAMIC TABLE gold TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT sum(n) AS s FROM silver")
    q(base, "INSERT INTO t VALUES (3, 0, 'Good')")
    base.advance(minutes=1)
    assert q(base, "SELECT * FROM gold") == [(30,)]  # last good contents
    hs, hg = history(base, "silver")[-1], history(base, "gold")[-1]
    assert (hs["STATE"], hs["STATE_CODE"]) == ("FAILED", "100038")
    assert "Good" in hs["STATE_MESSAGE"]
    assert set(json.loads(hs["STATISTICS"])) == {"queuedTimeMs", "compilationTimeMs", "executionTimeMs"}
    assert (hg["STATE"], hg["STATE_CODE"], hg["STATE_MESSAGE"]) == (
        "UPSTREAM_FAILED", "UPSTREAM_FAILURE", "Skipped refreshing because an input dynamic table failed.")
    with pytest.raises(ProgrammingError) as e:
        q(base, "ALTER DYNAMIC TABLE gold REFRESH")
    assert e.value.errno == 2753
    with pytest.raises(cdcsim.DataError):
        q(base, "ALTER DYNAMIC TABLE silver REFRESH")
    errors = base.cursor().execute(
        "SELECT NAME, STATE FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(ERROR_ONLY => TRUE))"
    ).fetchall()
    assert errors and all(s in ("FAILED", "UPSTREAM_FAILED") for _, s in errors)
    q(base, "DELETE FROM t WHERE v = 'Good'")
    q(base, "INSERT INTO t VALUES (4, 0, '5')")
    base.advance(minutes=1)
    assert q(base, "SELECT * FROM gold") == [(35,)]


def test_downstream_failure_still_commits_upstream(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, v FROM t")
    q(base, "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT sum(v::INT) AS s FROM silver")
    q(base, "INSERT INTO t VALUES (3, 0, 'Good')")
    with pytest.raises(cdcsim.DataError):
        q(base, "ALTER DYNAMIC TABLE gold REFRESH")
    assert len(q(base, "SELECT * FROM silver")) == 3  # silver's refresh succeeded and is visible
    assert q(base, "SELECT * FROM gold") == [(30,)]
    assert history(base, "gold")[-1]["STATE"] == "FAILED"


def test_five_scheduled_failures_suspend(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id, v::INT AS n FROM t")
    q(base, "CREATE DYNAMIC TABLE b TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT n FROM a")
    q(base, "INSERT INTO t VALUES (3, 0, 'bad')")
    for _ in range(3):
        with pytest.raises(cdcsim.DataError):
            q(base, "ALTER DYNAMIC TABLE a REFRESH")  # manual failures do not count
    base.advance(minutes=4)
    assert state(base, "a")[0] == "RUNNING"
    base.advance(minutes=1)
    assert state(base, "a")[0] == "SUSPENDED"
    assert suspend_reason(base, "a") == "SUSPENDED_DUE_TO_ERRORS"
    assert state(base, "b")[0] == "SUSPENDED"
    scheduled = [h for h in history(base, "a") if h["REFRESH_TRIGGER"] == "SCHEDULED"]
    assert [h["STATE"] for h in scheduled] == ["FAILED"] * 5
    base.advance(minutes=10)  # no auto-resume, no more attempts
    assert len([h for h in history(base, "a") if h["REFRESH_TRIGGER"] == "SCHEDULED"]) == 5
    q(base, "DELETE FROM t WHERE v = 'bad'")
    q(base, "ALTER DYNAMIC TABLE a RESUME")
    assert state(base, "b")[0] == "RUNNING"
    base.advance(minutes=1)
    assert history(base, "a")[-1]["STATE"] == "SUCCEEDED"


def test_a_success_resets_the_failure_count(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id, v::INT AS n FROM t")
    for _ in range(3):
        q(base, "INSERT INTO t VALUES (3, 0, 'bad')")
        base.advance(minutes=4)
        q(base, "DELETE FROM t WHERE v = 'bad'")
        base.advance(minutes=1)
    assert state(base, "a")[0] == "RUNNING"


def test_no_data_refresh_does_no_work(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE a TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT k, count(*) AS n FROM t GROUP BY k")
    q(base, "CREATE STREAM sa ON DYNAMIC TABLE a")
    q(base, "ALTER DYNAMIC TABLE a REFRESH")
    h = history(base, "a")[-1]
    assert h["REFRESH_ACTION"] == "NO_DATA" and h["INPUTS_WITH_CHANGED_DATA"] is None
    assert q(base, "SELECT count(*) FROM sa") == [(0,)]  # the table was not rewritten
    q(base, "UPDATE t SET v = 'x' WHERE id = 1")  # changes no aggregate
    q(base, "INSERT INTO t VALUES (3, 1, '5')")
    q(base, "ALTER DYNAMIC TABLE a REFRESH")
    h = history(base, "a")[-1]
    assert h["REFRESH_ACTION"] == "INCREMENTAL"
    assert json.loads(h["INPUTS_WITH_CHANGED_DATA"]) == [{"name": "CDCSIM.PUBLIC.T", "kind": "TABLE"}]
    assert json.loads(h["STATISTICS"])["numInsertedRows"] == 1  # group 0's aggregates did not move
    # a stream on the dynamic table sees its row-level change
    assert sorted(q(base, "SELECT k, n, METADATA$ACTION FROM sa")) == [(1, 1, "DELETE"), (1, 2, "INSERT")]


def test_scheduled_refreshes_read_virtual_time(con: cdcsim.Connection) -> None:
    """Under a ManualClock, CURRENT_TIMESTAMP() / CURRENT_DATE() in a scheduled refresh are the
    refresh's data timestamp in virtual time (they read the wall clock before)."""
    q(con, "CREATE TABLE raw (id INT, ts TIMESTAMP_NTZ)")
    q(con, "INSERT INTO raw VALUES (1, '2025-09-03 10:59'), (2, '2025-09-02 09:00')")
    q(con, "CREATE DYNAMIC TABLE today TARGET_LAG = '1 minute' WAREHOUSE = wh AS "
           "SELECT id FROM raw WHERE ts >= CURRENT_DATE()")
    q(con, "CREATE DYNAMIC TABLE stamped TARGET_LAG = '1 minute' WAREHOUSE = wh AS "
           "SELECT id, CURRENT_TIMESTAMP() AS at FROM raw")
    con.advance(minutes=1)
    assert q(con, "SELECT id FROM today") == [(1,)]
    assert sorted(q(con, "SELECT id, at FROM stamped")) == [(1, START + timedelta(minutes=1)),
                                                             (2, START + timedelta(minutes=1))]
    con.advance(hours=13)  # past midnight: the time filter drops yesterday's row without any DML
    assert q(con, "SELECT id FROM today") == []
    assert {r[0] for r in q(con, "SELECT DISTINCT at FROM stamped")} == {START + timedelta(hours=13, minutes=1)}
