"""The examples of Snowflake's dynamic-table documentation, run as written (names and data from the
pages), with the outcome the pages show.

Pages: user-guide/dynamic-tables/{create, refresh-modes, manage, monitoring, troubleshoot-creation,
troubleshoot-refreshes}, sql-reference/sql/{create, alter, drop}-dynamic-table and
sql-reference/functions/{dynamic_table_graph_history, dynamic_tables}. Where two pages disagree,
the test names the choice cdcsim made ([INFER] in the module that makes it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dthelpers import START, history, q

import cdcsim
from cdcsim import ProgrammingError

TUTORIAL_TABLES = """
CREATE OR REPLACE TABLE raw_orders (
    order_id       INT,
    customer_id    INT,
    order_date     TIMESTAMP_NTZ,
    product_name   VARCHAR,
    quantity       INT,
    unit_price     DECIMAL(10,2),
    order_status   VARCHAR,
    CONSTRAINT pk_raw_orders PRIMARY KEY (order_id) RELY
);

INSERT INTO raw_orders (order_id, customer_id, order_date, product_name, quantity, unit_price, order_status)
VALUES
    (1001, 1, '2025-01-15 08:30:00', 'Widget A',  3, 29.99, 'completed'),
    (1002, 2, '2025-01-15 09:45:00', 'Widget B',  1, 49.99, 'completed'),
    (1003, 1, '2025-01-15 14:20:00', 'Widget A',  2, 29.99, 'pending'),
    (1004, 3, '2025-01-16 10:00:00', 'Gadget X',  5, 12.50, 'completed'),
    (1005, 2, '2025-01-16 11:30:00', 'Widget B',  1, 49.99, 'returned');

CREATE OR REPLACE TABLE dim_customers (
    customer_id    INT,
    customer_name  VARCHAR,
    region         VARCHAR,
    segment        VARCHAR,
    CONSTRAINT pk_dim_customers PRIMARY KEY (customer_id) RELY
);

INSERT INTO dim_customers (customer_id, customer_name, region, segment)
VALUES
    (1, 'Acme Corp',  'US-West',  'Enterprise'),
    (2, 'Globex Inc', 'US-East',  'Mid-Market'),
    (3, 'Initech LLC','EU-West',  'Startup');
"""

DT_ORDERS = """
CREATE OR ALTER DYNAMIC TABLE dt_orders
    TARGET_LAG = '10 minutes'
    WAREHOUSE = transform_wh
    REFRESH_MODE = INCREMENTAL
AS
    SELECT
        order_id,
        customer_id,
        order_date,
        TRIM(UPPER(product_name)) AS product_name,
        quantity,
        unit_price,
        quantity * unit_price AS line_total,
        order_status
    FROM raw_orders
    WHERE order_status != 'returned';
"""

DT_ORDERS_DAILY = """
CREATE OR ALTER DYNAMIC TABLE dt_orders_daily
    TARGET_LAG = '30 minutes'
    WAREHOUSE = transform_wh
    REFRESH_MODE = INCREMENTAL
AS
    SELECT
        s.order_date::DATE AS order_day,
        c.region,
        c.segment,
        COUNT(*) AS order_count,
        SUM(s.line_total) AS daily_revenue
    FROM dt_orders s
    JOIN dim_customers c ON s.customer_id = c.customer_id
    GROUP BY ALL;
