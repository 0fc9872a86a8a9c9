"""Examples from Snowflake's DML pages, run as documented, where cdcsim answered otherwise.

Pages: sql-reference/sql/insert (I), sql-reference/sql/insert-multi-table (M),
sql-reference/sql/merge (G). Each test reproduces an example (or a rule stated beside one) and
asserts the documented outcome; where the page shows no output the choice is marked [INFER] in the
test's docstring. MERGE examples run on both roads: DuckDB's own MERGE (untracked target) and the
emulation a stream on the target sends it down (cdcsim/merge.py).
"""

from __future__ import annotations

import pytest

import cdcsim

INSERTED, UPDATED, DELETED = "number of rows inserted", "number of rows updated", "number of rows deleted"


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def run(request, con):
    """Run one statement; return (column names, rows). In the tracked case every table created
    through it gets a stream."""
    cur = con.cursor()

    def go(sql):
        cur.execute(sql)
        if request.param and sql.upper().startswith("CREATE"):
            name = sql.split("(")[0].split()[-1]
            con.cursor().execute(f"CREATE STREAM {name}_s ON TABLE {name}")
        return [d[0] for d in cur.description] if cur.description else [], cur.fetchall()

    return go


def _fails(run, sql, errno):
    with pytest.raises(cdcsim.Error) as info:
        run(sql)
    assert info.value.errno == errno, str(info.value)
    return info.value


# ------------------------------------------------------------------------------------ I: INSERT
def test_multi_row_values_take_their_types_from_the_first_row(run):
    """I, "Multi-row insert using explicitly-specified values": ``(3), ('d')`` fails although the
    column is a VARCHAR, with the page's message; ``(3), (4)`` and ``('three'), ('four')`` go in."""
    run("CREATE OR REPLACE TABLE demo_insert_type_mismatch (v VARCHAR)")
    assert run("INSERT INTO demo_insert_type_mismatch (v) VALUES ('three'), ('four')") == ([INSERTED], [(2,)])
    err = _fails(run, "INSERT INTO demo_insert_type_mismatch (v) VALUES (3), ('d')", 100038)
    assert err.sqlstate == "22018"
    assert err.msg == ("DML operation to table DEMO_INSERT_TYPE_MISMATCH failed on column V with error: "
                       "Numeric value 'd' is not recognized")
    assert run("INSERT INTO demo_insert_type_mismatch (v) VALUES (3), (4)") == ([INSERTED], [(2,)])
    assert sorted(run("SELECT v FROM demo_insert_type_mismatch")[1]) == [("3",), ("4",), ("four",), ("three",)]


def test_first_row_type_rule_without_a_column_list(run):
    """[INFER] The rule per column, the column named from the table when the INSERT names none; a
    later string that reads as a number goes in as written, and a first row of text takes numbers."""
    run("CREATE TABLE mixed (a VARCHAR, b VARCHAR)")
    err = _fails(run, "INSERT INTO mixed VALUES ('x', -1), ('y', 'z')", 100038)
    assert "failed on column B with error: Numeric value 'z' is not recognized" in err.msg
    assert run("INSERT INTO mixed VALUES ('x', 1), (2, '2.50')") == ([INSERTED], [(2,)])
    assert sorted(run("SELECT * FROM mixed")[1]) == [("2", "2.50"), ("x", "1")]


@pytest.mark.parametrize("value", ["ARRAY_CONSTRUCT(1, 2, 3)", "PARSE_JSON('{ \"key1\": \"value1\" }')"])
def test_values_refuse_semi_structured_values(run, value):
    """I, usage notes: a semi-structured value "can't be specified in the VALUES clause" (the
    page's ``VALUES (ARRAY_CONSTRUCT(1, 2, 3))`` and ``PARSE_JSON`` examples); the same value
    goes in through ``INSERT ... SELECT``. [INFER] Snowflake's message as users report it."""
    run("CREATE TABLE table1 (id INT, varchar1 VARCHAR, variant1 VARIANT)")
    err = _fails(run, f"INSERT INTO table1 (id, varchar1, variant1) VALUES (4, 'Fourier', {value})", 2014)
    assert err.msg == f"SQL compilation error:\nInvalid expression [{value}] in VALUES clause"
    assert run(f"INSERT INTO table1 (id, varchar1, variant1) SELECT 4, 'Fourier', {value}") == ([INSERTED], [(1,)])
    assert run("SELECT id, varchar1 FROM table1")[1] == [(4, "Fourier")]


