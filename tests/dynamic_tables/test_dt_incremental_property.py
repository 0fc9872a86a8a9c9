"""The property that matters most: for random DML on the base tables and random refresh points,
every INCREMENTAL dynamic table equals its query recomputed from scratch (as a multiset), for
each supported shape — and each shape really uses its incremental plan (not a recompute)."""

from __future__ import annotations

import json
import math
from collections import Counter
from decimal import Decimal
from typing import Any

from dthelpers import START, plan_kind
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import cdcsim

SHAPES: dict[str, tuple[str, str]] = {
    # name: (query, expected plan)
    "F": ("SELECT id, k, v * 2 AS v2, upper(s) AS su FROM t WHERE v > 0 OR v IS NULL", "LINEAR"),
    "G": ("SELECT k, count(*) AS c, sum(v) AS sv, avg(v) AS av, count(v) AS cv, "
          "count(CASE WHEN v > 5 THEN 1 END) AS big, ROUND(sum(v) * 100.0 / NULLIF(count(*), 0), 2) AS r "
          "FROM t GROUP BY k", "AGG_DELTA"),
    "G2": ("SELECT k, min(v) AS mn, max(v) AS mx, count(DISTINCT s) AS ds FROM t WHERE id > 1 GROUP BY k",
           "AGG_DELTA"),
    "G3": ("SELECT k, sum(DISTINCT v) AS sdv, max(s) AS ms FROM t GROUP BY k", "AGG_RECOMPUTE"),
    # ordered aggregates (WITHIN GROUP), with and without DISTINCT, grouped and scalar
    "GO": ("SELECT k, LISTAGG(s, ',') WITHIN GROUP (ORDER BY s) AS ls, ARRAY_AGG(DISTINCT v) WITHIN GROUP "
           "(ORDER BY v DESC) AS av, sum(v) AS sv FROM t GROUP BY k", "AGG_RECOMPUTE"),
    "SO": ("SELECT LISTAGG(DISTINCT s, '|') WITHIN GROUP (ORDER BY s DESC) AS ls, ARRAY_AGG(v) WITHIN GROUP "
           "(ORDER BY id, v) AS av, count(*) AS c FROM t", "AGG_RECOMPUTE"),
    "JD": ("SELECT d.name, count(DISTINCT t.s) AS ds, min(t.v) AS mn, count(*) AS c FROM t JOIN d ON t.k = d.k "
           "GROUP BY d.name", "AGG_DELTA"),
    "SC": ("SELECT count(*) AS c, sum(v) AS s FROM t", "AGG_DELTA"),
    "GH": ("SELECT k, count(*) AS c, sum(v) AS sv FROM t GROUP BY k HAVING count(*) > 1", "AGG_DELTA"),
    # read by a stream from the start (see STREAMS): its rows updated where they are, by UPDATEs
    "GT": ("SELECT k, count(*) AS c, max(v) AS mx, count(DISTINCT s) AS ds FROM t GROUP BY k", "AGG_DELTA"),
    # the same without the key: groups can have equal rows, and keep their own row ids
    "GU": ("SELECT count(*) AS c, max(v) AS mx FROM t GROUP BY k", "AGG_DELTA"),
    "J": ("SELECT t.id, t.v, d.name FROM t JOIN d ON t.k = d.k", "LINEAR"),
    "JG": ("SELECT d.name, count(*) AS c, sum(t.v) AS s FROM t JOIN d ON t.k = d.k GROUP BY d.name", "AGG_DELTA"),
    "U": ("SELECT id, v FROM t WHERE k = 1 UNION ALL SELECT k, w FROM d", "LINEAR"),
    "W": ("SELECT id, k, v FROM t QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id, s) = 1",
          "KEY"),
    "DS": ("SELECT DISTINCT k, s FROM t", "KEY"),
    # the corrected movie pipeline's gold: aggregate CTEs kept as hidden tables, joined per key
    "GC": ("WITH a AS (SELECT k, count(*) AS c, count(DISTINCT s) AS ds, max(v) AS mx, sum(v) AS sv FROM t "
           "GROUP BY k), b AS (SELECT k, sum(w) AS sw, count(*) AS n FROM d WHERE w > 0 GROUP BY k) "
           "SELECT COALESCE(a.k, b.k) AS k, coalesce(a.c, 0) AS c, a.ds, a.mx, a.sv, b.sw, b.n "
           "FROM a FULL OUTER JOIN b ON a.k = b.k", "KEY"),
    "LJ": ("SELECT t.k, t.id, d.name FROM t LEFT JOIN d ON t.k = d.k", "KEY"),
    "C1": ("SELECT id, k, v FROM t WHERE v IS NOT NULL", "LINEAR"),
    "C2": ("SELECT k, sum(v) AS s, count(*) AS n FROM c1 GROUP BY k", "AGG_DELTA"),
    "C3": ("SELECT k, v, id FROM c1 QUALIFY row_number() OVER (PARTITION BY k ORDER BY v, id) = 1", "KEY"),
    # downstream of a window table: W's equal DELETE/INSERT pairs (no stream reads W until
    # "attach") must cancel here
    "C4": ("SELECT k, count(*) AS n, sum(v) AS sv FROM w GROUP BY k", "AGG_DELTA"),
    # downstream of an aggregate that updates its rows where they are: reads those updates
    "C5": ("SELECT k, mn, ds FROM g2 WHERE ds > 0 OR mn IS NULL", "LINEAR"),
}

