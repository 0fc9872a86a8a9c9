"""Examples from Snowflake's task documentation, run as written (or as close as cdcsim allows, said
where) under a ManualClock, with the outcome the page documents.

Pages: sql-reference/sql/create-task, alter-task, execute-task, show-tasks; functions/task_history,
task_dependents, current_task_graphs, system_set_return_value, system_get_predecessor_return_value,
system_get_task_graph_config; user-guide/tasks-graphs.
"""

from __future__ import annotations

import pytest
from taskdb import DB

from cdcsim import ProgrammingError


def names(db: DB, sql: str) -> list[str]:
    return [r["name"] for r in db.dicts(sql)]


# ---------------------------------------------------------------------------- show-tasks
def test_show_tasks_in_a_schema_named_without_the_schema_keyword(db: DB) -> None:
    """show-tasks examples: ``SHOW TASKS LIKE 'line%' IN tpch.public`` and ``SHOW TASKS IN tpch.public``."""
    db.x("CREATE DATABASE tpch")
    db.x("CREATE TASK tpch.public.lineitem_load SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK tpch.public.orders_load SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK cdcsim.public.line_elsewhere SCHEDULE = '1 MINUTE' AS SELECT 1")
    assert names(db, "SHOW TASKS LIKE 'line%' IN tpch.public") == ["LINEITEM_LOAD"]
    assert names(db, "SHOW TASKS IN tpch.public") == ["LINEITEM_LOAD", "ORDERS_LOAD"]
    assert [r[1] for r in db.x("SHOW TERSE TASKS IN tpch.public")] == ["LINEITEM_LOAD", "ORDERS_LOAD"]


# ---------------------------------------------------------------------------- alter-task: rename a task
def test_rename_a_task_by_clone_dependents_and_drop(db: DB) -> None:
    """alter-task, "Rename a task": suspend, ``CREATE TASK new_task_name CLONE old_task_name``, find
    the immediately dependent tasks ("child tasks and finalizer tasks") with
    ``TASK_DEPENDENTS('old_task_name', RECURSIVE => false)``, relink them, drop the old task, resume."""
    db.x("CREATE TASK task_old_name WAREHOUSE = wh SCHEDULE = '5 MINUTES' COMMENT = 'hourly load' "
         "CONFIG = $${\"env\": \"prod\"}$$ USER_TASK_TIMEOUT_MS = 60000 AS SELECT 1")
    db.x("CREATE TASK child_task_1 AFTER task_old_name AS SELECT 2")
    db.x("CREATE TASK grandchild AFTER child_task_1 AS SELECT 3")
    db.x("CREATE TASK finalizer_1 FINALIZE = task_old_name AS SELECT 4")
    db.x("ALTER TASK task_old_name RESUME")

    db.x("ALTER TASK task_old_name SUSPEND")
    db.x("CREATE TASK new_task_name CLONE task_old_name")
    old, new = (db.dicts(f"DESC TASK {n}")[0] for n in ("task_old_name", "new_task_name"))
    same = ["warehouse", "schedule", "comment", "config", "definition", "predecessors", "owner"]
    assert {k: new[k] for k in same} == {k: old[k] for k in same}
    assert new["state"] == "suspended" and new["id"] != old["id"] and new["last_committed_on"] is None

    deps = names(db, "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS('task_old_name', RECURSIVE => false))")
    assert deps == ["TASK_OLD_NAME", "CHILD_TASK_1", "FINALIZER_1"]
    db.x("ALTER TASK child_task_1 ADD AFTER new_task_name")
    db.x("ALTER TASK finalizer_1 UNSET FINALIZE")
    db.x("ALTER TASK finalizer_1 SET FINALIZE = new_task_name")
    db.x("DROP TASK task_old_name")
    db.x("ALTER TASK new_task_name RESUME")
    assert names(db, "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS(TASK_NAME => 'new_task_name'))") \
        == ["NEW_TASK_NAME", "CHILD_TASK_1", "GRANDCHILD", "FINALIZER_1"]


def test_clone_errors(db: DB) -> None:
    db.x("CREATE TASK r SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK f FINALIZE = r AS SELECT 1")
    with pytest.raises(ProgrammingError, match="does not exist"):
        db.x("CREATE TASK x CLONE nope")
    with pytest.raises(ProgrammingError, match="already has a finalizer"):  # a root has one finalizer [DOC T1]
        db.x("CREATE TASK f2 CLONE f")