"""


def show(con: cdcsim.Connection, name: str) -> dict:
    rows = con.cursor(cdcsim.DictCursor).execute(f"SHOW DYNAMIC TABLES LIKE '{name}'").fetchall()
    assert len(rows) == 1
    return rows[0]


def dicts(con: cdcsim.Connection, sql: str) -> list[dict]:
    return con.cursor(cdcsim.DictCursor).execute(sql).fetchall()


@pytest.fixture
def tutorial(con: cdcsim.Connection) -> cdcsim.Connection:
    con.execute_string(TUTORIAL_TABLES)
    return con


# ------------------------------------------------------------------ user-guide/dynamic-tables/create
def test_tutorial_pipeline_with_create_or_alter(tutorial: cdcsim.Connection) -> None:
    """The tutorial creates both tables with CREATE OR ALTER (it used to be refused)."""
    assert q(tutorial, DT_ORDERS) == [("Dynamic table DT_ORDERS successfully created.",)]
    r = show(tutorial, "dt_orders")
    assert (r["name"], r["refresh_mode"], r["refresh_mode_reason"], r["scheduling_state"], r["warehouse"]) == (
        "DT_ORDERS", "INCREMENTAL", None, "RUNNING", "TRANSFORM_WH")
    q(tutorial, DT_ORDERS_DAILY)
    assert q(tutorial, "SELECT * FROM dt_orders_daily ORDER BY order_day, region;") == [
        (date(2025, 1, 15), "US-East", "Mid-Market", 1, Decimal("49.99")),
        (date(2025, 1, 15), "US-West", "Enterprise", 2, Decimal("149.95")),
        (date(2025, 1, 16), "EU-West", "Startup", 1, Decimal("62.50"))]
    tutorial.advance(minutes=30)
    refreshes = dicts(tutorial, """
        SELECT name, state, state_message,
               refresh_trigger, refresh_action,
               data_timestamp
        FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY())
        WHERE name IN ('DT_ORDERS', 'DT_ORDERS_DAILY')
        ORDER BY data_timestamp DESC
        LIMIT 10;""")
    assert {r["STATE"] for r in refreshes} == {"SUCCEEDED"}
    assert {(r["NAME"], r["REFRESH_TRIGGER"]) for r in refreshes} >= {
        ("DT_ORDERS", "CREATION"), ("DT_ORDERS_DAILY", "CREATION"), ("DT_ORDERS", "SCHEDULED")}
    for stmt in ("DROP DYNAMIC TABLE IF EXISTS dt_orders_daily;", "DROP DYNAMIC TABLE IF EXISTS dt_orders;",
                 "DROP TABLE IF EXISTS dim_customers;", "DROP TABLE IF EXISTS raw_orders;"):
        q(tutorial, stmt)
    assert q(tutorial, "SHOW DYNAMIC TABLES") == []


# ------------------------------------------------------------------ sql-reference/sql/create-dynamic-table
def test_create_or_alter_examples_alter_without_refresh(con: cdcsim.Connection) -> None:
    """The reference's four CREATE OR ALTER examples: create, then retention and clustering, then
    lag and warehouse, then retention unset. An existing table is altered in place: no refresh,
    rows kept; repeating a statement is a no-op."""
    q(con, "CREATE TABLE t (a INT, b INT)")
    q(con, "INSERT INTO t VALUES (1, 2)")
    q(con, """CREATE OR ALTER DYNAMIC TABLE my_dynamic_table
  TARGET_LAG = DOWNSTREAM
  WAREHOUSE = mywh
  AS
    SELECT a, b FROM t;""")
    q(con, "INSERT INTO t VALUES (3, 4)")
    for stmt in ("""CREATE OR ALTER DYNAMIC TABLE my_dynamic_table
 TARGET_LAG = DOWNSTREAM
 WAREHOUSE = mywh
 DATA_RETENTION_TIME_IN_DAYS = 2
 CLUSTER BY (a)
 AS
   SELECT a, b FROM t;""", """CREATE OR ALTER DYNAMIC TABLE my_dynamic_table
 TARGET_LAG = '5 minutes'
 WAREHOUSE = my_other_wh
 DATA_RETENTION_TIME_IN_DAYS = 2
 CLUSTER BY (a)
 AS
   SELECT a, b FROM t;""", """CREATE OR ALTER DYNAMIC TABLE my_dynamic_table
 TARGET_LAG = '5 minutes'
 WAREHOUSE = my_other_wh
 CLUSTER BY (a)
 AS
   SELECT a, b FROM t;"""):
        assert q(con, stmt) == [("Statement executed successfully.",)]
    r = show(con, "MY_DYNAMIC_TABLE")
    assert (r["target_lag"], r["warehouse"], r["refresh_mode"]) == ("5 minutes", "MY_OTHER_WH", "INCREMENTAL")
    assert q(con, "SELECT * FROM my_dynamic_table") == [(1, 2)]  # "no implicit refreshes"
    assert [h["REFRESH_TRIGGER"] for h in history(con, "my_dynamic_table")] == ["CREATION"]
    graph = dicts(con, "SELECT alter_trigger FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY("
                       "HISTORY_START => '2000-01-01')) ORDER BY valid_from, valid_to NULLS LAST")
    assert [g["ALTER_TRIGGER"] for g in graph] == ['["CREATE_DYNAMIC_TABLE"]', '["ALTER_TARGET_LAG"]']
    con.advance(minutes=5)  # the new lag schedules it
    assert sorted(q(con, "SELECT * FROM my_dynamic_table")) == [(1, 2), (3, 4)]
    # INCREMENTAL <-> ADAPTIVE updates the mode without reinitializing (modify page)
    q(con, "CREATE OR ALTER DYNAMIC TABLE my_dynamic_table TARGET_LAG = '5 minutes' WAREHOUSE = my_other_wh "
           "REFRESH_MODE = ADAPTIVE AS SELECT a, b FROM t")
    assert show(con, "MY_DYNAMIC_TABLE")["refresh_mode"] == "ADAPTIVE"


@pytest.mark.parametrize("change", [
    "REFRESH_MODE = FULL AS SELECT a, b FROM t",
    "AS SELECT a, b, a + b AS c FROM t",
])
def test_create_or_alter_refuses_a_reinitializing_change(con: cdcsim.Connection, change: str) -> None:
    """[INFER] A change Snowflake applies by reinitializing the table is refused; nothing changes."""
    q(con, "CREATE TABLE t (a INT, b INT)")
    q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a, b FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(con, f"CREATE OR ALTER DYNAMIC TABLE d TARGET_LAG = '2 minutes' WAREHOUSE = wh {change}")
    assert e.value.errno == 2000 and "CREATE OR REPLACE DYNAMIC TABLE" in str(e.value)
    assert show(con, "D")["target_lag"] == "1 minute"


def test_require_user_example_with_quoted_downstream_lag(con: cdcsim.Connection) -> None:
    """The REQUIRE USER example quotes DOWNSTREAM (TARGET_LAG = 'DOWNSTREAM'); it used to be
    parsed as a duration and refused."""
    q(con, "CREATE TABLE staging_table (product_id INT, product_name STRING)")
    q(con, "INSERT INTO staging_table VALUES (1, 'a')")
    q(con, """CREATE DYNAMIC TABLE my_dynamic_table
  TARGET_LAG = 'DOWNSTREAM'
  WAREHOUSE = mywh
  INITIALIZE = on_schedule
  REQUIRE USER
  AS
    SELECT product_id, product_name FROM staging_table;""")
    assert show(con, "MY_DYNAMIC_TABLE")["target_lag"] == "DOWNSTREAM"
    with pytest.raises(ProgrammingError, match="not initialized"):
        q(con, "SELECT * FROM my_dynamic_table")
    q(con, "ALTER DYNAMIC TABLE my_dynamic_table REFRESH COPY SESSION;")
    assert q(con, "SELECT * FROM my_dynamic_table") == [(1, "a")]
    q(con, "ALTER DYNAMIC TABLE my_dynamic_table SET TARGET_LAG = '5 minutes'")
    q(con, "ALTER DYNAMIC TABLE my_dynamic_table SET TARGET_LAG = 'DOWNSTREAM'")
    assert show(con, "MY_DYNAMIC_TABLE")["target_lag"] == "DOWNSTREAM"


# ------------------------------------------------------------------ user-guide/dynamic-tables/refresh-modes
def test_adaptive_refresh_mode_example(con: cdcsim.Connection) -> None:
    """REFRESH_MODE = ADAPTIVE (used to be refused): incremental refreshes, shown as ADAPTIVE; a
    query incremental refresh cannot run fails the CREATE as for INCREMENTAL."""
    q(con, "CREATE TABLE raw_orders (order_id INT, customer_id INT, order_date TIMESTAMP_NTZ, "
           "total_amount NUMBER(10, 2), order_status VARCHAR)")
    q(con, "INSERT INTO raw_orders VALUES (1, 1, '2025-01-15 08:30:00', 10, 'COMPLETED')")
    q(con, """CREATE OR REPLACE DYNAMIC TABLE dt_orders_adaptive
  TARGET_LAG = '10 minutes'
  WAREHOUSE = transform_wh
  INITIALIZATION_WAREHOUSE = transform_wh_xl
  REFRESH_MODE = ADAPTIVE
