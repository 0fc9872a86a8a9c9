"""AppTest against the real engine (ManualClock): the booking console's change reaches gold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import cdcsim
from cdcsim.sql.split import split_statements
from dashboard import connection

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
EXAMPLES = ROOT / "examples" / "movie_bookings"


@pytest.fixture
def engine() -> Iterator[cdcsim.Connection]:
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    for stmt in split_statements((EXAMPLES / "pipeline.sql").read_text()):
        con.cursor().execute(stmt.text)
    con.execute_string((EXAMPLES / "sample_data.sql").read_text())
    con.advance(minutes=2)
    connection.register(con, kind="cdcsim")
    yield con
    connection.clear()
    con.close()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_on_engine(engine: cdcsim.Connection) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Total Bookings"] == "5"
    assert m["Total Revenue"] == "$179.00"  # 2x12.50 + 4x10 + 1x25 + 3x15 + 2x22
    assert m["Bookings (gold)"] == "5"


def test_booking_console_change_reaches_gold(engine: cdcsim.Connection) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    # Paused: only this test moves time and reruns the page (no timed fragment reruns).
    at.sidebar.toggle(key="live").set_value(False).run()
    at.sidebar.radio(key="page").set_value("Booking console").run()
    at.text_input(key="f_booking_id").set_value("W200")
    at.text_input(key="f_movie_id").set_value("M002")
    at.get("form_submit_button")[0].click().run()
    assert not at.error, [e.value for e in at.error]
    m = metrics(at)
    assert m["1 · source table"] == "1 row" and m["2 · stream (pending)"] == "1 row"
    assert m["4 · silver (current state)"] == "0 rows"
    engine.advance(minutes=2)  # consume task, then the refresh task
    at.run()
    m = metrics(at)
    assert m["2 · stream (pending)"] == "0 rows" and m["3 · bronze change log"] == "1 row"
    assert m["4 · silver (current state)"] == "1 row"
    assert m["5 · gold (its movie)"] == "2 bookings"  # B002 and W200
    gold = (
        engine.cursor()
        .execute("SELECT total_bookings, active_bookings FROM movie_booking_insights WHERE movie_id = 'M002'")
        .fetchone()
    )
    assert gold == (2, 2)
    # Cancel it: the stream shows the DELETE + INSERT pair, then gold's cancellation rate moves.
    at.button(key="cancel").click().run()
    assert metrics(at)["2 · stream (pending)"] == "2 rows"
    # Workshop mode: the console's own button moves the ManualClock.
    at.button(key="advance").click().run()
    at.button(key="advance").click().run()
    assert metrics(at)["3 · bronze change log"] == "3 rows"
    rate = (
        engine.cursor()
        .execute("SELECT cancellation_rate_percent FROM movie_booking_insights WHERE movie_id = 'M002'")
        .fetchone()[0]
    )
    assert float(rate) == 50.0


def test_pipeline_page_on_engine(engine: cdcsim.Connection) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.toggle(key="live").set_value(False).run()
    at.sidebar.radio(key="page").set_value("Pipeline").run()
    assert not at.exception, at.exception
    m = metrics(at)
    assert (m["raw_movie_bookings"], m["stream pending"], m["bronze events"]) == ("5", "0", "5")
    assert (m["silver bookings"], m["gold bookings"]) == ("5", "5")
    frames = [df.value for df in at.dataframe]
    history = next(f for f in frames if {"name", "state", "scheduled_time"} <= set(f.columns))
    assert {"CONSUME_STREAM_TASK", "REFRESH_INSIGHTS_TASK"} <= set(history["name"])
    assert "SUCCEEDED" in set(history["state"])
    modes = next(f for f in frames if {"name", "refresh_mode", "target_lag"} <= set(f.columns))
    assert set(modes["target_lag"]) == {"DOWNSTREAM"}
    lag = next(f for f in frames if {"mean_lag_sec", "maximum_lag_sec"} <= set(f.columns)).set_index("name")
    assert len(lag) == 2 and set(lag["last_completed_refresh_state"]) == {"SUCCEEDED"}
    assert (lag["maximum_lag_sec"] >= lag["mean_lag_sec"]).all()
    refreshes = [f for f in frames if {"refresh_action", "refresh_trigger"} <= set(f.columns)]
    assert len(refreshes) == 2 and all(len(f) for f in refreshes)
    assert not at.warning  # both tables fresh: a task refreshes them every minute


def test_seed_page_on_engine(engine: cdcsim.Connection) -> None:
    engine.execute_string((EXAMPLES / "sample_updates.sql").read_text())
    engine.advance(minutes=2)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.toggle(key="live").set_value(False).run()
    at.sidebar.radio(key="page").set_value("Seed vs corrected").run()
    assert not at.exception, at.exception
    summary = next(df.value for df in at.dataframe if "pipeline" in df.value.columns).set_index("pipeline")
    assert summary.loc["Source table (truth)", "bookings"] == 5
    assert summary.loc["Corrected gold", "bookings"] == 5
    assert summary.loc["Corrected gold", "cancellation_rate_percent"] == 40.0
    assert summary.loc["Seed gold", "bookings"] == 9
    assert summary.loc["Seed gold", "cancellation_rate_percent"] == pytest.approx(22.22)


def test_every_page_renders_on_the_seed_pipeline() -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    con.execute_string((EXAMPLES / "seed.sql").read_text())
    con.execute_string((EXAMPLES / "sample_data.sql").read_text())
    con.advance(minutes=3)
    connection.register(con, kind="cdcsim")
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.sidebar.toggle(key="live").set_value(False).run()
        assert not at.exception, at.exception
        # The seed's flaw, visible: DOWNSTREAM tables with no consumer never refresh.
        warnings = " ".join(w.value for w in at.warning)
        assert "movie_bookings_filtered is stale" in warnings and "never refreshes" in warnings
        assert metrics(at)["Total Bookings"] == "0"  # silver still holds its creation-time contents
        for page in ("Trends", "Pipeline", "Booking console", "SQL console", "Seed vs corrected"):
            at.sidebar.radio(key="page").set_value(page).run()
            assert not at.exception, (page, at.exception)
    finally:
        connection.clear()
        con.close()


def test_console_run_task_and_refresh_buttons(engine: cdcsim.Connection) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.toggle(key="live").set_value(False).run()
    at.sidebar.radio(key="page").set_value("Booking console").run()
    at.text_input(key="f_booking_id").set_value("W300")
    at.text_input(key="f_movie_id").set_value("M777")
    at.get("form_submit_button")[0].click().run()
    at.button(key="run_task").click().run()  # EXECUTE TASK consume_stream_task
    at.run()
    m = metrics(at)
    assert (m["2 · stream (pending)"], m["3 · bronze change log"]) == ("0 rows", "1 row")
    assert m["4 · silver (current state)"] == "0 rows"
    at.button(key="refresh_gold").click().run()  # ALTER DYNAMIC TABLE movie_booking_insights REFRESH
    at.run()
    m = metrics(at)
    assert m["4 · silver (current state)"] == "1 row" and m["5 · gold (its movie)"] == "1 booking"
