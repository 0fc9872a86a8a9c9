"""DML statements answer with Snowflake's result shapes, whether or not the target is change-tracked
(a stream on it sends MERGE down the emulation in cdcsim/merge.py instead of DuckDB's MERGE).

* MERGE [DOC: sql-reference/sql/merge]: one row, a column per kind of action the statement has
  clauses for, ordered "number of rows inserted", "number of rows updated", "number of rows deleted".
* UPDATE [DOC: sql-reference/sql/update]: "number of rows updated" and "number of multi-joined rows
  updated" (target rows an UPDATE ... FROM joins to more than one source row; each counted once).
* INSERT and DELETE: "number of rows inserted" / "number of rows deleted".

The expected rows below are the outputs printed in those pages' examples."""

from __future__ import annotations

import pytest

INSERTED, UPDATED, DELETED = "number of rows inserted", "number of rows updated", "number of rows deleted"
MULTI = "number of multi-joined rows updated"


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def tracked(request, con):
    return request.param


@pytest.fixture
def run(con, tracked):
    """Run one statement; return (column names, rows, rowcount). Every table created through it
    gets a stream when the case is the tracked one."""
    cur = con.cursor()

    def go(sql, params=None):
        cur.execute(sql, params)
        if tracked and sql.upper().startswith("CREATE TABLE"):
            name = sql.split()[2]
            con.cursor().execute(f"CREATE STREAM {name}_s ON TABLE {name}")
        names = [d[0] for d in cur.description] if cur.description else []
        return names, cur.fetchall(), cur.rowcount

    return go


def _counters_are_numbers(con, sql):
    desc = con.cursor().execute(sql).description
    assert all(d[1] == 0 and d[4:7] == (38, 0, False) for d in desc)  # FIXED NUMBER(38,0) NOT NULL


def test_merge_with_only_an_update_clause_reports_updated_rows(run):
    run("CREATE TABLE merge_example_target (id INTEGER, description VARCHAR)")
    run("INSERT INTO merge_example_target VALUES (10, 'To be updated (this is the old value)')")
    run("CREATE TABLE merge_example_source (id INTEGER, description VARCHAR)")
    run("INSERT INTO merge_example_source VALUES (10, 'To be updated (this is the new value)')")
    assert run("MERGE INTO merge_example_target USING merge_example_source "
               "ON merge_example_target.id = merge_example_source.id "
               "WHEN MATCHED THEN UPDATE SET merge_example_target.description = merge_example_source.description"
               ) == ([UPDATED], [(1,)], 1)


def test_merge_with_every_kind_of_clause_reports_three_counters_in_snowflake_order(run, con):
    run("CREATE TABLE merge_example_mult_target (id INTEGER, val INTEGER, status VARCHAR)")
    run("INSERT INTO merge_example_mult_target VALUES (1, 10, 'Production'), (2, 20, 'Alpha'), (3, 30, 'Production')")
    run("CREATE TABLE merge_example_mult_source (id INTEGER, marked VARCHAR, isnewstatus INTEGER, "
        "newval INTEGER, newstatus VARCHAR)")
    run("INSERT INTO merge_example_mult_source VALUES (1, 'Y', 0, 10, 'Production'), (2, 'N', 1, 50, 'Beta'), "
        "(3, 'N', 0, 60, 'Deprecated'), (4, 'N', 0, 40, 'Production')")
    merge = """MERGE INTO merge_example_mult_target
        USING merge_example_mult_source
        ON merge_example_mult_target.id = merge_example_mult_source.id
        WHEN MATCHED AND merge_example_mult_source.marked = 'Y'
          THEN DELETE
        WHEN MATCHED AND merge_example_mult_source.isnewstatus = 1
          THEN UPDATE SET val = merge_example_mult_source.newval, status = merge_example_mult_source.newstatus
        WHEN MATCHED
          THEN UPDATE SET val = merge_example_mult_source.newval
        WHEN NOT MATCHED
          THEN INSERT (id, val, status) VALUES (
            merge_example_mult_source.id, merge_example_mult_source.newval, merge_example_mult_source.newstatus)"""
    assert run(merge) == ([INSERTED, UPDATED, DELETED], [(1, 2, 1)], 4)
    assert run("SELECT * FROM merge_example_mult_target ORDER BY id")[1] == [
        (2, 50, "Beta"), (3, 60, "Production"), (4, 40, "Production")]


def test_merge_inserting_source_duplicates_reports_inserted_and_updated(run):
    run("CREATE TABLE merge_example_target (id INTEGER, description VARCHAR)")
    run("CREATE TABLE merge_example_source (id INTEGER, description VARCHAR)")
    run("INSERT INTO merge_example_source VALUES (50, 'dup'), (50, 'dup')")
    assert run("MERGE INTO merge_example_target USING merge_example_source "
               "ON merge_example_target.id = merge_example_source.id "
               "WHEN MATCHED THEN UPDATE SET merge_example_target.description = merge_example_source.description "
               "WHEN NOT MATCHED THEN INSERT (id, description) "
               "VALUES (merge_example_source.id, merge_example_source.description)"
               ) == ([INSERTED, UPDATED], [(2, 0)], 2)


