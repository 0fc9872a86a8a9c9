"""OBJECT_CONSTRUCT / OBJECT_CONSTRUCT_KEEP_NULL (cdcsim/sql/objects.py): NULL keys and (without
KEEP_NULL) NULL values are left out, keys may be any expression, the wildcard forms build the
object from the row's columns, and keys come out sorted. Examples from Snowflake's documentation
[DOC: sql-reference/functions/object_construct, object_construct_keep_null]."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdcsim import DataError


def test_the_documented_difference_between_the_two_functions(q):
    assert q("SELECT OBJECT_CONSTRUCT('key_1', 'one', 'key_2', NULL), "
             "OBJECT_CONSTRUCT_KEEP_NULL('key_1', 'one', 'key_2', NULL), "
             "OBJECT_CONSTRUCT_KEEP_NULL('key_1', 'one', NULL, 'two')") == [
        ('{"key_1":"one"}', '{"key_1":"one","key_2":null}', '{"key_1":"one"}')]


def test_a_variant_null_is_a_value_and_keys_come_out_sorted(q):
    assert q("SELECT OBJECT_CONSTRUCT('b', 1, 'a', PARSE_JSON('null')), OBJECT_CONSTRUCT()") == [
        ('{"a":null,"b":1}', "{}")]


@pytest.fixture
def provinces(con):
    con.execute_string("""
        CREATE TABLE demo (province VARCHAR, created_date DATE, n INT);
        INSERT INTO demo VALUES ('Manitoba', '2020-01-18', 1), ('Alberta', '2020-01-19', 2),
                                (NULL, '2020-01-20', 3), ('British Columbia', NULL, 4);
    """)


@pytest.mark.parametrize("tracked", [False, True], ids=["untracked", "tracked"])
def test_the_wildcard_forms_use_the_row_columns(con, q, provinces, tracked):
    if tracked:  # the hidden row-id column must not show
        con.execute_string("CREATE STREAM demo_s ON TABLE demo")
    rows = q("SELECT OBJECT_CONSTRUCT(*), OBJECT_CONSTRUCT_KEEP_NULL(*), OBJECT_CONSTRUCT(d.* EXCLUDE n) "
             "FROM demo AS d ORDER BY n")
    assert [json.loads(r[0]) for r in rows] == [
        {"CREATED_DATE": "2020-01-18", "N": 1, "PROVINCE": "Manitoba"},
        {"CREATED_DATE": "2020-01-19", "N": 2, "PROVINCE": "Alberta"},
        {"CREATED_DATE": "2020-01-20", "N": 3},
        {"N": 4, "PROVINCE": "British Columbia"}]
    assert json.loads(rows[3][1]) == {"CREATED_DATE": None, "N": 4, "PROVINCE": "British Columbia"}
    assert json.loads(rows[2][2]) == {"CREATED_DATE": "2020-01-20"}
    assert q("SELECT OBJECT_CONSTRUCT(* ILIKE 'pro%'), OBJECT_CONSTRUCT_KEEP_NULL(d.* ILIKE '%DATE') "
             "FROM demo AS d WHERE n = 4") == [('{"PROVINCE":"British Columbia"}', '{"CREATED_DATE":null}')]


def test_keys_from_columns_paths_and_variant_columns(con, q, provinces):
    assert q("SELECT OBJECT_CONSTRUCT(province, n) FROM demo ORDER BY n") == [
        ('{"Manitoba":1}',), ('{"Alberta":2}',), ("{}",), ('{"British Columbia":4}',)]
    assert q("SELECT OBJECT_CONSTRUCT('o', OBJECT_CONSTRUCT('p', province)):o:p::STRING FROM demo ORDER BY n") == [
        ("Manitoba",), ("Alberta",), (None,), ("British Columbia",)]
    con.execute_string("CREATE TABLE audit (payload VARIANT); "
                       "INSERT INTO audit SELECT OBJECT_CONSTRUCT('id', n, 'was', province) FROM demo;")
    assert q("SELECT payload:id::INT, payload:was::STRING, TYPEOF(payload) FROM audit ORDER BY 1") == [
        (1, "Manitoba", "OBJECT"), (2, "Alberta", "OBJECT"), (3, None, "OBJECT"), (4, "British Columbia", "OBJECT")]


def test_a_repeated_key_fails(q):
    with pytest.raises(DataError, match="Duplicate field key"):
        q("SELECT OBJECT_CONSTRUCT('a', 1, 'a', 2)")


PAIRS = st.lists(st.tuples(st.one_of(st.none(), st.sampled_from("abcdefgh")),
                           st.one_of(st.none(), st.integers(-1000, 1000), st.text("xyz", max_size=3))),
                 max_size=6, unique_by=lambda p: p[0] or object())


def _sql(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + v + "'"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=PAIRS)
def test_objects_match_a_reference_model(q, pairs):
    args = ", ".join(f"{_sql(k)}, {_sql(v)}" for k, v in pairs)
    got, got_keep = q(f"SELECT OBJECT_CONSTRUCT({args}), OBJECT_CONSTRUCT_KEEP_NULL({args})")[0]
    want = {k: v for k, v in pairs if k is not None and v is not None}
    want_keep = {k: v for k, v in pairs if k is not None}
    assert json.loads(got) == want and list(json.loads(got)) == sorted(want)
    assert json.loads(got_keep) == want_keep and list(json.loads(got_keep)) == sorted(want_keep)


def test_a_number_of_scale_zero_is_an_integer_in_a_variant(con, q):
    con.execute_string("CREATE TABLE nums (k VARCHAR, n NUMBER(10, 0), m NUMBER(10, 2)); "
                       "INSERT INTO nums VALUES ('a', 5, 2.50);")
    assert q("SELECT n::VARIANT, TO_VARIANT(n), TYPEOF(n::VARIANT), m::VARIANT, TYPEOF(m::VARIANT), "
             "OBJECT_CONSTRUCT('n', n, 'm', m) FROM nums") == [("5", "5", "INTEGER", "2.5", "DECIMAL", '{"m":2.5,"n":5}')]
    assert q("SELECT OBJECT_AGG(k, n) FROM nums") == [('{"a":5}',)]


def test_object_insert_delete_and_pick_on_any_object(con, q):
    # [DOC: sql-reference/functions/object_insert, object_delete, object_pick]
    con.execute_string("""CREATE TABLE o (obj OBJECT, k VARCHAR, ks ARRAY);
        INSERT INTO o SELECT PARSE_JSON('{"x": 1, "y": 2}'), 'y', ARRAY_CONSTRUCT('x');""")
    assert q("SELECT OBJECT_INSERT(OBJECT_CONSTRUCT('b', 1), 'a', 2), OBJECT_INSERT(obj, 'x', 5, TRUE), "
             "OBJECT_INSERT(obj, 'z', NULL), OBJECT_INSERT(obj, 'n', PARSE_JSON('null')) FROM o") == [
        ('{"a":2,"b":1}', '{"x":5,"y":2}', '{"x":1,"y":2}', '{"n":null,"x":1,"y":2}')]
    assert q("SELECT OBJECT_DELETE(obj, k), OBJECT_DELETE(obj, 'x', 'y'), OBJECT_PICK(obj, k), OBJECT_PICK(obj, ks), "
             "OBJECT_PICK(OBJECT_CONSTRUCT('a', 1, 'b', 2, 'c', 3), ARRAY_CONSTRUCT('a', 'c')) FROM o") == [
        ('{"x":1}', "{}", '{"y":2}', '{"x":1}', '{"a":1,"c":3}')]
    with pytest.raises(DataError, match="Duplicate field key 'x'"):
        q("SELECT OBJECT_INSERT(obj, 'x', 9) FROM o")
