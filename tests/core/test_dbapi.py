"""The DB-API surface: cursors, parameters, descriptions, types, scripts, errors."""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta

import pytest

import cdcsim


def test_select_and_description_upper_cases_unquoted_names(con):
    cur = con.cursor()
    cur.execute('select 1 as a, 2 as "b", count(*) from (select 1)')
    assert cur.fetchall() == [(1, 2, 1)]
    assert [d[0] for d in cur.description] == ["A", "b", "COUNT(*)"]
    assert cur.rowcount == 1


def test_types_follow_snowflake_connector(con, q):
    q("create table t (i int, n number(10,2), s string, b boolean, ts timestamp, d date, f float)")
    q("insert into t values (1, 2.5, 'x', true, '2025-09-01 10:00:00', '2025-09-01', 1.5)")
    row = q("select * from t")[0]
    assert row == (1, decimal.Decimal("2.50"), "x", True, datetime(2025, 9, 1, 10), datetime(2025, 9, 1).date(), 1.5)
    assert type(row[0]) is int
    cur = con.cursor().execute("select n, i from t")
    assert cur.description[0][4:6] == (10, 2)
    assert cur.description[0][1] == 0 and cur.description[1][1] == 0  # FIXED


@pytest.mark.parametrize("sql,params", [
    ("select %s + %s", (1, 2)),
    ("select ? + ?", [1, 2]),
    ("select %(a)s + %(b)s", {"a": 1, "b": 2}),
])
def test_paramstyles(q, sql, params):
    assert q(sql, params) == [(3,)]


@pytest.mark.parametrize("sql,params", [
    ("select %s::DATE, %s :: INT + 1", ("2025-09-01", "41")),
    ("select ?::DATE, ?::INT + 1", ["2025-09-01", "41"]),
    ("select %(d)s::DATE, %(n)s::INT + 1", {"d": "2025-09-01", "n": "41"}),
])
def test_a_placeholder_takes_a_cast(q, sql, params):
    """``%s::DATE`` is common in connector code; it used to fail to parse (sqlglot reads no
    ``?::type``)."""
    assert q(sql, params) == [(datetime(2025, 9, 1).date(), 42)]


@pytest.mark.parametrize("sql,params,expected", [
    ("select WIDTH_BUCKET(%s, 0, 10, 5)", (3,), 2),
    ("select OCTET_LENGTH(?)", ["abc"], 3),
    ("select ROUND(HAVERSINE(%(lat)s, 0, %(lat)s, 1), 3)", {"lat": 0}, 111.195),
    ("select YEAR(TO_TIMESTAMP_LTZ(?))", ["2024-05-01 10:00:00"], 2024),
])
def test_a_parameter_inside_a_rewritten_function(q, sql, params, expected):
    """A rewrite that writes its argument more than once (WIDTH_BUCKET, HAVERSINE, OCTET_LENGTH,
    TO_TIMESTAMP_LTZ) made DuckDB count each copy of a ``?`` as a parameter of its own, and the
    statement failed as "Session variable '$2' does not exist"."""
    got = q(sql, params)[0][0]
    assert (float(got) if isinstance(got, decimal.Decimal) else got) == pytest.approx(expected)


def test_wrong_parameter_count_is_a_programming_error(q):
    with pytest.raises(cdcsim.ProgrammingError):
        q("select ?", [1, 2])


def test_fetch_variants_and_pandas(con, q):
    q("create table t (a int, b string)")
    con.cursor().executemany("insert into t values (?, ?)", [(i, f"r{i}") for i in range(5)])
    cur = con.cursor().execute("select * from t order by a")
    assert cur.fetchone() == (0, "r0")
    assert cur.fetchmany(2) == [(1, "r1"), (2, "r2")]
    assert cur.fetchall() == [(3, "r3"), (4, "r4")]
    df = con.cursor().execute("select a, b as bee from t order by a").fetch_pandas_all()
    assert list(df.columns) == ["A", "BEE"] and len(df) == 5


def test_executemany_batches_inserts_and_counts_rows(con, q):
    q("create table t (a int)")
    cur = con.cursor().executemany("insert into t values (%s)", [(i,) for i in range(4500)])
    assert cur.rowcount == 4500
    assert q("select count(*), sum(a) from t") == [(4500, sum(range(4500)))]


def test_dict_cursor(con, q):
    q("create table t (a int)")
    q("insert into t values (7)")
    assert con.cursor(cdcsim.DictCursor).execute("select a from t").fetchall() == [{"A": 7}]


