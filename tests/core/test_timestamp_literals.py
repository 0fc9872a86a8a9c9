"""Timestamp text with a space before its offset, as Snowflake shows a TIMESTAMP_TZ
(cdcsim/sql/timestamp_literals.py): read in casts, TO_TIMESTAMP_* and INSERT ... VALUES into
timestamp columns; left alone in a VARCHAR column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_casts_and_conversion_functions(q):
    row = q("SELECT '2024-01-31 10:00:00 +02:00'::TIMESTAMP_TZ, TO_TIMESTAMP_TZ('2024-01-31 10:00:00.000 +0200'), "
            "TO_TIMESTAMP_LTZ('2024-01-31 10:00:00 Z'), TRY_TO_TIMESTAMP_TZ('2024-01-31 10:00 -05:00'), "
            "'2024-01-31 10:00:00 +0200'::TIMESTAMP_NTZ")[0]
    assert [v.astimezone(UTC) if v.tzinfo else v for v in row] == [
        _utc(2024, 1, 31, 8), _utc(2024, 1, 31, 8), _utc(2024, 1, 31, 10), _utc(2024, 1, 31, 15),
        datetime(2024, 1, 31, 10)]  # NTZ ignores the offset


def test_insert_values_into_timestamp_columns_only(con, q):
    con.execute_string("CREATE TABLE ev (id INT, at TIMESTAMP_TZ, note VARCHAR, local_at TIMESTAMP_NTZ)")
    q("INSERT INTO ev VALUES (1, '2024-01-31 10:00:00.000 +0200', '2024-01-31 10:00:00 +0200', "
      "'2024-01-31 10:00:00 +0200')")
    q("INSERT INTO ev (note, at, id) VALUES ('at +0200', '2024-02-01 00:00:00 Z', 2)")
    rows = q("SELECT id, at, note, local_at FROM ev ORDER BY id")
    assert [(i, a.astimezone(UTC), n, loc) for i, a, n, loc in rows] == [
        (1, _utc(2024, 1, 31, 8), "2024-01-31 10:00:00 +0200", datetime(2024, 1, 31, 10)),
        (2, _utc(2024, 2, 1), "at +0200", None)]


def test_a_statement_shape_seen_before_with_other_text(con, q):
    """Literal templates (sql/template.py) never put such text back unread."""
    con.execute_string("CREATE TABLE ev (id INT, at TIMESTAMP_TZ)")
    texts = ["2024-01-01T10:00:00Z", "2024-01-02T10:00:00Z", "2024-01-03 10:00:00 +0200", "2024-01-04T10:00:00Z",
             "2024-01-05 10:00:00.000 -0100"]
    for i, text in enumerate(texts):
        q(f"INSERT INTO ev VALUES ({i}, '{text}')")
    assert [a.astimezone(UTC) for (a,) in q("SELECT at FROM ev ORDER BY id")] == [
        _utc(2024, 1, 1, 10), _utc(2024, 1, 2, 10), _utc(2024, 1, 3, 8), _utc(2024, 1, 4, 10), _utc(2024, 1, 5, 11)]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(lambda d: d.replace(microsecond=0)),
       minutes=st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15), colon=st.booleans())
def test_the_instant_matches_the_offset(q, at, minutes, colon):
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    text = f"{at:%Y-%m-%d %H:%M:%S} {sign}{hh:02d}{':' if colon else ''}{mm:02d}"
    (got,) = q(f"SELECT '{text}'::TIMESTAMP_TZ")[0]
    assert got.astimezone(UTC) == (at - timedelta(minutes=minutes)).replace(tzinfo=UTC)
