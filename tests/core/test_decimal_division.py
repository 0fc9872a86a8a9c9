"""A NUMBER divided by a NUMBER, and the AVG of a NUMBER, is a NUMBER (cdcsim/sql/decimal_division.py):
scale max(S1, min(S1 + 6, 12)) for a numerator of scale S1, rounded half away from zero, exact to
the last digit; a FLOAT operand keeps the division a FLOAT. The expected values are worked out with
Python's exact fractions."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim

D = Decimal


def rounded(q: Fraction, scale: int) -> Decimal:
    """``q`` at ``scale`` decimals, half away from zero (Snowflake's rounding of a quotient)."""
    n = abs(q) * 10 ** scale
    whole = n.numerator // n.denominator
    if n - whole >= Fraction(1, 2):
        whole += 1
    return (D(-whole) if q < 0 else D(whole)).scaleb(-scale)


def same(got: object, want: Decimal) -> bool:
    """Equal value *and* scale (Decimal('0.50') == Decimal('0.5') in Python)."""
    return isinstance(got, Decimal) and got == want and got.as_tuple().exponent == want.as_tuple().exponent


def test_the_documented_quotients(q):
    row = q("SELECT 1/2, DIV0NULL(1, 2), DIV0NULL(1, 0), DIV0NULL(1, NULL), DIV0(1, 0), 1/NULL")[0]
    assert [same(v, D("0.500000")) for v in row[:2]] == [True, True]
    assert all(same(v, D("0.000000")) for v in row[2:5])
    assert row[5] is None
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT 1/0")
    assert e.value.errno == 100051 and "Division by zero" in e.value.msg


def test_scale_follows_the_numerator_and_rounds_half_away_from_zero(q):
    row = q("SELECT 2/3, -2/3, 7/2, 10.01/3, 1.0000000/3, 1.0000000000000/3, 1/2000000, -1/2000000")[0]
    want = [D("0.666667"), D("-0.666667"), D("3.500000"), D("3.33666667"), D("0.333333333333"),
            D("0.3333333333333"), D("0.000001"), D("-0.000001")]
    assert [same(g, w) for g, w in zip(row, want, strict=True)] == [True] * len(want)


def test_columns_from_the_catalog(con, q):
    con.execute_string("""
        CREATE TABLE t (a NUMBER(12, 2), b NUMBER(5, 0), i INT, f FLOAT);
        INSERT INTO t VALUES (10.01, 3, 7, 1.5), (-2.50, 4, -7, 2.0), (NULL, 0, 2, NULL);
    """)
    rows = q("SELECT a / b, i / 2, a / i, i / f, f / 2 FROM t WHERE b <> 0 ORDER BY i DESC")
    assert [same(v, w) for v, w in zip(rows[0][:3], [D("3.33666667"), D("3.500000"), D("1.43000000")], strict=True)] \
        == [True] * 3
    assert [same(v, w) for v, w in zip(rows[1][:3], [D("-0.62500000"), D("-3.500000"), D("0.35714286")], strict=True)] \
        == [True] * 3
    assert type(rows[0][3]) is float and type(rows[0][4]) is float
    # NULL / 0 is NULL (DIV0NULL(NULL, 0) is NULL), for a FLOAT too; a number / 0 fails
    assert q("SELECT a / b, f / b, DIV0NULL(a, b) FROM t WHERE b = 0") == [(None, None, None)]
    with pytest.raises(cdcsim.DataError):
        q("SELECT f / (b - b) FROM t WHERE f IS NOT NULL")
    with pytest.raises(cdcsim.DataError):
        q("SELECT i / b FROM t")


def test_avg_of_a_number_is_a_number(con, q):
    con.execute_string("""
        CREATE TABLE t (g STRING, a NUMBER(10, 2), i INT, f FLOAT);
        INSERT INTO t VALUES ('x', 1.00, 1, 1), ('x', 2.00, 2, 2), ('x', 2.00, 2, 2), ('y', NULL, NULL, NULL);
    """)
    rows = q("SELECT g, AVG(i), AVG(a), AVG(DISTINCT i), AVG(f) FROM t GROUP BY g ORDER BY g")
    assert same(rows[0][1], D("1.666667")) and same(rows[0][2], D("1.66666667")) and same(rows[0][3], D("1.500000"))
    assert type(rows[0][4]) is float
    assert rows[1][1:4] == (None, None, None)  # only NULLs: no average, no error
    assert q("SELECT AVG(i) FROM t WHERE FALSE") == [(None,)]
    win = q("SELECT AVG(i) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM t WHERE i IS NOT NULL")
    assert [same(v, w) for (v,), w in zip(win, [D("1.000000"), D("1.500000"), D("1.666667")], strict=True)] == [True] * 3


def test_avg_in_a_pivot_still_averages(con, q):
    """DuckDB's PIVOT takes one aggregate: there AVG stays DuckDB's (a FLOAT)."""
    con.execute_string("""
        CREATE TABLE s (emp INT, month STRING, amount NUMBER(10, 2));
        INSERT INTO s VALUES (1, 'JAN', 10.00), (1, 'JAN', 15.50), (1, 'FEB', 7.00);
    """)
    assert q("SELECT * FROM s PIVOT(AVG(amount) FOR month IN ('JAN', 'FEB'))") == [(1, 12.75, 7.0)]


def test_ctes_subqueries_and_the_seeds_rate(con, q):
    con.execute_string("""
        CREATE TABLE t (a NUMBER(10, 2), status STRING);
        INSERT INTO t VALUES (10.00, 'CANCELLED'), (20.00, 'BOOKED'), (25.50, 'BOOKED');
    """)
    row = q("WITH c AS (SELECT a * 2 AS d FROM t) SELECT (SELECT SUM(d) FROM c) / 7, "
            "(SELECT x / y FROM (SELECT SUM(a) AS x, COUNT(*) AS y FROM t)), "
            "ROUND(COUNT(CASE WHEN status = 'CANCELLED' THEN 1 END) * 100.0 / NULLIF(COUNT(*), 0), 2) FROM t")[0]
    assert same(row[0], rounded(Fraction(2 * 5550, 100 * 7), 8))
    assert same(row[1], D("18.50000000"))
    assert same(row[2], D("33.33"))


def test_columns_bound_through_joins_lateral_aliases_and_correlation(con, q):
    con.execute_string("""
        CREATE TABLE o (id INT, amt NUMBER(10, 2), qty INT);
        CREATE TABLE m (id INT, rate NUMBER(6, 4), v VARIANT);
        INSERT INTO o VALUES (1, 10.00, 3);
        INSERT INTO m SELECT 1, 0.1250, PARSE_JSON('{"x": 4}');
    """)
    row = q("SELECT o.amt / m.rate, amt / qty AS per, per / 2, "
            "(SELECT MAX(m2.rate) / o.qty FROM m AS m2 WHERE m2.id = o.id), "
            "o.amt / m.v:x::NUMBER(5, 1) FROM o JOIN m ON m.id = o.id")[0]
    want = [D("80.00000000"), D("3.33333333"), D("1.666666665000"), D("0.0416666667"), D("2.50000000")]
    assert [same(g, w) for g, w in zip(row, want, strict=True)] == [True] * 5


def test_a_table_made_from_a_quotient_has_a_number_column(con, q):
    con.execute_string("""
        CREATE TABLE t (a NUMBER(12, 2), n INT);
        INSERT INTO t VALUES (1.00, 3);
        CREATE TABLE r AS SELECT a / n AS per, n / 4 AS quarter, AVG(a) OVER () AS mean FROM t;
    """)
    types = {r[0]: r[1] for r in q("DESCRIBE TABLE r")}
    assert types == {"PER": "NUMBER(34,8)", "QUARTER": "NUMBER(32,6)", "MEAN": "NUMBER(34,8)"}
    assert q("SELECT per, quarter FROM r") == [(D("0.33333333"), D("0.750000"))]


def test_incremental_dynamic_table_with_avg_and_a_rate_matches_a_full_recompute(con, q):
    con.execute_string("""
        CREATE TABLE b (m STRING, amt NUMBER(10, 2), cancelled BOOLEAN);
        INSERT INTO b VALUES ('m1', 10.00, FALSE), ('m1', 12.50, TRUE), ('m2', 7.25, FALSE);
        CREATE DYNAMIC TABLE g TARGET_LAG = '1 minute' WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS
          SELECT m, AVG(amt) AS avg_amt, ROUND(COUNT_IF(cancelled) * 100.0 / COUNT(*), 2) AS rate,
                 SUM(amt) / COUNT(*) AS per
          FROM b GROUP BY m;
    """)
    query = ("SELECT m, AVG(amt), ROUND(COUNT_IF(cancelled) * 100.0 / COUNT(*), 2), SUM(amt) / COUNT(*) "
             "FROM b GROUP BY m ORDER BY m")
    for dml in ("INSERT INTO b VALUES ('m1', 3.33, TRUE), ('m3', 1.00, FALSE)",
                "UPDATE b SET amt = amt + 0.01 WHERE m = 'm2'", "DELETE FROM b WHERE m = 'm3'"):
        q(dml)
        q("ALTER DYNAMIC TABLE g REFRESH")
        got = q("SELECT * FROM g ORDER BY m")
        assert got == q(query)
        assert all(isinstance(v, Decimal) for row in got for v in row[1:])
    actions = q("SELECT refresh_action FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'G')) "
                "ORDER BY refresh_start_time")
    assert [a for (a,) in actions][-3:] == ["INCREMENTAL"] * 3
    types = {r[0]: r[1] for r in q("DESCRIBE DYNAMIC TABLE g")}
    assert types["AVG_AMT"] == "NUMBER(34,8)" and types["RATE"] == "NUMBER(33,2)" and types["PER"] == "NUMBER(34,8)"


_NUMS = st.builds(lambda n, s: Fraction(n, 10 ** s), st.integers(-10 ** 12, 10 ** 12), st.integers(0, 4))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_NUMS, _NUMS.filter(lambda b: b != 0)), min_size=1, max_size=8),
       sa=st.integers(0, 4), sb=st.integers(0, 4))
