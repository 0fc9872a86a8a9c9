"""Examples from Snowflake's documentation of semi-structured functions and window functions,
run as written, with the documented outcome [DOC: sql-reference/functions/flatten, parse_json,
check_json, get, array_construct, array_contains, object_insert, object_construct;
user-guide/querying-semistructured; sql-reference/functions-window-syntax].

cdcsim gives a VARIANT, OBJECT or ARRAY value as compact JSON text with keys sorted, where
Snowflake's console pretty-prints it; the values are the same. Choices where the documentation is
ambiguous or cdcsim cannot follow it are marked [INFER]:

* FLATTEN's SEQ is NULL (a lateral subquery cannot number its input rows); the page shows 1.
* FLATTEN ... OUTER => TRUE over an empty compound gives the compound as THIS and '' as PATH, as
  the page's ``FLATTEN(INPUT => PARSE_JSON('[]'), OUTER => TRUE)`` shows (its usage note says THIS
  is NULL there; the example is followed).
* An ARRAY column keeps no difference between a NULL element and a JSON null, so ARRAY_CONTAINS
  of a NULL finds either there; a constructed array tells them apart as the page does.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

CAR_SALES = """
CREATE OR REPLACE TABLE car_sales
(
  src variant
)
AS
SELECT PARSE_JSON(column1) AS src
FROM VALUES
('{
    "date" : "2017-04-28",
    "dealership" : "Valley View Auto Sales",
    "salesperson" : {
      "id": "55",
      "name": "Frank Beasley"
    },
    "customer" : [
      {"name": "Joyce Ridgely", "phone": "16504378889", "address": "San Francisco, CA"}
    ],
    "vehicle" : [
      {"make": "Honda", "model": "Civic", "year": "2017", "price": "20275", "extras":["ext warranty", "paint protection"]}
    ]
}'),
('{
    "date" : "2017-04-28",
    "dealership" : "Tindel Toyota",
    "salesperson" : {
      "id": "274",
      "name": "Greg Northrup"
    },
    "customer" : [
      {"name": "Bradley Greenbloom", "phone": "12127593751", "address": "New York, NY"}
    ],
    "vehicle" : [
      {"make": "Toyota", "model": "Camry", "year": "2017", "price": "23500", "extras":["ext warranty", "rust proofing", "fabric protection"]}
    ]
}') v;
"""


def test_flattened_values_cast_to_string_lose_their_quotes(con, q):
    """querying-semistructured: "Using the FLATTEN function to parse nested arrays"."""
    con.execute_string(CAR_SALES)
    assert q("""SELECT
  vm.value:make::string as make,
  vm.value:model::string as model,
  ve.value::string as "Extras Purchased"
  FROM
    car_sales
    , LATERAL FLATTEN(INPUT => SRC:vehicle) vm
    , LATERAL FLATTEN(INPUT => vm.value:extras) ve
  ORDER BY make, model, "Extras Purchased";""") == [
        ("Honda", "Civic", "ext warranty"), ("Honda", "Civic", "paint protection"),
        ("Toyota", "Camry", "ext warranty"), ("Toyota", "Camry", "fabric protection"),
        ("Toyota", "Camry", "rust proofing")]
    assert q("SELECT src:dealership, src:dealership::VARCHAR FROM car_sales ORDER BY 2") == [
        ('"Tindel Toyota"', "Tindel Toyota"), ('"Valley View Auto Sales"', "Valley View Auto Sales")]


def test_columns_are_named_by_the_paths_casts_and_calls_as_written(con, q):
    """The pages' headers: ``SRC:DEALERSHIP``, ``SRC:DEALERSHIP::VARCHAR``, ``SRC:CUSTOMER[0].NAME``,
    ``ARRAY_CONSTRUCT(10, 20, 30)``, ``'SAMPLE'::VARIANT`` (sqlglot's GET_PATH(...), CAST(... AS ...)
    and ``[10, 20, 30]`` named them). [INFER] A statement writing both ``CAST(`` and ``::`` names
    every cast CAST(... AS ...)."""
    con.execute_string(CAR_SALES)
    q("SELECT src:dealership, src:dealership::VARCHAR, src:customer[0].name, GET_PATH(src, 'vehicle[0].make') "
      "FROM car_sales")
    assert [d[0] for d in q.cur.description] == [
        "SRC:DEALERSHIP", "SRC:DEALERSHIP::VARCHAR", "SRC:CUSTOMER[0].NAME", "GET_PATH(SRC, 'VEHICLE[0].MAKE')"]
    q("SELECT ARRAY_CONSTRUCT(10, 20, 30), 'Sample'::VARIANT")
    assert [d[0] for d in q.cur.description] == ["ARRAY_CONSTRUCT(10, 20, 30)", "'SAMPLE'::VARIANT"]
    q("SELECT CAST(1 AS VARCHAR), 2::VARCHAR")
    assert [d[0] for d in q.cur.description] == ["CAST(1 AS VARCHAR)", "CAST(2 AS VARCHAR)"]


def test_a_value_made_a_variant_and_cast_back_to_varchar_is_its_text(q):
    """data-types-semistructured: ``SELECT 'Sample', 'Sample'::VARIANT, 'Sample'::VARIANT::VARCHAR``."""
    assert q("SELECT 'Sample', 'Sample'::VARIANT, 'Sample'::VARIANT::VARCHAR, TO_VARCHAR(PARSE_JSON('\"x\"'))") == [
        ("Sample", '"Sample"', "Sample", "x")]


def test_get_on_an_array_an_object_and_a_variant(q):
    """GET: the table's OBJECT_CONSTRUCT takes ``'Kyiv'::VARIANT`` values inside TO_VARIANT (the
    inner casts were left a CAST to JSON, which failed to parse 'indoor')."""
    q("CREATE TABLE vartab (a ARRAY, o OBJECT, v VARIANT)")
    q("""INSERT INTO vartab (a, o, v)
  SELECT
    ARRAY_CONSTRUCT(2.71, 3.14),
    OBJECT_CONSTRUCT('Ukraine', 'Kyiv'::VARIANT,
                     'France',  'Paris'::VARIANT),
    TO_VARIANT(OBJECT_CONSTRUCT('weatherStationID', 42::VARIANT,
                     'timestamp', '2022-03-07 14:00'::TIMESTAMP_LTZ::VARIANT,
                     'temperature', 31.5::VARIANT,
                     'sensorType', 'indoor'::VARIANT))""")
    assert q("SELECT a, o FROM vartab") == [("[2.71,3.14]", '{"France":"Paris","Ukraine":"Kyiv"}')]
    assert q("SELECT GET(a, 0), GET(o, 'Ukraine'), GET(v, 'temperature'), v:sensorType::STRING FROM vartab") == [
        ("2.71", '"Kyiv"', "31.5", "indoor")]


def test_get_of_the_last_element_by_array_size(q):
    """querying-semistructured: ``GET(v, ARRAY_SIZE(v)-1)`` (ARRAY_SIZE was unsigned, and no
    json_extract took an unsigned index). [INFER] The page's keys are unquoted, which DuckDB's JSON
    parser refuses; they are quoted here."""
    q("CREATE OR REPLACE TABLE colors (v variant)")
    q("""INSERT INTO colors SELECT parse_json(column1) AS v FROM VALUES
     ('[{"r":255,"g":12,"b":0},{"r":0,"g":255,"b":0},{"r":0,"g":0,"b":255}]'),
     ('[{"c":0,"m":1,"y":1,"k":0},{"c":1,"m":0,"y":1,"k":0},{"c":1,"m":1,"y":0,"k":0}]') v""")
    # compared as JSON: PARSE_JSON keeps the keys in the order written (Snowflake shows them sorted)
    assert sorted((json.loads(v) for (v,) in q("SELECT GET(v, ARRAY_SIZE(v)-1) FROM colors")), key=len) == [
        {"b": 255, "g": 0, "r": 0}, {"c": 1, "k": 0, "m": 1, "y": 0}]


def test_ratio_to_report_of_a_number_is_a_number(con, q):
    """functions-window-syntax, introductory example: ``100 * RATIO_TO_REPORT(net_profit) OVER ()``
    of a NUMBER(9, 2) shows 22.72727300 (it was the FLOAT 22.727272727272727)."""
    con.execute_string("""
