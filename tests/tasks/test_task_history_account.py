"""TASK_HISTORY covers the whole account [DOC T7]: "The function returns the history of task usage
for your entire Snowflake account". Whichever database's INFORMATION_SCHEMA it is called through,
it returns the runs of every database's tasks; DATABASE_NAME / SCHEMA_NAME tell them apart."""

from __future__ import annotations

from taskdb import DB


def _setup(db: DB) -> None:
    db.con.execute_string("""
        CREATE TASK k SCHEDULE = '1 minute' AS SELECT 1;
        ALTER TASK k RESUME;
        CREATE DATABASE d2;
        CREATE SCHEMA d2.s;
        CREATE TASK d2.s.k SCHEDULE = '1 minute' AS SELECT 1;
        ALTER TASK d2.s.k RESUME;
        USE DATABASE cdcsim;
    """)
    db.advance(minutes=2)


def _where(db: DB, sql: str) -> list[tuple[str, str, str, str]]:
    rows = db.x(f"SELECT database_name, schema_name, name, state FROM {sql} ORDER BY scheduled_time, database_name")
    return [r for r in rows if r[3] != "SCHEDULED"]


ALL = [("CDCSIM", "PUBLIC", "K", "SUCCEEDED"), ("D2", "S", "K", "SUCCEEDED")] * 2


def test_task_history_returns_the_runs_of_every_database(db: DB) -> None:
    _setup(db)
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY())") == ALL


def test_the_database_qualifier_does_not_narrow_the_history(db: DB) -> None:
    _setup(db)
    assert _where(db, "TABLE(d2.INFORMATION_SCHEMA.TASK_HISTORY())") == ALL
    assert _where(db, "TABLE(cdcsim.INFORMATION_SCHEMA.TASK_HISTORY())") == ALL
    db.x("USE DATABASE d2")
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY())") == ALL


def test_task_name_matches_tasks_of_that_name_in_every_database(db: DB) -> None:
    _setup(db)
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'k'))") == ALL


def test_database_and_schema_name_arguments_still_filter(db: DB) -> None:
    _setup(db)
    d2 = [r for r in ALL if r[0] == "D2"]
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY(DATABASE_NAME => 'd2'))") == d2
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY(SCHEMA_NAME => 'S'))") == d2
    assert _where(db, "TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) WHERE database_name = 'CDCSIM'") == \
        [r for r in ALL if r[0] == "CDCSIM"]


def test_next_scheduled_runs_of_every_database_are_listed(db: DB) -> None:
    _setup(db)
    rows = db.x("SELECT database_name, name FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
                "WHERE state = 'SCHEDULED' ORDER BY database_name")
    assert rows == [("CDCSIM", "K"), ("D2", "K")]
