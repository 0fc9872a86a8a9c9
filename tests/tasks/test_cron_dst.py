"""CRON schedules across daylight saving changes (cdcsim.tasks.cron).

Snowflake's CREATE TASK documentation: ``0 1 * * * America/Los_Angeles`` "would run twice: once at
1 AM and then again when 1:59:59 AM shifts to 1:00:00 AM local time", and ``0 2 * * *`` "would not
run at all" on the spring change. The reference model used below generalises those two sentences:
a slot is every instant whose wall time in the schedule's zone matches the fields.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim
from cdcsim.tasks.cron import Cron


@pytest.fixture
def machine_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin the machine's local zone to UTC: the engine's naive timestamps are machine-local time,
    and the fall-back hour can only show as two distinct naive times where that zone is UTC."""
    if not hasattr(time, "tzset"):
        if datetime(2025, 1, 1, tzinfo=UTC).astimezone().utcoffset() != timedelta(0):
            pytest.skip("needs time.tzset() or a UTC machine")
        yield
        return
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def scheduled_times(schedule: str, start: datetime, hours: float) -> list[datetime]:
    """SCHEDULED_TIME of every finished run of a task on ``schedule`` resumed at ``start`` (naive UTC)."""
    con = cdcsim.connect(clock=cdcsim.ManualClock(start))
    try:
        cur = con.cursor()
        cur.execute(f"CREATE TASK t WAREHOUSE = wh SCHEDULE = 'USING CRON {schedule}' AS SELECT 1")
        cur.execute("ALTER TASK t RESUME")
        con.advance(hours=hours)
        rows = cur.execute("SELECT SCHEDULED_TIME, STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
                           "ORDER BY SCHEDULED_TIME").fetchall()
        return [r[0] for r in rows if r[1] != "SCHEDULED"]
    finally:
        con.close()


def d(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2025, month, day, hour, minute)


# ---------------------------------------------------------------------------- task runs (ManualClock)

def test_autumn_1am_runs_twice(machine_tz: None) -> None:
    # 2025-11-02 in Los Angeles: 01:00 PDT = 08:00 UTC, then 01:00 PST = 09:00 UTC; the day after, 09:00 UTC.
    got = scheduled_times("0 1 * * * America/Los_Angeles", d(1, 12), hours=48)
    assert got == [d(2, 8), d(2, 9), d(3, 9)]


def test_autumn_every_30_minutes_in_the_repeated_hour_runs_four_times(machine_tz: None) -> None:
    got = scheduled_times("*/30 1 * * * America/Los_Angeles", d(2, 0), hours=12)
    assert got == [d(2, 8), d(2, 8, 30), d(2, 9), d(2, 9, 30)]


def test_autumn_hourly_runs_every_utc_hour(machine_tz: None) -> None:
    # 00:00 PDT, 01:00 PDT, 01:00 PST, 02:00 PST, ...: the 25-hour local day has 25 hourly runs.
    got = scheduled_times("0 * * * * America/Los_Angeles", d(2, 6, 30), hours=6)
    assert got == [d(2, h) for h in range(7, 13)]


def test_spring_2am_never_runs(machine_tz: None) -> None:
    # 2025-03-09 in Los Angeles: 01:59:59 PST is followed by 03:00:00 PDT, so no 02:00 that day.
    got = scheduled_times("0 2 * * * America/Los_Angeles", d(8, 0, month=3), hours=72)
    assert got == [d(8, 10, month=3), d(10, 9, month=3)]


def test_spring_hourly_runs_every_utc_hour(machine_tz: None) -> None:
    # 01:00 PST = 09:00 UTC, then 03:00 PDT = 10:00 UTC: the 23-hour local day loses no UTC hour.
    got = scheduled_times("0 * * * * America/Los_Angeles", d(9, 7, 30, month=3), hours=5)
    assert got == [d(9, h, month=3) for h in range(8, 13)]


def test_zone_without_dst_is_unaffected(machine_tz: None) -> None:
    # Phoenix stays on MST (UTC-7) all year: 01:00 is 08:00 UTC every day, once.
    got = scheduled_times("0 1 * * * America/Phoenix", d(1, 12), hours=48)
    assert got == [d(2, 8), d(3, 8)]


def test_utc_is_unaffected(machine_tz: None) -> None:
    got = scheduled_times("0 1 * * * UTC", d(1, 12), hours=48)
    assert got == [d(2, 1), d(3, 1)]


# ---------------------------------------------------------------------------- next_after directly

def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def chain(expr: str, start: datetime, end: datetime) -> list[datetime]:
    """Every slot in (start, end], by repeated next_after on aware UTC instants."""
    cron, out, t = Cron.parse(expr), [], start
    while (t := cron.next_after(t)) <= end:
        out.append(t)
    return out


