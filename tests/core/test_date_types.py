"""Date arithmetic on a DATE gives a DATE (cdcsim/sql/date_types.py): DATEADD by a day or a larger
part, DATE_TRUNC and ADD_MONTHS keep a DATE input a DATE; a smaller part, or a timestamp input,
gives a timestamp. The input's type comes from the catalog for columns of tables, views,
temporary tables and streams, and from the expression otherwise."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETUP = """
CREATE TABLE o (id INT, d DATE, ts TIMESTAMP_NTZ, amt NUMBER(10, 2));
INSERT INTO o VALUES (1, '2024-01-31', '2024-01-31 10:30:00', 5), (2, '2024-02-29', '2024-02-29 23:00:00', 7);
"""


def _setup(con):
    con.execute_string(SETUP)


def test_dateadd_of_a_date_column_by_a_date_part_is_a_date(con, q):
    _setup(con)
    row = q("SELECT DATEADD(day, 1, d), DATEADD(week, 1, d), DATEADD(month, 1, d), DATEADD(quarter, 1, d), "
            "DATEADD(year, -1, d), TIMESTAMPADD(mm, 2, d), DATEADD('days', 3, d) FROM o WHERE id = 1")[0]
    assert row == (date(2024, 2, 1), date(2024, 2, 7), date(2024, 2, 29), date(2024, 4, 30),
                   date(2023, 1, 31), date(2024, 3, 31), date(2024, 2, 3))
    assert all(type(v) is date for v in row)


def test_dateadd_of_a_date_by_a_time_part_and_of_a_timestamp_are_timestamps(con, q):
    _setup(con)
    assert q("SELECT DATEADD(hour, 1, d), DATEADD(day, 1, ts), DATEADD(minute, 90, ts) FROM o WHERE id = 1")[0] == (
        datetime(2024, 1, 31, 1, 0), datetime(2024, 2, 1, 10, 30), datetime(2024, 1, 31, 12, 0))


def test_date_trunc_and_add_months_keep_their_input_type(con, q):
    _setup(con)
    row = q("SELECT DATE_TRUNC('MONTH', d), DATE_TRUNC(week, d), DATE_TRUNC(year, d), DATE_TRUNC('MONTH', ts), "
            "ADD_MONTHS(d, 1), ADD_MONTHS(d, -1) FROM o WHERE id = 2")[0]
    assert row == (date(2024, 2, 1), date(2024, 2, 26), date(2024, 1, 1), datetime(2024, 2, 1),
                   date(2024, 3, 31), date(2024, 1, 31))
    assert [type(v) for v in row] == [date, date, date, datetime, date, date]


def test_dates_from_expressions_ctes_subqueries_and_nested_calls(con, q):
    _setup(con)
    row = q("WITH c AS (SELECT d AS x, ts FROM o WHERE id = 1) "
            "SELECT DATEADD(year, 1, x), DATEADD(day, 1, ts::DATE), DATEADD(day, 1, TO_DATE(ts)), "
            "DATEADD(day, 1, DATE_TRUNC('MONTH', x)), (SELECT DATEADD(day, 2, d) FROM (SELECT * FROM o) WHERE id = 1) "
            "FROM c")[0]
    assert row == (date(2025, 1, 31), date(2024, 2, 1), date(2024, 2, 1), date(2024, 1, 2), date(2024, 2, 2))
    assert all(type(v) is date for v in row)
    (today,) = q("SELECT DATEADD(day, -7, CURRENT_DATE())")[0]
    assert type(today) is date and today == q("SELECT CURRENT_DATE()")[0][0] - timedelta(days=7)


def test_grouping_by_a_truncated_date_alias(con, q):
    _setup(con)
    assert q("SELECT DATE_TRUNC('MONTH', d) AS m, SUM(amt) FROM o GROUP BY m ORDER BY m") == [
        (date(2024, 1, 1), 5), (date(2024, 2, 1), 7)]


def test_views_temporary_tables_and_streams_give_their_column_types(con, q):
    _setup(con)
    con.execute_string("""
        CREATE VIEW v AS SELECT id, d FROM o;
        CREATE TEMPORARY TABLE tmp (d DATE);
        INSERT INTO tmp VALUES ('2024-03-15');
        CREATE STREAM s ON TABLE o;
        INSERT INTO o VALUES (3, '2024-12-31', '2024-12-31 00:00:00', 1);
    """)
    assert q("SELECT DATEADD(day, 1, d) FROM v WHERE id = 1") == [(date(2024, 2, 1),)]
    assert q("SELECT DATE_TRUNC('MONTH', d) FROM tmp") == [(date(2024, 3, 1),)]
    assert q("SELECT DATEADD(day, 1, d), METADATA$ACTION FROM s") == [(date(2025, 1, 1), "INSERT")]


def test_tables_and_dynamic_tables_made_from_them_get_date_columns(con, q):
    _setup(con)
    con.execute_string("""
        CREATE TABLE monthly AS SELECT DATE_TRUNC('MONTH', d) AS m, SUM(amt) AS total FROM o GROUP BY 1;
        CREATE DYNAMIC TABLE due TARGET_LAG = '1 minute' WAREHOUSE = wh
          AS SELECT id, DATEADD(day, 30, d) AS due_on FROM o;
    """)
    kinds = {r[0]: r[1] for r in q("DESCRIBE TABLE monthly")}
    assert kinds["M"] == "DATE"
    kinds = {r[0]: r[1] for r in q("DESCRIBE DYNAMIC TABLE due")}
    assert kinds["DUE_ON"] == "DATE"
    assert q("SELECT due_on FROM due ORDER BY id") == [(date(2024, 3, 1),), (date(2024, 3, 30),)]


def test_a_cached_statement_follows_a_column_that_changed_type(con, q):
    _setup(con)
    sql = "SELECT DATEADD(day, 1, d) FROM o WHERE id = 1"
    assert q(sql) == [(date(2024, 2, 1),)]
    con.execute_string("CREATE OR REPLACE TABLE o (id INT, d TIMESTAMP_NTZ); "
                       "INSERT INTO o VALUES (1, '2024-01-31 08:00:00');")
    assert q(sql) == [(datetime(2024, 2, 1, 8, 0),)]


def _add_months(d: date, n: int) -> date:
    """Snowflake's month arithmetic: the same day, or the month's last day when it has fewer."""
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _dateadd(part: str, n: int, d: date) -> date:
    if part == "day":
        return d + timedelta(days=n)
    if part == "week":
        return d + timedelta(weeks=n)
    return _add_months(d, n * {"month": 1, "quarter": 3, "year": 12}[part])


def _trunc(part: str, d: date) -> date:
    if part == "day":
        return d
    if part == "week":  # WEEK_START 0: ISO weeks, from Monday
        return d - timedelta(days=d.weekday())
    if part == "month":
        return d.replace(day=1)
    if part == "quarter":
        return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return date(d.year, 1, 1)


PARTS = st.sampled_from(["day", "week", "month", "quarter", "year"])


# one connection for every example: each replaces the table it reads
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(d=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), part=PARTS,
       n=st.integers(-500, 500), tpart=PARTS)
def test_date_arithmetic_matches_a_reference_model(con, d, part, n, tpart):
    cur = con.cursor()
    cur.execute("CREATE OR REPLACE TABLE h (d DATE)")
    cur.execute("INSERT INTO h VALUES (%s)", (d,))
    got = cur.execute(f"SELECT DATEADD({part}, {n}, d), DATE_TRUNC('{tpart}', d) FROM h").fetchone()
    assert got == (_dateadd(part, n, d), _trunc(tpart, d))
    assert [type(v) for v in got] == [date, date]


def test_trunc_with_a_part_abbreviation_and_date_trunc_of_a_time(con, q):
    _setup(con)
    con.execute_string("CREATE TABLE sched (at TIME); INSERT INTO sched VALUES ('10:47:12');")
    assert q("SELECT TRUNC(d, 'MM'), TRUNC(ts, 'DD'), TRUNC(d, 'Q') FROM o WHERE id = 2") == [
        (date(2024, 2, 1), datetime(2024, 2, 29), date(2024, 1, 1))]
    assert q("SELECT DATE_TRUNC('HOUR', at), DATE_TRUNC(minute, at) FROM sched") == [(time(10, 0), time(10, 47))]
