"""The examples of Snowflake's date & time and conversion function pages, run as documented
(cdcsim/sql/date_functions.py, date_types.py): DATEADD / TIMEADD, DATEDIFF, TIME_SLICE, NEXT_DAY,
MONTHS_BETWEEN, EXTRACT, TO_DATE / TO_TIME / TO_TIMESTAMP, TIMESTAMP_FROM_PARTS, CONVERT_TIMEZONE,
TO_DECIMAL, and the interval constants of data-types-datetime. The session's time zone is UTC (a
known limit: TIMEZONE is accepted and changes nothing), so an example shown in Los Angeles time
runs with the clock at that wall-clock time."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim

_PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _at(moment: datetime) -> cdcsim.Connection:
    return cdcsim.connect(clock=cdcsim.ManualClock(moment))


def _rows(con: cdcsim.Connection, sql: str) -> list[tuple]:
    return con.cursor().execute(sql).fetchall()


# -- DATEADD / TIMEADD / TIMESTAMPADD [DOC: functions/dateadd]

def test_timeadd_and_timestampadd_are_dateadd(q):
    """The page: "You can use any of these three functions in the examples to return the same
    results" — TIMEADD of a DATE by years is a DATE too (it was a TIMESTAMP)."""
    row = q("SELECT DATEADD(year, 2, TO_DATE('2022-05-08')), TIMEADD(year, 2, TO_DATE('2022-05-08')), "
            "TIMESTAMPADD(year, -2, TO_DATE('2022-05-08'))")[0]
    assert row == (date(2024, 5, 8), date(2024, 5, 8), date(2020, 5, 8))
    assert all(type(v) is date for v in row)


def test_dateadd_of_text_keeps_its_time_of_day(q):
    """[INFER] Text is read as a TIMESTAMP_NTZ: the hour of '2022-05-08 10:00:00' was lost (sqlglot
    cast the text to a DATE), so adding two hours gave 02:00."""
    assert q("SELECT DATEADD(hour, 2, '2022-05-08 10:00:00'), DATEADD(day, 1, '2022-05-08 10:00:00'), "
             "DATEADD(day, 1, '2022-05-08')")[0] == (
        datetime(2022, 5, 8, 12, 0), datetime(2022, 5, 9, 10, 0), datetime(2022, 5, 9, 0, 0))


# -- DATEDIFF [DOC: functions/datediff]

def test_datediff_of_text_columns(q):
    """The page's VALUES example: the columns are text, read as dates (DuckDB had no date_diff of
    VARCHARs and the statement failed)."""
    rows = q("""SELECT column1 date_1, column2 date_2,
                       DATEDIFF(year, column1, column2) diff_years,
                       DATEDIFF(month, column1, column2) diff_months,
                       DATEDIFF(day, column1, column2) diff_days,
                       column2::DATE - column1::DATE AS diff_days_via_minus
                  FROM VALUES ('2015-12-30', '2015-12-31'), ('2015-12-31', '2016-01-01'),
                              ('2016-01-01', '2017-12-31'), ('2016-08-23', '2016-09-07')""")
    assert [r[2:] for r in rows] == [(0, 0, 1, 1), (1, 1, 1, 1), (1, 23, 730, 730), (0, 1, 15, 15)]


def test_datediff_against_current_timestamp():
    """The page's last example: a text timestamp (with an offset, ignored as a TIMESTAMP_NTZ reads
    it) against CURRENT_TIMESTAMP, at the page's 2024-09-04 17:21:12.189."""
    con = _at(datetime(2024, 9, 4, 17, 21, 12, 189000))
    rows = _rows(con, """SELECT DATEDIFF(year, column1, column2) diff_years,
                                DATEDIFF(month, column1, column2) diff_months,
                                DATEDIFF(day, column1, column2) diff_days,
                                column2::DATE - column1::DATE AS diff_days_via_minus
                           FROM VALUES ('2012-08-23 09:00:00.000 -0700', CURRENT_TIMESTAMP)""")
    assert rows == [(12, 145, 4395, 4395)]
    con.close()


def _boundaries(part: str, a: datetime, b: datetime) -> int:
    """DATEDIFF's model: the boundaries of ``part`` crossed from a to b (smaller parts unused)."""
    if part == "YEAR":
        return b.year - a.year
    if part == "MONTH":
        return (b.year - a.year) * 12 + b.month - a.month
    if part == "DAY":
        return (b.date() - a.date()).days
    floor = {"HOUR": timedelta(hours=1), "MINUTE": timedelta(minutes=1)}[part]
    epoch = datetime(2000, 1, 1)
    return (b - epoch) // floor - (a - epoch) // floor


