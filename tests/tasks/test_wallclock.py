"""Wall-clock rules with a controllable non-manual clock: late or long runs skip slots, never run early."""

from __future__ import annotations

from datetime import datetime, timedelta

from taskdb import DB, T0

import cdcsim


class StepClock(cdcsim.Clock):
    """A non-manual clock the test moves by hand (stands in for the wall clock)."""

    manual = False

    def __init__(self, start: datetime):
        self.t = start

    def now(self) -> datetime:
        return self.t


def test_late_tick_runs_once_and_skips_passed_slots() -> None:
    clock = StepClock(T0)
    db = DB(cdcsim.connect(clock=clock))
    db.x("CREATE TABLE log (ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log VALUES (NULL)")
    db.x("ALTER TASK t RESUME")  # slots 9:04, 9:05, ...
    clock.t = T0 + timedelta(seconds=59)
    db.con.run_pending()
    assert db.history("t") == []  # never early
    clock.t = T0 + timedelta(minutes=3, seconds=30)  # the run could only start at 9:06:30
    db.con.run_pending()
    (h,) = db.history("t")
    assert h["SCHEDULED_TIME"] == T0 + timedelta(minutes=1)
    assert h["QUERY_START_TIME"] == T0 + timedelta(minutes=3, seconds=30)
    assert h["NEXT_SCHEDULED_TIME"] == T0 + timedelta(minutes=4)  # 9:05 and 9:06 were skipped
    clock.t = T0 + timedelta(minutes=4)
    db.con.run_pending()
    assert [r["SCHEDULED_TIME"] for r in db.history("t")] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=4)]
    db.con.close()


def test_alter_set_and_unset_finalize(db: DB) -> None:
    db.x("CREATE TABLE log (v STRING)")
    db.x("CREATE TASK root WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log VALUES ('root')")
    db.x("CREATE TASK fin WAREHOUSE = wh AS INSERT INTO log VALUES ('fin')")
    db.x("ALTER TASK fin SET FINALIZE = root")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    db.advance(minutes=1)
    assert [r[0] for r in db.x("SELECT v FROM log ORDER BY rowid")] == ["root", "fin"]
    db.x("ALTER TASK root SUSPEND")
    db.x("ALTER TASK fin UNSET FINALIZE")
    rel = {r["name"]: r["task_relations"] for r in db.dicts("SHOW TASKS")}
    assert rel == {"FIN": '{"Predecessors":[]}', "ROOT": '{"Predecessors":[]}'}
    fin = db.dicts("SHOW TASKS LIKE 'FIN'")[0]
    assert (fin["state"], fin["last_suspended_reason"]) == ("suspended", "FINALIZER_BECAME_ROOT")