CREATE TRANSIENT TABLE store_sales (
    branch_ID    INTEGER,
    city        VARCHAR,
    gross_sales NUMERIC(9, 2),
    gross_costs NUMERIC(9, 2),
    net_profit  NUMERIC(9, 2)
    );
INSERT INTO store_sales (branch_ID, city, gross_sales, gross_costs)
    VALUES
    (1, 'Vancouver', 110000, 100000),
    (2, 'Vancouver', 140000, 125000),
    (3, 'Montreal', 150000, 140000),
    (4, 'Montreal', 155000, 146000);
UPDATE store_sales SET net_profit = gross_sales - gross_costs;
""")
    assert q("""SELECT branch_ID,
       net_profit,
       100 * RATIO_TO_REPORT(net_profit) OVER () AS percent_of_chain_profit
    FROM store_sales AS s1
    ORDER BY branch_ID""") == [
        (1, Decimal("10000.00"), Decimal("22.72727300")), (2, Decimal("15000.00"), Decimal("34.09090900")),
        (3, Decimal("10000.00"), Decimal("22.72727300")), (4, Decimal("9000.00"), Decimal("20.45454500"))]
    # a zero sum is still no ratio, and a FLOAT's ratio a FLOAT
    assert q("SELECT RATIO_TO_REPORT(x) OVER () FROM (SELECT 0::NUMBER(9, 2) AS x)") == [(None,)]
    assert sorted(q("SELECT RATIO_TO_REPORT(x) OVER () FROM (SELECT 2::FLOAT AS x UNION ALL SELECT 6)")) == [
        (0.25,), (0.75,)]


def _flatten(q, args: str) -> list[tuple]:
    return q(f"SELECT key, path, index, value, this FROM TABLE(FLATTEN({args})) f ORDER BY path")


def test_flatten_path_names_the_element_from_the_input(q):
    assert _flatten(q, """INPUT => PARSE_JSON('{"a":1, "b":[77,88]}'), PATH => 'b'""") == [
        (None, "b[0]", 0, "77", "[77,88]"), (None, "b[1]", 1, "88", "[77,88]")]


def test_flatten_outer_keeps_a_row_for_an_empty_compound(q):
    assert _flatten(q, "INPUT => PARSE_JSON('[]')") == []
    assert q("SELECT * FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[]'), OUTER => TRUE)) f") == [
        (None, None, "", None, None, "[]")]


def test_flatten_outer_over_rows_keeps_every_input_row(q):
    q("CREATE TABLE ev (id INT, v VARIANT)")
    q("""INSERT INTO ev SELECT 1, PARSE_JSON('{"items": [10, 20]}')
         UNION ALL SELECT 2, PARSE_JSON('{"items": []}') UNION ALL SELECT 3, NULL""")
    assert q("SELECT ev.id, f.index, f.value FROM ev, LATERAL FLATTEN(INPUT => v:items, OUTER => TRUE) f "
             "ORDER BY 1, 2") == [(1, 0, "10"), (1, 1, "20"), (2, None, None), (3, None, None)]


def test_flatten_recursive_and_mode(q):
    doc = """INPUT => PARSE_JSON('{"a":1, "b":[77,88], "c": {"d":"X"}}')"""
    whole = '{"a":1,"b":[77,88],"c":{"d":"X"}}'
    assert _flatten(q, doc + ", RECURSIVE => TRUE") == [
        ("a", "a", None, "1", whole), ("b", "b", None, "[77,88]", whole),
        (None, "b[0]", 0, "77", "[77,88]"), (None, "b[1]", 1, "88", "[77,88]"),
        ("c", "c", None, '{"d":"X"}', whole), ("d", "c.d", None, '"X"', '{"d":"X"}')]
    assert _flatten(q, doc + ", RECURSIVE => TRUE, MODE => 'OBJECT'") == [
        ("a", "a", None, "1", whole), ("b", "b", None, "[77,88]", whole),
        ("c", "c", None, '{"d":"X"}', whole), ("d", "c.d", None, '"X"', '{"d":"X"}')]
    assert _flatten(q, "INPUT => PARSE_JSON('[1, [2, {\"x\": 3}]]'), RECURSIVE => TRUE, MODE => 'ARRAY'") == [
        (None, "[0]", 0, "1", '[1,[2,{"x":3}]]'), (None, "[1]", 1, '[2,{"x":3}]', '[1,[2,{"x":3}]]'),
        (None, "[1][0]", 0, "2", '[2,{"x":3}]'), (None, "[1][1]", 1, '{"x":3}', '[2,{"x":3}]')]
    assert _flatten(q, "INPUT => PARSE_JSON('[1, 2]'), MODE => 'OBJECT'") == []


def test_flatten_recursive_lists_the_distinct_key_names(q):
    """querying-semistructured: "Using FLATTEN to list distinct key names" (RECURSIVE was refused)."""
    q("CREATE TABLE t (v VARIANT)")
    q("""INSERT INTO t SELECT PARSE_JSON('{"a": 1, "b": 2, "special" : "data"}')
         UNION ALL SELECT PARSE_JSON('{"c": 3, "d": 4, "normal" : "data"}')""")
    assert q("""SELECT REGEXP_REPLACE(f.path, '\\\\[[0-9]+\\\\]', '[]') AS "Path",
  TYPEOF(f.value) AS "Type",
  COUNT(*) AS "Count"
