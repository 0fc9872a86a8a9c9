"""Examples from Snowflake's pages on streams and the CHANGES clause, run as documented.

Each test reproduces an example (or a rule stated next to one) that cdcsim did not follow, and
asserts the documented outcome. Pages: user-guide/streams-intro (S1), sql-reference/sql/create-stream
(S2), user-guide/streams-examples (S3), sql-reference/sql/show-streams (S4), user-guide/streams-manage
(S7), sql-reference/functions/system_stream_get_table_timestamp. Where a page is silent the choice
is marked [INFER] in the test's docstring.
"""

from __future__ import annotations

import pytest

import cdcsim

META = "metadata$action, metadata$isupdate"


# ---------------------------------------------------------------- S1: streams on views with joins
def test_view_natural_join_stream_example(q):
    """S1 "Join results behavior": the view over ``orders natural join customers`` is made before
    the stream that turns change tracking on for both tables. The view keeps returning its rows
    (the tables' hidden row-id column must not join or shift them) and the stream shows the
    documented Δorders x customers + orders x Δcustomers + Δorders x Δcustomers rows."""
    q("create or replace table orders (id int, order_name varchar)")
    q("create or replace table customers (id int, customer_name varchar)")
    q("create or replace view ordersByCustomer as select * from orders natural join customers")
    q("insert into orders values (1, 'order1')")
    q("insert into customers values (1, 'customer1')")
    q("create or replace stream ordersByCustomerStream on view ordersBycustomer")
    assert q("select * from ordersByCustomer") == [(1, "order1", "customer1")]
    assert q("select * exclude metadata$row_id from ordersByCustomerStream") == []
    assert [d[0] for d in q.cur.description] == ["ID", "ORDER_NAME", "CUSTOMER_NAME", "METADATA$ACTION",
                                                 "METADATA$ISUPDATE"]

    q("insert into orders values (1, 'order2')")
    assert sorted(q("select * from ordersByCustomer")) == [(1, "order1", "customer1"), (1, "order2", "customer1")]
    assert q("select * exclude metadata$row_id from ordersByCustomerStream") == [
        (1, "order2", "customer1", "INSERT", False)]

    q("insert into customers values (1, 'customer2')")
    assert sorted(q("select * from ordersByCustomer")) == [
        (1, "order1", "customer1"), (1, "order1", "customer2"), (1, "order2", "customer1"),
        (1, "order2", "customer2")]
    assert sorted(q("select * exclude metadata$row_id from ordersByCustomerStream")) == [
        (1, "order1", "customer2", "INSERT", False), (1, "order2", "customer1", "INSERT", False),
        (1, "order2", "customer2", "INSERT", False)]


@pytest.mark.parametrize("select", [
    "select * from orders o join customers c on o.id = c.cid",
    "select o.*, c.cid, c.customer_name from orders o join customers c on o.id = c.cid",
    "select *, 'x' as tag from orders o join customers c on o.id = c.cid",
])
def test_star_view_keeps_its_values_once_a_stream_tracks_its_table(q, select):
    """A view's columns are fixed at creation; a stream created later on its first table (which
    gains a hidden row-id column) must not shift the values of the columns after it."""
    q("create table orders (id int, order_name varchar)")
    q("create table customers (cid int, customer_name varchar)")
    q("insert into orders values (1, 'order1')")
    q("insert into customers values (1, 'customer1')")
    q(f"create view v as {select}")
    before = q("select * from v")
    q("create stream s on table orders")
    assert q("select * from v") == before
    q("create stream s2 on table customers")
    assert q("select * from v") == before
    q("insert into orders values (2, 'order2')")
    q("insert into customers values (2, 'customer2')")
    assert len(q("select * from v")) == 2


def test_view_over_tables_tracked_later_still_has_a_stream(q):
    """The same kind of view (made before tracking) can still have a stream, which shows a change
    as the view rows it changes (S3 "Stream on a view with multi-table joins": a DELETE of one
    bird is two DELETE rows)."""
    q("create table birds (id number, common varchar(100))")
    q("create table sightings (loc varchar(100), b_id number)")
    q("create view bird_sightings as select * from birds b inner join sightings s on b.id = s.b_id")
    q("insert into birds values (1, 'Scarlet Tanager'), (14, 'Mallard')")
    q("insert into sightings values ('Gibson Island', 1), ('Lake Los Pajaro', 14), ('Gibson Island', 14)")
    q("create stream bs on view bird_sightings")
    q("delete from birds where id = 14")
    assert sorted(q(f"select id, common, loc, b_id, {META} from bs")) == [
        (14, "Mallard", "Gibson Island", 14, "DELETE", False),
        (14, "Mallard", "Lake Los Pajaro", 14, "DELETE", False)]
    assert q("select * from bird_sightings") == [(1, "Scarlet Tanager", "Gibson Island", 1)]