# ---------------------------------------------------------------------------- system_set_return_value
def test_set_return_value_example_a_name_that_is_no_predecessor_fails(db: DB) -> None:
    """system_set_return_value, first example, with its documented output: the third task names
    ``get_return_value_task``, which is not its predecessor, so its call fails ("it must match an
    enabled predecessor, otherwise the call will fail" [system_get_predecessor_return_value]) and
    only the fox is in the table."""
    db.x("CREATE OR REPLACE TABLE return_values_table (str VARCHAR)")
    db.x("CREATE TASK set_return_value_task WAREHOUSE = return_task_wh SCHEDULE = '1 MINUTE' "
         "AS CALL SYSTEM$SET_RETURN_VALUE('The quick brown fox jumps over the lazy dog')")
    db.x("CREATE TASK get_return_value_task WAREHOUSE = return_task_wh AFTER set_return_value_task "
         "AS INSERT INTO return_values_table VALUES(SYSTEM$GET_PREDECESSOR_RETURN_VALUE())")
    db.x("CREATE TASK get_return_value_by_pred_task WAREHOUSE = return_task_wh AFTER set_return_value_task "
         "AS INSERT INTO return_values_table VALUES(SYSTEM$GET_PREDECESSOR_RETURN_VALUE('get_return_value_task'))")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('set_return_value_task')")
    db.advance(minutes=2)
    fox = [("The quick brown fox jumps over the lazy dog",)]
    assert db.x("SELECT DISTINCT(str) FROM return_values_table") == fox
    assert db.x("SELECT DISTINCT(RETURN_VALUE) FROM TABLE(information_schema.task_history()) "
                "WHERE RETURN_VALUE IS NOT NULL") == fox
    assert {s for n, s in db.states("get_return_value_by_pred_task")} == {"FAILED"}


def test_set_return_value_from_a_variable_after_reading_the_last_query(db: DB) -> None:
    """system_set_return_value, example 3: a block loads a stream and returns "<n> rows loaded into
    RAW_WEATHER_DATA", reading n with RESULT_SCAN(LAST_QUERY_ID()) right after the INSERT. (The page
    reads ``$1``, a positional column cdcsim does not translate; the column is named here.)"""
    db.x("CREATE TABLE weather (row_id INT)")
    db.x("CREATE STREAM new_weather_data ON TABLE weather")
    db.x("CREATE TABLE raw_weather_data (row_id INT)")
    db.x("""CREATE OR REPLACE TASK load_raw_data
WAREHOUSE = 'WH'
WHEN
    SYSTEM$STREAM_HAS_DATA('NEW_WEATHER_DATA')
AS
    DECLARE
        rows_loaded NUMBER;
        result_string VARCHAR;
    BEGIN
        INSERT INTO raw_weather_data ( -- our landing table
            row_id)
        SELECT
            row_id
        FROM
            new_weather_data  -- our source stream
        ;

        -- to see the number of rows loaded in the UI
        rows_loaded := (SELECT "number of rows inserted" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())));
        result_string := :rows_loaded || ' rows loaded into RAW_WEATHER_DATA';
        -- show result string as task return value
        CALL SYSTEM$SET_RETURN_VALUE(:result_string);
    END""")
    db.x("ALTER TASK load_raw_data RESUME")
    db.x("INSERT INTO weather VALUES (1), (2), (3)")
    db.advance(minutes=1)
    (run,) = db.history("load_raw_data")
    assert run["STATE"] == "SUCCEEDED" and run["SCHEDULED_FROM"] == "TRIGGER"
    assert run["RETURN_VALUE"] == "3 rows loaded into RAW_WEATHER_DATA"


def test_last_query_id_in_a_plain_block_body(db: DB) -> None:
    """The documented way to read a SHOW: ``SHOW ...; SELECT ... FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))``,
    here as two statements of a task's BEGIN ... END body."""
    db.x("CREATE TABLE task_names (name STRING)")
    db.x("CREATE TASK lister AS BEGIN SHOW TASKS; "
         "INSERT INTO task_names SELECT \"name\" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())); END")
    db.x("EXECUTE TASK lister")
    assert db.x("SELECT * FROM task_names") == [("LISTER",)]


