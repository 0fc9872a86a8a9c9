"""The pytest plugin and patch_snowflake, exercised from a sample user test suite in a subprocess."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path

PIPELINE = """
-- a user's pipeline
CREATE TABLE bookings (id INT, status STRING);
CREATE STREAM bookings_stream ON TABLE bookings;
CREATE TABLE booking_events (id INT, status STRING, action STRING, is_update BOOLEAN);
"""

APP = '''
import snowflake.connector


def count_bookings(**conn_args):
    """Application code written for the Snowflake connector."""
    from snowflake.connector import DictCursor

    con = snowflake.connector.connect(account="xy123", user="me", **conn_args)
    try:
        with con.cursor(DictCursor) as cur:
            return cur.execute("SELECT COUNT(*) AS N FROM bookings").fetchone()["N"]
    finally:
        con.close()


def drain(con):
    cur = con.cursor()
    cur.execute("INSERT INTO booking_events SELECT id, status, METADATA$ACTION, METADATA$ISUPDATE "
                "FROM bookings_stream")
    return cur.rowcount
'''

TESTS = '''
from datetime import datetime

import pytest
from hypothesis import given, settings

import cdcsim as cdcsim_lib
from cdcsim.testing import Schema, StreamOracle, dml_sequences, run_ops, stream_rows


def test_fresh_connection_on_manual_clock(cdcsim):
    assert cdcsim.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0] == datetime(2025, 1, 1)
    cdcsim.advance(minutes=5)
    assert cdcsim.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0] == datetime(2025, 1, 1, 0, 5)


@pytest.mark.cdcsim(start="2025-09-01T10:00")
def test_marker_sets_clock(cdcsim):
    assert cdcsim.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0] == datetime(2025, 9, 1, 10)


@pytest.mark.cdcsim_script("pipeline.sql")
def test_script_is_loaded(cdcsim):
    import app

    cur = cdcsim.cursor()
    cur.execute("INSERT INTO bookings VALUES (1, 'BOOKED'), (2, 'BOOKED')")
    cur.execute("UPDATE bookings SET status = 'CANCELLED' WHERE id = 1")
    assert cur.execute("SELECT SYSTEM$STREAM_HAS_DATA('bookings_stream')").fetchone()[0] is True
    assert app.drain(cdcsim) == 2
    assert cur.execute("SELECT COUNT(*) FROM bookings_stream").fetchone()[0] == 0


def test_each_test_gets_a_fresh_database(cdcsim):
    with pytest.raises(cdcsim_lib.ProgrammingError):
        cdcsim.cursor().execute("SELECT * FROM bookings")


def test_patched_connector(cdcsim_snowflake):
    import snowflake.connector

    import app

    setup = snowflake.connector.connect(database="ANALYTICS", schema="RAW")
    setup.execute_string(open("pipeline.sql").read())
    cur = setup.cursor()
    cur.execute("INSERT INTO bookings VALUES (%s, %s), (%s, %s)", (1, "BOOKED", 2, "BOOKED"))
    assert cur.rowcount == 2
    assert cur.sfqid
    # another connection (the application's) sees the same account
    assert app.count_bookings(database="ANALYTICS", schema="RAW") == 2
    cur.execute("SELECT id, status FROM bookings ORDER BY id")
    assert [d[0] for d in cur.description] == ["ID", "STATUS"]
    df = setup.cursor().execute("SELECT * FROM bookings_stream").fetch_pandas_all()
    assert sorted(df["ID"].tolist()) == [1, 2]
    with pytest.raises(snowflake.connector.errors.ProgrammingError) as info:
        cur.execute("SELECT * FROM no_such_table")
    assert info.value.errno == 2003
    before = cdcsim_snowflake.clock.now()
    cdcsim_snowflake.advance(minutes=10)
    assert (cdcsim_snowflake.clock.now() - before).total_seconds() == 600


SCHEMA = Schema("bookings", {"id": "INT", "status": "STRING", "seats": "INT"}, key="id")


@settings(max_examples=25, deadline=None)
@given(ops=dml_sequences(SCHEMA, consume=True))
def test_stream_matches_oracle(ops):
    con = cdcsim_lib.connect(clock=cdcsim_lib.ManualClock())
    try:
        con.cursor().execute(SCHEMA.create_sql())
        con.cursor().execute("CREATE STREAM s ON TABLE bookings")
        oracle = StreamOracle(SCHEMA)
        run_ops(con, SCHEMA, ops, oracle, stream="s")
        assert stream_rows(con, "s", SCHEMA) == oracle.expected()
    finally:
        con.close()
'''

BROKEN = '''
import pytest

@pytest.mark.cdcsim_script("bad.sql")
def test_broken(cdcsim):
    pass
'''


def _plugin_args() -> list[str]:
    eps = importlib.metadata.entry_points(group="pytest11")
    installed = any(e.value == "cdcsim.pytest_plugin" for e in eps)
    return [] if installed else ["-p", "cdcsim.pytest_plugin"]


def _run(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_plugin_args(), *extra],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )


def _suite(tmp_path: Path) -> None:
    (tmp_path / "pipeline.sql").write_text(PIPELINE)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(TESTS))
    # ini with rootdir here; the stand-in lets app.py import snowflake.connector at import time
    (tmp_path / "pytest.ini").write_text("[pytest]\ncdcsim_stand_in = true\npythonpath = .\n")


def test_sample_suite_passes(tmp_path: Path) -> None:
    _suite(tmp_path)
    res = _run(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "6 passed" in res.stdout


def test_script_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.sql").write_text("CREATE TABLE a (id INT);\n\nSELEC nonsense;\n")
    (tmp_path / "test_broken.py").write_text(textwrap.dedent(BROKEN))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    res = _run(tmp_path)
    assert res.returncode == 1
    assert "bad.sql:3:" in res.stdout


def test_lint_option_collects_sql_files(tmp_path: Path) -> None:
    (tmp_path / "good.sql").write_text("CREATE TABLE t (id INT);\n")
    (tmp_path / "bad.sql").write_text("CREATE TABLE t (id INT);\nCREATE TASK k SCHEDULE = '1 MINUTE' AS SELECT 1;\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    res = _run(tmp_path, "--cdcsim-lint")
    assert res.returncode == 1
    assert "1 failed, 1 passed" in res.stdout
    assert "CDC005 task-never-resumed" in res.stdout
    assert _run(tmp_path).returncode == 5  # without the option no .sql file is collected
