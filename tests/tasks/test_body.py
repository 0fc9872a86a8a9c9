"""Task bodies: BEGIN ... END blocks commit statement by statement unless they open a transaction;
EXECUTE TASK and other statements in a body."""

from __future__ import annotations

from taskdb import DB


def setup(db: DB) -> None:
    db.x("CREATE TABLE src (a INT)")
    db.x("CREATE STREAM s ON TABLE src")
    db.x("CREATE TABLE dst (a INT)")
    db.x("CREATE TABLE audit (n INT NOT NULL)")


def _run_once(db: DB, change: str) -> None:
    """Make ``change`` to src, resume task t and let one run happen."""
    db.x(change)
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)


def test_block_statements_commit_one_by_one(db: DB) -> None:
    """A block is not a transaction: the first INSERT consumes the stream, the second sees it empty
    (the classic pitfall Snowflake's docs answer with BEGIN TRANSACTION ... COMMIT)."""
    setup(db)
    db.x("""CREATE TASK t SCHEDULE = '1 MINUTE' AS
        BEGIN
            INSERT INTO dst SELECT a FROM s;
            INSERT INTO audit SELECT count(*) FROM s;
            RETURN 'done';
        END;""")
    _run_once(db, "INSERT INTO src VALUES (1), (2)")
    assert db.states("t") == [("T", "SUCCEEDED")]
    assert sorted(db.x("SELECT a FROM dst")) == [(1,), (2,)]
    assert db.x("SELECT n FROM audit") == [(0,)]


def test_block_transaction_reads_one_window(db: DB) -> None:
    setup(db)
    db.x("""CREATE TASK t SCHEDULE = '1 MINUTE' AS
        BEGIN
            BEGIN TRANSACTION;
            INSERT INTO dst SELECT a FROM s;
            INSERT INTO audit SELECT count(*) FROM s;   -- same window: the stream is consumed at commit
            COMMIT;
        END;""")
    _run_once(db, "INSERT INTO src VALUES (1), (2)")
    assert db.states("t") == [("T", "SUCCEEDED")]
    assert sorted(db.x("SELECT a FROM dst")) == [(1,), (2,)]
    assert db.x("SELECT n FROM audit") == [(2,)]
    assert db.one("SELECT count(*) FROM s") == 0


def test_block_failure_keeps_what_committed_before_it(db: DB) -> None:
    setup(db)
    db.x("""CREATE TASK t SCHEDULE = '1 MINUTE' AS
        BEGIN
            INSERT INTO dst SELECT a FROM s;
            INSERT INTO audit VALUES (NULL);
        END""")
    _run_once(db, "INSERT INTO src VALUES (1)")
    (h,) = db.history("t")
    assert h["STATE"] == "FAILED" and h["ERROR_CODE"] == "100072"
    assert db.x("SELECT a FROM dst") == [(1,)]  # the first statement committed on its own
    assert db.one("SELECT count(*) FROM s") == 0


def test_block_failure_in_a_transaction_rolls_it_back_and_keeps_stream(db: DB) -> None:
    setup(db)
    db.x("""CREATE TASK t SCHEDULE = '1 MINUTE' AS
        BEGIN
            BEGIN TRANSACTION;
            INSERT INTO dst SELECT a FROM s;
            INSERT INTO audit VALUES (NULL);
            COMMIT;
        END""")
    _run_once(db, "INSERT INTO src VALUES (1)")
    (h,) = db.history("t")
    assert h["STATE"] == "FAILED" and h["ERROR_CODE"] == "100072"
    assert db.x("SELECT * FROM dst") == []
    assert db.one("SELECT count(*) FROM s") == 1
    # The scheduler's session is usable for the next run.
    db.x("ALTER TASK t SUSPEND")
    db.x("ALTER TASK t MODIFY AS BEGIN START TRANSACTION; INSERT INTO dst SELECT a FROM s; "
         "INSERT INTO audit VALUES (1); COMMIT; END")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)
    assert db.x("SELECT a FROM dst") == [(1,)]


