"""The dashboard's data-access layer: every query the app runs, as parameterised Snowflake SQL.

Works against any DB-API connection shaped like snowflake.connector's (cdcsim's or Snowflake's):
a cursor per query, bind parameters for every value that comes from a user (SQL text is built
only from fixed fragments chosen in code), result columns lower-cased so the app does not care
whether a backend returns ``TOTAL_BOOKINGS`` or ``total_bookings``.
The pure helpers below the class (KPIs, breakdowns, freshness) take DataFrames, so tests can
check them against numbers computed independently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from cdcsim.sql.split import split_statements

RAW = "raw_movie_bookings"
STREAM = "movie_bookings_stream"
BRONZE = "movie_booking_cdc_events"
SILVER = "movie_bookings_filtered"
GOLD = "movie_booking_insights"
CONSUME_TASK = "consume_stream_task"
REFRESH_TASK = "refresh_insights_task"
DYNAMIC_TABLES = (SILVER, GOLD)
SEED_SQL = Path(__file__).resolve().parents[1] / "examples" / "movie_bookings" / "seed.sql"


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    status: str | None = None  # None = all
    movie_id: str | None = None  # None = all


class DataAccess:
    def __init__(self, connection: Any, paramstyle: str = "pyformat"):
        self.con = connection
        self.paramstyle = paramstyle

    # -- plumbing ---------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        # All SQL here is written with %s; qmark backends get '?' instead.
        return sql.replace("%s", "?") if self.paramstyle == "qmark" else sql

    def query(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> pd.DataFrame:
        cur = self.con.cursor()
        try:
            cur.execute(self._sql(sql) if params else sql, list(params) if params else None)
            rows = cur.fetchall()
            cols = [d[0].lower() for d in (cur.description or [])]
        finally:
            cur.close()
        frame = pd.DataFrame.from_records(rows, columns=cols)
        for col in frame.columns:
            # NUMBER(p,s) arrives as Decimal; charts and sums want floats.
            if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, Decimal)).any():
                frame[col] = frame[col].map(lambda v: float(v) if v is not None else None).astype(float)
        return frame

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> int:
        cur = self.con.cursor()
        try:
            cur.execute(self._sql(sql) if params else sql, list(params) if params else None)
            return int(cur.rowcount or 0)
        finally:
            cur.close()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        frame = self.query(sql, params)
        return None if frame.empty else frame.iat[0, 0]

    # -- analytics --------------------------------------------------------------------------
    def bookings(self, filters: Filters) -> pd.DataFrame:
        """Silver rows in the filter, newest first."""
        sql = f"SELECT * FROM {SILVER} WHERE booking_date >= %s AND booking_date < %s"
        params: list[Any] = [
            datetime.combine(filters.start, datetime.min.time()),
            datetime.combine(filters.end + timedelta(days=1), datetime.min.time()),
        ]
        if filters.status:
            sql += " AND status = %s"
            params.append(filters.status)
        if filters.movie_id:
            sql += " AND movie_id = %s"
            params.append(filters.movie_id)
        return self.query(sql + " ORDER BY booking_date DESC, booking_id", params)

    def date_bounds(self) -> tuple[date, date] | None:
        frame = self.query(f"SELECT MIN(booking_date) AS lo, MAX(booking_date) AS hi FROM {SILVER}")
        if frame.empty or pd.isna(frame.iat[0, 0]):
            return None
        return pd.Timestamp(frame.iat[0, 0]).date(), pd.Timestamp(frame.iat[0, 1]).date()

    def movie_ids(self) -> list[str]:
        frame = self.query(
            f"SELECT DISTINCT movie_id FROM {SILVER} WHERE movie_id IS NOT NULL ORDER BY movie_id"
        )
        return [str(v) for v in frame.iloc[:, 0]] if not frame.empty else []

    def insights(self) -> pd.DataFrame:
        return self.query(f"SELECT * FROM {GOLD} ORDER BY movie_id")

    def now(self) -> datetime:
        return _naive(self.scalar("SELECT CURRENT_TIMESTAMP()"))

    # -- pipeline ---------------------------------------------------------------------------
    def stage_counts(self) -> dict[str, int]:
        """Rows at each stage: source, pending in the stream, bronze, silver, gold's booking total."""
        frame = self.query(
            f"SELECT (SELECT COUNT(*) FROM {RAW}) AS source_rows,"
            f" (SELECT COUNT(*) FROM {STREAM}) AS stream_pending,"
            f" (SELECT COUNT(*) FROM {BRONZE}) AS bronze_events,"
            f" (SELECT COUNT(*) FROM {SILVER}) AS silver_rows,"
            f" (SELECT COALESCE(SUM(total_bookings), 0) FROM {GOLD}) AS gold_bookings"
        )
        return {k: int(v) for k, v in frame.iloc[0].items()}

    def pending_changes(self) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {STREAM}") or 0)

    def show(self, what: str) -> pd.DataFrame:
        """SHOW TASKS / DYNAMIC TABLES / STREAMS (``what`` is chosen in code, never by a user)."""
        if what not in {"TASKS", "DYNAMIC TABLES", "STREAMS", "TABLES"}:
            raise ValueError(what)
        return self.query(f"SHOW {what}")

    def task_history(self, limit: int = 20) -> pd.DataFrame:
        return self.query(
            "SELECT name, state, scheduled_time, query_start_time, completed_time, error_message"
            f" FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => {int(limit)}))"
            " ORDER BY scheduled_time DESC"
        )

    def refresh_history(self, name: str, limit: int = 10) -> pd.DataFrame:
        if name not in DYNAMIC_TABLES:
            raise ValueError(name)
        return self.query(
            "SELECT name, state, refresh_action, refresh_trigger, data_timestamp,"
            " refresh_start_time, refresh_end_time"
            f" FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{name}'))"
            f" ORDER BY refresh_start_time DESC LIMIT {int(limit)}"
        )

    def lag_metrics(self) -> pd.DataFrame:
        """Each dynamic table's lag over the refreshes kept (INFORMATION_SCHEMA.DYNAMIC_TABLES())."""
        return self.query(
            "SELECT name, target_lag_sec, mean_lag_sec, maximum_lag_sec, time_within_target_lag_ratio,"
            " latest_data_timestamp, last_completed_refresh_state"
            " FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES()) ORDER BY name"
        )

    def run_consume_task(self) -> None:
        self.execute(f"EXECUTE TASK {CONSUME_TASK}")

    def refresh_gold(self) -> None:
        self.execute(f"ALTER DYNAMIC TABLE {GOLD} REFRESH")

    # -- booking console --------------------------------------------------------------------
    def booking_exists(self, booking_id: str) -> bool:
        return int(self.scalar(f"SELECT COUNT(*) FROM {RAW} WHERE booking_id = %s", [booking_id]) or 0) > 0

    def create_booking(
        self,
        booking_id: str,
        customer_id: str,
        movie_id: str,
        booking_date: datetime,
        ticket_count: int,
        ticket_price: Decimal | float,
    ) -> int:
        return self.execute(
            f"INSERT INTO {RAW} (booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price)"
            " VALUES (%s, %s, %s, %s, 'BOOKED', %s, %s)",
            [booking_id, customer_id, movie_id, booking_date, int(ticket_count), Decimal(str(ticket_price))],
        )

    def cancel_booking(self, booking_id: str) -> int:
        return self.execute(
            f"UPDATE {RAW} SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP()"
            " WHERE booking_id = %s AND status = 'BOOKED'",
            [booking_id],
        )

    def delete_booking(self, booking_id: str) -> int:
        return self.execute(f"DELETE FROM {RAW} WHERE booking_id = %s", [booking_id])

    def trace_booking(self, booking_id: str) -> dict[str, pd.DataFrame]:
        """Where one booking is now: source row, stream rows, bronze events, silver row, its movie's gold row."""
        p = [booking_id]
        out = {
            "source": self.query(f"SELECT * FROM {RAW} WHERE booking_id = %s", p),
            "stream": self.query(
                f"SELECT booking_id, status, METADATA$ACTION AS action, METADATA$ISUPDATE AS is_update"
                f" FROM {STREAM} WHERE booking_id = %s",
                p,
            ),
            "bronze": self.query(
                f"SELECT booking_id, status, change_action, is_update, change_timestamp FROM {BRONZE}"
                " WHERE booking_id = %s ORDER BY change_timestamp, change_action",
                p,
            ),
            "silver": self.query(
                f"SELECT booking_id, status, booking_status_category, is_valid_booking, total_amount FROM {SILVER}"
                " WHERE booking_id = %s",
                p,
            ),
        }
        out["gold"] = self.query(
            f"SELECT * FROM {GOLD} WHERE movie_id IN (SELECT movie_id FROM {RAW} WHERE booking_id = %s"
            f" UNION SELECT movie_id FROM {BRONZE} WHERE booking_id = %s)",
            [booking_id, booking_id],
        )
        return out

    # -- seed vs corrected ------------------------------------------------------------------
    def seed_insights(self) -> pd.DataFrame:
        """The seed pipeline's gold, computed from the same bronze log the corrected one reads."""
        return self.query(seed_gold_query())

    def truth(self) -> pd.DataFrame:
        """Per movie, straight from the source table: what the answer should be."""
        return self.query(
            "SELECT movie_id, COUNT(*) AS bookings,"
            " COUNT(CASE WHEN status = 'CANCELLED' THEN 1 END) AS cancelled,"
            " SUM(CASE WHEN status = 'BOOKED' THEN total_amount ELSE 0 END) AS active_revenue"
            f" FROM {RAW} WHERE booking_id IS NOT NULL GROUP BY movie_id ORDER BY movie_id"
        )


