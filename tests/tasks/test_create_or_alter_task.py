"""CREATE OR ALTER TASK [DOC T1 "CREATE OR ALTER TASK"; DOC create-or-alter]: creates a missing task,
alters an existing one into the definition (omitted properties back to their defaults) keeping its
id, history, state and graph links, leaves a matching task alone, and refuses without a trace."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from taskdb import DB, T0

import cdcsim
from cdcsim import ProgrammingError
from cdcsim.tasks.model import DEFINITION_FIELDS, Task

NOT_SUSPENDED = "since that root task is not suspended"


def show(db: DB, name: str) -> dict[str, Any]:
    (row,) = db.dicts(f"SHOW TASKS LIKE '{name}'")
    return row


def ddl(db: DB, name: str) -> str:
    return db.one(f"SELECT GET_DDL('TASK', '{name}')")


def preds(db: DB, name: str) -> list[str]:
    return json.loads(show(db, name)["predecessors"])


def test_creates_a_missing_task_suspended(db: DB) -> None:
    out = db.one("CREATE OR ALTER TASK tk WAREHOUSE = wh SCHEDULE = '1 minute' AS SELECT 1")
    assert out == "Task TK successfully created."
    r = show(db, "TK")
    assert (r["state"], r["warehouse"], r["schedule"], r["definition"]) == ("suspended", "WH", "1 minute", "SELECT 1")
    assert r["created_on"] == T0
    with pytest.raises(ProgrammingError, match="already exists"):  # it is a task like any other
        db.x("CREATE TASK tk AS SELECT 1")


def test_alters_schedule_body_when_comment_and_warehouse_keeping_identity(db: DB) -> None:
    db.x("CREATE TASK t WAREHOUSE = wh1 SCHEDULE = '1 MINUTE' COMMENT = 'one' WHEN 1 = 1 AS SELECT 1")
    before = show(db, "T")
    db.advance(minutes=5)
    out = db.one("CREATE OR ALTER TASK t WAREHOUSE = wh2 SCHEDULE = '10 MINUTES' COMMENT = 'two' "
                 "WHEN 2 = 2 AS SELECT 2")
    assert out == "Statement executed successfully."
    r = show(db, "T")
    assert (r["warehouse"], r["schedule"], r["comment"], r["condition"], r["definition"]) == \
        ("WH2", "10 MINUTES", "two", "2 = 2", "SELECT 2")
    assert (r["id"], r["created_on"], r["state"]) == (before["id"], T0, "suspended")
    # The new schedule and body are the ones that run.
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=20)
    assert [(h["SCHEDULED_TIME"], h["QUERY_TEXT"]) for h in db.history("t")] == \
        [(T0 + timedelta(minutes=15), "SELECT 2"), (T0 + timedelta(minutes=25), "SELECT 2")]


def test_omitted_properties_and_parameters_are_reset_to_defaults(db: DB) -> None:
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' CONFIG = $${\"k\": 1}$$ "
         "USER_TASK_TIMEOUT_MS = 5000 SUSPEND_TASK_AFTER_NUM_FAILURES = 1 TASK_AUTO_RETRY_ATTEMPTS = 2 "
         "TIMEZONE = 'UTC' COMMENT = 'c' OVERLAP_POLICY = ALLOW_ALL_OVERLAP WHEN 1 = 1 AS SELECT 1")
    db.x("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    r = show(db, "T")
    assert (r["comment"], r["config"], r["condition"], r["allow_overlapping_execution"]) == (None, None, None, "false")
    assert ddl(db, "T") == "create or replace task T\n\twarehouse=WH\n\tschedule='1 MINUTE'\n\tas SELECT 1;\n"
    # Nothing at all left: warehouse and schedule go too.
    db.x("CREATE OR ALTER TASK t AS SELECT 1")
    r = show(db, "T")
    assert (r["warehouse"], r["schedule"]) == (None, None)


def test_reset_suspend_after_num_failures_takes_effect(db: DB) -> None:
    """SUSPEND_TASK_AFTER_NUM_FAILURES = 1 left out goes back to 10: two failures no longer suspend."""
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' SUSPEND_TASK_AFTER_NUM_FAILURES = 1 "
         "AS INSERT INTO missing_table VALUES (1)")
    db.x("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO missing_table VALUES (1)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    assert [h["STATE"] for h in db.history("t")] == ["FAILED", "FAILED"]
    assert show(db, "T")["state"] == "started"


def test_state_is_kept(db: DB) -> None:
    db.x("CREATE TASK root WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK child WAREHOUSE = wh AFTER root AS SELECT 1")
    db.x("ALTER TASK child RESUME")  # allowed: its root is suspended
    db.x("CREATE OR ALTER TASK child WAREHOUSE = wh AFTER root AS SELECT 2")
    assert (show(db, "CHILD")["state"], show(db, "CHILD")["definition"]) == ("started", "SELECT 2")
    # It does not resume a suspended task either.
    db.advance(minutes=1)
    db.x("ALTER TASK root RESUME")
    db.x("ALTER TASK root SUSPEND")
    suspended_on = show(db, "ROOT")["last_suspended_on"]
    db.advance(minutes=1)
    db.x("CREATE OR ALTER TASK root WAREHOUSE = wh SCHEDULE = '5 MINUTES' AS SELECT 1")
    r = show(db, "ROOT")
    assert (r["state"], r["last_suspended_on"], r["last_suspended_reason"]) == \
        ("suspended", suspended_on, "USER_SUSPENDED")


def test_history_and_id_are_kept(db: DB) -> None:
    db.x("CREATE TABLE log (v INT)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log VALUES (1)")
    task_id = show(db, "T")["id"]
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    db.x("ALTER TASK t SUSPEND")
    db.x("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO log VALUES (2)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    hist = db.history("t")
    assert [h["QUERY_TEXT"] for h in hist] == ["INSERT INTO log VALUES (1)"] * 2 + ["INSERT INTO log VALUES (2)"] * 2
    assert {h["ROOT_TASK_ID"] for h in hist} == {task_id}
    assert [h["GRAPH_VERSION"] for h in hist] == [1, 1, 2, 2]  # a new version once resumed after the change
    assert [r[0] for r in db.x("SELECT v FROM log ORDER BY v")] == [1, 1, 2, 2]


def test_identical_definition_is_a_no_op_even_on_a_started_task(db: DB) -> None:
    stmt = ("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' TIMEZONE = 'UTC' COMMENT = 'c' "
            "WHEN 1 = 1 AS SELECT 1")
    db.x(stmt)
    db.x("ALTER TASK t RESUME")
    db.advance(seconds=30)
    before = show(db, "T")
    assert db.one(stmt) == "Statement executed successfully."
    assert show(db, "T") == before
    db.advance(seconds=30)  # the schedule's base is untouched: the run is still due at T0 + 1 minute
    assert [h["SCHEDULED_TIME"] for h in db.history("t")] == [T0 + timedelta(minutes=1)]
    # The same statement written with the deprecated overlap flag's equivalent is still the same task.
    db.x(stmt.replace("COMMENT", "ALLOW_OVERLAPPING_EXECUTION = FALSE COMMENT"))
    # Any real change needs the task suspended, as for ALTER TASK.
    with pytest.raises(ProgrammingError, match=NOT_SUSPENDED):
        db.x(stmt.replace("SELECT 1", "SELECT 2"))
    assert show(db, "T") == before


def test_after_list_in_another_order_is_the_same_definition(db: DB) -> None:
    db.x("CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK a WAREHOUSE = wh AFTER r AS SELECT 1")
    db.x("CREATE TASK b WAREHOUSE = wh AFTER r AS SELECT 1")
    db.x("CREATE OR ALTER TASK c WAREHOUSE = wh AFTER a, b AS SELECT 1")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('r')")
    db.x("CREATE OR ALTER TASK c WAREHOUSE = wh AFTER b, a AS SELECT 1")  # the root is started: no change
    assert preds(db, "C") == ["CDCSIM.PUBLIC.A", "CDCSIM.PUBLIC.B"]


def test_no_op_keeps_retry_last_and_a_change_refuses_it(db: DB) -> None:
    """[INFER] Only a real change marks the graph modified, which RETRY LAST refuses [DOC T6]."""
    stmt = "CREATE OR ALTER TASK r WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS INSERT INTO gate VALUES (1)"
    db.x(stmt)
    db.x("ALTER TASK r RESUME")
    db.advance(minutes=1)
    assert [h["STATE"] for h in db.history("r")] == ["FAILED"]
    db.x("ALTER TASK r SUSPEND")
    db.x(stmt)
    db.x("CREATE TABLE gate (v INT)")
    db.x("EXECUTE TASK r RETRY LAST")
    assert [h["STATE"] for h in db.history("r")] == ["FAILED", "SUCCEEDED"]
    db.x("DROP TABLE gate")
    db.x("EXECUTE TASK r")
    assert db.history("r")[-1]["STATE"] == "FAILED"
    db.x(stmt.replace("VALUES (1)", "VALUES (2)"))
    with pytest.raises(ProgrammingError, match="modified"):
        db.x("EXECUTE TASK r RETRY LAST")


def test_a_child_leaving_a_graph_marks_that_graph_modified(db: DB) -> None:
    db.x("CREATE TASK r WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK c WAREHOUSE = wh AFTER r AS INSERT INTO missing_table VALUES (1)")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('r')")
    db.advance(minutes=1)
    assert db.states() == [("R", "SUCCEEDED"), ("C", "FAILED")]
    db.x("ALTER TASK r SUSPEND")
    db.x("CREATE OR ALTER TASK c WAREHOUSE = wh AS INSERT INTO missing_table VALUES (1)")
    with pytest.raises(ProgrammingError, match="modified"):
        db.x("EXECUTE TASK r RETRY LAST")


BAD = [
    ("CREATE OR ALTER TASK t SCHEDULE = '0 MINUTES' AS SELECT 2", "for parameter 'SCHEDULE'"),
    ("CREATE OR ALTER TASK t NOPE = 1 AS SELECT 2", "invalid property 'NOPE'"),
    ("CREATE OR ALTER TASK t USER_TASK_TIMEOUT_MS = -1 AS SELECT 2", "for parameter 'USER_TASK_TIMEOUT_MS'"),
    ("CREATE OR ALTER TASK t AUTOCOMMIT = FALSE AS SELECT 2", "AUTOCOMMIT must be TRUE"),
    ("CREATE OR ALTER TASK t WAREHOUSE = wh USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'SMALL' AS SELECT 2",
     "cannot be set together"),
    ("CREATE OR ALTER TASK t SCHEDULE = '1 MINUTE' AFTER other AS SELECT 2", "cannot have a SCHEDULE"),
    ("CREATE OR ALTER TASK t AFTER missing AS SELECT 2", "does not exist"),
    ("CREATE OR ALTER TASK t AFTER t AS SELECT 2", "cycle"),
    ("CREATE OR ALTER TASK t FINALIZE = other AFTER other AS SELECT 2", "cannot have predecessors"),
    ("CREATE OR ALTER TASK t WITH TAG (cost_center = 'x') AS SELECT 2", "does not support WITH TAG"),
    ("CREATE OR ALTER TASK t WITH CONTACT (support = me) AS SELECT 2", "does not support WITH CONTACT"),
    ("CREATE OR ALTER TASK IF NOT EXISTS t AS SELECT 2", "does not support IF NOT EXISTS"),
    ("CREATE OR ALTER TASK t CLONE other", "does not support the CLONE variant"),
    ("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE'", "AS <sql>"),
    ("CREATE OR ALTER TASK t AS", "needs a body"),
    ("CREATE OR ALTER TASK", "expected a task name"),
]


@pytest.mark.parametrize(("stmt", "error"), BAD, ids=[e for _, e in BAD])
def test_errors_leave_the_task_unchanged(db: DB, stmt: str, error: str) -> None:
    db.x("CREATE TASK other WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 0")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' USER_TASK_TIMEOUT_MS = 5000 TIMEZONE = 'UTC' "
         "COMMENT = 'c' WHEN 1 = 1 AS SELECT 1")
    before, text = db.dicts("SHOW TASKS"), ddl(db, "T")
    with pytest.raises(ProgrammingError, match=error):
        db.x(stmt)
    assert db.dicts("SHOW TASKS") == before and ddl(db, "T") == text


def test_after_changes_within_a_graph(db: DB) -> None:
    db.x("CREATE TABLE log (task STRING)")

    def body(name: str) -> str:
        return f"INSERT INTO log VALUES ('{name}')"

    db.x(f"CREATE TASK root WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS {body('ROOT')}")
    db.x(f"CREATE TASK a WAREHOUSE = wh AFTER root AS {body('A')}")
    db.x(f"CREATE TASK b WAREHOUSE = wh AFTER root AS {body('B')}")
    # Move b under a.
    db.x(f"CREATE OR ALTER TASK b WAREHOUSE = wh AFTER a AS {body('B')}")
    assert preds(db, "B") == ["CDCSIM.PUBLIC.A"]
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    db.advance(minutes=1)
    assert [r[0] for r in db.x("SELECT task FROM log ORDER BY rowid")] == ["ROOT", "A", "B"]
    # With the root started no task of its graph may change, nor join it [DOC T5].
    for stmt in (f"CREATE OR ALTER TASK b WAREHOUSE = wh AFTER root AS {body('B')}",
                 f"CREATE OR ALTER TASK a WAREHOUSE = wh AFTER root AS {body('A2')}",
                 "CREATE OR ALTER TASK lone WAREHOUSE = wh AFTER b AS SELECT 1"):
        with pytest.raises(ProgrammingError, match=NOT_SUSPENDED):
            db.x(stmt)
    assert preds(db, "B") == ["CDCSIM.PUBLIC.A"] and show(db, "A")["definition"] == body("A")
    assert db.x("SHOW TASKS LIKE 'LONE'") == []
    # Root suspended: a loses its predecessor and becomes the root of its own graph, suspended as
    # ALTER TASK ... REMOVE AFTER leaves it [DOC T5]; b stays under it.
    db.x("ALTER TASK root SUSPEND")
    db.x(f"CREATE OR ALTER TASK a WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS {body('A')}")
    r = show(db, "A")
    assert (r["state"], r["last_suspended_reason"], preds(db, "A")) == ("suspended", "CHILD_BECAME_ROOT", [])
    assert preds(db, "B") == ["CDCSIM.PUBLIC.A"]
    assert [r[1] for r in db.x("SHOW TASKS ROOT ONLY")] == ["A", "ROOT"]


def test_doc_example_standalone_task_becomes_a_child(db: DB) -> None:
    """The CREATE TASK page's example: the second statement has no SCHEDULE, so it is unset."""
    db.x("CREATE TASK my_other_task WAREHOUSE = my_warehouse SCHEDULE = '60 MINUTES' AS SELECT 1")
    db.x("CREATE OR ALTER TASK my_task WAREHOUSE = my_warehouse SCHEDULE = '60 MINUTES' AS SELECT PI()")
    db.x("CREATE OR ALTER TASK my_task WAREHOUSE = regress AFTER my_other_task AS SELECT 2 * PI()")
    r = show(db, "MY_TASK")
    assert (r["schedule"], r["warehouse"], r["definition"]) == (None, "REGRESS", "SELECT 2 * PI()")
    assert preds(db, "MY_TASK") == ["CDCSIM.PUBLIC.MY_OTHER_TASK"]


