"""Concurrent readers see consistent snapshots while refreshes and traffic run.

The corrected pipeline runs live (sub-second task schedules, relaxed limits) on a file database
with booking traffic. Reader threads, as dashboard sessions are, query silver and gold
repeatedly:

* ``own`` readers have their own connection (``cdcsim.connect(path)`` shares the engine) and
  alternate between one statement that compares gold with the aggregate of silver and an
  explicit ``BEGIN ... COMMIT`` in which silver and gold are read by two separate statements;
* ``shared`` readers share one connection with a cursor per query, as the dashboard's sessions
  share its connection, and alternate that statement with the dashboard's own stage counts
  (silver's rows must equal gold's booking total) and gold table.

Every read must find gold's silver-derived columns equal to silver aggregated at the same moment
(a partial pipeline refresh would break that), and no reader may get any error ("connection is
busy" included).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from pipeline_checks import GOLD, PIPELINE, SILVER

import cdcsim
from cdcsim.traffic import BookingGenerator, TrafficRunner
from dashboard.data import DataAccess

DURATION_S = float(os.environ.get("CDCSIM_READERS_SECONDS", "15"))
OWN_READERS = 3
SHARED_READERS = 2

# Gold's columns that come from silver alone (deletions come from bronze, which moves on).
GOLD_FROM_SILVER = f"""SELECT movie_id, total_bookings, valid_bookings, invalid_bookings, total_active_revenue,
       total_lost_revenue, gross_revenue, active_bookings, cancelled_bookings, status_changes
FROM {GOLD} WHERE total_bookings > 0"""
SILVER_AGGREGATE = f"""SELECT movie_id, COUNT(*), COUNT(CASE WHEN is_valid_booking THEN 1 END),
       COUNT(CASE WHEN NOT is_valid_booking THEN 1 END), SUM(active_revenue), SUM(lost_revenue),
       SUM(total_amount), COUNT(CASE WHEN booking_status_category = 'ACTIVE' THEN 1 END),
       COUNT(CASE WHEN booking_status_category = 'INACTIVE' THEN 1 END), SUM(status_change_count)
FROM {SILVER} GROUP BY movie_id"""
ONE_STATEMENT = f"""SELECT
  (SELECT count(*) FROM (({GOLD_FROM_SILVER}) EXCEPT ALL ({SILVER_AGGREGATE}))) +
  (SELECT count(*) FROM (({SILVER_AGGREGATE}) EXCEPT ALL ({GOLD_FROM_SILVER}))) AS differences,
  (SELECT count(*) FROM {SILVER}) AS silver_rows"""


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reads = 0
        self.inconsistent: list[str] = []
        self.errors: list[str] = []
        self.silver_sizes: set[int] = set()

    def add(self, ok: bool, what: str, silver_rows: int) -> None:
        with self.lock:
            self.reads += 1
            self.silver_sizes.add(silver_rows)
            if not ok:
                self.inconsistent.append(what)


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(int(v) if isinstance(v, float) and v.is_integer() else v for v in r) for r in rows)


def own_reader(path: str, stop: threading.Event, stats: Stats, n: int) -> None:
    con = cdcsim.connect(path)
    try:
        cur = con.cursor()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 2:
                    diff, size = cur.execute(ONE_STATEMENT).fetchone()
                    stats.add(diff == 0, f"reader {n}: {diff} differing rows in one statement", size)
                else:
                    cur.execute("BEGIN")
                    silver = _normal(cur.execute(SILVER_AGGREGATE).fetchall())
                    time.sleep(0.01)  # let a refresh commit in between, if one is due
                    gold = _normal(cur.execute(GOLD_FROM_SILVER).fetchall())
                    size = cur.execute(f"SELECT count(*) FROM {SILVER}").fetchone()[0]
                    cur.execute("COMMIT")
                    stats.add(silver == gold, f"reader {n}: silver and gold differ inside a transaction", size)
            except Exception as e:  # noqa: BLE001 - every error is a failure of the test
                with stats.lock:
                    stats.errors.append(f"reader {n}: {type(e).__name__}: {e}")
                if con._session.in_txn:
                    con.rollback()
    finally:
        con.close()


def shared_reader(con: cdcsim.Connection, stop: threading.Event, stats: Stats, n: int) -> None:
    db = DataAccess(con, paramstyle="pyformat")
    i = 0
    while not stop.is_set():
        i += 1
        try:
            if i % 2:
                cur = con.cursor()  # a cursor per query on the shared connection
                diff, size = cur.execute(ONE_STATEMENT).fetchone()
                cur.close()
                stats.add(diff == 0, f"shared reader {n}: {diff} differing rows", size)
            else:
                # the dashboard's own pipeline page: one statement counts every stage
                counts = db.stage_counts()
                db.insights()
                stats.add(counts["silver_rows"] == counts["gold_bookings"],
                          f"shared reader {n}: stage counts {counts}", counts["silver_rows"])
        except Exception as e:  # noqa: BLE001
            with stats.lock:
                stats.errors.append(f"shared reader {n}: {type(e).__name__}: {e}")


def refreshes(con: cdcsim.Connection) -> int:
    return int(con.cursor().execute(
        "SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 10000)) "
        f"WHERE NAME = '{GOLD.upper()}' AND STATE = 'SUCCEEDED' AND REFRESH_ACTION <> 'NO_DATA'").fetchone()[0])


def test_readers_always_see_gold_agree_with_silver(tmp_path: Path) -> None:
    path = str(tmp_path / "readers.duckdb")
    con = cdcsim.connect(path, limits="relaxed")
    con.execute_string(PIPELINE.read_text())
    cur = con.cursor()
    for task in ("consume_stream_task", "refresh_insights_task"):
        cur.execute(f"ALTER TASK {task} SUSPEND")
        cur.execute(f"ALTER TASK {task} SET SCHEDULE = '0.25 SECONDS'")
        cur.execute(f"ALTER TASK {task} RESUME")
    traffic_con = cdcsim.connect(path)
    shared = cdcsim.connect(path)
    stats = Stats()
    stop = threading.Event()
    threads = [threading.Thread(target=own_reader, args=(path, stop, stats, n)) for n in range(OWN_READERS)]
    threads += [threading.Thread(target=shared_reader, args=(shared, stop, stats, n)) for n in range(SHARED_READERS)]
    traffic = TrafficRunner(traffic_con, BookingGenerator(3, cancel_rate=0.3, delete_rate=0.02,
                                                          cancel_after_minutes=(0.01, 0.1)),
                            rate=40.0, interval=0.1)
    con.start()
    traffic.start()
    before = refreshes(con)
    for t in threads:
        t.start()
    time.sleep(DURATION_S)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    traffic.stop()
    con.stop()
    during = refreshes(con) - before
    try:
        assert not any(t.is_alive() for t in threads)
        assert stats.errors == []
        assert stats.inconsistent == []
        assert traffic.written["errors"] == 0, traffic.last_error
        # The test saw the pipeline move: refreshes with data ran and readers saw silver grow.
        assert during >= 3
        assert len(stats.silver_sizes) >= 3
        assert stats.reads >= 50
        print(f"\nreaders: {OWN_READERS + SHARED_READERS} threads x {DURATION_S:g} s, {stats.reads} reads, "
              f"0 inconsistent; {during} gold refreshes with data and "
              f"{traffic.written['inserts']} bookings written meanwhile")
    finally:
        shared.close()
        traffic_con.close()
        con.close()