AS
  SELECT order_id, customer_id, order_date, total_amount
  FROM raw_orders
  WHERE order_status = 'COMPLETED';""")
    r = show(con, "dt_orders_adaptive")
    assert (r["refresh_mode"], r["refresh_mode_reason"]) == ("ADAPTIVE", None)
    q(con, "INSERT INTO raw_orders VALUES (2, 1, '2025-01-15 09:30:00', 20, 'COMPLETED')")
    q(con, "ALTER DYNAMIC TABLE dt_orders_adaptive REFRESH")
    assert [h["REFRESH_ACTION"] for h in history(con, "dt_orders_adaptive")][-1] == "INCREMENTAL"
    assert len(q(con, "SELECT * FROM dt_orders_adaptive")) == 2
    with pytest.raises(ProgrammingError) as e:
        q(con, "CREATE DYNAMIC TABLE bad TARGET_LAG = '1 hour' WAREHOUSE = wh REFRESH_MODE = ADAPTIVE AS "
               "SELECT order_id FROM raw_orders EXCEPT SELECT order_id FROM raw_orders WHERE order_status IS NULL")
    assert e.value.errno == 2711 and "REFRESH_MODE = ADAPTIVE" in str(e.value)


def test_auto_resolving_to_full_keeps_the_plain_status(con: cdcsim.Connection) -> None:
    """[INFER] refresh-modes says the result message gives the reason AUTO chose FULL,
    troubleshoot-creation that it falls back "without a warning": the status stays plain and the
    reason is SHOW's refresh_mode_reason, as the refresh-modes page shows it."""
    q(con, "CREATE TABLE raw_orders (order_id INT, product_name VARCHAR, quantity INT, unit_price NUMBER(10, 2), "
           "order_status VARCHAR)")
    assert q(con, """CREATE OR REPLACE DYNAMIC TABLE dt_non_null_orders
  TARGET_LAG = '1 hour'
  WAREHOUSE = transform_wh
AS
  SELECT order_id, product_name, quantity, unit_price
  FROM raw_orders
  EXCEPT
  SELECT order_id, product_name, quantity, unit_price
  FROM raw_orders
  WHERE order_status IS NULL;""") == [("Dynamic table DT_NON_NULL_ORDERS successfully created.",)]
    r = show(con, "dt_non_null_orders")
    assert (r["refresh_mode"], r["refresh_mode_reason"]) == (
        "FULL", "Unsupported query operator type: SetOperation[EXCEPT]")