def test_finalizer_set_and_unset(db: DB) -> None:
    db.x("CREATE TASK root WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK f WAREHOUSE = wh AS SELECT 1")
    db.x("CREATE OR ALTER TASK f WAREHOUSE = wh FINALIZE = root AS SELECT 1")
    assert show(db, "F")["task_relations"] == '{"FinalizedRootTask":"CDCSIM.PUBLIC.ROOT","Predecessors":[]}'
    db.x("CREATE OR ALTER TASK f WAREHOUSE = wh AS SELECT 1")
    r = show(db, "F")
    assert (r["task_relations"], r["last_suspended_reason"]) == ('{"Predecessors":[]}', "FINALIZER_BECAME_ROOT")


def test_alteration_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "t.duckdb")
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(T0)))
    db.x("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' COMMENT = 'one' AS SELECT 1")
    db.x("CREATE OR ALTER TASK t WAREHOUSE = wh SCHEDULE = '5 MINUTES' AS SELECT 2")
    before = show(db, "T")
    db.con.close()
    db = DB(cdcsim.connect(path, clock=cdcsim.ManualClock(T0)))
    try:
        after = show(db, "T")
        assert after == before
        assert (after["schedule"], after["comment"], after["definition"]) == ("5 MINUTES", None, "SELECT 2")
    finally:
        db.con.close()


def test_definition_fields_cover_every_defined_property() -> None:
    """A property added to Task must be either defined by CREATE (and so reset by CREATE OR ALTER)
    or identity / runtime state that CREATE OR ALTER keeps."""
    identity = {"database", "schema", "name", "id", "created_on", "owner"}
    runtime = {"state", "resumed_on", "last_committed_on", "last_suspended_on", "last_suspended_reason", "base",
               "next_due", "last_trigger_run", "failures", "graph_version", "modified"}
    assert set(DEFINITION_FIELDS) == {f.name for f in fields(Task)} - identity - runtime
