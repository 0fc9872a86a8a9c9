"""Booking traffic generator: determinism, rates of invalid records/cancellations, batch writes."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from cdcsim.traffic import (
    INSERT_COLUMNS,
    MOVIES,
    BookingGenerator,
    TrafficRunner,
    bulk_history,
    load_history,
    write_batch,
)

T0 = datetime(2025, 9, 3, 11, 0)

RAW_DDL = """
create table raw_movie_bookings (
  booking_id varchar, customer_id varchar, movie_id varchar, booking_date timestamp,
  status varchar, ticket_count int, ticket_price decimal(10,2),
  total_amount decimal(10,2) as (ticket_count * ticket_price),
  created_at timestamp default current_timestamp, updated_at timestamp default current_timestamp)
"""


class SnowflakeSqlOnDuckDB:
    """A plain DB-API connection that accepts Snowflake SQL (via sqlglot): the generator needs
    nothing cdcsim-specific, only cursor().execute with qmark parameters."""

    def __init__(self) -> None:
        self.raw = duckdb.connect()

    def cursor(self) -> SnowflakeSqlOnDuckDB:
        return self

    def execute(self, sql: str, params: list | None = None):
        return self.raw.execute(sqlglot.transpile(sql, read="snowflake", write="duckdb")[0], params)

    def close(self) -> None:
        pass


@pytest.fixture
def db() -> SnowflakeSqlOnDuckDB:
    con = SnowflakeSqlOnDuckDB()
    con.raw.execute(RAW_DDL)
    return con


def run(gen: BookingGenerator, rounds: int, per_round: int = 5) -> list:
    return [gen.batch(per_round, T0 + timedelta(minutes=i)) for i in range(rounds)]


def test_same_seed_same_activity() -> None:
    a = run(BookingGenerator(seed=3), 40)
    b = run(BookingGenerator(seed=3), 40)
    assert a == b


def test_different_seed_different_activity() -> None:
    assert run(BookingGenerator(seed=3), 10) != run(BookingGenerator(seed=4), 10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), rounds=st.integers(1, 30), per_round=st.integers(0, 6))
def test_activity_is_consistent(seed: int, rounds: int, per_round: int) -> None:
    gen = BookingGenerator(seed=seed, cancel_rate=0.5, delete_rate=0.05, cancel_after_minutes=(0.5, 3))
    batches = run(gen, rounds, per_round)
    ids = [r[0] for b in batches for r in b.inserts]
    assert len(ids) == len(set(ids)) == rounds * per_round
    seen: set[str] = set()
    deleted: set[str] = set()
    cancelled: set[str] = set()
    for b in batches:
        # Only existing, not-deleted bookings are cancelled or deleted, each at most once.
        for bid in b.cancels:
            assert bid in seen and bid not in deleted and bid not in cancelled
            cancelled.add(bid)
        for bid in b.deletes:
            assert bid in seen and bid not in deleted
            deleted.add(bid)
        seen.update(r[0] for r in b.inserts)
    movie_ids = {m.movie_id for m in MOVIES}
    assert all(r[2] in movie_ids and r[4] == "BOOKED" for b in batches for r in b.inserts)


def test_cancellations_come_minutes_after_booking() -> None:
    gen = BookingGenerator(seed=1, cancel_rate=1.0, delete_rate=0.0, cancel_after_minutes=(5, 10))
    first = gen.batch(20, T0)
    assert first.cancels == []
    assert gen.batch(0, T0 + timedelta(minutes=4, seconds=59)).cancels == []
    later = gen.batch(0, T0 + timedelta(minutes=10))
    assert sorted(later.cancels) == sorted(r[0] for r in first.inserts)


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5])
def test_invalid_rate(rate: float) -> None:
    gen = BookingGenerator(seed=11, invalid_rate=rate)
    rows = [gen.new_booking(T0) for _ in range(4000)]
    invalid = [r for r in rows if r[1] is None or r[5] <= 0]
    share = len(invalid) / len(rows)
    assert abs(share - rate) < 0.03
    if rate:
        assert any(r[1] is None for r in invalid) and any(r[5] == 0 for r in invalid)


def test_rates_validated() -> None:
    with pytest.raises(ValueError):
        BookingGenerator(invalid_rate=1.5)


def test_write_batch_applies_inserts_cancels_deletes(db: SnowflakeSqlOnDuckDB) -> None:
    gen = BookingGenerator(seed=5, cancel_rate=1.0, delete_rate=1.0, cancel_after_minutes=(1, 2))
    for i in range(6):
        write_batch(db, gen.batch(4, T0 + timedelta(minutes=i)))
    rows = db.execute(
        "select booking_id, status, ticket_count * ticket_price = total_amount from raw_movie_bookings"
    ).fetchall()
    assert 0 < len(rows) < 24  # some deleted
    assert {r[1] for r in rows} == {"BOOKED", "CANCELLED"}
    assert all(r[2] for r in rows if r[2] is not None)


def test_runner_rate_carries_fractions(db: SnowflakeSqlOnDuckDB) -> None:
    runner = TrafficRunner(
        db, BookingGenerator(seed=2, cancel_rate=0, delete_rate=0), rate=0.75, interval=1.0, now=lambda: T0
    )
    for _ in range(8):
        runner.step()
    assert runner.written["inserts"] == 6
    assert db.execute("select count(*) from raw_movie_bookings").fetchone()[0] == 6


def test_runner_counts_errors_instead_of_dying() -> None:
    con = SnowflakeSqlOnDuckDB()  # no table: every write fails
    runner = TrafficRunner(con, rate=4, interval=0.5, now=lambda: T0)
    runner.step()
    assert runner.written["errors"] == 1 and runner.last_error is not None


def test_bulk_history_is_deterministic_and_shaped() -> None:
    a = bulk_history(5000, seed=9, invalid_rate=0.1)
    b = bulk_history(5000, seed=9, invalid_rate=0.1)
    assert a.equals(b)
    assert list(a.columns) == list(INSERT_COLUMNS)
    assert a["booking_id"].is_unique
    invalid = a["customer_id"].isna() | (a["ticket_count"] <= 0)
    assert 0.07 < invalid.mean() < 0.13
    assert set(a["status"]) == {"BOOKED", "CANCELLED"}
    assert a["booking_date"].is_monotonic_increasing


def test_load_history(db: SnowflakeSqlOnDuckDB) -> None:
    frame = bulk_history(2500, seed=1)
    assert load_history(db, frame, chunk=1000) == 2500
    got = db.execute(
        "select count(*), count(customer_id), sum(ticket_count) from raw_movie_bookings"
    ).fetchone()
    assert got == (2500, int(frame["customer_id"].notna().sum()), int(frame["ticket_count"].sum()))