# ------------------------------------------------------------ S7: enable change tracking on views
def test_create_view_with_change_tracking_example(q):
    """S7: ``CREATE SECURE VIEW v CHANGE_TRACKING = TRUE AS SELECT col1, col2 FROM t`` turns change
    tracking on for the view (SHOW VIEWS says ON) and its underlying tables, as ALTER VIEW ... SET
    CHANGE_TRACKING = TRUE does."""
    q("create table t (col1 string, col2 number)")
    q("create secure view v change_tracking = true as select col1, col2 from t")
    q("create view w change_tracking = true comment = 'kept' as select col1 from t")
    q("create view x as select col1 from t")
    views = {r[1]: (r[6], r[8], r[11]) for r in q("show views")}
    assert views == {"V": (None, "true", "ON"), "W": ("kept", "false", "ON"), "X": (None, "false", "OFF")}
    assert [r[12] for r in q("show tables like 'T'")] == ["ON"]


def test_create_view_with_change_tracking_needs_a_view_a_stream_can_be_on(q):
    """[INFER] As ALTER VIEW ... SET CHANGE_TRACKING = TRUE, a view a stream cannot be on fails,
    naming the construct, and is not created."""
    q("create table t (col1 string, col2 number)")
    with pytest.raises(cdcsim.ProgrammingError, match="it uses GROUP BY"):
        q("create view g change_tracking = true as select col1, count(*) n from t group by col1")
    assert q("show views like 'G'") == []


# --------------------------------------------------------- S3: DML operations in explicit transactions
def test_json_elt_example_loads_variant_text_into_varchar(q):
    """S3: ``f.value:y1`` inserted into ``data_prod2.color VARCHAR`` shows ``green``, not the JSON
    text ``"green"``. [INFER] Only a path written as a SELECT column is converted."""
    q("create or replace table data_staging (raw variant)")
    q("create or replace stream data_check on table data_staging")
    q("create or replace table data_prod2 (id number(8), color varchar, num number)")
    q("""insert into data_staging select parse_json('{"id": 7077, "x1": "2018-08-14T20:57:01-07:00",
         "x2": [{"y1": "green", "y2": "35"}]}')""")
    q("""insert into data_staging select parse_json('{"id": 7078, "x1": "2018-08-14T21:07:26-07:00",
         "x2": [{"y1": "cyan", "y2": "107"}]}')""")
    q("begin")
    q("""insert into data_prod2 (id, color, num)
         select t.raw:id, f.value:y1, f.value:y2
         from data_check t, lateral flatten(input => raw:x2) f
         where metadata$action = 'INSERT'""")
    q("commit")
    assert sorted(q("select * from data_prod2")) == [(7077, "green", 35), (7078, "cyan", 107)]
    assert q("select * from data_check") == []
    # a whole VARIANT column and a VARIANT target keep the JSON text
    q("create table copies (raw_text varchar, raw variant)")
    q("insert into copies select raw:x2[0].y1, raw:x2[0].y1 from data_staging where raw:id = 7077")
    assert q("select raw_text, raw from copies") == [("green", '"green"')]


# ------------------------------------------------------------------------- S2: CREATE OR ALTER STREAM
def test_create_or_alter_stream_example(q):
    """S2: ``CREATE OR ALTER STREAM mystream ON TABLE mytable COMMENT = '...'`` creates the stream,
    and on an existing one changes only the comment, keeping its offset. [INFER] An altered
    stream answers "Statement executed successfully." and a left-out COMMENT is unset, as CREATE
    OR ALTER unsets what the definition leaves out."""
    q("create table mytable (id int)")
    assert q("CREATE OR ALTER STREAM mystream ON TABLE mytable COMMENT = 'Tracks DML changes on mytable'") == [
        ("Stream MYSTREAM successfully created.",)]
    assert q("show streams like 'MYSTREAM'")[0][5] == "Tracks DML changes on mytable"
    q("insert into mytable values (1)")
    assert q("create or alter stream mystream on table mytable comment = 'new'") == [
        ("Statement executed successfully.",)]
    assert q("desc stream mystream")[0][5] == "new"
    assert q(f"select id, {META} from mystream") == [(1, "INSERT", False)]  # the offset did not move
    q("create or alter stream mystream on table mytable")
    assert q("desc stream mystream")[0][5] is None


