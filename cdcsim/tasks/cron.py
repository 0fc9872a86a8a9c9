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
* Daylight saving: a wall time that does not exist (spring forward) is skipped; a wall time that
  happens twice (fall back) runs once, at its first occurrence.
* The engine's naive timestamps are the machine's local time (``WallClock``); a naive instant
  is converted to the cron zone with that assumption, and the result is converted back.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
_SEARCH_DAYS = 366 * 5  # far enough for Feb 29 and any weekday/day-of-month combination


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

    def next_after(self, after: datetime) -> datetime:
        """The first matching instant strictly after ``after`` (naive local time in, naive out)."""
        # A naive datetime's astimezone() applies the system's local rules for that instant.
        aware = after.astimezone(UTC)
        start = aware.astimezone(self.tz)
        hours, minutes = sorted(self.hours), sorted(self.minutes)
        d = start.date()
        for _ in range(_SEARCH_DAYS):
            if self._day_matches(d):
                for hh in hours:
                    for mm in minutes:
                        wall = datetime.combine(d, time(hh, mm), tzinfo=self.tz)
                        utc = wall.astimezone(UTC)
                        if utc.astimezone(self.tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
                            continue  # does not exist on this day (DST gap)
                        if utc > aware:
                            return utc.astimezone().replace(tzinfo=None) if after.tzinfo is None else utc
            d += timedelta(days=1)
        raise CronError(f"cron expression '{self.text}' never matches")
