"""A file last used with ``limits="relaxed"`` (the live demo's half-second tasks, sub-minute lags)
opens under Snowflake's limits: the limits are checked when a schedule or lag is set, not when a
stored one is loaded. Found by the held-by-demo test: the dashboard (``CDCSIM_DATABASE``),
``cdcsim status`` and ``cdcsim demo --faithful`` could not open the demo's file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import cdcsim


def test_relaxed_file_opens_under_snowflake_limits(tmp_path: Path) -> None:
    path = str(tmp_path / "relaxed.duckdb")
    con = cdcsim.connect(path, limits="relaxed")
    con.execute_string("""
        CREATE TABLE t (a INT);
        CREATE DYNAMIC TABLE d TARGET_LAG = '1 second' WAREHOUSE = w AS SELECT * FROM t;
        CREATE TASK k SCHEDULE = '0.5 SECONDS' AS INSERT INTO t VALUES (1);
        ALTER TASK k RESUME;
    """)
    con.close()
    con = cdcsim.connect(path)  # limits="snowflake"
    try:
        cur = con.cursor()
        shown = {r[1]: r for r in cur.execute("SHOW TASKS").fetchall()}
        assert "K" in shown
        assert cur.execute("SELECT count(*) FROM d").fetchone() == (0,)
        time.sleep(0.6)
        con.run_pending()  # the stored schedule is due: it runs and its next slot is computed
        assert cur.execute("SELECT count(*) FROM t").fetchone()[0] >= 1
        cur.execute("ALTER TASK k SUSPEND")
        with pytest.raises(cdcsim.ProgrammingError, match="whole number"):
            cur.execute("ALTER TASK k SET SCHEDULE = '0.5 SECONDS'")  # new values still checked
        cur.execute("ALTER TASK k SET SCHEDULE = '1 MINUTE'")
    finally:
        con.close()