# ---------------------------------------------------------------------------- system_get_predecessor_return_value
def test_predecessor_return_value_rules(db: DB) -> None:
    """An ancestor's value is returned by name ("the return value of the matching ancestor"); with
    several enabled predecessors the name is required. [INFER] Without it the call fails."""
    db.x("CREATE TABLE got (who STRING, v STRING)")
    db.x("CREATE TASK a SCHEDULE = '1 MINUTE' AS CALL SYSTEM$SET_RETURN_VALUE('from a')")
    db.x("CREATE TASK b AFTER a AS CALL SYSTEM$SET_RETURN_VALUE('from b')")
    db.x("CREATE TASK c AFTER a AS CALL SYSTEM$SET_RETURN_VALUE('from c')")
    db.x("CREATE TASK grand AFTER b AS INSERT INTO got VALUES ('grand', SYSTEM$GET_PREDECESSOR_RETURN_VALUE('A'))")
    db.x("CREATE TASK both_named AFTER b, c "
         "AS INSERT INTO got VALUES ('both_named', SYSTEM$GET_PREDECESSOR_RETURN_VALUE('C'))")
    db.x("CREATE TASK both_unnamed AFTER b, c "
         "AS INSERT INTO got VALUES ('both_unnamed', SYSTEM$GET_PREDECESSOR_RETURN_VALUE())")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('a')")
    db.advance(minutes=1)
    assert sorted(db.x("SELECT * FROM got")) == [("both_named", "from c"), ("grand", "from a")]
    assert db.states("both_unnamed") == [("BOTH_UNNAMED", "FAILED")]


# ---------------------------------------------------------------------------- system_get_task_graph_config
def test_execute_task_dynamic_config_read_by_path(db: DB) -> None:
    """execute-task, "Use a dynamic CONFIG": the run sees the merged configuration; a value inside
    it is read with GET_PATH's syntax [system_get_task_graph_config: "Uses the same syntax as
    Snowflake queries for semi-structured data"]."""
    db.x("""CREATE OR REPLACE TASK my_root_task
  WAREHOUSE = regress
  SCHEDULE = '10 m'
  CONFIG = $${
    "environment": "production",
    "output_paths": {
      "logs": "/prod/logs",
      "results": "/prod/results"
    }
  }$$
  AS BEGIN
    LET paths STRING := SYSTEM$GET_TASK_GRAPH_CONFIG('environment') || ' '
        || SYSTEM$GET_TASK_GRAPH_CONFIG('output_paths.logs') || ' '
        || SYSTEM$GET_TASK_GRAPH_CONFIG('output_paths[''results'']');
    CALL SYSTEM$SET_RETURN_VALUE(:paths);
  END""")
    db.x("""EXECUTE TASK my_root_task
  USING CONFIG=$${
    "output_paths": {
      "results": "/temp/testing"
    }
  }$$""")
    (run,) = db.history("my_root_task")
    assert run["RETURN_VALUE"] == "production /prod/logs /temp/testing"


def test_call_set_return_value_of_an_expression_as_the_whole_body(db: DB) -> None:
    """``AS CALL SYSTEM$SET_RETURN_VALUE(<string_expression>)``: the expression's value is set, not
    its text."""
    db.x("CREATE TASK r SCHEDULE = '1 MINUTE' CONFIG = $${\"path\": \"/prod\"}$$ "
         "AS CALL SYSTEM$SET_RETURN_VALUE(SYSTEM$GET_TASK_GRAPH_CONFIG('path')::STRING || '/out')")
    db.x("EXECUTE TASK r")
    assert db.history("r")[0]["RETURN_VALUE"] == "/prod/out"


