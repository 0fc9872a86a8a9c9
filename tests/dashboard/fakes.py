"""A fake Snowflake DB-API connection for dashboard tests.

Shaped like snowflake.connector's (pyformat ``%s`` binds, UPPER-CASE column names in
``description``), backed by DuckDB through sqlglot. It holds a known data set: the source table,
its bronze change log, and silver/gold materialised from pipeline.sql's own dynamic-table
queries, so the dashboard can be tested without the engine. Every statement is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import sqlglot

from dashboard.data import dynamic_table_query

PIPELINE = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings" / "pipeline.sql"
T1 = datetime(2025, 9, 10, 9, 0)
T2 = T1 + timedelta(minutes=1)
NOW = T2 + timedelta(minutes=1, seconds=30)


@dataclass(frozen=True)
class Booking:
    booking_id: str
    customer_id: str | None
    movie_id: str
    booking_date: datetime
    status: str
    ticket_count: int
    ticket_price: Decimal
    deleted: bool = False  # inserted, then deleted in a later task window

    @property
    def total(self) -> Decimal:
        return self.ticket_count * self.ticket_price


def _b(
    i: str, c: str | None, m: str, day: int, hour: int, status: str, n: int, p: str, deleted: bool = False
) -> Booking:
    return Booking(i, c, m, datetime(2025, 9, day, hour, 15), status, n, Decimal(p), deleted)


BOOKINGS: list[Booking] = [
    _b("B001", "C001", "M001", 1, 10, "CANCELLED", 2, "12.50"),
    _b("B002", "C002", "M002", 1, 14, "BOOKED", 4, "10.00"),
    _b("B003", "C003", "M003", 2, 18, "CANCELLED", 1, "25.00"),
    _b("B004", "C004", "M004", 2, 20, "BOOKED", 3, "15.00"),
    _b("B005", "C005", "M005", 3, 11, "BOOKED", 2, "22.00"),
    _b("B006", '=HYPERLINK("http://x")', "M001", 5, 19, "BOOKED", 6, "8.00"),
    _b("B007", None, "M002", 5, 21, "BOOKED", 2, "14.50"),  # invalid: missing customer
    _b("B008", "C008", "M002", 8, 13, "BOOKED", 0, "14.50"),  # invalid: zero tickets
    _b("B009", "C009", "M003", 8, 22, "BOOKED", 1, "24.50", deleted=True),
    _b("B010", "@SUM(A1)", "M001", 9, 10, "CANCELLED", 5, "9.50"),
]
LIVE = [b for b in BOOKINGS if not b.deleted]

RAW_DDL = """
create table raw_movie_bookings (booking_id varchar, customer_id varchar, movie_id varchar,
  booking_date timestamp, status varchar, ticket_count int, ticket_price decimal(10,2),
  total_amount decimal(10,2) as (ticket_count * ticket_price),
  created_at timestamp default timestamp '2025-09-10 09:00', updated_at timestamp default timestamp '2025-09-10 09:00')
"""
BRONZE_DDL = """
create table movie_booking_cdc_events (booking_id varchar, customer_id varchar, movie_id varchar,
  booking_date timestamp, status varchar, ticket_count int, ticket_price decimal(10,2),
  total_amount decimal(10,2), created_at timestamp, updated_at timestamp, change_action varchar,
  is_update boolean, change_timestamp timestamp)
"""
STREAM_DDL = """
create table movie_bookings_stream as select *, 'INSERT' as "METADATA$ACTION",
  false as "METADATA$ISUPDATE" from raw_movie_bookings where false
