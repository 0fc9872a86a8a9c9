"""Ordinary Snowflake SQL that tutorials use gives Snowflake's results: qualified SET targets,
NATURAL JOIN, CREATE TABLE ... LIKE / CLONE, VARIANT paths cast to text, TO_CHAR with a date
format, and Snowflake-style errors for what cdcsim does not support. The cases with the
``tracked`` fixture run twice, before and after streams turn change tracking on (the hidden row-id
column must stay invisible)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim
from cdcsim import IntegrityError, ProgrammingError

SETUP = """
CREATE TABLE tgt (id INT NOT NULL, name STRING DEFAULT 'none', twice INT AS (id * 2));
CREATE TABLE src (id INT, name STRING);
INSERT INTO tgt (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO src VALUES (1, 'x'), (3, 'z');
"""


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def tracked(request, con):
    con.execute_string(SETUP)
    if request.param:
        con.execute_string("CREATE STREAM tgt_s ON TABLE tgt; CREATE STREAM src_s ON TABLE src;")
    return request.param


def test_merge_with_qualified_set_targets(q, tracked):
    q("MERGE INTO tgt t USING src sc ON t.id = sc.id "
      "WHEN MATCHED THEN UPDATE SET t.name = sc.name "
      "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (sc.id, sc.name)")
    assert q("SELECT id, name, twice FROM tgt ORDER BY id") == [(1, "x", 2), (2, "b", 4), (3, "z", 6)]
    if tracked:
        assert q("SELECT id, name, METADATA$ACTION, METADATA$ISUPDATE FROM tgt_s ORDER BY id, 3") == [
            (1, "a", "DELETE", True), (1, "x", "INSERT", True), (3, "z", "INSERT", False)]


@pytest.mark.parametrize("sql", [
    "UPDATE tgt t SET t.name = 'y' WHERE t.id = 1",
    "UPDATE tgt SET tgt.name = 'y' WHERE tgt.id = 1",
    "UPDATE tgt AS t SET t.name = 'y' FROM src s WHERE s.id = t.id",
])
def test_update_with_qualified_set_target(q, tracked, sql):
    assert q(sql) == [(1, 0)]  # rows updated, multi-joined rows updated
    assert q("SELECT id, name FROM tgt ORDER BY id") == [(1, "y"), (2, "b")]


def test_natural_join_ignores_the_hidden_row_id(q, tracked):
    q("UPDATE src SET name = 'a' WHERE id = 1")
    assert q("SELECT * FROM tgt NATURAL JOIN src") == [(1, "a", 2)]  # on ID and NAME
    q("CREATE TABLE names (id INT, label STRING)")
    q("INSERT INTO names VALUES (1, 'one'), (3, 'three')")
    if tracked:
        q("CREATE STREAM names_s ON TABLE names")
    assert q("SELECT * FROM tgt NATURAL JOIN names") == [(1, "a", 2, "one")]
    assert q("SELECT n.label, t.name FROM names AS n NATURAL LEFT JOIN tgt t ORDER BY 1") == [
        ("one", "a"), ("three", None)]
    assert q("SELECT id FROM public.tgt NATURAL FULL JOIN names ORDER BY id") == [(1,), (2,), (3,)]


def test_star_ilike_ignores_the_hidden_row_id(q, tracked):
    assert q("SELECT * ILIKE '%i%' FROM tgt ORDER BY id") == [(1, 2), (2, 4)]  # ID, TWICE
    assert q("SELECT t.* ILIKE '%D' FROM tgt AS t ORDER BY 1") == [(1,), (2,)]


def test_create_table_like_copies_columns_not_rows_or_tracking(q, tracked):
    assert q("CREATE TABLE copy LIKE tgt") == [("Table COPY successfully created.",)]
    assert q("SELECT * FROM copy") == []
    assert [r[0] for r in q("DESCRIBE TABLE copy")] == ["ID", "NAME", "TWICE"]
    q("INSERT INTO copy (id) VALUES (5)")
    assert q("SELECT * FROM copy") == [(5, "none", 10)]  # default and computed column kept
    with pytest.raises(IntegrityError):
        q("INSERT INTO copy (name) VALUES ('no id')")  # NOT NULL kept
    q("INSERT INTO copy SELECT id, name FROM tgt")
    assert q("SELECT count(*) FROM copy") == [(3,)]
    assert q("SHOW STREAMS LIKE 'COPY%'") == []


def test_create_table_clone_copies_rows(q, tracked):
    q("CREATE TABLE twin CLONE tgt")
    q("UPDATE tgt SET name = 'changed'")
    assert q("SELECT * FROM twin ORDER BY id") == [(1, "a", 2), (2, "b", 4)]
    q("CREATE OR REPLACE TABLE twin CLONE src")
    assert q("SELECT * FROM twin ORDER BY id") == [(1, "x"), (3, "z")]
    assert q("CREATE TABLE IF NOT EXISTS twin CLONE tgt") == [("TWIN already exists, statement succeeded.",)]
    q("CREATE STREAM twin_s ON TABLE twin")
    q("DELETE FROM twin WHERE id = 1")
    assert q("SELECT id, METADATA$ACTION FROM twin_s") == [(1, "DELETE")]


def test_copy_errors_name_the_object_and_change_nothing(q, tracked):
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE copy LIKE nosuch")
    assert e.value.errno == 2003 and "NOSUCH" in e.value.msg
    q("CREATE TABLE copy LIKE tgt")
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE copy CLONE tgt")
    assert e.value.errno == 2002 and "Object 'COPY' already exists." in e.value.msg
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE other CLONE tgt AT(OFFSET => -60)")  # tgt keeps no history: see test_time_travel.py
    assert e.value.errno == 707 and "Time travel data is not available" in e.value.msg
    with pytest.raises(ProgrammingError):
        q("SELECT * FROM other")
    assert q("SELECT count(*) FROM copy") == [(0,)]


def test_variant_paths_cast_to_text_give_the_text(con, q):
    """Snowflake's dynamic-table tutorial: ``var:fname::string`` is ``Ann``, not ``"Ann"``."""
    q("CREATE TABLE raw (var VARIANT)")
    q("""INSERT INTO raw SELECT PARSE_JSON('{"id": 1, "fname": "Ann", "n": {"x": "q"}}')""")
    assert q("SELECT var:fname::string, var:fname::VARCHAR(10), TO_VARCHAR(var:fname), var:n.x::text, "
             "var:id::int FROM raw") == [("Ann", "Ann", "Ann", "q", 1)]
    assert q("SELECT var:fname FROM raw") == [('"Ann"',)]  # the VARIANT itself shows as JSON
    q("CREATE DYNAMIC TABLE names TARGET_LAG = '1 minute' WAREHOUSE = wh AS "
      "SELECT var:id::int AS id, var:fname::string AS first_name FROM raw")
    q("""INSERT INTO raw SELECT PARSE_JSON('{"id": 2, "fname": "Bob"}')""")
    q("ALTER DYNAMIC TABLE names REFRESH")
    assert q("SELECT * FROM names ORDER BY id") == [(1, "Ann"), (2, "Bob")]


@pytest.mark.parametrize("sql", ["INSERT INTO tgt_s (id) VALUES (1)", "DELETE FROM tgt_s",
                                 "UPDATE tgt_s SET name = 'x'"])  # (UNDROP: test_undrop.py)
def test_unsupported_writes_fail_in_snowflake_style(q, tracked, sql):
    if "tgt_s" in sql and not tracked:
        q("CREATE STREAM tgt_s ON TABLE tgt")
    with pytest.raises(ProgrammingError) as e:
        q(sql)
    assert e.value.errno in (1003, 2000) and "CDCSIM_RID" not in e.value.msg
    assert q("SELECT count(*) FROM tgt") == [(2,)]


def test_to_char_applies_date_formats(q):
    q("CREATE TABLE o (d TIMESTAMP, dd DATE, amt INT, n NUMBER(10, 2))")
    q("INSERT INTO o VALUES ('2025-01-02 03:04:05', '2025-03-04', 5, 3.5), ('2025-01-20 13:00:00', '2025-03-05', 7, 1.25)")
    assert q("SELECT TO_CHAR(d, 'YYYY-MM') AS month, SUM(amt) FROM o GROUP BY 1") == [("2025-01", 12)]
    assert q("SELECT TO_VARCHAR(d, 'YYYY-MM-DD HH24:MI:SS'), TO_CHAR(dd, 'DD/MM/YYYY'), TO_CHAR(d, 'MON DD'), "
             "TO_CHAR(n) FROM o ORDER BY 1") == [
        ("2025-01-02 03:04:05", "04/03/2025", "Jan 02", "3.50"), ("2025-01-20 13:00:00", "05/03/2025", "Jan 20", "1.25")]
    q("CREATE DYNAMIC TABLE monthly TARGET_LAG = '1 minute' WAREHOUSE = wh AS "
      "SELECT TO_CHAR(d, 'YYYY-MM') AS month, SUM(amt) AS total FROM o GROUP BY 1")
    q("INSERT INTO o VALUES ('2025-02-01', '2025-01-01', 1, 1)")
    q("ALTER DYNAMIC TABLE monthly REFRESH")
    assert q("SELECT * FROM monthly ORDER BY 1") == [("2025-01", 12), ("2025-02", 1)]


FLATTEN_ROWS = """
CREATE TABLE raw (id INT, payload VARIANT);
INSERT INTO raw SELECT 1, PARSE_JSON('{"items": [{"a": 1, "s": "x"}, {"a": 2, "s": "y"}], "o": {"k1": 5, "k2": 6}}');
INSERT INTO raw SELECT 2, PARSE_JSON('{"items": [], "o": {}}');
"""


def test_lateral_flatten(con, q):
    con.execute_string(FLATTEN_ROWS)
    assert q("SELECT r.id, f.value:a::int, f.value:s::string, f.index, f.key, f.path "
             "FROM raw r, LATERAL FLATTEN(input => r.payload:items) f ORDER BY 1, 4") == [
        (1, 1, "x", 0, None, "[0]"), (1, 2, "y", 1, None, "[1]")]
    assert q("SELECT r.id, f.key, f.value::int, f.index FROM raw r, "
             "LATERAL FLATTEN(INPUT => r.payload, PATH => 'o') f ORDER BY 1, 2") == [
        (1, "k1", 5, None), (1, "k2", 6, None)]
    assert q("SELECT r.id, f.index FROM raw r, LATERAL FLATTEN(input => r.payload:items, outer => TRUE) f "
             "ORDER BY 1, 2") == [(1, 0), (1, 1), (2, None)]
    assert q("SELECT f.value:a::int FROM raw, TABLE(FLATTEN(input => raw.payload:items)) f ORDER BY 1") == [
        (1,), (2,)]
    # RECURSIVE expands every nested element too (tests/core/test_semistructured_docs_examples.py)
    assert q("SELECT f.path FROM raw r, LATERAL FLATTEN(input => r.payload, recursive => TRUE) f "
             "WHERE r.id = 1 ORDER BY 1") == [
        ("items",), ("items[0]",), ("items[0].a",), ("items[0].s",), ("items[1]",), ("items[1].a",),
        ("items[1].s",), ("o",), ("o.k1",), ("o.k2",)]


def test_dynamic_table_over_lateral_flatten_refreshes_incrementally(con, q):
    con.execute_string(FLATTEN_ROWS)
    query = ("SELECT r.id, f.index AS i, f.value:a::int AS a FROM raw r, "
             "LATERAL FLATTEN(input => r.payload:items) f")
    q(f"CREATE DYNAMIC TABLE items TARGET_LAG = '1 minute' WAREHOUSE = wh AS {query}")
    q("CREATE DYNAMIC TABLE totals TARGET_LAG = '1 minute' WAREHOUSE = wh AS "
      "SELECT id, sum(a) AS s FROM items GROUP BY id")
    assert [r[10] for r in q("SHOW DYNAMIC TABLES")] == ["INCREMENTAL", "INCREMENTAL"]
    steps = [
        """INSERT INTO raw SELECT 3, PARSE_JSON('{"items": [{"a": 5}]}')""",
        """UPDATE raw SET payload = PARSE_JSON('{"items": [{"a": 10}, {"a": 20}, {"a": 30}]}') WHERE id = 1""",
        "DELETE FROM raw WHERE id = 3",
        """UPDATE raw SET payload = PARSE_JSON('{"items": [{"a": 7}]}') WHERE id = 2""",
    ]
    for sql in steps:
        q(sql)
        con.advance(minutes=1)
        assert sorted(q("SELECT * FROM items")) == sorted(q(query))
        assert sorted(q("SELECT * FROM totals")) == sorted(q(f"SELECT id, sum(a) FROM ({query}) GROUP BY id"))
    actions = {r[0] for r in q("SELECT refresh_action FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
                                "NAME => 'ITEMS')) WHERE refresh_trigger = 'SCHEDULED'")}
    assert actions == {"INCREMENTAL"}


def test_division_by_zero_and_bad_casts_fail_as_in_snowflake(q):
    q("CREATE TABLE t (a INT, b INT, s STRING)")
    q("INSERT INTO t VALUES (10, 2, 'Good'), (5, 0, '7'), (3, NULL, 'x')")
    assert q("SELECT a / 2, a / NULLIF(b, 0), DIV0(a, b) FROM t ORDER BY a") == [
        (1.5, None, None), (2.5, None, 0.0), (5.0, 5.0, 5.0)]
    assert q("SELECT a / b FROM t WHERE b <> 0") == [(5.0,)]
    for sql in ("SELECT 1 / 0", "SELECT a / b FROM t", "SELECT sum(a) / min(b) FROM t"):
        with pytest.raises(cdcsim.DataError) as e:
            q(sql)
        assert (e.value.errno, e.value.msg) == (100051, "Division by zero"), sql
    for sql, msg in [("SELECT s::INT FROM t", "Numeric value 'Good' is not recognized"),
                     ("SELECT 'x'::DATE", "Date 'x' is not recognized"),
                     ("SELECT 'x'::TIMESTAMP", "Timestamp 'x' is not recognized")]:
        with pytest.raises(cdcsim.DataError) as e:
            q(sql)
        assert (e.value.errno, e.value.msg) == (100038, msg), sql


def test_insert_overwrite_replaces_the_rows_in_one_statement(q, tracked):
    assert q("INSERT OVERWRITE INTO tgt (id, name) SELECT id, name FROM src") == [(2,)]
    assert q("SELECT id, name FROM tgt ORDER BY id") == [(1, "x"), (3, "z")]
    if tracked:  # the old rows' deletes and the new rows' inserts
        assert q("SELECT id, METADATA$ACTION FROM tgt_s ORDER BY 2, 1") == [
            (1, "DELETE"), (2, "DELETE"), (1, "INSERT"), (3, "INSERT")]
    with pytest.raises(ProgrammingError):
        q("INSERT OVERWRITE INTO tgt (id) SELECT id FROM nosuch")
    q("BEGIN")
    q("INSERT OVERWRITE INTO tgt (id) VALUES (9)")
    q("ROLLBACK")
    assert q("SELECT id FROM tgt ORDER BY id") == [(1,), (3,)]


def test_result_scan_filters_show_output(con):
    cur = con.cursor()
    cur.execute("CREATE TABLE t1 (a INT)")
    cur.execute("CREATE TABLE t2 (a INT)")
    cur.execute("SHOW TABLES")
    show_id = cur.sfqid
    assert cur.execute("SELECT \"name\" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) "
                       "WHERE \"name\" LIKE '%2'").fetchall() == [("T2",)]
    assert cur.execute("SELECT count(*) FROM TABLE(RESULT_SCAN(LAST_QUERY_ID(-2)))").fetchall() == [(2,)]
    assert cur.execute(f"SELECT count(*) FROM TABLE(RESULT_SCAN('{show_id}'))").fetchall() == [(2,)]
    previous = cur.sfqid
    assert cur.execute("SELECT LAST_QUERY_ID()").fetchall() == [(previous,)]
    with pytest.raises(ProgrammingError) as e:
        cur.execute("SELECT * FROM TABLE(RESULT_SCAN('no-such-id'))")
    assert e.value.errno == 709


SHOWS = ["SHOW TABLES", "SHOW VIEWS", "SHOW SCHEMAS", "SHOW DATABASES", "SHOW COLUMNS IN TABLE t",
         "SHOW STREAMS", "SHOW TASKS", "SHOW DYNAMIC TABLES", "SHOW PROCEDURES", "SHOW PARAMETERS",
         "SHOW VARIABLES"]


@pytest.mark.parametrize("show", SHOWS)
def test_result_scan_and_batches_follow_every_show(con, show):
    """RESULT_SCAN hands DuckDB the earlier result as a registered relation, and a batch INSERT
    binds its rows the same way; DuckDB 2.0 refuses both while an internal query's result is
    unread (SHOW DYNAMIC TABLES used to leave one: RESULT_SCAN then failed with XX000)."""
    cur = con.cursor()
    cur.execute("CREATE TABLE t (a INT)")
    cur.execute("CREATE VIEW v AS SELECT a FROM t")
    cur.execute("CREATE STREAM s ON TABLE t")
    cur.execute("CREATE TASK k WAREHOUSE = wh SCHEDULE = '1 minute' AS INSERT INTO t VALUES (1)")
    cur.execute("CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t")
    cur.execute("CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS 'BEGIN RETURN 1; END'")
    cur.execute("SET x = 1")
    shown = cur.execute(show).fetchall()
    assert shown
    assert cur.execute("SELECT count(*) FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))").fetchall() == [(len(shown),)]
    cur.execute(show)
    cur.executemany("INSERT INTO t (a) VALUES (%s)", [(1,), (2,)])
    assert cur.execute("SELECT count(*) FROM t").fetchall() == [(2,)]


def test_tutorial_setup_statements(q):
    """Snowflake's "Create dynamic tables" tutorial starts with a warehouse and informational keys."""
    assert q("CREATE WAREHOUSE IF NOT EXISTS wh WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60") == [
        ("Warehouse WH successfully created.",)]
    for sql in ("USE WAREHOUSE wh", "ALTER WAREHOUSE wh SUSPEND", "DROP WAREHOUSE IF EXISTS wh"):
        assert q(sql) == [("Statement executed successfully.",)]
    q("CREATE TABLE raw_orders (order_id INT, customer_id INT, amount NUMBER(10, 2), "
      "CONSTRAINT pk_raw_orders PRIMARY KEY (order_id) RELY, "
      "CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id) NORELY NOT ENFORCED)")
    q("CREATE TABLE k (a INT PRIMARY KEY, b STRING UNIQUE)")
    # not enforced in Snowflake, except the NOT NULL a primary key brings
    q("INSERT INTO raw_orders VALUES (1, 7, 2), (1, 8, 3)")
    q("INSERT INTO k VALUES (1, 'x'), (1, 'x')")
    assert q("SELECT count(*) FROM raw_orders") == [(2,)] and q("SELECT count(*) FROM k") == [(2,)]
    with pytest.raises(IntegrityError) as e:
        q("INSERT INTO k (b) VALUES ('no key')")
    assert (e.value.errno, e.value.msg) == (100072, "NULL result in a non-nullable column")


def test_unset_variable_and_bad_history_argument_in_snowflake_words(q):
    q("SET known = 5")
    assert q("SELECT $known") == [(5,)]
    with pytest.raises(ProgrammingError) as e:
        q("SELECT $nosuch")
    assert (e.value.errno, e.value.msg) == (2211, "SQL compilation error:\nSession variable '$NOSUCH' does not exist")
    with pytest.raises(ProgrammingError) as e:
        q("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(SCHEDULED_TIME_RANGE_START => 'garbage'))")
    assert e.value.errno == 1044 and "'garbage' is not a timestamp" in e.value.msg


def test_access_control_preamble_runs(con, q):
    """Tutorial scripts open with roles, grants and session parameters: accepted, no effect."""
    con.execute_string("""
        USE ROLE ACCOUNTADMIN;
        CREATE ROLE IF NOT EXISTS cdc_role;
        GRANT EXECUTE TASK ON ACCOUNT TO ROLE cdc_role;
        GRANT USAGE ON WAREHOUSE compute_wh TO ROLE cdc_role;
        GRANT ROLE cdc_role TO USER me;
        USE SECONDARY ROLES ALL;
        ALTER SESSION SET TIMEZONE = 'UTC';
        USE ROLE cdc_role;
        REVOKE ROLE cdc_role FROM USER me;
        DROP ROLE IF EXISTS cdc_role;
        CREATE TABLE after_preamble (a INT);
    """)
    assert q("SELECT count(*) FROM after_preamble") == [(0,)]
    assert q("SELECT CURRENT_ROLE()") == [("SYSADMIN",)]


def test_boolean_arguments_and_comment_status(con, q):
    q("CREATE TABLE t (a INT)")
    assert q("COMMENT ON TABLE t IS 'orders'") == [("Statement executed successfully.",)]
    assert [r[5] for r in q("SHOW TABLES LIKE 'T'")] == ["orders"]
    q("CREATE TASK ok_task SCHEDULE = '1 MINUTE' AS INSERT INTO t VALUES (1)")
    q("CREATE TASK bad_task SCHEDULE = '1 MINUTE' AS INSERT INTO t VALUES ('x')")
    q("ALTER TASK ok_task RESUME")
    q("ALTER TASK bad_task RESUME")
    con.advance(minutes=1)
    fn = "TABLE(INFORMATION_SCHEMA.TASK_HISTORY(ERROR_ONLY => {}))"
    for yes in ("'yes'", "'Y'", "'on'", "TRUE"):  # Snowflake's text for TRUE
        assert {r[0] for r in q(f"SELECT NAME FROM {fn.format(yes)}")} == {"BAD_TASK"}
    assert {r[0] for r in q(f"SELECT NAME FROM {fn.format(chr(39) + 'off' + chr(39))} WHERE STATE <> 'SCHEDULED'")} \
        == {"OK_TASK", "BAD_TASK"}
    with pytest.raises(ProgrammingError) as e:
        q(f"SELECT * FROM {fn.format(chr(39) + 'maybe' + chr(39))}")
    assert "Boolean value 'maybe' is not recognized" in e.value.msg


def test_ctas_with_a_repeated_column_name_fails(q):
    q("CREATE TABLE src (id INT, v INT)")
    q("CREATE TABLE other (id INT, w INT)")
    for sql in ("CREATE TABLE c AS SELECT id, id FROM src", "CREATE TABLE c AS SELECT id, v AS id FROM src",
                "CREATE TABLE c AS SELECT * FROM src JOIN other ON src.id = other.id",  # names a * brings
                "CREATE TABLE c AS SELECT src.*, other.* FROM src, other"):
        with pytest.raises(ProgrammingError) as e:
            q(sql)
        assert (e.value.errno, e.value.msg) == (2025, "SQL compilation error:\nduplicate column name 'ID'")
    assert not [r for r in q("SHOW TABLES") if r[1] == "C"]
    q("CREATE TABLE c (a, b) AS SELECT id, id FROM src")  # a column list names them apart
    assert [r[0] for r in q("DESCRIBE TABLE c")] == ["A", "B"]
    q("CREATE TABLE d AS SELECT src.*, other.w FROM src JOIN other ON src.id = other.id")
    assert [r[0] for r in q("DESCRIBE TABLE d")] == ["ID", "V", "W"]


def test_truncate_if_exists(q, tracked):
    """DuckDB has no TRUNCATE ... IF EXISTS; a missing table is no error, an existing one empties
    (its stream sees the deletes)."""
    assert q("TRUNCATE TABLE IF EXISTS no_such_table") == [("Statement executed successfully.",)]
    q("TRUNCATE TABLE IF EXISTS tgt")
    assert q("SELECT count(*) FROM tgt") == [(0,)]
    if tracked:
        assert q("SELECT id, METADATA$ACTION FROM tgt_s ORDER BY id") == [(1, "DELETE"), (2, "DELETE")]
    with pytest.raises(ProgrammingError) as e:
        q("TRUNCATE TABLE no_such_table")
    assert e.value.errno == 2003


def test_swap_with_exchanges_names_and_streams_follow_their_table(q, tracked):
    q("INSERT INTO src VALUES (4, 'w')")
    q("ALTER TABLE tgt SWAP WITH src")
    assert q("SELECT id, name FROM tgt ORDER BY id") == [(1, "x"), (3, "z"), (4, "w")]
    assert q("SELECT id, name, twice FROM src ORDER BY id") == [(1, "a", 2), (2, "b", 4)]
    assert [r[0] for r in q("DESCRIBE TABLE src")] == ["ID", "NAME", "TWICE"]
    if tracked:  # a stream reads the table it was made on, under its new name
        assert q("SELECT id FROM src_s ORDER BY id") == [(4,)]
        q("INSERT INTO src (id) VALUES (9)")
        assert q("SELECT id FROM tgt_s") == [(9,)]
        assert {r[1]: r[6] for r in q("SHOW STREAMS")} == {"TGT_S": "CDCSIM.PUBLIC.SRC", "SRC_S": "CDCSIM.PUBLIC.TGT"}
    assert q("ALTER TABLE IF EXISTS nope SWAP WITH src") == [("Statement executed successfully.",)]
    q("CREATE SCHEMA other")
    q("CREATE TABLE other.t (a INT)")
    with pytest.raises(ProgrammingError) as e:
        q("ALTER TABLE public.src SWAP WITH other.t")
    assert e.value.sqlstate == "0A000"
    with pytest.raises(ProgrammingError) as e:
        q("ALTER TABLE public.src SWAP WITH public.nope")
    assert e.value.errno == 2003
    assert q("SELECT count(*) FROM public.src") == [(3,) if tracked else (2,)]


def test_a_failed_swap_step_is_undone(q, tracked, monkeypatch):
    from cdcsim.session import Session

    real = Session.execute
    calls = []

    def third_fails(self, sql, *a, **k):
        if "RENAME TO" in sql:
            calls.append(sql)
            if len(calls) == 3:
                raise ProgrammingError("injected", 1, "XX000")
        return real(self, sql, *a, **k)

    monkeypatch.setattr(Session, "execute", third_fails)
    with pytest.raises(ProgrammingError, match="injected"):
        q("ALTER TABLE tgt SWAP WITH src")
    monkeypatch.setattr(Session, "execute", real)
    assert q("SELECT id, name FROM tgt ORDER BY id") == [(1, "a"), (2, "b")]
    assert q("SELECT id, name FROM src ORDER BY id") == [(1, "x"), (3, "z")]
    assert sorted(r[1] for r in q("SHOW TABLES")) == ["SRC", "TGT"]


@pytest.mark.parametrize(("sql", "want"), [
    # 12:00 UTC is 04:00 in Los Angeles in winter, 05:00 in summer; 20:00 UTC is the next day in Tokyo
    ("CONVERT_TIMEZONE('America/Los_Angeles', '2024-01-01 12:00:00'::TIMESTAMP_NTZ)::TIMESTAMP_NTZ",
     datetime(2024, 1, 1, 4, 0)),
    ("CONVERT_TIMEZONE('America/Los_Angeles', '2024-07-01 12:00:00'::TIMESTAMP_NTZ)::TIMESTAMP_NTZ",
     datetime(2024, 7, 1, 5, 0)),
    ("CONVERT_TIMEZONE('Asia/Tokyo', '2024-07-01 20:00:00'::TIMESTAMP_NTZ)::DATE", date(2024, 7, 2)),
    ("CONVERT_TIMEZONE('UTC', 'America/Los_Angeles', '2024-01-01 12:00:00'::TIMESTAMP_NTZ)",
     datetime(2024, 1, 1, 4, 0)),
])
def test_convert_timezone_gives_the_wall_clock_time_in_the_target_zone(q, sql, want):
    """The two-argument form reads a TIMESTAMP_NTZ in the session's zone (UTC): it used to read it
    as already in the target zone, so Los Angeles came out 8 hours the wrong way."""
    assert q(f"SELECT {sql}") == [(want,)]


@pytest.mark.parametrize("alter", ["CLUSTER BY (id, name)", "DROP CLUSTERING KEY", "SUSPEND RECLUSTER",
                                   "RESUME RECLUSTER"])
def test_clustering_statements_are_accepted_on_a_table_that_exists(q, tracked, alter):
    assert q(f"ALTER TABLE tgt {alter}") == [("Statement executed successfully.",)]
    with pytest.raises(ProgrammingError) as e:
        q(f"ALTER TABLE no_such {alter}")
    assert e.value.errno == 2003
    q("CREATE TABLE clustered (a INT, b STRING) CLUSTER BY (a)")
    assert [r[0] for r in q("DESCRIBE TABLE clustered")] == ["A", "B"]


def test_values_as_a_table_names_its_columns_column1_and_by_position(q):
    """Snowflake names a VALUES list's columns COLUMN1, COLUMN2, ... (DuckDB said col0, col1) and
    lets the SELECT over it name them $1, $2."""
    assert q("SELECT * FROM VALUES (1, 'a'), (2, 'b') ORDER BY column1") == [(1, "a"), (2, "b")]
    assert [d[0] for d in q.cur.description] == ["COLUMN1", "COLUMN2"]
    assert q("SELECT v.column2 FROM VALUES (1, 'a') v") == [("a",)]
    assert q("SELECT $2, $1 FROM VALUES (1, 'a'), (2, 'b') ORDER BY $1 DESC") == [("b", 2), ("a", 1)]
    assert q("SELECT $2 FROM VALUES (1, 'a') AS t(id, name)") == [("a",)]
    assert q("SELECT name FROM (VALUES (1, 'a')) AS t(id, name)") == [("a",)]
    q("CREATE TABLE pairs (a INT, b STRING)")
    q("INSERT INTO pairs VALUES (1, 'x')")  # an INSERT's VALUES is not a table: untouched
    q("INSERT INTO pairs SELECT $1, upper($2) FROM VALUES (2, 'y')")
    assert q("SELECT a, b FROM pairs ORDER BY a") == [(1, "x"), (2, "Y")]


def test_window_and_aggregate_functions_duckdb_lacks(q):
    q("CREATE TABLE w (g STRING, t INT, x INT)")
    q("INSERT INTO w VALUES ('a', 1, 1), ('a', 2, 3), ('a', 3, 0), ('b', 1, 0), ('b', 2, 5)")
    assert q("SELECT g, t, RATIO_TO_REPORT(x) OVER (PARTITION BY g) FROM w WHERE g = 'a' ORDER BY t") == [
        ("a", 1, 0.25), ("a", 2, 0.75), ("a", 3, 0.0)]
    assert q("SELECT RATIO_TO_REPORT(x) OVER () FROM w WHERE x = 0") == [(None,), (None,)]  # a sum of 0
    # the event number: how many rows up to this one the condition held for
    assert q("SELECT g, t, CONDITIONAL_TRUE_EVENT(x > 0) OVER (PARTITION BY g ORDER BY t) FROM w ORDER BY g, t") == [
        ("a", 1, 1), ("a", 2, 2), ("a", 3, 2), ("b", 1, 0), ("b", 2, 1)]
    # HASH_AGG does not depend on row order, and tells different inputs apart
    assert q("SELECT HASH_AGG(g, x) = (SELECT HASH_AGG(g, x) FROM (SELECT * FROM w ORDER BY t DESC)) FROM w") == [(True,)]
    assert q("SELECT HASH_AGG(x) <> (SELECT HASH_AGG(x) FROM w WHERE t > 1) FROM w") == [(True,)]
    assert q("SELECT TYPEOF(PARSE_JSON('1')), TYPEOF(PARSE_JSON('1.5')), TYPEOF(PARSE_JSON('\"s\"')), "
             "TYPEOF(PARSE_JSON('null')), TYPEOF(PARSE_JSON('[1]')), TYPEOF(PARSE_JSON('{}')), "
             "TYPEOF(PARSE_JSON('true'))") == [
        ("INTEGER", "DECIMAL", "VARCHAR", "NULL_VALUE", "ARRAY", "OBJECT", "BOOLEAN")]


def test_to_timestamp_of_an_expression_is_a_timestamp_ntz(q):
    """TO_TIMESTAMP over a column or an expression (epoch milliseconds / 1000, a text column):
    DuckDB's to_timestamp answered a TIMESTAMPTZ for numbers and refused text."""
    q("CREATE TABLE ev (ms BIGINT, s STRING)")
    q("INSERT INTO ev VALUES (1735689601500, '2024-05-01 10:00:00'), (NULL, '1735689601')")
    assert q("SELECT TO_TIMESTAMP(ms / 1000), TO_TIMESTAMP(s), TO_TIMESTAMP_NTZ(s) FROM ev ORDER BY ms NULLS LAST") == [
        (datetime(2025, 1, 1, 0, 0, 1, 500000), datetime(2024, 5, 1, 10, 0), datetime(2024, 5, 1, 10, 0)),
        (None, datetime(2025, 1, 1, 0, 0, 1), datetime(2025, 1, 1, 0, 0, 1))]
    q("INSERT INTO ev VALUES (0, 'garbage')")
    assert q("SELECT TRY_TO_TIMESTAMP(s) FROM ev WHERE ms = 0") == [(None,)]
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT TO_TIMESTAMP(s) FROM ev")
    assert e.value.msg == "Timestamp 'garbage' is not recognized"


def test_to_timestamp_ltz_and_tz_of_an_expression_is_an_instant(q):
    """TO_TIMESTAMP_LTZ / TO_TIMESTAMP_TZ of a column failed as an unknown function (sqlglot
    rewrites only a literal argument). Text with an offset (also after a space, as Snowflake
    writes it) names that instant; text without one, a TIMESTAMP_NTZ and a DATE are wall-clock
    time in the session's zone (UTC here); a number is seconds since the epoch."""
    utc = UTC
    q("CREATE TABLE raw (s STRING, n NUMBER(12, 1), t TIMESTAMP_NTZ, d DATE)")
    q("INSERT INTO raw VALUES ('2024-01-31 10:00:00 +0200', 1700000000.5, '2024-05-01 09:30:00', '2024-05-02'), "
      "('2024-01-31T10:00:00-05:00', NULL, NULL, NULL), ('1700000000', NULL, NULL, NULL), ('2024-01-31', NULL, NULL, NULL)")
    got = q("SELECT TO_TIMESTAMP_LTZ(s), TO_TIMESTAMP_TZ(s), TO_TIMESTAMP_LTZ(n), TO_TIMESTAMP_TZ(t), TO_TIMESTAMP_LTZ(d) "
            "FROM raw ORDER BY n NULLS LAST, s")
    assert [tuple(None if v is None else v.astimezone(utc) for v in r) for r in got] == [
        (datetime(2024, 1, 31, 8, tzinfo=utc), datetime(2024, 1, 31, 8, tzinfo=utc),
         datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=utc), datetime(2024, 5, 1, 9, 30, tzinfo=utc),
         datetime(2024, 5, 2, tzinfo=utc)),
        (datetime(2023, 11, 14, 22, 13, 20, tzinfo=utc),) * 2 + (None,) * 3,
        (datetime(2024, 1, 31, tzinfo=utc),) * 2 + (None,) * 3,
        (datetime(2024, 1, 31, 15, tzinfo=utc),) * 2 + (None,) * 3]
    q("INSERT INTO raw (s) VALUES ('garbage')")
    assert q("SELECT TRY_TO_TIMESTAMP_LTZ(s), TRY_TO_TIMESTAMP_TZ(s) FROM raw WHERE s = 'garbage'") == [(None, None)]
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT TO_TIMESTAMP_TZ(s) FROM raw")
    assert e.value.msg == "Timestamp 'garbage' is not recognized"


