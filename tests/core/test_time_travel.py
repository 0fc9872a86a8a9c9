"""Time Travel on tables with change tracking turned on explicitly (cdcsim/time_travel.py):
``AT | BEFORE`` in a query, ``CHANGES ... AT | BEFORE ... [END]`` from a point in time and ``CREATE
STREAM ... AT | BEFORE`` a point in time. All of them failed with "not supported"; a property test
checks every version and every change between two versions against a model of the table."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim

T0 = datetime(2025, 9, 3, 11, 0)


@pytest.fixture
def con():
    c = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    yield c
    c.close()


def run(con, sql):
    cur = con.cursor()
    cur.execute(sql)
    return cur


def rows(con, sql):
    return run(con, sql).fetchall()


def test_the_changes_page_example_reads_changes_since_a_timestamp(con):
    """The CHANGES page's pattern: note the time, change the table, read the changes since then
    (also under a ManualClock that has not moved: a statement at the noted time comes after it)."""
    run(con, "CREATE TABLE t1 (id NUMBER(8, 0), c1 VARCHAR)")
    run(con, "ALTER TABLE t1 SET CHANGE_TRACKING = TRUE")
    run(con, "SET ts1 = (SELECT CURRENT_TIMESTAMP())")
    run(con, "INSERT INTO t1 (id, c1) VALUES (1, 'red'), (2, 'blue'), (3, 'green')")
    run(con, "DELETE FROM t1 WHERE id = 1")
    run(con, "UPDATE t1 SET c1 = 'purple' WHERE id = 2")
    got = rows(con, "SELECT id, c1, METADATA$ACTION, METADATA$ISUPDATE FROM t1 "
                    "CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $ts1) ORDER BY id")
    assert got == [(2, "purple", "INSERT", False), (3, "green", "INSERT", False)]
    got = rows(con, "SELECT id, c1 FROM t1 CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $ts1) ORDER BY id")
    assert got == [(1, "red"), (2, "blue"), (3, "green")]


def test_versions_by_time_offset_statement_and_stream(con):
    run(con, "CREATE TABLE t (id INT, v STRING) CHANGE_TRACKING = TRUE")
    ins = run(con, "INSERT INTO t VALUES (1, 'a'), (2, 'b')").sfqid
    con.advance(minutes=1)
    upd = run(con, "UPDATE t SET v = 'B' WHERE id = 2").sfqid
    run(con, "CREATE STREAM s ON TABLE t")
    con.advance(minutes=1)
    run(con, "DELETE FROM t WHERE id = 1")
    assert rows(con, "SELECT * FROM t AT(TIMESTAMP => '2025-09-03 11:00:30'::TIMESTAMP) ORDER BY id") == [
        (1, "a"), (2, "b")]
    assert rows(con, "SELECT * FROM t AT(TIMESTAMP => '2025-09-03 11:00:30') ORDER BY id") == [(1, "a"), (2, "b")]
    assert rows(con, "SELECT * FROM t AT(OFFSET => -30) ORDER BY id") == [(1, "a"), (2, "B")]
    assert rows(con, f"SELECT * FROM t BEFORE(STATEMENT => '{upd}') ORDER BY id") == [(1, "a"), (2, "b")]
    assert rows(con, f"SELECT * FROM t AT(STATEMENT => '{upd}') ORDER BY id") == [(1, "a"), (2, "B")]
    assert rows(con, f"SELECT count(*) FROM t BEFORE(STATEMENT => '{ins}')") == [(0,)]
    assert rows(con, "SELECT * FROM t AT(STREAM => 's') ORDER BY id") == [(1, "a"), (2, "B")]
    # joined with the table as it is now, aliased
    assert rows(con, "SELECT o.id, o.v, n.v FROM t AT(OFFSET => -90) AS o LEFT JOIN t AS n ON n.id = o.id "
                     "ORDER BY o.id") == [(1, "a", None), (2, "b", "B")]
    # the last statement's id
    run(con, "INSERT INTO t VALUES (3, 'c')")
    assert rows(con, "SELECT count(*) FROM t BEFORE(STATEMENT => LAST_QUERY_ID())") == [(1,)]
    # a stream from a point in time, in the past
    run(con, f"CREATE STREAM s2 ON TABLE t BEFORE(STATEMENT => '{upd}')")
    assert rows(con, "SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s2 ORDER BY id, METADATA$ACTION") == [
        (1, "a", "DELETE", False), (2, "b", "DELETE", True), (2, "B", "INSERT", True), (3, "c", "INSERT", False)]


def test_merge_and_truncate_are_versions_too(con):
    run(con, "CREATE TABLE t (id INT, v STRING) CHANGE_TRACKING = TRUE")
    run(con, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    merge = run(con, "MERGE INTO t USING (SELECT 2 AS id, 'B' AS v UNION ALL SELECT 3, 'c') AS s ON t.id = s.id "
                     "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)").sfqid
    trunc = run(con, "TRUNCATE TABLE t").sfqid
    assert rows(con, f"SELECT * FROM t AT(STATEMENT => '{merge}') ORDER BY id") == [(1, "a"), (2, "B"), (3, "c")]
    assert rows(con, f"SELECT * FROM t BEFORE(STATEMENT => '{merge}') ORDER BY id") == [(1, "a"), (2, "b")]
    assert rows(con, f"SELECT count(*) FROM t AT(STATEMENT => '{trunc}')") == [(0,)]
    assert rows(con, f"SELECT id, METADATA$ACTION FROM t CHANGES(INFORMATION => DEFAULT) BEFORE(STATEMENT => '{trunc}') "
                     "ORDER BY id") == [(1, "DELETE"), (2, "DELETE"), (3, "DELETE")]


def test_a_clone_at_a_point_in_time_copies_that_version(con):
    run(con, "CREATE TABLE t (id INT, v STRING) CHANGE_TRACKING = TRUE")
    run(con, "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    con.advance(minutes=1)
    run(con, "DELETE FROM t WHERE id = 1")
    run(con, "CREATE TABLE restored CLONE t AT(OFFSET => -30)")
    assert rows(con, "SELECT * FROM restored ORDER BY id") == [(1, "a"), (2, "b")]
    run(con, "CREATE TABLE keep (id INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:  # outside the history: nothing is made or replaced
        run(con, "CREATE OR REPLACE TABLE keep CLONE t AT(OFFSET => -3600)")
    assert e.value.errno == 707
    assert rows(con, "SELECT count(*) FROM keep") == [(0,)]


def test_points_outside_the_history_fail_as_snowflake_does(con):
    run(con, "CREATE TABLE t (id INT)")
    run(con, "CREATE STREAM s ON TABLE t")  # tracked for the stream only: no history
    with pytest.raises(cdcsim.ProgrammingError) as e:
        rows(con, "SELECT * FROM t AT(OFFSET => -1)")
    assert e.value.errno == 707 and e.value.sqlstate == "02000"
    assert e.value.msg.startswith("Time travel data is not available for table T. The requested time is either "
                                  "beyond the allowed time travel period or before the object creation time.")
    con.advance(minutes=1)
    run(con, "ALTER TABLE t SET CHANGE_TRACKING = TRUE")
    run(con, "INSERT INTO t VALUES (1)")
    for sql in ("SELECT * FROM t AT(OFFSET => -61)",  # before history began
                "SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => '2025-09-03 11:00:59'::TIMESTAMP)"):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            rows(con, sql)
        assert e.value.errno == 707, sql
    with pytest.raises(cdcsim.ProgrammingError) as e:
        rows(con, "SELECT * FROM t AT(STATEMENT => 'no-such-id')")
    assert e.value.errno == 709
    with pytest.raises(cdcsim.ProgrammingError) as e:
        rows(con, "SELECT * FROM s AT(OFFSET => -1)")
    assert "stream" in e.value.msg
    # beyond the retention period (1 day by default; 0 keeps none)
    assert rows(con, "SELECT count(*) FROM t AT(OFFSET => 0)") == [(0,)]
    con.advance(timedelta(days=1, minutes=1))
    with pytest.raises(cdcsim.ProgrammingError) as e:
        rows(con, "SELECT * FROM t AT(OFFSET => -86400 - 30)")
    assert e.value.errno == 707
    assert rows(con, "SELECT count(*) FROM t AT(OFFSET => -86400 + 30)") == [(1,)]


def test_views_and_dynamic_tables_refuse_a_fixed_point_and_bad_values_fail(con):
    """A view or a dynamic table would fix the point when it is made (the statement's points are
    resolved when it runs): both refuse it. A value that is no time or no number fails by name."""
    run(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    run(con, "CREATE STREAM s ON TABLE t")
    for sql in ("CREATE VIEW v AS SELECT * FROM t AT(OFFSET => -60)",
                "CREATE VIEW v AS SELECT * FROM t CHANGES(INFORMATION => DEFAULT) AT(STREAM => 's')",
                "CREATE DYNAMIC TABLE d TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT * FROM t AT(OFFSET => -60)"):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            run(con, sql)
        assert e.value.sqlstate == "0A000" and "CDCSIM.PUBLIC.T" in e.value.msg, sql
    assert rows(con, "SHOW VIEWS") == [] and rows(con, "SHOW DYNAMIC TABLES") == []
    for sql, text in (("SELECT * FROM t AT(TIMESTAMP => 'garbage')", "[garbage] for TIMESTAMP"),
                      ("SELECT * FROM t AT(OFFSET => 'x')", "[x] for OFFSET")):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            run(con, sql)
        assert text in e.value.msg


def test_turning_tracking_off_or_dropping_the_table_ends_its_history(con):
    run(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    run(con, "INSERT INTO t VALUES (1)")
    con.advance(minutes=1)
    assert rows(con, "SELECT count(*) FROM t AT(OFFSET => -30)") == [(1,)]
    run(con, "ALTER TABLE t SET CHANGE_TRACKING = FALSE")
    with pytest.raises(cdcsim.ProgrammingError):
        rows(con, "SELECT * FROM t AT(OFFSET => -30)")
    run(con, "ALTER TABLE t SET CHANGE_TRACKING = TRUE")  # history starts again, now
    with pytest.raises(cdcsim.ProgrammingError):
        rows(con, "SELECT * FROM t AT(OFFSET => -30)")
    run(con, "CREATE OR REPLACE TABLE t (id INT)")
    # (the replaced table's marks went with its change log)
    assert con._session.duck.execute("SELECT count(*) FROM _cdcsim.history_marks").fetchall() == [(0,)]


def test_a_rolled_back_statement_leaves_no_mark(con):
    run(con, "CREATE TABLE t (id INT) CHANGE_TRACKING = TRUE")
    run(con, "BEGIN")
    gone = run(con, "INSERT INTO t VALUES (1)").sfqid
    run(con, "ROLLBACK")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        rows(con, f"SELECT * FROM t AT(STATEMENT => '{gone}')")
    assert e.value.errno == 709
    run(con, "BEGIN")
    kept = run(con, "INSERT INTO t VALUES (2)").sfqid
    run(con, "COMMIT")
    assert rows(con, f"SELECT * FROM t AT(STATEMENT => '{kept}')") == [(2,)]


def test_history_survives_a_reopen_and_log_compaction(tmp_path):
    path = str(tmp_path / "db.duckdb")
    clock = cdcsim.ManualClock(T0)
    with cdcsim.connect(path, clock=clock) as con:
        run(con, "CREATE TABLE t (id INT, v INT) CHANGE_TRACKING = TRUE")
        run(con, "CREATE TABLE sink (id INT)")
        run(con, "CREATE STREAM s ON TABLE t")
        run(con, "INSERT INTO t SELECT range, 0 FROM range(5)")
        first = run(con, "UPDATE t SET v = 1 WHERE id = 0").sfqid
        # a stream read many times over: its log holds move on and the log is compacted
        for i in range(150):
            clock.advance(timedelta(seconds=10))
            run(con, f"UPDATE t SET v = v + 1 WHERE id = {i % 5}")
            run(con, "INSERT INTO sink SELECT id FROM s")
    with cdcsim.connect(path, clock=clock) as con:
        assert rows(con, f"SELECT id, v FROM t AT(STATEMENT => '{first}') ORDER BY id") == [
            (0, 1), (1, 0), (2, 0), (3, 0), (4, 0)]
        # 15 s ago: the last two updates (10 s apart, the last one now) come after it
        assert rows(con, "SELECT sum(v) FROM t") == [(1 + 150,)]
        assert rows(con, "SELECT sum(v) FROM t AT(OFFSET => -15)") == [(1 + 148,)]


# ---------------------------------------------------------------------------------------------
# the property: every version, and the net change between any two, against a model

ops = st.lists(st.tuples(st.sampled_from(["insert", "update", "delete", "tick"]), st.integers(0, 7)),
               min_size=1, max_size=14)


def net_change(before: dict, after: dict) -> list[tuple]:
    out = []
    for k in sorted(before.keys() | after.keys()):
        b, a = before.get(k), after.get(k)
        if b == a:
            continue
        if b is not None:
            out.append((k, b, "DELETE", a is not None))
        if a is not None:
            out.append((k, a, "INSERT", b is not None))
    return sorted(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=ops, data=st.data())
def test_every_version_and_every_change_match_a_model(script, data):
    clock = cdcsim.ManualClock(T0)
    with cdcsim.connect(clock=clock) as con:
        run(con, "CREATE TABLE t (id INT, v INT) CHANGE_TRACKING = TRUE")
        model: dict[int, int] = {}
        versions = [(None, clock.now(), dict(model))]  # (query id, time, rows after it)
        next_id = 0
        for op, x in script:
            if op == "tick":
                clock.advance(timedelta(seconds=x + 1))
                continue
            if op == "insert":
                sql = f"INSERT INTO t VALUES ({next_id}, {x}), ({next_id + 1}, {x + 1})"
                model[next_id], model[next_id + 1] = x, x + 1
                next_id += 2
            elif op == "update":
                sql = f"UPDATE t SET v = v + {x} WHERE id % 3 = {x % 3}"
                model = {k: (v + x if k % 3 == x % 3 else v) for k, v in model.items()}
            else:
                sql = f"DELETE FROM t WHERE id % 4 = {x % 4}"
                model = {k: v for k, v in model.items() if k % 4 != x % 4}
            versions.append((run(con, sql).sfqid, clock.now(), dict(model)))
        # by statement: AT is the version after it, BEFORE the one before
        for i in range(1, len(versions)):
            qid = versions[i][0]
            assert dict(rows(con, f"SELECT id, v FROM t AT(STATEMENT => '{qid}')")) == versions[i][2]
            assert dict(rows(con, f"SELECT id, v FROM t BEFORE(STATEMENT => '{qid}')")) == versions[i - 1][2]
        # by time: a statement at exactly the time counts as after it
        for when in {v[1] for v in versions}:
            expect = [v for v in versions if v[1] < when][-1:] or versions[:1]
            got = dict(rows(con, f"SELECT id, v FROM t AT(TIMESTAMP => '{when.isoformat(sep=' ')}'::TIMESTAMP)"))
            assert got == expect[0][2], when
        # the net change from one version to a later one, and to now
        i = data.draw(st.integers(1, len(versions) - 1)) if len(versions) > 1 else 0
        j = data.draw(st.integers(i, len(versions) - 1))
        if i:
            start = f"AT(STATEMENT => '{versions[i][0]}')"
            got = rows(con, f"SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM t CHANGES(INFORMATION => DEFAULT) "
                            f"{start} END(STATEMENT => '{versions[j][0]}')")
            assert sorted(got) == net_change(versions[i][2], versions[j][2])
            got = rows(con, f"SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM t CHANGES(INFORMATION => DEFAULT) "
                            f"{start}")
            assert sorted(got) == net_change(versions[i][2], model)