# ---------------------------------------------------------------------------- tasks-graphs: finalizer
def test_finalizer_corrects_for_errors_before_the_automatic_retry(db: DB) -> None:
    """tasks-graphs, "Finalizer task example: Correct for errors": task_b fails on the first run (no
    demo_table), the finalizer creates the table, "after the finalizer completes, the task should
    automatically retry", and "on retry, task_b, task_c, and task_d should complete successfully"."""
    db.x("""CREATE OR REPLACE TASK task_a
  SCHEDULE = '1 MINUTE'
  USER_TASK_TIMEOUT_MS = 60000
  TASK_AUTO_RETRY_ATTEMPTS = 2
  SUSPEND_TASK_AFTER_NUM_FAILURES = 3
  AS
    BEGIN
      CALL SYSTEM$SET_RETURN_VALUE('task a successful');
    END""")
    db.x("""CREATE OR REPLACE TASK task_b
  USER_TASK_TIMEOUT_MS = 60000
  AFTER task_a
  AS
    BEGIN
      LET VALUE := (SELECT SYSTEM$TASK_RUNTIME_INFO('current_task_name'));
      INSERT INTO demo_table VALUES('task b name',:VALUE);
    END""")
    db.x("""CREATE OR REPLACE TASK task_c
  USER_TASK_TIMEOUT_MS = 60000
  AFTER task_b
  AS
    BEGIN
      CALL SYSTEM$GET_TASK_GRAPH_CONFIG('path');
      LET VALUE := (SELECT SYSTEM$GET_TASK_GRAPH_CONFIG('path'));
      INSERT INTO demo_table VALUES('task c path',:value);
    END""")
    db.x("""CREATE OR REPLACE TASK task_d
  USER_TASK_TIMEOUT_MS = 60000
  AFTER task_c
  AS
    BEGIN
      LET VALUE := (SELECT SYSTEM$GET_PREDECESSOR_RETURN_VALUE('TASK_A'));
      INSERT INTO demo_table VALUES('task d: predecessor return value', :value);
    END""")
    db.x("""CREATE OR REPLACE TASK task_f
  USER_TASK_TIMEOUT_MS = 60000
  FINALIZE = task_a
  AS
    BEGIN
      CREATE TABLE IF NOT EXISTS demo_table(NAME VARCHAR, VALUE VARCHAR);
    END""")
    db.x("ALTER TASK task_f RESUME")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('task_a')")
    db.advance(minutes=1)
    assert db.x("""SELECT
    name, state, attempt_number, scheduled_from
  FROM
    TABLE(information_schema.task_history(task_name=> 'task_b'))
  LIMIT 5""") == [("TASK_B", "SUCCEEDED", 2, "AUTOMATIC RETRY"), ("TASK_B", "FAILED", 1, "SCHEDULE")]
    assert sorted(db.x("SELECT * FROM demo_table")) == [
        ("task b name", "TASK_B"), ("task c path", None), ("task d: predecessor return value", "task a successful")]
    # the finalizer closed each attempt
    fin = [(r["ATTEMPT_NUMBER"], r["STATE"]) for r in db.history("task_f")]
    assert fin == [(1, "SUCCEEDED"), (2, "SUCCEEDED")]


# ---------------------------------------------------------------------------- execute-task: retry a graph run group
def test_execute_task_retry_graph_run_group(db: DB) -> None:
    """execute-task, "Retry a specific graph run": ``EXECUTE TASK mytask RETRY GRAPH RUN GROUP
    '<id>'`` re-runs that run's failed tasks (ATTEMPT_NUMBER + 1, same GRAPH_RUN_GROUP_ID, MANUAL
    RETRY), even when it is not the latest run; RETRY LAST still targets the latest."""
    db.x("CREATE TABLE flag (ok BOOLEAN)")
    db.x("INSERT INTO flag VALUES (FALSE)")
    db.x("CREATE TASK mytask SCHEDULE = '10 MINUTES' AS SELECT 1")
    db.x("CREATE TASK loader AFTER mytask AS SELECT IFF((SELECT ok FROM flag), 1, 1 / 0)")
    db.x("CREATE TASK after_loader AFTER loader AS SELECT 2")
    db.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('mytask')")
    db.advance(minutes=20)
    first, second = (r[0] for r in db.x("SELECT graph_run_group_id FROM TABLE(INFORMATION_SCHEMA.COMPLETE_TASK_GRAPHS"
                                        "(ROOT_TASK_NAME => 'mytask')) ORDER BY scheduled_time"))
    db.x("UPDATE flag SET ok = TRUE")
    db.x("ALTER TASK mytask SUSPEND")  # no scheduled run in between
    db.x(f"EXECUTE TASK mytask RETRY GRAPH RUN GROUP '{first}'")
    rows = db.x("SELECT name, state, attempt_number, scheduled_from FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
                f"WHERE graph_run_group_id = '{first}' ORDER BY attempt_number, name")
    assert rows == [("LOADER", "FAILED", 1, "SCHEDULE"), ("MYTASK", "SUCCEEDED", 1, "SCHEDULE"),
                    ("AFTER_LOADER", "SUCCEEDED", 2, "MANUAL RETRY"), ("LOADER", "SUCCEEDED", 2, "MANUAL RETRY")]
    with pytest.raises(ProgrammingError, match="no failed or cancelled task"):
        db.x(f"EXECUTE TASK mytask RETRY GRAPH RUN GROUP '{first}'")
    with pytest.raises(ProgrammingError, match="is not one of its runs"):
        db.x("EXECUTE TASK mytask RETRY GRAPH RUN GROUP '33af30ab-f960-4ba0-a5c8-d132e5623468'")
    db.x("EXECUTE TASK mytask RETRY LAST")
    assert [r[0] for r in db.x("SELECT DISTINCT graph_run_group_id FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
                               "WHERE scheduled_from = 'MANUAL RETRY' ORDER BY 1")] == sorted([first, second])


