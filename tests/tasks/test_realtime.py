"""Real time: the background scheduler runs a short relaxed schedule and stops cleanly.

No wall-clock assertions beyond generous waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from taskdb import DB

import cdcsim
from cdcsim import scheduler as scheduler_module


def wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def start_ticking(con: cdcsim.Connection, db: DB) -> None:
    """A task inserting a row into ``ticks`` every 50 ms, under the running background scheduler."""
    db.x("CREATE TABLE ticks (ts TIMESTAMP)")
    db.x("CREATE TASK tick SCHEDULE = '0.05 SECONDS' AS INSERT INTO ticks SELECT CURRENT_TIMESTAMP()")
    db.x("ALTER TASK tick RESUME")
    con.start()


def create_triggered(db: DB) -> None:
    """``trig``: a triggered task (minimum interval 50 ms) moving stream ``s`` on ``src`` into
    ``bronze``; created, not resumed."""
    db.x("CREATE TABLE src (a INT)")
    db.x("CREATE STREAM s ON TABLE src")
    db.x("CREATE TABLE bronze (a INT, action STRING)")
    db.x("CREATE TASK trig WAREHOUSE = wh USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 0.05 "
         "WHEN SYSTEM$STREAM_HAS_DATA('s') AS INSERT INTO bronze SELECT a, METADATA$ACTION FROM s")


def test_background_scheduler_runs_and_stops_cleanly() -> None:
    baseline = {t.ident for t in threading.enumerate()}
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    create_triggered(db)
    db.x("CREATE TABLE ticks (ts TIMESTAMP)")
    db.x("CREATE TASK tick SCHEDULE = '0.05 SECONDS' AS INSERT INTO ticks SELECT CURRENT_TIMESTAMP()")
    db.x("ALTER TASK tick RESUME")
    db.x("ALTER TASK trig RESUME")
    con.start()
    assert wait_for(lambda: db.one("SELECT count(*) FROM ticks") >= 5)
    for i in range(3):
        db.x(f"INSERT INTO src VALUES ({i})")
    assert wait_for(lambda: db.one("SELECT count(*) FROM bronze") == 3)
    con.stop()
    n = db.one("SELECT count(*) FROM ticks")
    time.sleep(0.3)
    assert db.one("SELECT count(*) FROM ticks") == n  # stopped: no more runs
    runs = db.history("tick")
    assert runs and all(r["STATE"] == "SUCCEEDED" for r in runs)
    # Never early: each run starts at or after its slot.
    assert all(r["QUERY_START_TIME"] >= r["SCHEDULED_TIME"] for r in runs)
    assert {r["SCHEDULED_FROM"] for r in db.history("trig")} == {"TRIGGER"}
    con.close()
    assert wait_for(lambda: {t.ident for t in threading.enumerate()} <= baseline, timeout=10)


def test_context_manager_stops_the_scheduler() -> None:
    baseline = {t.ident for t in threading.enumerate()}
    with cdcsim.connect(limits="relaxed") as con:
        db = DB(con)
        start_ticking(con, db)
        assert wait_for(lambda: db.one("SELECT count(*) FROM ticks") >= 2)
    assert con.is_closed()
    assert wait_for(lambda: {t.ident for t in threading.enumerate()} <= baseline, timeout=10)


def test_timeout_interrupts_a_run_under_wall_clock() -> None:
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    db.x("CREATE TASK slow USER_TASK_TIMEOUT_MS = 200 AS "
         "SELECT count(*) FROM range(100000000) a, range(100000000) b WHERE a.range + b.range = -1")
    db.x("EXECUTE TASK slow")
    (h,) = db.history("slow")
    assert h["STATE"] == "FAILED" and h["ERROR_CODE"] == "000630"
    assert "timeout" in h["ERROR_MESSAGE"]
    con.close()


def test_timeout_stops_a_scripting_loop_that_runs_no_sql() -> None:
    """A LOOP that never reaches DuckDB cannot be interrupted there: the interpreter checks the
    run's timeout between iterations."""
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    db.x("CREATE TASK spin USER_TASK_TIMEOUT_MS = 200 AS BEGIN FOR i IN 1 TO 20000000 DO NULL; END FOR; END")
    db.x("EXECUTE TASK spin")
    (h,) = db.history("spin")
    assert h["STATE"] == "FAILED" and h["ERROR_CODE"] == "000630"
    con.close()


def test_ddl_while_the_background_scheduler_runs() -> None:
    """Creating, altering, executing and dropping tasks while the scheduler thread runs them."""
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    db.x("CREATE TABLE ticks (name STRING)")
    # A block body holds the write lock while it reaches the task store (EXECUTE TASK): the lock
    # order must match DDL's, or the two threads deadlock.
    db.x("CREATE TASK inner_t AS INSERT INTO ticks VALUES ('inner')")
    db.x("CREATE TASK blk SCHEDULE = '0.02 SECONDS' AS BEGIN INSERT INTO ticks VALUES ('blk'); "
         "EXECUTE TASK inner_t; END")
    db.x("ALTER TASK blk RESUME")
    con.start()
    try:
        for round_ in range(15):
            name = f"t{round_ % 3}"
            db.x(f"CREATE OR REPLACE TASK {name} SCHEDULE = '0.02 SECONDS' AS INSERT INTO ticks VALUES ('{name}')")
            db.x(f"ALTER TASK {name} RESUME")
            time.sleep(0.03)
            db.x(f"EXECUTE TASK {name}")
            db.x(f"ALTER TASK {name} SUSPEND")
            db.x(f"ALTER TASK {name} SET COMMENT = 'round {round_}'")
            if round_ % 4 == 3:
                db.x(f"DROP TASK {name}")
            db.x("SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")
        assert wait_for(lambda: db.one("SELECT count(*) FROM ticks WHERE name LIKE 't%'") >= 15)
        assert wait_for(lambda: db.one("SELECT count(*) FROM ticks WHERE name = 'inner'") >= 1)
    finally:
        con.stop()
    assert {r["STATE"] for r in db.history()} <= {"SUCCEEDED"}
    con.close()