@pytest.mark.parametrize("kind", ["TEMPORARY", "TEMP", "LOCAL TEMPORARY", "LOCAL TEMP", "GLOBAL TEMPORARY",
                                  "GLOBAL TEMP", "VOLATILE"])
def test_every_spelling_of_temporary_makes_a_session_table(tmp_path, kind):
    """Snowflake reads [LOCAL | GLOBAL] TEMP[ORARY] and VOLATILE as TEMPORARY: the table lives as
    long as the session. VOLATILE used to make a permanent table and LOCAL TEMP failed to parse."""
    path = str(tmp_path / "db.duckdb")
    with cdcsim.connect(path) as con:
        cur = con.cursor()
        cur.execute(f"CREATE {kind} TABLE tmp (a INT)")
        cur.execute("INSERT INTO tmp VALUES (1)")
        assert cur.execute("SELECT a FROM tmp").fetchall() == [(1,)]
        cur.execute(f"CREATE OR REPLACE {kind} TABLE tmp (b INT)")
        assert [d[0] for d in cur.execute("SELECT * FROM tmp").description] == ["B"]
    with cdcsim.connect(path) as con:
        with pytest.raises(ProgrammingError) as e:
            con.cursor().execute("SELECT * FROM tmp")
        assert e.value.errno == 2003


