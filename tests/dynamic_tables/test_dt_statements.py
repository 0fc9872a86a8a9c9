"""CREATE / ALTER / DROP / SHOW / DESCRIBE DYNAMIC TABLE, refresh-mode resolution and the guards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from dthelpers import START, history, q

import cdcsim
from cdcsim import ProgrammingError
from cdcsim.dynamic_tables.statements import SHOW_COLUMNS

DT = "TARGET_LAG = DOWNSTREAM WAREHOUSE = wh"


@pytest.fixture
def base(con: cdcsim.Connection) -> cdcsim.Connection:
    q(con, "CREATE TABLE t (id INT, k INT, v INT, s STRING)")
    q(con, "INSERT INTO t VALUES (1, 0, 10, 'a'), (2, 1, 20, 'b'), (3, 1, 30, 'c')")
    return con


def show(con: cdcsim.Connection, name: str) -> dict:
    cur = con.cursor(cdcsim.DictCursor)
    rows = cur.execute(f"SHOW DYNAMIC TABLES LIKE '{name}'").fetchall()
    assert len(rows) == 1
    return rows[0]


def test_show_has_snowflake_columns_in_order(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '5 minutes' WAREHOUSE = wh COMMENT = 'hi' AS SELECT id, v FROM t")
    cur = base.cursor().execute("SHOW DYNAMIC TABLES")
    assert [c[0] for c in cur.description] == SHOW_COLUMNS == [
        "created_on", "name", "database_name", "schema_name", "cluster_by", "rows", "bytes", "owner", "target_lag",
        "scheduler", "refresh_mode", "refresh_mode_reason", "warehouse", "comment", "text", "automatic_clustering",
        "scheduling_state", "last_suspended_on", "is_clone", "is_replica", "is_iceberg", "data_timestamp",
        "owner_role_type", "immutable_where", "execute_as_user"]
    r = show(base, "d")
    assert (r["name"], r["target_lag"], r["refresh_mode"], r["refresh_mode_reason"]) == ("D", "5 minutes",
                                                                                           "INCREMENTAL", None)
    assert (r["warehouse"], r["comment"], r["scheduling_state"], r["rows"]) == ("WH", "hi", "RUNNING", 3)
    assert r["text"].startswith("CREATE DYNAMIC TABLE d") and r["data_timestamp"] == START
    assert show(base, "D")["name"] == "D"  # LIKE is case-insensitive


def test_target_lag_minimum_is_snowflakes_error(base: cdcsim.Connection) -> None:
    with pytest.raises(ProgrammingError) as e:
        q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '30 seconds' WAREHOUSE = wh AS SELECT * FROM t")
    assert e.value.errno == 2755 and e.value.sqlstate == "22023"
    assert str(e.value) == ("002755 (22023): SQL compilation error: Invalid TARGET_LAG value '30 seconds'. "
                            "Dynamic Tables do not support lag values under 60 second(s).")
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '60 seconds' WAREHOUSE = wh AS SELECT * FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(base, "ALTER DYNAMIC TABLE d SET TARGET_LAG = '59 seconds'")
    assert e.value.errno == 2755


def test_relaxed_limits_allow_short_lags() -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(START), limits="relaxed")
    try:
        q(con, "CREATE TABLE t (id INT)")
        q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 second' WAREHOUSE = wh AS SELECT * FROM t")
        q(con, "INSERT INTO t VALUES (1)")
        con.advance(seconds=1)
        assert q(con, "SELECT * FROM d") == [(1,)]
    finally:
        con.close()


def test_downstream_lag_cannot_be_shorter_than_upstream(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE up TARGET_LAG = '1 hour' WAREHOUSE = wh AS SELECT * FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(base, "CREATE DYNAMIC TABLE down TARGET_LAG = '10 minutes' WAREHOUSE = wh AS SELECT * FROM up")
    assert "cannot be shorter" in str(e.value)
    q(base, "CREATE DYNAMIC TABLE down TARGET_LAG = '2 hours' WAREHOUSE = wh AS SELECT * FROM up")
    with pytest.raises(ProgrammingError):
        q(base, "ALTER DYNAMIC TABLE up SET TARGET_LAG = '3 hours'")


@pytest.mark.parametrize("query, reason", [
    ("SELECT * FROM t LIMIT 2", "Unsupported query operator type: Limit"),
    ("SELECT id FROM t EXCEPT SELECT k FROM t", "Unsupported query operator type: SetOperation[EXCEPT]"),
    ("SELECT id, CURRENT_TIMESTAMP() AS at FROM t", "Non-deterministic function"),
    ("SELECT id, RANDOM() AS r FROM t", "Non-deterministic function"),
    ("SELECT k, count(*) FROM t GROUP BY ROLLUP (k)", "GroupingSets"),
    ("SELECT id FROM t WHERE k IN (SELECT k FROM t WHERE v > 10)", "Subquery"),
    # D5's fallback table: "Non-deterministic scalar functions in SELECT (such as RANDOM(),
    # UUID_STRING(), CURRENT_TIMESTAMP())"; and a filter may use only what SELECT may
    ("SELECT id, UUID_STRING() AS u FROM t", "Non-deterministic function UUID_STRING"),
    ("SELECT id FROM t WHERE RANDOM() > 0", "Non-deterministic function RANDOM"),
    # D5's matrix: UNPIVOT "Not supported" (incremental), "Supported" (full)
    ("SELECT id, col, val FROM t UNPIVOT (val FOR col IN (k, v))", "Unpivot"),
])
def test_auto_resolves_to_full_with_reason_and_incremental_fails(base: cdcsim.Connection, query: str,
                                                                 reason: str) -> None:
    q(base, f"CREATE DYNAMIC TABLE a {DT} AS {query}")
    r = show(base, "a")
    assert r["refresh_mode"] == "FULL" and reason in r["refresh_mode_reason"]
    if "RANDOM" not in query and "UUID" not in query:
        assert sorted(q(base, "SELECT * FROM a"), key=str) == sorted(q(base, query), key=str)
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE DYNAMIC TABLE i {DT} REFRESH_MODE = INCREMENTAL AS {query}")
    assert e.value.errno == 2711 and e.value.sqlstate == "0A000"
    assert "is defined with REFRESH_MODE = INCREMENTAL, but the query is not supported for incremental" in str(e.value)
    assert q(base, "SHOW DYNAMIC TABLES LIKE 'i'") == []


def test_current_timestamp_in_where_stays_incremental(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE w {DT} AS SELECT id FROM t WHERE CURRENT_TIMESTAMP() > '2000-01-01'")
    assert show(base, "w")["refresh_mode"] == "INCREMENTAL"


def test_uuid_string_of_a_name_is_deterministic_and_stays_incremental(base: cdcsim.Connection) -> None:
    """UUID_STRING(namespace, name) is a version-5 UUID, a hash of its arguments: not the random
    UUID_STRING() that forces full refresh."""
    q(base, f"CREATE DYNAMIC TABLE u {DT} AS SELECT id, UUID_STRING('fe971b24-9572-4005-b22f-351e9c09274d', s) "
            "AS u FROM t")
    assert show(base, "u")["refresh_mode"] == "INCREMENTAL"


@pytest.mark.parametrize("query, what", [
    # D5: ANY_VALUE "Not supported" | "Not supported"; "Functions that rely on CURRENT_USER":
    # "Not supported. Dynamic table refreshes act as their owner role with a special SYSTEM user."
    # in both columns; SAMPLE / TABLESAMPLE "Not supported" | "Not supported"
    ("SELECT k, ANY_VALUE(v) AS av FROM t GROUP BY k", "function ANY_VALUE"),
    ("SELECT id, CURRENT_USER() AS u FROM t", "function CURRENT_USER"),
    ("SELECT id FROM t WHERE s <> CURRENT_USER", "function CURRENT_USER"),
    ("SELECT * FROM t SAMPLE (50)", "SAMPLE / TABLESAMPLE"),
    ("SELECT id FROM t TABLESAMPLE BERNOULLI (2 ROWS)", "SAMPLE / TABLESAMPLE"),
])
@pytest.mark.parametrize("mode", ["AUTO", "FULL", "INCREMENTAL"])
def test_constructs_no_refresh_mode_supports_fail_create(base: cdcsim.Connection, query: str, what: str,
                                                         mode: str) -> None:
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE DYNAMIC TABLE n {DT} REFRESH_MODE = {mode} AS {query}")
    assert e.value.errno == 2000 and e.value.sqlstate == "0A000"
    assert e.value.msg == (f"SQL compilation error:\nDynamic Table 'N' cannot be created: {what} is not "
                           "supported in dynamic tables, in any refresh mode.")
    assert q(base, "SHOW DYNAMIC TABLES") == []
    with pytest.raises(ProgrammingError) as e:
        q(base, "SELECT * FROM n")
    assert e.value.errno == 2003


@pytest.mark.parametrize("kind", ["TEMPORARY", "TEMP", "VOLATILE", "LOCAL TEMPORARY", "GLOBAL TEMP",
                                  "TEMPORARY TRANSIENT"])
@pytest.mark.parametrize("replace", ["", "OR REPLACE "])
def test_temporary_dynamic_table_is_refused(base: cdcsim.Connection, capfd: pytest.CaptureFixture[str],
                                            kind: str, replace: str) -> None:
    """Doc D12: "You can't create a temporary dynamic table." Not an ordinary table either."""
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE {replace}{kind} DYNAMIC TABLE tmp TARGET_LAG = '1 minute' WAREHOUSE = wh "
                "AS SELECT id FROM t")
    assert e.value.errno == 2000 and e.value.sqlstate == "0A000"
    assert e.value.msg == ("SQL compilation error:\nDynamic table 'TMP' cannot be created as TEMPORARY: "
                           "temporary dynamic tables are not supported.")
    assert [r[1] for r in q(base, "SHOW TABLES")] == ["T"] and q(base, "SHOW DYNAMIC TABLES") == []
    with pytest.raises(ProgrammingError) as e:
        q(base, "SELECT * FROM tmp")
    assert e.value.errno == 2003
    assert "Unsupported property" not in capfd.readouterr().err  # it never reached sqlglot


@pytest.mark.parametrize("query, cols, name", [
    ("SELECT id, id FROM t", "", "ID"),
    ("SELECT id, v AS id FROM t", "", "ID"),
    ("SELECT * FROM t JOIN t2 ON t.id = t2.id", "", "ID"),
    ("SELECT t.k, t2.k FROM t JOIN t2 ON t.id = t2.id GROUP BY t.k, t2.k", "", "K"),
    ("SELECT id, v FROM t", "(a, a)", "A"),
])
def test_duplicate_column_names_fail_create(base: cdcsim.Connection, query: str, cols: str, name: str) -> None:
    """Snowflake's CREATE TABLE AS error (002025, "duplicate column name 'ID'"); DuckDB would
    have renamed the second column ID_1."""
    q(base, "CREATE TABLE t2 (id INT, k INT)")
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE DYNAMIC TABLE d {cols} {DT} AS {query}")
    assert (e.value.errno, e.value.sqlstate) == (2025, "42S21")
    assert str(e.value) == f"002025 (42S21): SQL compilation error:\nduplicate column name '{name}'"
    assert q(base, "SHOW DYNAMIC TABLES") == []
    with pytest.raises(ProgrammingError):
        q(base, "SELECT * FROM d")


def test_a_column_list_names_repeated_columns_apart(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d (a, b) {DT} AS SELECT id, id FROM t")
    cur = base.cursor().execute("SELECT * FROM d ORDER BY 1")
    assert [c[0] for c in cur.description] == ["A", "B"]
    assert cur.fetchall() == [(1, 1), (2, 2), (3, 3)]


@pytest.mark.parametrize("agg", [
    "LISTAGG(s, ',') WITHIN GROUP (ORDER BY s)",
    "LISTAGG(DISTINCT s, '|') WITHIN GROUP (ORDER BY s DESC)",
    "LISTAGG(s, ',') WITHIN GROUP (ORDER BY v, s)",
    "ARRAY_AGG(v) WITHIN GROUP (ORDER BY v DESC)",
    "ARRAY_AGG(DISTINCT v) WITHIN GROUP (ORDER BY v)",
])
@pytest.mark.parametrize("grouped", [True, False])
def test_ordered_aggregates_refresh_incrementally(base: cdcsim.Connection, agg: str, grouped: bool) -> None:
    """LISTAGG / ARRAY_AGG ... WITHIN GROUP are deterministic built-ins (D5 lists no restriction):
    AUTO resolves to INCREMENTAL, and every refresh recomputes the affected groups."""
    query = (f"SELECT k, {agg} AS la, count(*) AS n FROM t GROUP BY k" if grouped
             else f"SELECT {agg} AS la, count(*) AS n FROM t")
    q(base, f"CREATE DYNAMIC TABLE o {DT} AS {query}")
    assert (show(base, "o")["refresh_mode"], show(base, "o")["refresh_mode_reason"]) == ("INCREMENTAL", None)

    def same() -> None:
        assert sorted(map(str, q(base, "SELECT * FROM o"))) == sorted(map(str, q(base, query)))

    same()
    for dml in ("INSERT INTO t VALUES (4, 1, 5, 'a'), (5, 2, 40, 'z'), (6, 1, NULL, NULL)",
                "UPDATE t SET s = 'q', v = 1 WHERE id = 2", "UPDATE t SET k = 2 WHERE id = 3",
                "DELETE FROM t WHERE k = 1", "DELETE FROM t"):
        q(base, dml)
        q(base, "ALTER DYNAMIC TABLE o REFRESH")
        same()
    assert [h["REFRESH_ACTION"] for h in history(base, "o")][1:] == ["INCREMENTAL"] * 5


def test_full_mode_reasons(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE f {DT} REFRESH_MODE = FULL AS SELECT * FROM t")
    assert (show(base, "f")["refresh_mode"], show(base, "f")["refresh_mode_reason"]) == (
        "FULL", "USER_SPECIFIED_FULL_REFRESH")
    q(base, f"CREATE DYNAMIC TABLE g {DT} AS SELECT k, count(*) AS n FROM f GROUP BY k")
    assert (show(base, "g")["refresh_mode"], show(base, "g")["refresh_mode_reason"]) == (
        "FULL", "UPSTREAM_USES_FULL_REFRESH")
    q(base, "INSERT INTO t VALUES (4, 1, 40, 'd')")
    q(base, "ALTER DYNAMIC TABLE g REFRESH")
    assert sorted(q(base, "SELECT * FROM g")) == [(0, 1), (1, 3)]
    assert [h["REFRESH_ACTION"] for h in history(base, "g")] == ["FULL", "FULL"]


def test_failing_on_create_refresh_fails_create_and_leaves_nothing(base: cdcsim.Connection) -> None:
    q(base, "INSERT INTO t VALUES (9, 9, 9, 'Good')")
    with pytest.raises(cdcsim.DataError):
        q(base, f"CREATE DYNAMIC TABLE bad {DT} AS SELECT CAST(s AS INT) AS n FROM t")
    assert q(base, "SHOW DYNAMIC TABLES") == []
    with pytest.raises(ProgrammingError) as e:
        q(base, "SELECT * FROM bad")
    assert e.value.errno == 2003
    # the name is free again, and the base table still works with its changes captured
    q(base, f"CREATE DYNAMIC TABLE bad {DT} AS SELECT s FROM t")
    assert len(q(base, "SELECT * FROM bad")) == 4


def test_on_schedule_is_not_initialized_until_first_refresh(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh INITIALIZE = ON_SCHEDULE "
            "AS SELECT id FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(base, "SELECT * FROM d")
    assert e.value.errno == 2741
    assert e.value.msg == ("Dynamic Table is not initialized. Please run a manual refresh or wait for a scheduled "
                           "refresh before querying.")
    assert history(base, "d") == []
    base.advance(minutes=1)
    assert len(q(base, "SELECT * FROM d")) == 3
    assert [h["REFRESH_TRIGGER"] for h in history(base, "d")] == ["SCHEDULED"]


def test_a_view_over_an_uninitialized_table_can_be_created_but_not_queried(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} INITIALIZE = ON_SCHEDULE AS SELECT id FROM t")
    q(base, "CREATE VIEW v AS SELECT id FROM d")  # a deploy script's dashboard view: reads nothing
    q(base, "CREATE VIEW vv AS SELECT * FROM v")
    for view in ("v", "vv"):
        with pytest.raises(ProgrammingError) as e:
            q(base, f"SELECT * FROM {view}")
        assert e.value.errno == 2741
    with pytest.raises(ProgrammingError) as e:
        q(base, "CREATE TABLE copy AS SELECT * FROM v")  # a CTAS does read
    assert e.value.errno == 2741
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert len(q(base, "SELECT * FROM vv")) == 3


def test_on_schedule_manual_refresh_initializes(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} INITIALIZE = ON_SCHEDULE AS SELECT id FROM t")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert len(q(base, "SELECT * FROM d")) == 3
    h = history(base, "d")
    assert [(x["REFRESH_TRIGGER"], x["STATE"]) for x in h] == [("MANUAL", "SUCCEEDED")]


def test_creation_refresh_is_recorded(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    h = history(base, "d")
    assert [(x["REFRESH_TRIGGER"], x["STATE"], x["REFRESH_ACTION"]) for x in h] == [
        ("CREATION", "SUCCEEDED", "INCREMENTAL")]


@pytest.mark.parametrize("dml", ["INSERT INTO d VALUES (5)", "UPDATE d SET id = 1", "DELETE FROM d",
                                 "TRUNCATE TABLE d", "MERGE INTO d USING t ON d.id = t.id WHEN MATCHED THEN DELETE"])
def test_dynamic_table_is_read_only(base: cdcsim.Connection, dml: str) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(base, dml)
    assert "dynamic table" in str(e.value) and "read-only" in str(e.value)
    assert len(q(base, "SELECT * FROM d")) == 3


def test_show_tables_lists_it_as_dynamic(base: cdcsim.Connection) -> None:
    """SHOW TABLES lists a dynamic table, kind TABLE, is_dynamic Y [DOC: bcr-bundles/2024_03/bcr-1580]
    (it used to hide it), with its own comment."""
    q(base, f"CREATE DYNAMIC TABLE d {DT} COMMENT = 'dyn' AS SELECT * FROM t")
    cur = base.cursor().execute("SHOW TABLES")
    cols = [c[0] for c in cur.description]
    got = {r[1]: (r[cols.index("kind")], r[cols.index("is_dynamic")], r[cols.index("comment")]) for r in cur.fetchall()}
    assert got == {"D": ("TABLE", "Y", "dyn"), "T": ("TABLE", "N", "")}
    cur = base.cursor().execute("SELECT * FROM d")
    assert [c[0] for c in cur.description] == ["ID", "K", "V", "S"]  # no hidden row id
    desc = q(base, "DESCRIBE DYNAMIC TABLE d")
    assert [r[0] for r in desc] == ["ID", "K", "V", "S"]


def test_or_replace_if_not_exists_and_duplicates(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    assert e.value.errno == 2002
    assert "already exists" in q(base, f"CREATE DYNAMIC TABLE IF NOT EXISTS d {DT} AS SELECT v FROM t")[0][0]
    q(base, f"CREATE OR REPLACE DYNAMIC TABLE d {DT} AS SELECT v * 2 AS w FROM t")
    assert sorted(q(base, "SELECT * FROM d")) == [(20,), (40,), (60,)]
    with pytest.raises(ProgrammingError):
        q(base, f"CREATE DYNAMIC TABLE t {DT} AS SELECT 1 AS x")


def test_column_list_names_the_columns(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d (a, b COMMENT 'bee') {DT} AS SELECT k, sum(v) FROM t GROUP BY k")
    cur = base.cursor().execute("SELECT * FROM d ORDER BY a")
    assert [c[0] for c in cur.description] == ["A", "B"] and cur.fetchall() == [(0, 10), (1, 50)]
    q(base, "INSERT INTO t VALUES (4, 0, 5, 'x')")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert q(base, "SELECT * FROM d ORDER BY a") == [(0, 15), (1, 50)]


def test_drop(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    assert q(base, "DROP DYNAMIC TABLE d") == [("D successfully dropped.",)]
    assert q(base, "SHOW DYNAMIC TABLES") == []
    with pytest.raises(ProgrammingError):
        q(base, "DROP DYNAMIC TABLE d")
    assert "already dropped" in q(base, "DROP DYNAMIC TABLE IF EXISTS d")[0][0]
    with pytest.raises(ProgrammingError):
        q(base, "SELECT * FROM d")
    q(base, "INSERT INTO t VALUES (7, 7, 7, 'z')")  # the base table is unaffected


def test_drop_removes_the_refresh_state(base: cdcsim.Connection) -> None:
    """Aggregate state, COUNT(DISTINCT) multiplicities and the state of kept aggregate CTEs live in
    hidden tables that go with the dynamic table (and a replaced table starts from fresh state)."""
    def hidden() -> set[str]:
        return {r[0] for r in q(base, "SELECT table_name FROM duckdb_tables() WHERE schema_name = '_cdcsim' "
                                      "AND starts_with(table_name, 'dt_')")}

    before = hidden()
    q(base, f"CREATE DYNAMIC TABLE g {DT} REFRESH_MODE = INCREMENTAL AS "
            "SELECT k, count(DISTINCT s) AS ds, max(v) AS mx FROM t GROUP BY k")
    q(base, f"CREATE DYNAMIC TABLE c {DT} REFRESH_MODE = INCREMENTAL AS "
            "WITH a AS (SELECT k, count(DISTINCT s) AS ds FROM t GROUP BY k) SELECT k, ds FROM a")
    made = hidden() - before
    assert any(n.endswith("_m") for n in made) and any(n.endswith("_c0_m") for n in made)
    q(base, "CREATE OR REPLACE DYNAMIC TABLE g " + DT + " AS SELECT k, sum(v) AS sv FROM t GROUP BY k")
    q(base, "DROP DYNAMIC TABLE c")
    assert not any(n.endswith("_m") for n in hidden() - before)
    q(base, "DROP DYNAMIC TABLE g")
    assert hidden() == before


def test_alter_set_and_rename(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 hour' WAREHOUSE = wh AS SELECT id FROM t")
    q(base, "ALTER DYNAMIC TABLE d SET TARGET_LAG = '2 hours' WAREHOUSE = wh2")
    r = show(base, "d")
    assert (r["target_lag"], r["warehouse"]) == ("2 hours", "WH2")
    q(base, "ALTER DYNAMIC TABLE d SET SCHEDULER = DISABLE")
    r = show(base, "d")
    assert (r["target_lag"], r["scheduler"]) == (None, "DISABLE")
    q(base, "ALTER DYNAMIC TABLE d SET TARGET_LAG = '1 hour'")  # re-enables scheduling
    assert show(base, "d")["scheduler"] == "ENABLE"
    with pytest.raises(ProgrammingError):
        q(base, "ALTER DYNAMIC TABLE d SET REFRESH_MODE = FULL")
    q(base, "ALTER DYNAMIC TABLE d RENAME TO e")
    assert [r[1] for r in q(base, "SHOW DYNAMIC TABLES")] == ["E"]
    q(base, "INSERT INTO t VALUES (4, 0, 1, 'q')")
    q(base, "ALTER DYNAMIC TABLE e REFRESH")
    assert len(q(base, "SELECT * FROM e")) == 4


def test_refresh_is_not_allowed_in_a_transaction(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    q(base, "BEGIN")
    with pytest.raises(ProgrammingError) as e:
        q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert e.value.errno == 2743
    q(base, "ROLLBACK")


def test_duplicate_names_in_refresh_list(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id FROM t")
    with pytest.raises(ProgrammingError):
        q(base, "ALTER DYNAMIC TABLE d, d REFRESH")


def test_streams_are_not_sources(base: cdcsim.Connection) -> None:
    q(base, "CREATE STREAM st ON TABLE t")
    with pytest.raises(ProgrammingError):
        q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT * FROM st")


def test_view_source_refreshes(base: cdcsim.Connection) -> None:
    q(base, "CREATE VIEW vw AS SELECT id, v FROM t WHERE v > 10")
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT count(*) AS n, sum(v) AS s FROM vw")
    assert q(base, "SELECT * FROM d") == [(2, 50)]
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert history(base, "d")[-1]["REFRESH_ACTION"] == "NO_DATA"
    q(base, "INSERT INTO t VALUES (4, 0, 100, 'x')")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert q(base, "SELECT * FROM d") == [(3, 150)]


@pytest.mark.parametrize(("stmt", "says"), [
    ("CREATE STREAM s ON TABLE d", "Object found is of type 'DYNAMIC_TABLE', not specified type 'TABLE'."),
    ("CREATE STREAM s ON VIEW d", "Object found is of type 'DYNAMIC_TABLE', not specified type 'VIEW'."),
    ("CREATE STREAM s ON DYNAMIC TABLE d APPEND_ONLY = TRUE", "APPEND_ONLY is not supported"),
    ("CREATE STREAM s ON DYNAMIC TABLE f", "its refresh mode is FULL"),
    ("CREATE STREAM s ON DYNAMIC TABLE a", "its refresh mode is FULL"),  # AUTO resolved to FULL (LIMIT)
])
def test_streams_on_dynamic_tables_follow_snowflakes_limits(base: cdcsim.Connection, stmt: str, says: str) -> None:
    """Snowflake: ON DYNAMIC TABLE only, standard streams only, incremental tables only. A refused
    stream leaves nothing behind: no stream and no change log on the table."""
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id, v FROM t")
    q(base, f"CREATE DYNAMIC TABLE f {DT} REFRESH_MODE = FULL AS SELECT id, v FROM t")
    q(base, f"CREATE DYNAMIC TABLE a {DT} AS SELECT id, v FROM t LIMIT 2")
    logs = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = '_cdcsim' AND starts_with(table_name, 'log_')"
    before = q(base, logs)[0][0]
    with pytest.raises(ProgrammingError, match=says) as e:
        q(base, stmt)
    assert e.value.errno == (2203 if "not specified type" in says else 2000) and "SQL compilation error" in e.value.msg
    assert q(base, "SHOW STREAMS") == [] and q(base, logs)[0][0] == before
    q(base, "CREATE STREAM ok ON DYNAMIC TABLE d SHOW_INITIAL_ROWS = TRUE")  # a standard stream is fine
    assert [r[7] for r in q(base, "SHOW STREAMS")] == ["Dynamic Table"]  # source_type


def test_stream_on_a_dynamic_table_sees_its_refreshes(base: cdcsim.Connection) -> None:
    """A dynamic table writes a change log only once something reads it; a stream created on it
    then sees each later refresh's row changes."""
    q(base, f"CREATE DYNAMIC TABLE d {DT} AS SELECT id, v * 2 AS w FROM t")
    logs = "SELECT count(*) FROM duckdb_tables() WHERE schema_name = '_cdcsim' AND starts_with(table_name, 'log_')"
    before = q(base, logs)[0][0]
    q(base, "INSERT INTO t VALUES (7, 0, 70, 'x')")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert q(base, logs)[0][0] == before  # nobody reads d: no log
    with pytest.raises(ProgrammingError, match="does not exist"):
        q(base, "CREATE STREAM bad ON DYNAMIC TABLE t")
    q(base, "CREATE STREAM sd ON DYNAMIC TABLE d")
    assert q(base, logs)[0][0] == before + 1
    assert q(base, "SELECT * FROM sd") == []
    q(base, "UPDATE t SET v = 71 WHERE id = 7")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    # the refresh replaced the row (a new row id): the stream shows a DELETE and an INSERT
    rows = q(base, 'SELECT id, w, "METADATA$ACTION", "METADATA$ISUPDATE" FROM sd ORDER BY 3')
    assert rows == [(7, 140, "DELETE", False), (7, 142, "INSERT", False)]
    assert q(base, "SELECT * FROM d WHERE id = 7") == [(7, 142)]  # the hidden row id stays hidden
    q(base, "DROP STREAM sd")
    q(base, "DROP DYNAMIC TABLE d")
    assert q(base, logs)[0][0] == before


