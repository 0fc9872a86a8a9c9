"""Checks of the movie pipeline's invariants on a live database, shared by the reliability tests.

* ``replay_bronze``: rebuild each booking's state from bronze's change events, window by window
  (one consume-task run = one change_timestamp). A DELETE must remove exactly the row that is
  there; an INSERT must add a booking that is not there. A lost or duplicated change breaks one
  of the two rules or leaves a different final state.
* ``silver_matches_query`` / ``gold_matches_query``: the dynamic tables equal their defining
  queries recomputed now (EXCEPT ALL both ways, so duplicates count).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cdcsim
from dashboard.data import dynamic_table_query

PIPELINE = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings" / "pipeline.sql"
RAW = "raw_movie_bookings"
STREAM = "movie_bookings_stream"
BRONZE = "movie_booking_cdc_events"
SILVER = "movie_bookings_filtered"
GOLD = "movie_booking_insights"
VALUE_COLUMNS = ("customer_id", "movie_id", "booking_date", "status", "ticket_count", "ticket_price",
                 "total_amount", "created_at", "updated_at")
_COLS = ", ".join(VALUE_COLUMNS)

Row = tuple[Any, ...]


class ReplayError(AssertionError):
    pass


def rows(con: cdcsim.Connection, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def source_state(con: cdcsim.Connection) -> dict[str, Row]:
    return {r[0]: tuple(r[1:]) for r in rows(con, f"SELECT booking_id, {_COLS} FROM {RAW}")}


def _apply_window(state: dict[str, Row], events: list[tuple[str, str, Row]], where: str) -> None:
    for booking, action, values in events:
        if action == "DELETE":
            have = state.get(booking)
            if have is None:
                raise ReplayError(f"{where}: DELETE of booking {booking} that is not there (duplicated change?)")
            if have != values:
                raise ReplayError(f"{where}: DELETE of booking {booking} with values {values}, "
                                  f"but its state is {have} (a change was lost)")
            del state[booking]
    for booking, action, values in events:
        if action == "INSERT":
            if booking in state:
                raise ReplayError(f"{where}: INSERT of booking {booking} that is already there (duplicated change)")
            state[booking] = values


def replay_bronze(con: cdcsim.Connection, with_stream: bool = False) -> dict[str, Row]:
    """Bookings as bronze's events say they are (plus the stream's pending delta if asked)."""
    state: dict[str, Row] = {}
    window: list[tuple[str, str, Row]] = []
    current = None
    for r in rows(con, f"SELECT change_timestamp, booking_id, change_action, {_COLS} FROM {BRONZE} "
                       "ORDER BY change_timestamp"):
        if r[0] != current and window:
            _apply_window(state, window, f"bronze window {current}")
            window = []
        current = r[0]
        window.append((r[1], r[2], tuple(r[3:])))
    if window:
        _apply_window(state, window, f"bronze window {current}")
    if with_stream:
        pending = [(r[0], r[1], tuple(r[2:])) for r in
                   rows(con, f'SELECT booking_id, "METADATA$ACTION", {_COLS} FROM {STREAM}')]
        _apply_window(state, pending, "stream")
    return state


def first_difference(got: dict[str, Row], want: dict[str, Row]) -> str:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    differ = sorted(k for k in set(got) & set(want) if got[k] != want[k])
    parts = []
    if missing:
        parts.append(f"{len(missing)} missing (e.g. {missing[0]}: {want[missing[0]]})")
    if extra:
        parts.append(f"{len(extra)} extra (e.g. {extra[0]}: {got[extra[0]]})")
    if differ:
        k = differ[0]
        parts.append(f"{len(differ)} differ (e.g. {k}: got {got[k]}, want {want[k]})")
    return "; ".join(parts) or "equal"


def query_of(name: str) -> str:
    return dynamic_table_query(PIPELINE.read_text(), name)


def table_equals_query(con: cdcsim.Connection, table: str, query: str) -> tuple[int, int]:
    """(rows only in the table, rows only in the query) — both 0 when they are equal as multisets."""
    extra = rows(con, f"SELECT count(*) FROM (SELECT * FROM {table} EXCEPT ALL SELECT * FROM ({query}))")[0][0]
    missing = rows(con, f"SELECT count(*) FROM (SELECT * FROM ({query}) EXCEPT ALL SELECT * FROM {table})")[0][0]
    return int(extra), int(missing)


def duplicate_new_bookings(con: cdcsim.Connection) -> int:
    """Bookings whose creation (an INSERT that is not half of an update) reached bronze twice."""
    return int(rows(con, f"SELECT count(*) FROM (SELECT booking_id FROM {BRONZE} "
                         "WHERE change_action = 'INSERT' AND NOT is_update GROUP BY booking_id "
                         "HAVING count(*) > 1)")[0][0])


def executing_runs(con: cdcsim.Connection) -> int:
    tasks = rows(con, "SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 10000)) "
                      "WHERE STATE = 'EXECUTING'")[0][0]
    refreshes = rows(con, "SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
                          "RESULT_LIMIT => 10000)) WHERE STATE NOT IN "
                          "('SUCCEEDED', 'FAILED', 'UPSTREAM_FAILED', 'CANCELLED', 'SKIPPED')")[0][0]
    return int(tasks) + int(refreshes)


def failed_runs(con: cdcsim.Connection) -> list[tuple[Any, ...]]:
    t = rows(con, "SELECT NAME, STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
                  "RESULT_LIMIT => 10000)) WHERE STATE = 'FAILED'")
    r = rows(con, "SELECT NAME, STATE, STATE_MESSAGE FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
                  "RESULT_LIMIT => 10000)) WHERE STATE IN ('FAILED', 'UPSTREAM_FAILED')")
    return t + r
