"""The seed pipeline test (issue 5) and the corrected pipeline's semantics, on the engine.

Sequence, as in the seed: five sample bookings; the consume task runs; B001 and B003 are
updated to CANCELLED; the task runs again; gold is refreshed. Under a ManualClock, ``advance``
runs what falls due.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from pipeline_helpers import example, load_or_skip, statements, task_body

import cdcsim
from dashboard.data import dynamic_table_query, seed_gold_query


def gold(con: cdcsim.Connection) -> pd.DataFrame:
    frame = con.cursor().execute("SELECT * FROM movie_booking_insights ORDER BY movie_id").fetch_pandas_all()
    frame.columns = [c.lower() for c in frame.columns]
    return frame.set_index("movie_id")


def run_seed_sequence(con: cdcsim.Connection) -> None:
    con.execute_string(example("sample_data.sql"))
    con.advance(minutes=1)  # consume_stream_task: 5 INSERT events
    con.execute_string(example("sample_updates.sql"))
    con.advance(minutes=1)  # DELETE + INSERT pairs (ISUPDATE) for B001 and B003


def test_seed_pipeline_gives_what_snowflake_gives(manual: cdcsim.Connection) -> None:
    load_or_skip(manual, "seed.sql")
    run_seed_sequence(manual)
    # DOWNSTREAM with no consumer: the seed's tables never refresh by themselves...
    silver_rows = manual.cursor().execute("SELECT COUNT(*) FROM movie_bookings_filtered").fetchone()[0]
    assert silver_rows == 0
    # ...only the seed's manual refresh brings them up to date.
    manual.cursor().execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    assert manual.cursor().execute("SELECT COUNT(*) FROM movie_bookings_filtered").fetchone()[0] == 9
    g = gold(manual)
    # An updated booking is three events: INSERT(BOOKED), DELETE(BOOKED), INSERT(CANCELLED).
    assert g.loc["M001", "total_bookings"] == 3 and g.loc["M003", "total_bookings"] == 3
    assert g["total_bookings"].sum() == 9
    assert g.loc["M001", "active_bookings"] == 2 and g.loc["M001", "cancelled_bookings"] == 1
    assert float(g.loc["M001", "cancellation_rate_percent"]) == pytest.approx(33.33)
    assert float(g.loc["M002", "cancellation_rate_percent"]) == 0
    assert Decimal(str(g.loc["M001", "total_active_revenue"])) == Decimal(
        "50.00"
    )  # the DELETE row counts too
    assert g["status_changes"].sum() == 0  # change_action = 'UPDATE' never matches
    assert g.loc["M001", "new_bookings"] == 2 and g.loc["M001", "deletions"] == 1
    # The dashboard's seed page computes the same gold from bronze.
    page = manual.cursor().execute(seed_gold_query()).fetch_pandas_all()
    page.columns = [c.lower() for c in page.columns]
    pd.testing.assert_frame_equal(page.set_index("movie_id"), g, check_dtype=False)


def test_corrected_pipeline_counts_bookings(manual: cdcsim.Connection) -> None:
    load_or_skip(manual, "pipeline.sql")
    run_seed_sequence(manual)
    manual.advance(minutes=1)  # refresh_insights_task has run after the second consume
    g = gold(manual)
    assert g["total_bookings"].sum() == 5
    assert g["cancelled_bookings"].sum() == 2
    assert 100 * g["cancelled_bookings"].sum() / g["total_bookings"].sum() == 40
    rates = g["cancellation_rate_percent"].astype(float).to_dict()
    assert rates == {"M001": 100.0, "M002": 0.0, "M003": 100.0, "M004": 0.0, "M005": 0.0}
    assert g["status_changes"].sum() == 2 and g["deletions"].sum() == 0
    assert float(g["total_lost_revenue"].sum()) == 50.0  # B001 2 x 12.50 + B003 1 x 25.00


def test_corrected_pipeline_drops_deleted_bookings(manual: cdcsim.Connection) -> None:
    load_or_skip(manual, "pipeline.sql")
    run_seed_sequence(manual)
    manual.cursor().execute("DELETE FROM raw_movie_bookings WHERE booking_id = 'B002'")
    manual.advance(minutes=2)
    g = gold(manual)
    assert g["total_bookings"].sum() == 4
    assert g.loc["M002", "total_bookings"] == 0 and g.loc["M002", "deletions"] == 1


def test_pipeline_sql_semantics_without_scheduler(manual: cdcsim.Connection) -> None:
    """Same sequence with the task body and the dynamic-table queries run by hand (core engine only)."""
    text = example("pipeline.sql")
    for stmt in ("raw_movie_bookings", "movie_bookings_stream", "movie_booking_cdc_events"):
        ddl = next(s for s in statements("pipeline.sql") if f" {stmt}" in s.split("(")[0])
        manual.cursor().execute(ddl)
    consume = task_body("pipeline.sql", "consume_stream_task")
    manual.execute_string(example("sample_data.sql"))
    manual.cursor().execute(consume)
    manual.clock.advance(pd.Timedelta(minutes=1).to_pytimedelta())
    manual.execute_string(example("sample_updates.sql"))
    manual.cursor().execute(consume)
    assert manual.cursor().execute("SELECT COUNT(*) FROM movie_bookings_stream").fetchone()[0] == 0
    silver = dynamic_table_query(text, "movie_bookings_filtered")
    query = (
        f"WITH movie_bookings_filtered AS ({silver}) {dynamic_table_query(text, 'movie_booking_insights')}"
    )
    g = manual.cursor().execute(query + " ORDER BY movie_id").fetch_pandas_all()
    g.columns = [c.lower() for c in g.columns]
    assert g["total_bookings"].sum() == 5 and g["cancelled_bookings"].sum() == 2
    assert g.set_index("movie_id")["cancellation_rate_percent"].astype(float).to_dict() == {
        "M001": 100.0,
        "M002": 0.0,
        "M003": 100.0,
        "M004": 0.0,
        "M005": 0.0,
    }


def test_seed_monitoring_queries_run(manual: cdcsim.Connection) -> None:
    load_or_skip(manual, "pipeline.sql")
    manual.execute_string(example("sample_data.sql"))
    manual.advance(minutes=2)
    results = {}
    for text in statements("monitoring.sql"):
        cur = manual.cursor().execute(text)
        results[" ".join(text.split())[:120]] = cur.fetchall()  # every query runs without error
    assert len(results) == len(statements("monitoring.sql"))
    history = next(v for k, v in results.items() if "TASK_HISTORY" in k)
    assert history and all(r[1] == "CONSUME_STREAM_TASK" for r in history)
    assert next(v for k, v in results.items() if k.startswith("SELECT COUNT(*) AS pending")) == [(0,)]
    assert len(next(v for k, v in results.items() if k.startswith("SELECT booking_id, status"))) == 5