@pytest.mark.parametrize(("change", "what"), [
    ("on table other", "source object"),
    ("on table mytable append_only = true", "APPEND_ONLY setting"),
    ("on table mytable show_initial_rows = true", "SHOW_INITIAL_ROWS setting"),
])
def test_create_or_alter_stream_cannot_change_source_or_type(q, change, what):
    """S2: "The source object ..., APPEND_ONLY setting, and INSERT_ONLY setting can't be changed
    for an existing stream." [INFER] Nor can SHOW_INITIAL_ROWS (ALTER STREAM cannot set it); the
    statement fails naming the stream and changes nothing."""
    q("create table mytable (id int)")
    q("create table other (id int)")
    q("create stream mystream on table mytable comment = 'kept'")
    with pytest.raises(cdcsim.ProgrammingError, match=f"cannot change the {what} of stream 'MYSTREAM'"):
        q(f"create or alter stream mystream {change} comment = 'changed'")
    assert q("desc stream mystream")[0][5:7] == ("kept", "CDCSIM.PUBLIC.MYTABLE")


def test_create_or_alter_stream_takes_no_time_travel(q):
    """[INFER] CREATE OR ALTER STREAM's syntax has neither IF NOT EXISTS nor AT | BEFORE [S2]."""
    q("create table mytable (id int)")
    q("create stream old on table mytable")
    for sql in ("create or alter stream mystream on table mytable at(stream => 'old')",
                "create or alter stream if not exists mystream on table mytable"):
        with pytest.raises(cdcsim.ProgrammingError, match=r"takes neither IF NOT EXISTS nor AT \| BEFORE") as e:
            q(sql)
        assert e.value.errno == 1003


def test_create_stream_with_tag_is_accepted(q):
    """S2 syntax: ``CREATE STREAM <name> [ [ WITH ] TAG ( ... ) ] [ COPY GRANTS ] ON TABLE ...``.
    [INFER] Tags are accepted with no effect, as on tables."""
    q("create table mytable (id int)")
    q("create stream s1 with tag (cost_center = 'sales', note = 'a (b)') on table mytable")
    q("create stream s2 tag (cost_center = 'sales') copy grants on table mytable append_only = true")
    assert [(r[1], r[11]) for r in q("show streams")] == [("S1", "DEFAULT"), ("S2", "APPEND_ONLY")]


# ------------------------------------------------------------------------------- S4: SHOW STREAMS
def test_show_streams_in_schema_without_keyword(q):
    """S4's example ``SHOW STREAMS LIKE 'line%' IN tpch.public``: "The DATABASE or SCHEMA keyword
    is not required; you can set the scope by specifying only the database or schema name"."""
    q("create database tpch")
    q("create table tpch.public.lineitem (id int)")
    q("create stream tpch.public.lineitem_s on table tpch.public.lineitem")
    q("create stream tpch.public.orders_s on table tpch.public.lineitem")
    q("create database other")
    assert [(r[1], r[2], r[3]) for r in q("SHOW STREAMS LIKE 'line%' IN tpch.public")] == [
        ("LINEITEM_S", "TPCH", "PUBLIC")]
    assert q("show streams like 'line%'") == []  # the current database is OTHER
    q("use database tpch")
    assert [r[1] for r in q("show terse streams in public")] == ["LINEITEM_S", "ORDERS_S"]


# ------------------------------------------------------------ SYSTEM$STREAM_GET_TABLE_TIMESTAMP
def test_stream_get_table_timestamp_fails_on_a_view_stream(q):
    """"This function returns an error when the input is a stream on a view." [INFER] The text is
    cdcsim's; it names the stream and the recommended AT(STREAM => ...)."""
    q("create table MYTABLE1 (id int)")
    q("create view v1 as select * from MYTABLE1")
    q("create stream vs on view v1")
    q("create stream ts on table MYTABLE1")
    assert q("select system$stream_get_table_timestamp('ts')")[0][0] > 0
    with pytest.raises(cdcsim.ProgrammingError, match=r"stream 'VS' on a view.*AT\(STREAM => 'VS'\)"):
        q("select system$stream_get_table_timestamp('vs')")
