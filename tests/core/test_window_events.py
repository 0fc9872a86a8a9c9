"""CONDITIONAL_CHANGE_EVENT, and window calls nested in CONDITIONAL_TRUE_EVENT's condition
(cdcsim/sql/nested_windows.py): both failed with DuckDB's "window function calls cannot be nested"
or as an unknown function. Checked against a small model of the documented definitions."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim


@pytest.fixture
def q():
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    cur = con.cursor()

    def run(sql, params=None):
        return cur.execute(sql, params).fetchall()

    yield run
    con.close()


def _partitions(rows):
    parts: dict = {}
    for r in sorted(rows, key=lambda r: (r[1], r[0])):
        parts.setdefault(r[1], []).append(r)
    return parts


def change_events(rows):
    """The page's definition: CONDITIONAL_TRUE_EVENT(v != LAG(v) OVER w) OVER w; a comparison with
    a NULL is not TRUE, so it is no event."""
    out = {}
    for part in _partitions(rows).values():
        n, prev = 0, None
        for i, (rid, _p, v) in enumerate(part):
            if i and v is not None and prev is not None and v != prev:
                n += 1
            out[rid] = n
            prev = v
    return out


def sessions(rows, gap):
    """CONDITIONAL_TRUE_EVENT(v - LAG(v) OVER w > gap) OVER w: a new session after a long gap."""
    out = {}
    for part in _partitions(rows).values():
        n = 0
        for i, (rid, _p, v) in enumerate(part):
            if i and v is not None and part[i - 1][2] is not None and v - part[i - 1][2] > gap:
                n += 1
            out[rid] = n
    return out


def test_the_voltage_example_counts_changes(q):
    """As the doc page's example uses it: how often the power failed or came back (voltage 0 or not)."""
    q("CREATE TABLE voltage_readings (site_id INTEGER, ts TIMESTAMP, voltage NUMBER(12, 2))")
    q("INSERT INTO voltage_readings VALUES (1, '2019-10-30 13:00:00', 120), (1, '2019-10-30 13:15:00', 120), "
      "(1, '2019-10-30 13:30:00', 0), (1, '2019-10-30 13:45:00', 0), (1, '2019-10-30 14:00:00', 0), "
      "(1, '2019-10-30 14:15:00', 0), (1, '2019-10-30 14:30:00', 120), (1, '2019-10-30 14:45:00', 120), "
      "(1, '2019-10-30 15:00:00', 0), (1, '2019-10-30 15:15:00', 120)")
    got = q("SELECT voltage, CONDITIONAL_CHANGE_EVENT(voltage = 0) OVER (ORDER BY ts) AS power_changes "
            "FROM voltage_readings ORDER BY ts")
    assert [r[1] for r in got] == [0, 0, 1, 1, 1, 1, 2, 2, 3, 4]


def test_nested_calls_keep_names_stars_filters_and_outer_queries(q):
    q("CREATE TABLE ev (id INT, k STRING, v INT)")
    q("INSERT INTO ev VALUES (1, 'a', 1), (2, 'a', 1), (3, 'a', 2), (4, 'b', 2), (5, 'b', 3)")
    # a qualified and aliased source, a WHERE, a star beside it, the statement's column names
    cur_rows = q("SELECT e.*, CONDITIONAL_CHANGE_EVENT(e.v) OVER (PARTITION BY e.k ORDER BY e.id) AS c "
                 "FROM ev AS e WHERE e.id <> 2 ORDER BY e.id")
    assert cur_rows == [(1, "a", 1, 0), (3, "a", 2, 1), (4, "b", 2, 0), (5, "b", 3, 1)]
    assert q("SELECT id, CONDITIONAL_TRUE_EVENT(v > LAG(v) OVER (ORDER BY id)) OVER (ORDER BY id) "
             "FROM ev ORDER BY id") == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 2)]
    # inside a subquery and as an INSERT's source
    q("CREATE TABLE out (id INT, c INT)")
    q("INSERT INTO out SELECT id, CONDITIONAL_CHANGE_EVENT(v) OVER (ORDER BY id) FROM ev")
    assert q("SELECT max(c) FROM (SELECT c FROM out)") == [(2,)]


def test_a_grouped_query_with_nested_windows_still_fails_clearly(q):
    q("CREATE TABLE ev (id INT, v INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT v, CONDITIONAL_CHANGE_EVENT(v) OVER (ORDER BY v) FROM ev GROUP BY v")
    assert e.value.errno == 2016 and "nested" in e.value.msg


rows_st = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.one_of(st.none(), st.integers(-3, 3))),
                   max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows_st, gap=st.integers(0, 2))
def test_events_match_the_documented_definitions(q, data, gap):
    rows = [(i, p, v) for i, (p, v) in enumerate(data)]
    q("CREATE OR REPLACE TABLE r (id INT, p STRING, v INT)")
    if rows:
        q("INSERT INTO r VALUES " + ", ".join(f"({i}, '{p}', {'NULL' if v is None else v})" for i, p, v in rows))
    got = q("SELECT id, CONDITIONAL_CHANGE_EVENT(v) OVER (PARTITION BY p ORDER BY id), "
            f"CONDITIONAL_TRUE_EVENT(v - LAG(v) OVER (PARTITION BY p ORDER BY id) > {gap}) "
            "OVER (PARTITION BY p ORDER BY id) FROM r")
    assert {r[0]: r[1] for r in got} == change_events(rows)
    assert {r[0]: r[2] for r in got} == sessions(rows, gap)
