"""UNDROP TABLE (cdcsim/undrop.py): a dropped table that kept history comes back with its rows,
defaults, comment and properties, within its retention period; it failed as an unsupported
statement."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import cdcsim


@pytest.fixture
def con():
    c = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    yield c
    c.close()


def q(con, sql):
    return con.cursor().execute(sql).fetchall()


def test_a_dropped_table_comes_back_with_its_rows_and_properties(con):
    q(con, "CREATE TABLE t (id INT, v STRING DEFAULT 'x') CHANGE_TRACKING = TRUE DATA_RETENTION_TIME_IN_DAYS = 2")
    q(con, "COMMENT ON TABLE t IS 'keep me'")
    q(con, "INSERT INTO t (id) VALUES (1), (2)")
    q(con, "DROP TABLE t")
    with pytest.raises(cdcsim.ProgrammingError):
        q(con, "SELECT * FROM t")
    assert q(con, "UNDROP TABLE t") == [("Table T successfully restored.",)]
    assert q(con, "SELECT * FROM t ORDER BY id") == [(1, "x"), (2, "x")]
    q(con, "INSERT INTO t (id) VALUES (3)")  # its default, and no hidden column in the way
    assert q(con, "SELECT count(*) FROM t") == [(3,)]
    row = q(con, "SHOW TABLES LIKE 'T'")[0]
    assert row[5] == "keep me" and row[10] == "2" and row[12] == "ON"  # comment, retention, change tracking
    # its history starts again: a point before the UNDROP is outside it
    con.advance(minutes=1)
    assert q(con, "SELECT count(*) FROM t AT(OFFSET => -30)") == [(3,)]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q(con, "UNDROP TABLE t")  # the name is taken
    assert e.value.errno == 2002


def test_the_most_recent_version_comes_back_and_the_rest_stay(con):
    q(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    q(con, "INSERT INTO t VALUES (1)")
    q(con, "DROP TABLE t")
    q(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    q(con, "INSERT INTO t VALUES (2)")
    q(con, "DROP TABLE t")
    q(con, "UNDROP TABLE t")
    assert q(con, "SELECT * FROM t") == [(2,)]
    q(con, "ALTER TABLE t RENAME TO t2")
    q(con, "UNDROP TABLE t")
    assert q(con, "SELECT * FROM t") == [(1,)]


def test_retention_and_tables_without_history(con):
    q(con, "CREATE TABLE plain (id INT)")
    q(con, "DROP TABLE plain")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q(con, "UNDROP TABLE plain")
    assert e.value.errno == 2003 and "did not exist or was purged" in e.value.msg
    q(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    q(con, "DROP TABLE t")
    con.advance(timedelta(days=1, minutes=1))  # past the default retention of one day
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q(con, "UNDROP TABLE t")
    assert "did not exist or was purged" in e.value.msg
    assert con._session.duck.execute("SELECT count(*) FROM _cdcsim.dropped_tables").fetchall() == [(0,)]


def test_a_drop_in_an_open_transaction_keeps_the_transactions_rows(con):
    """DDL commits an open transaction first, as in Snowflake; the kept version holds its rows."""
    q(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    q(con, "BEGIN")
    q(con, "INSERT INTO t VALUES (1)")
    q(con, "DROP TABLE t")  # DDL commits the open transaction first, as in Snowflake
    assert con._session.duck.execute("SELECT count(*) FROM _cdcsim.dropped_tables").fetchall() == [(1,)]
    q(con, "UNDROP TABLE t")
    assert q(con, "SELECT * FROM t") == [(1,)]


def test_show_tables_history_lists_what_undrop_can_restore(con):
    q(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE DATA_RETENTION_TIME_IN_DAYS = 3")
    q(con, "CREATE TABLE other (id INT)")
    q(con, "DROP TABLE t")
    con.advance(minutes=5)
    rows = {r[1]: r for r in q(con, "SHOW TABLES HISTORY")}
    assert rows["OTHER"][-1] is None
    assert rows["T"][-1] == datetime(2025, 9, 3, 11, 0) and rows["T"][10] == "3"
    assert [r[1] for r in q(con, "SHOW TABLES HISTORY LIKE 'T%'")] == ["T"]
    assert "T" not in {r[1] for r in q(con, "SHOW TABLES")}
    q(con, "UNDROP TABLE t")
    assert [r[-1] for r in q(con, "SHOW TABLES HISTORY LIKE 'T'")] == [None]
