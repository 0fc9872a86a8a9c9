"""A MERGE that would update one target row from several source rows fails, as Snowflake's does by
default [DOC: sql-reference/sql/merge, "Duplicate join behavior"]: 100090 (42P18) "Duplicate row
detected during DML action", the database left as it was. ERROR_ON_NONDETERMINISTIC_MERGE = FALSE
(session, account or task parameter) lets it through. Both roads are covered: DuckDB's own MERGE
(untracked target) and the emulation (a stream on the target)."""

from __future__ import annotations

import pytest

import cdcsim


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def cur(request, con):
    c = con.cursor()
    c.execute("CREATE TABLE t (id INT, v INT, name STRING)")
    c.execute("INSERT INTO t VALUES (1, 0, 'a'), (2, 0, 'b'), (3, 0, NULL)")
    c.execute("CREATE TABLE s (id INT, v INT)")
    c.execute("INSERT INTO s VALUES (1, 10), (1, 11), (2, 5)")
    if request.param:
        c.execute("CREATE STREAM t_s ON TABLE t")
    return c


def rows(cur):
    return cur.execute("SELECT id, v, name FROM t ORDER BY id").fetchall()


BEFORE = [(1, 0, "a"), (2, 0, "b"), (3, 0, None)]


@pytest.mark.parametrize("sql", [
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
    # one source row updates the row and another deletes it
    "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.v = 10 THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v",
    # an unmatched source row to insert does not save it
    "MERGE INTO t USING (SELECT * FROM s UNION ALL SELECT 7, 7) AS s ON t.id = s.id "
    "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
])
def test_several_source_rows_updating_one_row_fail(cur, sql):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        cur.execute(sql)
    assert e.value.errno == 100090 and e.value.sqlstate == "42P18"
    assert e.value.msg == 'Duplicate row detected during DML action\nRow Values: [1, 0, "a"]'
    assert rows(cur) == BEFORE


@pytest.mark.parametrize("sql, after", [
    # deletes alone are deterministic however many source rows match
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", [(3, 0, None)]),
    # only one of row 1's source rows reaches an UPDATE clause
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.v <> 10 THEN UPDATE SET v = s.v",
     [(1, 11, "a"), (2, 5, "b"), (3, 0, None)]),
    ("MERGE INTO t USING (SELECT * FROM s WHERE v <> 11) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v",
     [(1, 10, "a"), (2, 5, "b"), (3, 0, None)]),
])
def test_deterministic_merges_run(cur, sql, after):
    cur.execute(sql)
    assert rows(cur) == after


def test_the_stream_pitfall(con):
    """MERGE from a stream by key: an UPDATE reaches the stream as a DELETE and an INSERT of one key,
    so both match the target row. Snowflake refuses the naive MERGE; telling the pair apart by
    METADATA$ACTION makes it deterministic."""
    c = con.cursor()
    c.execute("CREATE TABLE src (id INT, v INT)")
    c.execute("INSERT INTO src VALUES (1, 1), (2, 2)")
    c.execute("CREATE STREAM src_s ON TABLE src")
    c.execute("CREATE TABLE dst AS SELECT * FROM src")
    c.execute("UPDATE src SET v = 10 WHERE id = 1")
    naive = "MERGE INTO dst USING src_s AS s ON dst.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row detected"):
        c.execute(naive)
    assert c.execute("SELECT count(*) FROM src_s").fetchall() == [(2,)]  # not consumed
    c.execute("MERGE INTO dst USING src_s AS s ON dst.id = s.id "
              "WHEN MATCHED AND s.METADATA$ACTION = 'INSERT' THEN UPDATE SET v = s.v")
    assert c.execute("SELECT * FROM dst ORDER BY id").fetchall() == [(1, 10), (2, 2)]
    assert c.execute("SELECT count(*) FROM src_s").fetchall() == [(0,)]


def test_session_parameter_lets_it_through(cur):
    sql = "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"
    cur.execute("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = FALSE")
    cur.execute(sql)
    got = rows(cur)
    assert got[0] in ((1, 10, "a"), (1, 11, "a")) and got[1:] == [(2, 5, "b"), (3, 0, None)]
    cur.execute("ALTER SESSION UNSET ERROR_ON_NONDETERMINISTIC_MERGE")
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        cur.execute(sql)


def test_the_emulation_prefers_a_source_row_a_clause_applies_to(con):
    """With the check off, a target row matched by a source row no clause applies to and by one a
    DELETE applies to is deleted (the emulation used to keep whichever pair came first)."""
    c = con.cursor()
    c.execute("CREATE TABLE t (id INT)")
    c.execute("CREATE STREAM t_s ON TABLE t")
    c.execute("INSERT INTO t VALUES (1)")
    c.execute("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = FALSE")
    for _ in range(5):
        c.execute("CREATE OR REPLACE TABLE s AS SELECT 1 AS id, range AS k FROM range(200)")
        c.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED AND s.k = 199 THEN DELETE")
        assert c.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
        c.execute("INSERT INTO t VALUES (1)")


