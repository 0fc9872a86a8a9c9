"""An aggregate table nothing reads changes of is refreshed in place (``apply._agg_delta``). Without
HAVING or multiplicities its groups have a row exactly when their count is not 0, so a refresh in
which every moved group had a row and keeps it updates the state and the rows where they are;
new, emptied and returning groups take the general road. Each case must leave the table equal to
its query, with the row ids of the groups that stayed."""

from __future__ import annotations

from collections import Counter

from dthelpers import history, plan_of, q

import cdcsim
from cdcsim.dynamic_tables.catalog import registry
from cdcsim.dynamic_tables.ivm import state_table

QUERY = "SELECT k, count(*) AS n, sum(v) AS s FROM t GROUP BY k"


def _setup(con: cdcsim.Connection) -> cdcsim.Cursor:
    cur = con.cursor()
    cur.execute("CREATE TABLE t (id INT, k STRING, v INT)")
    cur.execute("INSERT INTO t VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3), (4, 'c', NULL)")
    cur.execute(f"CREATE DYNAMIC TABLE g TARGET_LAG = DOWNSTREAM WAREHOUSE = wh REFRESH_MODE = INCREMENTAL "
                f"AS {QUERY}")
    return cur


def _rids(con: cdcsim.Connection, table: str = "G") -> dict[str, int]:
    """Each group's row id in the table."""
    return dict(con._session.duck.execute(f'SELECT "K", "__CDCSIM_RID" FROM "CDCSIM__PUBLIC"."{table}"').fetchall())


def _refresh_matches(con: cdcsim.Connection) -> dict:
    con.cursor().execute("ALTER DYNAMIC TABLE g REFRESH")
    assert Counter(q(con, "SELECT * FROM g")) == Counter(q(con, QUERY))
    last = history(con, "g")[-1]
    assert last["REFRESH_ACTION"] == "INCREMENTAL"
    return last


def test_moved_groups_keep_their_rows_and_row_ids(con: cdcsim.Connection) -> None:
    cur = _setup(con)
    before = _rids(con)
    cur.execute("UPDATE t SET v = v + 10 WHERE k IN ('a', 'c')")
    cur.execute("INSERT INTO t VALUES (5, 'b', 4)")
    last = _refresh_matches(con)
    assert _rids(con) == before
    # two groups moved ('c' only in NULLs: its count of values and its sum stay, not its rows)
    assert '"numInsertedRows": 2' in last["STATISTICS"] and '"numDeletedRows": 2' in last["STATISTICS"]


def test_new_emptied_and_returning_groups(con: cdcsim.Connection) -> None:
    cur = _setup(con)
    cur.execute("INSERT INTO t VALUES (6, 'd', 6)")            # a new group
    cur.execute("UPDATE t SET v = 0 WHERE k = 'a'")            # beside a group that moves
    _refresh_matches(con)
    cur.execute("DELETE FROM t WHERE k = 'b'")                 # emptied
    cur.execute("UPDATE t SET v = 7 WHERE k = 'd'")
    _refresh_matches(con)
    assert ("b",) not in q(con, "SELECT k FROM g")
    st = state_table(registry(con._session.engine).tables["CDCSIM.PUBLIC.G"].id)
    assert con._session.duck.execute(f"SELECT count(*) FROM {st} WHERE __CNT = 0").fetchone()[0] == 0
    cur.execute("INSERT INTO t VALUES (7, 'b', 8)")            # returns
    cur.execute("UPDATE t SET v = 1 WHERE k = 'c'")
    _refresh_matches(con)
    assert ("b", 1, 8) in q(con, "SELECT * FROM g")


def test_rows_of_zeros_left_by_an_older_cdcsim_are_dropped_first(con: cdcsim.Connection) -> None:
    """An older cdcsim kept an emptied group's state as a row of zeros until a purge. A refresh
    that updates the state in place would take that group's return for a group with a row, and
    the table would miss it: the first refresh of a session drops such rows."""
    cur = _setup(con)
    st = state_table(registry(con._session.engine).tables["CDCSIM.PUBLIC.G"].id)
    # an older refresh of this plan: the MERGE road (taken today with HAVING) empties group 'b'
    plan_of(con, "g").having = True
    cur.execute("DELETE FROM t WHERE k = 'b'")
    _refresh_matches(con)
    zeros = f"SELECT count(*) FROM {st} WHERE __CNT = 0"
    assert con._session.duck.execute(zeros).fetchone()[0] == 1
    registry(con._session.engine).plans.clear()  # a new session: the plan is built afresh
    cur.execute("INSERT INTO t VALUES (8, 'b', 5)")
    cur.execute("UPDATE t SET v = 9 WHERE id = 1")
    _refresh_matches(con)
    assert ("b", 1, 5) in q(con, "SELECT * FROM g")
    assert con._session.duck.execute(zeros).fetchone()[0] == 0


WIDE = ("SELECT k, count(*) AS n, sum(v) AS s, avg(v) AS a, sum(id) AS si, count(v) AS cv, "
        + ", ".join(f"count(CASE WHEN v = {i} THEN 1 END) AS c{i}" for i in range(6)) + " FROM t GROUP BY k")


def test_a_wide_table_is_updated_in_place_too(con: cdcsim.Connection) -> None:
    """Past 8 columns a table is refreshed in place only when its rows can be updated where they
    are (no HAVING, no MIN / MAX / COUNT(DISTINCT))."""
    cur = _setup(con)
    cur.execute(f"CREATE DYNAMIC TABLE w TARGET_LAG = DOWNSTREAM WAREHOUSE = wh REFRESH_MODE = INCREMENTAL "
                f"AS {WIDE}")
    assert len(cur.execute("SELECT * FROM w LIMIT 0").description) > 8
    before = _rids(con, "W")
    for step in ("UPDATE t SET v = 4 WHERE id = 1", "INSERT INTO t VALUES (9, 'e', 5)",
                 "DELETE FROM t WHERE k = 'b'", "INSERT INTO t VALUES (10, 'b', 0)"):
        cur.execute(step)
        cur.execute("ALTER DYNAMIC TABLE w REFRESH")
        assert Counter(q(con, "SELECT * FROM w")) == Counter(q(con, WIDE)), step
        assert history(con, "w")[-1]["REFRESH_ACTION"] == "INCREMENTAL"
    after = _rids(con, "W")
    # groups that stayed all along kept their rows
    assert after["a"] == before["a"] and after["c"] == before["c"]
