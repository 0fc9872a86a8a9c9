"""Task graphs: run order, suspended children, failures, finalizers, the root-suspended rule."""

from __future__ import annotations

from datetime import datetime

import pytest
from taskdb import DB, T0

import cdcsim
from cdcsim import ProgrammingError


def mk(db: DB, name: str, after: str = "", body: str = "", extra: str = "") -> None:
    sched = "" if after or "FINALIZE" in extra else "SCHEDULE = '1 MINUTE'"
    aft = f"AFTER {after}" if after else ""
    body = body or f"INSERT INTO log SELECT '{name.upper()}', CURRENT_TIMESTAMP()"
    db.x(f"CREATE OR REPLACE TASK {name} WAREHOUSE = wh {sched} {extra} {aft} AS {body}")


@pytest.fixture
def g(db: DB) -> DB:
    """root -> a, b; c after a and b."""
    db.x("CREATE TABLE log (task STRING, ts TIMESTAMP)")
    mk(db, "root")
    mk(db, "a", "root")
    mk(db, "b", "root")
    mk(db, "c", "a, b")
    return db


def ran(db: DB) -> list[str]:
    return [r[0] for r in db.x("SELECT task FROM log ORDER BY rowid")]


def test_children_run_after_all_predecessors(g: DB) -> None:
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    assert {r["state"] for r in g.dicts("SHOW TASKS")} == {"started"}
    g.advance(minutes=1)
    order = ran(g)
    assert order[0] == "ROOT" and order[-1] == "C" and sorted(order[1:3]) == ["A", "B"]
    hist = g.history()
    assert len({h["RUN_ID"] for h in hist}) == 1
    assert len({h["GRAPH_RUN_GROUP_ID"] for h in hist}) == 1
    root_id = g.dicts("SHOW TASKS LIKE 'ROOT'")[0]["id"]
    assert {h["ROOT_TASK_ID"] for h in hist} == {root_id}
    assert {h["SCHEDULED_FROM"] for h in hist} == {"SCHEDULE"}
    assert {h["GRAPH_VERSION"] for h in hist} == {1}


def test_resuming_root_does_not_resume_children(g: DB) -> None:
    g.x("ALTER TASK root RESUME")
    g.advance(minutes=1)
    # Suspended children are passed over as if they had succeeded: c's predecessors are suspended too.
    assert ran(g) == ["ROOT"]
    assert [s for s in g.dicts("SHOW TASKS") if s["state"] == "started"][0]["name"] == "ROOT"


def test_suspended_child_is_skipped_as_if_succeeded(g: DB) -> None:
    g.x("ALTER TASK c RESUME")
    g.x("ALTER TASK b RESUME")
    g.x("ALTER TASK root RESUME")  # a stays suspended
    g.advance(minutes=1)
    assert ran(g) == ["ROOT", "B", "C"]


def test_failed_predecessor_stops_its_dependents(g: DB) -> None:
    mk(g, "a", "root", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    assert ran(g) == ["ROOT", "B"]
    assert dict(g.states()) == {"ROOT": "SUCCEEDED", "A": "FAILED", "B": "SUCCEEDED"}


def test_skipped_root_runs_nothing_else(g: DB) -> None:
    mk(g, "root", extra="", body="SELECT 1")
    g.x("ALTER TASK root MODIFY WHEN 1 = 0")
    mk(g, "fin", extra="FINALIZE = root")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=2)
    assert ran(g) == []
    assert g.states() == [("ROOT", "SKIPPED"), ("ROOT", "SKIPPED")]


def test_skipped_child_stops_its_dependents(g: DB) -> None:
    mk(g, "a", "root")
    g.x("ALTER TASK a MODIFY WHEN FALSE")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    assert ran(g) == ["ROOT", "B"]
    assert ("A", "SKIPPED") in g.states()