FROM t,
LATERAL FLATTEN(v, RECURSIVE=>true) f
GROUP BY 1, 2 ORDER BY 1, 2""") == [
        ("a", "INTEGER", 1), ("b", "INTEGER", 1), ("c", "INTEGER", 1), ("d", "INTEGER", 1),
        ("normal", "VARCHAR", 1), ("special", "VARCHAR", 1)]


def test_parse_json_of_an_empty_string_is_null_and_of_null_in_capitals_a_json_null(q):
    """PARSE_JSON: "called with an empty string, or with a string containing only whitespace
    characters, then the function returns NULL"; the OBJECT_CONSTRUCT page's ``PARSE_JSON('NULL')``
    is a JSON null."""
    assert q("SELECT PARSE_JSON(''), PARSE_JSON('  '), TRY_PARSE_JSON(' '), PARSE_JSON('NULL')") == [
        (None, None, None, "null")]
    q("CREATE TABLE raw (s VARCHAR)")
    q("INSERT INTO raw VALUES (''), (' \n'), ('{\"a\": 1}'), (NULL)")
    assert q("SELECT PARSE_JSON(s) FROM raw ORDER BY 1 NULLS LAST") == [('{"a":1}',), (None,), (None,), (None,)]
    assert q("SELECT OBJECT_CONSTRUCT('Key_One', PARSE_JSON('NULL'), 'Key_Two', NULL, 'Key_Three', 'null') AS obj") == [
        ('{"Key_One":null,"Key_Three":"null"}',)]


def test_check_json_of_a_varchar_and_of_a_variant_holding_the_text(con, q):
    """CHECK_JSON: the same check for a VARCHAR column and a VARIANT column holding the strings
    (the VARIANT query failed). [INFER] The message is 'Invalid JSON' where Snowflake names the
    parser's complaint ('misplaced }, pos 32')."""
    con.execute_string("""
CREATE TABLE sample_json_table (ID INTEGER, varchar1 VARCHAR, variant1 VARIANT);
INSERT INTO sample_json_table (ID, varchar1) VALUES
    (1, '{"ValidKey1": "ValidValue1"}'),
    (2, '{"Malformed -- Missing value": }'),
    (3, NULL)
    ;
UPDATE sample_json_table SET variant1 = varchar1::VARIANT;
""")
    expected = [(1, None), (2, "Invalid JSON"), (3, None)]
    assert q("SELECT ID, CHECK_JSON(varchar1) FROM sample_json_table ORDER BY ID") == expected
    assert q("SELECT ID, CHECK_JSON(variant1) FROM sample_json_table ORDER BY ID") == expected
    assert q("SELECT CHECK_JSON(''), CHECK_JSON(PARSE_JSON('{\"a\": 1}'))") == [(None, None)]


