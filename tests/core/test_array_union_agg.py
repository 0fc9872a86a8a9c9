"""ARRAY_UNION_AGG and ARRAY_UNIQUE_AGG (cdcsim/sql/array_aggs.py): the pages' examples, NULLs and
empty input, GROUP BY, the window form and its refused frames, and a Python reference model of
the multiset union."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim


def _elements(value: str | list) -> list:
    """A JSON array result (an ARRAY column's union) or a list result, as Python values."""
    return json.loads(value) if isinstance(value, str) else value


def _sort_key(v: object) -> tuple:
    # the order cdcsim documents: numbers by value, then strings by text
    return (0, v, "") if isinstance(v, (int, float)) else (1, 0, v)


def _variant(v: object) -> tuple:
    """A VARIANT value as Snowflake compares it: a number by value, a boolean apart from numbers."""
    if isinstance(v, bool):
        return ("boolean", v)
    if isinstance(v, (int, float)):
        return ("number", float(v))
    return ("json", json.dumps(v))


def union_reference(arrays: list[list | None]) -> Counter:
    """Each value as many times as the one array holding it most often does; NULLs ignored."""
    out: Counter = Counter()
    for arr in arrays:
        if arr is None:
            continue
        for value, n in Counter(v for v in arr if v is not None).items():
            out[value] = max(out[value], n)
    return out


# --- the documented behaviour -----------------------------------------------------------------------


def test_page_example_multiset_union(q):
    """The page's union_test: [1, 1, 2] and [1, 2, 3] give [1, 1, 2, 3] (1 twice, as in one input)."""
    q("CREATE TABLE union_test (a ARRAY)")
    q("INSERT INTO union_test SELECT PARSE_JSON('[ 1, 1, 2]') UNION ALL SELECT PARSE_JSON('[ 1, 2, 3]')")
    rows = q.cur.execute("SELECT ARRAY_UNION_AGG(a) FROM union_test").fetchall()
    assert [d[0] for d in q.cur.description] == ["ARRAY_UNION_AGG(A)"]
    assert json.loads(rows[0][0]) == [1, 1, 2, 3]
    assert q("SELECT ARRAY_SIZE(ARRAY_UNION_AGG(a)) FROM union_test") == [(4,)]


def test_nulls_and_empty_input_give_an_empty_array(q):
    q("CREATE TABLE t (g INT, a ARRAY)")
    assert q("SELECT ARRAY_UNION_AGG(a) FROM t") == [("[]",)]  # an empty table
    q("INSERT INTO t SELECT 1, NULL UNION ALL SELECT 1, NULL UNION ALL SELECT 2, PARSE_JSON('[null, null]') "
      "UNION ALL SELECT 3, PARSE_JSON('[]') UNION ALL SELECT 4, PARSE_JSON('[2, null, 2]') UNION ALL SELECT 4, NULL")
    assert q("SELECT ARRAY_UNION_AGG(a) FROM t WHERE g = 1") == [("[]",)]  # only NULL values
    assert q("SELECT g, ARRAY_UNION_AGG(a) FROM t GROUP BY g ORDER BY g") == [
        (1, "[]"), (2, "[]"), (3, "[]"), (4, "[2,2]")]
    assert q("SELECT ARRAY_UNION_AGG(a) FROM t WHERE g > 9") == [("[]",)]


def test_group_by_and_variant_elements(q):
    """Numbers equal by value (1 and 1.0 are one value), strings by text ('1' is not 1); the result is
    sorted: numbers, then strings, then other values."""
    q("CREATE TABLE t (g INT, a ARRAY)")
    q("""INSERT INTO t SELECT 1, PARSE_JSON('["x", 1, "1", 1.0, true]') UNION ALL
         SELECT 1, PARSE_JSON('["x", "x", 2.5, 1]') UNION ALL
         SELECT 2, PARSE_JSON('[[1, 2], {"k": "v"}, [1, 2]]')""")
    rows = dict(q("SELECT g, ARRAY_UNION_AGG(a) FROM t GROUP BY g"))
    one = json.loads(rows[1])
    assert Counter(map(_variant, one)) == Counter(map(_variant, [1, 1.0, 2.5, "1", "x", "x", True]))
    assert one[:3] == [1, 1, 2.5] and one[3:6] == ["1", "x", "x"] and one[6] is True
    assert json.loads(rows[2]) == [[1, 2], [1, 2], {"k": "v"}]


def test_variant_path_and_constructed_lists(q):
    q("CREATE TABLE s (v VARIANT)")
    q("""INSERT INTO s SELECT PARSE_JSON('{"items": [3, 1, 1]}') UNION ALL SELECT PARSE_JSON('{"items": [1, 4]}')
         UNION ALL SELECT PARSE_JSON('{}')""")
    assert json.loads(q("SELECT ARRAY_UNION_AGG(v:items) FROM s")[0][0]) == [1, 1, 3, 4]
    # a DuckDB list in, a list of the same element type out (as ARRAY_UNIQUE_AGG gives)
    assert q("SELECT ARRAY_UNION_AGG(ARRAY_CONSTRUCT(2, 1, 2))") == [([1, 2, 2],)]


def test_hierarchical_distinct_values(q):
    """The use the page names: ARRAY_UNIQUE_AGG per group, then their union per coarser group, is the
    ARRAY_UNIQUE_AGG of the coarser group (here through a subquery, a CTE and a stored ARRAY)."""
    q("CREATE TABLE sales (region STRING, store INT, customer INT)")
    q("INSERT INTO sales VALUES ('e', 1, 10), ('e', 1, 11), ('e', 2, 11), ('e', 2, 12), ('w', 3, NULL), "
      "('w', 3, 13), ('n', 4, NULL)")
    direct = q("SELECT region, ARRAY_SORT(ARRAY_UNIQUE_AGG(customer)) FROM sales GROUP BY region ORDER BY region")
    per_store = "SELECT region, store, ARRAY_UNIQUE_AGG(customer) AS u FROM sales GROUP BY region, store"
    assert q(f"SELECT region, ARRAY_UNION_AGG(u) FROM ({per_store}) GROUP BY region ORDER BY region") == direct
    assert q(f"WITH s AS ({per_store}) SELECT region, ARRAY_UNION_AGG(u) FROM s GROUP BY region ORDER BY region") \
        == direct
    q(f"CREATE TABLE per_store (region STRING, store INT, u ARRAY) AS {per_store}")
    stored = q("SELECT region, ARRAY_UNION_AGG(u) FROM per_store GROUP BY region ORDER BY region")
    assert [(r, json.loads(u)) for r, u in stored] == direct
    assert direct == [("e", [10, 11, 12]), ("n", []), ("w", [13])]


def test_window_form(q):
    q("CREATE TABLE t (g INT, a ARRAY)")
    q("INSERT INTO t SELECT 1, PARSE_JSON('[1, 1]') UNION ALL SELECT 1, PARSE_JSON('[2]') UNION ALL SELECT 2, NULL "
      "UNION ALL SELECT 3, PARSE_JSON('[5, 1]')")
    rows = q("SELECT g, ARRAY_UNION_AGG(a) OVER (PARTITION BY g) FROM t ORDER BY g")
    assert rows == [(1, "[1,1,2]"), (1, "[1,1,2]"), (2, "[]"), (3, "[1,5]")]
    assert {r[0] for r in q("SELECT ARRAY_UNION_AGG(a) OVER () FROM t")} == {"[1,1,2,5]"}


def test_in_a_view_and_create_table_as(q):
    """An unaliased call in CREATE TABLE AS or a view is a column named as Snowflake names it."""
    q("CREATE TABLE t (g INT, a ARRAY, x INT)")
    q("INSERT INTO t SELECT 1, PARSE_JSON('[1, 1]'), 5 UNION ALL SELECT 1, PARSE_JSON('[2]'), NULL")
    q("CREATE TABLE c AS SELECT g, ARRAY_UNION_AGG(a), ARRAY_UNIQUE_AGG(x) FROM t GROUP BY g")
    assert q("SELECT * FROM c") == [(1, "[1,1,2]", [5])]
    assert [r[0] for r in q("DESCRIBE TABLE c")] == ["G", "ARRAY_UNION_AGG(A)", "ARRAY_UNIQUE_AGG(X)"]
    q("CREATE VIEW v AS SELECT g, ARRAY_UNIQUE_AGG(x) OVER (PARTITION BY g), ARRAY_UNION_AGG(a) OVER () FROM t")
    assert q("SELECT * FROM v") == [(1, [5], "[1,1,2]"), (1, [5], "[1,1,2]")]


@pytest.mark.parametrize("over", [
    "PARTITION BY g ORDER BY g ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
    "ORDER BY g RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
    "PARTITION BY g ORDER BY g",
])
@pytest.mark.parametrize("function", ["ARRAY_UNION_AGG(a)", "ARRAY_UNIQUE_AGG(g)"])
def test_window_frame_is_refused(q, function, over):
    q("CREATE TABLE t (g INT, a ARRAY)")
    q("INSERT INTO t SELECT 1, PARSE_JSON('[1]')")
    with pytest.raises(cdcsim.ProgrammingError, match=r"SQL compilation error:\n.*not supported for function "
                       + function.split("(")[0]):
        q(f"SELECT {function} OVER ({over}) FROM t")


def test_array_unique_agg_ignores_nulls_and_gives_an_empty_array(q):
    """[DOC: array_unique_agg] NULLs are ignored; only NULLs, or no rows, give an empty ARRAY (it gave NULL)."""
    q("CREATE TABLE t (g INT, x INT)")
    assert q("SELECT ARRAY_UNIQUE_AGG(x) FROM t") == [([],)]
    q("INSERT INTO t VALUES (1, NULL), (1, NULL), (2, 7), (2, NULL), (2, 7)")
    assert q("SELECT g, ARRAY_UNIQUE_AGG(x) FROM t GROUP BY g ORDER BY g") == [(1, []), (2, [7])]
    assert q("SELECT g, ARRAY_UNIQUE_AGG(x) OVER (PARTITION BY g) FROM t WHERE g = 1") == [(1, []), (1, [])]


# --- against the reference model --------------------------------------------------------------------

_ELEMENT = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from(["a", "b", "1", "B"]),
                     st.sampled_from([1.0, 2.5, -0.5]))
