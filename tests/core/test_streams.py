"""Stream semantics, one test per rule of reference section 1."""

from __future__ import annotations

from datetime import datetime

import pytest

import cdcsim

META = "metadata$action, metadata$isupdate"


@pytest.fixture
def t(q):
    q("create table t (id int, v string)")
    return q


def rows(q, stream="s"):
    return sorted(q(f"select id, v, {META} from {stream}"), key=lambda r: (r[0], r[2], r[1] or ""))


def test_output_columns_follow_source_then_metadata(con, t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    cur = con.cursor().execute("select * from s")
    assert [d[0] for d in cur.description] == ["ID", "V", "METADATA$ACTION", "METADATA$ISUPDATE",
                                               "METADATA$ROW_ID"]
    row = cur.fetchone()
    assert row[:4] == (1, "a", "INSERT", False)
    assert len(row[4]) == 40 and int(row[4], 16) >= 0


def test_stream_starts_empty_at_creation(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    assert rows(t) == []


def test_update_of_existing_row_is_delete_insert_pair_with_same_row_id(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("update t set v = 'b' where id = 1")
    got = t(f"select id, v, {META}, metadata$row_id from s order by metadata$action")
    assert [r[:4] for r in got] == [(1, "a", "DELETE", True), (1, "b", "INSERT", True)]
    assert got[0][4] == got[1][4]


def test_insert_then_update_is_one_insert_with_final_values(t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("update t set v = 'b' where id = 1")
    t("update t set v = 'c' where id = 1")
    assert rows(t) == [(1, "c", "INSERT", False)]


def test_insert_then_delete_is_nothing(t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("delete from t where id = 1")
    assert rows(t) == []


def test_delete_of_existing_row(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("delete from t")
    assert rows(t) == [(1, "a", "DELETE", False)]


def test_update_twice_collapses_to_first_and_last_values(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("update t set v = 'b'")
    t("update t set v = 'c'")
    assert rows(t) == [(1, "a", "DELETE", True), (1, "c", "INSERT", True)]


def test_update_then_delete_shows_delete_with_original_values(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("update t set v = 'b'")
    t("delete from t")
    assert rows(t) == [(1, "a", "DELETE", False)]


def test_update_back_to_original_values_is_nothing(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("update t set v = 'b'")
    t("update t set v = 'a'")
    assert rows(t) == []
    # SYSTEM$STREAM_HAS_DATA may report a false positive here, as Snowflake documents.
    assert t("select system$stream_has_data('s')") == [(True,)]


def test_delete_then_reinsert_identical_values_is_two_rows(t):
    t("insert into t values (1, 'a')")
    t("create stream s on table t")
    t("delete from t")
    t("insert into t values (1, 'a')")
    assert rows(t) == [(1, "a", "DELETE", False), (1, "a", "INSERT", False)]


def test_truncate_shows_deletes_of_rows_existing_at_offset(t):
    t("insert into t values (1, 'a'), (2, 'b')")
    t("create stream s on table t")
    t("insert into t values (3, 'c')")
    t("truncate table t")
    assert rows(t) == [(1, "a", "DELETE", False), (2, "b", "DELETE", False)]


def test_append_only_shows_every_insert_as_inserted(t):
    t("insert into t values (0, 'z')")
    t("create stream s on table t append_only = true")
    t("insert into t values (1, 'a'), (2, 'b')")
    t("update t set v = 'x'")
    t("delete from t where id in (0, 2)")
    assert rows(t) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    assert t("show streams like 'S'")[0][11] == "APPEND_ONLY"


def test_append_only_doc_example_ten_inserts_five_deletes(t):
    t("create stream s on table t append_only = true")
    t("insert into t select range, 'r' from range(10)")
    t("delete from t where id < 5")
    assert t("select count(*) from s") == [(10,)]


def test_select_never_advances_offset(t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("select * from s")
    t("begin")
    t("select * from s")
    t("commit")
    assert len(rows(t)) == 1


def test_committed_dml_consumes_even_with_false_filter(t):
    t("create table sink (id int, v string)")
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("insert into sink select id, v from s where 0 = 1")
    assert rows(t) == []
    assert t("select system$stream_has_data('s')") == [(False,)]


def test_ctas_consumes(t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("create temporary table skip_it as select * from s where 1 = 0")
    assert rows(t) == []


def test_rollback_leaves_offset(t):
    t("create table sink (id int, v string)")
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("begin")
    t("insert into sink select id, v from s")
    t("rollback")
    assert rows(t) == [(1, "a", "INSERT", False)]
    assert t("select count(*) from sink") == [(0,)]


def test_failed_consuming_dml_does_not_consume(t):
    t("create table sink (id int not null, v string)")
    t("create stream s on table t")
    t("insert into t values (null, 'a')")
    with pytest.raises(cdcsim.Error):
        t("insert into sink select id, v from s")
    assert rows(t) == [(None, "a", "INSERT", False)]


def test_repeatable_read_and_own_writes_invisible_inside_transaction(t):
    t("create table sink (id int, v string)")
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("begin")
    t("insert into t values (2, 'b')")  # own write: not in the stream until commit
    assert rows(t) == [(1, "a", "INSERT", False)]
    t("insert into sink select id, v from s")
    assert rows(t) == [(1, "a", "INSERT", False)]  # same window all transaction long
    t("commit")
    assert rows(t) == [(2, "b", "INSERT", False)]
    assert t("select * from sink") == [(1, "a")]


def test_concurrent_change_after_transaction_start_stays_for_next_window(con, t):
    t("create table sink (id int, v string)")
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("begin")
    assert rows(t) == [(1, "a", "INSERT", False)]
    # A second connection to the same in-memory engine is not possible, so use a second session
    # through the scheduler's session, which is another DuckDB connection to the same database.
    sched = con._engine.scheduler.session
    sched.execute("insert into t values (9, 'z')")
    assert rows(t) == [(1, "a", "INSERT", False)]
    t("insert into sink select id, v from s")
    t("commit")
    assert rows(t) == [(9, "z", "INSERT", False)]


def test_each_stream_has_its_own_offset(t):
    t("create table sink (id int, v string)")
    t("create stream s1 on table t")
    t("create stream s2 on table t")
    t("insert into t values (1, 'a')")
    t("insert into sink select id, v from s1")
    assert rows(t, "s1") == []
    assert rows(t, "s2") == [(1, "a", "INSERT", False)]


def test_at_stream_starts_at_other_streams_offset(t):
    t("create table sink (id int, v string)")
    t("create stream s1 on table t")
    t("insert into t values (1, 'a')")
    t("create stream s2 on table t at (stream => 's1')")
    assert rows(t, "s2") == [(1, "a", "INSERT", False)]
    t("create or replace stream s1 on table t")
    assert rows(t, "s1") == []  # recreating resets the offset to now


def test_show_initial_rows(t):
    t("insert into t values (1, 'a'), (2, 'b')")
    t("create table sink (id int, v string)")
    t("create stream s on table t show_initial_rows = true")
    assert rows(t) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    t("insert into sink select id, v from s")
    assert rows(t) == []
    t("update t set v = 'c' where id = 1")
    assert rows(t) == [(1, "a", "DELETE", True), (1, "c", "INSERT", True)]


def test_stream_uses_current_schema_of_source(t):
    t("create stream s on table t")
    t("insert into t values (1, 'a')")
    t("alter table t add column w int")
    t("insert into t values (2, 'b', 5)")
    assert sorted(t("select id, v, w, metadata$action from s")) == [(1, "a", None, "INSERT"), (2, "b", 5, "INSERT")]


def test_stream_on_dropped_table_is_stale(t):
    t("create stream s on table t")
    t("drop table t")
    with pytest.raises(cdcsim.ProgrammingError):
        t("select * from s")
    assert t("show streams")[0][10] is True


def test_show_and_describe_stream(t):
    t("create stream s on table t comment = 'bookings cdc'")
    shown = t("show streams like 's%'")
    assert len(shown) == 1
    r = shown[0]
    assert r[1:4] == ("S", "CDCSIM", "PUBLIC") and r[5] == "bookings cdc" and r[6] == "CDCSIM.PUBLIC.T"
    assert r[9] == "DELTA" and r[10] is False and r[11] == "DEFAULT"
    assert r[12] == datetime(2025, 9, 17, 11, 0)
    assert t("describe stream s")[0][1] == "S"
    assert t("show streams like 'nomatch'") == []


def test_create_stream_errors(t):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        t("create stream s on table nope")
    assert e.value.errno == 2003
    t("create stream s on table t")
    with pytest.raises(cdcsim.ProgrammingError):
        t("create stream s on table t")
    assert t("create stream if not exists s on table t")[0][0].endswith("statement succeeded.")
    t("drop stream s")
    with pytest.raises(cdcsim.ProgrammingError):
        t("drop stream s")
    t("drop stream if exists s")


def test_merge_on_tracked_table_is_captured(t):
    t("insert into t values (1, 'a'), (2, 'b'), (3, 'c')")
    t("create stream s on table t")
    t("create table src (id int, v string, del boolean)")
    t("insert into src values (1, 'A', false), (2, null, true), (4, 'D', false)")
    assert t("merge into t using src on t.id = src.id when matched and src.del then delete "
             "when matched then update set v = src.v when not matched then insert (id, v) values (src.id, src.v)"
             ) == [(1, 1, 1)]
    assert sorted(t("select * from t")) == [(1, "A"), (3, "c"), (4, "D")]
    assert rows(t) == [(1, "a", "DELETE", True), (1, "A", "INSERT", True), (2, "b", "DELETE", False),
                       (4, "D", "INSERT", False)]


def test_update_from_and_qualified_star(t):
    t("insert into t values (1, 'a'), (2, 'b')")
    t("create stream s on table t")
    t("create table patch (id int, v string)")
    t("insert into patch values (2, 'B')")
    t("update t set v = patch.v from patch where t.id = patch.id")
    assert t("select t.* from t order by id") == [(1, "a"), (2, "B")]
    assert rows(t) == [(2, "b", "DELETE", True), (2, "B", "INSERT", True)]


def test_log_is_compacted_below_the_oldest_offset(con, t):
    """Every COMPACT_EVERY-th consumption moves the stream's hold up and drops the log rows below
    it; in between, the rows stay but the stream reads only what follows its own offset."""
    from cdcsim.changes import COMPACT_EVERY

    t("create table sink (id int, v string)")
    t("create stream s on table t")
    table_id = con._engine.catalog.tracked["CDCSIM.PUBLIC.T"]
    log_rows = lambda: con._session.duck.execute(f'select count(*) from _cdcsim."log_{table_id}"').fetchall()  # noqa: E731
    for i in range(1, COMPACT_EVERY + 1):
        t(f"insert into t select range, 'x{i}' from range(100)")
        t("insert into sink select id, v from s")
        assert t("select count(*), count(distinct v) from sink") == [(100 * i, i)]  # nothing read twice
        assert log_rows() == [(0 if i == COMPACT_EVERY else 100 * i,)]


def test_a_bulk_read_compacts_the_log_at_once(con, t):
    """A consumption that reads more than COMPACT_ROWS log rows releases them right away; the
    small reads after it keep theirs until the regular compaction."""
    from cdcsim.changes import COMPACT_EVERY, COMPACT_ROWS

    t("create table sink (id int, v string)")
    t("create stream s on table t")
    table_id = con._engine.catalog.tracked["CDCSIM.PUBLIC.T"]
    log_rows = lambda: con._session.duck.execute(f'select count(*) from _cdcsim."log_{table_id}"').fetchone()[0]  # noqa: E731
    t(f"insert into t select range, 'bulk' from range({COMPACT_ROWS + 1})")
    t("insert into sink select id, v from s")
    assert log_rows() == 0
    for i in range(1, COMPACT_EVERY):
        t(f"insert into t values ({i}, 'small')")
        t("insert into sink select id, v from s")
        assert log_rows() == i
    assert t("select v, count(*) from sink group by v order by v") == [("bulk", COMPACT_ROWS + 1),
                                                                        ("small", COMPACT_EVERY - 1)]

def test_stream_has_data_doc_example(t):
    """S6: insert → TRUE; consuming it in an explicit transaction → FALSE."""
    t("create table t2 (id int)")
    t("create stream s on table t")
    assert t("select system$stream_has_data('s')") == [(False,)]
    t("insert into t values (1, 'a')")
    assert t("select system$stream_has_data('s')") == [(True,)]
    t("begin")
    t("insert into t2 select id from s")
    t("commit")
    assert t("select system$stream_has_data('s')") == [(False,)]


def test_stream_has_data_errors_name_the_stream(t):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        t("select system$stream_has_data('missing')")
    assert "MISSING" in e.value.msg and e.value.errno == 2003


def test_basic_doc_example_members_stream(t):
    """S3 shape: a stream over inserts, an update and a delete, consumed into a history table."""
    t("create table members (id int, name string, fee number(10,2))")
    t("create stream member_check on table members")
    t("insert into members values (1, 'Joe', 0), (2, 'Jane', 0), (3, 'George', 0)")
    t("create table members_hist as select * from member_check where 1 = 0")  # consumes: empty window now
    t("update members set fee = 15 where id = 2")
    t("delete from members where id = 3")
    got = sorted(t("select id, fee, metadata$action, metadata$isupdate from member_check"),
                 key=lambda r: (r[0], r[2]))
    assert got == [(2, 0, "DELETE", True), (2, 15, "INSERT", True), (3, 0, "DELETE", False)]


def test_stream_clone_inherits_the_offset(q):
    q("CREATE TABLE t (id INT)")
    q("CREATE STREAM s ON TABLE t APPEND_ONLY = TRUE")
    q("INSERT INTO t VALUES (1)")
    q("CREATE STREAM s2 CLONE s")
    q("CREATE TABLE sink (id INT)")
    q("INSERT INTO sink SELECT id FROM s")  # consuming s leaves its clone where it was
    q("INSERT INTO t VALUES (2)")
    assert q("SELECT id FROM s2 ORDER BY id") == [(1,), (2,)]
    assert q("SELECT id FROM s") == [(2,)]
    (row,) = q("SHOW STREAMS LIKE 'S2'")
    assert (row[6], row[11]) == ("CDCSIM.PUBLIC.T", "APPEND_ONLY")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE STREAM s2 CLONE s")
    assert e.value.errno == 2002
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE STREAM s3 CLONE nosuch")
    assert e.value.errno == 2003


def test_stream_at_a_time_needs_the_tables_history(q):
    """A stream can start at a point in time only on a table that keeps history (change tracking
    turned on explicitly, see test_time_travel.py); elsewhere Snowflake's Time Travel error, with a
    sentence saying how to get history, and no stream."""
    q("CREATE TABLE t (id INT)")
    for at in ("AT(OFFSET => -60*5)", "BEFORE(TIMESTAMP => CURRENT_TIMESTAMP())", "BEFORE(STATEMENT => 'x')"):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            q(f"CREATE STREAM s ON TABLE t {at}")
        assert e.value.errno == 707 and "Time travel data is not available for table T" in e.value.msg
        assert "SET CHANGE_TRACKING = TRUE" in e.value.msg
    assert q("SHOW STREAMS") == []


def test_show_streams_starts_with_limit_from_and_terse(q):
    q("CREATE TABLE t (id INT)")
    for name in ("a1", "a2", "b1"):
        q(f"CREATE STREAM {name} ON TABLE t")
    assert [r[1] for r in q("SHOW STREAMS STARTS WITH 'A'")] == ["A1", "A2"]
    assert [r[1] for r in q("SHOW STREAMS LIMIT 2 FROM 'A1'")] == ["A2", "B1"]
    assert [r[2] for r in q("SHOW TERSE STREAMS")] == ["DELTA"] * 3


@pytest.mark.parametrize("what", ["STREAMS", "TABLES", "TASKS", "DYNAMIC TABLES"])
def test_show_in_a_missing_container_fails(q, what):
    for scope, kind in (("SCHEMA nosuch", "Schema"), ("DATABASE nosuchdb", "Database")):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            q(f"SHOW {what} IN {scope}")
        assert e.value.errno == 2003 and e.value.msg.startswith(f"SQL compilation error:\n{kind} '")
    assert q(f"SHOW {what} IN SCHEMA public") == []


def test_stream_on_view_of_a_table_name_fails(q):
    q("CREATE TABLE t (id INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE STREAM s ON VIEW t")
    assert e.value.errno == 2003 and "View 'CDCSIM.PUBLIC.T'" in e.value.msg
    assert q("SHOW STREAMS") == []


def test_stream_get_table_timestamp_follows_the_offset():
    """SYSTEM$STREAM_GET_TABLE_TIMESTAMP: nanoseconds since the epoch of the table version at the
    offset: the stream's creation, then each consumption; a stale stream fails."""
    c = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 1, 1, 0, 0, 1)))
    try:
        cur = c.cursor()
        c.execute_string("CREATE TABLE src (a INT); CREATE TABLE sink (a INT); CREATE STREAM st ON TABLE src;")
        ts = lambda: cur.execute("SELECT SYSTEM$STREAM_GET_TABLE_TIMESTAMP('st')").fetchone()[0]  # noqa: E731
        epoch = datetime(1970, 1, 1)
        assert int(ts()) == int((datetime(2025, 1, 1, 0, 0, 1) - epoch).total_seconds()) * 10**9
        cur.execute("INSERT INTO src VALUES (1)")
        c.advance(minutes=5)
        assert int(ts()) == int((datetime(2025, 1, 1, 0, 0, 1) - epoch).total_seconds()) * 10**9  # not consumed
        cur.execute("INSERT INTO sink SELECT a FROM st")
        assert int(ts()) == int((datetime(2025, 1, 1, 0, 5, 1) - epoch).total_seconds()) * 10**9
        cur.execute("CREATE OR REPLACE TABLE src (a INT)")  # the stream's table is gone: stale
        with pytest.raises(cdcsim.ProgrammingError) as e:
            ts()
        assert e.value.errno == 91901
        with pytest.raises(cdcsim.ProgrammingError) as e:
            cur.execute("SELECT SYSTEM$STREAM_GET_TABLE_TIMESTAMP('nope')")
        assert e.value.errno == 2003
    finally:
        c.close()