def test_array_construct_of_values_of_different_kinds(q):
    """ARRAY_CONSTRUCT / ARRAY_CONSTRUCT_COMPACT of a NULL, a JSON null, a string and numbers (DuckDB's
    list takes one element type and failed). Snowflake shows the NULL as ``undefined``; in JSON it
    is ``null``."""
    assert q("SELECT ARRAY_CONSTRUCT(NULL, PARSE_JSON('null'), 'hello', 3::DOUBLE, 4, 5)") == [
        ('[null,null,"hello",3.0,4,5]',)]
    assert q("SELECT ARRAY_CONSTRUCT_COMPACT(null,'hello',3::double,4,5)") == [('["hello",3.0,4,5]',)]
    # elements of one kind stay a list, as before
    assert q("SELECT ARRAY_CONSTRUCT(10, 20, 30), ARRAY_CONSTRUCT(NULL, 'a')") == [([10, 20, 30], [None, "a"])]
    assert q("SELECT ARRAY_SIZE(ARRAY_CONSTRUCT(1, 'a', OBJECT_CONSTRUCT('k', 1))), "
             "ARRAY_CONSTRUCT(1, 'a', OBJECT_CONSTRUCT('k', 1))[2]:k") == [(3, "1")]


@pytest.mark.parametrize(("value", "array", "expected"), [
    ("'hello'::VARIANT", "ARRAY_CONSTRUCT('hello', 'hi')", True),
    ("'hello'::VARIANT", "ARRAY_CONSTRUCT('hola', 'bonjour')", False),
    ("NULL", "ARRAY_CONSTRUCT('hola', 'bonjour')", None),
    ("NULL", "ARRAY_CONSTRUCT('hola', NULL)", True),
    ("PARSE_JSON('null')", "ARRAY_CONSTRUCT('hola', PARSE_JSON('null'))", True),
    ("NULL", "ARRAY_CONSTRUCT('hola', PARSE_JSON('null'))", None),
])
def test_array_contains_and_nulls(q, value, array, expected):
    """ARRAY_CONTAINS: the page's six examples."""
    assert q(f"SELECT ARRAY_CONTAINS({value}, {array})") == [(expected,)]