# ------------------------------------------------------------------ user-guide/dynamic-tables/manage, monitoring
def failing_pipeline(con: cdcsim.Connection) -> None:
    """dt_orders casts a text column; the value 'Good' makes its refreshes fail (monitoring page)."""
    con.execute_string("""
        CREATE TABLE raw_orders (order_id INT, customer_id INT, amount VARCHAR);
        INSERT INTO raw_orders VALUES (1, 1, '10');
        CREATE DYNAMIC TABLE dt_orders TARGET_LAG = '1 minute' WAREHOUSE = transform_wh
          AS SELECT order_id, customer_id, amount::INT AS amount FROM raw_orders;
        CREATE DYNAMIC TABLE dt_orders_daily TARGET_LAG = '1 minute' WAREHOUSE = transform_wh
          AS SELECT customer_id, SUM(amount) AS revenue FROM dt_orders GROUP BY customer_id;
        INSERT INTO raw_orders VALUES (2, 1, 'Good');
    """)


def test_auto_suspension_reason_message(con: cdcsim.Connection) -> None:
    """Five failed scheduled refreshes suspend the table with the manage page's reason message."""
    failing_pipeline(con)
    con.advance(minutes=6)
    rows = dicts(con, """SELECT name,
       scheduling_state:state::STRING AS state,
       scheduling_state:reason_code::STRING AS reason_code,
       scheduling_state:reason_message::STRING AS reason_message,
       scheduling_state:suspended_on::TIMESTAMP AS suspended_on
  FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY())
  WHERE name = 'DT_ORDERS'
  ORDER BY valid_from DESC
  LIMIT 1;""")
    assert [(r["STATE"], r["REASON_CODE"], r["REASON_MESSAGE"]) for r in rows] == [
        ("SUSPENDED", "SUSPENDED_DUE_TO_ERRORS",
         "The dynamic table was suspended due to 5 consecutive refresh errors.")]