def test_finalizer_runs_last_even_after_failure(g: DB) -> None:
    mk(g, "fin", extra="FINALIZE = root")
    mk(g, "b", "root", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    assert ran(g) == ["ROOT", "A", "FIN"]
    rel = {r["name"]: r["task_relations"] for r in g.dicts("SHOW TASKS")}
    assert rel["ROOT"] == '{"Predecessors":[],"FinalizerTask":"CDCSIM.PUBLIC.FIN"}'
    assert rel["FIN"] == '{"FinalizedRootTask":"CDCSIM.PUBLIC.ROOT","Predecessors":[]}'
    assert rel["C"] == '{"Predecessors":["CDCSIM.PUBLIC.A","CDCSIM.PUBLIC.B"]}'


def test_one_finalizer_per_root_and_no_schedule(g: DB) -> None:
    mk(g, "fin", extra="FINALIZE = root")
    with pytest.raises(ProgrammingError, match="already has a finalizer"):
        mk(g, "fin2", extra="FINALIZE = root")
    with pytest.raises(ProgrammingError, match="SCHEDULE"):
        g.x("CREATE TASK fin3 SCHEDULE = '1 MINUTE' FINALIZE = root AS SELECT 1")
    with pytest.raises(ProgrammingError, match="child"):
        mk(g, "d", "fin")


def test_modifying_a_started_graph_needs_the_root_suspended(g: DB) -> None:
    g.x("ALTER TASK root RESUME")
    for stmt in ["ALTER TASK a SET COMMENT = 'x'", "ALTER TASK c MODIFY AS SELECT 2", "ALTER TASK a RESUME",
                 "ALTER TASK root SET SCHEDULE = '5 MINUTES'", "ALTER TASK c REMOVE AFTER a",
                 "CREATE TASK d AFTER c AS SELECT 1", "CREATE OR REPLACE TASK a AFTER root AS SELECT 1"]:
        with pytest.raises(ProgrammingError) as e:
            g.x(stmt)
        assert e.value.errno == 91421
        assert "Unable to update graph with root task CDCSIM.PUBLIC.ROOT since that root task is not suspended." \
            in e.value.msg
    g.x("ALTER TASK root SUSPEND")
    g.x("ALTER TASK a SET COMMENT = 'x'")
    g.x("ALTER TASK a RESUME")
    g.x("ALTER TASK root RESUME")
    g.x("ALTER TASK root SUSPEND")
    g.x("ALTER TASK a SUSPEND")


def test_graph_version_changes_after_modification(g: DB) -> None:
    g.x("ALTER TASK root RESUME")
    g.advance(minutes=1)
    g.x("ALTER TASK root SUSPEND")
    g.x("ALTER TASK a MODIFY AS SELECT 42")
    g.x("ALTER TASK root RESUME")
    g.advance(minutes=1)
    assert [h["GRAPH_VERSION"] for h in g.history("root")] == [1, 2]


def test_cycles_and_child_schedule_are_refused(g: DB) -> None:
    with pytest.raises(ProgrammingError, match="cycle"):
        g.x("ALTER TASK a ADD AFTER c")
    with pytest.raises(ProgrammingError, match="SCHEDULE"):
        g.x("CREATE TASK d SCHEDULE = '1 MINUTE' AFTER a AS SELECT 1")
    with pytest.raises(ProgrammingError, match="does not exist"):
        g.x("CREATE TASK d AFTER nope AS SELECT 1")
    with pytest.raises(ProgrammingError, match="TASK_AUTO_RETRY_ATTEMPTS"):
        g.x("CREATE TASK d TASK_AUTO_RETRY_ATTEMPTS = 1 AFTER a AS SELECT 1")


def test_add_and_remove_after(g: DB) -> None:
    g.x("CREATE TASK d WAREHOUSE = wh AS INSERT INTO log SELECT 'D', CURRENT_TIMESTAMP()")
    g.x("ALTER TASK d ADD AFTER c")
    assert '"CDCSIM.PUBLIC.C"' in g.dicts("SHOW TASKS LIKE 'D'")[0]["predecessors"]
    g.x("ALTER TASK d RESUME")
    g.x("ALTER TASK d REMOVE AFTER c")
    row = g.dicts("SHOW TASKS LIKE 'D'")[0]
    assert row["predecessors"] == "[]"
    assert row["state"] == "suspended" and row["last_suspended_reason"] == "CHILD_BECAME_ROOT"


def test_drop_predecessor_makes_child_a_root(g: DB) -> None:
    g.x("DROP TASK c")
    g.x("ALTER TASK a RESUME")
    g.x("DROP TASK root")
    rows = {r["name"]: r for r in g.dicts("SHOW TASKS")}
    assert set(rows) == {"A", "B"}
    assert rows["A"]["state"] == "suspended" and rows["A"]["last_suspended_reason"] == "CHILD_BECAME_ROOT"
    g.x("DROP TASK IF EXISTS root")
    with pytest.raises(ProgrammingError, match="does not exist"):
        g.x("DROP TASK root")


def test_retry_restarts_from_the_failed_task(g: DB) -> None:
    mk(g, "root", extra="TASK_AUTO_RETRY_ATTEMPTS = 1")
    mk(g, "b", "root", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    hist = g.history()
    assert [(h["NAME"], h["ATTEMPT_NUMBER"], h["STATE"]) for h in hist] == [
        ("ROOT", 1, "SUCCEEDED"), ("A", 1, "SUCCEEDED"), ("B", 1, "FAILED"), ("B", 2, "FAILED")]
    assert hist[-1]["SCHEDULED_FROM"] == "AUTOMATIC RETRY"
    # The tasks that succeeded are not re-run; c never runs.
    assert ran(g) == ["ROOT", "A"]


def test_return_values_and_config(db: DB) -> None:
    db.x("CREATE TABLE out (v STRING, cfg STRING, me STRING)")
    db.x("CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 MINUTE' CONFIG = $${\"k\": \"v1\"}$$ "
         "AS SELECT SYSTEM$SET_RETURN_VALUE('hello')")
    db.x("CREATE TASK c WAREHOUSE = wh AFTER r AS INSERT INTO out SELECT SYSTEM$GET_PREDECESSOR_RETURN_VALUE('r'), "
         "SYSTEM$GET_TASK_GRAPH_CONFIG('k'), SYSTEM$CURRENT_USER_TASK_NAME()")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('r')")
    db.advance(minutes=1)
    assert db.x("SELECT * FROM out") == [("hello", "v1", "C")]
    assert db.history("r")[0]["RETURN_VALUE"] == "hello"
    assert db.history("r")[0]["CONFIG"] == '{"k": "v1"}'
    assert db.one("SELECT SYSTEM$CURRENT_USER_TASK_NAME()") is None


def test_execute_task_runs_graph_with_suspended_root(g: DB) -> None:
    g.x("ALTER TASK a RESUME")
    g.x("ALTER TASK c RESUME")
    g.x("EXECUTE TASK root")
    assert ran(g) == ["ROOT", "A", "C"]  # b is suspended: passed over
    assert {h["SCHEDULED_FROM"] for h in g.history()} == {"EXECUTE_TASK"}
    assert T0 in {h["SCHEDULED_TIME"] for h in g.history()}


def test_execute_task_retry_last(g: DB) -> None:
    g.x("CREATE TABLE gate (ok INT)")
    # b fails while gate is empty.
    mk(g, "b", "root", body="INSERT INTO log SELECT 'B', NULL FROM gate HAVING CAST(CASE WHEN count(*) = 0 "
                            "THEN 'boom' ELSE '1' END AS INT) = 1")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    with pytest.raises(ProgrammingError, match="did not fail"):
        g.x("EXECUTE TASK root RETRY LAST")
    g.advance(minutes=1)
    assert ran(g) == ["ROOT", "A"]
    g.x("INSERT INTO gate VALUES (1)")
    g.x("EXECUTE TASK root RETRY LAST")
    assert ran(g) == ["ROOT", "A", "B", "C"]  # only b and what depends on it ran again
    hist = g.history()
    retried = [h for h in hist if h["SCHEDULED_FROM"] == "MANUAL RETRY"]
    assert [(h["NAME"], h["ATTEMPT_NUMBER"]) for h in retried] == [("B", 2), ("C", 2)]
    assert len({h["RUN_ID"] for h in hist}) == 1 and len({h["GRAPH_RUN_GROUP_ID"] for h in hist}) == 1
    with pytest.raises(ProgrammingError, match="did not fail"):
        g.x("EXECUTE TASK root RETRY LAST")


def test_task_runtime_info_drives_an_incremental_load(db):
    """SYSTEM$TASK_RUNTIME_INFO [DOC: functions/system_task_runtime_info]: the page's use, loading
    the events between the last successful graph run's scheduled time and this one's. A failed run
    does not move LAST_SUCCESSFUL_..., so the next run loads its window again; a child sees its own
    name, the root's name and the same run group as the root."""
    db.x("CREATE TABLE events (ts TIMESTAMP, v INT)")
    db.x("CREATE TABLE loaded (ts TIMESTAMP, v INT, run_ts TIMESTAMP)")
    db.x("CREATE TABLE runs (task STRING, root STRING, grp STRING)")
    db.x("CREATE TABLE switch (fail BOOLEAN)")
    db.x("INSERT INTO switch VALUES (FALSE)")
    db.x("CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 minute' AS BEGIN "
         "INSERT INTO loaded SELECT ts, v, SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP')::TIMESTAMP "
         "FROM events WHERE ts >= coalesce(SYSTEM$TASK_RUNTIME_INFO('LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP')"
         "::TIMESTAMP, '1970-01-01'::TIMESTAMP) "
         "AND ts < SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP')::TIMESTAMP; "
         "INSERT INTO runs SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME'), NULL, "
         "SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID'); "
         "SELECT CASE WHEN fail THEN 1 / 0 END FROM switch; END")
    db.x("CREATE TASK c WAREHOUSE = wh AFTER r AS INSERT INTO runs SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME'), "
         "SYSTEM$TASK_RUNTIME_INFO('CURRENT_ROOT_TASK_NAME'), SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID')")
    db.x("ALTER TASK c RESUME")
    db.x("ALTER TASK r RESUME")
    db.x("INSERT INTO events VALUES ('2025-09-03 09:03:30', 1)")
    db.con.advance(minutes=1)  # 09:04: loads [-, 09:04)
    db.x("INSERT INTO events VALUES ('2025-09-03 09:04:30', 2)")
    db.x("UPDATE switch SET fail = TRUE")
    db.con.advance(minutes=1)  # 09:05: loads 2, then fails (a block commits statement by statement)
    db.x("UPDATE switch SET fail = FALSE")
    db.x("INSERT INTO events VALUES ('2025-09-03 09:05:30', 3)")
    db.con.advance(minutes=1)  # 09:06: the last success is still 09:04, so 2 and 3 load
    got = db.x("SELECT v, run_ts FROM loaded ORDER BY run_ts, v")
    t = lambda m: datetime(2025, 9, 3, 9, m)  # noqa: E731
    assert got == [(1, t(4)), (2, t(5)), (2, t(6)), (3, t(6))]
    assert [s for _n, s in db.states("R")] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    runs = db.x("SELECT task, root, grp FROM runs")
    first_group = {g for task, _r, g in runs if task == "R"}
    assert ("C", "R") in {(task, root) for task, root, _g in runs}
    assert {g for task, _r, g in runs if task == "C"} <= first_group
    with pytest.raises(ProgrammingError):
        db.x("SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME')")  # outside a task run


def test_task_runtime_info_remembers_the_last_success_across_a_reopen(tmp_path):
    """LAST_SUCCESSFUL_TASK_GRAPH_* of a reopened database comes from TASK_HISTORY: a run after the
    reopen continues the incremental load from the last successful run before it, not from the start."""
    path = str(tmp_path / "db.duckdb")
    con = cdcsim.connect(path, clock=cdcsim.ManualClock(datetime(2025, 9, 3, 9, 3)))
    cur = con.cursor()
    cur.execute("CREATE TABLE seen (last_ts STRING, last_grp STRING, grp STRING)")
    cur.execute("CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 minute' AS INSERT INTO seen SELECT "
                "SYSTEM$TASK_RUNTIME_INFO('LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP'), "
                "SYSTEM$TASK_RUNTIME_INFO('LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID'), "
                "SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID')")
    cur.execute("ALTER TASK r RESUME")
    con.advance(minutes=1)  # 09:04
    con.advance(minutes=1)  # 09:05
    before = cur.execute("SELECT last_ts, last_grp, grp FROM seen").fetchall()
    con.close()
    con = cdcsim.connect(path, clock=cdcsim.ManualClock(datetime(2025, 9, 3, 9, 5, 30)))
    con.advance(seconds=30)  # 09:06
    after = con.cursor().execute("SELECT last_ts, last_grp, grp FROM seen").fetchall()
    con.close()
    assert len(before) == 2 and before[0][:2] == (None, None)
    assert after[:2] == before
    assert after[2][1] == before[1][2]  # the 09:05 run, the last success before the reopen
    assert after[2][0].startswith("2025-09-03 09:05")


def test_a_replaced_root_has_no_last_success_of_its_own(db):
    """CREATE OR REPLACE TASK makes a new task (a new id): its first run has no last successful
    graph run, even though the task it replaced had one."""
    db.x("CREATE TABLE seen (last_grp STRING)")
    body = "INSERT INTO seen SELECT SYSTEM$TASK_RUNTIME_INFO('LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID')"
    db.x(f"CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 minute' AS {body}")
    db.x("ALTER TASK r RESUME")
    db.con.advance(minutes=2)
    db.x(f"CREATE OR REPLACE TASK r WAREHOUSE = wh SCHEDULE = '1 minute' AS {body}")
    db.x("ALTER TASK r RESUME")
    db.con.advance(minutes=1)
    seen = [r[0] for r in db.x("SELECT last_grp FROM seen")]
    assert seen[0] is None and seen[1] is not None and seen[2] is None
