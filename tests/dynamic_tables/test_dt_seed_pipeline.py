"""The movie-booking pipelines (examples/movie_bookings) end to end under virtual time: stream ->
task -> bronze -> silver DT -> gold DT (both DOWNSTREAM), with the seed's five bookings before and
after the seed's UPDATE of B001 and B003 to CANCELLED. Expected figures are worked out by hand from
the seed document's definitions (what Snowflake computes for them). The rates are ROUND(... * 100.0
/ ..., 2): a NUMBER of scale 2, as on Snowflake (Decimal("33.33"), not the float 33.33)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from dthelpers import START, plan_kind, q

import cdcsim

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings"
COLS = ("movie_id, total_bookings, valid_bookings, active_bookings, cancelled_bookings, total_active_revenue, "
        "total_lost_revenue, gross_revenue, new_bookings, status_changes, deletions, cancellation_rate_percent, "
        "booking_days, data_quality_score")
D = Decimal
BEFORE = [
    ("M001", 1, 1, 1, 0, D("25.00"), D("0.00"), D("25.00"), 1, 0, 0, D("0.00"), 1, D("100.00")),
    ("M002", 1, 1, 1, 0, D("40.00"), D("0.00"), D("40.00"), 1, 0, 0, D("0.00"), 1, D("100.00")),
    ("M003", 1, 1, 1, 0, D("25.00"), D("0.00"), D("25.00"), 1, 0, 0, D("0.00"), 1, D("100.00")),
    ("M004", 1, 1, 1, 0, D("45.00"), D("0.00"), D("45.00"), 1, 0, 0, D("0.00"), 1, D("100.00")),
    ("M005", 1, 1, 1, 0, D("44.00"), D("0.00"), D("44.00"), 1, 0, 0, D("0.00"), 1, D("100.00")),
]
# The seed's silver holds change EVENTS: B001's UPDATE adds a DELETE (old, BOOKED) and an INSERT
# (new, CANCELLED) event, so M001 counts 3 "bookings": 2 active, 1 cancelled; 'UPDATE' never occurs.
SEED_AFTER = [
    ("M001", 3, 3, 2, 1, D("50.00"), D("25.00"), D("75.00"), 2, 0, 1, D("33.33"), 1, D("100.00")),
    BEFORE[1],
    ("M003", 3, 3, 2, 1, D("50.00"), D("25.00"), D("75.00"), 2, 0, 1, D("33.33"), 1, D("100.00")),
    BEFORE[3], BEFORE[4],
]
# The corrected silver holds the current state of each booking: M001 has one cancelled booking.
CORRECTED_AFTER = [
    ("M001", 1, 1, 0, 1, D("0.00"), D("25.00"), D("25.00"), 1, 1, 0, D("100.00"), 1, D("100.00")),
    BEFORE[1],
    ("M003", 1, 1, 0, 1, D("0.00"), D("25.00"), D("25.00"), 1, 1, 0, D("100.00"), 1, D("100.00")),
    BEFORE[3], BEFORE[4],
]


def run(con: cdcsim.Connection, name: str) -> None:
    con.execute_string((EXAMPLES / name).read_text())


def gold(con: cdcsim.Connection) -> list[tuple]:
    return q(con, f"SELECT {COLS} FROM movie_booking_insights ORDER BY movie_id")


def test_seed_pipeline_as_written(con: cdcsim.Connection) -> None:
    run(con, "seed.sql")
    run(con, "sample_data.sql")
    con.advance(minutes=1)  # the task moves the stream into bronze
    q(con, "ALTER DYNAMIC TABLE movie_booking_insights REFRESH")  # the seed's manual refresh
    assert gold(con) == BEFORE
    run(con, "sample_updates.sql")
    con.advance(minutes=1)
    q(con, "ALTER TASK consume_stream_task SUSPEND")  # (only to keep the day below fast)
    con.advance(days=1)  # both tables are DOWNSTREAM with no consumer: nothing refreshes by itself
    assert gold(con) == BEFORE
    q(con, "ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    assert gold(con) == SEED_AFTER
    assert plan_kind(con, "movie_bookings_filtered") == "LINEAR"
    assert plan_kind(con, "movie_booking_insights") == "AGG_DELTA"  # COUNT(DISTINCT ...) via multiplicities


def test_corrected_pipeline_kept_fresh_by_a_task(con: cdcsim.Connection) -> None:
    run(con, "pipeline.sql")
    run(con, "sample_data.sql")
    con.advance(minutes=2)  # stream task, then the 1-minute refresh task
    assert gold(con) == BEFORE
    run(con, "sample_updates.sql")
    con.advance(minutes=2)
    assert gold(con) == CORRECTED_AFTER
    assert plan_kind(con, "movie_bookings_filtered") == "KEY"  # latest row per booking_id
    assert plan_kind(con, "movie_booking_insights") == "KEY"  # per movie_id
    # gold's two per-movie aggregate CTEs are kept as state, not re-aggregated from silver/bronze
    s = con._session
    from cdcsim.dynamic_tables.catalog import registry
    from cdcsim.dynamic_tables.planning import get_plan

    plan = get_plan(s, registry(s.engine).tables[s.qualify(["MOVIE_BOOKING_INSIGHTS"]).fqn])
    assert [sub.kind for _sid, sub in plan.ctes] == ["AGG_DELTA", "AGG_DELTA"]
    assert len(plan.ctes[0][1].holistic) == 2  # COUNT(DISTINCT booking_date_only), COUNT(DISTINCT booking_hour)
    rows = con.cursor().execute(
        "SELECT NAME, REFRESH_TRIGGER, REFRESH_ACTION, DATA_TIMESTAMP FROM TABLE(INFORMATION_SCHEMA."
        "DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 4))").fetchall()
    # the task's ALTER ... REFRESH is a MANUAL refresh that also refreshes silver, at one timestamp
    assert {r[1] for r in rows} == {"MANUAL"} and len({r[3] for r in rows[:2]}) == 1


@pytest.mark.parametrize("script", ["seed.sql", "pipeline.sql"])
def test_incremental_gold_equals_recomputation_under_traffic(con: cdcsim.Connection, script: str) -> None:
    run(con, script)
    run(con, "sample_data.sql")
    cur = con.cursor()
    for i in range(12):
        cur.execute("INSERT INTO raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status, "
                    f"ticket_count, ticket_price) VALUES ('X{i}', {'NULL' if i % 5 == 0 else repr(f'C{i}')}, "
                    f"'M00{i % 3 + 1}', '2025-09-0{i % 4 + 1} 1{i % 10}:00:00', 'BOOKED', {i % 6}, {5 + i})")
        if i % 3 == 0:
            cur.execute(f"UPDATE raw_movie_bookings SET status = 'CANCELLED' WHERE booking_id = 'X{i // 2}'")
        if i % 4 == 0:
            cur.execute(f"DELETE FROM raw_movie_bookings WHERE booking_id = 'X{i // 3}'")
        con.advance(minutes=1)
        cur.execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
        for table in ("movie_bookings_filtered", "movie_booking_insights"):
            text = cur.execute(f"SHOW DYNAMIC TABLES LIKE '{table}'").fetchall()[0][14]
            query = text[text.upper().index("\nAS\n") + 4:]
            assert sorted(q(con, f"SELECT * FROM {table}"), key=str) == sorted(q(con, query), key=str), table
    assert START < con.clock.now()


@pytest.mark.parametrize(("script", "after"), [("seed.sql", SEED_AFTER), ("pipeline.sql", CORRECTED_AFTER)])
def test_a_stream_on_gold_sees_the_cancellations_as_updates(con: cdcsim.Connection, script: str,
                                                           after: list[tuple]) -> None:
    """The workshop question "what did the UPDATE of B001 and B003 change in gold?", asked of a
    stream on gold: M001's and M003's rows, each as an update (DELETE + INSERT, ISUPDATE TRUE,
    one row id), and nothing of the movies that did not change."""
    run(con, script)
    run(con, "sample_data.sql")
    con.advance(minutes=2)
    q(con, "ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    q(con, "CREATE STREAM gold_changes ON DYNAMIC TABLE movie_booking_insights")
    run(con, "sample_updates.sql")
    con.advance(minutes=2)
    q(con, "ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    assert gold(con) == after
    rows = q(con, f'SELECT {COLS}, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM gold_changes '
                  'ORDER BY movie_id, "METADATA$ACTION"')
    old = {r[0]: r for r in BEFORE}
    new = {r[0]: r for r in after}
    assert [r[:-1] for r in rows] == [(*old["M001"], "DELETE", True), (*new["M001"], "INSERT", True),
                                      (*old["M003"], "DELETE", True), (*new["M003"], "INSERT", True)]
    assert rows[0][-1] == rows[1][-1] != rows[2][-1] == rows[3][-1]
