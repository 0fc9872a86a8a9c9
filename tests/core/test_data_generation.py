"""Generating test data the way Snowflake tutorials do: TABLE(GENERATOR(ROWCOUNT => n)) with SEQ4(),
RANDOM(), UNIFORM(min, max, gen) and RANDSTR(length, gen) [DOC: sql-reference/functions/generator,
random, uniform, randstr]. UNIFORM and RANDSTR are functions of their generator: the same value on
every row for a constant gen, a new one per row for RANDOM()."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim


def test_generator_rows_and_seq4(q):
    assert q("SELECT count(*), count(DISTINCT seq4()), min(seq4()), max(seq4()) "
             "FROM TABLE(GENERATOR(ROWCOUNT => 1000))") == [(1000, 1000, 0, 999)]
    assert q("SELECT seq8() AS n FROM TABLE(GENERATOR(ROWCOUNT => 3, TIMELIMIT => 60)) AS g ORDER BY n") == [
        (0,), (1,), (2,)]
    assert q("SELECT count(*) FROM TABLE(GENERATOR(ROWCOUNT => ?))", [7]) == [(7,)]


def test_generator_without_rowcount_is_refused(q):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT count(*) FROM TABLE(GENERATOR(TIMELIMIT => 1))")
    assert e.value.sqlstate == "0A000" and "ROWCOUNT" in e.value.msg


def test_generated_rows_reach_a_stream(q):
    q("CREATE TABLE bookings (id INT, seats INT, code STRING)")
    q("CREATE STREAM bookings_s ON TABLE bookings")
    assert q("INSERT INTO bookings SELECT seq4(), uniform(1, 6, random()), randstr(8, random()) "
             "FROM TABLE(GENERATOR(ROWCOUNT => 500))") == [(500,)]
    assert q("SELECT count(*), count(DISTINCT id), min(seats) >= 1, max(seats) <= 6, count(DISTINCT code) > 450 "
             "FROM bookings_s WHERE METADATA$ACTION = 'INSERT'") == [(500, 500, True, True, True)]


def test_uniform(q):
    (row,) = q("SELECT min(u), max(u), count(DISTINCT u), typeof(any_value(u)), count(DISTINCT c), "
               "min(f) >= 2.5, max(f) < 7.5, typeof(any_value(f)) FROM (SELECT uniform(1, 10, random()) AS u, "
               "uniform(1, 10, 42) AS c, uniform(2.5, 7.5, random()) AS f FROM TABLE(GENERATOR(ROWCOUNT => 2000)))")
    assert row == (1, 10, 10, "INTEGER", 1, True, True, "DOUBLE")  # (TYPEOF in Snowflake's names)


def test_randstr(q):
    rows = q("SELECT randstr(12, random()), randstr(5, 42) FROM TABLE(GENERATOR(ROWCOUNT => 200))")
    assert len({r[0] for r in rows}) == 200 and len({r[1] for r in rows}) == 1
    assert all(re.fullmatch(r"[0-9A-Za-z]{12}", r[0]) and re.fullmatch(r"[0-9A-Za-z]{5}", r[1]) for r in rows)


def test_random_is_a_64_bit_integer(q):
    (row,) = q("SELECT typeof(any_value(r)), min(r) < -1e17, max(r) > 1e17, count(DISTINCT r) "
               "FROM (SELECT random() AS r FROM TABLE(GENERATOR(ROWCOUNT => 1000)))")
    assert row == ("INTEGER", True, True, 1000)


@settings(max_examples=40, deadline=None)
@given(lo=st.integers(-10**6, 10**6), width=st.integers(0, 10**6), gen=st.integers(-10**9, 10**9))
def test_uniform_stays_in_its_bounds_and_follows_its_generator(lo, width, gen):
    con = cdcsim.connect()
    try:
        hi = lo + width
        rows = con.cursor().execute(
            f"SELECT uniform({lo}, {hi}, {gen}), uniform({lo}, {hi}, random()) FROM TABLE(GENERATOR(ROWCOUNT => 50))"
        ).fetchall()
    finally:
        con.close()
    assert len({r[0] for r in rows}) == 1  # a constant generator: one value
    assert all(lo <= a <= hi and lo <= b <= hi for a, b in rows)