def dynamic_table_query(sql_text: str, name: str) -> str:
    """The SELECT of ``CREATE ... DYNAMIC TABLE <name> ... AS <select>`` in a script."""
    for stmt in split_statements(sql_text):
        if re.search(rf"\bDYNAMIC\s+TABLE\s+{re.escape(name)}\b", stmt.text, re.I) and re.match(
            r"\s*CREATE\b", stmt.text, re.I
        ):
            return re.split(r"\bAS\s*\n", stmt.text, maxsplit=1)[1].strip()
    raise LookupError(f"no dynamic table {name} in the script")


def seed_gold_query(seed_sql: str | None = None) -> str:
    """The seed's gold over its silver, both read from seed.sql so the page can't drift from it."""
    text = seed_sql if seed_sql is not None else SEED_SQL.read_text()
    silver = dynamic_table_query(text, SILVER)
    gold = dynamic_table_query(text, GOLD)
    # A CTE named like the silver table shadows it, so the seed's gold reads the seed's silver.
    return f"WITH {SILVER} AS (\n{silver}\n)\n{gold}\nORDER BY movie_id"


# -- pure helpers ---------------------------------------------------------------------------
def kpis(frame: pd.DataFrame) -> dict[str, float]:
    """The seed's four KPI cards over silver rows: bookings, total / active / lost revenue."""
    if frame.empty:
        return {"total_bookings": 0, "total_revenue": 0.0, "active_revenue": 0.0, "lost_revenue": 0.0}
    return {
        "total_bookings": int(len(frame)),
        "total_revenue": float(frame["total_amount"].fillna(0).sum()),
        "active_revenue": float(frame["active_revenue"].fillna(0).sum()),
        "lost_revenue": float(frame["lost_revenue"].fillna(0).sum()),
    }


