"""Streamlit AppTest tests of every page, against the fake Snowflake backend (known data set)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fakes import LIVE, FakeSnowflakeConnection
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def money(x: float) -> str:
    return f"${x:,.2f}"


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe on the page that has all these columns (AppTest keeps no keys on them)."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no dataframe with columns {columns}")


def goto(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


def test_overview_kpis_equal_independent_numbers(fake: FakeSnowflakeConnection) -> None:
    at = app().run()
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Total Bookings"] == str(len(LIVE))
    assert m["Total Revenue"] == money(float(sum(b.total for b in LIVE)))
    assert m["Active Revenue"] == money(float(sum(b.total for b in LIVE if b.status == "BOOKED")))
    assert m["Lost Revenue"] == money(float(sum(b.total for b in LIVE if b.status == "CANCELLED")))
    # Gold panel: overall cancellation rate over bookings (3 of 9), not events.
    assert m["Cancellation rate"] == f"{100 * 3 / 9:.1f}%"
    perf = table(at, "movie_id", "title", "tickets").set_index("movie_id")
    assert perf.loc["M002", "bookings"] == 3 and perf.loc["M002", "title"] == "Stream of Consciousness"


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        ("status", "CANCELLED", [b for b in LIVE if b.status == "CANCELLED"]),
        ("movie", "M002", [b for b in LIVE if b.movie_id == "M002"]),
        ("date_range", (date(2025, 9, 1), date(2025, 9, 2)), [b for b in LIVE if b.booking_date.day <= 2]),
    ],
)
def test_each_filter_changes_the_kpis(
    fake: FakeSnowflakeConnection, widget: str, value: object, expected: list
) -> None:
    at = app().run()
    before = metrics(at)
    if widget == "date_range":
        at.sidebar.date_input(key=widget).set_value(value).run()
    else:
        at.sidebar.selectbox(key=widget).set_value(value).run()
    after = metrics(at)
    assert after["Total Bookings"] == str(len(expected)) != before["Total Bookings"]
    assert after["Total Revenue"] == money(float(sum(b.total for b in expected)))
    raw = table(at, "booking_id", "status_change_count")
    assert sorted(raw["booking_id"]) == sorted(b.booking_id for b in expected)


def test_csv_download_is_neutralised(fake: FakeSnowflakeConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    # The page hands st.download_button a callable (built on click); record what it serves.
    served: dict[str, Any] = {}
    real = DeltaGenerator.download_button

    def record(self: DeltaGenerator, label: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        served[label] = (data, kwargs.get("file_name"))
        return real(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    at = app().run()
    assert not at.exception, at.exception
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download Parquet"]
    data, name = served["Download CSV"]
    text = (data() if callable(data) else data).decode()
    assert re.fullmatch(r"movie_bookings_\d{8}_\d{6}\.csv", name)
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert ",=HYPERLINK" not in text and ",@SUM" not in text
    assert len(text.strip().splitlines()) == len(LIVE) + 1
    data, name = served["Download Parquet"]
    parquet = pd.read_parquet(io.BytesIO(data() if callable(data) else data))
    assert name.endswith(".parquet") and len(parquet) == len(LIVE)
    assert not parquet["customer_id"].dropna().str.startswith(("=", "@", "+", "-")).any()


def test_trends_page(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Trends")
    m = metrics(at)
    valid = [b for b in LIVE if b.customer_id and b.ticket_count > 0]
    assert m["Data quality score"] == f"{100 * len(valid) / len(LIVE):.1f}%"
    assert m["Invalid bookings"] == str(len(LIVE) - len(valid))
    assert m["Tickets"] == str(sum(b.ticket_count for b in LIVE))
    invalid = table(at, "booking_id", "is_valid_booking")
    assert sorted(invalid["booking_id"]) == sorted(b.booking_id for b in LIVE if b not in valid)


def test_pipeline_page_counts(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Pipeline")
    m = metrics(at)
    assert m["raw_movie_bookings"] == "9" and m["bronze events"] == "17" and m["gold bookings"] == "9"
    tasks = table(at, "name", "schedule")
    assert set(tasks["name"]) == {"CONSUME_STREAM_TASK", "REFRESH_INSIGHTS_TASK"}


def test_seed_vs_corrected_page(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Seed vs corrected")
    summary = table(at, "pipeline", "bookings").set_index("pipeline")
    assert summary.loc["Source table (truth)", "bookings"] == 9
    assert summary.loc["Corrected gold", "bookings"] == 9
    assert summary.loc["Seed gold", "bookings"] > 9  # events, not bookings
    assert summary.loc["Seed gold", "status_changes"] == 0


def test_sql_console_is_read_only(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "SQL console")
    at.text_area(key="sql_text").set_value("DELETE FROM raw_movie_bookings").run()
    at.button(key="sql_run").click().run()
    assert any("read-only" in e.value for e in at.error)
    assert fake.db.execute("select count(*) from raw_movie_bookings").fetchone()[0] == 9
    at.text_area(key="sql_text").set_value(
        "SELECT movie_id, total_bookings FROM movie_booking_insights"
    ).run()
    at.button(key="sql_run").click().run()
    assert len(table(at, "movie_id", "total_bookings")) == 5


def test_booking_console_refuses_bad_input(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Booking console")
    at.text_input(key="f_booking_id").set_value("W100")
    at.number_input(key="f_tickets").set_value(0)
    at.number_input(key="f_price").set_value(-4.0)
    at.get("form_submit_button")[0].click().run()
    errors = [e.value for e in at.error]
    assert any("Ticket count" in e for e in errors) and any("price" in e for e in errors)
    assert (
        fake.db.execute("select count(*) from raw_movie_bookings where booking_id = 'W100'").fetchone()[0]
        == 0
    )


def test_booking_console_writes_a_valid_booking(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Booking console")
    at.text_input(key="f_booking_id").set_value("W101")
    at.get("form_submit_button")[0].click().run()
    assert not at.error, [e.value for e in at.error]
    row = fake.db.execute(
        "select status, ticket_count from raw_movie_bookings where booking_id = 'W101'"
    ).fetchone()
    assert row == ("BOOKED", 2)
    # The tracker shows it at the source, not yet anywhere else (no task has run).
    m = metrics(at)
    assert m["1 · source table"] == "1 row" and m["3 · bronze change log"] == "0 rows"
    # Duplicate ids are refused.
    at.get("form_submit_button")[0].click().run()
    assert any("already exists" in e.value for e in at.error)


def test_booking_console_cancel_and_delete(fake: FakeSnowflakeConnection) -> None:
    at = goto(app().run(), "Booking console")
    at.text_input(key="f_booking_id").set_value("W102")
    at.get("form_submit_button")[0].click().run()
    assert at.text_input(key="change_id").value == "W102"  # ready for the next step
    at.button(key="cancel").click().run()
    assert fake.db.execute("select status from raw_movie_bookings where booking_id = 'W102'").fetchone() == (
        "CANCELLED",
    )
    at.button(key="cancel").click().run()
    assert any("No BOOKED booking W102" in e.value for e in at.error)
    at.button(key="delete").click().run()
    assert fake.db.execute(
        "select count(*) from raw_movie_bookings where booking_id = 'W102'"
    ).fetchone() == (0,)
    at.text_input(key="change_id").set_value("x'; drop table t; --").run()
    at.button(key="delete").click().run()
    assert any("Enter a booking id" in e.value for e in at.error)
