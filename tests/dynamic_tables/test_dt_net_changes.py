"""A refresh of a table a stream reads changes only the rows whose values change
(``apply.row_diff``): a recomputed key or group that comes out as it was keeps its row and row
id, the stream sees nothing of it, and STATISTICS count only the rows that differ; a key or group
whose one row changes keeps it, updated, so the stream sees an update. An aggregate kept as
state is updated in place whether or not a stream reads it, and skips such rows too. Covered: a
window (KEY), an aggregate recomputed per group (AGG_RECOMPUTE) and aggregates kept as state
(AGG_DELTA), with and without a stream."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from dthelpers import history, plan_kind, q

import cdcsim


def _rids(con: cdcsim.Connection, table: str) -> list[int]:
    return sorted(r[0] for r in con._session.duck.execute(f'SELECT "__CDCSIM_RID" FROM "CDCSIM__PUBLIC"."{table}"').fetchall())


def _refresh(con: cdcsim.Connection, name: str, query: str) -> tuple[int, int]:
    """Refresh; check the table against its query; the refresh's (numInsertedRows, numDeletedRows)."""
    con.cursor().execute(f"ALTER DYNAMIC TABLE {name} REFRESH")
    assert Counter(q(con, f"SELECT * FROM {name}")) == Counter(q(con, query))
    last = history(con, name)[-1]
    assert last["REFRESH_ACTION"] == "INCREMENTAL"
    stats = json.loads(last["STATISTICS"])
    return stats["numInsertedRows"], stats["numDeletedRows"]


def _stream(con: cdcsim.Connection, name: str) -> Counter:
    return Counter(q(con, f"SELECT * EXCLUDE (METADATA$ROW_ID) FROM {name}"))


def _watched(con: cdcsim.Connection, columns: str, rows: str, query: str, kind: str, sink: str) -> cdcsim.Cursor:
    """Base table ``t`` with ``rows``, dynamic table ``d`` (``query``, of plan ``kind``), stream
    ``s`` on it and an empty table ``sink`` (column ``sink``) to consume it into; a cursor."""
    cur = con.cursor()
    cur.execute(f"CREATE TABLE t ({columns})")
    cur.execute(f"INSERT INTO t VALUES {rows}")
    cur.execute(f"CREATE DYNAMIC TABLE d TARGET_LAG = DOWNSTREAM WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS {query}")
    assert plan_kind(con, "d") == kind
    cur.execute("CREATE STREAM s ON DYNAMIC TABLE d")
    cur.execute(f"CREATE TABLE sink ({sink} INT)")
    return cur


LATEST = "SELECT id, v FROM t QUALIFY row_number() OVER (PARTITION BY id ORDER BY ts DESC) = 1"
RECOMPUTED = "SELECT g, sum(DISTINCT v) AS sd FROM t GROUP BY g"
MINIMUM = "SELECT g, min(v) AS mn, count(DISTINCT s) AS ds FROM t GROUP BY g"
AVERAGE = "SELECT g, avg(v) AS a FROM t GROUP BY g"
# per query: a change that touches keys or groups (NULL among them where the plan allows it) and
# leaves every output value as it was
SAME = {
    LATEST: "UPDATE t SET s = 'z', ts = 1 WHERE id = 1 OR id IS NULL",  # a column no output shows
    RECOMPUTED: "INSERT INTO t VALUES (4, 1, 10, 'e', 1)",              # a second 10: DISTINCT sum stays
    MINIMUM: "UPDATE t SET v = 25, s = 'b' WHERE id = 2",               # not the minimum; 'b' is counted
    AVERAGE: "INSERT INTO t VALUES (4, 1, 15, 'e', 1)",                 # the average itself: 15 stays
}


CASES = [(LATEST, "KEY", True), (RECOMPUTED, "AGG_RECOMPUTE", True), (MINIMUM, "AGG_DELTA", True),
         (AVERAGE, "AGG_DELTA", True), (MINIMUM, "AGG_DELTA", False), (AVERAGE, "AGG_DELTA", False)]


# Without a stream (nothing reads the table's changes) a window or a recomputed group replaces its
# rows, which costs less; an aggregate kept as state is updated in place, and skips equal rows.
@pytest.mark.parametrize(("query", "kind", "watched"), CASES,
                         ids=["key", "recompute", "minimum", "average", "minimum-in-place", "average-in-place"])