def test_failed_refresh_reports_the_action_it_was_taking(con: cdcsim.Connection) -> None:
    """The monitoring page's history: the FAILED refresh is INCREMENTAL (it used to say NO_DATA),
    the skipped consumer UPSTREAM_FAILED with NO_DATA."""
    failing_pipeline(con)
    con.advance(minutes=1)
    rows = dicts(con, """SELECT
  name,
  state,
  state_code,
  state_message,
  refresh_action,
  refresh_trigger
FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(
  NAME_PREFIX => 'CDCSIM.PUBLIC'
))
WHERE refresh_trigger = 'SCHEDULED'
ORDER BY data_timestamp DESC
LIMIT 10;""")
    assert sorted((r["NAME"], r["STATE"], r["STATE_CODE"], r["REFRESH_ACTION"]) for r in rows) == [
        ("DT_ORDERS", "FAILED", "100038", "INCREMENTAL"),
        ("DT_ORDERS_DAILY", "UPSTREAM_FAILED", "UPSTREAM_FAILURE", "NO_DATA")]


def test_graph_history_name_argument(con: cdcsim.Connection) -> None:
    """[INFER] The monitoring page passes NAME => to DYNAMIC_TABLE_GRAPH_HISTORY (the reference
    lists no NAME): it keeps that table's rows (it used to be ignored)."""
    q(con, "CREATE DATABASE my_db")
    q(con, "CREATE SCHEMA my_db.my_schema")
    q(con, "USE SCHEMA my_db.my_schema")
    failing_pipeline(con)
    q(con, "ALTER DYNAMIC TABLE dt_orders_daily SET TARGET_LAG = '30 minutes'")
    rows = dicts(con, """SELECT
  name,
  scheduling_state,
  target_lag_sec,
  target_lag_type,
  inputs,
  valid_from,
  valid_to
FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_GRAPH_HISTORY(
  NAME => 'MY_DB.MY_SCHEMA.DT_ORDERS_DAILY'
))
ORDER BY valid_from DESC;""")
    assert [(r["NAME"], r["TARGET_LAG_SEC"], r["TARGET_LAG_TYPE"], r["VALID_TO"]) for r in rows] == [
        ("DT_ORDERS_DAILY", 1800, "USER_DEFINED", None)]
    assert '"MY_DB.MY_SCHEMA.DT_ORDERS"' in rows[0]["INPUTS"]


def test_alter_set_event_log_level_has_no_effect(con: cdcsim.Connection) -> None:
    """The monitoring page sets LOG_EVENT_LEVEL on a dynamic table; the ALTER reference lists
    LOG_LEVEL and UNSET INITIALIZATION_WAREHOUSE. Accepted (they used to be syntax errors)."""
    q(con, "CREATE TABLE t (a INT)")
    q(con, "CREATE DYNAMIC TABLE dt_orders TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t")
    for stmt in ("ALTER DYNAMIC TABLE dt_orders SET LOG_EVENT_LEVEL = WARN",
                 "ALTER DYNAMIC TABLE dt_orders SET LOG_LEVEL = 'INFO'", "ALTER DYNAMIC TABLE dt_orders UNSET LOG_LEVEL",
                 "ALTER DYNAMIC TABLE dt_orders SET INITIALIZATION_WAREHOUSE = big_wh",
                 "ALTER DYNAMIC TABLE dt_orders UNSET INITIALIZATION_WAREHOUSE"):
        assert q(con, stmt) == [("Statement executed successfully.",)]


