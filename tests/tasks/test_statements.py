"""CREATE / ALTER / DROP / SHOW / DESCRIBE TASK: syntax, properties, bounds and errors."""

from __future__ import annotations

import pytest
from taskdb import DB, T0

from cdcsim import ProgrammingError

SHOW_COLUMNS = ["created_on", "name", "id", "database_name", "schema_name", "owner", "comment", "warehouse",
                "schedule", "scheduling_mode", "target_completion_interval", "predecessors", "state", "definition",
                "condition", "allow_overlapping_execution", "error_integration", "success_integration",
                "last_committed_on", "last_suspended_on", "owner_role_type", "config", "last_suspended_reason",
                "task_relations", "execute_as_user"]


def show(db: DB, name: str) -> dict:
    (row,) = db.dicts(f"SHOW TASKS LIKE '{name}'")
    return row


def test_show_tasks_columns_and_values(db: DB) -> None:
    db.x("CREATE TASK t WAREHOUSE = compute_wh SCHEDULE = '5 MINUTES' COMMENT = 'it''s mine' "
         "CONFIG = $${\"a\": 1}$$ WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1")
    cur = db.cur.execute("SHOW TASKS")
    assert [d[0] for d in cur.description] == SHOW_COLUMNS
    r = show(db, "T")
    assert r["created_on"] == T0 and r["name"] == "T" and r["database_name"] == "CDCSIM"
    assert r["schema_name"] == "PUBLIC" and r["warehouse"] == "COMPUTE_WH" and r["schedule"] == "5 MINUTES"
    assert r["comment"] == "it's mine" and r["config"] == '{"a": 1}' and r["state"] == "suspended"
    assert r["definition"] == "SELECT 1" and r["condition"] == "SYSTEM$STREAM_HAS_DATA('s')"
    assert r["predecessors"] == "[]" and r["allow_overlapping_execution"] == "false"
    assert r["last_committed_on"] is None and r["last_suspended_on"] is None
    assert r["task_relations"] == '{"Predecessors":[]}'


def test_show_filters(db: DB) -> None:
    db.x("CREATE SCHEMA other")
    db.x("USE SCHEMA public")  # CREATE SCHEMA made OTHER current, as in Snowflake
    db.x("CREATE TASK alpha AS SELECT 1")
    db.x("CREATE TASK beta AS SELECT 1")
    db.x("CREATE TASK alpha_child AFTER alpha AS SELECT 1")
    db.x("CREATE TASK other.gamma AS SELECT 1")
    names = lambda sql: [r[1] for r in db.x(sql)]  # noqa: E731
    # Ordered by database, schema, name.
    assert names("SHOW TASKS") == ["GAMMA", "ALPHA", "ALPHA_CHILD", "BETA"]
    assert names("SHOW TASKS LIKE 'al%'") == ["ALPHA", "ALPHA_CHILD"]
    assert names("SHOW TASKS IN SCHEMA other") == ["GAMMA"]
    assert names("SHOW TASKS IN SCHEMA public") == ["ALPHA", "ALPHA_CHILD", "BETA"]
    assert names("SHOW TASKS STARTS WITH 'B'") == ["BETA"]
    assert names("SHOW TASKS ROOT ONLY") == ["GAMMA", "ALPHA", "BETA"]
    assert names("SHOW TASKS LIMIT 2") == ["GAMMA", "ALPHA"]
    terse = db.cur.execute("SHOW TERSE TASKS")
    assert [d[0] for d in terse.description] == ["created_on", "name", "kind", "database_name", "schema_name",
                                                  "schedule"]
    assert show(db, "ALPHA_CHILD")["allow_overlapping_execution"] is None