_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)).map(
    lambda d: d.replace(microsecond=0))


@_PROPERTY
@given(a=_MOMENTS, b=_MOMENTS, part=st.sampled_from(["YEAR", "MONTH", "DAY", "HOUR", "MINUTE"]))
def test_datediff_of_text_counts_boundaries_crossed(shared, a, b, part):
    (got,) = shared(f"SELECT DATEDIFF({part}, column1, column2) FROM VALUES ('{a}', '{b}')")[0]
    assert got == _boundaries(part, a, b)


# -- TIME_SLICE [DOC: functions/time_slice]

def test_time_slice_of_a_date_is_a_date(q):
    """The page's examples: the end of a DATE's slice is a DATE (it came out a TIMESTAMP)."""
    row = q("""SELECT '2019-02-28'::DATE AS "DATE", TIME_SLICE("DATE", 4, 'MONTH', 'START') AS "START OF SLICE",
                      TIME_SLICE("DATE", 4, 'MONTH', 'END') AS "END OF SLICE" """)[0]
    assert row == (date(2019, 2, 28), date(2019, 1, 1), date(2019, 5, 1))
    assert type(row[2]) is date
    q("CREATE TABLE accounts (ID INT, billing_date DATE, balance_due NUMBER(11, 2))")
    q("INSERT INTO accounts (ID, billing_date, balance_due) VALUES (1, '2018-07-31', 100.00), "
      "(2, '2018-08-01', 200.00), (3, '2018-08-25', 400.00)")
    assert q("""SELECT TIME_SLICE(billing_date, 2, 'WEEK', 'START') AS "START OF SLICE",
                       TIME_SLICE(billing_date, 2, 'WEEK', 'END') AS "END OF SLICE",
                       COUNT(*) AS "NUMBER OF LATE BILLS", SUM(balance_due) AS "SUM OF MONEY OWED"
                  FROM accounts WHERE balance_due > 0
                  GROUP BY "START OF SLICE", "END OF SLICE" ORDER BY 1""") == [
        (date(2018, 7, 23), date(2018, 8, 6), 2, Decimal("300.00")),
        (date(2018, 8, 20), date(2018, 9, 3), 1, Decimal("400.00"))]


# -- NEXT_DAY / PREVIOUS_DAY [DOC: functions/next_day, functions/previous_day]

def test_next_day_reads_the_first_two_letters():
    """The page's example passes 'Friday ' (a trailing space): it failed as an unknown function.
    Leading spaces and what follows the two letters are ignored, as documented."""
    con = _at(datetime(2018, 6, 12, 9, 0))
    assert _rows(con, """SELECT CURRENT_DATE() AS "Today's Date", NEXT_DAY("Today's Date", 'Friday ') AS "Next Friday" """) \
        == [(date(2018, 6, 12), date(2018, 6, 15))]
    assert _rows(con, "SELECT NEXT_DAY('2018-06-12'::DATE, '  frXYZ'), PREVIOUS_DAY('2018-06-12'::DATE, 'Sunday!'), "
                      "NEXT_DAY('2018-06-12'::DATE, column1) FROM VALUES ('  mo')") == [
        (date(2018, 6, 15), date(2018, 6, 10), date(2018, 6, 18))]
    con.close()


# -- MONTHS_BETWEEN [DOC: functions/months_between]

def test_months_between_counts_the_time_of_day(q):
    """The page's examples: the fraction of a month counts days and the time of day over 31 days
    (0.549731: the times were dropped, 0.548387), except for equal days of the month."""
    row = q("""SELECT MONTHS_BETWEEN('2019-03-01'::DATE, '2019-02-15'::DATE),
                      MONTHS_BETWEEN('2019-03-01 02:00:00'::TIMESTAMP, '2019-02-15 01:00:00'::TIMESTAMP),
                      MONTHS_BETWEEN('2019-02-15 02:00:00'::TIMESTAMP, '2019-02-15 01:00:00'::TIMESTAMP),
                      MONTHS_BETWEEN('2019-03-30'::DATE, '2019-02-28'::DATE),
                      MONTHS_BETWEEN('2019-03-31'::DATE, '2019-02-28'::DATE),
                      ROUND(MONTHS_BETWEEN('2019-03-31 12:00:00'::TIMESTAMP, '2019-02-28 00:00:00'::TIMESTAMP))""")[0]
    assert [round(v, 6) for v in row] == [0.548387, 0.549731, 0.0, 1.064516, 1.0, 1.0]


