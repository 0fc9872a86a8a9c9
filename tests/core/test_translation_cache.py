"""The translation cache and literal templates (cdcsim/sql/template.py) never change a result.

A cached translation depends on more than the statement text: the current database and schema
(unqualified names, CURRENT_SCHEMA()) and the catalog (which names are streams, which tables are
tracked and their columns). These tests change each of those between executions of the same text,
or of the same shape with other literals, and check the statement means what it says now.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import cdcsim
import cdcsim.session
from cdcsim.sql import template
from cdcsim.sql.translate import translate


@pytest.fixture
def parses(monkeypatch):
    """Count the statements the session hands to the sqlglot translator."""
    seen: list[str] = []
    real = cdcsim.session.translate

    def counting(text, ctx):
        seen.append(text)
        return real(text, ctx)

    monkeypatch.setattr(cdcsim.session, "translate", counting)
    return seen


def test_bind_parameters_translate_once(q, parses):
    q("create table t (id int, name string)")
    parses.clear()
    for i in range(5):
        q("insert into t (id, name) values (?, ?)", [i, f"n{i}"])
        q("insert into t (id, name) values (%s, %s)", (i + 10, f"m{i}"))
    assert q("select count(*), count(distinct name) from t") == [(10, 10)]
    assert parses.count("insert into t (id, name) values (?, ?)") == 1  # both styles become this text
    assert len(parses) == 2  # and the final SELECT


def test_literals_only_statements_share_one_translation(q, parses):
    q("create table t (id int, name string, price number(10, 2))")
    parses.clear()
    for i in range(20):
        q(f"insert into t (id, name, price) values ({i}, 'it''s {i}', {i}.25)")
    for i in range(0, 20, 2):
        q(f"update t set name = 'even', price = -{i}.5 where id = {i}")
    for i in range(15, 20):
        q(f"delete from t where id in ({i}, -1) or id between {i + 100} and {i + 200}")
    # Each shape: two ordinary translations, then its template (one more translation), then none.
    assert len(parses) == 3 * 3
    rows = q("select id, name, price from t order by id")
    assert rows == [(i, "even", Decimal(f"-{i}.50")) if i % 2 == 0 else (i, f"it's {i}", Decimal(f"{i}.25"))
                    for i in range(15)]


def test_use_schema_changes_what_a_cached_statement_reads(q):
    """``T`` is a stream in schema A and a table in schema B: the same text must follow USE."""
    q("create schema a")
    q("create table base (id int, v string)")
    q("create stream t on table base")
    q("insert into base values (1, 'from stream'), (2, 'from stream')")
    q("create schema b")
    q("create table t (id int, v string)")
    q("insert into t values (1, 'from table'), (2, 'from table')")
    for schema, expected in [("a", "from stream"), ("b", "from table"), ("a", "from stream"), ("b", "from table")]:
        q(f"use schema {schema}")
        for i in (1, 2, 1, 2):
            assert q(f"select v from t where id = {i}") == [(expected,)]
        assert q("select current_schema()") == [(schema.upper(),)]


def test_replaced_table_is_not_read_through_a_stale_translation(q):
    """INSERT without a column list into a tracked table gets an explicit list from the table's
    columns at translation time: a replacement with other columns must be seen."""
    q("create table t (a int, b string)")
    q("create stream s on table t")
    for i in range(4):
        q(f"insert into t values ({i}, 'b{i}')")
    q("create or replace table t (x int, y string)")
    q("create or replace stream s on table t")
    for i in range(4):
        q(f"insert into t values ({i}, 'y{i}')")
    assert q("select x, y from t order by x") == [(i, f"y{i}") for i in range(4)]
    q("alter table t rename column y to z")
    for i in range(4, 7):
        q(f"insert into t values ({i}, 'z{i}')")
    assert q("select x, z from t where x >= 4 order by x") == [(4, "z4"), (5, "z5"), (6, "z6")]
    assert len(q("select * from s")) == 7


def test_a_table_replaced_by_a_stream_source_change(q):
    """A name that becomes a stream after a statement was cached and templated."""
    q("create table src (id int)")
    q("insert into src values (1), (2), (3)")
    q("create table x (id int)")
    q("insert into x values (7)")
    for i in (1, 2, 3):
        assert q(f"select count(*) from x where id <> {i}") == [(1,)]
    q("drop table x")
    q("create stream x on table src show_initial_rows = true")
    for i in (1, 2, 3):
        assert q(f"select count(*) from x where id <> {i}") == [(2,)]


@pytest.mark.parametrize("make", [
    lambda i: f"select {i} + {i}",  # a select-list item is named after its text
    lambda i: f"select id from t order by id limit {i}",
    lambda i: f"select to_char(ts, '{['YYYY', 'MM', 'DD', 'HH24'][i]}') from t",  # format strings are translated
    lambda i: f"select dateadd('{['day', 'month', 'year', 'hour'][i]}', 1, ts) from t",
    lambda i: f"select arr[{i}] from (select [10, 20, 30, 40] as arr)",  # 0-based in Snowflake
    lambda i: f"select id from t where ts > '2025-09-0{i + 1}'::timestamp",
])
def test_value_dependent_shapes_are_translated_each_time(q, con, make):
    q("create table t (id int, ts timestamp)")
    q("insert into t values (1, '2025-09-03 11:00:00'), (2, '2025-09-04 12:30:00')")
    s = con._session
    for i in range(4):
        text = make(i)
        got = con.cursor().execute(text)
        direct = translate(text, s.context())
        assert template.same(s.translate(text), direct)
        assert got.fetchall() == [tuple(r) for r in s.duck.execute(s._resolve_tokens(direct)).fetchall()]
    q("select 1 + 1")
    assert con.cursor().execute("select 2 + 2").description[0][0] == "2 + 2"


@pytest.mark.parametrize("shape", [
    "insert into t (id, name, price) values ({n}, {s}, {d})",
    "insert into t values ({n}, {s}, {d}, '2025-09-03 11:00:00'), (-{n}, {s}, -{d}, null)",
    "update t set name = {s}, price = {d} where id = {n}",
    "update t set name = {s} where id in ({n}, {n2}) and price between {d} and {d2}",
    "delete from t where name = {s} or id >= {n}",
    "select id, name from t where name <> {s} and price < {d} and \"ID\" = {n}",
    "select t.id from t join t as u on u.id = t.id where u.name = {s} and t.id = {n}",
    "select * from s where id = {n}",
])
def test_templates_render_exactly_the_direct_translation(q, con, shape):
    q("create table t (id int, name string, price number(38, 2), ts timestamp)")
    q("create stream s on table t")
    s = con._session
    values = [
        dict(n="1", n2="2", s="'a'", d="1.50", d2="2.5"),
        dict(n="22", n2="0", s="'it''s'", d="0.0", d2="10"),
        dict(n="333", n2="4", s="''", d="12345678901234567890.12", d2="7"),
        dict(n="4", n2="5", s="'é \"x\" 42 ?'", d="007", d2="00.10"),
        dict(n="5", n2="6", s="'multi\nline'", d="3", d2="4"),
    ]
    for v in values:
        text = shape.format(**v)
        assert template.same(s.translate(text), translate(text, s.context())), text
        con.cursor().execute(text)
    shape_key = template.lift(shape.format(**values[0]))
    assert shape_key is not None
    assert any(isinstance(e.value, template.Template) for e in s._templates.values())


@pytest.mark.parametrize("text", [
    "select 'a' -- 'b'",
    "select 'a\\'b' from t where id = 1",
    "select $$x$$ where 1 = 1",
    "select x'0A' where 1 = 1",
    "select \"a'b\" from t where id = 1 and name = 'c",
    "select id from t",
])
def test_texts_the_scanner_cannot_read_safely_are_not_lifted(text):
    assert template.lift(text) is None


def test_lift_skips_quoted_identifiers_and_names_with_digits():
    text = 'select "a\'1" , t2.c3 from t2 where "x""y" = \'q\'\'r\' and n = 1.5 and m = 1e5'
    assert template.lift(text) == (
        'select "a\'1" , t2.c3 from t2 where "x""y" = \'__CDCSIM_L0s__\' and n = \'__CDCSIM_L1n__\' and m = 1e5',
        ["'q''r'", "1.5"])


def test_unrelated_ddl_keeps_translations_related_ddl_renews_them(q, parses):
    q("create table t (id int, v string)")
    q("insert into t values (1, 'a')")
    parses.clear()
    assert q("select * from t") == [(1, "a")]
    q("create table other (x int)")  # DDL elsewhere: the cached translation still holds
    assert q("select * from t") == [(1, "a")]
    assert parses.count("select * from t") == 1
    # A stream makes T tracked (a hidden row-id column appears): ``*`` must be translated again.
    q("create stream s on table t")
    assert q("select * from t") == [(1, "a")]
    assert parses.count("select * from t") == 2


def test_insert_without_columns_follows_added_columns(q):
    q("create table t (a int, b string)")
    q("create stream s on table t")
    for i in range(3):
        q(f"insert into t values ({i}, 'x{i}')")
    q("alter table t add column c int")
    with pytest.raises(cdcsim.Error):
        q("insert into t values (9, 'x9')")  # three columns now, as in Snowflake
    q("insert into t values (9, 'x9', 90)")
    assert q("select a, b, c from t where a = 9") == [(9, "x9", 90)]


def test_importing_cdcsim_loads_both_sqlglot_dialects() -> None:
    """sqlglot loads a dialect on first use and publishes its class before it is fully set up: two
    threads translating their first statements at once (scheduler and user) must not race on that,
    so importing cdcsim loads both dialects up front (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import cdcsim\nfrom sqlglot.dialects.dialect import Dialect\n"
            "print(sorted(k for k in ('duckdb', 'snowflake') if k in Dialect._classes))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['duckdb', 'snowflake']"
