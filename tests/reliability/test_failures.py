"""A failure inside a task run or a refresh rolls the whole run back.

* A task block whose second statement fails: the first statement's rows are gone, the stream it
  read is not consumed, TASK_HISTORY says FAILED with the error; once the data is fixed the next
  run moves every change exactly once.
* A single statement that fails on its n-th row writes none of its rows.
* A dynamic-table query that fails for some rows: the refresh is FAILED, the table keeps its last
  good contents, its consumer is UPSTREAM_FAILED and unchanged, a manual refresh raises a
  cdcsim.Error; after the bad row is fixed, the table equals its query again (the failed refresh
  did not move the incremental frontier).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import cdcsim


@pytest.fixture
def con() -> Any:
    c = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2026, 1, 5, 9, 0)))
    yield c
    c.close()


def q(con: cdcsim.Connection, sql: str) -> list[tuple[Any, ...]]:
    return con.cursor().execute(sql).fetchall()


def task_states(con: cdcsim.Connection, name: str) -> list[tuple[Any, ...]]:
    return q(con, "SELECT STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
                  f"TASK_NAME => '{name}')) WHERE STATE NOT IN ('SCHEDULED', 'EXECUTING') "
                  "ORDER BY SCHEDULED_TIME")


def test_task_block_whose_second_statement_fails_rolls_back_and_keeps_the_stream(con: cdcsim.Connection) -> None:
    """A block is not a transaction; the one it opens is rolled back whole when a statement fails."""
    con.execute_string("""
        CREATE TABLE src (id INT, v STRING);
        CREATE STREAM src_s ON TABLE src;
        CREATE TABLE sink (id INT, v STRING, action STRING, is_update BOOLEAN);
        CREATE TABLE numbers (n INT);
        CREATE TASK move SCHEDULE = '1 MINUTE' AS
        BEGIN
            BEGIN TRANSACTION;
            INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM src_s;
            INSERT INTO numbers SELECT CAST(v AS INT) FROM src;
            COMMIT;
        END;
        ALTER TASK move RESUME;
        INSERT INTO src VALUES (1, '10'), (2, 'twenty'), (3, '30');
    """)
    con.advance(minutes=1)
    assert task_states(con, "move")[-1][0] == "FAILED"
    assert "twenty" in (task_states(con, "move")[-1][1] or "")
    assert q(con, "SELECT count(*) FROM sink") == [(0,)]  # the first statement was undone
    assert q(con, "SELECT count(*) FROM numbers") == [(0,)]
    assert q(con, "SELECT count(*) FROM src_s") == [(3,)]  # not consumed
    assert q(con, "SELECT SYSTEM$STREAM_HAS_DATA('src_s')") == [(True,)]

    con.cursor().execute("UPDATE src SET v = '20' WHERE id = 2")
    con.advance(minutes=1)
    assert task_states(con, "move")[-1][0] == "SUCCEEDED"
    # Every change exactly once: three inserts (id 2 already with its fixed value), no update pair.
    assert q(con, "SELECT id, v, action, is_update FROM sink ORDER BY id") == [
        (1, "10", "INSERT", False), (2, "20", "INSERT", False), (3, "30", "INSERT", False)]
    assert q(con, "SELECT n FROM numbers ORDER BY n") == [(10,), (20,), (30,)]
    assert q(con, "SELECT count(*) FROM src_s") == [(0,)]


def test_single_statement_failing_on_a_later_row_writes_nothing(con: cdcsim.Connection) -> None:
    con.execute_string("""
        CREATE TABLE src (id INT, v STRING);
        CREATE STREAM src_s ON TABLE src;
        CREATE TABLE sink (id INT, n INT);
        CREATE TASK move SCHEDULE = '1 MINUTE' AS
            INSERT INTO sink SELECT id, CAST(v AS INT) FROM src_s;
        ALTER TASK move RESUME;
    """)
    cur = con.cursor()
    cur.execute("INSERT INTO src SELECT range, CAST(range AS STRING) FROM range(1000)")
    cur.execute("INSERT INTO src VALUES (1000, 'oops')")
    con.advance(minutes=1)
    assert task_states(con, "move")[-1][0] == "FAILED"
    assert q(con, "SELECT count(*) FROM sink") == [(0,)]
    assert q(con, "SELECT count(*) FROM src_s") == [(1001,)]
    # A user's own statement: same rule, and the error is a cdcsim.Error subclass.
    with pytest.raises(cdcsim.DataError, match="oops"):
        cur.execute("INSERT INTO sink SELECT id, CAST(v AS INT) FROM src_s")
    assert q(con, "SELECT count(*) FROM sink") == [(0,)]
    assert q(con, "SELECT count(*) FROM src_s") == [(1001,)]


def last_refresh(con: cdcsim.Connection, name: str) -> str:
    """The newest refresh's state (the function lists the newest first)."""
    return str(q(con, "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
                      f"NAME => '{name}'))")[0][0])


@pytest.mark.parametrize("mode", ["INCREMENTAL", "FULL"])
def test_refresh_failing_for_some_rows_keeps_the_last_good_contents(con: cdcsim.Connection, mode: str) -> None:
    con.execute_string(f"""
        CREATE TABLE src (id INT, v STRING);
        INSERT INTO src VALUES (1, '10'), (2, '20');
        CREATE DYNAMIC TABLE parsed TARGET_LAG = '1 minute' WAREHOUSE = wh REFRESH_MODE = {mode}
            AS SELECT id, CAST(v AS INT) AS n FROM src;
        CREATE DYNAMIC TABLE total TARGET_LAG = DOWNSTREAM WAREHOUSE = wh
            AS SELECT sum(n) AS s, count(*) AS c FROM parsed;
        ALTER DYNAMIC TABLE total REFRESH;
    """)
    assert q(con, "SELECT s, c FROM total") == [(30, 2)]
    good = q(con, "SELECT id, n FROM parsed ORDER BY id")
    cur = con.cursor()
    cur.execute("INSERT INTO src VALUES (3, '30'), (4, 'forty'), (5, '50')")
    cur.execute("DELETE FROM src WHERE id = 1")
    con.advance(minutes=1)  # the scheduled refresh fails
    assert last_refresh(con, "parsed") == "FAILED"
    assert q(con, "SELECT id, n FROM parsed ORDER BY id") == good  # nothing of the failed refresh
    with pytest.raises(cdcsim.Error, match="forty") as info:
        cur.execute("ALTER DYNAMIC TABLE parsed REFRESH")
    assert isinstance(info.value, cdcsim.DatabaseError)
    with pytest.raises(cdcsim.ProgrammingError, match="upstream dynamic table failed") as info:
        cur.execute("ALTER DYNAMIC TABLE total REFRESH")
    assert info.value.errno == 2753
    assert last_refresh(con, "total") == "UPSTREAM_FAILED"
    assert q(con, "SELECT s, c FROM total") == [(30, 2)]

    cur.execute("UPDATE src SET v = '40' WHERE id = 4")
    cur.execute("ALTER DYNAMIC TABLE total REFRESH")
    assert last_refresh(con, "parsed") == "SUCCEEDED"
    assert q(con, "SELECT id, n FROM parsed ORDER BY id") == [(2, 20), (3, 30), (4, 40), (5, 50)]
    assert q(con, "SELECT s, c FROM total") == [(140, 4)]