def _months_between(a: datetime, b: datetime) -> float:
    whole = (a.year - b.year) * 12 + a.month - b.month
    last = calendar.monthrange(a.year, a.month)[1] == a.day and calendar.monthrange(b.year, b.month)[1] == b.day
    if a.day == b.day or last:
        return float(whole)
    seconds = (a - datetime.combine(a.date(), time())) - (b - datetime.combine(b.date(), time()))
    return whole + (a.day - b.day + seconds.total_seconds() / 86400) / 31


@_PROPERTY
@given(a=_MOMENTS, b=_MOMENTS)
def test_months_between_matches_its_documented_rule(shared, a, b):
    (got,) = shared(f"SELECT MONTHS_BETWEEN('{a}'::TIMESTAMP, '{b}'::TIMESTAMP)")[0]
    assert got == pytest.approx(_months_between(a, b), abs=1e-9)


# -- EXTRACT / DATE_PART of the epoch [DOC: functions/date_part, functions/object_construct]

def test_epoch_parts_are_whole_numbers(q):
    """``epoch_seconds`` (and ``epoch``) was a FLOAT, and DuckDB rounded: 20.623 s gave ...561.
    The OBJECT_CONSTRUCT page shows ``"created_date_seconds": 1705536000`` for a DATE."""
    row = q("""SELECT DATE_PART(epoch_second, TO_TIMESTAMP('2024-04-08T23:39:20.123-07:00')),
                      DATE_PART(epoch_millisecond, TO_TIMESTAMP('2024-04-08T23:39:20.123-07:00')),
                      EXTRACT(epoch_seconds, '2024-01-18'::DATE), EXTRACT(epoch FROM '2024-04-08 23:39:20.623'::TIMESTAMP),
                      DATE_PART(epoch_millisecond, '2024-04-08 23:39:20.6239'::TIMESTAMP)""")[0]
    assert row == (1712619560, 1712619560123, 1705536000, 1712619560, 1712619560623)
    assert all(type(v) is int for v in row)
    q("CREATE TABLE demo_table_1 (province VARCHAR, created_date DATE)")
    q("INSERT INTO demo_table_1 (province, created_date) VALUES ('Manitoba', '2024-01-18'::DATE)")
    (obj,) = q("SELECT OBJECT_CONSTRUCT('created_date_seconds', extract(epoch_seconds, created_date)) FROM demo_table_1")[0]
    assert json.loads(obj) == {"created_date_seconds": 1705536000} and "1705536000.0" not in obj


