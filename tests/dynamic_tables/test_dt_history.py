"""DYNAMIC_TABLE_REFRESH_HISTORY and DYNAMIC_TABLE_GRAPH_HISTORY: arguments and documented columns."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from dthelpers import START, q

import cdcsim
from cdcsim.dynamic_tables.history import GRAPH_COLUMNS, REFRESH_COLUMNS


@pytest.fixture
def pipeline(con: cdcsim.Connection) -> cdcsim.Connection:
    q(con, "CREATE TABLE t (id INT, k INT)")
    q(con, "INSERT INTO t VALUES (1, 0), (2, 1)")
    q(con, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
    q(con, "CREATE DYNAMIC TABLE gold TARGET_LAG = '2 minutes' WAREHOUSE = wh "
           "AS SELECT k, count(*) AS n FROM silver GROUP BY k")
    for i in range(3):
        q(con, f"INSERT INTO t VALUES ({10 + i}, 0)")
        con.advance(minutes=2)
    return con


def rows(con: cdcsim.Connection, args: str = "") -> list[dict]:
    return con.cursor(cdcsim.DictCursor).execute(
        f"SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY({args}))").fetchall()


def test_refresh_history_columns(pipeline: cdcsim.Connection) -> None:
    cur = pipeline.cursor().execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY())")
    assert [d[0] for d in cur.description] == REFRESH_COLUMNS
    assert REFRESH_COLUMNS[:7] == ["NAME", "SCHEMA_NAME", "DATABASE_NAME", "STATE", "STATE_CODE", "STATE_MESSAGE",
                                   "QUERY_ID"]
    r = rows(pipeline, "NAME => 'gold'")[0]  # newest first
    assert r["QUALIFIED_NAME"] == "CDCSIM.PUBLIC.GOLD" and r["DATA_TIMESTAMP"] == START + timedelta(minutes=6)
    assert (r["STATE"], r["REFRESH_TRIGGER"], r["REFRESH_ACTION"], r["TARGET_LAG_SEC"]) == (
        "SUCCEEDED", "SCHEDULED", "INCREMENTAL", 120)
    assert r["COMPLETION_TARGET"] == START + timedelta(minutes=6)
    stats = json.loads(r["STATISTICS"])
    assert (stats["numInsertedRows"], stats["numDeletedRows"]) == (1, 1)  # group k=0 rewritten
    assert json.loads(r["LAST_COMPLETED_DEPENDENCY"])["qualified_name"] == "CDCSIM.PUBLIC.SILVER"


def test_refresh_history_arguments(pipeline: cdcsim.Connection) -> None:
    # gold: creation + 3 scheduled; silver: its own creation, gold's creation (as an input) + 3
    assert len(rows(pipeline)) == 9
    assert {r["NAME"] for r in rows(pipeline, "NAME => 'cdcsim.public.silver'")} == {"SILVER"}
    assert len(rows(pipeline, "RESULT_LIMIT => 3")) == 3
    assert {r["NAME"] for r in rows(pipeline, "NAME_PREFIX => 'CDCSIM.PUBLIC.G'")} == {"GOLD"}
    assert rows(pipeline, "ERROR_ONLY => TRUE") == []
    since = rows(pipeline, "DATA_TIMESTAMP_START => DATEADD('minute', -1, CURRENT_TIMESTAMP())")
    assert {r["DATA_TIMESTAMP"] for r in since} == {START + timedelta(minutes=6)}
    upto = rows(pipeline, f"DATA_TIMESTAMP_START => '{START}', DATA_TIMESTAMP_END => '{START}'")
    assert {r["REFRESH_TRIGGER"] for r in upto} == {"CREATION"}
    pipeline.advance(days=2)
    assert len(rows(pipeline, "NAME => 'silver'")) == 100  # RESULT_LIMIT defaults to 100
    day = rows(pipeline, "NAME => 'silver', RESULT_LIMIT => 10000")
    assert len(day) == 24 * 30 + 1  # the default range is the past day (both ends included)


def test_graph_history(pipeline: cdcsim.Connection) -> None:
    cur = pipeline.cursor(cdcsim.DictCursor)
    g = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())").fetchall()
    assert list(g[0]) == GRAPH_COLUMNS
    gold = [r for r in g if r["NAME"] == "GOLD"][0]
    assert (gold["TARGET_LAG_TYPE"], gold["TARGET_LAG_SEC"], gold["VALID_TO"]) == ("USER_DEFINED", 120, None)
    assert json.loads(gold["SCHEDULING_STATE"])["state"] == "ACTIVE"
    assert json.loads(gold["ALTER_TRIGGER"]) == ["CREATE_DYNAMIC_TABLE"]
    assert "GROUP BY" in gold["QUERY_TEXT"]
    q(pipeline, "ALTER DYNAMIC TABLE gold SET TARGET_LAG = '5 minutes'")
    pipeline.advance(minutes=1)
    q(pipeline, "ALTER DYNAMIC TABLE gold SUSPEND")
    g = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())").fetchall()
    gold = [r for r in g if r["NAME"] == "GOLD"][0]
    assert json.loads(gold["SCHEDULING_STATE"])["state"] == "SUSPENDED"
    assert json.loads(gold["ALTER_TRIGGER"]) == ["SUSPEND"] and gold["TARGET_LAG_SEC"] == 300
    old = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY("
                      f"AS_OF => '{START + timedelta(minutes=1)}'))").fetchall()
    assert [r["TARGET_LAG_SEC"] for r in old if r["NAME"] == "GOLD"] == [120]
    every = cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY("
                        f"HISTORY_START => '{START}'))").fetchall()
    assert [json.loads(r["ALTER_TRIGGER"])[0] for r in every if r["NAME"] == "GOLD"] == [
        "SUSPEND", "ALTER_TARGET_LAG", "CREATE_DYNAMIC_TABLE"]