def test_undrop_of_a_name_that_exists(con: cdcsim.Connection) -> None:
    """The manage page's UNDROP example (it used to be an unsupported statement)."""
    q(con, "CREATE TABLE t (a INT)")
    q(con, "CREATE DYNAMIC TABLE dt_orders TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t")
    with pytest.raises(ProgrammingError) as e:
        q(con, "UNDROP DYNAMIC TABLE dt_orders;")
    assert e.value.errno == 2002 and "Dynamic table 'DT_ORDERS' already exists." in str(e.value)
    q(con, "DROP DYNAMIC TABLE dt_orders")
    with pytest.raises(ProgrammingError, match="did not exist or was purged"):
        q(con, "UNDROP DYNAMIC TABLE dt_orders")  # [INFER] no dropped version is kept


# ------------------------------------------------------------------ sql-reference/functions/dynamic_tables
def test_dynamic_tables_result_limit_of_max_int(con: cdcsim.Connection) -> None:
    """[INFER] The page says to pass "the maximum value of a signed integer" as RESULT_LIMIT to
    sort or filter every table (it used to be refused as outside 1 to 10000)."""
    q(con, "CREATE TABLE t (a INT)")
    q(con, "CREATE DYNAMIC TABLE b TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t")
    q(con, "CREATE DYNAMIC TABLE a TARGET_LAG = '2 minutes' WAREHOUSE = wh AS SELECT a FROM t")
    assert q(con, "SELECT name FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES(result_limit => 2147483647)) "
                  "ORDER BY name ASC LIMIT 100 ;") == [("A",), ("B",)]
    assert q(con, "SELECT name FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES(result_limit => 2147483647)) "
                  "WHERE TARGET_LAG_SEC = 60 ;") == [("B",)]
    with pytest.raises(ProgrammingError, match="RESULT_LIMIT"):
        q(con, "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLES(RESULT_LIMIT => 0))")


# ------------------------------------------------------------------ sql-reference/sql/alter-dynamic-table, drop
def test_alter_reference_examples(con: cdcsim.Connection) -> None:
    """Every example of the ALTER reference that cdcsim emulates: clustering is accepted with no
    effect, SWAP WITH exchanges the names (both used to be refused)."""
    q(con, "CREATE TABLE staging_table (product_id INT, product_name STRING, date DATE)")
    q(con, "INSERT INTO staging_table VALUES (1, 'a', '2025-01-01')")
    q(con, "CREATE DYNAMIC TABLE my_dynamic_table TARGET_LAG = '20 minutes' WAREHOUSE = mywh "
           "AS SELECT product_id, product_name, date FROM staging_table")
    q(con, "CREATE DYNAMIC TABLE my_new_dynamic_table TARGET_LAG = '30 minutes' WAREHOUSE = mywh "
           "AS SELECT product_id FROM staging_table")
    for stmt in ("ALTER DYNAMIC TABLE my_dynamic_table SET\n  TARGET_LAG = '1 hour';",
                 "ALTER DYNAMIC TABLE my_dynamic_table SET TARGET_LAG = DOWNSTREAM;",
                 "ALTER DYNAMIC TABLE my_dynamic_table SUSPEND;",
                 "ALTER DYNAMIC TABLE my_dynamic_table RESUME;",
                 "ALTER DYNAMIC TABLE my_dynamic_table RENAME TO my_updated_dynamic_table;",
                 "ALTER DYNAMIC TABLE my_updated_dynamic_table RENAME TO my_dynamic_table;",
                 "ALTER DYNAMIC TABLE my_dynamic_table SWAP WITH my_new_dynamic_table;",
                 "ALTER DYNAMIC TABLE my_dynamic_table CLUSTER BY (product_id);",
                 "ALTER DYNAMIC TABLE my_dynamic_table DROP CLUSTERING KEY;",
                 "ALTER DYNAMIC TABLE my_dynamic_table REFRESH COPY SESSION"):
        assert q(con, stmt) == [("Statement executed successfully.",)], stmt
    assert q(con, "SELECT * FROM my_dynamic_table") == [(1,)]
    assert q(con, "SELECT * FROM my_new_dynamic_table") == [(1, "a", date(2025, 1, 1))]
    assert (show(con, "MY_DYNAMIC_TABLE")["target_lag"], show(con, "MY_NEW_DYNAMIC_TABLE")["target_lag"]) == (
        "30 minutes", "DOWNSTREAM")
    q(con, "INSERT INTO staging_table VALUES (2, 'b', '2025-01-02')")
    q(con, "ALTER DYNAMIC TABLE my_new_dynamic_table REFRESH")
    assert len(q(con, "SELECT * FROM my_new_dynamic_table")) == 2


