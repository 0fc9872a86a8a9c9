"""CRON expressions for ``SCHEDULE = 'USING CRON <expr> <time zone>'``: parsing and next-match.

Owns the five-field cron subset Snowflake documents: minute (0-59), hour (0-23), day of month
(1-31 or ``L``), month (1-12 or JAN-DEC), day of week (0-6 or SUN-SAT, 7 also Sunday, ``L`` and
``<n>L``), each with ``*``, lists, ranges and ``/step``. Matching is done on the wall time of the
IANA zone with ``zoneinfo`` (no dependency).

Choices where Snowflake is silent [INFER]:
* Day of month and day of week both restricted (neither ``*``): a day matches if either does,
  as in Vixie cron (the cron Snowflake says it follows a subset of).
* ``L`` alone in day of week is Saturday (the last day of the week); ``5L`` is the last Friday
  of the month.

Daylight saving [DOC]: CREATE TASK says that on the autumn change ``0 1 * * * America/Los_Angeles``
"would run twice: once at 1 AM and then again when 1:59:59 AM shifts to 1:00:00 AM local time.
That is, there are two points in time when the local time is 1 AM", and that on the spring change
``0 2 * * * America/Los_Angeles`` "would not run at all because the local time shifts from
1:59:59 AM to 3:00:00 AM. That is, there is no point during that day when the local time is 2 AM".
Both sentences are one rule, applied here to every field: the slots are exactly the instants at
which the zone's wall clock shows a matching minute (``next_utc``).

Daylight saving where the docs are silent [INFER]:
* The rule covers every minute and hour, not only the documented ``0 1``/``0 2``: ``*/30 1 * * *``
  runs four times on the autumn day (01:00, 01:30, 01:00, 01:30), ``0 * * * *`` runs 25 times on it
  and 23 times on the spring day. A missing wall time is not moved past the gap (as Vixie cron
  does): it does not run that day, as the docs say of 2 AM.
* It covers every change of the zone's UTC offset alike: 30-minute shifts (Australia/Lord_Howe
  repeats only 01:30-01:59), two-hour ones, and offset changes that are not daylight saving.
* Day of month, month and day of week are matched on the local date of each occurrence.
* The engine's naive timestamps are the machine's local time (``WallClock``); a naive instant
  is converted to the cron zone with that assumption, and the result is converted back. Where the
  machine's own zone repeats an hour, naive time cannot tell the two apart: a slot whose naive time
  is not after ``after`` is dropped, so naive slots always move forward (the scheduler relies on it).
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_SEARCH_DAYS = 366 * 5  # far enough for Feb 29 and any weekday/day-of-month combination
# How far apart the UTC offset is sampled when looking for a zone change between two instants.
# Since 1900 no tz database zone has two changes less than ~4 days apart, so a one-day step
# cannot step over a change and its reversal (which would leave the offset looking unchanged).
_PROBE = timedelta(days=1)
_TICK = timedelta(microseconds=1)


class CronError(ValueError):
    """An invalid cron expression or time zone."""


def _value(tok: str, names: dict[str, int], lo: int, hi: int) -> int:
    t = tok.upper()
    if t in names:
        return names[t]
    if not t.isdigit():
        raise CronError(f"invalid cron value '{tok}'")
    v = int(t)
    if not lo <= v <= hi:
        raise CronError(f"cron value {v} out of range {lo}-{hi}")
    return v


def _field(text: str, lo: int, hi: int, names: dict[str, int] | None = None) -> frozenset[int]:
    names = names or {}
    out: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"invalid cron field '{text}'")
        rng, _, step_s = part.partition("/")
        step = 1
        if step_s:
            if not step_s.isdigit() or int(step_s) == 0:
                raise CronError(f"invalid cron step '{step_s}'")
            step = int(step_s)
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            x, _, y = rng.partition("-")
            a, b = _value(x, names, lo, hi), _value(y, names, lo, hi)
            if a > b:
                raise CronError(f"invalid cron range '{rng}'")
        else:
            a = _value(rng, names, lo, hi)
            b = hi if step_s else a
        out.update(range(a, b + 1, step))
    return frozenset(out)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: frozenset[int]
    dom_last: bool
    months: frozenset[int]
    dow: frozenset[int]  # 0 = Sunday
    dow_last: frozenset[int]  # "<n>L": last <n>-day of the month
    dom_star: bool
    dow_star: bool
    tz: ZoneInfo
    text: str

    @staticmethod
    def parse(text: str) -> Cron:
        """Parse ``'<min> <hour> <dom> <month> <dow> <IANA zone>'``."""
        parts = text.split()
        if len(parts) != 6:
            raise CronError("a cron schedule needs 5 fields and a time zone")
        m, h, dom, mon, dow, tzname = parts
        try:
            tz = ZoneInfo(tzname)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"unknown time zone '{tzname}'") from None
        dom_last = False
        dom_vals: set[int] = set()
        for p in dom.split(","):
            if p.upper() == "L":
                dom_last = True
            else:
                dom_vals |= _field(p, 1, 31)
        dow_vals: set[int] = set()
        dow_last: set[int] = set()
        for p in dow.split(","):
            up = p.upper()
            if up == "L":
                dow_vals.add(6)
            elif up.endswith("L"):
                dow_last.add(_value(up[:-1], _DAYS, 0, 7) % 7)
            else:
                dow_vals |= {d % 7 for d in _field(p, 0, 7, _DAYS)}
        return Cron(_field(m, 0, 59), _field(h, 0, 23), frozenset(dom_vals), dom_last,
                    _field(mon, 1, 12, _MONTHS), frozenset(dow_vals), frozenset(dow_last),
                    dom == "*", dow == "*", tz, text)

    def _day_matches(self, d: date) -> bool:
        if d.month not in self.months:
            return False
        last = calendar.monthrange(d.year, d.month)[1]
        dom_ok = d.day in self.dom or (self.dom_last and d.day == last)
        wd = (d.weekday() + 1) % 7  # Python Monday=0 -> cron Sunday=0
        dow_ok = wd in self.dow or (wd in self.dow_last and d.day + 7 > last)
        if self.dom_star and self.dow_star:
            return True
        if self.dom_star:
            return dow_ok
        if self.dow_star:
            return dom_ok
        return dom_ok or dow_ok

    @cached_property
    def _hour_list(self) -> tuple[int, ...]:
        return tuple(sorted(self.hours))

    @cached_property
    def _minute_list(self) -> tuple[int, ...]:
        return tuple(sorted(self.minutes))

    def _first_time(self, tod: time, inclusive: bool) -> time | None:
        """The first matching hour:minute after ``tod`` (or at it, if ``inclusive``) on the same day."""
        hours, minutes = self._hour_list, self._minute_list
        on_minute = inclusive and tod.second == 0 and tod.microsecond == 0
        for h in hours[bisect_left(hours, tod.hour):]:
            if h > tod.hour:
                return time(h, minutes[0])
            j = bisect_left(minutes, tod.minute) if on_minute else bisect_right(minutes, tod.minute)
            if j < len(minutes):
                return time(h, minutes[j])
        return None

    def _next_wall(self, wall: datetime, inclusive: bool) -> datetime | None:
        """The first matching naive wall time after ``wall`` (or at it), as on a calendar with no
        offset changes; None if nothing matches within ``_SEARCH_DAYS``."""
        d = wall.date()
        for i in range(_SEARCH_DAYS):
            if self._day_matches(d):
                if i > 0:
                    return datetime.combine(d, time(self._hour_list[0], self._minute_list[0]))
                hit = self._first_time(wall.time(), inclusive)
                if hit is not None:
                    return datetime.combine(d, hit)
            d += timedelta(days=1)
        return None

    def _offset(self, instant: datetime) -> timedelta:
        """The zone's UTC offset at an aware instant."""
        off = instant.astimezone(self.tz).utcoffset()
        assert off is not None
        return off

    def _change(self, start: datetime, end: datetime, off: timedelta) -> datetime | None:
        """The first instant in ``(start, end]`` whose offset is not ``off`` (None if there is none).

        The offset is sampled every ``_PROBE`` and at ``end``; between the last sample still at
        ``off`` and the first that is not, the change is found by bisection to the microsecond."""
        lo = start
        while lo < end:
            hi = min(lo + _PROBE, end)
            if self._offset(hi) != off:
                while hi - lo > _TICK:
                    mid = lo + (hi - lo) // 2
                    if self._offset(mid) == off:
                        lo = mid
                    else:
                        hi = mid
                return hi
            lo = hi
        return None

    def next_utc(self, after: datetime) -> datetime:
        """The first slot strictly after the aware instant ``after``, as an aware UTC datetime.

        A slot is an instant whose wall time in the zone matches the fields (see the module
        docstring). The time line is walked one constant-offset stretch at a time: within a
        stretch, wall time is UTC plus a fixed offset, so the first match is the calendar's next
        matching wall time. When the zone changes offset before that match, the walk restarts at
        the change with the new offset, inclusive of that instant. So a repeated wall time (fall
        back) matches once in each stretch it occurs in, and one skipped over (spring forward) in
        none."""
        t = after.astimezone(UTC)
        limit = t + timedelta(days=_SEARCH_DAYS)
        inclusive = False  # strictly after ``after``; at a zone change, the change instant itself counts
        while t <= limit:
            off = self._offset(t)
            wall = self._next_wall((t + off).replace(tzinfo=None), inclusive)
            if wall is None:
                break
            slot = (wall - off).replace(tzinfo=UTC)
            change = self._change(t, slot, off)
            if change is None:
                return slot
            t, inclusive = change, True
        raise CronError(f"cron expression '{self.text}' never matches")

    def next_after(self, after: datetime) -> datetime:
        """The first slot strictly after ``after``.

        An aware ``after`` gives an aware UTC result. A naive one is the machine's local time (as the
        engine's clocks are) and gives naive local time; a slot whose naive time would not be after
        ``after`` (the machine's own zone repeating an hour) is passed over [INFER, module docstring]."""
        if after.tzinfo is not None:
            return self.next_utc(after)
        # A naive datetime's astimezone() applies the system's local rules for that instant.
        t = after.astimezone(UTC)
        while True:
            t = self.next_utc(t)
            local = t.astimezone().replace(tzinfo=None)
            if local > after:
                return local