def test_half_hour_dst_shift_repeats_only_the_half_hour() -> None:
    # Lord Howe Island falls back 30 minutes on 2025-04-06: 02:00 +11 becomes 01:30 +10:30, so
    # 01:30-01:59 happens twice (14:30 and 15:00 UTC) and 01:00 once (14:00 UTC on 04-05).
    got = chain("0,30 1 * * * Australia/Lord_Howe", utc(2025, 4, 5, 12), utc(2025, 4, 6, 12))
    assert got == [utc(2025, 4, 5, 14), utc(2025, 4, 5, 14, 30), utc(2025, 4, 5, 15)]


def test_start_inside_the_repeated_hour() -> None:
    # 08:15 UTC is 01:15 PDT: still ahead are 01:30 PDT (08:30), then 01:00 and 01:30 PST (09:00, 09:30).
    cron = Cron.parse("0,30 1 * * * America/Los_Angeles")
    assert cron.next_after(utc(2025, 11, 2, 8, 15)) == utc(2025, 11, 2, 8, 30)
    assert cron.next_after(utc(2025, 11, 2, 8, 30)) == utc(2025, 11, 2, 9)
    assert cron.next_after(utc(2025, 11, 2, 9, 45)) == utc(2025, 11, 3, 9)


def test_day_of_week_is_the_local_date_of_each_occurrence() -> None:
    # 2025-11-02 is a Sunday in Los Angeles at both 01:00s (08:00 and 09:00 UTC).
    got = chain("0 1 * * SUN America/Los_Angeles", utc(2025, 10, 27), utc(2025, 11, 10))
    assert got == [utc(2025, 11, 2, 8), utc(2025, 11, 2, 9), utc(2025, 11, 9, 9)]


def test_naive_slots_never_go_back_when_the_machine_zone_repeats_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    # [INFER] On a machine in Los Angeles the engine's naive clock shows 01:00 twice; a slot that would
    # not be after the previous naive time is dropped rather than running the scheduler backwards.
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset()")
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        cron = Cron.parse("*/30 * * * * America/Los_Angeles")
        t, seen = datetime(2025, 11, 2, 0, 0), []
        for _ in range(8):
            t = cron.next_after(t)
            seen.append(t)
        assert seen == sorted(set(seen))
        assert seen[-1] == datetime(2025, 11, 2, 4, 0)  # 00:30 .. 01:30, then 02:00 .. 04:00 (the PST 01:xx dropped)
    finally:
        monkeypatch.undo()
        time.tzset()


# ---------------------------------------------------------------------------- property: reference model

DST_ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Berlin", "Europe/Dublin",
             "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham", "America/Santiago",
             "Antarctica/Troll", "America/Havana", "Pacific/Auckland"]


def transitions_2025(zone: str) -> list[datetime]:
    """UTC instants in 2025 where the zone's offset changes (to the minute)."""
    tz, out = ZoneInfo(zone), []
    t = utc(2025, 1, 1)
    off = t.astimezone(tz).utcoffset()
    while t < utc(2026, 1, 1):
        nxt = t + timedelta(days=1)
        if nxt.astimezone(tz).utcoffset() != off:
            lo, hi = t, nxt
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == off else (lo, mid)
            out.append(hi.replace(second=0, microsecond=0))
            off = nxt.astimezone(tz).utcoffset()
        t = nxt
    return out


def reference(minutes: set[int], hours: set[int], dows: set[int] | None, zone: str,
              start: datetime, end: datetime) -> list[datetime]:
    """Brute force: every UTC minute in (start, end] whose wall time in ``zone`` matches the fields."""
    tz, out = ZoneInfo(zone), []
    t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= end:
        w = t.astimezone(tz)
        if w.minute in minutes and w.hour in hours and (dows is None or (w.weekday() + 1) % 7 in dows):
            out.append(t)
        t += timedelta(minutes=1)
    return out


def field(values: set[int]) -> str:
    return ",".join(str(v) for v in sorted(values))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(zone=st.sampled_from(DST_ZONES), which=st.integers(0, 3),
       minutes=st.sets(st.integers(0, 59), min_size=1, max_size=6),
       hours=st.sets(st.integers(0, 23), min_size=1, max_size=8),
       dows=st.none() | st.sets(st.integers(0, 6), min_size=1, max_size=7),
       offset_s=st.integers(-4 * 86400, -86400))
def test_slots_over_a_dst_week_match_brute_force(zone: str, which: int, minutes: set[int], hours: set[int],
                                                 dows: set[int] | None, offset_s: int) -> None:
    trans = transitions_2025(zone)
    assert trans, zone
    start = trans[which % len(trans)] + timedelta(seconds=offset_s)
    end = start + timedelta(days=7)
    expr = f"{field(minutes)} {field(hours)} * * {'*' if dows is None else field(dows)} {zone}"
    want = reference(minutes, hours, dows, zone, start, end)
    assert chain(expr, start, end) == want
    # Starting anywhere (mid-fold too) gives the first reference slot strictly after that instant.
    cron = Cron.parse(expr)
    for probe in want[:: max(1, len(want) // 5)]:
        inside = probe - timedelta(seconds=1)
        assert cron.next_after(inside) == probe
