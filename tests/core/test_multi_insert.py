"""Multi-table INSERT ALL | FIRST (cdcsim/multi_insert.py): Snowflake's routing of the
subquery's rows, its answer, one stream read for every target, and all-or-nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim


@pytest.fixture
def con() -> Iterator[cdcsim.Connection]:
    c = cdcsim.connect()
    c.execute_string("""
        CREATE TABLE src (x INT, y STRING);
        INSERT INTO src VALUES (1, 'a'), (2, 'b'), (3, NULL), (NULL, 'n');
        CREATE TABLE t1 (a INT);
        CREATE TABLE t2 (x INT, y STRING);
        CREATE TABLE t3 (a INT, b STRING);
    """)
    yield c
    c.close()


def rows(q, table: str) -> list[tuple]:
    return sorted(q(f"SELECT * FROM {table}"), key=repr)


def test_unconditional_all_puts_every_row_into_every_target(q):
    got = q("INSERT ALL INTO t1 (a) VALUES (x) INTO t2 INTO t3 (b, a) VALUES (y, 7) SELECT x, y FROM src")
    assert [d[0] for d in q.cur.description] == [
        "number of rows inserted into T1", "number of rows inserted into T2", "number of rows inserted into T3"]
    assert got == [(4, 4, 4)]
    assert rows(q, "t1") == sorted([(1,), (2,), (3,), (None,)], key=repr)
    assert rows(q, "t2") == rows(q, "src")
    assert rows(q, "t3") == sorted([(7, "a"), (7, "b"), (7, None), (7, "n")], key=repr)


def test_conditional_all_takes_every_when_that_holds_and_else_the_rest(q):
    got = q("INSERT ALL WHEN x >= 2 THEN INTO t1 (a) VALUES (x) INTO t3 (a, b) VALUES (x, 'big') "
            "WHEN x >= 1 THEN INTO t3 (a, b) VALUES (x, 'pos') ELSE INTO t2 SELECT x, y FROM src")
    assert got == [(2, 2, 3, 1)]  # NULL x: no condition holds, so ELSE
    assert rows(q, "t1") == [(2,), (3,)]
    assert rows(q, "t3") == [(1, "pos"), (2, "big"), (2, "pos"), (3, "big"), (3, "pos")]
    assert rows(q, "t2") == [(None, "n")]


def test_first_takes_only_the_first_when_that_holds(q):
    got = q("INSERT FIRST WHEN x >= 2 THEN INTO t1 (a) VALUES (x) INTO t3 (a, b) VALUES (x, 'big') "
            "WHEN x >= 1 THEN INTO t3 (a, b) VALUES (x, 'pos') ELSE INTO t2 SELECT x, y FROM src")
    assert got == [(2, 2, 1, 1)]
    assert rows(q, "t3") == [(1, "pos"), (2, "big"), (3, "big")]


def test_a_stream_fans_out_once_and_is_consumed_at_commit(q):
    q("CREATE STREAM s ON TABLE src")
    q("INSERT INTO src VALUES (10, 'new'), (20, NULL)")
    q("DELETE FROM src WHERE x = 1")
    got = q("INSERT ALL WHEN METADATA$ACTION = 'INSERT' THEN INTO t2 (x, y) VALUES (x, y) "
            "ELSE INTO t1 (a) VALUES (x) SELECT x, y, METADATA$ACTION FROM s")
    assert got == [(2, 1)]
    assert rows(q, "t2") == [(10, "new"), (20, None)]
    assert rows(q, "t1") == [(1,)]
    assert q("SELECT count(*) FROM s") == [(0,)]


def test_a_failing_target_leaves_every_table_and_the_stream_as_they_were(q):
    q("CREATE STREAM s ON TABLE src")
    q("INSERT INTO src VALUES (10, 'new')")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("INSERT ALL INTO t1 (a) VALUES (x) INTO no_such SELECT x FROM s")
    assert e.value.errno == 2003 and "rolled back" not in e.value.msg
    assert rows(q, "t1") == []
    assert q("SELECT x FROM s") == [(10,)]


def test_inside_a_transaction_it_commits_and_rolls_back_with_it(q):
    q("BEGIN")
    q("INSERT ALL INTO t1 (a) VALUES (x) SELECT x FROM src WHERE x = 1")
    assert rows(q, "t1") == [(1,)]
    q("ROLLBACK")
    assert rows(q, "t1") == []


def test_overwrite_empties_each_target_once_first(q):
    q("INSERT INTO t1 VALUES (42)")
    got = q("INSERT OVERWRITE ALL INTO t1 (a) VALUES (x) INTO t1 (a) VALUES (x + 100) SELECT x FROM src WHERE x = 1")
    assert got == [(1, 1)]
    assert rows(q, "t1") == [(1,), (101,)]


_xs = st.lists(st.one_of(st.none(), st.integers(-3, 3)), max_size=8)


@settings(max_examples=40, deadline=None)
@given(xs=_xs, lo=st.integers(-3, 3), hi=st.integers(-3, 3), first=st.booleans(), with_else=st.booleans())
def test_routing_matches_a_reference_model(xs, lo, hi, first, with_else):
    """Each row goes to the WHENs whose condition holds (ALL) or the first (FIRST); ELSE takes the
    rows no condition took; a NULL comparison does not hold."""
    c = cdcsim.connect()
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE src (x INT)")
        cur.execute("CREATE TABLE a (x INT)")
        cur.execute("CREATE TABLE b (x INT)")
        cur.execute("CREATE TABLE e (x INT)")
        if xs:
            cur.execute("INSERT INTO src VALUES " + ", ".join(f"({'NULL' if x is None else x})" for x in xs))
        tail = " ELSE INTO e" if with_else else ""
        cur.execute(f"INSERT {'FIRST' if first else 'ALL'} WHEN x >= {lo} THEN INTO a "
                    f"WHEN x <= {hi} THEN INTO b{tail} SELECT x FROM src")
        want: dict[str, list] = {"a": [], "b": [], "e": []}
        for x in xs:
            holds = [x is not None and x >= lo, x is not None and x <= hi]
            took = [t for t, h in zip("ab", holds, strict=True) if h]
            took = took[:1] if first else took
            for t in took or (["e"] if with_else else []):
                want[t].append(x)
        for t, xs_t in want.items():
            cur.execute(f"SELECT x FROM {t}")
            assert sorted((r[0] for r in cur.fetchall()), key=repr) == sorted(xs_t, key=repr), t
    finally:
        c.close()
