"""Unit tests: export formula neutralisation, the SQL console's read-only guard, booking validation."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.booking import validate_booking
from dashboard.export import (
    FORMULA_PREFIXES,
    export_file_name,
    neutralise,
    neutralise_cell,
    to_csv_bytes,
    to_parquet_bytes,
)
from dashboard.sqlguard import ReadOnlyViolation, check_read_only, writes_enabled

NOW = datetime(2025, 9, 3, 12, 0)


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise_cell(text)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out == text or out == "'" + text


@pytest.mark.parametrize("bad", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://e")'])
def test_formula_cells_get_a_quote(bad: str) -> None:
    assert neutralise_cell(bad) == "'" + bad


def test_csv_and_parquet_are_neutralised_numbers_untouched() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["=cmd|' /C calc'!A0", "C1", None],
            "amount": [-5.0, 3.0, 1.0],
            "=col": ["a", "b", "c"],
        }
    )
    csv = to_csv_bytes(frame).decode()
    assert "'=cmd" in csv and ",-5.0," in csv and "'=col" in csv.splitlines()[0]
    back = pd.read_parquet(io.BytesIO(to_parquet_bytes(frame)))
    assert back["customer_id"].tolist()[:2] == ["'=cmd|' /C calc'!A0", "C1"]
    assert back["amount"].tolist() == [-5.0, 3.0, 1.0]
    assert neutralise(frame)["customer_id"].isna().tolist() == [False, False, True]


def test_export_file_name_is_timestamped() -> None:
    assert (
        export_file_name("movie_bookings", "csv", datetime(2025, 9, 3, 7, 5, 9))
        == "movie_bookings_20250903_070509.csv"
    )


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM movie_booking_insights",
        "show tasks",
        "SHOW DYNAMIC TABLES LIKE 'movie%'",
        "describe table raw_movie_bookings",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) ORDER BY SCHEDULED_TIME DESC",
        "-- comment\nSELECT COUNT(*) FROM movie_bookings_stream;",
        "SELECT SYSTEM$STREAM_HAS_DATA('movie_bookings_stream')",
    ],
)
def test_read_only_allows_queries(sql: str) -> None:
    assert check_read_only(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO raw_movie_bookings (booking_id) VALUES ('x')",
        "update raw_movie_bookings set status = 'CANCELLED'",
        "DELETE FROM raw_movie_bookings",
        "drop table raw_movie_bookings",
        "CREATE TABLE t AS SELECT 1",
        "ALTER TASK consume_stream_task SUSPEND",
        "EXECUTE TASK consume_stream_task",
        "SELECT 1; DELETE FROM raw_movie_bookings",
        "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE",
        "TRUNCATE TABLE raw_movie_bookings",
        "SELECT SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('consume_stream_task')",
        "CALL p()",
        "BEGIN",
        "",
        "  -- only a comment",
    ],
)
def test_read_only_refuses_everything_else(sql: str) -> None:
    with pytest.raises(ReadOnlyViolation):
        check_read_only(sql)


def test_writes_need_flag_or_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CDCSIM_SQL_CONSOLE_WRITE", raising=False)
    assert not writes_enabled()
    assert writes_enabled(True)
    monkeypatch.setenv("CDCSIM_SQL_CONSOLE_WRITE", "1")
    assert writes_enabled()
    monkeypatch.setenv("CDCSIM_SQL_CONSOLE_WRITE", "0")
    assert not writes_enabled()


def test_valid_booking_accepted() -> None:
    req, errors = validate_booking("W1", "C1", "M001", NOW, 2, 12.5, now=NOW)
    assert errors == [] and req is not None and str(req.ticket_price) == "12.50"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ticket_count", 0, "at least 1"),
        ("ticket_count", -3, "at least 1"),
        ("ticket_count", 2.5, "whole number"),
        ("ticket_count", 500, "above 50"),
        ("ticket_price", 0, "positive"),
        ("ticket_price", -1, "positive"),
        ("ticket_price", 99999, "typo"),
        ("ticket_price", "abc", "number"),
        ("ticket_price", float("nan"), "number"),
        ("booking_id", "", "required"),
        ("customer_id", None, "required"),
        ("movie_id", "M1' OR 1=1", "letters"),
        ("booking_date", NOW + timedelta(days=400), "future"),
        ("booking_date", datetime(1990, 1, 1), "before"),
        ("booking_date", None, "required"),
    ],
)
def test_invalid_bookings_refused(field: str, value: object, message: str) -> None:
    args = {
        "booking_id": "W1",
        "customer_id": "C1",
        "movie_id": "M001",
        "booking_date": NOW,
        "ticket_count": 2,
        "ticket_price": 12.5,
    }
    args[field] = value
    req, errors = validate_booking(**args, now=NOW)
    assert req is None and any(message in e for e in errors), errors
