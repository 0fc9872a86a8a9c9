"""Streams on views (reference 1.1-1.4, ``cdcsim.view_streams``): scenarios; the net-change rules
against a model are in test_view_stream_property."""

from __future__ import annotations

import pytest

from cdcsim import ProgrammingError


def changes(q, stream, order="1"):
    return q(f"select * exclude (metadata$row_id) from {stream} order by {order}, metadata$action")


@pytest.fixture
def orders(q):
    q("create table orders (id int, customer int, amount int)")
    q("create table customers (id int, name string)")
    q("insert into customers values (1, 'Ann'), (2, 'Bob')")
    q("insert into orders values (10, 1, 5), (11, 2, 7)")
    return q


def test_filter_view_stream_sees_the_views_rows_only(q):
    q("create table t (id int, v int)")
    q("insert into t values (1, 1), (2, 5)")
    q("create view big as select id, v * 10 as v10 from t where v > 2")
    assert q("create stream s on view big") == [("Stream S successfully created.",)]
    q("insert into t values (3, 9), (4, 0)")  # only 3 is in the view
    q("update t set v = 6 where id = 2")  # stays in the view: an update
    q("update t set v = 3 where id = 1")  # moves into the view: an insert
    assert changes(q, "s") == [(1, 30, "INSERT", False), (2, 50, "DELETE", True), (2, 60, "INSERT", True),
                               (3, 90, "INSERT", False)]


def test_update_of_a_column_the_view_does_not_show_yields_nothing(q):
    q("create table t (id int, v int, note string)")
    q("insert into t values (1, 1, 'a')")
    q("create view v as select id, v from t")
    q("create stream s on view v")
    q("update t set note = 'b'")
    assert q("select * from s") == []
    assert q("select system$stream_has_data('s')") == [(True,)]  # a documented false positive


def test_join_view_stream_sees_changes_on_either_side(orders):
    q = orders
    q("create view order_names as select o.id, o.amount, c.name from orders o join customers c on o.customer = c.id")
    q("create stream s on view order_names")
    q("update customers set name = 'Bobby' where id = 2")  # Δcustomers x orders
    q("insert into orders values (12, 1, 3)")  # Δorders x customers
    q("insert into customers values (3, 'Cy')")
    q("insert into orders values (13, 3, 1)")  # Δorders x Δcustomers
    assert changes(q, "s") == [(11, 7, "Bob", "DELETE", True), (11, 7, "Bobby", "INSERT", True),
                               (12, 3, "Ann", "INSERT", False), (13, 1, "Cy", "INSERT", False)]
    rows = q("select id, metadata$row_id from s where id = 11")
    assert rows[0][1] == rows[1][1] and len(rows[0][1]) == 40  # the update's pair shares one ROW_ID
    q("create table sink as select * from s")  # consumes
    q("delete from customers where id = 1")
    assert changes(q, "s") == [(10, 5, "Ann", "DELETE", False), (12, 3, "Ann", "DELETE", False)]


def test_union_all_view_and_a_view_over_a_view(q):
    q("create table a (id int, x int)")
    q("create table b (id int, x int)")
    q("create view ab as select id, x from a union all select id, x from b")
    q("create view ab_pos as select * from ab where x > 0")
    q("create stream s on view ab_pos")
    q("insert into a values (1, 1)")
    q("insert into b values (1, 1), (2, -1)")  # the same values from b: another view row
    rows = q("select id, x, metadata$action, metadata$row_id from s order by id")
    assert [r[:3] for r in rows] == [(1, 1, "INSERT"), (1, 1, "INSERT")]
    assert rows[0][3] != rows[1][3]
    assert q("show streams like 's'")[0][7:9] == ("View", "CDCSIM.PUBLIC.A, CDCSIM.PUBLIC.B")


def test_append_only_view_stream_keeps_inserted_rows(q):
    q("create table t (id int, v int)")
    q("create view v as select id, v from t where v >= 0")
    q("create stream s on view v append_only = true")
    q("insert into t values (1, 1), (2, 2), (3, -1)")
    q("update t set v = 5 where id = 1")
    q("delete from t where id = 2")
    assert changes(q, "s") == [(1, 1, "INSERT", False), (2, 2, "INSERT", False)]
    assert q("show streams like 's'")[0][11] == "APPEND_ONLY"


def test_show_initial_rows_and_consumption_in_a_transaction(q):
    q("create table t (id int)")
    q("insert into t values (1), (2)")
    q("create view v as select id from t where id > 1")
    q("create stream s on view v show_initial_rows = true")
    q("insert into t values (3)")
    assert changes(q, "s") == [(2, "INSERT", False), (3, "INSERT", False)]
    q("create table sink (id int)")
    q("begin")
    q("insert into sink select id from s")
    q("insert into t values (4)")  # the transaction's own write stays out of its window
    assert changes(q, "s") == [(2, "INSERT", False), (3, "INSERT", False)]
    q("rollback")
    assert changes(q, "s") == [(2, "INSERT", False), (3, "INSERT", False)]  # the offset did not move
    q("begin")
    q("insert into sink select id from s")
    q("insert into t values (4)")
    q("commit")
    assert changes(q, "s") == [(4, "INSERT", False)]
    assert q("select system$stream_has_data('s')") == [(True,)]


