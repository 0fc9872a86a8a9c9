"""ARRAY functions on ARRAY columns and VARIANT arrays (cdcsim/sql/arrays.py), which are JSON in
cdcsim: they give what they give on constructed lists, as Snowflake's functions do on any ARRAY."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETUP = """
CREATE TABLE t (a ARRAY, b ARRAY, v VARIANT);
INSERT INTO t SELECT PARSE_JSON('[1, 2, 2, "x", null]'), ARRAY_CONSTRUCT(2, 3), PARSE_JSON('{"tags": ["p", "q"]}');
"""


def test_array_functions_on_array_columns(con, q):
    con.execute_string(SETUP)
    assert q("SELECT ARRAY_APPEND(a, 3), ARRAY_PREPEND(b, 0), ARRAY_CAT(a, b), ARRAY_COMPACT(a) FROM t") == [
        ('[1,2,2,"x",null,3]', "[0,2,3]", '[1,2,2,"x",null,2,3]', '[1,2,2,"x"]')]
    assert q("SELECT ARRAY_POSITION(2, a), ARRAY_POSITION('x', a), ARRAY_POSITION(7, a), ARRAY_SLICE(a, 1, 3), "
             "ARRAY_TO_STRING(v:tags, ', ') FROM t") == [(1, 3, None, "[2,2]", "p, q")]
    assert q("SELECT ARRAYS_OVERLAP(a, b), ARRAY_INTERSECTION(a, b), ARRAY_EXCEPT(a, b), ARRAY_REVERSE(b), "
             "ARRAY_INSERT(b, 1, 9), ARRAY_REMOVE(b, 2) FROM t") == [
        (True, "[2]", '[1,2,"x",null]', "[3,2]", "[2,9,3]", "[3]")]


def test_nested_calls_and_mixed_arguments(con, q):
    con.execute_string(SETUP)
    assert q("SELECT ARRAY_APPEND(ARRAY_APPEND(b, 4), 5), ARRAY_SIZE(ARRAY_APPEND(b, 4)), "
             "ARRAY_CAT(ARRAY_CONSTRUCT(1), b), ARRAY_APPEND(ARRAY_CONSTRUCT(1), 2) FROM t") == [
        ("[2,3,4,5]", 3, "[1,2,3]", [1, 2])]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(st.integers(-5, 5), max_size=6), other=st.lists(st.integers(-5, 5), max_size=4),
       x=st.integers(-5, 5), start=st.integers(0, 6), length=st.integers(0, 6))
def test_array_columns_match_constructed_lists(q, items, other, x, start, length):
    """The same call on an ARRAY column and on ARRAY_CONSTRUCT of its elements agrees."""
    q("CREATE OR REPLACE TABLE arr (a ARRAY, b ARRAY)")
    q("INSERT INTO arr SELECT PARSE_JSON(%s), PARSE_JSON(%s)", (json.dumps(items), json.dumps(other)))
    lit_a = "ARRAY_CONSTRUCT(" + ", ".join(map(str, items)) + ")"
    lit_b = "ARRAY_CONSTRUCT(" + ", ".join(map(str, other)) + ")"
    end = start + length
    calls = ["ARRAY_APPEND({a}, {x})", "ARRAY_CAT({a}, {b})", "ARRAY_POSITION({x}, {a})", "ARRAY_SLICE({a}, {s}, {e})",
             "ARRAY_EXCEPT({a}, {b})", "ARRAY_INTERSECTION({a}, {b})", "ARRAY_REMOVE({a}, {x})", "ARRAYS_OVERLAP({a}, {b})"]
    cols = q("SELECT " + ", ".join(c.format(a="a", b="b", x=x, s=start, e=end) for c in calls) + " FROM arr")[0]
    lits = q("SELECT " + ", ".join(c.format(a=lit_a, b=lit_b, x=x, s=start, e=end) for c in calls))[0]
    as_py = [json.loads(v) if isinstance(v, str) else v for v in cols]
    assert as_py == list(lits)