def test_cancel_ongoing_execution() -> None:
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    db.x("CREATE TABLE done (v INT)")
    # The timeout only bounds a later run that may start before SUSPEND lands (stop() waits for it).
    db.x("CREATE TASK slow SCHEDULE = '0.05 SECONDS' USER_TASK_TIMEOUT_MS = 2000 AS INSERT INTO done "
         "SELECT count(*) FROM range(100000000) a, range(100000000) b WHERE a.range + b.range = -1")
    db.x("CREATE TASK child AFTER slow AS INSERT INTO done VALUES (1)")
    assert "No ongoing" in db.one("SELECT SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('slow')")
    db.x("ALTER TASK child RESUME")
    db.x("ALTER TASK slow RESUME")
    con.start()
    try:
        assert wait_for(lambda: any(r["STATE"] == "EXECUTING" for r in db.dicts(
            "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")))
        db.x("SELECT SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('slow')")
        assert wait_for(lambda: any(r["STATE"] == "CANCELLED" for r in db.history("slow")))
        db.x("ALTER TASK slow SUSPEND")
    finally:
        con.stop()
    assert db.x("SELECT * FROM done") == []  # rolled back, and the child never ran
    assert db.history("child") == []
    assert "CANCELLED" in {r["STATE"] for r in db.history(ERROR_ONLY="TRUE")}
    con.close()


def test_fast_schedule_history_is_complete_after_stop_and_reopen(tmp_path) -> None:
    """A sub-second schedule's runs are written to the history in batches: TASK_HISTORY shows the
    unwritten ones, stopping the scheduler writes them, and a reopened database still has them."""
    path = str(tmp_path / "h.duckdb")
    con = cdcsim.connect(path, limits="relaxed")
    db = DB(con)
    start_ticking(con, db)
    assert wait_for(lambda: db.one("SELECT count(*) FROM ticks") >= 8)
    con.stop()
    ticks = db.one("SELECT count(*) FROM ticks")
    shown = [r for r in db.history("tick") if r["STATE"] == "SUCCEEDED"]
    assert len(shown) == ticks  # every run that inserted a tick, written or not
    written = con._session.duck.execute(  # the history table itself (internal)
        "SELECT count(*) FROM _cdcsim.task_history WHERE \"STATE\" = 'SUCCEEDED'").fetchone()[0]
    assert written == ticks  # stop wrote the rest
    con.close()
    with cdcsim.connect(path, limits="relaxed") as again:
        assert len([r for r in DB(again).history("tick") if r["STATE"] == "SUCCEEDED"]) == ticks


def test_a_committed_write_wakes_a_waiting_triggered_task(monkeypatch) -> None:
    """With polling switched off (an hour between polls), a triggered task still runs soon after a
    write to its stream's table commits: the commit wakes the scheduler. Only a committed write to
    a watched table wakes it: not another table, not a rolled-back transaction, not a write
    inside a transaction before its COMMIT."""
    from cdcsim.tasks.provider import TaskProvider

    monkeypatch.setattr(TaskProvider, "poll_interval", lambda self, engine: 3600.0)
    # and no idle tick either (at least one a second otherwise): on a loaded machine one could land
    # between the COMMIT and its after-write hook, see the data first and leave nothing to wake
    monkeypatch.setattr(scheduler_module, "MAX_SLEEP_S", 3600.0)
    con = cdcsim.connect(limits="relaxed")
    db = DB(con)
    create_triggered(db)
    db.x("CREATE TABLE other (a INT)")
    db.x("ALTER TASK trig RESUME")
    sch = con._engine.scheduler
    wakes: list[int] = []
    real_wake = sch.wake
    monkeypatch.setattr(sch, "wake", lambda: (wakes.append(1), real_wake()))
    con.start()
    try:
        db.x("INSERT INTO other VALUES (1)")
        db.x("BEGIN")
        db.x("INSERT INTO src VALUES (0)")
        db.x("ROLLBACK")
        db.x("BEGIN")
        db.x("INSERT INTO src VALUES (1)")
        assert wakes == []  # not yet committed
        db.x("COMMIT")
        assert wakes == [1]
        assert wait_for(lambda: db.one("SELECT count(*) FROM bronze") == 1)
        db.x("INSERT INTO src VALUES (2)")  # autocommit
        assert wait_for(lambda: db.one("SELECT count(*) FROM bronze") == 2)
        assert db.one("SELECT sum(a) FROM bronze") == 3
    finally:
        con.close()
