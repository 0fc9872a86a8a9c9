"""Temporary tables: schema objects of one session (translate._to_temporary).

Snowflake [DOC: user-guide/tables-temp-transient, sql-reference/sql/create-table]: a temporary table
belongs to a schema like any table, is seen only by the session that made it, ends with that
session, and hides a permanent table of the same name for that session.
"""

from __future__ import annotations

import pytest

import cdcsim


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "db.duckdb")


def test_a_temporary_table_is_named_like_any_table(q):
    q("CREATE SCHEMA other")
    q("USE SCHEMA public")
    q("CREATE TEMPORARY TABLE other.tmp (a INT)")  # qualified: used to fail, "schema does not exist"
    q("INSERT INTO cdcsim.other.tmp VALUES (1), (2)")
    assert q("SELECT count(*) FROM other.tmp") == [(2,)]
    with pytest.raises(cdcsim.ProgrammingError):
        q("SELECT * FROM tmp")  # not in the current schema (it used to be seen from every schema)
    q("USE SCHEMA other")
    assert q("SELECT t.a FROM tmp AS t WHERE t.a > 1") == [(2,)]
    assert q("SELECT tmp.a FROM tmp ORDER BY tmp.a") == [(1,), (2,)]
    q("UPDATE tmp SET a = tmp.a * 10 WHERE tmp.a = 1")
    q("DELETE FROM tmp WHERE a = 2")
    assert q("SELECT * FROM tmp") == [(10,)]
    assert [r[0] for r in q("DESCRIBE TABLE tmp")] == ["A"]
    assert [(r[1], r[4]) for r in q("SHOW TABLES IN SCHEMA other")] == [("TMP", "TEMPORARY")]


def test_it_hides_a_permanent_table_until_dropped(q):
    q("CREATE TABLE t (a INT)")
    q("INSERT INTO t VALUES (1)")
    q("CREATE STREAM s ON TABLE t")
    assert q("SELECT * FROM t") == [(1,)]  # (translated and cached before the temporary table)
    q("CREATE OR REPLACE TEMPORARY TABLE t (z STRING)")
    assert q("SELECT * FROM t") == [] and q.cur.description[0][0] == "Z"
    assert [(r[1], r[4]) for r in q("SHOW TABLES")] == [("T", "TEMPORARY")]
    q("INSERT INTO t VALUES ('x')")
    q("DROP TABLE t")
    assert q("SELECT * FROM t") == [(1,)]
    # the permanent table and its stream were left alone by the temporary one's CREATE and DROP
    q("INSERT INTO t VALUES (2)")
    assert q("SELECT a, METADATA$ACTION FROM s") == [(2, "INSERT")]
    q("CREATE TEMPORARY TABLE tt (a INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE STREAM s2 ON TABLE tt")
    assert e.value.errno == 2000 and "temporary" in e.value.msg


def test_copies_are_temporary_too(q):
    q("CREATE TABLE t (a INT, b STRING)")
    q("INSERT INTO t VALUES (1, 'x')")
    q("CREATE TEMPORARY TABLE l LIKE t")
    q("CREATE TEMPORARY TABLE c CLONE t")
    assert q("SELECT * FROM l") == [] and q("SELECT * FROM c") == [(1, "x")]
    assert sorted((r[1], r[4]) for r in q("SHOW TABLES")) == [("C", "TEMPORARY"), ("L", "TEMPORARY"), ("T", "TABLE")]


def test_only_its_session_sees_it_and_it_ends_with_the_session(path):
    with cdcsim.connect(path) as one, cdcsim.connect(path) as two:
        one.cursor().execute("CREATE TABLE shared (a INT)")
        one.cursor().execute("CREATE TEMPORARY TABLE mine (a INT)")
        one.cursor().execute("INSERT INTO mine VALUES (1)")
        with pytest.raises(cdcsim.ProgrammingError):
            two.cursor().execute("SELECT * FROM mine")
        two.cursor().execute("CREATE TEMPORARY TABLE mine (b STRING)")  # its own, of the same name
        two.cursor().execute("INSERT INTO mine VALUES ('two')")
        assert one.cursor().execute("SELECT * FROM mine").fetchall() == [(1,)]
        assert two.cursor().execute("SELECT * FROM mine").fetchall() == [("two",)]
        assert [r[1] for r in two.cursor().execute("SHOW TABLES").fetchall()] == ["MINE", "SHARED"]
    with cdcsim.connect(path) as again:
        assert [r[1] for r in again.cursor().execute("SHOW TABLES").fetchall()] == ["SHARED"]
        with pytest.raises(cdcsim.ProgrammingError):
            again.cursor().execute("SELECT * FROM mine")


def test_drop_if_exists_of_nothing_says_so(q):
    q("CREATE TEMPORARY TABLE tt (a INT)")
    q("CREATE VIEW v AS SELECT 1 AS x")
    assert q("DROP TABLE IF EXISTS tt") == [("TT successfully dropped.",)]
    assert q("DROP VIEW IF EXISTS v") == [("V successfully dropped.",)]
    for kind, name in (("TABLE", "TT"), ("VIEW", "V")):
        assert q(f"DROP {kind} IF EXISTS {name}") == [(f"Drop statement executed successfully ({name} already dropped).",)]


def test_rename_keeps_it_temporary(q):
    q("CREATE SCHEMA other")
    q("USE SCHEMA public")
    q("CREATE TEMPORARY TABLE tt (a INT)")
    q("INSERT INTO tt VALUES (1)")
    q("ALTER TABLE tt RENAME TO other.t2")
    assert q("SELECT * FROM other.t2") == [(1,)]
    assert [(r[1], r[3], r[4]) for r in q("SHOW TABLES")] == [("T2", "OTHER", "TEMPORARY")]
    with pytest.raises(cdcsim.ProgrammingError):
        q("SELECT * FROM tt")


def test_a_task_run_is_a_session_of_its_own(con, q):
    """Each run starts without the temporary tables of an earlier one (it used to keep them in the
    scheduler's session, so the second run's CREATE TEMPORARY TABLE failed: 'already exists')."""
    q("CREATE TABLE src (a INT)")
    q("CREATE TABLE dst (n INT)")
    q("INSERT INTO src VALUES (1), (2)")
    q("CREATE TASK k WAREHOUSE = wh SCHEDULE = '1 minute' AS BEGIN "
      "CREATE TEMPORARY TABLE stage AS SELECT a FROM src; INSERT INTO dst SELECT count(*) FROM stage; END")
    q("EXECUTE TASK k")
    q("EXECUTE TASK k")
    con.run_pending()
    assert q("SELECT n FROM dst") == [(2,), (2,)]
    states = [r[0] for r in q("SELECT state FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'K'))")]
    assert states == ["SUCCEEDED", "SUCCEEDED"]
    with pytest.raises(cdcsim.ProgrammingError):
        q("SELECT * FROM stage")