# ---------------------------------------------------------------------------- task_history
def test_task_history_of_the_most_recently_described_root_task(db: DB) -> None:
    """task_history: ``DESC TASK my_task; SET task_id = (SELECT "id" FROM TABLE(RESULT_SCAN(
    LAST_QUERY_ID()))); SELECT * FROM TABLE(...TASK_HISTORY(ROOT_TASK_ID => $task_id))``."""
    db.x("CREATE TASK my_task SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("CREATE TASK other SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x("ALTER TASK my_task RESUME")
    db.x("ALTER TASK other RESUME")
    db.advance(minutes=2)
    db.x("DESC TASK my_task")
    db.x("SET task_id=(SELECT \"id\" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())))")
    rows = db.dicts("SELECT * FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY(ROOT_TASK_ID=>$task_id))")
    assert {r["NAME"] for r in rows} == {"MY_TASK"} and len(rows) == 3  # two runs and the next one


def test_task_history_database_and_schema_names_in_double_quotes_match_exactly(db: DB) -> None:
    """task_history: "Use double quotes to match the database and schema names case-sensitively"."""
    db.x('CREATE DATABASE "my_db"')
    db.x('CREATE SCHEMA "my_db"."my_schema"')
    db.x('CREATE DATABASE my_database')
    db.x('CREATE SCHEMA my_database.my_schema')
    db.x('CREATE TASK "my_db"."my_schema".t SCHEDULE = \'1 MINUTE\' AS SELECT 1')
    db.x("CREATE TASK my_database.my_schema.t SCHEDULE = '1 MINUTE' AS SELECT 1")
    db.x('EXECUTE TASK "my_db"."my_schema".t')
    db.x("EXECUTE TASK my_database.my_schema.t")
    quoted = db.dicts("""SELECT *
  FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY(
    DATABASE_NAME => '"my_db"',
    SCHEMA_NAME => '"my_schema"'))""")
    assert [(r["DATABASE_NAME"], r["SCHEMA_NAME"]) for r in quoted] == [("my_db", "my_schema")]
    plain = db.dicts("""SELECT *
  FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY(
    DATABASE_NAME => 'MY_DATABASE',
    SCHEMA_NAME => 'MY_SCHEMA'))""")
    assert [(r["DATABASE_NAME"], r["SCHEMA_NAME"]) for r in plain] == [("MY_DATABASE", "MY_SCHEMA")]
    assert db.x("""SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(DATABASE_NAME => '"MY_db"'))""") == []


# ---------------------------------------------------------------------------- current_task_graphs
def test_current_task_graphs_columns(db: DB) -> None:
    """current_task_graphs: the documented output columns, in order (FIRST_ERROR_* included)."""
    db.x("CREATE TASK mytask SCHEDULE = '10 MINUTES' AS SELECT 1")
    db.x("ALTER TASK mytask RESUME")
    cur = db.cur.execute("""select *
  from table(information_schema.current_task_graphs(
    result_limit => 10,
    root_task_name=>'MYTASK'))""")
    assert [d[0] for d in cur.description] == [
        "ROOT_TASK_NAME", "DATABASE_NAME", "SCHEMA_NAME", "STATE", "SCHEDULED_FROM", "FIRST_ERROR_TASK_NAME",
        "FIRST_ERROR_CODE", "FIRST_ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "NEXT_SCHEDULED_TIME",
        "ROOT_TASK_ID", "GRAPH_VERSION", "RUN_ID", "ATTEMPT_NUMBER", "CONFIG", "GRAPH_RUN_GROUP_ID",
        "BACKFILL_INFO"]
    (row,) = cur.fetchall()
    assert row[3] == "SCHEDULED" and row[5:8] == (None, None, None)