def test_a_recomputed_row_that_comes_out_the_same_is_not_a_change(con: cdcsim.Connection, query: str, kind: str,
                                                                     watched: bool) -> None:
    cur = con.cursor()
    cur.execute("CREATE TABLE t (id INT, g INT, v INT, s STRING, ts INT)")
    cur.execute("INSERT INTO t VALUES (1, 1, 10, 'a', 1), (2, 1, 20, 'b', 1), (3, 2, 5, 'c', 1), (NULL, 3, 7, 'd', 1)")
    cur.execute(f"CREATE DYNAMIC TABLE d TARGET_LAG = DOWNSTREAM WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS {query}")
    assert plan_kind(con, "d") == kind
    if watched:
        cur.execute("CREATE STREAM s ON DYNAMIC TABLE d")
    before = _rids(con, "D")
    cur.execute(SAME[query])
    assert _refresh(con, "d", query) == (0, 0)
    assert _rids(con, "D") == before
    cur.execute(SAME[query].replace("4, 1,", "5, 1,").replace("25", "26"))  # the same again: still nothing
    cur.execute("UPDATE t SET v = 6 WHERE id = 3")                          # and one row that does move
    assert _refresh(con, "d", query) == (1, 1)
    # the moved row is updated where it is (same row id: a stream shows an update), except that a
    # recomputed key or group that no stream reads gets a new row (cheaper)
    updated = kind == "AGG_DELTA" or watched
    assert len(set(before) & set(_rids(con, "D"))) == len(before) - (0 if updated else 1)
    if watched:
        got = sorted(_stream(con, "s"), key=lambda r: r[-2])
        assert [(r[-2], r[-1]) for r in got] == [("DELETE", True), ("INSERT", True)]
        assert len({r[0] for r in q(con, 'SELECT "METADATA$ROW_ID" FROM s')}) == 1


def test_duplicate_rows_change_by_their_count(con: cdcsim.Connection) -> None:
    """Rows of equal values (a window keeping ties) change by the difference of their counts."""
    query = "SELECT g, v FROM t QUALIFY rank() OVER (PARTITION BY g ORDER BY ts DESC) = 1"
    cur = _watched(con, "g INT, v INT, ts INT", "(1, 5, 1), (1, 5, 1), (2, 9, 1)", query, "KEY", "g")
    cur.execute("INSERT INTO t VALUES (1, 5, 1)")              # (1, 5) twice -> three times
    assert _refresh(con, "d", query) == (1, 0)
    assert _stream(con, "s") == Counter({(1, 5, "INSERT", False): 1})
    cur.execute("INSERT INTO sink SELECT g FROM s")            # consumed
    cur.execute("DELETE FROM t WHERE g = 1")
    cur.execute("INSERT INTO t VALUES (1, 5, 2)")              # three -> one
    assert _refresh(con, "d", query) == (0, 2)
    assert _stream(con, "s") == Counter({(1, 5, "DELETE", False): 2})


SUMS = "SELECT g, sum(v) AS s, count(*) AS n FROM t GROUP BY g"
DISTINCTS = "SELECT g, sum(v) AS s, count(DISTINCT v) AS dv, max(v) AS mx FROM t GROUP BY g"  # the seed's gold kind
HAVING = "SELECT g, sum(v) AS s FROM t GROUP BY g HAVING count(*) > 0"


@pytest.mark.parametrize("query", [SUMS, DISTINCTS, HAVING], ids=["sums", "distinct-counts", "having"])
def test_a_stream_on_an_aggregate_sees_a_moved_group_as_an_update(con: cdcsim.Connection, query: str) -> None:
    """An incremental refresh "merges" the changes into the table (Snowflake's refresh-modes page):
    a group that keeps its row has it updated, so a stream on the table shows a DELETE and an
    INSERT with METADATA$ISUPDATE = TRUE and one row id. A new group's row is an INSERT, an
    emptied group's a DELETE, and a group that comes back gets a new row id. Every aggregate road
    does this: UPDATEs of the state and the rows, and (HAVING) a MERGE of the state that matches
    old and new rows by group (see ``apply._agg_delta``)."""
    cur = _watched(con, "id INT, g INT, v INT", "(1, 1, 10), (2, 1, 20), (3, 2, 5)", query, "AGG_DELTA", "g")
    two = dict(_rids_by_group(con))[2]

    cur.execute("UPDATE t SET v = 11 WHERE id = 1")
    assert _refresh(con, "d", query) == (1, 1)
    rows = q(con, 'SELECT g, s, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM s ORDER BY 3')
    assert [r[:4] for r in rows] == [(1, 30, "DELETE", True), (1, 31, "INSERT", True)]
    assert rows[0][4] == rows[1][4]
    cur.execute("INSERT INTO sink SELECT g FROM s")

    cur.execute("INSERT INTO t VALUES (4, 3, 7)")       # a new group
    cur.execute("DELETE FROM t WHERE g = 2")            # an emptied one
    assert _refresh(con, "d", query) == (1, 1)
    got = sorted(q(con, 'SELECT g, s, "METADATA$ACTION", "METADATA$ISUPDATE" FROM s'))
    assert got == [(2, 5, "DELETE", False), (3, 7, "INSERT", False)]
    cur.execute("INSERT INTO sink SELECT g FROM s")

    cur.execute("INSERT INTO t VALUES (5, 2, 6)")       # group 2 comes back: a new row, a new row id
    assert _refresh(con, "d", query) == (1, 0)
    assert q(con, 'SELECT g, s, "METADATA$ACTION", "METADATA$ISUPDATE" FROM s') == [(2, 6, "INSERT", False)]
    assert dict(_rids_by_group(con))[2] != two


