"""DROP SCHEMA / DROP DATABASE drop everything inside: tables, streams, tasks and dynamic tables.

Snowflake: dropping a schema drops the objects it contains; dropping a database drops its schemas.
A stream elsewhere on a dropped table stays, stale, as after DROP TABLE; a dynamic table elsewhere
that reads a dropped table behaves as after DROP TABLE; the runs of dropped tasks stay in
TASK_HISTORY. The drop is one transaction: when it fails, nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

import cdcsim
from cdcsim.engine import HOOKS

T0 = datetime(2025, 9, 3, 11, 0)

PIPELINE = """
CREATE SCHEMA raw;
CREATE TABLE raw.t (id int);
CREATE TABLE raw.sink (id int);
CREATE STREAM raw.s ON TABLE raw.t;
CREATE TASK raw.k SCHEDULE = '1 minute' AS INSERT INTO raw.sink VALUES (1);
ALTER TASK raw.k RESUME;
CREATE DYNAMIC TABLE raw.d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM raw.t;
USE SCHEMA public;
"""


@pytest.fixture
def con() -> Iterator[cdcsim.Connection]:
    c = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    yield c
    c.close()


@pytest.fixture
def q(con: cdcsim.Connection) -> Callable[..., list[tuple]]:
    cur = con.cursor()
    return lambda sql: cur.execute(sql).fetchall()


def objects(q: Callable[..., list[tuple]]) -> dict[str, list[str]]:
    """Every stream, task and dynamic table of the account, as SCHEMA.NAME."""
    return {
        "streams": sorted(f"{r[3]}.{r[1]}" for r in q("SHOW STREAMS IN ACCOUNT")),
        "tasks": sorted(f"{r[4]}.{r[1]}" for r in q("SHOW TASKS IN ACCOUNT")),
        "dynamic tables": sorted(f"{r[3]}.{r[1]}" for r in q("SHOW DYNAMIC TABLES IN ACCOUNT")),
    }


def runs(q: Callable[..., list[tuple]], name: str) -> int:
    """Finished runs of task ``name`` in TASK_HISTORY."""
    return q(f"SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '{name}', "
             "RESULT_LIMIT => 10000)) WHERE state <> 'SCHEDULED'")[0][0]


def stale(q: Callable[..., list[tuple]], name: str) -> bool:
    return {r[1]: r[10] for r in q("SHOW STREAMS IN ACCOUNT")}[name]


def test_drop_schema_drops_its_streams_tasks_and_dynamic_tables(con, q):
    con.execute_string(PIPELINE)
    con.advance(minutes=2)
    ran = runs(q, "K")
    assert ran == 2
    q("DROP SCHEMA raw")
    assert objects(q) == {"streams": [], "tasks": [], "dynamic tables": []}
    con.advance(minutes=5)
    assert runs(q, "K") == ran  # no run after the drop, and the earlier runs stay in the history
    assert q("SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) WHERE state = 'SCHEDULED'") == [(0,)]


def test_names_of_dropped_objects_can_be_created_again(con, q):
    con.execute_string(PIPELINE)
    q("DROP SCHEMA raw")
    con.execute_string(PIPELINE)  # would fail with 002002 on the leftover stream / task / dynamic table
    assert objects(q) == {"streams": ["RAW.S"], "tasks": ["RAW.K"], "dynamic tables": ["RAW.D"]}
    q("INSERT INTO raw.t VALUES (7)")
    assert q("SELECT id, metadata$action FROM raw.s") == [(7, "INSERT")]
    con.advance(minutes=1)
    assert q("SELECT id FROM raw.d") == [(7,)]
    assert q("SELECT count(*) FROM raw.sink") == [(1,)]


def test_stream_in_another_schema_on_a_dropped_table_goes_stale(con, q):
    con.execute_string(PIPELINE)
    q("CREATE STREAM public.elsewhere ON TABLE raw.t")
    q("INSERT INTO raw.t VALUES (1)")
    assert not stale(q, "ELSEWHERE")
    q("DROP SCHEMA raw")
    assert stale(q, "ELSEWHERE")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT * FROM public.elsewhere")
    assert e.value.errno == 91901
    # a new table of the same name is another table: the stream stays stale
    q("CREATE SCHEMA raw")
    q("CREATE TABLE raw.t (id int)")
    assert stale(q, "ELSEWHERE")


def test_stream_in_another_schema_on_a_dropped_dynamic_table_goes_stale(con, q):
    con.execute_string(PIPELINE)
    con.advance(minutes=1)
    q("CREATE STREAM public.on_dt ON DYNAMIC TABLE raw.d")
    q("DROP SCHEMA raw")
    assert stale(q, "ON_DT")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT * FROM public.on_dt")
    assert e.value.errno == 91901


@pytest.mark.parametrize("drop", ["DROP TABLE raw.t", "DROP SCHEMA raw"])
def test_dynamic_table_elsewhere_reading_a_dropped_table_fails_its_refreshes_as_after_drop_table(con, q, drop):
    con.execute_string(PIPELINE)
    q("INSERT INTO raw.t VALUES (1)")
    q("CREATE DYNAMIC TABLE public.g TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM raw.t")
    q(drop)
    con.advance(minutes=2)
    got = q("SELECT state, state_code, state_message FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
            "NAME => 'PUBLIC.G')) ORDER BY refresh_start_time")
    assert [r[0] for r in got] == ["SUCCEEDED", "FAILED", "FAILED"]
    assert got[-1][1:] == ("002003", "SQL compilation error:\nTable 'CDCSIM.RAW.T' does not exist or not "
                                     "authorized.")
    assert q("SELECT id FROM public.g") == [(1,)]  # the last good contents stay readable


def test_drop_database_drops_the_objects_of_every_schema(con, q):
    con.execute_string("""
        CREATE DATABASE d2;
        CREATE SCHEMA d2.a;
        CREATE TABLE d2.a.t (id int);
        CREATE STREAM d2.a.s ON TABLE d2.a.t;
        CREATE DYNAMIC TABLE d2.a.d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM d2.a.t;
        CREATE SCHEMA d2.b;
        CREATE TASK d2.b.k SCHEDULE = '1 minute' AS SELECT 1;
        ALTER TASK d2.b.k RESUME;
        CREATE TASK d2.public.k2 SCHEDULE = '1 minute' AS SELECT 1;
        ALTER TASK d2.public.k2 RESUME;
        USE DATABASE cdcsim;
        CREATE STREAM public.elsewhere ON TABLE d2.a.t;
        CREATE TASK public.keep SCHEDULE = '1 minute' AS SELECT 1;
        ALTER TASK public.keep RESUME;
    """)
    con.advance(minutes=1)
    q("DROP DATABASE d2")
    assert objects(q) == {"streams": ["PUBLIC.ELSEWHERE"], "tasks": ["PUBLIC.KEEP"], "dynamic tables": []}
    assert stale(q, "ELSEWHERE")
    con.advance(minutes=3)
    assert (runs(q, "K"), runs(q, "K2"), runs(q, "KEEP")) == (1, 1, 4)
    q("CREATE DATABASE d2")
    q("CREATE SCHEMA d2.b")
    q("CREATE TASK d2.b.k SCHEDULE = '1 minute' AS SELECT 1")  # the name is free again
    assert [r[1] for r in q("SHOW DATABASES")] == ["CDCSIM", "D2"]


def test_restrict_drops_like_cascade(con, q):
    # Snowflake's RESTRICT refuses only when foreign keys elsewhere reference the container's
    # tables (DuckDB cannot create such keys); it does not refuse a schema that holds objects.
    con.execute_string(PIPELINE)
    q("DROP SCHEMA raw RESTRICT")
    assert objects(q) == {"streams": [], "tasks": [], "dynamic tables": []}


def test_a_failed_drop_leaves_everything_as_it_was(con, q, monkeypatch):
    con.execute_string(PIPELINE)
    q("CREATE STREAM public.elsewhere ON TABLE raw.t")
    con.advance(minutes=1)
    before = objects(q)

    def boom(_s: object, _schemas: object) -> None:
        raise cdcsim.ProgrammingError("SQL execution error:\ninjected failure", 100000, "XX000")

    # after every module's own hook: the streams, tasks and dynamic tables are already deleted
    monkeypatch.setattr(HOOKS, "schema_drop", [*HOOKS.schema_drop, boom])
    with pytest.raises(cdcsim.ProgrammingError, match="injected failure"):
        q("DROP SCHEMA raw")
    monkeypatch.undo()
    assert objects(q) == before
    assert not stale(q, "ELSEWHERE")
    q("INSERT INTO raw.t VALUES (5)")
    assert q("SELECT id FROM raw.s") == [(5,)]
    assert q("SELECT id FROM public.elsewhere") == [(5,)]
    con.advance(minutes=1)
    assert runs(q, "K") == 2  # still scheduled
    assert q("SELECT id FROM raw.d") == [(5,)]  # still refreshed, from a change log still captured


def test_dropped_objects_stay_dropped_in_a_file_database(tmp_path):
    path = str(tmp_path / "db.duckdb")
    with cdcsim.connect(path, clock=cdcsim.ManualClock(T0)) as con:
        con.execute_string(PIPELINE)
        con.cursor().execute("DROP SCHEMA raw")
    with cdcsim.connect(path, clock=cdcsim.ManualClock(T0)) as con:
        cur = con.cursor()
        assert objects(lambda sql: cur.execute(sql).fetchall()) == {
            "streams": [], "tasks": [], "dynamic tables": []}


def _error(q, sql):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q(sql)
    return e.value


def test_dropping_the_current_schema_leaves_the_session_without_one(con, q):
    """Snowflake: CURRENT_SCHEMA() is then NULL, and a statement naming an object without its
    schema fails with 090106 (naming the command) until USE SCHEMA; qualified names still work.
    The table must not land anywhere (DuckDB would have put it in its own 'main' schema)."""
    q("CREATE SCHEMA scratch")
    q("CREATE TABLE scratch.kept (a INT)")
    assert q("SELECT current_database(), current_schema()") == [("CDCSIM", "SCRATCH")]
    q("DROP SCHEMA scratch")
    assert q("SELECT current_database(), current_schema()") == [("CDCSIM", None)]
    e = _error(q, "CREATE OR REPLACE TRANSIENT TABLE lost (a INT)")
    assert (e.errno, e.sqlstate) == (90106, "22000")
    assert e.msg == ("Cannot perform CREATE TABLE. This session does not have a current schema. "
                     "Call 'USE SCHEMA', or use a qualified name.")
    assert _error(q, "SELECT * FROM lost").msg.startswith("Cannot perform SELECT.")
    assert _error(q, "CREATE STREAM s ON TABLE public.t").msg.startswith("Cannot perform CREATE STREAM.")
    q("CREATE TABLE public.t (a INT)")
    q("INSERT INTO public.t VALUES (1)")
    assert q("SELECT a FROM public.t") == [(1,)]
    q("USE SCHEMA public")
    assert [r[1] for r in q("SHOW TABLES")] == ["T"]
    assert q("SELECT count(*) FROM information_schema.tables WHERE table_name = 'LOST'") == [(0,)]


def test_dropping_the_current_database_leaves_the_session_without_one(con, q):
    q("CREATE DATABASE scratch_db")
    q("CREATE TABLE t (a INT)")
    q("DROP DATABASE scratch_db")
    assert q("SELECT current_database(), current_schema()") == [(None, None)]
    e = _error(q, "CREATE TABLE t (a INT)")
    assert e.errno == 90105 and "does not have a current database. Call 'USE DATABASE'" in e.msg
    q("CREATE TABLE cdcsim.public.t (a INT)")  # fully qualified still works
    q("USE DATABASE cdcsim")
    assert q("SELECT current_database(), current_schema()") == [("CDCSIM", "PUBLIC")]
    assert q("SELECT count(*) FROM t") == [(0,)]


def test_dropping_another_schema_keeps_the_current_one(con, q):
    q("CREATE SCHEMA other")
    q("USE SCHEMA public")
    q("DROP SCHEMA other")
    q("CREATE TABLE t (a INT)")
    assert q("SELECT current_schema()") == [("PUBLIC",)]


@pytest.mark.parametrize("name", ["x_", '"a__b"', "A__"])
def test_a_database_name_that_would_blur_the_schema_encoding_is_refused(con, q, name):
    """DATABASE.SCHEMA lives in the DuckDB schema DATABASE__SCHEMA: a database ``X_`` would share
    ``X___S`` with database ``X``'s schema ``_S``, and DROP DATABASE X would take it along."""
    q("CREATE DATABASE x")
    q("CREATE SCHEMA x._s")
    q("CREATE TABLE x._s.t (a INT)")
    e = _error(q, f"CREATE DATABASE {name}")
    assert (e.errno, e.sqlstate) == (2000, "0A000") and "may not end in '_' or contain '__'" in e.msg
    assert name.strip('"').upper() in e.msg.upper()
    assert q("SELECT current_database()") == [("X",)]  # the failed CREATE changed nothing
    assert [r[1] for r in q("SHOW DATABASES") if r[1].upper().startswith("X")] == ["X"]
    q("DROP DATABASE x")
    assert not any(r[1] == "X" for r in q("SHOW DATABASES"))