def test_drop_table_drops_a_dynamic_table(con: cdcsim.Connection) -> None:
    """The DROP DYNAMIC TABLE page: "You can also drop a dynamic table using the DROP TABLE
    command" (it used to be refused as DDL on a read-only table)."""
    q(con, "CREATE TABLE staging_table (product_id INT)")
    q(con, "CREATE DYNAMIC TABLE my_dynamic_table TARGET_LAG = '1 minute' WAREHOUSE = wh "
           "AS SELECT product_id FROM staging_table")
    assert q(con, "DROP TABLE my_dynamic_table;") == [("MY_DYNAMIC_TABLE successfully dropped.",)]
    assert q(con, "SHOW DYNAMIC TABLES") == []
    q(con, "CREATE DYNAMIC TABLE my_dynamic_table TARGET_LAG = '1 minute' WAREHOUSE = wh "
           "AS SELECT product_id FROM staging_table")
    assert q(con, "DROP DYNAMIC TABLE my_dynamic_table;") == [("MY_DYNAMIC_TABLE successfully dropped.",)]
    assert q(con, "DROP TABLE staging_table") == [("STAGING_TABLE successfully dropped.",)]


# ------------------------------------------------------------------ troubleshoot pages
def test_current_session_is_refused(con: cdcsim.Connection) -> None:
    """troubleshoot-creation: CURRENT_SESSION fails the CREATE with the page's message (it used
    to be accepted)."""
    q(con, "CREATE TABLE raw_orders (order_id INT)")
    with pytest.raises(ProgrammingError) as e:
        q(con, "CREATE DYNAMIC TABLE dt_orders TARGET_LAG = '1 minute' WAREHOUSE = wh "
               "AS SELECT order_id, CURRENT_SESSION() AS s FROM raw_orders")
    assert ("SQL compilation error:\nUnsupported context function 'CURRENT_SESSION' used in dynamic table "
            "definition.") in str(e.value)
    assert q(con, "SHOW DYNAMIC TABLES") == []


def test_create_or_replace_reinitializes(con: cdcsim.Connection) -> None:
    """troubleshoot-refreshes: after CREATE OR REPLACE DYNAMIC TABLE the newest refresh is
    REINITIALIZE, trigger CREATION, below the replaced table's INCREMENTAL ones."""
    q(con, "CREATE DATABASE mydb")
    q(con, "CREATE SCHEMA mydb.myschema")
    q(con, "CREATE TABLE mydb.myschema.raw_orders (order_id INT, customer_id INT, order_date DATE)")
    ddl = ("CREATE OR REPLACE DYNAMIC TABLE mydb.myschema.dt_orders TARGET_LAG = '10 minutes' "
           "WAREHOUSE = transform_wh REFRESH_MODE = INCREMENTAL AS "
           "SELECT order_id, customer_id, order_date FROM mydb.myschema.raw_orders")
    q(con, ddl)
    q(con, "INSERT INTO mydb.myschema.raw_orders VALUES (1, 1, '2025-01-16')")
    con.advance(minutes=10)
    q(con, ddl)
    rows = dicts(con, """SELECT name, refresh_action, refresh_trigger, state, refresh_start_time
   FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(
       NAME_PREFIX => 'mydb.myschema.dt_orders'
   ))
   ORDER BY refresh_start_time DESC
   LIMIT 2;""")
    assert [(r["NAME"], r["REFRESH_ACTION"], r["REFRESH_TRIGGER"], r["STATE"]) for r in rows] == [
        ("DT_ORDERS", "REINITIALIZE", "CREATION", "SUCCEEDED"),
        ("DT_ORDERS", "INCREMENTAL", "SCHEDULED", "SUCCEEDED")]
    assert rows[0]["REFRESH_START_TIME"] > START


