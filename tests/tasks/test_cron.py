"""CRON parsing and matching (cdcsim.tasks.cron)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cdcsim.tasks.cron import Cron, CronError


def nxt(expr: str, after: datetime) -> datetime:
    return Cron.parse(expr).next_after(after)


def local(utc: datetime) -> datetime:
    """A UTC wall time as the engine's naive local time."""
    return utc.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def test_every_15_minutes_is_strictly_after() -> None:
    base = local(datetime(2025, 9, 3, 11, 0))
    assert nxt("*/15 * * * * UTC", base) == local(datetime(2025, 9, 3, 11, 15))
    assert nxt("*/15 * * * * UTC", local(datetime(2025, 9, 3, 11, 14, 59))) == local(datetime(2025, 9, 3, 11, 15))


def test_time_zone_of_the_schedule_is_applied() -> None:
    # 09:00 in Los Angeles on a Sunday (PDT, UTC-7) = 16:00 UTC.
    got = nxt("0 9-17 * * SUN America/Los_Angeles", local(datetime(2025, 9, 3, 11)))
    assert got == local(datetime(2025, 9, 7, 16, 0))


def test_names_lists_ranges_and_steps() -> None:
    c = Cron.parse("0,30 8-18/2 * JAN-MAR MON-FRI UTC")
    assert c.minutes == {0, 30}
    assert c.hours == {8, 10, 12, 14, 16, 18}
    assert c.months == {1, 2, 3}
    assert c.dow == {1, 2, 3, 4, 5}


def test_last_day_of_month_and_last_weekday() -> None:
    assert nxt("0 0 L * * UTC", local(datetime(2025, 2, 3))) == local(datetime(2025, 2, 28))
    assert nxt("0 0 L * * UTC", local(datetime(2024, 2, 3))) == local(datetime(2024, 2, 29))
    # 5L = last Friday of the month: 2025-09-26.
    assert nxt("0 12 * * 5L UTC", local(datetime(2025, 9, 3))) == local(datetime(2025, 9, 26, 12))


def test_day_of_month_or_day_of_week_when_both_restricted() -> None:
    # 2025-09-04 is a Thursday (4), before the 15th: the weekday matches first.
    assert nxt("0 0 15 * THU UTC", local(datetime(2025, 9, 3, 1))) == local(datetime(2025, 9, 4))


def test_sunday_as_7() -> None:
    assert Cron.parse("0 0 * * 7 UTC").dow == {0}


def test_dst_gap_is_skipped() -> None:
    # 02:30 does not exist in New York on 2025-03-09; the next 02:30 EDT is on 03-10 (06:30 UTC).
    assert nxt("30 2 * * * America/New_York", local(datetime(2025, 3, 8, 12))) == local(datetime(2025, 3, 10, 6, 30))


def test_dst_overlap_runs_at_both_occurrences() -> None:
    # 01:30 happens twice in New York on 2025-11-02 (05:30 EDT and 06:30 EST, in UTC); both run,
    # as CREATE TASK documents for the repeated 1 AM (more in test_cron_dst.py).
    first = nxt("30 1 * * * America/New_York", local(datetime(2025, 11, 2, 0)))
    assert first == local(datetime(2025, 11, 2, 5, 30))
    second = nxt("30 1 * * * America/New_York", first)
    assert second == local(datetime(2025, 11, 2, 6, 30))
    assert nxt("30 1 * * * America/New_York", second) == local(datetime(2025, 11, 3, 6, 30))


@pytest.mark.parametrize("expr", ["* * * * UTC", "60 * * * * UTC", "* 24 * * * UTC", "* * 0 * * UTC",
                                  "* * * 13 * UTC", "*/0 * * * * UTC", "5-1 * * * * UTC", "* * * * * Mars/Base",
                                  "a * * * * UTC"])
def test_invalid_expressions(expr: str) -> None:
    with pytest.raises(CronError):
        Cron.parse(expr)


def test_never_matching_expression() -> None:
    with pytest.raises(CronError):
        nxt("0 0 31 2 * UTC", datetime(2025, 1, 1))