def revenue_by_status(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["status", "revenue"])
    return (
        frame.groupby("status", dropna=False)["total_amount"]
        .sum()
        .reset_index(name="revenue")
        .sort_values("status")
    )


def status_distribution(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["status", "bookings"])
    return frame.groupby("status", dropna=False).size().reset_index(name="bookings").sort_values("status")


def movie_performance(frame: pd.DataFrame) -> pd.DataFrame:
    """Per movie: bookings, tickets, revenue, active / lost revenue, cancellation rate."""
    if frame.empty:
        return pd.DataFrame(
            columns=[
                "movie_id",
                "bookings",
                "tickets",
                "revenue",
                "active_revenue",
                "lost_revenue",
                "cancellation_rate_percent",
            ]
        )
    g = frame.groupby("movie_id")
    out = pd.DataFrame(
        {
            "bookings": g.size(),
            "tickets": g["ticket_count"].sum(),
            "revenue": g["total_amount"].sum(),
            "active_revenue": g["active_revenue"].sum(),
            "lost_revenue": g["lost_revenue"].sum(),
            "cancellation_rate_percent": g["status"].apply(
                lambda s: round(100.0 * (s == "CANCELLED").mean(), 2)
            ),
        }
    ).reset_index()
    return out.sort_values(["revenue", "movie_id"], ascending=[False, True]).reset_index(drop=True)