# streams on dynamic tables: (stream, table); "GT_S" and "GU_S" exist from the start, the others
# only once the "attach" op creates them (GH's refreshes switch from a MERGE in place to replacing
# moved groups' rows by new ones; those of the recomputed keys and groups W, DS, GC, LJ, G3 and GO from
# replacing the recomputed rows to changing only those that differ, a key or group trading one row
# for one updating it; G and G2 keep updating their rows where they are)
STREAMS = {"GT_S": "GT", "GU_S": "GU", "G_S": "G", "G2_S": "G2", "GH_S": "GH", "W_S": "W", "G3_S": "G3",
           "GO_S": "GO", "DS_S": "DS", "GC_S": "GC", "LJ_S": "LJ"}

ids = st.integers(0, 7)
ks = st.one_of(st.none(), st.integers(0, 3))
vs = st.one_of(st.none(), st.integers(-3, 9))
ss = st.sampled_from(["a", "b", "c", None])
op = st.one_of(
    st.tuples(st.just("ins"), ids, ks, vs, ss),
    st.tuples(st.just("upd"), ids, st.sampled_from(["k", "v", "s"]), st.one_of(ks, vs)),
    st.tuples(st.just("del"), ids),
    st.tuples(st.just("dins"), ks, st.sampled_from(["x", "y"]), vs),
    st.tuples(st.just("dupd"), ks, vs),
    st.tuples(st.just("ddel"), ks),
    st.tuples(st.just("refresh")),
    st.tuples(st.just("attach")),
)


def lit(v: Any) -> str:
    return "NULL" if v is None else f"'{v}'" if isinstance(v, str) else str(v)


def cell(x: Any) -> Any:
    if isinstance(x, list):  # ARRAY_AGG: hashable, for the multiset
        return tuple(cell(y) for y in x)
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 6)
    if isinstance(x, Decimal):
        return round(float(x), 6)
    return x


def norm(rows: list[tuple]) -> Counter:
    return Counter(tuple(cell(x) for x in r) for r in rows)


def check(con: cdcsim.Connection, since: dict[str, Counter] | None = None) -> None:
    """Every table equals its query; every stream in ``since`` (stream -> the table's rows when it
    was created) holds exactly the change from those rows to the table's rows now."""
    cur = con.cursor()
    for name, (query, _) in SHAPES.items():
        got = norm(cur.execute(f"SELECT * FROM {name}").fetchall())
        want = norm(cur.execute(query).fetchall())
        assert got == want, f"{name}: {got - want} extra, {want - got} missing"
    for stream, before in (since or {}).items():
        table = STREAMS[stream]
        cols = ", ".join(d[0] for d in cur.execute(f"SELECT * FROM {table} LIMIT 0").description)
        ins, dels = (norm(cur.execute(f"SELECT {cols} FROM {stream} WHERE METADATA$ACTION = '{a}'").fetchall())
                     for a in ("INSERT", "DELETE"))
        now = norm(cur.execute(f"SELECT * FROM {table}").fetchall())
        assert now + dels == before + ins, f"{stream}: +{ins} -{dels} does not lead from {before} to {now}"


def contents(con: cdcsim.Connection) -> dict[str, dict[int, tuple]]:
    """Each table's rows by their hidden row id."""
    duck = con._session.duck
    return {name: {r[0]: tuple(cell(x) for x in r[1:]) for r in duck.execute(
                f'SELECT "__CDCSIM_RID", * EXCLUDE ("__CDCSIM_RID") FROM "CDCSIM__PUBLIC"."{name}"').fetchall()}
            for name in SHAPES}


