"""A KEY plan restricts its recompute to the changed keys' range (so zone maps can skip row
groups): keys at both ends of a table spanning many row groups, string keys and a NULL key must
all still be found."""

from __future__ import annotations

from collections import Counter

from dthelpers import plan_kind, q

import cdcsim

LATEST = ("SELECT k, v, id FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC, id) = 1")


def test_key_plan_finds_keys_at_both_ends_and_null(con: cdcsim.Connection) -> None:
    cur = con.cursor()
    # 300K rows = three row groups; string keys in insertion order, as booking ids arrive
    cur.execute("CREATE TABLE t (id INT, k STRING, v INT)")
    cur.execute("INSERT INTO t SELECT range, 'K' || lpad(FLOOR(range / 3)::INT::VARCHAR, 7, '0'), range % 11 "
                "FROM range(300000)")
    cur.execute("INSERT INTO t VALUES (-1, NULL, 4), (-2, NULL, 6)")
    cur.execute(f"CREATE DYNAMIC TABLE latest TARGET_LAG = DOWNSTREAM WAREHOUSE = wh "
                f"REFRESH_MODE = INCREMENTAL AS {LATEST}")
    assert plan_kind(con, "latest") == "KEY"
    # the changed keys span the whole table (first and last row group) and include NULL
    cur.execute("UPDATE t SET v = 100 WHERE k IN ('K0000000', 'K0099999') OR (k IS NULL AND id = -1)")
    cur.execute("DELETE FROM t WHERE k = 'K0050000'")
    cur.execute("INSERT INTO t VALUES (300001, 'K0000001', 50), (300002, 'K9999999', 1)")
    cur.execute("ALTER DYNAMIC TABLE latest REFRESH")
    assert Counter(q(con, "SELECT * FROM latest")) == Counter(q(con, LATEST))
    got = dict((k, (v, i)) for k, v, i in q(con, "SELECT * FROM latest WHERE k IN ('K0000000', 'K0099999', "
                                                    "'K0000001', 'K9999999') OR k IS NULL"))
    assert got == {"K0000000": (100, 0), "K0099999": (100, 299997), "K0000001": (50, 300001),
                   "K9999999": (1, 300002), None: (100, -1)}
    assert q(con, "SELECT count(*) FROM latest WHERE k = 'K0050000'") == [(0,)]
    # only NULL keys change: the range of the non-NULL keys is empty
    cur.execute("UPDATE t SET v = 200 WHERE id = -2")
    cur.execute("ALTER DYNAMIC TABLE latest REFRESH")
    assert q(con, "SELECT v, id FROM latest WHERE k IS NULL") == [(200, -2)]
    assert Counter(q(con, "SELECT * FROM latest")) == Counter(q(con, LATEST))
