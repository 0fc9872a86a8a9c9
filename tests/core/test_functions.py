"""SQL user-defined functions (cdcsim/functions.py): scalar UDFs and table functions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim


@pytest.fixture
def q():
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    cur = con.cursor()
    cur.execute("CREATE TABLE t (a INT, s STRING)")
    cur.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z')")

    def run(sql, params=None):
        return cur.execute(sql, params).fetchall()

    yield run
    con.close()


def test_scalar_function_computes_its_body(q):
    """CREATE FUNCTION used to make a DuckDB macro returning the body's text: SELECT f(1) gave
    'x + 1'."""
    assert q("CREATE FUNCTION plus1(x INT) RETURNS NUMBER(10, 2) AS 'x + 1'") == [
        ("Function PLUS1 successfully created.",)]
    assert q("SELECT a, plus1(a) FROM t ORDER BY a") == [(1, Decimal("2.00")), (2, Decimal("3.00")),
                                                          (3, Decimal("4.00"))]
    # arguments take their declared type; the result takes the return type
    q("CREATE FUNCTION area(radius FLOAT) RETURNS FLOAT LANGUAGE SQL AS $$ pi() * radius * radius $$")
    assert q("SELECT area('2')")[0][0] == pytest.approx(12.566370614359172)
    q("CREATE FUNCTION half(n INT) RETURNS INT AS 'n / 2'")
    assert q("SELECT half(7)") == [(4,)]  # 3.5, rounded to the declared INT
    # a body may be a query; defaults fill left-out arguments
    q("CREATE FUNCTION total(lo INT DEFAULT 0) RETURNS INT AS 'SELECT sum(a) FROM t WHERE a > lo'")
    assert q("SELECT total(), total(1)") == [(6, 5)]


def test_qualified_calls_and_table_functions(q):
    q("CREATE SCHEMA other")
    q("CREATE FUNCTION other.twice(x INT) RETURNS INT AS 'x * 2'")
    q("CREATE FUNCTION other.pick(n INT) RETURNS TABLE (v INT, label STRING) "
      "AS 'SELECT a * n, s FROM cdcsim.public.t WHERE a <= n'")
    q("CREATE TABLE other.t (a INT)")
    q("INSERT INTO other.t VALUES (100)")
    q("USE SCHEMA public")
    # a function's unqualified names are its own schema's, wherever it is made or called from
    q("CREATE FUNCTION other.first_a() RETURNS INT AS 'SELECT min(a) FROM t'")
    assert q("SELECT other.first_a(), min(a) FROM t") == [(100, 1)]
    assert q("SELECT other.twice(4), cdcsim.other.twice(5)") == [(8, 10)]
    assert q("SELECT * FROM TABLE(other.pick(2)) ORDER BY v") == [(2, "x"), (4, "y")]
    assert q("SELECT p.label FROM TABLE(cdcsim.other.pick(3)) AS p WHERE p.v > 3 ORDER BY 1") == [("y",), ("z",)]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT twice(1)")  # another schema's function is not in the current one
    assert e.value.errno == 2140 and "Unknown function TWICE" in e.value.msg
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT * FROM TABLE(nosuch(1))")
    assert e.value.errno == 2140 and "Unknown table function NOSUCH" in e.value.msg
    # a table function's declared column types are Snowflake's (VARIANT, TIMESTAMP_NTZ(9))
    q("CREATE FUNCTION other.typed() RETURNS TABLE (v VARIANT, ts TIMESTAMP_NTZ(9)) "
      "AS 'SELECT PARSE_JSON(''{\"a\": 1}''), ''2025-01-02 03:04:05''::TIMESTAMP_NTZ'")
    assert q("SELECT t.v:a::INT, t.ts FROM TABLE(other.typed()) AS t") == [(1, datetime(2025, 1, 2, 3, 4, 5))]
    q("DROP SCHEMA other")
    with pytest.raises(cdcsim.ProgrammingError):
        q("SELECT cdcsim.other.twice(1)")


def test_show_describe_drop_and_the_guards(q):
    q("CREATE FUNCTION f(x INT) RETURNS INT COMMENT = 'adds one' AS 'x + 1'")
    q("CREATE SECURE FUNCTION g(n INT) RETURNS TABLE (v INT) AS 'SELECT n'")
    shown = {r[1]: r for r in q("SHOW USER FUNCTIONS")}
    assert shown["F"][8] == "F(INT) RETURN INT" and shown["F"][9] == "adds one" and shown["F"][11] == "N"
    assert shown["G"][11] == "Y" and shown["G"][13] == "Y" and shown["G"][0] == datetime(2025, 9, 3, 11, 0)
    assert [r[1] for r in q("SHOW USER FUNCTIONS LIKE 'f%'")] == ["F"]
    assert dict(q("DESCRIBE FUNCTION f(INT)"))["body"] == "x + 1"
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE FUNCTION f(x INT) RETURNS INT AS 'x + 2'")
    assert e.value.errno == 2002
    assert q("CREATE FUNCTION IF NOT EXISTS f(x INT) RETURNS INT AS 'x + 2'") == [
        ("F already exists, statement succeeded.",)]
    with pytest.raises(cdcsim.NotSupportedError):  # an overload would replace f unseen
        q("CREATE OR REPLACE FUNCTION f(x INT, y INT) RETURNS INT AS 'x + y'")
    assert q("SELECT f(1)") == [(2,)]
    q("CREATE OR REPLACE FUNCTION f(x INT) RETURNS INT AS 'x + 2'")
    assert q("SELECT f(1)") == [(3,)]
    for bad, errno in (("CREATE FUNCTION js(x FLOAT) RETURNS FLOAT LANGUAGE JAVASCRIPT AS 'return X;'", 2000),
                       ("CREATE FUNCTION b(x INT) RETURNS INT AS 'x +'", 1003),
                       ("CREATE FUNCTION c() RETURNS INT AS 'SELECT count(*) FROM nosuch'", 2003)):
        with pytest.raises(cdcsim.Error) as e:
            q(bad)
        assert e.value.errno == errno
    assert sorted(r[1] for r in q("SHOW USER FUNCTIONS")) == ["F", "G"]
    assert q("DROP FUNCTION f(INT)") == [("F successfully dropped.",)]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("DROP FUNCTION f(INT)")
    assert e.value.errno == 2003
    assert q("DROP FUNCTION IF EXISTS f(INT)")[0][0].startswith("Drop statement executed successfully")
    q("DROP FUNCTION g(INT)")
    assert q("SHOW USER FUNCTIONS") == []


def test_functions_persist_and_feed_dynamic_tables(tmp_path):
    path = str(tmp_path / "db.duckdb")
    with cdcsim.connect(path, clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0))) as con:
        cur = con.cursor()
        cur.execute("CREATE TABLE t (a INT)")
        cur.execute("CREATE FUNCTION sq(x INT) RETURNS INT AS 'x * x'")
        cur.execute("CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a, sq(a) AS s FROM t")
    with cdcsim.connect(path, clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0))) as con:
        cur = con.cursor()
        cur.execute("INSERT INTO t VALUES (3), (4)")
        cur.execute("ALTER DYNAMIC TABLE d REFRESH")
        assert cur.execute("SELECT * FROM d ORDER BY a").fetchall() == [(3, 9), (4, 16)]
        assert [r[1] for r in cur.execute("SHOW USER FUNCTIONS").fetchall()] == ["SQ"]


@settings(max_examples=40, deadline=None)
@given(a=st.integers(-10**6, 10**6), b=st.integers(-10**6, 10**6), c=st.integers(1, 1000))
def test_a_function_equals_its_body_inlined(a, b, c):
    """A scalar function's value is its body with the arguments put in: a small reference model."""
    with cdcsim.connect() as con:
        cur = con.cursor()
        cur.execute("CREATE FUNCTION f(x INT, y INT, z INT) RETURNS INT AS 'iff(x > y, x - y, y - x) * z + 7'")
        (got,) = cur.execute("SELECT f(%s, %s, %s)", (a, b, c)).fetchone()
        assert got == abs(a - b) * c + 7
        (inlined,) = cur.execute(f"SELECT iff({a} > {b}, {a} - {b}, {b} - {a}) * {c} + 7").fetchone()
        assert got == inlined


