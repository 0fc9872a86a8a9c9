"""Change tracking as a table property, the CHANGES clause, and staleness by time (reference 1.1,
1.6, 1.9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cdcsim import ProgrammingError


def _table_row(q, name):
    rows = [r for r in q("SHOW TABLES") if r[1] == name]
    assert len(rows) == 1
    return dict(zip(["retention_time", "change_tracking"], (rows[0][10], rows[0][12]), strict=True))


def _stream_row(q, name):
    (row,) = q(f"SHOW STREAMS LIKE '{name}'")
    return {"stale": row[10], "stale_after": row[12], "created_on": row[0]}


def test_alter_table_set_change_tracking_turns_capture_on_and_off(q):
    q("CREATE TABLE t (id INT, v STRING)")
    q("INSERT INTO t VALUES (1, 'a')")
    assert _table_row(q, "T")["change_tracking"] == "OFF"
    assert q("ALTER TABLE t SET CHANGE_TRACKING = TRUE") == [("Statement executed successfully.",)]
    assert _table_row(q, "T")["change_tracking"] == "ON"
    assert q("SELECT * FROM t") == [(1, "a")]  # the hidden row id stays hidden
    q("CREATE STREAM s ON TABLE t")
    with pytest.raises(ProgrammingError) as e:
        q("ALTER TABLE t SET CHANGE_TRACKING = FALSE")
    assert "stream 'CDCSIM.PUBLIC.S'" in e.value.msg
    assert _table_row(q, "T")["change_tracking"] == "ON"
    q("DROP STREAM s")
    q("ALTER TABLE t SET CHANGE_TRACKING = FALSE")
    assert _table_row(q, "T")["change_tracking"] == "OFF"
    q("INSERT INTO t VALUES (2, 'b')")
    assert q("SELECT * FROM t ORDER BY id") == [(1, "a"), (2, "b")]


def test_create_table_with_change_tracking_and_retention(q):
    q("CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE DATA_RETENTION_TIME_IN_DAYS = 3")
    assert _table_row(q, "T") == {"retention_time": "3", "change_tracking": "ON"}
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE bad (id INT) DATA_RETENTION_TIME_IN_DAYS = 500")
    assert e.value.errno == 1008
    assert not [r for r in q("SHOW TABLES") if r[1] == "BAD"]  # the failed CREATE left nothing


def test_retention_properties_validate_follow_renames_and_die_with_the_table(q):
    q("CREATE TABLE t (id INT)")
    q("ALTER TABLE t SET DATA_RETENTION_TIME_IN_DAYS = 5, COMMENT = 'orders'")
    assert _table_row(q, "T")["retention_time"] == "5"
    for bad in ("DATA_RETENTION_TIME_IN_DAYS = 91", "DATA_RETENTION_TIME_IN_DAYS = -1",
                "CHANGE_TRACKING = MAYBE", "CLUSTER_BY_SOMETHING = 1"):
        with pytest.raises(ProgrammingError):
            q(f"ALTER TABLE t SET {bad}")
    with pytest.raises(ProgrammingError) as e:
        q("ALTER TABLE t SET CHANGE_TRACKING = TRUE DATA_RETENTION_TIME_IN_DAYS = 99")
    assert _table_row(q, "T") == {"retention_time": "5", "change_tracking": "OFF"}  # all or nothing
    q("CREATE TABLE IF NOT EXISTS t (id INT)")
    assert _table_row(q, "T")["retention_time"] == "5"
    q("ALTER TABLE t RENAME TO t2")
    assert _table_row(q, "T2")["retention_time"] == "5"
    q("ALTER TABLE t2 UNSET DATA_RETENTION_TIME_IN_DAYS")
    assert _table_row(q, "T2")["retention_time"] == "1"
    q("ALTER TABLE t2 SET DATA_RETENTION_TIME_IN_DAYS = 7")
    q("CREATE OR REPLACE TABLE t2 (id INT)")
    assert _table_row(q, "T2")["retention_time"] == "1"
    with pytest.raises(ProgrammingError) as e:
        q("ALTER TABLE nosuch SET CHANGE_TRACKING = TRUE")
    assert e.value.errno == 2003
    assert q("ALTER TABLE IF EXISTS nosuch SET CHANGE_TRACKING = TRUE") == [("Statement executed successfully.",)]


@pytest.mark.parametrize(("retention", "extension", "days"), [(None, None, 14), (1, 0, 1), (30, 14, 30),
                                                               (0, 90, 90)])
def test_stale_after_is_the_larger_of_retention_and_extension(con, q, retention, extension, days):
    """[DOC S1] examples: (retention 14, max-ext 0) -> 14 days; (1, 14) -> 14; (0, 90) -> 90."""
    q("CREATE TABLE t (id INT)")
    if retention is not None:
        q(f"ALTER TABLE t SET DATA_RETENTION_TIME_IN_DAYS = {retention} "
          f"MAX_DATA_EXTENSION_TIME_IN_DAYS = {extension}")
    q("CREATE STREAM s ON TABLE t")
    row = _stream_row(q, "S")
    assert row["stale_after"] == row["created_on"] + timedelta(days=days)
    assert row["stale"] is False
    con.advance(timedelta(days=days) - timedelta(minutes=1))
    assert _stream_row(q, "S")["stale"] is False
    con.advance(minutes=2)
    assert _stream_row(q, "S")["stale"] is True
    q("INSERT INTO t VALUES (1)")
    assert q("SELECT id FROM s") == [(1,)]  # a read past stale_after may still succeed [DOC S1]
    q("CREATE TABLE sink (id INT)")
    q("INSERT INTO sink SELECT id FROM s")  # consuming moves stale_after on
    row = _stream_row(q, "S")
    assert row["stale"] is False and row["stale_after"] > row["created_on"] + timedelta(days=days)


def test_changes_clause_reads_from_a_stream_offset_without_consuming(q):
    q("CREATE TABLE t (id INT, v STRING)")
    q("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    q("CREATE STREAM s ON TABLE t")
    q("UPDATE t SET v = 'A' WHERE id = 1")
    q("DELETE FROM t WHERE id = 2")
    q("INSERT INTO t VALUES (3, 'c')")
    changes = ("SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM t "
               "CHANGES(INFORMATION => DEFAULT) AT(STREAM => 's') ORDER BY id, 3")
    expected = [(1, "a", "DELETE", True), (1, "A", "INSERT", True), (2, "b", "DELETE", False),
                (3, "c", "INSERT", False)]
    assert q(changes) == expected
    assert q("SELECT c.id FROM t CHANGES(INFORMATION => APPEND_ONLY) AT(STREAM => 'S') AS c") == [(3,)]
    q("CREATE TABLE sink (id INT)")
    q("INSERT INTO sink SELECT id FROM t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 's')")
    assert q("SELECT count(*) FROM sink") == [(4,)]
    assert q(changes) == expected  # the stream's offset did not move
    q("INSERT INTO sink SELECT id FROM s")
    assert q(changes) == []


def test_changes_clause_errors(q):
    q("CREATE TABLE t (id INT)")
    q("CREATE TABLE other (id INT)")
    with pytest.raises(ProgrammingError) as e:
        q("SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 's')")
    assert "Change tracking is not enabled on table 'CDCSIM.PUBLIC.T'" in e.value.msg
    q("CREATE STREAM s ON TABLE t")
    q("CREATE STREAM so ON TABLE other")
    for sql, text in [
        ("SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => CURRENT_TIMESTAMP())",
         "SET CHANGE_TRACKING = TRUE"),  # a stream's tracking keeps no history (test_time_travel.py)
        ("SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 'nosuch')", "NOSUCH"),
        ("SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 'so')", "is not on table"),
        ("SELECT * FROM t AT(OFFSET => -60)", "Time travel data is not available for table T"),
        ("SELECT * FROM s BEFORE(STATEMENT => '01b2')", "Time Travel"),
    ]:
        with pytest.raises(ProgrammingError) as e:
            q(sql)
        assert text in e.value.msg, sql


def test_stream_has_data_false_prevents_staleness(con, q):
    """[DOC S1, S6] an empty stream checked with SYSTEM$STREAM_HAS_DATA (FALSE) does not go stale."""
    q("CREATE TABLE t (id INT)")
    q("CREATE STREAM s ON TABLE t")
    q("CREATE STREAM unchecked ON TABLE t")
    con.advance(timedelta(days=10))
    assert q("SELECT SYSTEM$STREAM_HAS_DATA('s')") == [(False,)]
    con.advance(timedelta(days=10))
    rows = {r[1]: r[10] for r in q("SHOW STREAMS")}
    assert rows == {"S": False, "UNCHECKED": True}
    q("INSERT INTO t VALUES (1)")
    assert q("SELECT SYSTEM$STREAM_HAS_DATA('s')") == [(True,)]  # data: no extension
    con.advance(timedelta(days=5))
    assert {r[1]: r[10] for r in q("SHOW STREAMS")}["S"] is True
