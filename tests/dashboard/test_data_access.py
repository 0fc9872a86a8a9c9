"""The data-access layer against a fake Snowflake connection: numbers, filters, bind parameters."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from fakes import BOOKINGS, LIVE, NOW, FakeSnowflakeConnection

from dashboard import data as d

ALL = d.Filters(date(2025, 9, 1), date(2025, 9, 30))


def test_kpis_equal_independent_sums(fake: FakeSnowflakeConnection) -> None:
    db = d.DataAccess(fake)
    k = d.kpis(db.bookings(ALL))
    assert k["total_bookings"] == len(LIVE)
    assert k["total_revenue"] == pytest.approx(float(sum(b.total for b in LIVE)))
    assert k["active_revenue"] == pytest.approx(float(sum(b.total for b in LIVE if b.status == "BOOKED")))
    assert k["lost_revenue"] == pytest.approx(float(sum(b.total for b in LIVE if b.status == "CANCELLED")))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (d.Filters(date(2025, 9, 1), date(2025, 9, 2)), {"B001", "B002", "B003", "B004"}),
        (d.Filters(date(2025, 9, 9), date(2025, 9, 9)), {"B010"}),
        (d.Filters(date(2025, 9, 1), date(2025, 9, 30), status="CANCELLED"), {"B001", "B003", "B010"}),
        (d.Filters(date(2025, 9, 1), date(2025, 9, 30), movie_id="M002"), {"B002", "B007", "B008"}),
        (d.Filters(date(2025, 9, 1), date(2025, 9, 30), "BOOKED", "M001"), {"B006"}),
    ],
)
def test_filters_select_the_right_bookings(
    fake: FakeSnowflakeConnection, filters: d.Filters, expected: set
) -> None:
    assert set(d.DataAccess(fake).bookings(filters)["booking_id"]) == expected


def test_user_values_travel_as_binds_never_in_sql_text(fake: FakeSnowflakeConnection) -> None:
    db = d.DataAccess(fake)
    hostile = "M001' OR '1'='1"
    assert db.bookings(d.Filters(date(2025, 9, 1), date(2025, 9, 30), movie_id=hostile)).empty
    assert db.trace_booking("B001'; DROP TABLE raw_movie_bookings; --")["source"].empty
    assert db.cancel_booking("B002' OR 'x'='x") == 0
    for sql, _ in fake.executed:
        assert "OR '1'='1" not in sql and "DROP TABLE" not in sql and "'x'='x" not in sql
    assert any(params and hostile in params for _, params in fake.executed)
    assert (
        fake.db.execute("select count(*) from raw_movie_bookings where status = 'BOOKED'").fetchone()[0] == 6
    )


def test_columns_are_lower_case_and_numbers_are_floats(fake: FakeSnowflakeConnection) -> None:
    gold = d.DataAccess(fake).insights()
    assert "total_active_revenue" in gold.columns
    assert pd.api.types.is_float_dtype(gold["total_active_revenue"])


def test_gold_from_corrected_pipeline_counts_bookings(fake: FakeSnowflakeConnection) -> None:
    gold = d.DataAccess(fake).insights().set_index("movie_id")
    for movie in sorted({b.movie_id for b in BOOKINGS}):
        live = [b for b in LIVE if b.movie_id == movie]
        row = gold.loc[movie]
        assert row["total_bookings"] == len(live)
        assert row["cancelled_bookings"] == sum(b.status == "CANCELLED" for b in live)
        assert row["deletions"] == sum(b.deleted for b in BOOKINGS if b.movie_id == movie)
        valid = [b for b in live if b.customer_id and b.ticket_count > 0]
        assert row["data_quality_score"] == pytest.approx(round(100 * len(valid) / len(live), 2))


def test_seed_gold_counts_events(fake: FakeSnowflakeConnection) -> None:
    seed = d.DataAccess(fake).seed_insights().set_index("movie_id")
    # M001: B001 (cancelled: 3 events), B006 (1), B010 (cancelled, 3) = 7 events; never 'UPDATE'.
    assert seed.loc["M001", "total_bookings"] == 7
    assert seed["status_changes"].sum() == 0
    assert seed.loc["M001", "deletions"] == 2  # the DELETE halves of two updates


def test_movie_performance_and_breakdowns(fake: FakeSnowflakeConnection) -> None:
    frame = d.DataAccess(fake).bookings(ALL)
    perf = d.movie_performance(frame).set_index("movie_id")
    assert perf.loc["M001", "bookings"] == 3
    assert perf.loc["M001", "tickets"] == 2 + 6 + 5
    assert perf.loc["M001", "cancellation_rate_percent"] == pytest.approx(66.67)
    hours = d.counts_by(frame, "booking_hour", list(range(24)))
    assert len(hours) == 24 and hours["bookings"].sum() == len(LIVE)
    assert hours.set_index("booking_hour").loc[10, "bookings"] == 2
    assert d.data_quality_score(frame) == pytest.approx(round(100 * 7 / 9, 2))


def test_stage_counts(fake: FakeSnowflakeConnection) -> None:
    counts = d.DataAccess(fake).stage_counts()
    assert counts == {
        "source_rows": 9,
        "stream_pending": 0,
        "bronze_events": 17,
        "silver_rows": 9,
        "gold_bookings": 9,
    }


def test_freshness_downstream_uses_refresh_task() -> None:
    dts = pd.DataFrame(
        {"name": ["GOLD"], "target_lag": ["DOWNSTREAM"], "data_timestamp": [datetime(2025, 9, 10, 9, 0)]}
    )
    tasks = pd.DataFrame(
        {
            "name": ["R"],
            "state": ["started"],
            "schedule": ["1 MINUTE"],
            "definition": ["ALTER DYNAMIC TABLE gold REFRESH"],
        }
    )
    fresh = d.freshness(dts, tasks, datetime(2025, 9, 10, 9, 1, 30))[0]
    assert (fresh.lag_seconds, fresh.target_seconds, fresh.stale) == (90, 60, False)
    assert d.freshness(dts, tasks, datetime(2025, 9, 10, 9, 5))[0].stale
    # No task refreshes it: a DOWNSTREAM table with no consumer never refreshes -> stale.
    lonely = d.freshness(dts, tasks.assign(state="suspended"), datetime(2025, 9, 10, 9, 0, 1))[0]
    assert lonely.stale and "never refreshes" in lonely.note


@pytest.mark.parametrize(
    ("text", "secs"),
    [
        ("1 MINUTE", 60),
        ("10 seconds", 10),
        ("2 hours", 7200),
        ("500 milliseconds", 0.5),
        ("DOWNSTREAM", None),
        (None, None),
        ("USING CRON 0 9 * * * UTC", None),
        ("1 minutes", 60),
    ],
)
def test_interval_seconds(text: str | None, secs: float | None) -> None:
    assert d.interval_seconds(text) == secs


def test_now_comes_from_the_backend(fake: FakeSnowflakeConnection) -> None:
    assert d.DataAccess(fake).now() == NOW


def test_booking_writes_through_binds(fake: FakeSnowflakeConnection) -> None:
    db = d.DataAccess(fake)
    assert db.create_booking("W1", "C1", "M004", datetime(2025, 9, 20, 18), 3, 11.5) == 1
    assert db.booking_exists("W1")
    assert db.cancel_booking("W1") == 1
    assert db.cancel_booking("W1") == 0  # already cancelled
    assert db.delete_booking("W1") == 1 and not db.booking_exists("W1")
    sql, params = next(e for e in fake.executed if e[0].startswith("INSERT"))
    assert "W1" not in sql and params[0] == "W1"


def test_qmark_backends_get_question_marks() -> None:
    seen: list[str] = []

    class Cur:
        description = [("X",)]
        rowcount = 1

        def execute(self, sql: str, params: list | None = None) -> None:
            seen.append(sql)

        def fetchall(self) -> list:
            return [(1,)]

        def close(self) -> None:
            pass

    class Con:
        def cursor(self) -> Cur:
            return Cur()

    d.DataAccess(Con(), paramstyle="qmark").booking_exists("B1")
    assert seen and "?" in seen[0] and "%s" not in seen[0]