_ROWS = st.lists(st.tuples(st.integers(0, 2), st.none() | st.lists(_ELEMENT, max_size=5)), max_size=8)


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS)
def test_union_matches_reference_model(shared, rows):
    """Per group, over an ARRAY column: the multiset union of the reference, in the documented order;
    the window form gives each row its partition's union; the whole table's union too."""
    shared("CREATE OR REPLACE TABLE arr (g INT, a ARRAY)")
    if rows:
        values = ", ".join(["(%s, %s)"] * len(rows))
        flat = [v for g, arr in rows for v in (g, None if arr is None else json.dumps(arr))]
        shared(f"INSERT INTO arr SELECT column1, PARSE_JSON(column2) FROM VALUES {values}", flat)
    groups: dict[int, list] = {}
    for g, arr in rows:
        groups.setdefault(g, []).append(arr)
    got = {g: _elements(u) for g, u in shared("SELECT g, ARRAY_UNION_AGG(a) FROM arr GROUP BY g")}
    assert set(got) == set(groups)
    for g, arrays in groups.items():
        assert Counter(got[g]) == union_reference(arrays)
        assert got[g] == sorted(got[g], key=_sort_key)
    for g, u in shared("SELECT g, ARRAY_UNION_AGG(a) OVER (PARTITION BY g) FROM arr"):
        assert _elements(u) == got[g]
    whole = _elements(shared("SELECT ARRAY_UNION_AGG(a) FROM arr")[0][0])
    assert Counter(whole) == union_reference([a for _, a in rows])


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), st.none() | st.integers(-2, 2)), max_size=12))
def test_union_of_lists_matches_reference_model(shared, rows):
    """Over a subquery's ARRAY_AGG lists (DuckDB lists, duplicates kept): a list of the same type."""
    shared("CREATE OR REPLACE TABLE nums (g INT, k INT, x INT)")
    if rows:
        shared("INSERT INTO nums VALUES " + ", ".join(["(%s, %s, %s)"] * len(rows)), [v for r in rows for v in r])
    lists: dict[tuple[int, int], list] = {}
    for g, k, x in rows:
        lists.setdefault((g, k), []).append(x)
    got = dict(shared("SELECT g, ARRAY_UNION_AGG(l) FROM (SELECT g, k, ARRAY_AGG(x) AS l FROM nums GROUP BY g, k) "
                      "GROUP BY g"))
    assert set(got) == {g for g, _ in lists}
    for g, u in got.items():
        assert Counter(u) == union_reference([v for (gg, _), v in lists.items() if gg == g])
        assert u == sorted(u)
    uniques = dict(shared("SELECT g, ARRAY_UNIQUE_AGG(x) FROM nums GROUP BY g"))
    for g, u in uniques.items():
        assert sorted(u) == sorted({x for gg, _, x in rows if gg == g and x is not None})


def test_array_agg_over_no_values_is_an_empty_array(q):
    """ARRAY_AGG [DOC: functions/array_agg]: "If the input is empty, an empty ARRAY is returned" —
    DuckDB's list() gave NULL — in every form: plain, DISTINCT, WITHIN GROUP, over only NULLs."""
    q("CREATE TABLE nothing (a INT, b INT)")
    assert q("SELECT ARRAY_AGG(a), ARRAY_AGG(DISTINCT a), ARRAY_AGG(a) WITHIN GROUP (ORDER BY a) FROM nothing") \
        == [([], [], [])]
    q("INSERT INTO nothing VALUES (NULL, 1), (2, 1), (1, 2)")
    assert q("SELECT ARRAY_AGG(a) FROM nothing WHERE a IS NULL") == [([],)]
    assert q("SELECT b, ARRAY_AGG(a) WITHIN GROUP (ORDER BY a DESC) FROM nothing GROUP BY b ORDER BY b") \
        == [(1, [2]), (2, [1])]
    assert q("SELECT a, ARRAY_AGG(a) WITHIN GROUP (ORDER BY a) OVER (PARTITION BY b) FROM nothing "
             "ORDER BY b, a NULLS LAST") == [(2, [2]), (None, [2]), (1, [1])]
