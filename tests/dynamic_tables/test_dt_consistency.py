"""Snapshot consistency and atomicity of a pipeline run, SCHEDULER = DISABLE, and persistence."""

from __future__ import annotations

from pathlib import Path

import pytest
from dthelpers import START, history, q

import cdcsim
from cdcsim.dynamic_tables import refresh


def test_readers_never_see_a_half_applied_pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "db.duckdb")
    clock = cdcsim.ManualClock(START)
    writer = cdcsim.connect(path, clock=clock)
    reader = cdcsim.connect(path, clock=clock)  # same engine, its own DuckDB connection
    try:
        q(writer, "CREATE TABLE t (id INT, k INT)")
        q(writer, "INSERT INTO t VALUES (1, 0), (2, 1)")
        q(writer, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
        q(writer, "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh "
                  "AS SELECT k, count(*) AS n FROM silver GROUP BY k")
        seen: list[tuple] = []
        real = refresh.refresh_one

        def spy(s, reg, dt, initialize):  # noqa: ANN001, ANN202
            out = real(s, reg, dt, initialize)
            # mid-pipeline (silver applied, gold maybe not yet): what does another reader see?
            seen.append((dt.qname.name, q(reader, "SELECT count(*) FROM silver")[0][0],
                         q(reader, "SELECT sum(n) FROM gold")[0][0]))
            return out

        monkeypatch.setattr(refresh, "refresh_one", spy)
        q(writer, "INSERT INTO t VALUES (3, 0), (4, 0)")
        q(writer, "ALTER DYNAMIC TABLE gold REFRESH")
        assert seen == [("SILVER", 2, 2), ("GOLD", 2, 2)]  # the old snapshot until the run commits
        assert q(reader, "SELECT count(*) FROM silver") == [(4,)]
        assert q(reader, "SELECT sum(n) FROM gold") == [(4,)]
    finally:
        reader.close()
        writer.close()


def test_scheduler_disable_refreshes_only_that_table(con: cdcsim.Connection) -> None:
    q(con, "CREATE TABLE t (id INT)")
    q(con, "CREATE DYNAMIC TABLE a TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM t")
    q(con, "CREATE DYNAMIC TABLE b SCHEDULER = DISABLE WAREHOUSE = wh AS SELECT id FROM a")
    with pytest.raises(cdcsim.ProgrammingError):
        q(con, "CREATE DYNAMIC TABLE c SCHEDULER = DISABLE TARGET_LAG = '1 hour' WAREHOUSE = wh AS SELECT 1 AS x")
    q(con, "INSERT INTO t VALUES (1)")
    q(con, "ALTER DYNAMIC TABLE b REFRESH")
    assert q(con, "SELECT * FROM b") == []  # a was not refreshed
    q(con, "ALTER DYNAMIC TABLE a REFRESH")
    q(con, "ALTER DYNAMIC TABLE b REFRESH")
    assert q(con, "SELECT * FROM b") == [(1,)]
    con.advance(days=1)
    assert [h["REFRESH_TRIGGER"] for h in history(con, "b")] == ["CREATION", "MANUAL", "MANUAL"]


def test_dynamic_tables_survive_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "db.duckdb")
    con = cdcsim.connect(path, clock=cdcsim.ManualClock(START))
    q(con, "CREATE TABLE t (id INT, k INT)")
    q(con, "INSERT INTO t VALUES (1, 0), (2, 1)")
    q(con, "CREATE DYNAMIC TABLE g TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT k, count(*) AS n FROM t GROUP BY k")
    q(con, "INSERT INTO t VALUES (3, 1)")
    con.close()
    con = cdcsim.connect(path, clock=cdcsim.ManualClock(START))
    try:
        assert q(con, "SELECT * FROM g ORDER BY k") == [(0, 1), (1, 1)]
        assert [(r[1], r[20]) for r in q(con, "SHOW TABLES")] == [("G", "Y"), ("T", "N")]  # is_dynamic
        con.advance(minutes=1)
        assert q(con, "SELECT * FROM g ORDER BY k") == [(0, 1), (1, 2)]
        assert [h["REFRESH_ACTION"] for h in history(con, "g")] == ["INCREMENTAL", "INCREMENTAL"]
        with pytest.raises(cdcsim.ProgrammingError):
            q(con, "DELETE FROM g")
    finally:
        con.close()


def test_real_time_scheduler_refreshes() -> None:
    import time

    con = cdcsim.connect(limits="relaxed")  # wall clock, background scheduler
    try:
        q(con, "CREATE TABLE t (id INT)")
        q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 second' WAREHOUSE = wh AS SELECT count(*) AS n FROM t")
        con.start()
        q(con, "INSERT INTO t VALUES (1), (2)")
        deadline = time.monotonic() + 15
        while q(con, "SELECT n FROM d") != [(2,)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert q(con, "SELECT n FROM d") == [(2,)]
        assert history(con, "d")[-1]["REFRESH_TRIGGER"] == "SCHEDULED"
    finally:
        con.close()


def test_a_refresh_that_reads_many_rows_compacts_the_logs_it_read(con: cdcsim.Connection) -> None:
    """An aggregate over a bulk load writes a handful of rows but reads many: it releases the log
    rows it read at once, instead of leaving the deletion to some later small refresh. A few small
    refreshes after it keep their rows until the regular compaction."""
    from cdcsim.changes import COMPACT_EVERY, COMPACT_ROWS

    q(con, "CREATE TABLE t (id INT, k INT)")
    q(con, "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id, k FROM t")
    q(con, "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh "
           "AS SELECT k, count(*) AS n FROM silver GROUP BY k")
    tracked = con._engine.catalog.tracked
    duck = con._session.duck

    def log_rows(name: str) -> int:
        return duck.execute(f'SELECT count(*) FROM _cdcsim."log_{tracked[name]}"').fetchone()[0]

    big = COMPACT_ROWS + 1
    q(con, f"INSERT INTO t SELECT range, range % 3 FROM range({big})")
    q(con, "ALTER DYNAMIC TABLE gold REFRESH")
    assert q(con, "SELECT k, n FROM gold ORDER BY k") == [(k, len(range(k, big, 3))) for k in range(3)]
    assert (log_rows("CDCSIM.PUBLIC.T"), log_rows("CDCSIM.PUBLIC.SILVER")) == (0, 0)
    for i in range(1, COMPACT_EVERY):  # small refreshes leave their rows for the regular compaction
        q(con, f"INSERT INTO t VALUES ({big + i}, 0)")
        q(con, "ALTER DYNAMIC TABLE gold REFRESH")
        assert log_rows("CDCSIM.PUBLIC.SILVER") == i
    assert q(con, "SELECT sum(n) FROM gold") == [(big + COMPACT_EVERY - 1,)]
