"""Property: the corrected silver is the current state of the source, whatever the changes.

Random INSERT / UPDATE (cancel, re-price) / DELETE / re-INSERT sequences hit the source table;
the consume task's body moves the stream to bronze at distinct (virtual) times, sometimes after
several changes (net changes collapse), sometimes after each. Afterwards pipeline.sql's silver
query over bronze must equal the source table row for row, and its gold must count bookings.
The scheduler is not needed: the task body and the dynamic-table queries run as plain SQL.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pipeline_helpers import START, example, statements, task_body

import cdcsim
from dashboard.data import dynamic_table_query

IDS = ["B1", "B2", "B3", "B4"]
op = st.one_of(
    st.tuples(
        st.just("insert"),
        st.sampled_from(IDS),
        st.integers(1, 6),
        st.sampled_from(["8.00", "12.50", "24.00"]),
    ),
    st.tuples(st.just("cancel"), st.sampled_from(IDS)),
    st.tuples(st.just("reprice"), st.sampled_from(IDS), st.sampled_from(["9.00", "15.00"])),
    st.tuples(st.just("delete"), st.sampled_from(IDS)),
    st.tuples(st.just("consume")),
)


def apply(cur: cdcsim.Cursor, live: set[str], step: tuple) -> None:
    kind = step[0]
    if kind == "insert" and step[1] not in live:
        cur.execute(
            "INSERT INTO raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status,"
            " ticket_count, ticket_price) VALUES (%s, 'C1', %s, '2025-09-01 10:00:00', 'BOOKED', %s, %s)",
            [step[1], "M" + step[1][-1], step[2], step[3]],
        )
        live.add(step[1])
    elif kind == "cancel":
        cur.execute(
            "UPDATE raw_movie_bookings SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP()"
            " WHERE booking_id = %s AND status = 'BOOKED'",
            [step[1]],
        )
    elif kind == "reprice":
        cur.execute(
            "UPDATE raw_movie_bookings SET ticket_price = %s WHERE booking_id = %s", [step[2], step[1]]
        )
    elif kind == "delete":
        cur.execute("DELETE FROM raw_movie_bookings WHERE booking_id = %s", [step[1]])
        live.discard(step[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=25))
def test_silver_equals_current_source(steps: list[tuple]) -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(START))
    try:
        ddl = [
            s
            for s in statements("pipeline.sql")
            if s.startswith(("CREATE OR REPLACE TABLE", "CREATE OR REPLACE STREAM"))
        ]
        for text in ddl:
            con.cursor().execute(text)
        consume = task_body("pipeline.sql", "consume_stream_task")
        cur = con.cursor()
        live: set[str] = set()
        for step in [*steps, ("consume",)]:
            if step[0] == "consume":
                cur.execute(consume)
                # Task runs happen at distinct instants, as scheduled runs do.
                con.clock.advance(timedelta(seconds=30))
            else:
                apply(cur, live, step)
        text = example("pipeline.sql")
        silver = dynamic_table_query(text, "movie_bookings_filtered")
        cols = "booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price, total_amount"
        got = sorted(cur.execute(f"SELECT {cols} FROM ({silver})").fetchall())
        want = sorted(cur.execute(f"SELECT {cols} FROM raw_movie_bookings").fetchall())
        assert got == want
        gold = f"WITH movie_bookings_filtered AS ({silver}) {dynamic_table_query(text, 'movie_booking_insights')}"
        rows = cur.execute(f"SELECT SUM(total_bookings), SUM(cancelled_bookings) FROM ({gold})").fetchone()
        truth = cur.execute(
            "SELECT COUNT(*), COUNT(CASE WHEN status = 'CANCELLED' THEN 1 END) FROM raw_movie_bookings"
        ).fetchone()
        assert (rows[0] or 0, rows[1] or 0) == truth
    finally:
        con.close()


step_or_tick = st.one_of(op, st.tuples(st.just("tick"), st.integers(1, 3)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step_or_tick, min_size=1, max_size=20))
def test_scheduled_pipeline_matches_source(steps: list[tuple]) -> None:
    """The whole pipeline under the scheduler: tasks and (incremental) refreshes, as deployed."""
    con = cdcsim.connect(clock=cdcsim.ManualClock(START))
    try:
        con.execute_string(example("pipeline.sql"))
        cur = con.cursor()
        live: set[str] = set()
        for step in steps:
            if step[0] == "tick":
                con.advance(minutes=step[1])
            elif step[0] != "consume":
                apply(cur, live, step)
        con.advance(minutes=2)  # consume, then refresh, with nothing pending afterwards
        cols = "booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price, total_amount"
        got = sorted(cur.execute(f"SELECT {cols} FROM movie_bookings_filtered").fetchall())
        want = sorted(cur.execute(f"SELECT {cols} FROM raw_movie_bookings").fetchall())
        assert got == want
        gold_query = dynamic_table_query(example("pipeline.sql"), "movie_booking_insights")
        stored = sorted(cur.execute("SELECT * FROM movie_booking_insights").fetchall())
        recomputed = sorted(cur.execute(gold_query).fetchall())
        assert stored == recomputed  # the refreshed gold equals its query over the refreshed silver
    finally:
        con.close()