def test_quotients_are_exact_at_snowflakes_scale(q, pairs, sa, sb):
    """Columns NUMBER(20, sa) / NUMBER(20, sb): every digit of each quotient, and its scale."""
    q(f"CREATE OR REPLACE TABLE p (k INT, a NUMBER(20, {sa}), b NUMBER(20, {sb}))")
    vals = [(k, rounded(a, sa), rounded(b, sb)) for k, (a, b) in enumerate(pairs)]
    vals = [(k, a, b) for k, a, b in vals if b != 0]
    if not vals:
        return
    q("INSERT INTO p VALUES " + ", ".join(f"({k}, {a}, {b})" for k, a, b in vals))
    scale = max(sa, min(sa + 6, 12))
    got = q("SELECT a / b FROM p ORDER BY k")
    want = [rounded(Fraction(a) / Fraction(b), scale) for _k, a, b in vals]
    assert [same(g, w) for (g,), w in zip(got, want, strict=True)] == [True] * len(want), (got, want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.lists(st.lists(st.one_of(st.none(), _NUMS), min_size=1, max_size=6), min_size=1, max_size=4))
def test_avg_is_the_exact_mean_at_snowflakes_scale(q, groups):
    """AVG over NUMBER(20, 3) groups, NULLs ignored, NULL for a group of NULLs."""
    q("CREATE OR REPLACE TABLE v (g INT, x NUMBER(20, 3))")
    rows = [(g, None if x is None else rounded(x, 3)) for g, xs in enumerate(groups) for x in xs]
    q("INSERT INTO v VALUES " + ", ".join(f"({g}, {'NULL' if x is None else x})" for g, x in rows))
    got = dict(q("SELECT g, AVG(x) FROM v GROUP BY g"))
    for g in range(len(groups)):
        vals = [Fraction(x) for gg, x in rows if gg == g and x is not None]
        if not vals:
            assert got[g] is None
        else:
            assert same(got[g], rounded(sum(vals, Fraction(0)) / len(vals), 9)), (got[g], vals)