def test_execute_string_returns_one_cursor_per_statement(con):
    cursors = con.execute_string("""
        create table t (a int); -- comment; with semicolon
        insert into t values (1), (2); /* block ; */
        select count(*) from t
    """)
    assert len(cursors) == 3
    assert cursors[-1].fetchall() == [(2,)]


def test_unknown_object_names_it(q):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("select * from no_such_table")
    assert e.value.errno == 2003
    assert "NO_SUCH_TABLE" in e.value.msg and "does not exist or not authorized" in e.value.msg


def test_syntax_error_has_position(q):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("select from where")
    assert e.value.errno == 1003
    assert "line 1" in e.value.msg.lower()


def test_invalid_identifier(q):
    q("create table t (a int)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("select nope from t")
    assert e.value.errno == 904 and "NOPE" in e.value.msg


def test_failed_statement_leaves_database_unchanged(q):
    q("create table t (a int)")
    q("insert into t values (1)")
    with pytest.raises(cdcsim.Error):
        q("insert into t values (2), ('not a number')")
    assert q("select a from t") == [(1,)]


def test_virtual_time_reaches_current_timestamp_and_defaults(con, q):
    q("create table t (a int, created_at timestamp default current_timestamp())")
    q("insert into t (a) values (1)")
    con.advance(minutes=5)
    q("insert into t (a) values (2)")
    assert q("select a, created_at from t order by a") == [
        (1, datetime(2025, 9, 3, 11, 0)), (2, datetime(2025, 9, 3, 11, 5))]
    assert q("select current_timestamp(), current_date(), sysdate()")[0][:2] == (
        datetime(2025, 9, 3, 11, 5), datetime(2025, 9, 3).date())


def test_advance_needs_manual_clock():
    with cdcsim.connect() as c, pytest.raises(cdcsim.ProgrammingError):
        c.advance(timedelta(minutes=1))


def test_snowflake_functions_translate(q):
    q("create table t (ts timestamp, n int, s string)")
    q("insert into t values ('2025-09-07 14:30:00', 3, null)")  # a Sunday
    row = q("""select iff(n > 2, 'big', 'small'), hour(ts), dayofweek(ts), date(ts), dateadd(day, 1, ts),
                      datediff(minute, ts, dateadd(hour, 2, ts)), coalesce(s, 'none'), nullif(n, 3),
                      round(n / 2, 1), count(case when n > 1 then 1 end)
               from t group by all""")[0]
    assert row[0] == "big" and row[1] == 14 and row[2] == 0
    assert row[3] == datetime(2025, 9, 7).date() and row[4] == datetime(2025, 9, 8, 14, 30)
    assert row[5] == 120 and row[6] == "none" and row[7] is None and float(row[8]) == 1.5 and row[9] == 1


def test_qualify(q):
    q("create table t (k int, v int)")
    q("insert into t values (1, 1), (1, 2), (2, 5)")
    assert q("select k, v from t qualify row_number() over (partition by k order by v desc) = 1 order by k") == [
        (1, 2), (2, 5)]


def test_databases_schemas_and_use(q):
    q("create database if not exists movies")
    q("use movies")
    q("create table t (a int)")
    q("insert into t values (1)")
    q("create schema staging")
    q("create table t2 (b int)")
    assert q("select count(*) from movies.public.t") == [(1,)]
    assert q("select count(*) from public.t") == [(1,)]
    assert {r[1] for r in q("show schemas")} >= {"PUBLIC", "STAGING"}
    q("use schema public")
    assert [r[1] for r in q("show tables")] == ["T", "T2"] or "T" in [r[1] for r in q("show tables")]
    with pytest.raises(cdcsim.ProgrammingError):
        q("use database nope")


def test_describe_table_hides_internal_columns(q):
    q("create table t (a int, b number(10,2) as (a * 2), c timestamp default current_timestamp())")
    q("create stream s on table t")
    rows = q("describe table t")
    assert [r[0] for r in rows] == ["A", "B", "C"]
    assert rows[1][2] == "VIRTUAL" and rows[2][4] == "CURRENT_TIMESTAMP()"
    assert q("select * from t") == []
    assert [r[0] for r in q("show columns in table t")] == ["T", "T", "T"]


def test_explicit_transactions_commit_and_rollback(q):
    q("create table t (a int)")
    q("begin")
    q("insert into t values (1)")
    q("rollback")
    q("start transaction")
    q("insert into t values (2)")
    q("commit")
    assert q("select a from t") == [(2,)]


def test_ddl_commits_an_open_transaction(q):
    q("create table t (a int)")
    q("begin")
    q("insert into t values (1)")
    q("create table u (b int)")
    q("rollback")  # nothing left to roll back: the DDL committed the insert
    assert q("select a from t") == [(1,)]


def test_merge_on_plain_table(q):
    q("create table t (id int, a string)")
    q("insert into t values (1, 'a'), (2, 'b')")
    q("create table src (id int, a string)")
    q("insert into src values (1, 'A'), (3, 'C')")
    q("merge into t using src on t.id = src.id when matched then update set a = src.a "
      "when not matched then insert (id, a) values (src.id, src.a)")
    assert sorted(q("select * from t")) == [(1, "A"), (2, "b"), (3, "C")]


def test_closed_connection_refuses_work():
    c = cdcsim.connect()
    cur = c.cursor()
    c.close()
    with pytest.raises(cdcsim.InterfaceError):
        cur.execute("select 1")


def test_error_inside_explicit_transaction_rolls_it_back_and_says_so(con, q):
    """[INFER] documented in cdcsim/session.py: DuckDB cannot undo one statement of a transaction."""
    q("create table t (a int)")
    q("begin")
    q("insert into t values (1)")
    with pytest.raises(cdcsim.DataError) as e:
        q("insert into t values ('not a number')")
    assert "rolled back" in e.value.msg
    assert not con._session.in_txn
    assert q("select count(*) from t") == [(0,)]


def test_variant_columns_hold_json(q):
    q("create table v (x variant)")
    q("""insert into v select parse_json('{"a": 1}')""")
    assert q("select x from v") == [('{"a":1}',)]


def test_executemany_binds_a_batch_with_expressions_nulls_and_types(con, q):
    from decimal import Decimal

    q("create table t (id int, price number(10,2), at timestamp, note string, made timestamp)")
    q("create stream s on table t")
    rows = [(1, Decimal("12.50"), datetime(2025, 9, 1, 10), "a'b"), (2, None, None, None),
            (3, 7.25, datetime(2025, 9, 2), "=1+1")]
    cur = con.cursor().executemany(
        "insert into t (id, price, at, note, made) values (?, ?, ?, upper(?), current_timestamp())", rows)
    assert cur.rowcount == 3
    assert q("select id, price, at, note, made from t order by id") == [
        (1, Decimal("12.50"), datetime(2025, 9, 1, 10), "A'B", datetime(2025, 9, 3, 11)),
        (2, None, None, None, datetime(2025, 9, 3, 11)),
        (3, Decimal("7.25"), datetime(2025, 9, 2), "=1+1", datetime(2025, 9, 3, 11))]
    assert q("select count(*) from s") == [(3,)]


def test_executemany_named_parameters(con, q):
    q("create table t (a int, b string)")
    con.cursor().executemany("insert into t values (%(a)s, %(b)s)", [{"a": 1, "b": "x"}, {"b": "y", "a": 2}])
    assert q("select * from t order by a") == [(1, "x"), (2, "y")]


def test_count_if_is_zero_on_empty_input(q):
    q("create table t (a int)")
    assert q("select count_if(a = 1) from t") == [(0,)]
    q("insert into t values (1), (2), (1)")
    assert q("select count_if(a = 1) from t") == [(2,)]


def test_view_columns_are_fixed_at_creation(q):
    q("create table t (a int, b string)")
    q("create view v as select * from t")
    q("create stream s on table t")  # tracking adds a hidden column to t
    q("insert into t values (1, 'x')")
    assert q("select * from v") == [(1, "x")]


def test_information_schema_views(q):
    q("create table t (a int, c timestamp default current_timestamp())")
    q("create stream s on table t")
    assert q("select column_name, data_type, column_default from information_schema.columns "
             "where table_name = 'T' order by ordinal_position") == [
        ("A", "NUMBER", None), ("C", "TIMESTAMP_NTZ", "CURRENT_TIMESTAMP()")]
    assert ("PUBLIC", "T", "BASE TABLE") in q("select table_schema, table_name, table_type "
                                              "from information_schema.tables")
    # an INT is a NUMBER(38, 0) here as in DESCRIBE (DuckDB's own view counts an INTEGER's 32 bits)
    q("create table n (i int, b bigint, d number(10, 2))")
    assert q("select column_name, numeric_precision, numeric_scale from information_schema.columns "
             "where table_name = 'N' order by ordinal_position") == [("I", 38, 0), ("B", 38, 0), ("D", 10, 2)]


def test_session_functions_report_snowflake_names(q):
    q("create database mydb")
    q("create schema sch")
    assert q("select current_database(), current_schema()") == [("MYDB", "SCH")]


def test_unicode_identifiers(con):
    cur = con.cursor().execute("select 1 as café")
    assert cur.description[0][0] == "CAFÉ" and cur.fetchall() == [(1,)]


def test_advance_refuses_while_own_transaction_holds_writes(con, q):
    """The due refreshes would wait for this connection's own write lock (60 s, then fail)."""
    q("CREATE TABLE src (id INT)")
    q("CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM src")
    q("BEGIN")
    q("SELECT * FROM src")
    con.advance(minutes=1)  # an open transaction that only read is no obstacle
    q("INSERT INTO src VALUES (2)")
    for call in (lambda: con.advance(minutes=1), con.run_pending):
        with pytest.raises(cdcsim.OperationalError) as e:
            call()
        assert "COMMIT or ROLLBACK" in e.value.msg
    assert q("SELECT id FROM src") == [(2,)]  # the transaction is still open and intact
    q("COMMIT")
    con.advance(minutes=1)
    assert q("SELECT id FROM d") == [(2,)]


def test_asynchronous_queries_answer_as_the_connector_does(con):
    """execute_async runs the statement at once; its id then answers status, results and errors
    (cdcsim/async_queries.py)."""
    cur = con.cursor()
    cur.execute("CREATE TABLE t (a INT)")
    ins = cur.execute_async("INSERT INTO t VALUES (%s), (%s)", (1, 2))["queryId"]
    assert cur.sfqid == ins
    status = con.get_query_status(ins)
    assert status.name == "SUCCESS" and not con.is_still_running(status) and not con.is_an_error(status)
    sel = cur.execute_async("SELECT a FROM t ORDER BY a")["queryId"]
    other = con.cursor()
    other.get_results_from_sfqid(sel)
    assert other.fetchall() == [(1,), (2,)] and other.description[0][0] == "A"
    table = con.cursor().query_result(sel).fetch_arrow_all()
    assert table.column_names == ["A"] and table.column("A").to_pylist() == [1, 2]
    assert cur.execute("SELECT count(*) FROM TABLE(RESULT_SCAN(%s))", (sel,)).fetchall() == [(2,)]
    # a failure is not raised by execute_async but by what asks for the query's outcome
    bad = cur.execute_async("SELECT * FROM nope")["queryId"]
    status = con.get_query_status(bad)
    assert status.name == "FAILED_WITH_ERROR" and con.is_an_error(status)
    for ask in (lambda: con.get_query_status_throw_if_error(bad), lambda: other.get_results_from_sfqid(bad)):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            ask()
        assert e.value.errno == 2003
    with pytest.raises(cdcsim.ProgrammingError) as e:
        con.get_query_status("01b2c3d4-0000-0000-0000-000000000000")
    assert e.value.errno == 709
    assert con.cursor().execute("SELECT 1 WHERE FALSE").fetch_arrow_all() is None


@pytest.mark.parametrize("params", [("T", 2), ["T", 2], {"n": "T", "k": 2}])
def test_table_function_arguments_take_bound_values(con, params):
    """The connector binds pyformat values on the client, so ``TABLE(F(NAME => %s))`` works on
    Snowflake; a table function's arguments are read at translation, so cdcsim writes such a
    statement's values in as literals (a quote in a value stays data)."""
    cur = con.cursor()
    cur.execute("CREATE TABLE src (a INT)")
    cur.execute("CREATE DYNAMIC TABLE t TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM src")
    sql = ("SELECT name, refresh_trigger FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
           "NAME => {}, RESULT_LIMIT => {})) WHERE name <> 'it''s ?'")
    marks = ("%(n)s", "%(k)s") if isinstance(params, dict) else ("%s", "%s")
    assert cur.execute(sql.format(*marks), params).fetchall() == [("T", "CREATION")]
    with pytest.raises(cdcsim.ProgrammingError, match="x' OR 1=1 --"):  # the value, read as a name
        cur.execute("SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => %s))",
                    ["x' OR 1=1 --"])
