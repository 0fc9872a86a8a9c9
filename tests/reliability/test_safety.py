"""Safety of the dashboard against a real engine, and invalid bookings end to end.

* Nothing binds all interfaces by default (demo, dashboard, Streamlit config).
* The read-only SQL console: whatever statement the guard lets through leaves the database
  unchanged when the engine runs it (hypothesis builds statements from read and write fragments,
  comment and quote tricks); every write it is shown is refused with a message.
* Every data-access function of the dashboard gets hostile strings as user values: the database is
  unchanged by reads, the answers are right (nothing matches), and a booking written with a hostile
  id stores exactly that id.
* Invalid bookings: the booking console refuses what the application must refuse, each with a clear
  message; what the pipeline should flag (zero or negative tickets, missing customer, price zero)
  reaches silver with is_valid_booking = FALSE and lowers gold's data-quality score.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dbfingerprint import fingerprint, rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim
from cdcsim import demo
from dashboard import data as d
from dashboard.booking import validate_booking
from dashboard.sqlguard import ReadOnlyViolation, check_read_only

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "movie_bookings"
NOW = datetime(2026, 1, 5, 9, 0)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def con() -> Any:
    c = cdcsim.connect(clock=cdcsim.ManualClock(NOW))
    c.execute_string((EXAMPLES / "pipeline.sql").read_text())
    c.execute_string((EXAMPLES / "sample_data.sql").read_text())
    c.cursor().execute("EXECUTE TASK consume_stream_task")
    c.cursor().execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    yield c
    c.close()


# ---------------------------------------------------------------------------- binding
def test_nothing_binds_all_interfaces_by_default() -> None:
    assert demo.parse_args([]).address == "127.0.0.1"
    for path in list((ROOT / "dashboard").rglob("*.py")) + [ROOT / "cdcsim" / "demo.py", ROOT / "cdcsim" / "cli.py"]:
        assert "0.0.0.0" not in path.read_text(), f"{path} mentions 0.0.0.0"
    for cfg in (ROOT / ".streamlit" / "config.toml", ROOT / "dashboard" / ".streamlit" / "config.toml"):
        if cfg.exists():
            m = re.search(r'^\s*address\s*=\s*"([^"]*)"', cfg.read_text(), re.M)
            assert m is None or m.group(1) in ("127.0.0.1", "localhost"), cfg


def test_demo_serves_on_the_address_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    from streamlit.web import bootstrap

    monkeypatch.setattr(bootstrap, "load_config_options", lambda flag_options: seen.update(flag_options))
    monkeypatch.setattr(bootstrap, "run", lambda *a, **k: None)
    demo.serve(8599, demo.parse_args([]).address)
    assert seen["server_address"] == "127.0.0.1"


# ---------------------------------------------------------------------------- read-only console
READS = [
    "SELECT * FROM movie_bookings_filtered",
    "SELECT COUNT(*) FROM movie_bookings_stream",
    "WITH x AS (SELECT * FROM raw_movie_bookings) SELECT * FROM x",
    "SHOW TASKS",
    "SHOW DYNAMIC TABLES",
    "DESCRIBE TABLE raw_movie_bookings",
    "SELECT SYSTEM$STREAM_HAS_DATA('movie_bookings_stream')",
    "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())",
]
WRITES = [
    "DELETE FROM raw_movie_bookings",
    "INSERT INTO raw_movie_bookings (booking_id) VALUES ('X')",
    "UPDATE raw_movie_bookings SET status = 'X'",
    "DROP TABLE raw_movie_bookings",
    "TRUNCATE TABLE movie_booking_cdc_events",
    "CREATE TABLE t AS SELECT * FROM raw_movie_bookings",
    "CREATE OR REPLACE STREAM movie_bookings_stream ON TABLE raw_movie_bookings",
    "ALTER TASK consume_stream_task SUSPEND",
    "EXECUTE TASK consume_stream_task",
    "ALTER DYNAMIC TABLE movie_booking_insights REFRESH",
    "INSERT INTO movie_booking_cdc_events (booking_id) SELECT booking_id FROM movie_bookings_stream",
    "MERGE INTO raw_movie_bookings t USING raw_movie_bookings s ON t.booking_id = s.booking_id "
    "WHEN MATCHED THEN DELETE",
    "BEGIN",
    "COMMIT",
    "USE SCHEMA other",
    "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('consume_stream_task')",
    "SELECT 1 INTO t2",
    "SELECT * INTO bookings_copy FROM raw_movie_bookings",
]
GLUE = ["; ", ";\n", " -- c\n; ", " /* ; */ ; ", "\n;\n"]


@st.composite
def console_input(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["write", "read_then_write", "write_in_comment", "write_in_string", "cte"]))
    read, write = draw(st.sampled_from(READS)), draw(st.sampled_from(WRITES))
    if kind == "write":
        return write
    if kind == "read_then_write":
        return read + draw(st.sampled_from(GLUE)) + write
    if kind == "write_in_comment":
        return f"/* {write} */ {read} -- ; {write}"
    if kind == "write_in_string":
        return f"SELECT '{write.replace(chr(39), chr(39) * 2)}' AS text"
    return f"WITH w AS ({write}) SELECT * FROM w"


@SETTINGS
@given(sql=console_input())
def test_the_read_only_console_never_changes_the_database(con: cdcsim.Connection, sql: str) -> None:
    before = fingerprint(con)
    try:
        text = check_read_only(sql)
    except ReadOnlyViolation as e:
        assert str(e)
        return
    # The guard let it through: it must be a read, whatever the engine makes of it.
    try:
        con.cursor().execute(text).fetchall()
    except cdcsim.Error:
        pass
    assert fingerprint(con) == before, f"the read-only console let a write through: {sql!r}"


@pytest.mark.parametrize("sql", WRITES)
def test_every_write_is_refused_with_a_message(sql: str) -> None:
    with pytest.raises(ReadOnlyViolation, match=r"read-only|not allowed|One statement"):
        check_read_only(sql)


@pytest.mark.parametrize("template", [
    'SELECT * FROM "{p}"', "SELECT * FROM '{p}'", "SELECT * FROM read_csv_auto('{p}')",
    "SELECT * FROM read_text('{p}')", "SELECT * FROM read_blob('{p}')", "SELECT * FROM sniff_csv('{p}')",
])
def test_sql_cannot_read_the_machines_files(tmp_path: Path, template: str) -> None:
    """Snowflake SQL has no way to read local files; through DuckDB it had (a quoted path is a
    replacement scan), and the read-only console would have shown e.g. connections.toml."""
    secret = tmp_path / "secret.csv"
    secret.write_text("user,password\nbob,hunter2\n")
    con = cdcsim.connect()
    try:
        with pytest.raises(cdcsim.Error) as info:
            con.cursor().execute(template.format(p=secret)).fetchall()
        assert "hunter2" not in str(info.value)
    finally:
        con.close()


# ---------------------------------------------------------------------------- data access
HOSTILE = st.lists(
    st.one_of(st.sampled_from(["'", '"', "\\", ";", "--", "/*", "%s", "%(x)s", "?", "$$", "\x00", "OR 1=1",
                               "' OR '1'='1", "'); DROP TABLE raw_movie_bookings; --"]),
              st.characters(blacklist_categories=("Cs",))),
    min_size=1, max_size=8,
).map("".join)


@SETTINGS
@given(value=HOSTILE)
def test_hostile_values_through_every_read_of_the_data_layer(con: cdcsim.Connection, value: str) -> None:
    db = d.DataAccess(con, paramstyle="pyformat")
    before = fingerprint(con)
    assert db.booking_exists(value) is False
    traced = db.trace_booking(value)
    assert all(frame.empty for frame in traced.values())
    frame = db.bookings(d.Filters(NOW.date() - timedelta(days=3650), NOW.date(), status=value, movie_id=value))
    assert frame.empty
    frame = db.bookings(d.Filters(NOW.date() - timedelta(days=3650), NOW.date() + timedelta(days=3650),
                                  movie_id=value))
    assert frame.empty
    assert db.cancel_booking(value) == 0
    assert db.delete_booking(value) == 0
    assert fingerprint(con) == before


@SETTINGS
@given(value=HOSTILE.filter(lambda s: "\x00" not in s))
def test_a_booking_with_a_hostile_id_stores_exactly_that_id(con: cdcsim.Connection, value: str) -> None:
    db = d.DataAccess(con, paramstyle="pyformat")
    booking_id = "H-" + value
    n = rows(con, "SELECT count(*) FROM raw_movie_bookings")[0][0]
    assert db.create_booking(booking_id, value, value, NOW, 2, Decimal("12.50")) == 1
    assert rows(con, "SELECT count(*) FROM raw_movie_bookings")[0][0] == n + 1
    assert db.booking_exists(booking_id)
    got = db.trace_booking(booking_id)["source"]
    assert list(got["booking_id"]) == [booking_id] and list(got["customer_id"]) == [value]
    assert db.delete_booking(booking_id) == 1


FORMULA = st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), HOSTILE).map("".join)


@SETTINGS
@given(customer=FORMULA, movie=FORMULA)
def test_exported_csv_never_starts_a_cell_with_a_formula(con: cdcsim.Connection, customer: str, movie: str) -> None:
    """Values typed into the booking console (or written by any application) reach the export."""
    import csv
    import io

    from dashboard.export import FORMULA_PREFIXES, to_csv_bytes

    db = d.DataAccess(con, paramstyle="pyformat")
    booking_id = "F-" + str(abs(hash((customer, movie))))
    db.create_booking(booking_id, customer, movie, NOW, 1, Decimal("9.00"))
    try:
        con.cursor().execute("EXECUTE TASK consume_stream_task")
        con.cursor().execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
        frame = db.bookings(d.Filters(NOW.date(), NOW.date()))
        assert customer in set(frame["customer_id"])
        cells = [c for row in csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8"), newline="")) for c in row]
        assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)]
    finally:
        db.delete_booking(booking_id)


# ---------------------------------------------------------------------------- invalid bookings
GOOD = {"booking_id": "NEW1", "customer_id": "C1", "movie_id": "M001", "booking_date": NOW + timedelta(days=2),
        "ticket_count": 2, "ticket_price": Decimal("12.50")}
REFUSED = [
    ("ticket_count", 0, "at least 1"),
    ("ticket_count", -3, "at least 1"),
    ("ticket_count", 10_000, "venue hire"),
    ("ticket_count", "two", "whole number"),
    ("ticket_price", Decimal("0"), "positive"),
    ("ticket_price", Decimal("-5"), "positive"),
    ("ticket_price", Decimal("99999"), "typo"),
    ("ticket_price", "NaN", "number"),
    ("booking_id", "", "Booking id is required"),
    ("booking_id", None, "Booking id is required"),
    ("customer_id", "   ", "Customer id is required"),
    ("movie_id", "M1'; DROP TABLE x; --", "Movie id must be"),
    ("booking_date", NOW + timedelta(days=3000), "future"),
    ("booking_date", None, "date and time are required"),
]


@pytest.mark.parametrize(("field", "value", "message"), REFUSED)
def test_the_console_refuses_invalid_bookings_with_a_clear_message(field: str, value: Any, message: str) -> None:
    req, errors = validate_booking(**{**GOOD, field: value}, now=NOW)
    assert req is None
    assert any(message in e for e in errors), errors


def test_flagged_bookings_reach_silver_invalid_and_lower_the_quality_score() -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(NOW))
    try:
        con.execute_string((EXAMPLES / "pipeline.sql").read_text())
        cur = con.cursor()
        ins = ("INSERT INTO raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status, "
               "ticket_count, ticket_price) VALUES (%s, %s, %s, %s, 'BOOKED', %s, %s)")
        when = NOW - timedelta(hours=1)
        good = [("G1", "C1", "M001", when, 2, Decimal("12.00")), ("G2", "C2", "M001", when, 1, Decimal("8.00")),
                ("G3", "C3", "M001", when, 4, Decimal("25.00"))]
        # what a booking application without the console's checks (or the traffic generator) lets through
        bad = [("Z1", "C4", "M001", when, 0, Decimal("12.00")), ("Z2", None, "M001", when, 2, Decimal("12.00")),
               ("Z3", "C5", "M001", when, -2, Decimal("12.00")), ("Z4", "C6", "M001", when, 2, Decimal("0"))]
        for r in good + bad:
            cur.execute(ins, list(r))
        cur.execute("EXECUTE TASK consume_stream_task")
        cur.execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
        flags = dict(rows(con, "SELECT booking_id, is_valid_booking FROM movie_bookings_filtered"))
        assert flags == {"G1": True, "G2": True, "G3": True, "Z1": False, "Z2": False, "Z3": False, "Z4": False}
        gold = rows(con, "SELECT valid_bookings, invalid_bookings, data_quality_score FROM movie_booking_insights "
                         "WHERE movie_id = 'M001'")
        assert [(a, b, float(c)) for a, b, c in gold] == [(3, 4, 42.86)]  # 3 valid of 7
        silver = d.DataAccess(con, "pyformat").bookings(d.Filters(NOW.date() - timedelta(days=1), NOW.date()))
        assert d.data_quality_score(silver) == pytest.approx(42.86)
    finally:
        con.close()


def test_traffic_generator_invalid_rows_are_flagged_in_silver() -> None:
    from cdcsim.traffic import BookingGenerator, write_batch

    con = cdcsim.connect(clock=cdcsim.ManualClock(NOW))
    try:
        con.execute_string((EXAMPLES / "pipeline.sql").read_text())
        gen = BookingGenerator(5, invalid_rate=0.3, cancel_rate=0.0, delete_rate=0.0)
        batch = gen.batch(200, NOW)
        write_batch(con, batch)
        invalid = {r[0] for r in batch.inserts if r[1] is None or r[5] <= 0}
        assert invalid  # the generator made some
        con.cursor().execute("EXECUTE TASK consume_stream_task")
        con.cursor().execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
        flagged = {r[0] for r in rows(con, "SELECT booking_id FROM movie_bookings_filtered WHERE NOT is_valid_booking")}
        assert flagged == invalid
        total, valid = rows(con, "SELECT SUM(total_bookings), SUM(valid_bookings) FROM movie_booking_insights")[0]
        assert (total, valid) == (200, 200 - len(invalid))
    finally:
        con.close()