def test_median_of_a_number_has_three_more_decimals(con, q):
    """The Snowpark MEDIAN example: [1, 3, 10, 1, 3] gives Decimal('3.000')."""
    con.execute_string("""
        CREATE TABLE t (g INT, x INT, a NUMBER(12, 2), f FLOAT);
        INSERT INTO t VALUES (1, 1, 1.00, 1), (1, 3, 2.01, 2), (1, 10, NULL, 3), (1, 1, NULL, 4), (1, 3, NULL, NULL),
                             (2, 5, 7.50, 1), (2, 6, 7.51, 2);
    """)
    rows = q("SELECT g, MEDIAN(x), MEDIAN(a), MEDIAN(f) FROM t GROUP BY g ORDER BY g")
    assert same(rows[0][1], D("3.000")) and same(rows[0][2], D("1.50500")) and same(rows[1][1], D("5.500"))
    assert same(rows[1][2], D("7.50500")) and type(rows[0][3]) is float
    win = q("SELECT DISTINCT g, MEDIAN(a) OVER (PARTITION BY g) FROM t ORDER BY g")
    assert [same(v, w) for (_g, v), w in zip(win, [D("1.50500"), D("7.50500")], strict=True)] == [True, True]
    assert same(q("SELECT MEDIAN(a) / 2 FROM t WHERE g = 2")[0][0], D("3.75250000000"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xs=st.lists(st.integers(-10 ** 9, 10 ** 9), min_size=1, max_size=9))
def test_median_is_exact(q, xs):
    q("CREATE OR REPLACE TABLE md (x NUMBER(20, 2))")
    vals = sorted(Fraction(x, 100) for x in xs)
    q("INSERT INTO md VALUES " + ", ".join(f"({rounded(v, 2)})" for v in vals))
    n = len(vals)
    want = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
    assert same(q("SELECT MEDIAN(x) FROM md")[0][0], rounded(want, 5))


def test_ceil_and_floor_to_places_stay_numbers(q):
    """CEIL / FLOOR's documented examples: CEIL(135.135, 1) = 135.2, CEIL(-975.975, -1) = -970,
    FLOOR(-975.975, 2) = -975.98; all NUMBERs (sqlglot's form gave floats)."""
    row = q("SELECT CEIL(135.135, 1), CEIL(-975.975, -1), FLOOR(-975.975, 2), FLOOR(12.345, 5), CEIL(1.5::FLOAT, 1)")[0]
    assert same(row[0], D("135.2")) and row[1] == -970 and same(row[2], D("-975.98")) and same(row[3], D("12.345"))
    assert type(row[4]) is float


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.integers(-10 ** 9, 10 ** 9), places=st.integers(-3, 4))
def test_ceil_and_floor_match_decimal_rounding(q, x, places):
    from decimal import ROUND_CEILING, ROUND_FLOOR
    v = D(x).scaleb(-3)  # a NUMBER(20, 3)
    got = q(f"SELECT CEIL({v}::NUMBER(20, 3), {places}), FLOOR({v}::NUMBER(20, 3), {places})")[0]
    grid = D(1).scaleb(-min(places, 3))
    want = [v.quantize(grid, rounding=r) if places >= 0 else (v.scaleb(places).quantize(D(1), rounding=r)).scaleb(-places)
            for r in (ROUND_CEILING, ROUND_FLOOR)]
    assert [g == w for g, w in zip(got, want, strict=True)] == [True, True], (got, want)