def test_view_stream_on_a_dropped_or_replaced_view_or_base_is_stale(q):
    q("create table t (id int)")
    q("create table u (id int)")
    q("create view v as select id from t")
    q("create view w as select t.id from t join u on t.id = u.id")
    q("create stream sv on view v")
    q("create stream sw on view w")
    q("create or replace view v as select id + 1 as id from t")
    with pytest.raises(ProgrammingError, match="Stream 'SV' is stale: view 'CDCSIM.PUBLIC.V' was dropped or "
                                               "replaced") as e:
        q("select * from sv")
    assert e.value.errno == 91901
    q("drop table u")
    with pytest.raises(ProgrammingError, match="a base table of view 'CDCSIM.PUBLIC.W' was dropped"):
        q("select * from sw")
    stale = {r[1]: r[10] for r in q("show streams")}
    assert stale == {"SV": True, "SW": True}
    assert q("select system$stream_has_data('sw')") == [(False,)]
    q("drop stream sw")
    q("create table u (id int)")
    q("create or replace stream sv on view v")  # a new stream on the new view reads again
    q("insert into t values (1)")
    assert changes(q, "sv") == [(2, "INSERT", False)]


@pytest.mark.parametrize(("body", "what"), [
    ("select k, count(*) as n from t group by k", "GROUP BY"),
    ("select distinct k from t", "DISTINCT"),
    ("select k from t limit 1", "LIMIT"),
    ("select k, row_number() over (order by k) as r from t", "window function"),
    ("select k from t qualify row_number() over (partition by k order by k) = 1", "QUALIFY"),
    ("select t.k from t left join u on t.k = u.k", "LEFT JOIN"),
    ("select k from t where k in (select k from u)", "subquery outside FROM"),
    ("select k from t union select k from u", "UNION without ALL"),
    ("with recursive x as (select 1 as n union all select n + 1 from x where n < 3) select t.k from t, x",
     "WITH RECURSIVE"),
])
def test_a_view_with_an_unsupported_construct_cannot_have_a_stream(q, body, what):
    q("create table t (k int)")
    q("create table u (k int)")
    q(f"create view v as {body}")
    with pytest.raises(ProgrammingError, match=f"Change tracking is not supported on view 'CDCSIM.PUBLIC.V': "
                                               f"it uses (a |an )?{what}"):
        q("create stream s on view v")
    assert q("show streams") == []
    assert q("show tables like 'T'")[0][1] == "T"  # the failed CREATE changed nothing


def test_stream_kind_must_match_the_object(q):
    q("create table t (k int)")
    q("create view v as select k from t")
    with pytest.raises(ProgrammingError, match="does not exist"):
        q("create stream s on table v")
    with pytest.raises(ProgrammingError, match="does not exist"):
        q("create stream s on view t")


def test_a_task_consumes_a_view_stream(con, q):
    q("create table t (id int, v int)")
    q("create table sink (id int, v int, action string)")
    q("create view v as select id, v from t where v > 0")
    q("create stream s on view v")
    q("create task k schedule = '1 minute' when system$stream_has_data('s') as "
      "insert into sink select id, v, metadata$action from s")
    q("alter task k resume")
    q("insert into t values (1, 1), (2, 0)")
    con.advance(minutes=1)
    assert q("select * from sink") == [(1, 1, "INSERT")]
    assert q("select * from s") == []


def test_view_with_a_column_list_in_another_schema(q):
    q("create schema other")
    q('create table other.t (a int, "Mixed Case" string)')
    q("create schema main_s")
    q('create view v (x, y) as select a, "Mixed Case" from other.t')
    assert q("select * from v") == []
    q("create stream s on view v")
    q("insert into other.t values (1, 'm')")
    assert changes(q, "s") == [(1, "m", "INSERT", False)]


def test_a_views_column_list_names_its_columns(con):
    cur = con.cursor()
    cur.execute("create table t (a int, b int)")
    cur.execute("insert into t values (1, 2)")
    cur.execute("create view w (p, q) as select b, a from t")
    assert cur.execute("select * from w").fetchall() == [(2, 1)]
    assert [d[0] for d in cur.description] == ["P", "Q"]


def test_view_over_a_dynamic_table(q):
    q("create table u (a int, b string)")
    q("create dynamic table dt target_lag = '1 minute' warehouse = w refresh_mode = incremental "
      "as select a, b from u")
    q("create view v as select * from dt where a > 1")
    q("create stream s on view v")
    q("insert into u values (1, 'x'), (2, 'y')")
    assert q("select * from s") == []  # the dynamic table has not refreshed yet
    q("alter dynamic table dt refresh")
    assert changes(q, "s") == [(2, "y", "INSERT", False)]