def test_describe_task(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 HOUR' AS SELECT 1")
    cur = db.cur.execute("DESCRIBE TASK t")
    assert [d[0] for d in cur.description] == SHOW_COLUMNS
    assert cur.fetchall()[0][1] == "T"
    with pytest.raises(ProgrammingError, match="does not exist"):
        db.x("DESC TASK nope")


def test_create_or_replace_and_if_not_exists(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' AS SELECT 1")
    first = show(db, "T")["id"]
    with pytest.raises(ProgrammingError, match="already exists"):
        db.x("CREATE TASK t AS SELECT 2")
    assert db.one("CREATE TASK IF NOT EXISTS t AS SELECT 2") == "T already exists, statement succeeded."
    assert show(db, "T")["definition"] == "SELECT 1"
    db.x("ALTER TASK t RESUME")
    db.x("CREATE OR REPLACE TASK t SCHEDULE = '1 MINUTE' AS SELECT 3")
    r = show(db, "T")
    assert r["id"] != first and r["state"] == "suspended" and r["definition"] == "SELECT 3"
    with pytest.raises(ProgrammingError, match="incompatible"):
        db.x("CREATE OR REPLACE TASK IF NOT EXISTS t AS SELECT 1")
    assert db.one("CREATE TASK u AS SELECT 1") == "Task U successfully created."


@pytest.mark.parametrize("clause", [
    "SCHEDULE = '5 SECONDS'", "SCHEDULE = '0.5 MINUTES'", "SCHEDULE = 'USING CRON 61 * * * * UTC'",
    "USER_TASK_TIMEOUT_MS = 604800001", "USER_TASK_TIMEOUT_MS = -1", "SUSPEND_TASK_AFTER_NUM_FAILURES = -1",
    "TASK_AUTO_RETRY_ATTEMPTS = 31", "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 9",
    "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 604801", "TARGET_COMPLETION_INTERVAL = '5 SECONDS'",
    "TARGET_COMPLETION_INTERVAL = '25 HOURS'", "OVERLAP_POLICY = SOMETIMES", "ALLOW_OVERLAPPING_EXECUTION = 3",
    "CONFIG = 'not json'", "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'HUGE'", "SEARCH_PATH = 'x'",
    "AUTOCOMMIT = FALSE", "SCHEDUEL = '1 MINUTE'",
])
def test_documented_bounds(db: DB, clause: str) -> None:
    with pytest.raises(ProgrammingError):
        db.x(f"CREATE TASK t {clause} AS SELECT 1")
    assert db.x("SHOW TASKS") == []


@pytest.mark.parametrize("clause", [
    "SCHEDULE = '10 SECONDS'", "SCHEDULE = '60 M'", "SCHEDULE = '11520 MINUTE'", "USER_TASK_TIMEOUT_MS = 0",
    "USER_TASK_TIMEOUT_MS = 604800000", "SUSPEND_TASK_AFTER_NUM_FAILURES = 0", "TASK_AUTO_RETRY_ATTEMPTS = 30",
    "OVERLAP_POLICY = ALLOW_ALL_OVERLAP", "ALLOW_OVERLAPPING_EXECUTION = TRUE", "LOG_LEVEL = 'INFO'",
    "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'", "TIMEZONE = 'UTC', QUERY_TAG = 'x'",
    "SERVERLESS_TASK_MIN_STATEMENT_SIZE = 'SMALL' SERVERLESS_TASK_MAX_STATEMENT_SIZE = 'LARGE'",
    "ERROR_INTEGRATION = my_int", "SUCCESS_INTEGRATION = my_int", "WITH TAG (a.b.c = 'x')",
])
def test_accepted_properties(db: DB, clause: str) -> None:
    db.x(f"CREATE TASK t {clause} AS SELECT 1")
    assert show(db, "T")["name"] == "T"


def test_relaxed_accepts_sub_second_schedule(relaxed: DB) -> None:
    relaxed.x("CREATE TASK t SCHEDULE = '0.25 SECONDS' AS SELECT 1")
    relaxed.x("ALTER TASK t RESUME")
    relaxed.advance(seconds=1)
    assert len(relaxed.history("t")) == 4


def test_allow_overlapping_execution_maps_to_overlap_policy(db: DB) -> None:
    db.x("CREATE TASK t ALLOW_OVERLAPPING_EXECUTION = TRUE AS SELECT 1")
    assert show(db, "T")["allow_overlapping_execution"] == "true"
    db.x("ALTER TASK t SET OVERLAP_POLICY = NO_OVERLAP")
    assert show(db, "T")["allow_overlapping_execution"] == "false"


def test_warehouse_and_initial_size_conflict(db: DB) -> None:
    with pytest.raises(ProgrammingError, match="WAREHOUSE"):
        db.x("CREATE TASK t WAREHOUSE = wh USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'SMALL' AS SELECT 1")
    with pytest.raises(ProgrammingError, match="MAX_STATEMENT_SIZE"):
        db.x("CREATE TASK t SERVERLESS_TASK_MIN_STATEMENT_SIZE = 'LARGE' "
             "SERVERLESS_TASK_MAX_STATEMENT_SIZE = 'SMALL' AS SELECT 1")


def test_alter_set_unset_modify(db: DB) -> None:
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("ALTER TASK t SET SCHEDULE = '2 MINUTES', COMMENT = 'c' SUSPEND_TASK_AFTER_NUM_FAILURES = 3")
    r = show(db, "T")
    assert (r["schedule"], r["comment"]) == ("2 MINUTES", "c")
    db.x("ALTER TASK t UNSET COMMENT, SCHEDULE")
    r = show(db, "T")
    assert (r["schedule"], r["comment"]) == (None, None)
    db.x("ALTER TASK t MODIFY AS INSERT INTO x VALUES (1)")
    db.x("ALTER TASK t MODIFY WHEN SYSTEM$STREAM_HAS_DATA('s')")
    r = show(db, "T")
    assert (r["definition"], r["condition"]) == ("INSERT INTO x VALUES (1)", "SYSTEM$STREAM_HAS_DATA('s')")
    db.x("ALTER TASK t REMOVE WHEN")
    assert show(db, "T")["condition"] is None
    db.x("ALTER TASK t SET TAG a = 'b'")
    assert db.one("ALTER TASK IF EXISTS nope RESUME") == "Statement executed successfully."
    with pytest.raises(ProgrammingError, match="SCHEDULE"):
        db.x("ALTER TASK t SET SCHEDULE = '1 SECOND'")


def test_started_standalone_task_must_be_suspended_to_alter(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("ALTER TASK t RESUME")
    with pytest.raises(ProgrammingError) as e:
        db.x("ALTER TASK t SET COMMENT = 'x'")
    assert e.value.errno == 91421
    db.x("ALTER TASK t SUSPEND")
    db.x("ALTER TASK t SET COMMENT = 'x'")


def test_set_schedule_then_resume_uses_new_interval(db: DB) -> None:
    db.x("CREATE TABLE log (ts TIMESTAMP)")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' AS INSERT INTO log SELECT CURRENT_TIMESTAMP()")
    db.x("ALTER TASK t SET SCHEDULE = '30 MINUTES'")
    db.x("ALTER TASK t RESUME")
    db.advance(hours=1)
    assert db.one("SELECT count(*) FROM log") == 2


def test_unset_schedule_makes_a_triggered_task(db: DB) -> None:
    db.x("CREATE TABLE src (a INT)")
    db.x("CREATE STREAM s ON TABLE src")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = '1 HOUR' WHEN SYSTEM$STREAM_HAS_DATA('s') AS DELETE FROM src "
         "WHERE a IN (SELECT a FROM s)")
    db.x("ALTER TASK t UNSET SCHEDULE")
    db.x("ALTER TASK t RESUME")
    db.x("INSERT INTO src VALUES (1)")
    db.advance(seconds=1)
    assert [h["SCHEDULED_FROM"] for h in db.history("t")] == ["TRIGGER"]


def test_body_forms(db: DB) -> None:
    """A scripting block (DECLARE, LET, IF, FOR ...) runs in the interpreter; CALL runs a stored
    procedure, resolved when the task runs; a block that does not parse fails CREATE TASK."""
    db.x("CREATE TABLE sink (n INT)")
    db.x("CREATE TASK d AS DECLARE x INT DEFAULT 2; BEGIN FOR i IN 1 TO x DO INSERT INTO sink VALUES (:i); "
         "END FOR; RETURN 1; END")
    db.x("CREATE TASK l AS BEGIN LET x := 10; IF (x > 5) THEN INSERT INTO sink VALUES (:x); END IF; END")
    db.x("EXECUTE TASK d")
    db.x("EXECUTE TASK l")
    assert sorted(r[0] for r in db.x("SELECT n FROM sink")) == [1, 2, 10]
    with pytest.raises(ProgrammingError, match="expected IF"):
        db.x("CREATE TASK bad AS BEGIN IF (1 = 1) THEN SELECT 1; END")
    db.x("CREATE TASK c AS CALL my_proc(7)")
    db.x("EXECUTE TASK c")
    (h,) = db.history("c")
    assert h["STATE"] == "FAILED" and "MY_PROC' does not exist" in h["ERROR_MESSAGE"]
    db.x("CREATE PROCEDURE my_proc(n INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN INSERT INTO sink VALUES (:n); "
         "RETURN n; END $$")
    db.x("EXECUTE TASK c")
    assert [h["STATE"] for h in db.history("c")] == ["FAILED", "SUCCEEDED"]
    assert db.one("SELECT count(*) FROM sink WHERE n = 7") == 1


def test_drop_task(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("ALTER TASK t RESUME")
    assert db.one("DROP TASK t") == "T successfully dropped."
    assert db.x("SHOW TASKS") == []
    db.advance(minutes=3)
    assert db.history() == []


def test_qualified_names_and_schema_must_exist(db: DB) -> None:
    db.x("CREATE SCHEMA s2")
    db.x("CREATE TASK cdcsim.s2.t AS SELECT 1")
    assert show(db, "T")["schema_name"] == "S2"
    with pytest.raises(ProgrammingError, match="does not exist"):
        db.x("CREATE TASK nodb.nos.t AS SELECT 1")
    db.x('CREATE TASK "Quoted" AS SELECT 1')
    assert show(db, "Quoted")["name"] == "Quoted"


def test_task_runs_in_its_own_schema(db: DB) -> None:
    db.x("CREATE SCHEMA s2")
    db.x("CREATE TABLE s2.log (v INT)")
    db.x("CREATE TASK s2.t AS INSERT INTO log VALUES (7)")
    db.x("EXECUTE TASK s2.t")
    assert db.x("SELECT v FROM s2.log") == [(7,)]


def test_session_parameter_statement_timeout_recorded(db: DB) -> None:
    db.x("CREATE TASK t STATEMENT_TIMEOUT_IN_SECONDS = 5 AS SELECT 1")
    from cdcsim.tasks.runner import timeout_s
    from cdcsim.tasks.store import store_of

    task = store_of(db.con._engine).get("CDCSIM.PUBLIC.T")
    assert task is not None and timeout_s(task) == 5


def test_a_procedure_called_by_a_task_sets_its_return_value(db: DB) -> None:
    db.x("CREATE PROCEDURE report(n INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN "
         "CALL SYSTEM$SET_RETURN_VALUE('done ' || :n); RETURN n; END $$")
    db.x("CREATE TASK r AS CALL report(3)")
    db.x("EXECUTE TASK r")
    (h,) = db.history("r")
    assert h["STATE"] == "SUCCEEDED" and h["RETURN_VALUE"] == "done 3"
