"""CREATE OR ALTER TABLE | SCHEMA | DATABASE [DOC: sql-reference/sql/create-or-alter; create-table,
"CREATE OR ALTER TABLE" usage notes and examples]: the object is created, or the existing one is
altered into the definition with its data kept; what cannot be altered fails before any change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim
from cdcsim.errors import ProgrammingError


@pytest.fixture
def cur():
    con = cdcsim.connect()
    yield con.cursor()
    con.close()


def rows(cur, sql):
    return cur.execute(sql).fetchall()


def columns(cur, table="T"):
    return [(r[0], r[1], r[3], r[9]) for r in rows(cur, f"DESC TABLE {table}")]


def show(cur, name="T"):
    desc_rows = rows(cur, f"SHOW TABLES LIKE '{name}'")
    names = [d[0] for d in cur.description]
    return dict(zip(names, desc_rows[0], strict=True))


def test_creates_a_missing_table_and_leaves_a_matching_one_alone(cur):
    assert rows(cur, "CREATE OR ALTER TABLE t (a INT, b STRING)") == [("Table T successfully created.",)]
    cur.execute("INSERT INTO t VALUES (1, 'x')")
    assert rows(cur, "CREATE OR ALTER TABLE t (a INT, b STRING)") == [("Statement executed successfully.",)]
    assert rows(cur, "SELECT * FROM t") == [(1, "x")]


def test_the_docs_rename_example_drops_b_and_adds_an_empty_c(cur):
    cur.execute("CREATE OR ALTER TABLE my_table (a INT PRIMARY KEY, b INT)")
    cur.execute("INSERT INTO my_table VALUES (1, 2), (2, 3)")
    cur.execute("CREATE OR ALTER TABLE my_table (a INT PRIMARY KEY, c INT)")
    assert rows(cur, "SELECT * FROM my_table ORDER BY a") == [(1, None), (2, None)]
    assert [c[0] for c in columns(cur, "my_table")] == ["A", "C"]


def test_new_columns_come_last_and_keep_the_rows(cur):
    cur.execute("CREATE TABLE t (a INT, b STRING)")
    cur.execute("INSERT INTO t VALUES (1, 'x'), (2, NULL)")
    cur.execute("CREATE OR ALTER TABLE t (a INT, b STRING, c NUMBER(10,2), d DATE)")
    assert [c[:2] for c in columns(cur)] == [("A", "NUMBER(38,0)"), ("B", "VARCHAR(16777216)"),
                                             ("C", "NUMBER(10,2)"), ("D", "DATE")]
    assert rows(cur, "SELECT * FROM t ORDER BY a") == [(1, "x", None, None), (2, None, None, None)]


def test_a_primary_key_on_a_column_with_nulls_fails_and_changes_nothing(cur):
    cur.execute("CREATE TABLE t (a INT)")
    cur.execute("INSERT INTO t VALUES (NULL)")
    with pytest.raises(ProgrammingError) as e:
        cur.execute("CREATE OR ALTER TABLE t (a INT PRIMARY KEY, b INT)")
    assert e.value.errno == 1471
    assert "Column 'A' contains null values. Not null constraint cannot be added." in e.value.msg
    assert columns(cur) == [("A", "NUMBER(38,0)", "Y", None)]  # b was not added either


def test_a_primary_key_makes_the_column_not_null(cur):
    cur.execute("CREATE TABLE t (a INT)")
    cur.execute("CREATE OR ALTER TABLE t (a INT PRIMARY KEY)")
    assert columns(cur)[0][2] == "N"
    cur.execute("CREATE OR ALTER TABLE t (a INT)")
    assert columns(cur)[0][2] == "Y"


@pytest.mark.parametrize("definition, message", [
    ("(b STRING, a INT)", "cannot reorder the columns"),
    ("(x INT, a INT, b STRING)", "cannot reorder the columns"),
    ("(a NUMBER(38,2), b STRING)", "changing the scale of a number is not supported"),
    ("(a STRING, b STRING)", "changing a column to a different data type is not supported"),
    ("(a INT DEFAULT 5, b STRING)", "cannot set or change the default"),
    ("(a INT, b STRING, c INT NOT NULL)", "Non-nullable column 'C' cannot be added to non-empty table"),
    ("(a INT, b STRING) DATA_RETENTION_TIME_IN_DAYS = 'x'", "invalid value"),
])
def test_what_alter_table_cannot_do_fails_before_any_change(cur, definition, message):
    cur.execute("CREATE TABLE t (a INT, b STRING)")
    cur.execute("INSERT INTO t VALUES (1, 'x')")
    before = columns(cur), show(cur)["retention_time"]
    with pytest.raises(ProgrammingError) as e:
        cur.execute(f"CREATE OR ALTER TABLE t {definition}")
    assert message in e.value.msg
    assert "Partial updates" not in e.value.msg
    assert (columns(cur), show(cur)["retention_time"]) == before
    assert rows(cur, "SELECT * FROM t") == [(1, "x")]


def test_number_precision_grows_and_shrinks_only_when_the_values_fit(cur):
    cur.execute("CREATE TABLE t (n NUMBER(10,2))")
    cur.execute("INSERT INTO t VALUES (12345.67)")
    cur.execute("CREATE OR ALTER TABLE t (n NUMBER(20,2))")
    assert columns(cur)[0][1] == "NUMBER(20,2)"
    cur.execute("CREATE OR ALTER TABLE t (n NUMBER(7,2))")
    assert columns(cur)[0][1] == "NUMBER(7,2)"
    with pytest.raises(ProgrammingError, match="cannot hold every value"):
        cur.execute("CREATE OR ALTER TABLE t (n NUMBER(6,2))")
    assert rows(cur, "SELECT n FROM t") == [(Decimal("12345.67"),)]


def test_a_dropped_default_and_synonymous_types(cur):
    cur.execute("CREATE TABLE t (a INTEGER DEFAULT 7, b TEXT)")
    cur.execute("CREATE OR ALTER TABLE t (a NUMBER(38,0), b VARCHAR)")
    cur.execute("INSERT INTO t (b) VALUES ('x')")
    assert rows(cur, "SELECT * FROM t") == [(None, "x")]


def test_properties_left_out_are_unset_but_change_tracking_stays(cur):
    cur.execute("CREATE TABLE t (a INT)")
    cur.execute("CREATE OR ALTER TABLE t (a INT COMMENT 'the a') COMMENT = 'tc' DATA_RETENTION_TIME_IN_DAYS = 5 "
                "CHANGE_TRACKING = TRUE")
    info = show(cur)
    assert (info["comment"], info["retention_time"], info["change_tracking"]) == ("tc", "5", "ON")
    assert columns(cur)[0][3] == "the a"
    cur.execute("CREATE OR ALTER TABLE t (a INT)")
    info = show(cur)
    assert (info["comment"], info["retention_time"], info["change_tracking"]) == ("", "1", "ON")
    assert columns(cur)[0][3] is None


def test_a_stream_on_the_table_keeps_working(cur):
    cur.execute("CREATE TABLE t (id INT, v STRING)")
    cur.execute("INSERT INTO t VALUES (1, 'a')")
    cur.execute("CREATE STREAM s ON TABLE t")
    cur.execute("CREATE OR ALTER TABLE t (id INT, v STRING, w INT)")
    cur.execute("INSERT INTO t VALUES (2, 'b', 20)")
    cur.execute("UPDATE t SET w = 10 WHERE id = 1")
    got = rows(cur, 'SELECT id, v, w, "METADATA$ACTION", "METADATA$ISUPDATE" FROM s ORDER BY id, 4')
    assert got == [(1, "a", None, "DELETE", True), (1, "a", 10, "INSERT", True), (2, "b", 20, "INSERT", False)]


@pytest.mark.parametrize("statement", [
    "CREATE OR ALTER TABLE t2 AS SELECT 1 AS x",
    "CREATE OR ALTER TABLE t2 LIKE t",
    "CREATE OR ALTER TABLE t2 CLONE t",
])
def test_copying_variants_are_refused(cur, statement):
    cur.execute("CREATE TABLE t (a INT)")
    with pytest.raises(ProgrammingError, match="does not support"):
        cur.execute(statement)
    assert rows(cur, "SHOW TABLES LIKE 'T2'") == []


def test_a_view_of_that_name_is_not_a_table(cur):
    cur.execute("CREATE VIEW v AS SELECT 1 AS x")
    with pytest.raises(ProgrammingError) as e:
        cur.execute("CREATE OR ALTER TABLE v (x INT)")
    assert "Object found is of type 'VIEW', not specified type 'TABLE'." in e.value.msg
    assert rows(cur, "SELECT * FROM v") == [(1,)]


def test_schema_and_database_keep_their_contents_and_a_script_runs_twice(cur):
    script = ["CREATE OR ALTER DATABASE d2", "CREATE OR ALTER SCHEMA s1", "CREATE OR ALTER TABLE t (a INT)",
              "INSERT INTO t VALUES (1)"]
    for _ in range(2):
        for statement in script:
            cur.execute(statement)
    assert rows(cur, "SELECT current_database(), current_schema(), count(*) FROM t") == [("D2", "S1", 2)]
    assert rows(cur, "SELECT count(*) FROM d2.s1.t") == [(2,)]


# -- property: any allowed definition keeps every kept column's values -----------------------------

NAMES = ["A", "B", "C", "D", "E", "F"]


@st.composite
def alterations(draw):
    old = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    kept = [n for n in old if draw(st.booleans())]
    added = draw(st.lists(st.sampled_from([n for n in NAMES if n not in old]), max_size=2, unique=True))
    if not kept and not added:
        added = [next(n for n in NAMES if n not in old)]
    precision = {n: draw(st.sampled_from([10, 12, 38])) for n in old}
    grow = {n: draw(st.sampled_from([10, 12, 38])) for n in NAMES}
    values = draw(st.lists(st.lists(st.one_of(st.none(), st.integers(-99_999, 99_999)), min_size=len(old),
                                    max_size=len(old)), max_size=5))
    return old, kept, added, precision, grow, values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alterations())
def test_kept_columns_keep_their_values_new_ones_are_null(cur, case):
    old, kept, added, precision, grow, values = case
    cur.execute("CREATE OR REPLACE TABLE t (" + ", ".join(f"{n} NUMBER({precision[n]},0)" for n in old) + ")")
    for row in values:
        cur.execute(f"INSERT INTO t VALUES ({', '.join('NULL' if v is None else str(v) for v in row)})")
    # a kept column's precision may only grow here (values of 5 digits fit NUMBER(10,0) and up)
    new_def = [(n, max(precision[n], grow[n])) for n in kept] + [(n, grow[n]) for n in added]
    cur.execute("CREATE OR ALTER TABLE t (" + ", ".join(f"{n} NUMBER({p},0)" for n, p in new_def) + ")")
    assert [(c[0], c[1]) for c in columns(cur)] == [(n, f"NUMBER({p},0)") for n, p in new_def]
    expect = sorted((tuple(row[old.index(n)] for n in kept) + (None,) * len(added) for row in values),
                    key=repr)
    assert sorted(rows(cur, "SELECT * FROM t"), key=repr) == expect


# -- plain ALTER TABLE ... ALTER COLUMN follows the same type rules ------------------------------

@pytest.mark.parametrize("tracked", [False, True], ids=["untracked", "tracked"])
@pytest.mark.parametrize("statement, error", [
    ("ALTER TABLE t ALTER COLUMN c SET DATA TYPE NUMBER(14,2)", None),
    ("ALTER TABLE t MODIFY COLUMN c NUMBER(14,2)", None),
    ("ALTER TABLE t ALTER c TYPE NUMBER(5,2)", None),
    ("ALTER TABLE t ALTER COLUMN b SET DATA TYPE VARCHAR(50)", None),
    ("ALTER TABLE t MODIFY COLUMN c NUMBER(12,4)", "changing the scale of a number is not supported"),
    ("ALTER TABLE t ALTER COLUMN a SET DATA TYPE VARCHAR", "to a different data type is not supported"),
    ("ALTER TABLE t ALTER COLUMN b SET DATA TYPE NUMBER", "to a different data type is not supported"),
    ("ALTER TABLE t ALTER c TYPE NUMBER(3,2)", "cannot hold every value"),
])
def test_alter_column_type_changes_as_snowflake_allows(cur, tracked, statement, error):
    """[DOC: sql-reference/sql/alter-table-column]: a synonymous type, a longer text, a NUMBER's
    precision up (or down when every value fits) at the same scale; not another type or scale."""
    cur.execute("CREATE TABLE t (a INT, b VARCHAR(10), c NUMBER(10,2))")
    cur.execute("INSERT INTO t VALUES (1, 'x', 123.45)")
    if tracked:
        cur.execute("CREATE STREAM s ON TABLE t")
    before = columns(cur)
    if error is None:
        cur.execute(statement)
    else:
        with pytest.raises(ProgrammingError, match=error):
            cur.execute(statement)
        assert columns(cur) == before
    assert rows(cur, "SELECT a, b, c FROM t") == [(1, "x", Decimal("123.45"))]
    if tracked:
        cur.execute("INSERT INTO t VALUES (2, 'y', 1)")
        assert rows(cur, "SELECT a FROM s") == [(2,)]