def test_array_contains_on_an_array_column(q):
    q("CREATE OR REPLACE TABLE array_example (id INT, array_column ARRAY)")
    q("INSERT INTO array_example (id, array_column) SELECT 1, ARRAY_CONSTRUCT(1, 2, 3)")
    q("INSERT INTO array_example (id, array_column) SELECT 2, ARRAY_CONSTRUCT(4, 5, NULL)")
    assert q("SELECT id FROM array_example WHERE ARRAY_CONTAINS(5, array_column)") == [(2,)]
    # [INFER] a stored NULL element is a JSON null: a NULL finds it, and finds nothing in the other
    assert q("SELECT id, ARRAY_CONTAINS(NULL, array_column) FROM array_example ORDER BY id") == [(1, None), (2, True)]


def test_nested_object_insert(con, q):
    """OBJECT_INSERT: "Add new nested key-value pairs" and "Update key-value pairs in the nested
    OBJECT values" (the inner OBJECT_INSERT was left DuckDB's struct_insert and failed)."""
    con.execute_string("""
CREATE OR REPLACE TABLE sample_nested_object (
  id INTEGER,
  nested_object OBJECT);
INSERT INTO sample_nested_object (id, nested_object)
  SELECT 1,
         OBJECT_CONSTRUCT(
           'outer_key1', OBJECT_CONSTRUCT('inner_key1A', 'example1', 'inner_key1B', 'example2'),
           'outer_key2', OBJECT_CONSTRUCT('inner_key2', 5)
         );
INSERT INTO sample_nested_object (id, nested_object)
  SELECT 2,
         OBJECT_CONSTRUCT(
           'outer_key1', OBJECT_CONSTRUCT('inner_key1A', 'example3', 'inner_key1B', 'example4'),
           'outer_key2', OBJECT_CONSTRUCT('inner_key2', 7)
         );
UPDATE sample_nested_object
  SET nested_object = OBJECT_INSERT(
    nested_object,
    'outer_key1',
     OBJECT_INSERT(
       nested_object:outer_key1,
       'inner_key1C',
       CASE
         WHEN id = 1 THEN 'added_value_1'
         WHEN id = 2 THEN 'added_value_2'
       END,
       TRUE
      ),
    TRUE);
UPDATE sample_nested_object
  SET nested_object = OBJECT_INSERT(
    nested_object,
    'outer_key2',
    OBJECT_INSERT(
      nested_object:outer_key2,
      'inner_key2',
      CASE
        WHEN id = 1 THEN 6
        WHEN id = 2 THEN 8
      END,
      TRUE),
    TRUE);
""")
    assert q("SELECT * FROM sample_nested_object ORDER BY id") == [
        (1, '{"outer_key1":{"inner_key1A":"example1","inner_key1B":"example2","inner_key1C":"added_value_1"},'
            '"outer_key2":{"inner_key2":6}}'),
        (2, '{"outer_key1":{"inner_key1A":"example3","inner_key1B":"example4","inner_key1C":"added_value_2"},'
            '"outer_key2":{"inner_key2":8}}')]


def test_object_construct_of_the_row_is_named_by_its_text(q):
    """An unaliased OBJECT_CONSTRUCT(*) was named by the DuckDB SQL cdcsim wrote for it."""
    q("CREATE TABLE t (x INT, y VARCHAR)")
    q("INSERT INTO t VALUES (1, 'a')")
    q("SELECT OBJECT_CONSTRUCT(*), OBJECT_CONSTRUCT_KEEP_NULL(t.*) FROM t")
    assert [d[0] for d in q.cur.description] == ["OBJECT_CONSTRUCT(*)", "OBJECT_CONSTRUCT_KEEP_NULL(T.*)"]