def test_block_left_inside_its_transaction_fails_and_rolls_back(db: DB) -> None:
    setup(db)
    db.x("""CREATE TASK t SCHEDULE = '1 MINUTE' AS
        BEGIN
            INSERT INTO audit VALUES (1);
            BEGIN TRANSACTION;
            INSERT INTO dst SELECT a FROM s;
        END""")
    _run_once(db, "INSERT INTO src VALUES (1)")
    (h,) = db.history("t")
    assert h["STATE"] == "FAILED" and "without COMMIT" in h["ERROR_MESSAGE"]
    assert db.x("SELECT n FROM audit") == [(1,)]
    assert db.x("SELECT * FROM dst") == []
    assert db.one("SELECT count(*) FROM s") == 1


def test_body_can_execute_another_task(db: DB) -> None:
    db.x("CREATE TABLE log (v STRING)")
    db.x("CREATE TASK inner_t AS INSERT INTO log VALUES ('inner')")
    db.x("CREATE TASK outer_t SCHEDULE = '1 MINUTE' AS EXECUTE TASK inner_t")
    db.x("ALTER TASK outer_t RESUME")
    db.advance(minutes=1)
    assert db.x("SELECT v FROM log") == [("inner",)]
    hist = {h["NAME"]: h for h in db.history()}
    assert hist["INNER_T"]["SCHEDULED_FROM"] == "EXECUTE_TASK"
    assert hist["INNER_T"]["SCHEDULED_TIME"] == hist["OUTER_T"]["SCHEDULED_TIME"]


def test_body_ddl_and_merge(db: DB) -> None:
    setup(db)
    db.x("""CREATE TASK t AS
        MERGE INTO dst d USING s ON d.a = s.a
        WHEN NOT MATCHED AND s.METADATA$ACTION = 'INSERT' THEN INSERT (a) VALUES (s.a)""")
    db.x("INSERT INTO src VALUES (5)")
    db.x("EXECUTE TASK t")
    assert db.x("SELECT a FROM dst") == [(5,)]
    db.x("CREATE TASK ddl AS CREATE OR REPLACE TABLE made_by_task AS SELECT 1 AS x")
    db.x("EXECUTE TASK ddl")
    assert db.x("SELECT x FROM made_by_task") == [(1,)]


def test_body_refreshes_a_dynamic_table(db: DB) -> None:
    db.x("CREATE TABLE base (a INT)")
    db.x("CREATE DYNAMIC TABLE dt TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT a FROM base")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh AS ALTER DYNAMIC TABLE dt REFRESH")
    db.x("INSERT INTO base VALUES (1), (2)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)
    assert db.states("t") == [("T", "SUCCEEDED")]
    assert db.one("SELECT count(*) FROM dt") == 2


def test_call_of_a_system_function_and_execute_immediate(db: DB) -> None:
    """The task-graphs page's ``AS CALL SYSTEM$SET_RETURN_VALUE(...)`` and CREATE TASK's
    ``AS EXECUTE IMMEDIATE $$ ... $$`` run (they failed on every run before)."""
    db.x("CREATE TABLE out (v STRING)")
    db.x("CREATE TASK r SCHEDULE = '1 MINUTE' AS CALL SYSTEM$SET_RETURN_VALUE('hello')")
    db.x("CREATE TASK c AFTER r AS EXECUTE IMMEDIATE $$ BEGIN INSERT INTO out "
         "SELECT SYSTEM$GET_PREDECESSOR_RETURN_VALUE('r'); RETURN 'ok'; END; $$")
    db.x("ALTER TASK c RESUME")
    db.x("ALTER TASK r RESUME")
    db.advance(minutes=1)
    assert db.history("r")[0]["RETURN_VALUE"] == "hello"
    assert db.states("c") == [("C", "SUCCEEDED")]
    assert db.x("SELECT v FROM out") == [("hello",)]