"""


def _event(b: Booking, status: str, action: str, is_update: bool, at: datetime) -> list[Any]:
    return [
        b.booking_id,
        b.customer_id,
        b.movie_id,
        b.booking_date,
        status,
        b.ticket_count,
        b.ticket_price,
        b.ticket_count * b.ticket_price,
        T1,
        at,
        action,
        is_update,
        at,
    ]


class FakeCursor:
    def __init__(self, conn: FakeSnowflakeConnection):
        self.conn = conn
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: list[Any] | None = None) -> FakeCursor:
        self.conn.executed.append((sql, list(params) if params else None))
        upper = " ".join(sql.split()).upper()
        if upper.startswith("SHOW "):
            frame = self.conn.show.get(upper[5:].split(" LIKE")[0], pd.DataFrame())
            self._set(frame, lower=True)
            return self
        if "INFORMATION_SCHEMA." in upper or upper.startswith(("EXECUTE TASK", "ALTER ")):
            raise self.conn.unsupported(f"fake backend: {sql.split('(')[0][:60]}")
        if upper == "SELECT CURRENT_TIMESTAMP()":
            self._set(pd.DataFrame({"CURRENT_TIMESTAMP()": [self.conn.now]}))
            return self
        duck = sqlglot.transpile(sql.replace("%s", "?"), read="snowflake", write="duckdb")[0]
        res = self.conn.db.execute(duck, params or None)
        if upper.startswith(("INSERT", "UPDATE", "DELETE")):
            self.description, self._rows = None, []
            self.rowcount = int(res.fetchone()[0])
        elif res.description:
            self.description = [(c[0].upper(), None, None, None, None, None, None) for c in res.description]
            self._rows = res.fetchall()
            self.rowcount = len(self._rows)
        else:
            self.description, self._rows, self.rowcount = None, [], -1
        return self

    def _set(self, frame: pd.DataFrame, lower: bool = False) -> None:
        self.description = [
            ((c.lower() if lower else c), None, None, None, None, None, None) for c in frame.columns
        ]
        self._rows = list(frame.itertuples(index=False, name=None))
        self.rowcount = len(self._rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        pass


class FakeSnowflakeConnection:
    paramstyle = "pyformat"

    class unsupported(Exception):  # noqa: N801 - reads like an error class at the raise site
        pass

    def __init__(self) -> None:
        self.executed: list[tuple[str, list[Any] | None]] = []
        self.now = NOW
        self.db = duckdb.connect()
        self.db.execute(RAW_DDL)
        self.db.execute(BRONZE_DDL)
        self.db.execute(STREAM_DDL)
        for b in LIVE:
            self.db.execute(
                "insert into raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status,"
                " ticket_count, ticket_price) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    b.booking_id,
                    b.customer_id,
                    b.movie_id,
                    b.booking_date,
                    b.status,
                    b.ticket_count,
                    b.ticket_price,
                ],
            )
        for b in BOOKINGS:
            self.db.execute(
                "insert into movie_booking_cdc_events values (" + ",".join("?" * 13) + ")",
                _event(b, "BOOKED", "INSERT", False, T1),
            )
            if b.status == "CANCELLED":
                self.db.execute(
                    "insert into movie_booking_cdc_events values (" + ",".join("?" * 13) + ")",
                    _event(b, "BOOKED", "DELETE", True, T2),
                )
                self.db.execute(
                    "insert into movie_booking_cdc_events values (" + ",".join("?" * 13) + ")",
                    _event(b, "CANCELLED", "INSERT", True, T2),
                )
            if b.deleted:
                self.db.execute(
                    "insert into movie_booking_cdc_events values (" + ",".join("?" * 13) + ")",
                    _event(b, "BOOKED", "DELETE", False, T2),
                )
        text = PIPELINE.read_text()
        for name in ("movie_bookings_filtered", "movie_booking_insights"):
            q = sqlglot.transpile(dynamic_table_query(text, name), read="snowflake", write="duckdb")[0]
            self.db.execute(f"create table {name} as {q}")
        self.show = {
            "DYNAMIC TABLES": pd.DataFrame(
                {
                    "name": ["MOVIE_BOOKINGS_FILTERED", "MOVIE_BOOKING_INSIGHTS"],
                    "target_lag": ["DOWNSTREAM", "DOWNSTREAM"],
                    "refresh_mode": ["FULL", "FULL"],
                    "data_timestamp": [T2, T2],
                }
            ),
            "TASKS": pd.DataFrame(
                {
                    "name": ["CONSUME_STREAM_TASK", "REFRESH_INSIGHTS_TASK"],
                    "state": ["started", "started"],
                    "schedule": ["1 MINUTE", "1 MINUTE"],
                    "definition": [
                        "INSERT INTO movie_booking_cdc_events ...",
                        "ALTER DYNAMIC TABLE movie_booking_insights REFRESH",
                    ],
                }
            ),
        }

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def close(self) -> None:
        self.db.close()
