"""A file database keeps tasks, their state and history across restarts; one catch-up run on reopen."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from taskdb import DB, T0

import cdcsim


def test_tasks_state_and_history_survive_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "t.duckdb")
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(T0)))
    db.x("CREATE TABLE log (ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' COMMENT = 'keep' "
         "AS INSERT INTO log SELECT CURRENT_TIMESTAMP()")
    db.x("CREATE TASK c WAREHOUSE = wh AFTER t AS SELECT 1")
    db.x("CREATE TASK idle WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('t')")
    db.advance(minutes=5)
    before = db.dicts("SHOW TASKS")
    assert len(db.history("t")) == 5
    db.con.close()

    # Reopen an hour later: state and history are back, and the overdue task runs once, not 60 times.
    later = T0 + timedelta(hours=1)
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(later)))
    after = db.dicts("SHOW TASKS")
    assert [(r["name"], r["state"], r["id"], r["comment"], r["predecessors"]) for r in after] == \
        [(r["name"], r["state"], r["id"], r["comment"], r["predecessors"]) for r in before]
    assert len(db.history("t")) == 5
    assert len(db.history("c")) == 5
    db.con.run_pending()
    hist = db.history("t")
    assert len(hist) == 6  # one catch-up run
    assert hist[-1]["SCHEDULED_TIME"] == T0 + timedelta(minutes=6)
    assert hist[-1]["NEXT_SCHEDULED_TIME"] == later + timedelta(minutes=1)
    db.advance(minutes=2)
    assert [h["SCHEDULED_TIME"] for h in db.history("t")][-2:] == [later + timedelta(minutes=1),
                                                                   later + timedelta(minutes=2)]
    assert db.history("idle") == []
    db.con.close()


def test_wall_clock_reopen_runs_overdue_task_once(tmp_path: Path) -> None:
    path = str(tmp_path / "w.duckdb")
    start = datetime.now() - timedelta(hours=2)
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(start)))
    db.x("CREATE TABLE log (ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log SELECT CURRENT_TIMESTAMP()")
    db.x("ALTER TASK t RESUME")
    db.con.close()
    db = DB(cdcsim.connect(path))  # wall clock, two hours later
    db.con.run_pending()
    db.con.run_pending()
    assert db.one("SELECT count(*) FROM log") == 1
    db.con.close()


def test_quick_restart_does_not_run_early(tmp_path: Path) -> None:
    path = str(tmp_path / "q.duckdb")
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(T0)))
    db.x("CREATE TABLE log (ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log SELECT CURRENT_TIMESTAMP()")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=5, seconds=10)
    db.con.close()
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(T0 + timedelta(minutes=5, seconds=30))))
    db.con.run_pending()
    assert db.one("SELECT count(*) FROM log") == 5  # the 9:09 slot is not due yet
    db.advance(seconds=30)
    assert db.x("SELECT max(ts) FROM log") == [(T0 + timedelta(minutes=6),)]
    db.con.close()