def test_a_view_stream_survives_reopening_its_file(tmp_path):
    import cdcsim

    path = str(tmp_path / "v.duckdb")
    con = cdcsim.connect(path)
    cur = con.cursor()
    cur.execute("create table t (a int)")
    cur.execute("create view v as select a from t where a > 1")
    cur.execute("create stream s on view v")
    cur.execute("insert into t values (1), (2)")
    con.close()
    con = cdcsim.connect(path)
    cur = con.cursor()
    assert cur.execute("select a, metadata$action from s").fetchall() == [(2, "INSERT")]
    assert cur.execute("show streams like 'S'").fetchall()[0][7] == "View"
    con.close()


def test_changes_clause_on_a_view_reads_without_consuming(q):
    q("create table t (a int)")
    q("create view v as select a from t where a > 1")
    q("create stream s on view v")
    q("insert into t values (1), (2)")
    assert q("select a, metadata$action from v changes(information => default) at(stream => 's')") == \
        [(2, "INSERT")]
    q("create table sink as select a from v changes(information => default) at(stream => 's')")
    assert q("select a from s") == [(2,)]  # CHANGES moved no offset
    with pytest.raises(ProgrammingError, match="Stream 'CDCSIM.PUBLIC.S' is not on table 'CDCSIM.PUBLIC.T'"):
        q("select * from t changes(information => default) at(stream => 's')")


def test_alter_view_set_change_tracking(q):
    q("create table t (a int)")
    q("create view v as select a from t where a > 0")
    q("create view g as select a, count(*) as n from t group by a")
    assert q("alter view v set change_tracking = true comment = 'tracked'") == [("Statement executed successfully.",)]
    assert [(r[1], r[6], r[11]) for r in q("show views")] == [("G", None, "OFF"), ("V", "tracked", "ON")]
    assert q("show tables like 'T'")[0][12] == "ON"  # the base table is tracked from now on
    with pytest.raises(ProgrammingError, match="it uses GROUP BY"):
        q("alter view g set change_tracking = true")
    q("create stream s on view v")
    with pytest.raises(ProgrammingError, match="stream 'S' reads its changes"):
        q("alter view v unset change_tracking")
    q("drop stream s")
    q("alter view v set secure")  # accepted: one local user has nothing to hide from
    q("alter view v unset change_tracking, comment")
    assert [(r[1], r[6], r[11]) for r in q("show views like 'V'")] == [("V", None, "OFF")]
    q("alter view v set change_tracking = true")
    q("create or replace view v as select a from t")  # a new view: not tracked
    assert q("show views like 'V'")[0][11] == "OFF"
    with pytest.raises(ProgrammingError, match="Property 'FOO' of ALTER VIEW ... SET is not supported"):
        q("alter view v set foo = 1")
    with pytest.raises(ProgrammingError, match="View 'CDCSIM.PUBLIC.NOPE' does not exist"):
        q("alter view nope set comment = 'x'")
    assert q("alter view if exists nope set comment = 'x'") == [("Statement executed successfully.",)]


def test_a_view_with_a_with_clause(q):
    q("create table t (a int, b int)")
    q("create table u (a int, c int)")
    q("create view v as with x as (select a, b from t where b > 0), "
      "y as (select x.a, x.b, u.c from x join u on x.a = u.a) select * from y union all select a, b, null from x")
    q("create stream s on view v")
    q("insert into t values (1, 1), (2, 0), (3, 5)")
    q("insert into u values (1, 10)")
    assert changes(q, "s", "1, 3") == [(1, 1, 10, "INSERT", False), (1, 1, None, "INSERT", False),
                                        (3, 5, None, "INSERT", False)]
    q("create table sink as select a from s")
    q("update t set b = 2 where a = 1")  # one base row, two view rows
    assert changes(q, "s", "1, 3") == [(1, 1, 10, "DELETE", True), (1, 2, 10, "INSERT", True),
                                        (1, 1, None, "DELETE", True), (1, 2, None, "INSERT", True)]


def test_renaming_the_view_keeps_its_stream_and_row_ids(q):
    q("create table t (a int)")
    q("create view v as select a from t where a > 0")
    q("create stream s on view v")
    q("insert into t values (1)")
    before = q("select a, metadata$row_id from s")
    q("alter view v rename to w")
    assert q("select a, metadata$row_id from s") == before  # "renaming the source does not break the stream"
    assert q("show streams like 'S'")[0][6] == "CDCSIM.PUBLIC.W"
    q("create stream s2 on view w")
    q("insert into t values (2)")
    assert q("select metadata$row_id from s where a = 2") == q("select metadata$row_id from s2")  # one id per row
