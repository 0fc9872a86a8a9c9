"""AUTOINCREMENT / IDENTITY columns and ``seq.NEXTVAL`` (cdcsim/identity.py).

Snowflake fills an identity column from a sequence when an INSERT leaves it out, keeps a value the
INSERT names, and shows the column's sequence in DESCRIBE TABLE's default and SHOW COLUMNS'
autoincrement. DuckDB has neither, and the column used to come out NULL.
"""

from __future__ import annotations

import pytest

import cdcsim


def identity_sequences(con: cdcsim.Connection) -> int:
    return con._session.duck.execute("SELECT count(*) FROM duckdb_sequences() WHERE schema_name = '_cdcsim' "
                                     "AND starts_with(sequence_name, 'identity_')").fetchone()[0]


@pytest.mark.parametrize(("spec", "first", "step"), [
    ("AUTOINCREMENT", 1, 1), ("IDENTITY", 1, 1), ("IDENTITY(100, 10)", 100, 10),
    ("AUTOINCREMENT START 5 INCREMENT -2 ORDER", 5, -2), ("IDENTITY START 7 INCREMENT 3 NOORDER", 7, 3),
])
def test_left_out_identity_values_come_from_the_sequence(q, spec, first, step):
    q(f"CREATE TABLE t (id NUMBER {spec}, v STRING)")
    q("INSERT INTO t (v) VALUES ('a'), ('b')")
    q("INSERT INTO t (v) SELECT 'c'")
    q("INSERT INTO t (id, v) VALUES (999, 'named')")  # a value the INSERT names is kept
    assert sorted(q("SELECT v, id FROM t")) == [
        ("a", first), ("b", first + step), ("c", first + 2 * step), ("named", 999)]
    shown = f"IDENTITY START {first} INCREMENT {step} ORDER"
    assert [(r[0], r[4]) for r in q("DESCRIBE TABLE t")] == [("ID", shown), ("V", None)]
    cols = {r[2]: (r[5], r[10]) for r in q("SHOW COLUMNS IN TABLE t")}
    assert cols == {"ID": ("", shown), "V": (None, "")}


def test_each_identity_column_has_its_own_sequence_and_a_stream_sees_the_values(q):
    q("CREATE TABLE a (id INT AUTOINCREMENT, v INT)")
    q("CREATE TABLE b (id INT AUTOINCREMENT, v INT)")
    q("CREATE STREAM s ON TABLE a")
    q("INSERT INTO a (v) VALUES (1), (2)")
    q("INSERT INTO b (v) VALUES (3)")
    assert q("SELECT id, v FROM b") == [(1, 3)]
    assert sorted(q("SELECT id, v, METADATA$ACTION FROM s")) == [(1, 1, "INSERT"), (2, 2, "INSERT")]


def test_dropping_or_replacing_the_table_drops_its_sequence(con, q):
    q("CREATE TABLE t (id INT AUTOINCREMENT, v INT)")
    q("INSERT INTO t (v) VALUES (1), (2)")
    assert identity_sequences(con) == 1
    q("CREATE OR REPLACE TABLE t (id INT AUTOINCREMENT, v INT)")
    q("INSERT INTO t (v) VALUES (3)")
    assert q("SELECT id, v FROM t") == [(1, 3)]  # a new table counts from its start again
    assert identity_sequences(con) == 1
    q("CREATE TABLE u LIKE t")  # shares t's sequence: the two never hand out one value twice
    q("INSERT INTO u (v) VALUES (4)")
    assert q("SELECT id FROM u") == [(2,)]
    q("DROP TABLE t")
    assert identity_sequences(con) == 1  # u still uses it
    q("CREATE SCHEMA other")
    q("CREATE TABLE other.w (id INT IDENTITY, v INT)")
    q("DROP TABLE public.u")
    q("DROP SCHEMA other")
    assert identity_sequences(con) == 0


def test_a_failed_create_leaves_no_sequence(con, q):
    with pytest.raises(cdcsim.ProgrammingError):
        q("CREATE TABLE t (id INT AUTOINCREMENT, v NO_SUCH_TYPE)")
    assert identity_sequences(con) == 0
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE TABLE t (id INT IDENTITY(1, 0))")
    assert "cannot be 0" in e.value.msg
    assert identity_sequences(con) == 0


def test_identity_outside_create_table_is_refused(q):
    q("CREATE TABLE t (v INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("ALTER TABLE t ADD COLUMN id INT AUTOINCREMENT")
    assert (e.value.errno, e.value.sqlstate) == (2000, "0A000") and "'ID'" in e.value.msg
    assert [r[0] for r in q("DESCRIBE TABLE t")] == ["V"]


def test_nextval_reads_a_sequence_once_per_row(q):
    q("CREATE SEQUENCE seq1 START = 10 INCREMENT = 5")
    assert q("SELECT seq1.NEXTVAL") == [(10,)]
    q("CREATE TABLE src (v INT)")
    q("INSERT INTO src VALUES (1), (2), (3)")
    assert sorted(r[0] for r in q("SELECT seq1.nextval FROM src")) == [15, 20, 25]
    q("CREATE TABLE t (id INT DEFAULT seq1.NEXTVAL, v INT)")
    q("INSERT INTO t (v) VALUES (7)")
    assert q("SELECT id, v FROM t") == [(30, 7)]
    assert q("SELECT cdcsim.public.seq1.NEXTVAL, public.seq1.NEXTVAL") == [(35, 40)]


def test_a_column_named_nextval_stays_a_column(q):
    q('CREATE TABLE seq1 (nextval INT)')
    q("INSERT INTO seq1 VALUES (42)")
    assert q("SELECT seq1.nextval FROM seq1") == [(42,)]
    assert q("SELECT x.nextval FROM seq1 AS x") == [(42,)]
