"""A dynamic table whose input table is replaced (CREATE OR REPLACE TABLE) reinitializes."""

from __future__ import annotations

import cdcsim


def test_replaced_input_reinitializes_and_tracks_the_new_table():
    con = cdcsim.connect()
    cur = con.cursor()
    for _ in range(2):  # reloading the same pipeline on one connection works too
        cur.execute("CREATE OR REPLACE TABLE b (x INT)")
        cur.execute("INSERT INTO b VALUES (1)")
        cur.execute("CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = w AS SELECT x FROM b")
        assert cur.execute("SELECT * FROM d").fetchall() == [(1,)]
        cur.execute("CREATE OR REPLACE TABLE b (x INT)")
        cur.execute("INSERT INTO b VALUES (5)")
        cur.execute("ALTER DYNAMIC TABLE d REFRESH")
        assert cur.execute("SELECT * FROM d").fetchall() == [(5,)]
        cur.execute("INSERT INTO b VALUES (6)")
        cur.execute("ALTER DYNAMIC TABLE d REFRESH")
        assert sorted(cur.execute("SELECT * FROM d").fetchall()) == [(5,), (6,)]
    actions = [r[0] for r in cur.execute(
        "SELECT refresh_action FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()) "
        "ORDER BY refresh_start_time").fetchall()]
    assert actions[:3] == ["INCREMENTAL", "REINITIALIZE", "INCREMENTAL"]
    con.close()
