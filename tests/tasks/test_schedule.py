"""SCHEDULE strings and their limits (cdcsim.tasks.schedule)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cdcsim import ProgrammingError
from cdcsim.tasks.schedule import parse_schedule


@pytest.mark.parametrize(("text", "seconds"), [
    ("10 SECONDS", 10), ("30 seconds", 30), ("1 MINUTE", 60), ("5 MINUTES", 300), ("60 MINUTES", 3600),
    ("1 HOUR", 3600), ("12 HOURS", 43200), ("10 m", 600), ("60 M", 3600), ("15 s", 15), ("2 h", 7200),
    ("11520 MINUTE", 11520 * 60),
])
def test_interval_forms(text: str, seconds: int) -> None:
    assert parse_schedule(text, relaxed=False).interval == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5 SECONDS", "9 s", "11521 MINUTE", "0 MINUTES", "1.5 MINUTES", "5", "MINUTE",
                                  "5 FORTNIGHTS", "-1 MINUTE"])
def test_snowflake_limits_reject(text: str) -> None:
    with pytest.raises(ProgrammingError, match="SCHEDULE"):
        parse_schedule(text, relaxed=False)


def test_relaxed_allows_fractions_of_a_second() -> None:
    assert parse_schedule("0.1 SECONDS", relaxed=True).interval == timedelta(milliseconds=100)
    assert parse_schedule("1 s", relaxed=True).interval == timedelta(seconds=1)
    with pytest.raises(ProgrammingError):
        parse_schedule("0 SECONDS", relaxed=True)


def test_slots_count_from_base_and_are_strictly_after() -> None:
    s = parse_schedule("10 MINUTES", relaxed=False)
    base = datetime(2025, 9, 3, 9, 3)
    assert s.first_after(base, base) == datetime(2025, 9, 3, 9, 13)
    assert s.first_after(base, datetime(2025, 9, 3, 9, 13)) == datetime(2025, 9, 3, 9, 23)
    # A run that finished at 9:31 skips the 9:23 and 9:33 is next.
    assert s.first_after(base, datetime(2025, 9, 3, 9, 31)) == datetime(2025, 9, 3, 9, 33)


def test_no_drift_over_many_fractional_slots() -> None:
    s = parse_schedule("0.1 SECONDS", relaxed=True)
    base = datetime(2025, 1, 1)
    t = base
    for _ in range(10_000):
        t = s.first_after(base, t)
    assert t == base + timedelta(seconds=1000)


def test_cron_schedule() -> None:
    s = parse_schedule("USING CRON 0 9 * * * UTC", relaxed=False)
    assert s.cron is not None and s.interval is None
    with pytest.raises(ProgrammingError, match="SCHEDULE"):
        parse_schedule("USING CRON 0 9 * * *", relaxed=False)
