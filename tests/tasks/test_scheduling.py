"""Scheduled and triggered tasks under a ManualClock: when runs happen and what they record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from taskdb import DB, T0

from cdcsim import ProgrammingError


def at(h: int, m: int, s: int = 0) -> datetime:
    return datetime(2025, 9, 3, h, m, s)


def log_task(db: DB, name: str = "t", schedule: str = "1 MINUTE", extra: str = "") -> None:
    db.x("CREATE TABLE IF NOT EXISTS log (task STRING, ts TIMESTAMP)")
    db.x(f"CREATE OR REPLACE TASK {name} WAREHOUSE = wh SCHEDULE = '{schedule}' {extra} "
         f"AS INSERT INTO log SELECT '{name}', CURRENT_TIMESTAMP()")


def test_created_suspended_and_does_not_run(db: DB) -> None:
    log_task(db)
    assert db.one("SHOW TASKS") is not None
    assert db.dicts("SHOW TASKS")[0]["state"] == "suspended"
    db.advance(minutes=10)
    assert db.x("SELECT * FROM log") == []
    assert db.history("T") == []


def test_interval_counts_from_resume_time(db: DB) -> None:
    log_task(db, schedule="10 MINUTES")
    db.x("ALTER TASK t RESUME")  # at 9:03
    db.advance(minutes=25)
    assert [r[0] for r in db.x("SELECT ts FROM log ORDER BY ts")] == [at(9, 13), at(9, 23)]
    assert db.dicts("SHOW TASKS")[0]["state"] == "started"


def test_each_due_instant_gets_its_own_run_and_timestamp(db: DB) -> None:
    log_task(db)
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=10)
    times = [r[0] for r in db.x("SELECT ts FROM log ORDER BY ts")]
    assert times == [T0 + timedelta(minutes=i) for i in range(1, 11)]
    hist = db.history("t")
    assert [h["SCHEDULED_TIME"] for h in hist] == times
    assert {h["STATE"] for h in hist} == {"SUCCEEDED"}
    assert {h["SCHEDULED_FROM"] for h in hist} == {"SCHEDULE"}
    assert all(h["QUERY_START_TIME"] == h["SCHEDULED_TIME"] == h["COMPLETED_TIME"] for h in hist)
    assert [h["NEXT_SCHEDULED_TIME"] for h in hist] == [t + timedelta(minutes=1) for t in times]
    assert all(h["QUERY_ID"] for h in hist)
    assert all(h["RUN_ID"] == int(h["SCHEDULED_TIME"].timestamp() * 1000) for h in hist)


def test_never_early(db: DB) -> None:
    log_task(db)
    db.x("ALTER TASK t RESUME")
    db.advance(seconds=59)
    assert db.x("SELECT * FROM log") == []
    db.advance(seconds=1)
    assert db.x("SELECT ts FROM log") == [(at(9, 4),)]


def test_history_next_scheduled_row_and_order(db: DB) -> None:
    log_task(db)
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2, seconds=30)
    rows = db.dicts("SELECT NAME, STATE, SCHEDULED_TIME, QUERY_ID, COMPLETED_TIME FROM "
                    "TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")
    assert [(r["STATE"], r["SCHEDULED_TIME"]) for r in rows] == [
        ("SCHEDULED", at(9, 6)), ("SUCCEEDED", at(9, 5)), ("SUCCEEDED", at(9, 4))]
    assert rows[0]["QUERY_ID"] is None and rows[0]["COMPLETED_TIME"] is None


def test_history_columns_in_documented_order(db: DB) -> None:
    log_task(db)
    cur = db.cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")
    assert [d[0] for d in cur.description] == [
        "QUERY_ID", "NAME", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TEXT", "CONDITION_TEXT", "STATE", "ERROR_CODE",
        "ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "NEXT_SCHEDULED_TIME", "COMPLETED_TIME",
        "ROOT_TASK_ID", "GRAPH_VERSION", "RUN_ID", "RETURN_VALUE", "SCHEDULED_FROM", "ATTEMPT_NUMBER", "CONFIG",
        "QUERY_HASH", "QUERY_HASH_VERSION", "QUERY_PARAMETERIZED_HASH", "QUERY_PARAMETERIZED_HASH_VERSION",
        "GRAPH_RUN_GROUP_ID", "BACKFILL_INFO", "SPCS_JOB_ID"]


def test_history_arguments(db: DB) -> None:
    log_task(db, "a")
    log_task(db, "b", extra="")
    db.x("CREATE OR REPLACE TASK bad SCHEDULE = '1 MINUTE' WAREHOUSE = wh AS INSERT INTO nowhere VALUES (1)")
    for n in ("a", "b", "bad"):
        db.x(f"ALTER TASK {n} RESUME")
    db.advance(minutes=5)
    assert {r["NAME"] for r in db.history("A")} == {"A"}
    assert {r["NAME"] for r in db.history("a")} == {"A"}  # case-insensitive
    # RESULT_LIMIT applies to the newest rows: the 3 SCHEDULED rows (9:09) and one finished run.
    assert len(db.history(RESULT_LIMIT=4)) == 1
    assert {r["STATE"] for r in db.history(ERROR_ONLY="TRUE")} == {"FAILED"}
    start = db.history(SCHEDULED_TIME_RANGE_START="DATEADD('minute', -2, CURRENT_TIMESTAMP())",
                       SCHEDULED_TIME_RANGE_END="'2025-09-03 09:07:00'::TIMESTAMP")
    assert {r["SCHEDULED_TIME"] for r in start} == {at(9, 6), at(9, 7)}
    with pytest.raises(ProgrammingError, match="RESULT_LIMIT"):
        db.x("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 0))")
    with pytest.raises(ProgrammingError, match="7 days"):
        db.x("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
             "SCHEDULED_TIME_RANGE_START => DATEADD('day', -8, CURRENT_TIMESTAMP())))")


def test_when_false_is_skipped_and_runs_no_sql(db: DB) -> None:
    db.x("CREATE TABLE src (a INT)")
    db.x("CREATE STREAM s ON TABLE src")
    db.x("CREATE TABLE dst (a INT)")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh WHEN SYSTEM$STREAM_HAS_DATA('s') "
         "AS INSERT INTO dst SELECT a FROM s")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    db.x("INSERT INTO src VALUES (1)")
    db.advance(minutes=2)
    hist = db.history("t")
    assert [h["STATE"] for h in hist] == ["SKIPPED", "SKIPPED", "SUCCEEDED", "SKIPPED"]
    assert hist[0]["QUERY_ID"] is None and hist[0]["QUERY_START_TIME"] is None
    assert hist[2]["CONDITION_TEXT"] == "SYSTEM$STREAM_HAS_DATA('s')"
    assert db.x("SELECT a FROM dst") == [(1,)]


@pytest.mark.parametrize(("cond", "expect"), [
    ("SYSTEM$STREAM_HAS_DATA('s1') AND SYSTEM$STREAM_HAS_DATA('s2')", "SKIPPED"),
    ("SYSTEM$STREAM_HAS_DATA('s1') OR SYSTEM$STREAM_HAS_DATA('s2')", "SUCCEEDED"),
    ("NOT SYSTEM$STREAM_HAS_DATA('s2')", "SUCCEEDED"),
    ("NOT SYSTEM$STREAM_HAS_DATA('s1')", "SKIPPED"),
    ("(SYSTEM$STREAM_HAS_DATA('s1') AND NOT SYSTEM$STREAM_HAS_DATA('s2')) OR 1 = 0", "SUCCEEDED"),
])
def test_when_boolean_combinations(db: DB, cond: str, expect: str) -> None:
    db.x("CREATE TABLE a (x INT)")
    db.x("CREATE TABLE b (x INT)")
    db.x("CREATE STREAM s1 ON TABLE a")
    db.x("CREATE STREAM s2 ON TABLE b")
    db.x("INSERT INTO a VALUES (1)")
    db.x(f"CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh WHEN {cond} AS SELECT 1")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)
    assert db.states("t") == [("T", expect)]


def test_failed_run_records_error_and_keeps_stream(db: DB) -> None:
    db.x("CREATE TABLE src (a INT)")
    db.x("CREATE STREAM s ON TABLE src")
    db.x("CREATE TABLE dst (a INT NOT NULL)")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh AS INSERT INTO dst SELECT a FROM s")
    db.x("INSERT INTO src VALUES (1), (NULL)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)
    (h,) = db.history("t")
    assert h["STATE"] == "FAILED"
    assert h["ERROR_CODE"] == "100072" and "NULL" in h["ERROR_MESSAGE"].upper()
    assert h["COMPLETED_TIME"] == at(9, 4)
    assert db.x("SELECT a FROM dst") == []
    assert db.one("SELECT count(*) FROM s") == 2  # the stream was not consumed
    db.x("DELETE FROM src WHERE a IS NULL")
    db.advance(minutes=1)
    assert db.states("t")[-1] == ("T", "SUCCEEDED")
    assert db.x("SELECT a FROM dst") == [(1,)]
    assert db.one("SELECT count(*) FROM s") == 0


def test_auto_suspend_after_consecutive_failures(db: DB) -> None:
    db.x("CREATE TABLE flag (ok BOOLEAN)")
    db.x("INSERT INTO flag VALUES (FALSE)")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh SUSPEND_TASK_AFTER_NUM_FAILURES = 3 "
         "AS SELECT CASE WHEN ok THEN 1 ELSE CAST('boom' AS INT) END FROM flag")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    db.x("UPDATE flag SET ok = TRUE")  # a success resets the streak
    db.advance(minutes=1)
    db.x("UPDATE flag SET ok = FALSE")
    db.advance(minutes=10)
    states = [s for _, s in db.states("t")]
    assert states == ["FAILED", "FAILED", "SUCCEEDED", "FAILED", "FAILED", "FAILED_AND_AUTO_SUSPENDED"]
    row = db.dicts("SHOW TASKS LIKE 'T'")[0]
    assert row["state"] == "suspended"
    assert row["last_suspended_reason"] == "SUSPENDED_DUE_TO_ERRORS"
    assert row["last_suspended_on"] == at(9, 9)
    # Resuming starts a new streak.
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    assert [s for _, s in db.states("t")][-2:] == ["FAILED", "FAILED"]
    assert db.dicts("SHOW TASKS")[0]["state"] == "started"


def test_default_auto_suspend_is_ten_and_zero_disables(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh AS SELECT CAST('boom' AS INT)")
    db.x("CREATE TASK u SCHEDULE = '1 MINUTE' WAREHOUSE = wh SUSPEND_TASK_AFTER_NUM_FAILURES = 0 AS SELECT CAST('boom' AS INT)")
    db.x("ALTER TASK t RESUME")
    db.x("ALTER TASK u RESUME")
    db.advance(minutes=12)
    assert len(db.history("t")) == 10
    assert db.history("t")[-1]["STATE"] == "FAILED_AND_AUTO_SUSPENDED"
    assert len(db.history("u")) == 12
    assert {r["STATE"] for r in db.history("u")} == {"FAILED"}


def test_auto_retry(db: DB) -> None:
    db.x("CREATE TABLE n (i INT)")
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh TASK_AUTO_RETRY_ATTEMPTS = 2 "
         "AS INSERT INTO n SELECT CASE WHEN count(*) < 2 THEN CAST('boom' AS INT) ELSE 1 END FROM log2")
    db.x("CREATE TABLE log2 (i INT)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=1)
    hist = db.history("t")
    assert [(h["STATE"], h["ATTEMPT_NUMBER"], h["SCHEDULED_FROM"]) for h in hist] == [
        ("FAILED", 1, "SCHEDULE"), ("FAILED", 2, "AUTOMATIC RETRY"), ("FAILED", 3, "AUTOMATIC RETRY")]
    assert len({h["RUN_ID"] for h in hist}) == 1
    assert len({h["GRAPH_RUN_GROUP_ID"] for h in hist}) == 1
    db.x("INSERT INTO log2 VALUES (1), (2)")
    db.advance(minutes=1)
    assert db.history("t")[-1]["STATE"] == "SUCCEEDED"


def test_execute_task_runs_suspended_task_now(db: DB) -> None:
    log_task(db)
    db.advance(seconds=20)
    db.x("EXECUTE TASK t")
    assert db.x("SELECT ts FROM log") == [(at(9, 3, 20),)]
    (h,) = db.history("t")
    assert h["SCHEDULED_FROM"] == "EXECUTE_TASK" and h["STATE"] == "SUCCEEDED"
    assert db.dicts("SHOW TASKS")[0]["state"] == "suspended"
    assert db.dicts("SHOW TASKS")[0]["last_committed_on"] == at(9, 3, 20)


def test_execute_task_replaces_the_pending_scheduled_run(db: DB) -> None:
    log_task(db, schedule="10 MINUTES")
    db.x("ALTER TASK t RESUME")  # 9:13, 9:23, ...
    db.advance(minutes=5)
    db.x("EXECUTE TASK t")  # 9:08 replaces 9:13
    db.advance(minutes=20)
    assert [r[0] for r in db.x("SELECT ts FROM log ORDER BY ts")] == [at(9, 8), at(9, 23)]


def test_execute_task_with_config_and_child_is_error(db: DB) -> None:
    db.x("CREATE TASK r WAREHOUSE = wh CONFIG = $${\"env\": \"dev\", \"n\": {\"a\": 1}}$$ "
         "AS SELECT SYSTEM$GET_TASK_GRAPH_CONFIG('env')")
    db.x("CREATE TASK c WAREHOUSE = wh AFTER r AS SELECT 1")
    db.x("EXECUTE TASK r USING CONFIG = $${\"n\": {\"b\": 2}}$$")
    (h,) = db.history("r")
    assert h["CONFIG"] is not None and '"b": 2' in h["CONFIG"] and '"a": 1' in h["CONFIG"]
    with pytest.raises(ProgrammingError, match="root"):
        db.x("EXECUTE TASK c")


def test_execute_task_in_a_transaction_is_queued(db: DB) -> None:
    log_task(db)
    db.x("BEGIN")
    db.x("EXECUTE TASK t")
    assert db.x("SELECT * FROM log") == []
    db.x("COMMIT")
    db.con.run_pending()
    assert db.x("SELECT ts FROM log") == [(T0,)]


def test_cron_schedule_runs_at_matches(db: DB) -> None:

    db.x("CREATE TABLE log (task STRING, ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh SCHEDULE = 'USING CRON */20 * * * * UTC' "
         "AS INSERT INTO log SELECT 't', CURRENT_TIMESTAMP()")
    db.x("ALTER TASK t RESUME")
    db.advance(hours=1)
    got = [r[0] for r in db.x("SELECT ts FROM log ORDER BY ts")]
    assert len(got) == 3
    assert all(t.astimezone(UTC).minute % 20 == 0 and t.second == 0 for t in got)


def test_suspend_cancels_future_runs(db: DB) -> None:
    log_task(db)
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=2)
    db.x("ALTER TASK t SUSPEND")
    db.advance(minutes=5)
    assert db.one("SELECT count(*) FROM log") == 2
    row = db.dicts("SHOW TASKS")[0]
    assert row["last_suspended_reason"] == "USER_SUSPENDED"
    rows = db.dicts("SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())")
    assert "SCHEDULED" not in {r["STATE"] for r in rows}


def test_task_without_schedule_runs_only_by_execute(db: DB) -> None:
    db.x("CREATE TABLE log (task STRING, ts TIMESTAMP)")
    db.x("CREATE TASK t WAREHOUSE = wh AS INSERT INTO log SELECT 't', CURRENT_TIMESTAMP()")
    db.x("ALTER TASK t RESUME")
    db.advance(hours=2)
    assert db.x("SELECT * FROM log") == []


class TestTriggered:
    def setup(self, db: DB, interval: str = "") -> None:
        db.x("CREATE TABLE src (a INT)")
        db.x("CREATE STREAM s ON TABLE src")
        db.x("CREATE TABLE dst (a INT, ts TIMESTAMP)")
        db.x(f"CREATE TASK t WAREHOUSE = wh {interval} WHEN SYSTEM$STREAM_HAS_DATA('s') "
             "AS INSERT INTO dst SELECT a, CURRENT_TIMESTAMP() FROM s")

    def test_first_resume_runs_only_with_changes(self, db: DB) -> None:
        self.setup(db)
        db.x("ALTER TASK t RESUME")
        db.advance(minutes=5)
        assert db.history("t") == []
        db.x("INSERT INTO src VALUES (1)")  # at 9:08
        db.advance(seconds=1)
        (h,) = db.history("t")
        assert h["SCHEDULED_FROM"] == "TRIGGER" and h["STATE"] == "SUCCEEDED"
        assert h["SCHEDULED_TIME"] == at(9, 8)
        assert db.dicts("SHOW TASKS")[0]["schedule"] is None

    def test_minimum_trigger_interval_batches_changes(self, db: DB) -> None:
        self.setup(db)
        db.x("INSERT INTO src VALUES (1)")
        db.x("ALTER TASK t RESUME")
        db.advance(seconds=1)  # runs at once: 9:03
        for i in range(5):
            db.x(f"INSERT INTO src VALUES ({i + 10})")
            db.advance(seconds=5)
        db.advance(seconds=30)
        runs = [h["SCHEDULED_TIME"] for h in db.history("t")]
        assert runs == [at(9, 3), at(9, 3, 30)]  # default 30 s between runs
        assert db.one("SELECT count(*) FROM dst") == 6

    def test_lowered_interval(self, db: DB) -> None:
        self.setup(db, "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 10")
        db.x("ALTER TASK t RESUME")
        db.x("INSERT INTO src VALUES (1)")
        db.advance(seconds=1)
        db.x("INSERT INTO src VALUES (2)")
        db.advance(seconds=20)
        assert [h["SCHEDULED_TIME"] for h in db.history("t")] == [at(9, 3), at(9, 3, 10)]

    def test_health_check_every_12_hours(self, db: DB) -> None:
        self.setup(db)
        db.x("ALTER TASK t RESUME")
        db.advance(hours=25)
        hist = db.history("t")
        assert [(h["STATE"], h["SCHEDULED_TIME"]) for h in hist] == [
            ("SKIPPED", T0 + timedelta(hours=12)), ("SKIPPED", T0 + timedelta(hours=24))]

    def test_bounds_and_serverless_rule(self, db: DB, relaxed: DB) -> None:
        with pytest.raises(ProgrammingError, match="USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS"):
            self.setup(db, "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 5")
        with pytest.raises(ProgrammingError, match="TARGET_COMPLETION_INTERVAL"):
            db.x("CREATE TASK t2 WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1")
        db.x("CREATE TASK t3 TARGET_COMPLETION_INTERVAL = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1")
        self.setup(relaxed, "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 0.5")


def test_seed_consume_stream_task(db: DB) -> None:
    """The seed's bronze task: INSERT, UPDATE (a DELETE + INSERT pair) and DELETE land with their metadata."""
    db.x("""CREATE OR REPLACE TABLE raw_movie_bookings (
        booking_id STRING, customer_id STRING, movie_id STRING, booking_date TIMESTAMP, status STRING,
        ticket_count INT, ticket_price NUMBER(10, 2), total_amount NUMBER(10, 2) AS (ticket_count * ticket_price),
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP())""")
    db.x("CREATE OR REPLACE STREAM movie_bookings_stream ON TABLE raw_movie_bookings")
    db.x("""CREATE OR REPLACE TABLE movie_booking_cdc_events (
        booking_id STRING, customer_id STRING, movie_id STRING, booking_date TIMESTAMP, status STRING,
        ticket_count INT, ticket_price NUMBER(10, 2), total_amount NUMBER(10, 2), created_at TIMESTAMP,
        updated_at TIMESTAMP, change_action STRING, is_update BOOLEAN,
        change_timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP())""")
    db.x("""CREATE OR REPLACE TASK consume_stream_task
        WAREHOUSE = COMPUTE_WH
        SCHEDULE = '1 MINUTE'
    AS
        INSERT INTO movie_booking_cdc_events (
            booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
            total_amount, created_at, updated_at, change_action, is_update, change_timestamp
        )
        SELECT
            booking_id, customer_id, movie_id, booking_date, status, ticket_count, ticket_price,
            total_amount, created_at, updated_at,
            METADATA$ACTION, METADATA$ISUPDATE, CURRENT_TIMESTAMP()
        FROM movie_bookings_stream
        WHERE METADATA$ACTION IS NOT NULL;""")
    db.x("ALTER TASK consume_stream_task RESUME")
    db.x("INSERT INTO raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status, ticket_count, "
         "ticket_price) VALUES ('B1', 'C1', 'M1', '2025-09-03', 'BOOKED', 2, 10.00), "
         "('B2', 'C2', 'M1', '2025-09-03', 'BOOKED', 1, 12.50)")
    db.advance(minutes=1)
    db.x("UPDATE raw_movie_bookings SET status = 'CANCELLED' WHERE booking_id = 'B1'")
    db.advance(minutes=1)
    db.x("DELETE FROM raw_movie_bookings WHERE booking_id = 'B2'")
    db.advance(minutes=1)
    rows = db.x("SELECT booking_id, status, total_amount, change_action, is_update, change_timestamp "
                "FROM movie_booking_cdc_events ORDER BY change_timestamp, booking_id, change_action")
    from decimal import Decimal

    assert rows == [
        ("B1", "BOOKED", Decimal("20.00"), "INSERT", False, at(9, 4)),
        ("B2", "BOOKED", Decimal("12.50"), "INSERT", False, at(9, 4)),
        ("B1", "BOOKED", Decimal("20.00"), "DELETE", True, at(9, 5)),
        ("B1", "CANCELLED", Decimal("20.00"), "INSERT", True, at(9, 5)),
        ("B2", "BOOKED", Decimal("12.50"), "DELETE", False, at(9, 6)),
    ]
    assert db.one("SELECT count(*) FROM movie_bookings_stream") == 0
    assert [s for _, s in db.states("consume_stream_task")] == ["SUCCEEDED"] * 3


def test_retries_count_as_one_failed_run_for_auto_suspend(db: DB) -> None:
    db.x("CREATE TASK t SCHEDULE = '1 MINUTE' WAREHOUSE = wh TASK_AUTO_RETRY_ATTEMPTS = 1 "
         "SUSPEND_TASK_AFTER_NUM_FAILURES = 2 AS SELECT CAST('boom' AS INT)")
    db.x("ALTER TASK t RESUME")
    db.advance(minutes=5)
    hist = db.history("t")
    assert [(h["ATTEMPT_NUMBER"], h["STATE"]) for h in hist] == [
        (1, "FAILED"), (2, "FAILED"), (1, "FAILED"), (2, "FAILED_AND_AUTO_SUSPENDED")]
    assert db.dicts("SHOW TASKS")[0]["state"] == "suspended"


def test_history_keeps_seven_days(db: DB) -> None:
    log_task(db, schedule="12 HOURS")
    db.x("ALTER TASK t RESUME")
    db.advance(days=10)
    hist = db.history("t")
    assert len(hist) == 15  # the last 7 days of a 12-hour schedule, both ends included
    assert hist[0]["SCHEDULED_TIME"] == T0 + timedelta(days=3)
    assert db.one("SELECT count(*) FROM log") == 20