@_PROPERTY
@given(moment=st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2040, 1, 1)))
def test_epoch_second_is_the_second_the_instant_is_in(shared, moment):
    """[INFER] Floored (before 1970 too): the epoch of the second the instant falls in."""
    micros = (moment - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    assert shared(f"SELECT DATE_PART(epoch_second, '{moment}'::TIMESTAMP), "
                  f"DATE_PART(epoch_millisecond, '{moment}'::TIMESTAMP)")[0] == (micros // 10**6, micros // 1000)


# -- TO_DATE / TO_TIME / TO_TIMESTAMP [DOC: functions/to_date, functions/to_time, functions/to_timestamp]

def test_to_date_formats(q):
    """'AUTO' is the default format; a bare HH is an hour (the TO_DATE page's TO_TIMESTAMP(...,
    'YYYY.MM.DD HH:MI:SS') failed)."""
    q("CREATE OR REPLACE TABLE date_from_timestamp(ts TIMESTAMP)")
    q("INSERT INTO date_from_timestamp(ts) VALUES (TO_TIMESTAMP('2024.10.02 04:00:00', 'YYYY.MM.DD HH:MI:SS'))")
    assert q("SELECT ts, TO_DATE(ts) FROM date_from_timestamp") == [(datetime(2024, 10, 2, 4, 0), date(2024, 10, 2))]
    assert q("SELECT TO_DATE('2024-05-10', 'AUTO'), DATE('2024-05-10', 'AUTO'), TRY_TO_DATE('x', 'AUTO'), "
             "TO_TIMESTAMP('2024-05-10 01:02:03', 'AUTO')")[0] == (
        date(2024, 5, 10), date(2024, 5, 10), None, datetime(2024, 5, 10, 1, 2, 3))
    # [INFER] HH is HH24, and HH12 beside AM / PM
    assert q("SELECT TO_CHAR('2024-04-05 13:02:03'::TIMESTAMP, 'YYYY-MM-DD HH:MI:SS'), "
             "TO_TIMESTAMP('2024-04-05 01:02 PM', 'YYYY-MM-DD HH:MI AM')")[0] == (
        "2024-04-05 13:02:03", datetime(2024, 4, 5, 13, 2))


def test_to_date_and_to_time_of_digits_are_time_since_the_epoch(q):
    """The pages' demo1 tables: a string of digits is seconds, milli-, micro- or nanoseconds by
    its magnitude, for TO_DATE and TO_TIME as for TO_TIMESTAMP (a column failed with "Date
    '31536000' is not recognized", a constant as an unknown function)."""
    q("CREATE OR REPLACE TABLE demo1 (description VARCHAR, value VARCHAR)")
    q("INSERT INTO demo1 (description, value) VALUES ('Seconds', '31536000'), ('Milliseconds', '31536000000'), "
      "('Microseconds', '31536000000000'), ('Nanoseconds', '31536000000000000')")
    assert q("SELECT TO_TIMESTAMP(value), TO_DATE(value) FROM demo1 ORDER BY value") == \
        [(datetime(1971, 1, 1), date(1971, 1, 1))] * 4
    q("CREATE OR REPLACE TABLE demo1_time (description VARCHAR, value VARCHAR)")
    q("INSERT INTO demo1_time (description, value) VALUES ('Seconds', '31536001'), ('Milliseconds', '31536002400'), "
      "('Microseconds', '31536003600000'), ('Nanoseconds', '31536004900000000')")
    assert q("SELECT TO_TIME(value) FROM demo1_time ORDER BY value") == [
        (time(0, 0, 1),), (time(0, 0, 2, 400000),), (time(0, 0, 3, 600000),), (time(0, 0, 4, 900000),)]
    assert q("SELECT TO_DATE('31536000'), TRY_TO_DATE('31536000000'), TO_DATE('2024-05-10'), TO_TIME('13:30:00'), "
             "TIME('13:30:00.000')")[0] == (date(1971, 1, 1), date(1971, 1, 1), date(2024, 5, 10), time(13, 30),
                                            time(13, 30))


def test_to_timestamp_with_a_scale(q):
    """The page's examples: a non-integer number of milliseconds (DuckDB's epoch_ms took integers
    only), and one number read at the four scales."""
    assert q("SELECT TO_TIMESTAMP_NTZ(40 * 365.25 * 86400 * 1000 + 456, 3)")[0] == (datetime(2010, 1, 1, 0, 0, 0, 456000),)
    assert q("SELECT TO_TIMESTAMP(1000000000, 0), TO_TIMESTAMP(1000000000, 3), TO_TIMESTAMP(1000000000, 6), "
             "TO_TIMESTAMP(1000000000, 9)")[0] == (
        datetime(2001, 9, 9, 1, 46, 40), datetime(1970, 1, 12, 13, 46, 40), datetime(1970, 1, 1, 0, 16, 40),
        datetime(1970, 1, 1, 0, 0, 1))


def test_try_to_timestamp_tz_reads_a_spaced_offset(q):
    """Snowflake's display form of a TIMESTAMP_TZ is read by the TRY_ form too (it was NULL: a
    statement whose only cast is a TRY_CAST skipped the rewrite)."""
    assert q("SELECT TRY_TO_TIMESTAMP_TZ('2024-01-15 12:30:00 +02:00')")[0] == (
        datetime(2024, 1, 15, 10, 30, tzinfo=UTC),)


# -- TIMESTAMP_FROM_PARTS [DOC: functions/timestamp_from_parts]

def test_timestamp_from_parts_carries_out_of_range_values(q):
    """The page: ``timestamp_from_parts(2013, 4, 5, 12, 0, -3600)`` is 11:00 (DuckDB refused the
    negative second)."""
    assert q("SELECT TIMESTAMP_FROM_PARTS(2013, 4, 5, 12, 0, -3600), "
             "TIMESTAMP_NTZ_FROM_PARTS(2013, 4, 5, 12, 00, 00, 987654321)")[0] == (
        datetime(2013, 4, 5, 11, 0), datetime(2013, 4, 5, 12, 0, 0, 987654))


@_PROPERTY
@given(month=st.integers(-30, 30), day=st.integers(-60, 60), hour=st.integers(-50, 50), minute=st.integers(-200, 200),
       second=st.integers(-5000, 5000))
def test_timestamp_from_parts_is_date_from_parts_plus_the_time(shared, month, day, hour, minute, second):
    (got,) = shared(f"SELECT TIMESTAMP_FROM_PARTS(2020, {month}, {day}, {hour}, {minute}, {second})")[0]
    months = 2020 * 12 + month - 1
    start = date(months // 12, months % 12 + 1, 1) + timedelta(days=day - 1)
    assert got == datetime.combine(start, time()) + timedelta(hours=hour, minutes=minute, seconds=second)


# -- CONVERT_TIMEZONE [DOC: functions/convert_timezone]

def test_convert_timezone_of_text_with_a_spaced_offset(q):
    """The page's example: 12:00 at +02:00 is 03:00 in Los Angeles (the text failed with "Unknown
    TimeZone '+02:00'"). The result keeps no offset (a known limit)."""
    assert q("SELECT CONVERT_TIMEZONE('America/Los_Angeles', '2024-04-05 12:00:00 +02:00') AS time_in_la")[0] == (
        datetime(2024, 4, 5, 3, 0),)


# -- TO_DECIMAL / TO_NUMBER [DOC: functions/to_decimal, functions/try_to_decimal]

def test_to_number_out_of_range_is_100039(q):
    """The pages: a value with more digits than NUMBER(p, s) holds fails with 100039 "Numeric value
    '12.3456' is out of range" (it was 100038 "not recognized"); text that is no number stays
    100038; the TRY_ form gives NULL."""
    q("CREATE OR REPLACE TABLE number_conv(expr VARCHAR)")
    q("INSERT INTO number_conv VALUES ('12.3456'), ('98.76546')")
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT expr, TO_NUMBER(expr, 10, 9) FROM number_conv")
    assert (e.value.errno, e.value.msg) == (100039, "Numeric value '12.3456' is out of range")
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT TO_DECIMAL(column1, 4, 2) FROM VALUES ('345.123')")
    assert e.value.errno == 100039
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT TO_DECIMAL(column1, 6, 2) FROM VALUES ('$7,543.21')")
    assert (e.value.errno, e.value.msg) == (100038, "Numeric value '$7,543.21' is not recognized")
    assert q("SELECT TRY_TO_DECIMAL(column1, 4, 2) FROM VALUES ('345.123')") == [(None,)]


def test_to_decimal_tm9_reads_past_blanks(q):
    """The page's TD5 column: '- 0.1' with 'TM9' is -0.10000 (it failed as not recognized)."""
    assert q("SELECT TO_DECIMAL(column1, '99.9') AS d0, TO_DECIMAL(column1, 'TM9', 9, 5) AS td5 "
             "FROM VALUES ('1.0'), ('-12.3'), ('0.0'), ('- 0.1')") == [
        (1, Decimal("1.00000")), (-12, Decimal("-12.30000")), (0, Decimal("0.00000")), (0, Decimal("-0.10000"))]


# -- Interval constants and date arithmetic [DOC: data-types-datetime]

def test_interval_constants_add_their_increments_in_order(q):
    """The page's examples: a list of increments was refused ("Numeric value '1 day, 1 year' is not
    recognized"); its order matters; a DATE plus days or larger is a DATE, plus hours a TIMESTAMP."""
    row = q("SELECT TO_DATE('2019-02-28') + INTERVAL '1 day, 1 year', TO_DATE('2019-02-28') + INTERVAL '1 year, 1 day', "
            "TO_DATE('2023-04-15') + INTERVAL '1 year', TO_TIME('04:15:29') + INTERVAL '3 hours, 18 minutes'")[0]
    assert row == (date(2020, 3, 1), date(2020, 2, 29), date(2024, 4, 15), time(7, 33, 29))
    assert [type(v) for v in row] == [date, date, date, time]
    (complex2,) = q("SELECT TO_DATE('2025-01-17') + INTERVAL '1 y, 3 q, 4 mm, 5 w, 6 d, 7 h, 9 m, 8 s, "
                    "1000 ms, 445343232 us, 898498273498 ns' AS complex_interval2")[0]
    assert complex2 == datetime(2027, 3, 30, 7, 31, 32, 841505)  # 2027-03-30 07:31:32.841505498, to the µs
    assert q("SELECT TO_DATE('2024-04-15') - INTERVAL '1 mon', TO_DATE('2024-04-15') + INTERVAL '2', "
             "TO_DATE('2024-04-15') + 1, TO_DATE('2024-04-15') - 4")[0] == (
        date(2024, 3, 15), datetime(2024, 4, 15, 0, 0, 2), date(2024, 4, 16), date(2024, 4, 11))


def test_interval_constants_with_the_current_time():
    """The page's CURRENT_TIMESTAMP and CURRENT_DATE examples, at a fixed time."""
    con = _at(datetime(2024, 6, 12, 15, 52, 53, 114000))
    con.execute_string("""
        CREATE TABLE employees (name STRING, hire_date DATE);
        INSERT INTO employees VALUES ('new', '2023-01-01'), ('old', '2022-03-01');
        CREATE TABLE t1 (ts TIMESTAMP);
        INSERT INTO t1 VALUES ('2024-04-05 01:02:04'), ('2024-04-05 01:02:03');
    """)
    assert _rows(con, "SELECT CURRENT_TIMESTAMP + INTERVAL '1 year, 3 quarters, 4 months, 5 weeks, 6 days, 7 minutes, "
                      "8 seconds, 1000 milliseconds, 4000000 microseconds, 5000000001 nanoseconds'") == [
        (datetime(2026, 8, 22, 16, 0, 11, 114000),)]
    assert _rows(con, "SELECT name, hire_date FROM employees WHERE hire_date > CURRENT_DATE - INTERVAL '2 y, 3 month'") \
        == [("new", date(2023, 1, 1))]
    assert _rows(con, "SELECT ts + INTERVAL '4 seconds' FROM t1 WHERE ts > TO_TIMESTAMP('2024-04-05 01:02:03')") == [
        (datetime(2024, 4, 5, 1, 2, 8),)]
    con.close()


def _add_months(d: date, n: int) -> date:
    months = d.year * 12 + d.month - 1 + n
    year, month = divmod(months, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


_DATE_INCREMENTS = {"year": lambda d, n: _add_months(d, 12 * n), "quarter": lambda d, n: _add_months(d, 3 * n),
                    "month": lambda d, n: _add_months(d, n), "week": lambda d, n: d + timedelta(weeks=n),
                    "day": lambda d, n: d + timedelta(days=n)}
_SPELLINGS = {"year": ["y", "yrs", "years"], "quarter": ["q", "qtr", "quarters"], "month": ["mm", "mon", "months"],
              "week": ["w", "wk", "weeks"], "day": ["d", "dd", "days"]}


@_PROPERTY
@given(start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)),
       increments=st.lists(st.tuples(st.sampled_from(sorted(_DATE_INCREMENTS)), st.integers(-40, 40), st.integers(0, 2)),
                           min_size=1, max_size=4),
       minus=st.booleans())
def test_date_interval_constants_match_a_model(shared, start, increments, minus):
    """Each increment applied in the order written (each subtracted, for ``-``), on the calendar
    (a month from the 31st is the month's last day), and the result a DATE."""
    text = ", ".join(f"{n} {_SPELLINGS[part][k]}" for part, n, k in increments)
    (got,) = shared(f"SELECT '{start}'::DATE {'-' if minus else '+'} INTERVAL '{text}'")[0]
    expected = start
    for part, n, _ in increments:
        expected = _DATE_INCREMENTS[part](expected, -n if minus else n)
    assert type(got) is date and got == expected


# -- DATE_TRUNC [DOC: functions/date_trunc]

def test_date_trunc_of_a_time_to_a_day_or_larger_fails(q):
    """The page: "trying to truncate a TIME value to a day, week, year, and so on causes an error"
    (it gave midnight). [INFER] The error's words and code, which the page does not give."""
    q("CREATE OR REPLACE TABLE test_date_trunc (mydate DATE, mytime TIME, mytimestamp TIMESTAMP)")
    q("INSERT INTO test_date_trunc VALUES ('2024-05-09', '08:50:48', '2024-05-09 08:50:57.891 -0700')")
    assert q('SELECT DATE_TRUNC(\'minute\', mytime) AS "TRUNCATED TO MINUTE" FROM test_date_trunc') == [(time(8, 50),)]
    for part in ("day", "week", "year"):
        with pytest.raises(cdcsim.ProgrammingError) as e:
            q(f"SELECT DATE_TRUNC('{part}', mytime) FROM test_date_trunc")
        assert f"Invalid date part '{part.upper()}'" in e.value.msg