def test_create_or_replace_refuses_a_cycle(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE a1 {DT} AS SELECT id FROM t")
    q(base, f"CREATE DYNAMIC TABLE a2 {DT} AS SELECT id FROM a1")
    q(base, f"CREATE DYNAMIC TABLE a3 {DT} AS SELECT id FROM a2")
    for sql in (f"CREATE OR REPLACE DYNAMIC TABLE a1 {DT} AS SELECT id FROM a2",
                f"CREATE OR REPLACE DYNAMIC TABLE a1 {DT} AS SELECT a3.id FROM a3 JOIN t ON a3.id = t.id"):
        with pytest.raises(ProgrammingError) as e:
            q(base, sql)
        assert "cycle" in e.value.msg and "A1" in e.value.msg
    assert sorted(q(base, "SELECT id FROM a3")) == [(1,), (2,), (3,)]  # a1 was left as it was
    q(base, f"CREATE OR REPLACE DYNAMIC TABLE a3 {DT} AS SELECT id FROM a1 WHERE id > 1")
    assert sorted(q(base, "SELECT id FROM a3")) == [(2,), (3,)]


def test_comment_on_and_create_or_alter(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE c {DT} AS SELECT id FROM t")
    assert q(base, "COMMENT ON DYNAMIC TABLE c IS 'daily ''orders'''") == [("Statement executed successfully.",)]
    assert show(base, "c")["comment"] == "daily 'orders'"
    with pytest.raises(ProgrammingError) as e:
        q(base, "COMMENT ON DYNAMIC TABLE nosuch IS 'x'")
    assert e.value.errno == 2003
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE OR ALTER DYNAMIC TABLE c {DT} AS SELECT id, k FROM t")
    assert "CREATE OR REPLACE" in e.value.msg and e.value.errno == 2000
    assert [d[0] for d in base.cursor().execute("SELECT * FROM c").description] == ["ID"]


def test_dynamic_iceberg_table_is_a_dynamic_table(base: cdcsim.Connection) -> None:
    """Iceberg storage options have no effect here; the table is dynamic all the same (it used to
    come out as an ordinary table, filled once and writable)."""
    q(base, "CREATE DYNAMIC ICEBERG TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh EXTERNAL_VOLUME = 'vol' "
            "CATALOG = 'SNOWFLAKE' BASE_LOCATION = 'd/' AS SELECT k, sum(v) AS total FROM t GROUP BY k")
    assert show(base, "D")["refresh_mode"] == "INCREMENTAL"
    assert [(r[1], r[20]) for r in q(base, "SHOW TABLES")] == [("D", "Y"), ("T", "N")]
    q(base, "INSERT INTO t VALUES (4, 0, 5, 'd')")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert sorted(q(base, "SELECT * FROM d")) == [(0, 15), (1, 50)]
    with pytest.raises(ProgrammingError) as e:
        q(base, "INSERT INTO d VALUES (9, 9)")
    assert "read-only" in str(e.value)
    assert q(base, "SELECT GET_DDL('DYNAMIC_TABLE', 'd')")[0][0].startswith(
        "create or replace DYNAMIC ICEBERG TABLE d TARGET_LAG")


def test_iceberg_options_need_an_iceberg_table(base: cdcsim.Connection) -> None:
    with pytest.raises(ProgrammingError) as e:
        q(base, f"CREATE DYNAMIC TABLE d {DT} EXTERNAL_VOLUME = 'vol' AS SELECT id FROM t")
    assert e.value.errno == 2029 and "EXTERNAL_VOLUME" in str(e.value)
    assert q(base, "SHOW DYNAMIC TABLES") == []


def test_column_list_types_and_comments(base: cdcsim.Connection) -> None:
    """A column list may declare types and comments (they were ignored: TOTAL came out as the
    query's NUMBER(38,0), comments were lost); a comma inside a comment is not a column break."""
    q(base, "CREATE DYNAMIC TABLE d (id INT COMMENT 'the id, as given', total NUMBER(12, 2), s VARCHAR) "
            f"{DT} AS SELECT id, v * 1.5, s FROM t")
    desc = {r[0]: r for r in q(base, "DESCRIBE DYNAMIC TABLE d")}
    assert list(desc) == ["ID", "TOTAL", "S"]
    assert desc["ID"][9] == "the id, as given" and desc["TOTAL"][1] == "NUMBER(12,2)"
    q(base, "INSERT INTO t VALUES (4, 2, 41, 'd')")
    q(base, "ALTER DYNAMIC TABLE d REFRESH")
    assert q(base, "SELECT total FROM d WHERE id = 4") == [(Decimal("61.50"),)]


def test_clone_has_the_definition_rows_and_scheduling_state(base: cdcsim.Connection) -> None:
    q(base, "CREATE DYNAMIC TABLE d (kk, total) TARGET_LAG = '5 minutes' WAREHOUSE = wh COMMENT = 'c' "
            "AS SELECT k, sum(v) FROM t GROUP BY k")
    assert q(base, "CREATE DYNAMIC TABLE c CLONE d") == [("Dynamic table C successfully created.",)]
    assert sorted(q(base, "SELECT * FROM c")) == sorted(q(base, "SELECT * FROM d")) == [(0, 10), (1, 50)]
    shown = show(base, "C")
    assert (shown["target_lag"], shown["warehouse"], shown["comment"]) == ("5 minutes", "WH", "c")
    # the clone reads the same inputs and refreshes on its own
    q(base, "INSERT INTO t VALUES (4, 0, 5, 'd')")
    q(base, "ALTER DYNAMIC TABLE c REFRESH")
    assert sorted(q(base, "SELECT * FROM c")) == [(0, 15), (1, 50)]
    q(base, "ALTER DYNAMIC TABLE d SUSPEND")
    q(base, "CREATE OR REPLACE DYNAMIC TABLE c2 CLONE d TARGET_LAG = '10 minutes' WAREHOUSE = other")
    shown = show(base, "C2")
    assert (shown["target_lag"], shown["warehouse"], shown["scheduling_state"]) == ("10 minutes", "OTHER", "SUSPENDED")
    with pytest.raises(ProgrammingError) as e:
        q(base, "CREATE DYNAMIC TABLE c3 CLONE d AT (OFFSET => -60)")
    assert e.value.errno == 2000
    with pytest.raises(ProgrammingError) as e:
        q(base, "CREATE DYNAMIC TABLE c3 CLONE nosuch")
    assert e.value.errno == 2003


def test_unset_comment(base: cdcsim.Connection) -> None:
    q(base, f"CREATE DYNAMIC TABLE d {DT} COMMENT = 'x' AS SELECT id FROM t")
    q(base, "ALTER DYNAMIC TABLE d UNSET COMMENT, DATA_RETENTION_TIME_IN_DAYS")
    assert show(base, "D")["comment"] == ""
    with pytest.raises(ProgrammingError) as e:
        q(base, "ALTER DYNAMIC TABLE d UNSET NOSUCH")
    assert e.value.errno == 2029
    assert q(base, "ALTER DYNAMIC TABLE IF EXISTS gone UNSET COMMENT") == [("Statement executed successfully.",)]