def check_net(con: cdcsim.Connection, before: dict[str, dict[int, tuple]], watched: set[str]) -> None:
    """The refresh just made counted exactly the rows it wrote: by row id, those that came, went
    or changed values (one inserted and one deleted each). And every table that changes only the
    rows that differ, does: those read by a stream (``watched``) or downstream, and those whose
    plan is not a recomputation of keys or groups (which replaces their rows otherwise), change
    their contents by exactly what they wrote — a recomputed row that came out as it was is not
    a change. GU, whose rows do not show their group, is the exception: a group keeps its row
    (Snowflake merges the changes), so two groups that trade values both change."""
    latest: dict[str, dict] = {}
    for name, stats in con.cursor().execute(
            "SELECT name, statistics FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY())").fetchall():
        latest.setdefault(name, json.loads(stats))  # newest first
    after = contents(con)
    for name, (_, kind) in SHAPES.items():
        b, a = before[name], after[name]
        got = (latest[name]["numInsertedRows"], latest[name]["numDeletedRows"])
        written = (sum(1 for r, v in a.items() if b.get(r) != v), sum(1 for r, v in b.items() if a.get(r) != v))
        assert got == written, f"{name}: counted +{got[0]} -{got[1]}, wrote +{written[0]} -{written[1]}"
        if (kind in ("KEY", "AGG_RECOMPUTE") and name not in watched) or name == "GU":
            continue
        ca, cb = Counter(a.values()), Counter(b.values())
        want = (sum((ca - cb).values()), sum((cb - ca).values()))
        assert got == want, f"{name}: counted +{got[0]} -{got[1]}, changed +{want[0]} -{want[1]}"


def setup() -> cdcsim.Connection:
    con = cdcsim.connect(clock=cdcsim.ManualClock(START))
    cur = con.cursor()
    cur.execute("CREATE TABLE t (id INT, k INT, v INT, s STRING)")
    cur.execute("CREATE TABLE d (k INT, name STRING, w INT)")
    cur.execute("INSERT INTO t VALUES (1, 0, 5, 'a'), (2, 1, NULL, 'b'), (3, 1, 7, NULL)")
    cur.execute("INSERT INTO d VALUES (0, 'x', 1), (1, 'y', 2)")
    for name, (query, _) in SHAPES.items():
        cur.execute(f"CREATE DYNAMIC TABLE {name} TARGET_LAG = DOWNSTREAM WAREHOUSE = wh "
                    f"REFRESH_MODE = INCREMENTAL AS {query}")
    cur.execute("CREATE STREAM GT_S ON DYNAMIC TABLE GT")
    cur.execute("CREATE STREAM GU_S ON DYNAMIC TABLE GU")
    return con


def test_each_shape_uses_its_incremental_plan() -> None:
    con = setup()
    try:
        for name, (_, kind) in SHAPES.items():
            assert plan_kind(con, name) == kind, name
        check(con)
    finally:
        con.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=14))
# found with 600 examples: a row updated twice in a column W's key-only delta does not carry
@example(ops=[("upd", 1, "v", None), ("upd", 1, "v", None)])
# found in a suite run: a window whose changes cancel out re-ran SO's scalar recompute over no
# groups, and its one row (LISTAGG NULL, count 0) came in beside the table's row
@example(ops=[("ins", 0, None, None, "a"), ("del", 0)])
def test_incremental_equals_recompute(ops: list[tuple]) -> None:
    con = setup()
    cur = con.cursor()
    since = {name: norm(cur.execute(f"SELECT * FROM {STREAMS[name]}").fetchall()) for name in ("GT_S", "GU_S")}
    try:
        for o in [*ops, ("refresh",)]:
            kind = o[0]
            if kind == "ins":
                cur.execute(f"INSERT INTO t VALUES ({lit(o[1])}, {lit(o[2])}, {lit(o[3])}, {lit(o[4])})")
            elif kind == "upd":
                cur.execute(f"UPDATE t SET {o[2]} = {lit(o[3] if o[2] != 's' else 'c')} WHERE id = {o[1]}")
            elif kind == "del":
                cur.execute(f"DELETE FROM t WHERE id = {o[1]}")
            elif kind == "dins":
                cur.execute(f"INSERT INTO d VALUES ({lit(o[1])}, {lit(o[2])}, {lit(o[3])})")
            elif kind == "dupd":
                cur.execute(f"UPDATE d SET w = {lit(o[2])} WHERE k = {lit(o[1])}")
            elif kind == "ddel":
                cur.execute(f"DELETE FROM d WHERE k = {lit(o[1])}")
            elif kind == "attach":
                for stream, table in STREAMS.items():
                    if stream not in since:
                        since[stream] = norm(cur.execute(f"SELECT * FROM {table}").fetchall())
                        cur.execute(f"CREATE STREAM {stream} ON DYNAMIC TABLE {table}")
            else:
                before = contents(con)
                cur.execute(f"ALTER DYNAMIC TABLE {', '.join(SHAPES)} REFRESH")
                check(con, since)
                check_net(con, before, {STREAMS[stream] for stream in since})
    finally:
        con.close()