# ---------------------------------------------------------------------- M: multi-table INSERT
def _multi_setup(run):
    run("CREATE TABLE src (n1 INT, n2 INT, n3 INT)")
    run("INSERT INTO src VALUES (1, 2, 3), (11, 12, 13)")
    run("CREATE TABLE t1 (c1 INT, c2 INT, c3 INT DEFAULT 99)")
    run("CREATE TABLE t2 (c1 INT, c2 INT, c3 INT)")


_UNCONDITIONAL = """INSERT {ow}ALL
  INTO t1
  INTO t1 (c1, c2, c3) VALUES (n2, n1, DEFAULT)
  INTO t2 (c1, c2, c3)
  INTO t2 VALUES (n3, n2, n1)
SELECT n1, n2, n3 from src"""


@pytest.mark.parametrize("ow", ["", "OVERWRITE "])
def test_unconditional_multi_table_insert_with_default(run, ow):
    """M, "Unconditional multi-table inserts": ``VALUES (n2, n1, DEFAULT)`` gives c3 its default
    (it failed: invalid identifier 'DEFAULT'); OVERWRITE empties both tables first."""
    _multi_setup(run)
    if ow:
        run("INSERT INTO t1 VALUES (0, 0, 0)")
    names, rows = run(_UNCONDITIONAL.format(ow=ow))
    assert names == ["number of rows inserted into T1"] * 2 + ["number of rows inserted into T2"] * 2
    assert rows == [(2, 2, 2, 2)]
    assert run("SELECT * FROM t1 ORDER BY 1")[1] == [(1, 2, 3), (2, 1, 99), (11, 12, 13), (12, 11, 99)]
    assert run("SELECT * FROM t2 ORDER BY 1")[1] == [(1, 2, 3), (3, 2, 1), (11, 12, 13), (13, 12, 11)]


def test_multi_table_insert_by_positional_explicit_and_default_alias(run):
    """M, "Multi-table inserts with aliases and references": ``$1``, ``an_alias`` and the default
    alias ``"10 + 20"`` insert the single row (1, 50, 30) ("10 + 20" was not found)."""
    run("CREATE TABLE t1 (a INT, b INT, c INT)")
    assert run('INSERT ALL INTO t1 VALUES ($1, an_alias, "10 + 20") SELECT 1, 50 AS an_alias, 10 + 20')[1] == [(1,)]
    assert run("SELECT * FROM t1")[1] == [(1, 50, 30)]


def test_multi_table_insert_references_the_subquery_only_by_alias(run):
    """M: ``VALUES (src1.key, a)`` over ``SELECT src1.a AS a FROM src1, src2 ...`` "returns error"
    ([INFER] 000904 invalid identifier, where DuckDB's binder error was 002016); selecting and
    aliasing the key completes."""
    run("CREATE TABLE src1 (key INT, a INT)")
    run("CREATE TABLE src2 (key INT)")
    run("INSERT INTO src1 VALUES (1, 10)")
    run("INSERT INTO src2 VALUES (1)")
    run("CREATE TABLE t1 (k INT, a INT)")
    err = _fails(run, "INSERT ALL INTO t1 VALUES (src1.key, a) SELECT src1.a AS a FROM src1, src2 "
                      "WHERE src1.key = src2.key", 904)
    assert err.msg.endswith("invalid identifier 'SRC1.KEY'")
    assert run("INSERT ALL INTO t1 VALUES (key, a) SELECT src1.key AS key, src1.a AS a FROM src1, src2 "
               "WHERE src1.key = src2.key")[1] == [(1,)]
    assert run("SELECT * FROM t1")[1] == [(1, 10)]


def test_insert_first_needs_when_clauses(run):
    """M, ALL: "If the FIRST keyword is specified in an unconditional multi-table insert ...,
    Snowflake returns a syntax error" (it inserted)."""
    run("CREATE TABLE t1 (a INT, b INT)")
    _fails(run, "INSERT FIRST INTO t1 SELECT 1, 2", 1003)
    assert run("SELECT count(*) FROM t1")[1] == [(0,)]