@settings(max_examples=60, deadline=None)
@given(v=st.one_of(st.integers(-31_535_999_999, 31_535_999_999), st.integers(31_536_000_000, 4_000_000_000_000),
                   st.integers(31_536_000_000_000, 4_000_000_000_000_000),
                   st.integers(31_536_000_000_000_000, 4_000_000_000_000_000_000)))
def test_to_timestamp_reads_a_string_of_digits_in_the_unit_its_size_says(v):
    """Snowflake reads a string of digits as seconds, milliseconds, microseconds or nanoseconds by
    its magnitude; a number is always seconds (an epoch-ms string used to land in the year 55840)."""
    a = abs(v)
    micros = v * 1_000_000 if a < 31_536_000_000 else v * 1000 if a < 31_536_000_000_000 else \
        v if a < 31_536_000_000_000_000 else (a // 1000) * (1 if v >= 0 else -1)  # (to microseconds)
    expected = datetime(1970, 1, 1) + timedelta(microseconds=micros)
    with cdcsim.connect() as con:
        cur = con.cursor()
        assert cur.execute(f"SELECT TO_TIMESTAMP('{v}')").fetchone()[0] == expected
        assert cur.execute("SELECT TO_TIMESTAMP(s) FROM (SELECT %s AS s)", (str(v),)).fetchone()[0] == expected
        if a < 31_536_000_000:
            assert cur.execute(f"SELECT TO_TIMESTAMP({v})").fetchone()[0] == expected


def test_a_cast_to_variant_wraps_the_value_and_object_agg_builds_objects(q):
    """``'Joe'::VARIANT`` is a VARIANT string (DuckDB's cast parsed it as JSON and failed; a JSON
    text came out an object); OBJECT_AGG skips NULL keys and values, sorts keys, and fails on a
    key twice in a group."""
    assert q("SELECT 'Joe'::VARIANT, TYPEOF('{\"a\": 1}'::VARIANT), TYPEOF(TO_VARIANT(3)), "
             "TYPEOF(PARSE_JSON('{\"a\": 1}'))") == [('"Joe"', "VARCHAR", "INTEGER", "OBJECT")]
    q("CREATE TABLE o (g NUMBER, k VARCHAR, v VARIANT)")
    q("INSERT INTO o SELECT 0, 'name', 'Joe'::VARIANT UNION ALL SELECT 0, 'age', 21::VARIANT "
      "UNION ALL SELECT 0, 'gone', NULL UNION ALL SELECT 1, NULL, 1::VARIANT")
    assert q("SELECT g, OBJECT_AGG(k, v) FROM o GROUP BY g ORDER BY g") == [(0, '{"age":21,"name":"Joe"}'), (1, "{}")]
    assert q("SELECT OBJECT_AGG(k, v):name::STRING FROM o WHERE g = 0") == [("Joe",)]
    q("INSERT INTO o SELECT 0, 'age', 22::VARIANT")
    with pytest.raises(cdcsim.Error, match="Duplicate field key"):
        q("SELECT OBJECT_AGG(k, v) FROM o WHERE g = 0")


def test_every_clock_function_reads_virtual_time(con):
    """Under a ManualClock, CURRENT_TIME() and LOCALTIME() gave the machine's wall clock."""
    con.clock.advance(timedelta(hours=3, minutes=7))  # the fixture's clock starts at 2025-09-03 11:00
    now = datetime(2025, 9, 3, 14, 7)
    assert con.cursor().execute(
        "SELECT CURRENT_TIMESTAMP(), SYSDATE(), GETDATE(), LOCALTIMESTAMP(), SYSTIMESTAMP(), CURRENT_DATE, "
        "CURRENT_TIME(), LOCALTIME()").fetchall() == [(now, now, now, now, now, now.date(), now.time(), now.time())]


def test_hash_is_a_signed_64_bit_number_of_the_visible_columns(q):
    """DuckDB's hash is unsigned: half of HASH()'s values failed an INSERT into a NUMBER column.
    HASH(*) used to fail; it hashes the visible columns, so it does not change when the table gets
    its hidden row id (a stream on it)."""
    q("CREATE TABLE t (id INT, v STRING)")
    q("INSERT INTO t SELECT range, 'v' || range FROM range(200)")
    q("CREATE TABLE h (id INT, hv NUMBER(38, 0), hb BIGINT)")
    q("INSERT INTO h SELECT id, HASH(id, v), HASH(*) FROM t")
    assert q("SELECT count(DISTINCT hv), min(hv) < 0, max(hv) > 0, count_if(hv <> hb) FROM h") == [(200, True, True, 0)]
    before = q("SELECT id, HASH(*) FROM t ORDER BY id")
    q("CREATE STREAM s ON TABLE t")
    assert q("SELECT id, HASH(*) FROM t ORDER BY id") == before
    assert q("SELECT HASH('a', 1) = HASH('a', 1), HASH('a', 1) = HASH('a', 2)") == [(True, False)]
    # the lowest value (DuckDB's hash of 0) has an absolute value, as NUMBER(38) does in Snowflake
    assert q("SELECT ABS(HASH(0)), ABS(HASH(0)) % 100, HASH(0) < 0") == [(2**63, 8, True)]
    # a translated call inside another keeps its translation (inner calls are rewritten first)
    assert q("SELECT HASH(TRY_TO_TIMESTAMP(s)) = HASH('2023-11-14 22:13:20'::TIMESTAMP_NTZ) "
             "FROM (SELECT '1700000000000' AS s)") == [(True,)]


@pytest.mark.parametrize("fn,json,expected", [
    ("IS_OBJECT", '{"a": 1}', True), ("IS_OBJECT", "[1]", False), ("IS_BOOLEAN", "true", True),
    ("IS_VARCHAR", '"x"', True), ("IS_CHAR", "1", False), ("IS_INTEGER", "3", True), ("IS_INTEGER", "3.5", False),
    ("IS_DECIMAL", "3", True), ("IS_DOUBLE", "3.5", True), ("IS_REAL", '"3"', False),
])
def test_variant_type_tests(q, fn, json, expected):
    """IS_OBJECT and kin used to be unknown functions."""
    assert q(f"SELECT {fn}(PARSE_JSON('{json}')), {fn}(NULL)") == [(expected, None)]


def test_array_functions_take_variant_arrays_and_select_into_makes_no_table(q):
    """ARRAY_SIZE / ARRAY_CONTAINS of a VARIANT array (a JSON payload's list) failed with a binder
    error; SELECT ... INTO x (no colon) silently created a table X."""
    q("CREATE TABLE j (v VARIANT)")
    q("INSERT INTO j SELECT PARSE_JSON('{\"items\": [1, 2, 3], \"tags\": [\"a\", \"b\"], \"o\": {}}')")
    assert q("SELECT ARRAY_SIZE(v:items), ARRAY_SIZE(v:o), ARRAY_SIZE(ARRAY_CONSTRUCT(1, 2)), "
             "ARRAY_CONTAINS(2::VARIANT, v:items), ARRAY_CONTAINS(5::VARIANT, v:items), "
             "ARRAY_CONTAINS('a'::VARIANT, v:tags), ARRAY_CONTAINS('b'::VARIANT, ARRAY_CONSTRUCT('a', 'b')) "
             "FROM j") == [(3, None, 2, True, False, True, True)]
    with pytest.raises(ProgrammingError) as e:
        q("SELECT count(*) INTO x FROM j")
    assert e.value.errno == 1003
    assert [r[1] for r in q("SHOW TABLES")] == ["J"]


def test_context_functions_of_a_session(con):
    """CURRENT_SESSION() and the client / account context functions (unknown functions before),
    as audit columns in ETL scripts use them: one value per session."""
    cur = con.cursor()
    (mine,) = cur.execute("SELECT CURRENT_SESSION()").fetchone()
    assert mine.isdigit() and cur.execute("SELECT CURRENT_SESSION()").fetchone() == (mine,)
    with cdcsim.connect() as other:
        assert other.cursor().execute("SELECT CURRENT_SESSION()").fetchone() != (mine,)
    assert cur.execute("SELECT CURRENT_CLIENT(), CURRENT_IP_ADDRESS(), CURRENT_ACCOUNT_NAME(), "
                       "CURRENT_ORGANIZATION_NAME(), CURRENT_AVAILABLE_ROLES()").fetchall() == [
        ("cdcsim", "127.0.0.1", "CDCSIM", "CDCSIM", '["SYSADMIN"]')]
    cur.execute("CREATE TABLE audit (s STRING, at TIMESTAMP_NTZ)")
    cur.execute("INSERT INTO audit SELECT CURRENT_SESSION(), CURRENT_TIMESTAMP()")
    assert cur.execute("SELECT s FROM audit").fetchall() == [(mine,)]


def test_binary_columns_take_a_length(q):
    """BINARY(n) / VARBINARY(n) columns [DOC: sql-reference/data-types-text, BINARY]: DuckDB's BLOB
    takes no length, and CREATE TABLE failed with a binder error."""
    q("CREATE TABLE bins (b BINARY(5), v VARBINARY(8))")
    q("INSERT INTO bins SELECT TO_BINARY('4142', 'HEX'), NULL")
    assert q("SELECT b, v FROM bins") == [(b"AB", None)]
    assert [r[1] for r in q("DESC TABLE bins")] == ["BINARY(8388608)", "BINARY(8388608)"]


def test_create_table_keeps_table_and_column_comments(q):
    """CREATE TABLE ... COMMENT = '...' and a column's COMMENT '...' [DOC: sql-reference/sql/create-table]
    show in SHOW TABLES and DESCRIBE TABLE; DuckDB's CREATE TABLE has neither and they were lost."""
    q("CREATE TABLE noted (a INT COMMENT 'the a', \"b\" STRING COMMENT 'it''s b') COMMENT = 'a table'")
    assert [(r[0], r[9]) for r in q("DESC TABLE noted")] == [("A", "the a"), ("b", "it's b")]
    assert [r[5] for r in q("SHOW TABLES LIKE 'NOTED'")] == ["a table"]


def test_ctas_column_list_names_and_types_the_query_columns(q):
    """``CREATE TABLE t (a INT, b VARCHAR, c) AS <query>`` [DOC: sql-reference/sql/create-table, CTAS]:
    names in order, types where given; a list of another length fails (it failed to parse)."""
    q("CREATE TABLE typed (a NUMBER(10,2), b STRING, c) AS SELECT 1, 2, 3.5")
    assert [r[:2] for r in q("DESC TABLE typed")] == [("A", "NUMBER(10,2)"), ("B", "VARCHAR(16777216)"),
                                                       ("C", "NUMBER(2,1)")]
    assert q("SELECT a, b FROM typed") == [(1, "2")]
    with pytest.raises(ProgrammingError, match="Invalid column definition list"):
        q("CREATE TABLE typed2 (a INT) AS SELECT 1, 2")
    assert q("SHOW TABLES LIKE 'TYPED2'") == []


def test_views_keep_their_comment_and_say_whether_they_are_secure(q):
    """CREATE [SECURE] VIEW ... COMMENT = '...' and ALTER VIEW ... SET | UNSET SECURE
    [DOC: sql-reference/sql/create-view, alter-view]: SHOW VIEWS' comment and is_secure (the comment
    was dropped and is_secure always 'false')."""
    q("CREATE TABLE base (a INT)")
    q("CREATE SECURE VIEW sv COMMENT = 'it''s secure' AS SELECT a FROM base")
    q("CREATE VIEW pv AS SELECT a FROM base")
    shown = lambda: {r[1]: (r[6], r[8]) for r in q("SHOW VIEWS")}  # noqa: E731
    assert shown() == {"SV": ("it's secure", "true"), "PV": (None, "false")}
    q("ALTER VIEW pv SET SECURE")
    q("ALTER VIEW sv UNSET SECURE")
    assert shown() == {"SV": ("it's secure", "false"), "PV": (None, "true")}
    q("CREATE OR REPLACE VIEW pv AS SELECT a FROM base")
    assert shown()["PV"] == (None, "false")


@pytest.mark.parametrize("tracked", [False, True], ids=["untracked", "tracked"])
def test_positional_column_references_over_one_source(q, tracked):
    """``$1``, ``$2`` name a single source's columns by position [DOC: sql-reference/sql/select],
    also over RESULT_SCAN and on a tracked table (its hidden row id is last); they failed as
    "Session variable '$1' does not exist"."""
    q("CREATE TABLE pos (a INT, b STRING)")
    q("INSERT INTO pos VALUES (1, 'x'), (2, 'y')")
    if tracked:
        q("CREATE STREAM pos_s ON TABLE pos")
    assert q("SELECT $2, $1 FROM pos WHERE $1 > 1") == [("y", 2)]
    assert [d[0] for d in q.cur.description] == ["$2", "$1"]
    assert q("SELECT $2 FROM pos ORDER BY $1 DESC") == [("y",), ("x",)]
    q("SHOW TABLES LIKE 'POS'")
    assert q("SELECT $2, $5 FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))") == [("POS", "TABLE")]


@pytest.mark.parametrize("sql", ["INSERT INTO narrow SELECT * FROM wide", "INSERT INTO narrow VALUES (1, 2)",
                                 "INSERT INTO wide (a) VALUES (1, 2)"])
def test_an_insert_of_the_wrong_width_fails_in_snowflake_words(q, sql):
    """002020 "Insert value list does not match column list expecting <n> but got <m>" (it was
    DuckDB's binder text under 002016), and nothing is inserted."""
    q("CREATE TABLE wide (a INT, b STRING)")
    q("CREATE TABLE narrow (a INT)")
    q("INSERT INTO wide VALUES (1, 'x')")
    with pytest.raises(ProgrammingError) as e:
        q(sql)
    assert e.value.errno == 2020 and "Insert value list does not match column list expecting 1 but got 2" in e.value.msg
    assert q("SELECT count(*) FROM narrow") == [(0,)] and q("SELECT count(*) FROM wide") == [(1,)]


def test_ctas_of_unaliased_expressions(q):
    """CREATE TABLE ... AS SELECT of two unaliased expressions: the duplicate-name check took both
    for the name '' and failed with 002025; a repeated alias still fails."""
    q("CREATE TABLE src2 (a INT, b INT)")
    q("INSERT INTO src2 VALUES (1, 2)")
    q("CREATE TABLE exprs AS SELECT a + 1, b + 1 FROM src2")
    assert q("SELECT * FROM exprs") == [(2, 3)]
    with pytest.raises(ProgrammingError, match="duplicate column name 'X'"):
        q("CREATE TABLE twice AS SELECT a AS x, b AS x FROM src2")


def test_an_array_of_numbers_is_described_as_an_array(q):
    """cursor.description's type code for an ARRAY is 10 whatever its elements (an INTEGER[] from
    ARRAY_AGG was described as a number, 0, since its DuckDB type starts with INTEGER)."""
    q("CREATE TABLE nums (a INT, s STRING)")
    q("INSERT INTO nums VALUES (1, 'x')")
    q("SELECT ARRAY_AGG(a), ARRAY_AGG(s), ARRAY_CONSTRUCT(1.5, 2) FROM nums")
    assert [d[1] for d in q.cur.description] == [10, 10, 10]