def counts_by(frame: pd.DataFrame, column: str, order: list[Any] | None = None) -> pd.DataFrame:
    """Bookings per value of ``column`` (with every value of ``order`` present, zero-filled)."""
    counts = frame[column].value_counts() if not frame.empty else pd.Series(dtype=int)
    if order is not None:
        counts = counts.reindex(order, fill_value=0)
    else:
        counts = counts.sort_index()
    return counts.rename_axis(column).reset_index(name="bookings")


def data_quality_score(frame: pd.DataFrame) -> float | None:
    if frame.empty:
        return None
    return round(100.0 * frame["is_valid_booking"].fillna(False).astype(bool).mean(), 2)


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$", re.I)
_UNITS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def interval_seconds(text: Any) -> float | None:
    """'1 MINUTE' / '10 seconds' / '2 hours' -> seconds; DOWNSTREAM, CRON, NULL -> None."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    m = _INTERVAL.match(str(text))
    if not m:
        return None
    unit = m.group(2).lower()
    unit = {"milliseconds": "millisecond"}.get(unit, unit)
    factor = _UNITS.get(unit) or _UNITS.get(unit.rstrip("s"))
    return float(m.group(1)) * factor if factor else None


@dataclass(frozen=True)
class Freshness:
    name: str
    target_lag: str
    data_timestamp: datetime | None
    lag_seconds: float | None
    target_seconds: float | None  # effective target (for DOWNSTREAM: the refresh task's schedule)
    stale: bool
    note: str


def freshness(dynamic_tables: pd.DataFrame, tasks: pd.DataFrame, now: datetime) -> list[Freshness]:
    """Lag of each dynamic table against its target, from SHOW DYNAMIC TABLES and SHOW TASKS.

    A DOWNSTREAM table's effective target is the schedule of a started task that refreshes it
    (or a table downstream of it); without one it never refreshes by itself, which is the warning.
    """
    refresher: float | None = None
    if not tasks.empty and {"definition", "schedule", "state"} <= set(tasks.columns):
        for _, t in tasks.iterrows():
            if (
                re.search(r"ALTER\s+DYNAMIC\s+TABLE", str(t["definition"]), re.I)
                and str(t["state"]).lower() == "started"
            ):
                secs = interval_seconds(t["schedule"])
                if secs is not None:
                    refresher = secs if refresher is None else min(refresher, secs)
    out: list[Freshness] = []
    for _, row in dynamic_tables.iterrows():
        target = str(row.get("target_lag", "") or "")
        ts = _naive(row.get("data_timestamp"))
        lag = (now - ts).total_seconds() if ts is not None else None
        if target.strip().upper() == "DOWNSTREAM":
            eff = refresher
            note = (
                f"DOWNSTREAM, kept fresh by a task every {_fmt_secs(eff)}"
                if eff
                else "DOWNSTREAM with no consumer: it never refreshes on its own"
            )
        else:
            eff = interval_seconds(target)
            note = f"target {target}"
        # Stale: well beyond the target (lag targets are best-effort, so allow twice the target
        # and at least 5 s of jitter), or never refreshing at all.
        stale = ts is None or eff is None or (lag is not None and lag > max(2 * eff, eff + 5))
        out.append(Freshness(str(row.get("name", "")).lower(), target, ts, lag, eff, stale, note))
    return out


def _fmt_secs(secs: float | None) -> str:
    if secs is None:
        return "-"
    return f"{secs:g} s" if secs < 120 else f"{secs / 60:g} min"


def _naive(value: Any) -> Any:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.to_pydatetime()