def test_merge_columns_follow_clause_kinds_not_clause_order(run, con):
    run("CREATE TABLE t (k INT, v INT)")
    run("INSERT INTO t VALUES (1, 1), (2, 2)")
    run("CREATE TABLE s (k INT, v INT)")
    run("INSERT INTO s VALUES (1, 10), (3, 30)")
    assert run("MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v) "
               "WHEN MATCHED THEN DELETE") == ([INSERTED, DELETED], [(1, 1)], 2)
    assert run("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE") == ([DELETED], [(1,)], 1)  # k = 3
    assert run("MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)") == (
        [INSERTED], [(2,)], 2)
    # a clause that matches nothing still has its column
    assert run("MERGE INTO t USING s ON t.k = s.k WHEN MATCHED AND s.v < 0 THEN DELETE "
               "WHEN MATCHED THEN UPDATE SET v = s.v") == ([UPDATED, DELETED], [(2, 0)], 2)
    _counters_are_numbers(con, "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v "
                               "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)")


def test_merge_with_bind_parameters_on_an_untracked_target(con):
    # (bind parameters in MERGE on a tracked table are not supported)
    cur = con.cursor()
    cur.execute("CREATE TABLE t (k INT, v INT)")
    sql = ("MERGE INTO t USING (SELECT ? AS k) s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = ? "
           "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, ?)")
    assert cur.execute(sql, [1, 5, 6]).fetchall() == [(1, 0)]
    assert [d[0] for d in cur.description] == [INSERTED, UPDATED]
    assert cur.execute(sql, [1, 5, 6]).fetchall() == [(0, 1)]
    assert cur.execute("SELECT * FROM t").fetchall() == [(1, 5)]


def test_update_reports_updated_and_multi_joined_rows(run, con):
    run("CREATE TABLE t (k INT, v INT)")
    run("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
    assert run("UPDATE t SET v = v + 1 WHERE k > 1") == ([UPDATED, MULTI], [(2, 0)], 2)
    assert run("UPDATE t SET v = 0 WHERE k = 99") == ([UPDATED, MULTI], [(0, 0)], 0)
    _counters_are_numbers(con, "UPDATE t SET v = 1")


def test_update_from_counts_a_target_row_joined_to_several_source_rows_once(run, tracked):
    run("CREATE TABLE target (k NUMBER, v NUMBER)")
    run("INSERT INTO target VALUES (0, 10)")
    run("CREATE TABLE src (k NUMBER, v NUMBER)")
    run("INSERT INTO src VALUES (0, 11), (0, 12), (0, 13)")
    assert run("UPDATE target SET v = src.v FROM src WHERE target.k = src.k") == ([UPDATED, MULTI], [(1, 1)], 1)
    assert run("SELECT v FROM target")[1][0][0] in (11, 12, 13)
    if tracked:  # the stream sees one update of the one row
        assert run("SELECT k, v, METADATA$ACTION FROM target_s ORDER BY 3")[1] in (
            [(0, v, "INSERT")] for v in (11, 12, 13))


def test_update_from_mixes_single_and_multi_joined_rows(run):
    run("CREATE TABLE t (k INT, v INT)")
    run("INSERT INTO t VALUES (0, 0), (1, 1), (2, 2)")
    run("CREATE TABLE s (k INT, v INT)")
    run("INSERT INTO s VALUES (0, 10), (0, 11), (1, 12), (5, 13)")
    assert run("UPDATE t AS x SET v = y.v FROM s y WHERE x.k = y.k") == ([UPDATED, MULTI], [(2, 1)], 2)
    # the SET list's parameters come before the FROM's and WHERE's
    assert run("UPDATE t x SET v = ? FROM s AS y WHERE x.k = y.k AND y.v > ?", [7, 10]) == (
        [UPDATED, MULTI], [(2, 0)], 2)
    # the same shape with other literals (a cached template) is counted afresh
    for bound, expected in [(9, [(2, 1)]), (10, [(2, 0)]), (11, [(1, 0)]), (12, [(0, 0)])]:
        assert run(f"UPDATE t SET v = 1 FROM s WHERE t.k = s.k AND s.v > {bound}")[1] == expected
    # FROM only inside a subquery, a literal or IS DISTINCT FROM is no UPDATE ... FROM
    assert run("UPDATE t SET v = 1 WHERE v IS DISTINCT FROM 1") == ([UPDATED, MULTI], [(1, 0)], 1)  # k = 2
    assert run("UPDATE t SET v = (SELECT max(v) FROM s) WHERE k IN (SELECT k FROM s)") == (
        [UPDATED, MULTI], [(2, 0)], 2)
    run("CREATE TABLE n (k INT, label STRING)")
    run("INSERT INTO n VALUES (1, 'a')")
    assert run("UPDATE n SET label = 'FROM s' WHERE k = 1 AND label <> ') FROM s'")[1] == [(1, 0)]


def test_update_from_a_stream(con, q):
    q("CREATE TABLE t (k INT, v INT)")
    q("INSERT INTO t VALUES (0, 0), (1, 1)")
    q("CREATE TABLE s (k INT, v INT)")
    q("CREATE STREAM s_changes ON TABLE s")
    q("INSERT INTO s VALUES (0, 10), (0, 11), (1, 12)")
    assert q("UPDATE t SET v = c.v FROM s_changes c WHERE t.k = c.k") == [(2, 1)]
    assert q("SELECT count(*) FROM s_changes") == [(0,)]  # consumed


def test_insert_and_delete_keep_their_single_counter(run):
    run("CREATE TABLE t (k INT)")
    assert run("INSERT INTO t VALUES (1), (2)") == ([INSERTED], [(2,)], 2)
    assert run("DELETE FROM t WHERE k = 1") == ([DELETED], [(1,)], 1)


def test_executemany_update_sums_rows_updated(con, q):
    q("CREATE TABLE t (k INT, v INT)")
    q("INSERT INTO t VALUES (1, 1), (2, 2)")
    cur = con.cursor().executemany("UPDATE t SET v = ? WHERE k = ?", [(5, 1), (6, 2), (7, 3)])
    assert cur.rowcount == 2
