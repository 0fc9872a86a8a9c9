"""TASK_DEPENDENTS, COMPLETE_TASK_GRAPHS and CURRENT_TASK_GRAPHS over a small graph under a ManualClock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from taskdb import DB, T0

from cdcsim import ProgrammingError
from cdcsim.tasks.store import epoch_ms

COMPLETE_COLS = ["ROOT_TASK_NAME", "DATABASE_NAME", "SCHEMA_NAME", "STATE", "SCHEDULED_FROM",
                 "FIRST_ERROR_TASK_NAME", "FIRST_ERROR_CODE", "FIRST_ERROR_MESSAGE", "SCHEDULED_TIME",
                 "QUERY_START_TIME", "NEXT_SCHEDULED_TIME", "COMPLETED_TIME", "ROOT_TASK_ID", "GRAPH_VERSION",
                 "RUN_ID", "ATTEMPT_NUMBER", "CONFIG", "GRAPH_RUN_GROUP_ID", "BACKFILL_INFO"]
CURRENT_COLS = ["ROOT_TASK_NAME", "DATABASE_NAME", "SCHEMA_NAME", "STATE", "SCHEDULED_FROM", "FIRST_ERROR_TASK_NAME",
                "FIRST_ERROR_CODE", "FIRST_ERROR_MESSAGE", "SCHEDULED_TIME",
                "QUERY_START_TIME", "NEXT_SCHEDULED_TIME", "ROOT_TASK_ID", "GRAPH_VERSION", "RUN_ID",
                "ATTEMPT_NUMBER", "CONFIG", "GRAPH_RUN_GROUP_ID", "BACKFILL_INFO"]
DEPENDENTS_COLS = ["created_on", "name", "database_name", "schema_name", "owner", "comment", "warehouse",
                   "schedule", "predecessors", "state", "definition", "condition"]


def mk(db: DB, name: str, after: str = "", body: str = "", extra: str = "") -> None:
    sched = "" if after else "SCHEDULE = '1 MINUTE'"
    aft = f"AFTER {after}" if after else ""
    body = body or f"INSERT INTO log VALUES ('{name.upper()}')"
    db.x(f"CREATE OR REPLACE TASK {name} WAREHOUSE = wh {sched} {extra} {aft} AS {body}")


def sql(name: str, args: str = "") -> str:
    return f"SELECT * FROM TABLE(INFORMATION_SCHEMA.{name}({args}))"


def columns(db: DB, name: str, args: str = "") -> list[str]:
    return [d[0] for d in db.cur.execute(sql(name, args)).description]


def fn(db: DB, name: str, args: str = "") -> list[dict]:
    return db.dicts(sql(name, args))


def complete(db: DB, args: str = "") -> list[dict]:
    return fn(db, "COMPLETE_TASK_GRAPHS", args)


def current(db: DB, args: str = "") -> list[dict]:
    return fn(db, "CURRENT_TASK_GRAPHS", args)


def names(db: DB, args: str) -> list[str]:
    return [r["name"] for r in fn(db, "TASK_DEPENDENTS", args)]


@pytest.fixture
def g(db: DB) -> DB:
    """root -> a, b; c after a (a grandchild)."""
    db.x("CREATE TABLE log (task STRING)")
    mk(db, "root")
    mk(db, "a", "root")
    mk(db, "b", "root")
    mk(db, "c", "a")
    return db


# ---------------------------------------------------------------------------- TASK_DEPENDENTS
def test_dependents_recursive_is_the_default_and_lists_the_whole_subgraph(g: DB) -> None:
    assert columns(g, "TASK_DEPENDENTS", "TASK_NAME => 'root'") == DEPENDENTS_COLS
    rows = fn(g, "TASK_DEPENDENTS", "TASK_NAME => 'root'")
    assert [r["name"] for r in rows] == ["ROOT", "A", "B", "C"]
    assert names(g, "TASK_NAME => 'root', RECURSIVE => TRUE") == ["ROOT", "A", "B", "C"]
    # Values are SHOW TASKS' values for the same task.
    show = {r["name"]: r for r in g.dicts("SHOW TASKS")}
    for r in rows:
        assert r == {c: show[r["name"]][c] for c in DEPENDENTS_COLS}
    assert rows[0]["schedule"] == "1 MINUTE" and rows[3]["predecessors"] == show["C"]["predecessors"]
    assert "CDCSIM.PUBLIC.A" in rows[3]["predecessors"]


def test_dependents_not_recursive_lists_direct_children_only(g: DB) -> None:
    assert names(g, "TASK_NAME => 'root', RECURSIVE => FALSE") == ["ROOT", "A", "B"]
    assert names(g, "TASK_NAME => 'a', RECURSIVE => FALSE") == ["A", "C"]
    assert names(g, "TASK_NAME => 'c'") == ["C"]


def test_dependents_of_a_child_and_a_qualified_name(g: DB) -> None:
    assert names(g, "TASK_NAME => 'cdcsim.public.a'") == ["A", "C"]


def test_dependents_come_after_their_predecessors_not_by_name(g: DB) -> None:
    mk(g, "a0", "c")  # sorts before B and C by name, but runs after C
    assert names(g, "TASK_NAME => 'root'") == ["ROOT", "A", "B", "C", "A0"]
    assert names(g, "TASK_NAME => 'root', RECURSIVE => FALSE") == ["ROOT", "A", "B"]


def test_dependents_argument_errors(g: DB) -> None:
    with pytest.raises(ProgrammingError, match="does not exist or not authorized"):
        names(g, "TASK_NAME => 'nope'")
    with pytest.raises(ProgrammingError, match="TASK_NAME is required"):
        names(g, "RECURSIVE => TRUE")
    with pytest.raises(ProgrammingError, match="Invalid argument RECURSIVE"):
        names(g, "TASK_NAME => 'root', RECURSIVE => 'maybe'")
    with pytest.raises(ProgrammingError, match="Invalid argument for TASK_DEPENDENTS"):
        names(g, "TASK_NAME => 'root', DEPTH => 2")


# ---------------------------------------------------------------------------- COMPLETE_TASK_GRAPHS
def test_complete_after_a_successful_graph_run(g: DB) -> None:
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    assert complete(g) == []
    g.advance(minutes=1)
    assert columns(g, "COMPLETE_TASK_GRAPHS") == COMPLETE_COLS
    [row] = complete(g)
    hist = g.history()
    assert len(hist) == 4  # one graph run of four task runs is one row
    root_id = g.dicts("SHOW TASKS LIKE 'ROOT'")[0]["id"]
    assert row["ROOT_TASK_NAME"] == "ROOT" and row["STATE"] == "SUCCEEDED"
    assert (row["DATABASE_NAME"], row["SCHEMA_NAME"]) == ("CDCSIM", "PUBLIC")
    assert row["FIRST_ERROR_TASK_NAME"] is row["FIRST_ERROR_CODE"] is row["FIRST_ERROR_MESSAGE"] is None
    assert row["SCHEDULED_TIME"] == T0 + timedelta(minutes=1)
    assert row["COMPLETED_TIME"] == T0 + timedelta(minutes=1)
    assert row["NEXT_SCHEDULED_TIME"] == T0 + timedelta(minutes=2)
    assert row["ROOT_TASK_ID"] == root_id and row["GRAPH_VERSION"] == 1 and row["ATTEMPT_NUMBER"] == 1
    assert row["RUN_ID"] == epoch_ms(T0 + timedelta(minutes=1)) == hist[0]["RUN_ID"]
    assert row["GRAPH_RUN_GROUP_ID"] == hist[0]["GRAPH_RUN_GROUP_ID"]
    assert row["SCHEDULED_FROM"] == "SCHEDULE" and row["BACKFILL_INFO"] is None


def test_complete_after_a_child_fails(g: DB) -> None:
    mk(g, "b", "root", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    [row] = complete(g)
    failed = [h for h in g.history() if h["STATE"] == "FAILED"]
    assert [h["NAME"] for h in failed] == ["B"]
    assert row["STATE"] == "FAILED"
    assert row["FIRST_ERROR_TASK_NAME"] == "B"
    assert row["FIRST_ERROR_CODE"] == int(failed[0]["ERROR_CODE"]) == 100038
    assert row["FIRST_ERROR_MESSAGE"] == failed[0]["ERROR_MESSAGE"]
    assert "boom" in row["FIRST_ERROR_MESSAGE"]
    assert row["ROOT_TASK_NAME"] == "ROOT"


def test_complete_error_only_and_root_task_name(g: DB) -> None:
    mk(g, "bad", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.x("ALTER TASK bad RESUME")
    g.advance(minutes=2)
    rows = complete(g)
    assert sorted((r["ROOT_TASK_NAME"], r["STATE"]) for r in rows) == \
        [("BAD", "FAILED"), ("BAD", "FAILED"), ("ROOT", "SUCCEEDED"), ("ROOT", "SUCCEEDED")]
    assert {r["ROOT_TASK_NAME"] for r in complete(g, "ERROR_ONLY => TRUE")} == {"BAD"}
    assert len(complete(g, "ERROR_ONLY => TRUE")) == 2
    assert len(complete(g, "ERROR_ONLY => FALSE")) == 4
    assert [r["ROOT_TASK_NAME"] for r in complete(g, "ROOT_TASK_NAME => 'root'")] == ["ROOT", "ROOT"]
    assert complete(g, "ROOT_TASK_NAME => 'root', ERROR_ONLY => TRUE") == []
    assert complete(g, "ROOT_TASK_NAME => 'a'") == []  # a child is not a graph's root


def test_complete_keeps_the_last_60_minutes(g: DB) -> None:
    g.x("ALTER TASK root RESUME")
    g.advance(minutes=1)
    g.x("ALTER TASK root SUSPEND")
    g.advance(minutes=60)  # completed at 9:04, now 10:04: exactly 60 minutes ago
    assert len(complete(g)) == 1
    g.advance(seconds=1)
    assert complete(g) == []
    assert [h["NAME"] for h in g.history()] == ["ROOT"]  # TASK_HISTORY keeps it (7 days)


def test_complete_newest_first_and_result_limit(g: DB) -> None:
    g.x("ALTER TASK root RESUME")
    g.advance(minutes=3)
    rows = complete(g)
    assert [r["SCHEDULED_TIME"] for r in rows] == [T0 + timedelta(minutes=m) for m in (3, 2, 1)]
    assert len({r["GRAPH_RUN_GROUP_ID"] for r in rows}) == 3
    assert [r["SCHEDULED_TIME"] for r in complete(g, "RESULT_LIMIT => 2")] == \
        [T0 + timedelta(minutes=m) for m in (3, 2)]
    for bad in ("0", "10001", "'x'"):
        with pytest.raises(ProgrammingError, match="RESULT_LIMIT"):
            complete(g, f"RESULT_LIMIT => {bad}")
    with pytest.raises(ProgrammingError, match="Invalid argument for COMPLETE_TASK_GRAPHS"):
        complete(g, "TASK_NAME => 'root'")


def test_complete_has_no_row_for_a_skipped_root(g: DB) -> None:
    g.x("ALTER TASK root MODIFY WHEN 1 = 0")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    assert g.states() == [("ROOT", "SKIPPED")]
    assert complete(g) == []


def test_complete_child_skipped_by_when_still_succeeds(g: DB) -> None:
    g.x("ALTER TASK a MODIFY WHEN 1 = 0")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    assert ("A", "SKIPPED") in g.states()
    assert [r["STATE"] for r in complete(g)] == ["SUCCEEDED"]


def test_complete_one_row_per_automatic_retry_attempt(g: DB) -> None:
    mk(g, "root", extra="TASK_AUTO_RETRY_ATTEMPTS = 1")
    mk(g, "b", "root", body="SELECT CAST('boom' AS INT)")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    rows = sorted(complete(g), key=lambda r: r["ATTEMPT_NUMBER"])
    assert [(r["ATTEMPT_NUMBER"], r["ROOT_TASK_NAME"], r["STATE"], r["SCHEDULED_FROM"]) for r in rows] == \
        [(1, "ROOT", "FAILED", "SCHEDULE"), (2, "ROOT", "FAILED", "AUTOMATIC RETRY")]
    assert len({(r["RUN_ID"], r["GRAPH_RUN_GROUP_ID"]) for r in rows}) == 1


# ---------------------------------------------------------------------------- CURRENT_TASK_GRAPHS
def test_current_shows_the_next_scheduled_run_of_a_resumed_root(g: DB) -> None:
    assert current(g) == []  # nothing resumed
    g.x("ALTER TASK root RESUME")
    assert columns(g, "CURRENT_TASK_GRAPHS") == CURRENT_COLS
    [row] = current(g)
    assert row["ROOT_TASK_NAME"] == "ROOT" and row["STATE"] == "SCHEDULED"
    assert row["SCHEDULED_TIME"] == T0 + timedelta(minutes=1)
    assert row["RUN_ID"] == epoch_ms(T0 + timedelta(minutes=1))
    assert row["QUERY_START_TIME"] is None and row["GRAPH_RUN_GROUP_ID"] is None
    assert row["ROOT_TASK_ID"] == g.dicts("SHOW TASKS LIKE 'ROOT'")[0]["id"]
    g.advance(minutes=1)
    assert [r["SCHEDULED_TIME"] for r in current(g)] == [T0 + timedelta(minutes=2)]
    g.x("ALTER TASK root SUSPEND")
    assert current(g) == []


def test_current_filters_by_root_and_orders_newest_first(g: DB) -> None:
    mk(g, "later", extra="", body="SELECT 1")
    g.x("ALTER TASK later SET SCHEDULE = '5 MINUTES'")
    g.x("ALTER TASK later RESUME")
    g.x("ALTER TASK root RESUME")
    assert [(r["ROOT_TASK_NAME"], r["SCHEDULED_TIME"]) for r in current(g)] == \
        [("LATER", T0 + timedelta(minutes=5)), ("ROOT", T0 + timedelta(minutes=1))]
    assert [r["ROOT_TASK_NAME"] for r in current(g, "ROOT_TASK_NAME => 'Root'")] == ["ROOT"]
    assert [r["ROOT_TASK_NAME"] for r in current(g, "RESULT_LIMIT => 1")] == ["LATER"]
    with pytest.raises(ProgrammingError, match="Invalid argument for CURRENT_TASK_GRAPHS"):
        current(g, "ERROR_ONLY => TRUE")


def test_a_running_graph_is_current_and_not_complete(g: DB) -> None:
    g.x("CREATE TABLE seen (fn STRING, root STRING, state STRING, grp STRING)")
    mk(g, "c", "a", body="INSERT INTO seen SELECT 'current', ROOT_TASK_NAME, STATE, GRAPH_RUN_GROUP_ID "
                         "FROM TABLE(INFORMATION_SCHEMA.CURRENT_TASK_GRAPHS()) UNION ALL "
                         "SELECT 'complete', ROOT_TASK_NAME, STATE, GRAPH_RUN_GROUP_ID "
                         "FROM TABLE(INFORMATION_SCHEMA.COMPLETE_TASK_GRAPHS())")
    g.x("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root')")
    g.advance(minutes=1)
    group = g.history()[0]["GRAPH_RUN_GROUP_ID"]
    # Seen from the grandchild: its own graph run EXECUTING (the root's next run is not scheduled
    # until this one ends), and not yet complete.
    assert g.x("SELECT fn, root, state, grp FROM seen") == [("current", "ROOT", "EXECUTING", group)]
    assert [r["GRAPH_RUN_GROUP_ID"] for r in complete(g)] == [group]