def test_account_parameter_and_session_override(cur):
    sql = "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"
    cur.execute("ALTER ACCOUNT SET ERROR_ON_NONDETERMINISTIC_MERGE = FALSE")
    cur.execute("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = TRUE")
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        cur.execute(sql)
    cur.execute("ALTER SESSION UNSET ERROR_ON_NONDETERMINISTIC_MERGE")
    cur.execute(sql)
    assert rows(cur)[1] == (2, 5, "b")


def test_bad_value_is_refused_and_changes_nothing(cur):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        cur.execute("ALTER SESSION SET QUERY_TAG = 'x' ERROR_ON_NONDETERMINISTIC_MERGE = 'sometimes'")
    assert e.value.errno == 2043 and "ERROR_ON_NONDETERMINISTIC_MERGE" in e.value.msg
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        cur.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v")


def test_an_open_transaction_goes_on(cur):
    """The refused MERGE changed nothing, so the transaction around it stays open and commits the
    statements before it."""
    cur.execute("BEGIN")
    cur.execute("INSERT INTO t VALUES (9, 9, 'z')")
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        cur.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v")
    cur.execute("COMMIT")
    assert rows(cur) == [*BEFORE, (9, 9, "z")]


@pytest.fixture
def two_matches(con):
    """An untracked target row and two source rows that match it."""
    c = con.cursor()
    c.execute("CREATE TABLE t (id INT, v INT)")
    c.execute("INSERT INTO t VALUES (1, 0)")
    c.execute("CREATE TABLE s (id INT, v INT)")
    c.execute("INSERT INTO s VALUES (1, 10), (1, 11)")
    return c


def test_bind_parameters_reach_the_check(two_matches):
    c = two_matches
    sql = "MERGE INTO t USING s ON t.id = s.id AND s.v >= ? WHEN MATCHED THEN UPDATE SET v = ?"
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        c.execute(sql, [10, 5])
    c.execute(sql, [11, 5])  # one source row left: the parameter in ON was applied
    assert c.execute("SELECT * FROM t").fetchall() == [(1, 5)]


def test_a_task_parameter_applies_to_its_runs(two_matches):
    c = two_matches
    body = "AS MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v"
    c.execute(f"CREATE TASK strict_t {body}")
    c.execute(f"CREATE TASK lenient_t ERROR_ON_NONDETERMINISTIC_MERGE = FALSE {body}")
    c.execute("EXECUTE TASK strict_t")
    c.execute("EXECUTE TASK lenient_t")
    hist = {r[0]: r[1:] for r in c.execute(
        "SELECT name, state, error_code FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
        "WHERE state <> 'SCHEDULED'").fetchall()}
    assert hist["STRICT_T"] == ("FAILED", "100090")
    assert hist["LENIENT_T"] == ("SUCCEEDED", None)
    assert c.execute("SELECT v FROM t").fetchall() in ([(10,)], [(11,)])
    # the task's parameter stays with its runs: this session still refuses
    with pytest.raises(cdcsim.ProgrammingError, match="Duplicate row"):
        c.execute("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v")


def test_update_from_is_refused_only_when_asked(cur):
    """UPDATE ... FROM joining a target row to several source rows runs by default
    (ERROR_ON_NONDETERMINISTIC_UPDATE = FALSE, counted as multi-joined); TRUE refuses it with the
    same 100090 and changes nothing."""
    sql = "UPDATE t SET v = s.v FROM s WHERE t.id = s.id AND s.v >= ?"
    cur.execute("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_UPDATE = TRUE")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        cur.execute(sql, [0])
    assert e.value.errno == 100090
    assert e.value.msg == 'Duplicate row detected during DML action\nRow Values: [1, 0, "a"]'
    assert rows(cur) == BEFORE
    cur.execute(sql, [11])  # one source row per target row: deterministic
    assert rows(cur) == [(1, 11, "a"), (2, 0, "b"), (3, 0, None)]
    cur.execute("ALTER SESSION UNSET ERROR_ON_NONDETERMINISTIC_UPDATE")
    assert cur.execute(sql, [0]).fetchall() == [(2, 1)]



def test_an_insert_without_a_column_list_fills_the_tables_columns(cur):
    """``WHEN NOT MATCHED THEN INSERT VALUES (...)`` with no column list: on a tracked table (a
    stream on it) the emulation counted the hidden row id among the table's columns and failed
    ("table T has 4 columns but 3 values were supplied")."""
    cur.execute("MERGE INTO t USING (SELECT 4 AS id, 40 AS v, 'd' AS name) AS s ON t.id = s.id "
                "WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v, s.name)")
    assert rows(cur) == [*BEFORE, (4, 40, "d")]