def test_get_ddl_recreates_a_function_and_a_clone_has_its_own(q):
    q("CREATE FUNCTION f(x INT, y INT DEFAULT 2) RETURNS INT AS 'x + y + (SELECT count(*) FROM t WHERE s <> ''it''''s'')'")
    ddl = q("SELECT GET_DDL('FUNCTION', 'f(INT, INT)')")[0][0]
    assert ddl.startswith('CREATE OR REPLACE FUNCTION F("X" INT, "Y" INT DEFAULT 2)\nRETURNS INT\n')
    assert "GET_DDL" not in ddl and ddl in q("SELECT GET_DDL('SCHEMA', 'PUBLIC')")[0][0]
    q("DROP FUNCTION f(INT, INT)")
    q(ddl)
    assert q("SELECT f(1)") == [(6,)]
    # a clone's function reads the clone's table (an unqualified name resolves in the clone)
    q("CREATE SCHEMA copy CLONE public")
    q("INSERT INTO copy.t VALUES (4, 'w')")
    assert q("SELECT public.f(1), copy.f(1)") == [(6, 7)]


def test_haversine_and_width_bucket_as_documented(con):
    """HAVERSINE's New York - Los Angeles example (3936.385096389 km); WIDTH_BUCKET's Snowpark
    example (prices into 4 buckets over 200,000-600,000) and its edges; both were unknown."""
    cur = con.cursor()
    (km, m), = cur.execute("SELECT HAVERSINE(40.7127, -74.0059, 34.0500, -118.2500), "
                           "HAVERSINE(40.7127, -74.0059, 34.0500, -118.2500) * 1000").fetchall()
    assert round(km, 9) == 3936.385096389 and round(m, 5) == 3936385.09639
    cur.execute("CREATE TABLE p (price NUMBER(10, 2))")
    cur.execute("INSERT INTO p VALUES (290000.00), (320000.00), (399999.99), (400000.00), (470000.00), (510000.00), "
                "(150000.00), (600000), (NULL)")
    got = cur.execute("SELECT WIDTH_BUCKET(price, 200000, 600000, 4) FROM p").fetchall()
    assert [g for (g,) in got] == [1, 2, 2, 3, 3, 4, 0, 5, None]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.integers(-1000, 1000), lo=st.integers(-500, 500), width=st.integers(1, 500), n=st.integers(1, 12),
       down=st.booleans())
def test_width_bucket_matches_its_definition(con, x, lo, width, n, down):
    hi = lo - width if down else lo + width
    (got,), = con.cursor().execute(f"SELECT WIDTH_BUCKET({x}, {lo}, {hi}, {n})").fetchall()
    if not down:
        want = 0 if x < lo else n + 1 if x >= hi else (x - lo) * n // (hi - lo) + 1
    else:
        want = 0 if x > lo else n + 1 if x <= hi else (lo - x) * n // (lo - hi) + 1
    assert got == want


def test_octet_length_of_text_and_binary(con):
    """OCTET_LENGTH counts a string's UTF-8 bytes (DuckDB's took a BLOB only and failed on text)."""
    cur = con.cursor()
    cur.execute("CREATE TABLE ob (a STRING, b BINARY)")
    cur.execute("INSERT INTO ob SELECT 'é€x', TO_BINARY('616263', 'HEX')")
    assert cur.execute("SELECT OCTET_LENGTH(a), OCTET_LENGTH(b), OCTET_LENGTH(NULL), LENGTH(a) FROM ob").fetchall() == [
        (len("é€x".encode()), 3, None, 3)]