def test_underscores_that_keep_the_encoding_clear_are_allowed(con, q):
    q("CREATE DATABASE my_db")
    q("CREATE SCHEMA _staging")  # a schema may start with '_': the database name ends first
    q("CREATE TABLE t (a INT)")
    q("INSERT INTO t VALUES (1)")
    q("CREATE DATABASE my")
    q("CREATE SCHEMA my.db__s")
    q("DROP DATABASE my")
    assert q("SELECT a FROM my_db._staging.t") == [(1,)]
    assert [r[1] for r in q("SHOW SCHEMAS IN DATABASE my_db") if r[1] != "INFORMATION_SCHEMA"] == ["PUBLIC", "_STAGING"]


@pytest.mark.parametrize("stmt", ["CREATE DATABASE d2 CLONE cdcsim AT(OFFSET => -60)",
                                  "CREATE SCHEMA s2 CLONE public BEFORE(STATEMENT => 'x')",
                                  "CREATE DATABASE d3 FROM SHARE acct.share1",
                                  "CREATE OR REPLACE DATABASE d4 AS REPLICA OF org.acct.db"])
def test_a_container_with_contents_is_refused_rather_than_made_empty(con, q, stmt):
    q("CREATE TABLE t (a INT)")
    q("INSERT INTO t VALUES (1)")
    e = _error(q, stmt)
    assert (e.errno, e.sqlstate) == (2000, "0A000") and "is not supported by cdcsim" in e.msg
    names = {r[1] for r in q("SHOW DATABASES")} | {r[1] for r in q("SHOW SCHEMAS IN DATABASE cdcsim")}
    assert not names & {"D2", "S2", "D3", "D4"}
    q("CREATE SCHEMA s5 COMMENT = 'properties are kept out of the way'")
    assert q("SELECT current_schema()") == [("S5",)]