def _rids_by_group(con: cdcsim.Connection) -> list[tuple[int, int]]:
    return con._session.duck.execute('SELECT g, "__CDCSIM_RID" FROM "CDCSIM__PUBLIC"."D"').fetchall()


def test_a_stream_on_a_latest_version_table_sees_a_changed_key_as_an_update(con: cdcsim.Connection) -> None:
    """The seed's silver kind (the latest version of each booking): a booking whose latest version
    changes keeps its row, updated (ISUPDATE TRUE, one row id); a new booking is an INSERT and a
    booking gone a DELETE; a key that trades one row for two is a DELETE and two INSERTs."""
    query = "SELECT id, v FROM t QUALIFY rank() OVER (PARTITION BY id ORDER BY ts DESC) = 1"
    cur = _watched(con, "id INT, v INT, ts INT", "(1, 10, 1), (2, 20, 1), (3, 30, 1)", query, "KEY", "id")
    seen = 'SELECT id, v, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM s ORDER BY 1, 3, 2'
    cur.execute("INSERT INTO t VALUES (1, 11, 2), (4, 40, 1)")   # a new version of 1, a new booking 4
    cur.execute("DELETE FROM t WHERE id = 2")
    assert _refresh(con, "d", query) == (2, 2)
    rows = q(con, seen)
    assert [r[:4] for r in rows] == [(1, 10, "DELETE", True), (1, 11, "INSERT", True), (2, 20, "DELETE", False),
                                     (4, 40, "INSERT", False)]
    assert rows[0][4] == rows[1][4] and len({r[4] for r in rows}) == 3
    cur.execute("INSERT INTO sink SELECT id FROM s")
    cur.execute("INSERT INTO t VALUES (3, 31, 2), (3, 32, 2)")   # a tie: key 3 now has two rows
    assert _refresh(con, "d", query) == (2, 1)
    assert [r[:4] for r in q(con, seen)] == [(3, 30, "DELETE", False), (3, 31, "INSERT", False),
                                              (3, 32, "INSERT", False)]


def test_an_input_quiet_for_a_window_then_changed_twice_per_row(con):
    """A probe skips the one-event-per-row test for an input whose last window held no update or
    delete (a join's dimension that did not change); when that input's next window holds a row
    changed by two statements, the delta still nets them (delta_sql tests the window itself)."""
    cur = con.cursor()
    cur.execute("CREATE TABLE fact (id INT, dim_id INT, amt INT)")
    cur.execute("CREATE TABLE dim (dim_id INT, region STRING)")
    cur.execute("INSERT INTO dim VALUES (1, 'a'), (2, 'b')")
    cur.execute("INSERT INTO fact VALUES (1, 1, 10), (2, 2, 20), (3, 1, 5)")
    query = "SELECT d.region, sum(f.amt) AS s, count(*) AS n FROM fact f JOIN dim d ON f.dim_id = d.dim_id GROUP BY d.region"
    cur.execute(f"CREATE DYNAMIC TABLE j TARGET_LAG = DOWNSTREAM WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS {query}")
    cur.execute("UPDATE fact SET amt = amt + 1 WHERE id = 1")  # the dimension's window is empty
    _refresh(con, "j", query)
    cur.execute("UPDATE dim SET region = 'c' WHERE dim_id = 1")
    cur.execute("UPDATE dim SET region = 'd' WHERE dim_id = 1")  # the same row again, another statement
    cur.execute("UPDATE fact SET amt = amt * 2 WHERE id = 2")
    _refresh(con, "j", query)
    assert sorted(q(con, "SELECT * FROM j")) == [("b", 40, 1), ("d", 16, 2)]