def test_a_quotient_of_a_rounded_number_takes_the_rounded_scale(q):
    """CEIL / FLOOR / ROUND to places give their result's scale to a quotient over them."""
    row = q("SELECT CEIL(12.345, -1) / 3, ROUND(12.345, -1) / 3, ROUND(12.345, 1) / 3, FLOOR(12.345, 2) / 3")[0]
    want = [D("6.666667"), D("3.333333"), D("4.1000000"), D("4.11333333")]
    assert [same(g, w) for g, w in zip(row, want, strict=True)] == [True] * 4


def test_quotients_of_different_scales_meet_without_losing_digits(q):
    """COALESCE / CASE / UNION of a 6-decimal and an 8-decimal quotient keep 8 decimals (as
    DECIMAL(38, 6) and DECIMAL(38, 8), DuckDB unified them at 6 and rounded 3.33666667 away)."""
    row = q("SELECT COALESCE(NULL, 10.01 / 3), CASE WHEN FALSE THEN 1 / 3 ELSE 10.01 / 3 END")[0]
    assert [same(v, D("3.33666667")) for v in row] == [True, True]
    union = q("SELECT 1 / 3 UNION ALL SELECT 10.01 / 3")
    assert [same(v, w) for (v,), w in zip(union, [D("0.33333300"), D("3.33666667")], strict=True)] == [True, True]


def test_columns_of_a_values_list_are_typed_from_their_rows(q):
    """VALUES (1.5), (2.50): a NUMBER of scale 2, so its AVG has 8 decimals (it stayed a DOUBLE)."""
    row = q("SELECT AVG(column1), SUM(column1) / COUNT(*) FROM VALUES (1.5), (2.50), (NULL)")[0]
    assert same(row[0], D("2.00000000")) and same(row[1], D("1.33333333"))
    row = q("SELECT AVG(x), AVG(y) FROM (VALUES (1.5, 2), (2.5, 3)) AS v(x, y)")[0]
    assert same(row[0], D("2.0000000")) and same(row[1], D("2.500000"))
