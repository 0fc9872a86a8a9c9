"""File databases: tables, streams and offsets survive close/reopen; one process owns a file."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import cdcsim


def test_streams_and_offsets_survive_reopen(tmp_path):
    path = str(tmp_path / "db.duckdb")
    with cdcsim.connect(path) as con:
        cur = con.cursor()
        cur.execute("create table t (id int, v string)")
        cur.execute("create table sink (id int, v string)")
        cur.execute("create stream s on table t")
        cur.execute("insert into t values (1, 'a'), (2, 'b')")
        cur.execute("insert into sink select id, v from s")
        cur.execute("update t set v = 'B' where id = 2")
    with cdcsim.connect(path) as con:
        cur = con.cursor()
        got = sorted(cur.execute("select id, v, metadata$action, metadata$isupdate from s").fetchall(),
                     key=lambda r: r[2])
        assert got == [(2, "b", "DELETE", True), (2, "B", "INSERT", True)]
        assert cur.execute("select count(*) from sink").fetchall() == [(2,)]
        cur.execute("insert into t values (3, 'c')")  # capture still on after reopen
        assert cur.execute("select count(*) from s").fetchall() == [(3,)]
        assert [r[1] for r in cur.execute("show streams").fetchall()] == ["S"]


def test_two_connections_in_one_process_share_the_database(tmp_path):
    path = str(tmp_path / "db.duckdb")
    a = cdcsim.connect(path)
    b = cdcsim.connect(path)
    a.cursor().execute("create table t (x int)")
    a.cursor().execute("insert into t values (1)")
    assert b.cursor().execute("select x from t").fetchall() == [(1,)]
    a.close()
    assert b.cursor().execute("select x from t").fetchall() == [(1,)]
    b.close()


def test_second_process_gets_a_clear_message_naming_the_holder(tmp_path):
    path = str(tmp_path / "db.duckdb")
    con = cdcsim.connect(path)
    try:
        code = textwrap.dedent(f"""
            import cdcsim
            try:
                cdcsim.connect({path!r})
            except cdcsim.OperationalError as e:
                print("ERR", e.msg)
        """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert "ERR" in out.stdout, out.stderr
        assert "in use by process" in out.stdout
        assert "Traceback" not in out.stdout
    finally:
        con.close()


def test_closed_database_is_released(tmp_path):
    path = str(tmp_path / "db.duckdb")
    cdcsim.connect(path).close()
    code = f"import cdcsim; cdcsim.connect({path!r}).close(); print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_limits_must_be_known():
    with pytest.raises(cdcsim.ProgrammingError):
        cdcsim.connect(limits="fast")


def test_file_is_released_after_scheduled_work_ran(tmp_path):
    from datetime import datetime

    path = str(tmp_path / "db.duckdb")
    con = cdcsim.connect(path, clock=cdcsim.ManualClock(datetime(2025, 1, 1)))
    con.cursor().execute("create table t (a int)")
    con._engine.scheduler.session.execute("insert into t values (1)")  # opens the scheduler's connection
    con.close()
    code = f"import cdcsim; c = cdcsim.connect({path!r}); print(c.cursor().execute('select a from t').fetchall())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[(1,)]", out.stderr


def _threads(con: cdcsim.Connection) -> int:
    return int(con._session.duck.execute("SELECT current_setting('threads')").fetchone()[0])


def test_duckdb_threads_default_and_override(tmp_path):
    import duckdb

    every_core = int(duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0])
    with cdcsim.connect() as con:
        assert _threads(con) == 1  # in memory: small statements, one thread
    with cdcsim.connect(threads=2) as con:
        assert _threads(con) == 2
    path = str(tmp_path / "t.duckdb")
    with cdcsim.connect(path) as con:
        assert _threads(con) == every_core
    with cdcsim.connect(path, threads=1) as con:
        assert _threads(con) == 1
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(cdcsim.ProgrammingError, match="threads must be a positive integer"):
            cdcsim.connect(threads=bad)


def _legacy_triggers(raw, table_id: int) -> None:
    """The capture triggers of a cdcsim that numbered statements with a sequence of their own."""
    log, t = f'_cdcsim."log_{table_id}"', '"CDCSIM__PUBLIC"."T"'
    for kind in ("ins", "upd", "del"):
        raw.execute(f"DROP TRIGGER IF EXISTS cdcsim_{kind}_{table_id} ON {t}")
    stmt = "(SELECT nextval('_cdcsim.stmt_seq'))"
    raw.execute(f"CREATE TRIGGER cdcsim_ins_{table_id} AFTER INSERT ON {t} REFERENCING NEW TABLE AS nt "
                f'FOR EACH STATEMENT INSERT INTO {log} (_stmt, _op, "__CDCSIM_RID") '
                f'SELECT {stmt}, 1, nt."__CDCSIM_RID" FROM nt')
    raw.execute(f"CREATE TRIGGER cdcsim_upd_{table_id} AFTER UPDATE ON {t} REFERENCING OLD TABLE AS ot "
                f'NEW TABLE AS nt FOR EACH STATEMENT INSERT INTO {log} (_stmt, _op, "ID", "V", "__CDCSIM_RID") '
                f'SELECT s.v, x.* FROM (SELECT 2, ot."ID", ot."V", ot."__CDCSIM_RID" FROM ot UNION ALL '
                f'SELECT 3, NULL::INT, NULL::VARCHAR, nt."__CDCSIM_RID" FROM nt) AS x, '
                f"(SELECT nextval('_cdcsim.stmt_seq') AS v) AS s")
    raw.execute(f"CREATE TRIGGER cdcsim_del_{table_id} AFTER DELETE ON {t} REFERENCING OLD TABLE AS ot "
                f'FOR EACH STATEMENT INSERT INTO {log} (_stmt, _op, "ID", "V", "__CDCSIM_RID") '
                f'SELECT {stmt}, 0, ot."ID", ot."V", ot."__CDCSIM_RID" FROM ot')


def test_a_database_with_its_own_statement_sequence_is_upgraded(tmp_path):
    """Statement numbers and row ids now come from one sequence. A file written before keeps its
    numbers; opening it moves the row ids above them and re-creates the triggers, so changes made
    after the upgrade follow the old ones in every reader's window."""
    import duckdb

    path = str(tmp_path / "old.duckdb")
    with cdcsim.connect(path) as con:
        cur = con.cursor()
        cur.execute("create table t (id int, v string)")
        cur.execute("create stream s on table t")
        cur.execute("create stream later on table t")
    raw = duckdb.connect(path)
    table_id = raw.execute("select id from _cdcsim.tracked_tables").fetchone()[0]
    rid = raw.execute("select last_value from duckdb_sequences() where sequence_name = 'rid_seq'").fetchone()[0]
    # the old file's statement numbers ran far ahead of its row ids
    raw.execute(f"create sequence _cdcsim.stmt_seq start with {(rid or 0) + 1000}")
    _legacy_triggers(raw, table_id)
    raw.execute('insert into "CDCSIM__PUBLIC"."T" (id, v) values (1, \'a\'), (2, \'b\')')
    raw.execute('update "CDCSIM__PUBLIC"."T" set v = \'A\' where id = 1')
    # `later` was consumed here, at the old file's last statement number
    last = raw.execute("select last_value from duckdb_sequences() where sequence_name = 'stmt_seq'").fetchone()[0]
    raw.execute("update _cdcsim.streams set stmt_offset = ? where name = 'LATER'", [last])
    raw.close()
    with cdcsim.connect(path) as con:
        cur = con.cursor()
        cur.execute("delete from t where id = 2")  # must follow row 2's insert, numbered before
        cur.execute("insert into t values (3, 'c')")  # must fall after `later`'s offset
        cur.execute("update t set v = 'AA' where id = 1")
        assert sorted(cur.execute("select id, v, metadata$action from s").fetchall()) == [
            (1, "AA", "INSERT"), (3, "c", "INSERT")]
        assert sorted(cur.execute("select id, v, metadata$action, metadata$isupdate from later").fetchall()) == [
            (1, "A", "DELETE", True), (1, "AA", "INSERT", True), (2, "b", "DELETE", False),
            (3, "c", "INSERT", False)]
    raw = duckdb.connect(path)
    try:
        assert raw.execute("select count(*) from duckdb_sequences() where sequence_name = 'stmt_seq'").fetchone() == (0,)
    finally:
        raw.close()