# ------------------------------------------------------------------ sql-reference/functions/dynamic_table_refresh_history
def test_refresh_history_end_without_start(con: cdcsim.Connection) -> None:
    """DATA_TIMESTAMP_END without a start: "the range starts 1 day prior to ... DATA_TIMESTAMP_END"
    (it used to start a day before now)."""
    q(con, "CREATE TABLE t (a INT)")
    q(con, "CREATE DYNAMIC TABLE d TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT a FROM t")
    con.advance(minutes=2 * 24 * 60)
    q(con, "ALTER DYNAMIC TABLE d REFRESH")
    fn = ("SELECT count(*) FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
          "DATA_TIMESTAMP_END => '2025-09-03 11:00:00', NAME => 'd'))")
    assert q(con, fn) == [(1,)]


# ------------------------------------------------------------------ user-guide/dynamic-tables/supported-queries
def test_lateral_flatten_example_and_its_seq_column(con: cdcsim.Connection) -> None:
    """The LATERAL FLATTEN example refreshes incrementally; "Selecting the flatten SEQ column ...
    is not supported for incremental refresh" (it used to be accepted under INCREMENTAL). The
    page's JSON has unquoted keys, which cdcsim's PARSE_JSON does not read: quoted here."""
    q(con, """CREATE OR REPLACE TABLE persons
 AS
  SELECT column1 AS id, parse_json(column2) AS entity
  FROM values
   (12712555, '{"name": {"first": "John", "last": "Smith"}, "contact": [{"business": [
       {"type": "phone", "content": "555-1234"}, {"type": "email", "content": "j.smith@example.com"}]}]}'),
   (98127771, '{"name": {"first": "Jane", "last": "Doe"}, "contact": [{"business": [
       {"type": "phone", "content": "555-1236"}, {"type": "email", "content": "j.doe@example.com"}]}]}');""")
    q(con, """CREATE OR REPLACE DYNAMIC TABLE dt_flattened_contacts
 TARGET_LAG = '10 minutes'
 WAREHOUSE = transform_wh
 AS
  SELECT p.id, f.value, f.path
  FROM persons p,
  LATERAL FLATTEN(input => p.entity) f;""")
    r = show(con, "dt_flattened_contacts")
    assert (r["refresh_mode"], r["refresh_mode_reason"]) == ("INCREMENTAL", None)
    assert [(i, p) for i, _v, p in q(con, "SELECT * FROM dt_flattened_contacts ORDER BY 1, 3")] == [
        (12712555, "contact"), (12712555, "name"), (98127771, "contact"), (98127771, "name")]
    seq = "SELECT p.id, f.seq FROM persons p, LATERAL FLATTEN(input => p.entity) f"
    with pytest.raises(ProgrammingError) as e:
        q(con, f"CREATE DYNAMIC TABLE d TARGET_LAG = '10 minutes' WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS {seq}")
    assert e.value.errno == 2711 and "SEQ" in str(e.value)
    q(con, f"CREATE DYNAMIC TABLE d TARGET_LAG = '10 minutes' WAREHOUSE = wh AS {seq}")
    assert show(con, "D")["refresh_mode"] == "FULL"


# ------------------------------------------------------------------ sql-reference/sql/show-dynamic-tables
def test_show_example_and_scope_without_schema_keyword(con: cdcsim.Connection) -> None:
    """The page's example, and its syntax's ``IN <schema_name>`` without the SCHEMA keyword (it
    used to be a syntax error)."""
    con.execute_string("""
        CREATE DATABASE mydb; CREATE SCHEMA mydb.myschema; USE SCHEMA mydb.myschema;
        CREATE TABLE t (a INT);
        CREATE DYNAMIC TABLE product_a TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t;
        CREATE DYNAMIC TABLE other TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT a FROM t;
        USE SCHEMA PUBLIC;""")
    assert [r[1] for r in q(con, "SHOW DYNAMIC TABLES LIKE 'product_%' IN SCHEMA mydb.myschema;")] == ["PRODUCT_A"]
    assert [r[1] for r in q(con, "SHOW DYNAMIC TABLES IN mydb.myschema STARTS WITH 'P'")] == ["PRODUCT_A"]
    assert q(con, "SHOW DYNAMIC TABLES IN mydb.public") == []
