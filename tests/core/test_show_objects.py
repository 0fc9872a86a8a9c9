"""SHOW [TERSE] OBJECTS: the tables and views in scope, with SHOW TABLES' and SHOW VIEWS' values
[DOC: sql-reference/sql/show-objects; release-notes/bcr-bundles/2024_03/bcr-1529 for dynamic tables]."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim

FULL = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows", "bytes",
        "owner", "retention_time", "owner_role_type", "is_dynamic"]
TERSE = ["created_on", "name", "kind", "database_name", "schema_name"]


def _names(rows):
    return [(r[1], r[4]) for r in rows]


@pytest.fixture
def objs(q):
    """A table with two rows and a comment, a transient and a temporary table, and a view."""
    q("CREATE TABLE orders (id INT)")
    q("COMMENT ON TABLE orders IS 'the orders'")
    q("INSERT INTO orders VALUES (1), (2)")
    q("CREATE TRANSIENT TABLE scratch (id INT)")
    q("CREATE TEMPORARY TABLE tmp_work (id INT)")
    q("CREATE VIEW big_orders AS SELECT * FROM orders WHERE id > 1")
    return q


def test_it_lists_tables_and_views_by_name_with_their_kind(objs):
    assert _names(objs("SHOW OBJECTS")) == [("BIG_ORDERS", "VIEW"), ("ORDERS", "TABLE"), ("SCRATCH", "TABLE"),
                                            ("TMP_WORK", "TEMPORARY")]


def test_the_columns_are_the_documented_ones(objs):
    objs("SHOW OBJECTS")
    assert [d[0] for d in objs.cur.description] == FULL
    objs("SHOW TERSE OBJECTS")
    assert [d[0] for d in objs.cur.description] == TERSE


def test_a_table_row_carries_show_tables_values(objs):
    full = {r[1]: dict(zip(FULL, r, strict=True)) for r in objs("SHOW OBJECTS")}
    table = {r[1]: r for r in objs("SHOW TABLES")}["ORDERS"]
    o = full["ORDERS"]
    assert (o["created_on"], o["database_name"], o["schema_name"], o["kind"], o["comment"], o["cluster_by"],
            o["rows"], o["bytes"], o["owner"], o["retention_time"], o["owner_role_type"]) == \
        (table[0], table[2], table[3], table[4], table[5], table[6], table[7], table[8], table[9], table[10],
         table[15])
    assert (o["comment"], o["rows"], o["owner"], o["is_dynamic"]) == ("the orders", 2, "SYSADMIN", "N")


def test_a_view_row_carries_show_views_values(objs):
    v = {r[1]: dict(zip(FULL, r, strict=True)) for r in objs("SHOW OBJECTS")}["BIG_ORDERS"]
    view = objs("SHOW VIEWS")[0]
    assert (v["created_on"], v["database_name"], v["schema_name"], v["owner"], v["owner_role_type"]) == \
        (view[0], view[3], view[4], view[5], view[10])
    assert v["created_on"] is not None
    # [INFER] a view stores nothing and keeps no history; an unset comment is '' as for a table
    assert (v["kind"], v["rows"], v["bytes"], v["retention_time"], v["comment"], v["is_dynamic"]) == \
        ("VIEW", 0, 0, None, "", "N")


def test_terse_gives_the_same_objects_and_kinds(objs):
    full = objs("SHOW OBJECTS")
    assert objs("SHOW TERSE OBJECTS") == [(r[0], r[1], r[4], r[2], r[3]) for r in full]


def test_a_dynamic_table_is_a_table_marked_dynamic(q):
    q("CREATE TABLE src (id INT)")
    q("CREATE DYNAMIC TABLE dt TARGET_LAG = '5 minutes' WAREHOUSE = wh COMMENT = 'derived' AS SELECT id FROM src")
    rows = {r[1]: dict(zip(FULL, r, strict=True)) for r in q("SHOW OBJECTS")}
    assert (rows["DT"]["kind"], rows["DT"]["is_dynamic"], rows["DT"]["comment"]) == ("TABLE", "Y", "derived")
    assert rows["DT"]["created_on"] == q("SHOW DYNAMIC TABLES")[0][0]
    assert (rows["SRC"]["kind"], rows["SRC"]["is_dynamic"]) == ("TABLE", "N")
    assert q("SHOW TERSE OBJECTS LIKE 'DT'") == [(rows["DT"]["created_on"], "DT", "TABLE", "CDCSIM", "PUBLIC")]


def test_like_is_case_insensitive_with_percent_and_underscore(objs):
    assert _names(objs("SHOW OBJECTS LIKE '%order%'")) == [("BIG_ORDERS", "VIEW"), ("ORDERS", "TABLE")]
    assert _names(objs("SHOW OBJECTS LIKE 'ORDER_'")) == [("ORDERS", "TABLE")]
    assert _names(objs("SHOW OBJECTS LIKE 'order'")) == []
    assert _names(objs("SHOW OBJECTS LIKE 'tmp_work'")) == [("TMP_WORK", "TEMPORARY")]


@pytest.fixture
def spread(q):
    """Objects in two schemas of the current database and in a second database."""
    q("CREATE TABLE a (id INT)")
    q("CREATE SCHEMA s2")
    q("CREATE TABLE s2.b (id INT)")
    q("CREATE VIEW s2.vb AS SELECT * FROM s2.b")
    q("CREATE DATABASE other")
    q("CREATE TABLE other.public.c (id INT)")
    q("USE DATABASE cdcsim")
    q("USE SCHEMA public")
    return q


def _where(rows):
    return [(r[2], r[3], r[1]) for r in rows]


def test_with_no_scope_it_lists_the_current_database_as_show_tables(spread):
    assert _where(spread("SHOW OBJECTS")) == [("CDCSIM", "PUBLIC", "A"), ("CDCSIM", "S2", "B"),
                                              ("CDCSIM", "S2", "VB")]
    tables = {(r[2], r[3], r[1]) for r in spread("SHOW TABLES")}
    assert tables == {w for w in _where(spread("SHOW OBJECTS")) if w[2] != "VB"}


def test_in_schema_and_a_bare_schema_name(spread):
    expected = [("CDCSIM", "S2", "B"), ("CDCSIM", "S2", "VB")]
    assert _where(spread("SHOW OBJECTS IN SCHEMA s2")) == expected
    assert _where(spread("SHOW OBJECTS IN s2")) == expected
    assert _where(spread("SHOW OBJECTS IN cdcsim.s2")) == expected
    assert _where(spread("SHOW OBJECTS IN SCHEMA")) == [("CDCSIM", "PUBLIC", "A")]
    assert _where(spread("SHOW OBJECTS IN SCHEMA other.public")) == [("OTHER", "PUBLIC", "C")]


def test_in_database_and_in_account(spread):
    assert _where(spread("SHOW OBJECTS IN DATABASE other")) == [("OTHER", "PUBLIC", "C")]
    assert [w[2] for w in _where(spread("SHOW OBJECTS IN DATABASE"))] == ["A", "B", "VB"]
    assert _where(spread("SHOW OBJECTS IN ACCOUNT")) == [("CDCSIM", "PUBLIC", "A"), ("CDCSIM", "S2", "B"),
                                                         ("CDCSIM", "S2", "VB"), ("OTHER", "PUBLIC", "C")]


def test_a_scope_keyword_followed_by_a_clause_is_not_a_name(spread):
    assert [w[2] for w in _where(spread("SHOW OBJECTS IN DATABASE LIMIT 2"))] == ["A", "B"]
    assert [w[2] for w in _where(spread("SHOW OBJECTS IN SCHEMA STARTS WITH 'A'"))] == ["A"]


def test_a_like_pattern_naming_a_scope_does_not_widen_it(spread):
    spread('CREATE TABLE "x in account" (id INT)')
    spread('CREATE TABLE other.public."y in account" (id INT)')
    assert [r[1] for r in spread("SHOW OBJECTS LIKE '% in account'")] == ["x in account"]


def test_a_missing_schema_or_database_fails_as_show_tables(spread):
    # (SHOW TABLES takes no bare schema name: it is compared with IN SCHEMA)
    for stmt, spelled in (("IN SCHEMA nope", "IN SCHEMA nope"), ("IN nope", "IN SCHEMA nope"),
                          ("IN DATABASE nope", "IN DATABASE nope"), ("IN other.nope", "IN SCHEMA other.nope")):
        with pytest.raises(cdcsim.ProgrammingError) as got:
            spread(f"SHOW OBJECTS {stmt}")
        with pytest.raises(cdcsim.ProgrammingError) as tables:
            spread(f"SHOW TABLES {spelled}")
        assert (got.value.errno, str(got.value)) == (tables.value.errno, str(tables.value))
        assert got.value.errno == 2003 and "does not exist or not authorized" in str(got.value)


def test_starts_with_is_case_sensitive(objs):
    assert _names(objs("SHOW OBJECTS STARTS WITH 'ORD'")) == [("ORDERS", "TABLE")]
    assert _names(objs("SHOW OBJECTS STARTS WITH 'ord'")) == []
    assert _names(objs("SHOW OBJECTS LIKE '%S%' IN SCHEMA public STARTS WITH 'S'")) == [("SCRATCH", "TABLE")]


def test_limit_and_from(objs):
    assert [r[1] for r in objs("SHOW OBJECTS LIMIT 2")] == ["BIG_ORDERS", "ORDERS"]
    assert [r[1] for r in objs("SHOW OBJECTS LIMIT 2 FROM 'ORDERS'")] == ["SCRATCH", "TMP_WORK"]
    assert [r[1] for r in objs("SHOW OBJECTS LIMIT 1 FROM 'C'")] == ["ORDERS"]
    assert [r[1] for r in objs("SHOW TERSE OBJECTS STARTS WITH 'S' LIMIT 5 FROM 'A'")] == ["SCRATCH"]
    assert objs("SHOW OBJECTS LIMIT 0") == []


def test_dropped_objects_leave_the_list(objs):
    objs("DROP VIEW big_orders")
    objs("DROP TABLE scratch")
    assert _names(objs("SHOW OBJECTS")) == [("ORDERS", "TABLE"), ("TMP_WORK", "TEMPORARY")]


def test_a_temporary_table_hides_the_permanent_one_as_in_show_tables(q):
    q("CREATE TABLE t (id INT)")
    q("CREATE TEMPORARY TABLE t (id INT)")
    assert _names(q("SHOW OBJECTS")) == [("T", "TEMPORARY")]
    q("DROP TABLE t")
    assert _names(q("SHOW OBJECTS")) == [("T", "TABLE")]


# ------------------------------------------------------------------ property
_KINDS = {"table": "CREATE TABLE {} (id INT)", "transient": "CREATE TRANSIENT TABLE {} (id INT)",
          "temporary": "CREATE TEMPORARY TABLE {} (id INT)", "view": "CREATE VIEW {} AS SELECT 1 AS id"}
_SHOWN = {"table": "TABLE", "transient": "TABLE", "temporary": "TEMPORARY", "view": "VIEW"}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["PUBLIC", "S2"]), st.sampled_from(["A", "B", "C", "D"]),
                          st.sampled_from(sorted(_KINDS))), max_size=14))
def test_show_objects_is_show_tables_and_show_views(ops):
    """Random creates and drops: SHOW OBJECTS, in every scope, lists what SHOW TABLES and SHOW VIEWS
    list, by name and kind, and what was made and not dropped."""
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    try:
        cur = con.cursor()
        cur.execute("CREATE SCHEMA s2")
        cur.execute("USE SCHEMA public")
        model: dict[tuple[str, str], str] = {}
        for sch, name, kind in ops:
            fqn = f"{sch}.{name}"
            if (sch, name) in model:  # taken: drop it instead
                cur.execute(("DROP VIEW " if model.pop((sch, name)) == "view" else "DROP TABLE ") + fqn)
            else:
                cur.execute(_KINDS[kind].format(fqn))
                model[sch, name] = kind

        def listed(stmt: str) -> list[tuple[str, str, str]]:
            return sorted((r[3], r[1], r[4]) for r in cur.execute(stmt).fetchall())

        # (SHOW TABLES and SHOW VIEWS take no bare schema name: their scope is spelled out)
        for scope, spelled in (("", ""), (" IN ACCOUNT", " IN ACCOUNT"), (" IN DATABASE", " IN DATABASE"),
                               (" IN SCHEMA s2", " IN SCHEMA s2"), (" IN public", " IN SCHEMA public")):
            views = sorted((r[4], r[1], "VIEW") for r in cur.execute(f"SHOW VIEWS{spelled}").fetchall())
            assert listed(f"SHOW OBJECTS{scope}") == sorted(listed(f"SHOW TABLES{spelled}") + views)
        assert listed("SHOW OBJECTS") == sorted((s, n, _SHOWN[k]) for (s, n), k in model.items())
    finally:
        con.close()


@pytest.mark.parametrize("what", ["TABLES", "OBJECTS", "STREAMS"])
def test_a_like_pattern_naming_a_scope_does_not_widen_the_scope(q, what):
    """The scope comes from the IN clause that matched, not from the statement's text: a LIKE
    pattern ending in ' IN ACCOUNT' searched the whole account."""
    q("CREATE DATABASE other")
    q('CREATE TABLE other.public."Z IN ACCOUNT" (a INT)')
    q('CREATE STREAM other.public."S IN ACCOUNT" ON TABLE other.public."Z IN ACCOUNT"')
    q("USE DATABASE cdcsim")
    assert q(f"SHOW {what} LIKE '% IN ACCOUNT'") == []
    assert len(q(f"SHOW {what} LIKE '% IN ACCOUNT' IN ACCOUNT")) == 1


@pytest.mark.parametrize("what, create", [
    ("TABLES", "CREATE TABLE {} (a INT)"),
    ("VIEWS", "CREATE VIEW {} AS SELECT 1 AS a"),
    ("DYNAMIC TABLES", "CREATE DYNAMIC TABLE {} TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT * FROM src"),
])
def test_every_show_pages_with_starts_with_and_limit_from(q, what, create):
    """STARTS WITH '<name>' and LIMIT <n> FROM '<name>' [DOC: show-tables, show-views,
    show-dynamic-tables]: case-sensitive prefixes, names after FROM's, the first n (SHOW TABLES and
    VIEWS took neither, SHOW DYNAMIC TABLES no FROM)."""
    q("CREATE TABLE src (a INT)")
    for name in ("AB1", "AB2", "AC3", "B4"):
        q(create.format(name))
    names = lambda sql: [r[1] for r in q(sql)]  # noqa: E731
    assert names(f"SHOW {what} STARTS WITH 'AB'") == ["AB1", "AB2"]
    assert names(f"SHOW {what} STARTS WITH 'ab'") == []
    assert names(f"SHOW {what} LIMIT 2 FROM 'AB1'") == ["AB2", "AC3"]
    assert names(f"SHOW TERSE {what} STARTS WITH 'A' LIMIT 1") == ["AB1"]
