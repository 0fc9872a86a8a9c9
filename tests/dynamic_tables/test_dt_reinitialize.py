"""A dynamic table whose input table is replaced (CREATE OR REPLACE TABLE) reinitializes."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("damage", ["drop multiplicities", "old state layout"])
def test_missing_refresh_state_rebuilds_the_table(tmp_path, damage):
    """A database file written by an older cdcsim lacks state a newer plan keeps (the
    COUNT(DISTINCT) multiplicities), or keeps it in another layout. The first refresh after
    opening it rebuilds the table."""
    path = str(tmp_path / "old.duckdb")
    con = cdcsim.connect(path)
    cur = con.cursor()
    cur.execute("CREATE TABLE b (k INT, s STRING)")
    cur.execute("INSERT INTO b VALUES (1, 'a'), (1, 'b'), (2, 'a')")
    cur.execute("CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = w REFRESH_MODE = INCREMENTAL "
                "AS SELECT k, count(DISTINCT s) AS n FROM b GROUP BY k")
    cur.execute("DELETE FROM b WHERE s = 'b'")  # the refresh must not read this away from missing state
    gone = [r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = '_cdcsim' AND ends_with(table_name, '_m')"
    ).fetchall()]
    assert len(gone) == 1
    if damage == "drop multiplicities":
        con._session.duck.execute(f'DROP TABLE _cdcsim."{gone[0]}"')
    else:
        con._session.duck.execute(f'ALTER TABLE _cdcsim."{gone[0][:-2]}" ADD COLUMN __H0 BIGINT')
    con.close()
    con = cdcsim.connect(path)
    cur = con.cursor()
    cur.execute("INSERT INTO b VALUES (2, 'c')")
    cur.execute("ALTER DYNAMIC TABLE d REFRESH")
    assert sorted(cur.execute("SELECT * FROM d").fetchall()) == [(1, 1), (2, 2)]
    cur.execute("INSERT INTO b VALUES (1, 'z')")
    cur.execute("ALTER DYNAMIC TABLE d REFRESH")
    assert sorted(cur.execute("SELECT * FROM d").fetchall()) == [(1, 2), (2, 2)]
    actions = [r[0] for r in cur.execute(
        "SELECT refresh_action FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY()) "
        "ORDER BY refresh_start_time").fetchall()]
    assert actions[-2:] == ["REINITIALIZE", "INCREMENTAL"]
    con.close()


def test_replaced_upstream_dynamic_table_reinitializes_the_downstream_one():
    con = cdcsim.connect()
    cur = con.cursor()
    cur.execute("CREATE TABLE b (x INT)")
    cur.execute("INSERT INTO b VALUES (1), (2)")
    lag = "TARGET_LAG = '1 minute' WAREHOUSE = w REFRESH_MODE = INCREMENTAL"
    cur.execute(f"CREATE DYNAMIC TABLE up {lag} AS SELECT x FROM b")
    cur.execute(f"CREATE DYNAMIC TABLE down {lag} AS SELECT x * 10 AS y FROM up")
    cur.execute("CREATE OR REPLACE DYNAMIC TABLE up TARGET_LAG = '1 minute' WAREHOUSE = w AS SELECT x + 1 AS x FROM b")
    cur.execute("ALTER DYNAMIC TABLE down REFRESH")
    assert sorted(cur.execute("SELECT * FROM down").fetchall()) == [(20,), (30,)]
    cur.execute("INSERT INTO b VALUES (3)")
    cur.execute("ALTER DYNAMIC TABLE down REFRESH")
    assert sorted(cur.execute("SELECT * FROM down").fetchall()) == [(20,), (30,), (40,)]
    actions = [r[0] for r in cur.execute(
        "SELECT refresh_action FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'DOWN')) "
        "ORDER BY refresh_start_time").fetchall()]
    assert actions[-2:] == ["REINITIALIZE", "INCREMENTAL"]
    con.close()


def test_frontier_survives_reopen_between_compactions(tmp_path):
    """A refresh records how far it read in its history row (the log hold catches up only every
    few refreshes): a reopened database must neither re-apply nor skip changes. ``d`` takes the
    name of a dropped table that had read further: a frontier belongs to a table, not a name."""
    path = str(tmp_path / "f.duckdb")
    lag = "TARGET_LAG = '1 minute' WAREHOUSE = w REFRESH_MODE = INCREMENTAL"
    con = cdcsim.connect(path)
    cur = con.cursor()
    cur.execute("CREATE TABLE b (k INT, v INT)")
    cur.execute(f"CREATE DYNAMIC TABLE d {lag} AS SELECT k, sum(v) AS s, count(*) AS n FROM b GROUP BY k")
    cur.execute(f"CREATE DYNAMIC TABLE x {lag} AS SELECT k, sum(v) AS s FROM b GROUP BY k")
    for i in range(3):
        cur.execute(f"INSERT INTO b VALUES ({i % 2}, {i})")
        cur.execute("ALTER DYNAMIC TABLE d REFRESH")
    for i in range(3, 6):  # x reads further than d
        cur.execute(f"INSERT INTO b VALUES ({i % 2}, {i})")
        cur.execute("ALTER DYNAMIC TABLE x REFRESH")
    cur.execute("DROP DYNAMIC TABLE x")
    cur.execute("ALTER DYNAMIC TABLE d RENAME TO x")
    con.close()
    for round_ in range(2):
        con = cdcsim.connect(path)
        cur = con.cursor()
        cur.execute(f"INSERT INTO b VALUES (1, {100 + round_})")
        cur.execute("ALTER DYNAMIC TABLE x REFRESH")
        want = sorted(cur.execute("SELECT k, sum(v), count(*) FROM b GROUP BY k").fetchall())
        assert sorted(cur.execute("SELECT * FROM x").fetchall()) == want
        con.close()