# ---------------------------------------------------------------------------------- G: MERGE
def test_merge_all_by_name(run):
    """G, "Perform a merge by using ALL BY NAME": columns are matched by name though the source
    orders them (id, y, x); DuckDB's MERGE matched them by position ('Skiing' is not a number)
    and the emulation failed outright."""
    run("CREATE OR REPLACE TABLE merge_example_target_all (id INTEGER, x INTEGER, y VARCHAR)")
    run("CREATE OR REPLACE TABLE merge_example_source_all (id INTEGER, y VARCHAR, x INTEGER)")
    run("INSERT INTO merge_example_target_all (id, x, y) VALUES (1, 10, 'Skiing'), (2, 20, 'Snowboarding')")
    run("INSERT INTO merge_example_source_all (id, y, x) VALUES (1, 'Skiing', 10), (2, 'Snowboarding', 25), "
        "(3, 'Skating', 30)")
    assert run("""MERGE INTO merge_example_target_all
          USING merge_example_source_all
          ON merge_example_target_all.id = merge_example_source_all.id
          WHEN MATCHED THEN
            UPDATE ALL BY NAME
          WHEN NOT MATCHED THEN
            INSERT ALL BY NAME""") == ([INSERTED, UPDATED], [(1, 2)])
    assert run("SELECT * FROM merge_example_target_all ORDER BY id")[1] == [
        (1, 10, "Skiing"), (2, 25, "Snowboarding"), (3, 30, "Skating")]


def test_merge_all_by_name_from_an_aliased_subquery(run):
    """[INFER] ALL BY NAME reads the source through its alias, whatever the source is."""
    run("CREATE TABLE tgt (id INT, v VARCHAR)")
    run("INSERT INTO tgt VALUES (1, 'old')")
    assert run("MERGE INTO tgt USING (SELECT 'new' AS v, column1 AS id FROM VALUES (1), (2)) AS s ON tgt.id = s.id "
               "WHEN MATCHED THEN UPDATE ALL BY NAME WHEN NOT MATCHED THEN INSERT ALL BY NAME")[1] == [(1, 1)]
    assert run("SELECT * FROM tgt ORDER BY id")[1] == [(1, "new"), (2, "new")]


def test_merge_several_source_rows_deleting_one_target_row(run):
    """G, "Multiple deletes don't conflict with each other": the row is deleted. [INFER] The
    counter counts target rows, as UPDATE counts a multi-joined row once and as the emulation did;
    DuckDB's MERGE counted the row once per source row (2)."""
    run("CREATE OR REPLACE TABLE merge_example_target_clone (k NUMBER, v NUMBER)")
    run("INSERT INTO merge_example_target_clone VALUES (0, 10)")
    run("CREATE OR REPLACE TABLE merge_example_src (k NUMBER, v NUMBER)")
    run("INSERT INTO merge_example_src VALUES (0, 11), (0, 12), (0, 13)")
    assert run("""MERGE INTO merge_example_target_clone
          USING merge_example_src
          ON merge_example_target_clone.k = merge_example_src.k
          WHEN MATCHED AND merge_example_src.v <= 12 THEN DELETE""") == ([DELETED], [(1,)])
    assert run("SELECT * FROM merge_example_target_clone")[1] == []


@pytest.mark.parametrize("clauses", [
    "WHEN MATCHED THEN UPDATE SET t.v = s.v WHEN MATCHED AND s.v = 1 THEN DELETE",
    "WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.v) WHEN NOT MATCHED AND s.v = 1 THEN INSERT VALUES (s.k, 0)",
])
def test_merge_clause_after_an_unconditional_one_is_an_error(run, clauses):
    """G, usage notes: a clause without AND "must be the last of its clause type ... Doing so results
    in an unreachable case, which returns an error". The emulation ran such a MERGE. [INFER] Its
    code is DuckDB's, a syntax error."""
    run("CREATE TABLE t (k INT, v INT)")
    run("CREATE TABLE s (k INT, v INT)")
    run("INSERT INTO t VALUES (1, 10)")
    run("INSERT INTO s VALUES (1, 1), (2, 2)")
    err = _fails(run, f"MERGE INTO t USING s ON t.k = s.k {clauses}", 1003)
    assert "unreachable" in err.msg
    assert run("SELECT * FROM t")[1] == [(1, 10)]
