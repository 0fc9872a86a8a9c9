"""Task schedules: parsing ``SCHEDULE`` strings, their limits, and the next slot after an instant.

Owns the two schedule forms [DOC T1]:
* ``'<n> SECONDS | MINUTES | HOURS'`` — also the singular forms, the legacy ``'<n> MINUTE'`` and
  the abbreviations the docs show (``'10 m'``, ``'60 M'``; likewise ``s``/``h``/``sec``/``min``/``hr``).
  Slots are ``base + k * interval`` where ``base`` is the RESUME time [DOC T5].
* ``'USING CRON <5 fields> <IANA time zone>'`` (see ``cron``).

Limits (``limits="snowflake"``): a whole number; at least 10 seconds [INFER: no minimum is
documented for SECONDS; 10 s is the documented example and the floor of every related
parameter]; at most 11520 minutes (8 days: the documented maximum of the legacy form, applied
to every unit). ``limits="relaxed"`` accepts any positive number, fractions of a second too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..errors import ProgrammingError, compilation_error
from .cron import Cron, CronError

MIN_INTERVAL_S = 10
MAX_INTERVAL_S = 11520 * 60

_UNITS = {
    "SECOND": 1, "SECONDS": 1, "S": 1, "SEC": 1, "SECS": 1,
    "MINUTE": 60, "MINUTES": 60, "M": 60, "MIN": 60, "MINS": 60,
    "HOUR": 3600, "HOURS": 3600, "H": 3600, "HR": 3600, "HRS": 3600,
}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]+)\s*$")
_CRON = re.compile(r"^\s*USING\s+CRON\s+(.+?)\s*$", re.IGNORECASE)


def invalid(param: str, value: str, why: str) -> ProgrammingError:
    return compilation_error(f"invalid value [{value}] for parameter '{param}': {why}", 2_043, "22023")


@dataclass(frozen=True)
class Schedule:
    text: str
    interval_us: int | None = None  # interval schedules, in microseconds
    cron: Cron | None = None

    @property
    def interval(self) -> timedelta | None:
        return None if self.interval_us is None else timedelta(microseconds=self.interval_us)

    def first_after(self, base: datetime, after: datetime) -> datetime:
        """The first slot strictly after ``after`` (interval slots count from ``base``)."""
        if self.cron is not None:
            return self.cron.next_after(after)
        assert self.interval_us is not None
        if after < base:
            return base + timedelta(microseconds=self.interval_us)
        # Integer microseconds: no drift however many slots pass.
        elapsed = (after - base) // timedelta(microseconds=1)
        k = elapsed // self.interval_us + 1
        return base + timedelta(microseconds=k * self.interval_us)


def parse_duration(param: str, text: str, relaxed: bool, lo_s: float, hi_s: float) -> float:
    """``'<n> <unit>'`` in seconds, checked against ``[lo_s, hi_s]`` unless ``relaxed``."""
    m = _INTERVAL.match(text)
    if not m or m.group(2).upper() not in _UNITS:
        raise invalid(param, text, "expected '<num> { SECONDS | MINUTES | HOURS }'")
    num, unit = m.group(1), _UNITS[m.group(2).upper()]
    value = float(num) * unit
    if value <= 0:
        raise invalid(param, text, "the interval must be positive")
    if not relaxed:
        if "." in num:
            raise invalid(param, text, "the number must be a whole number")
        if value < lo_s or value > hi_s:
            raise invalid(param, text, f"the interval must be between {lo_s:g} and {hi_s:g} seconds "
                          "(Snowflake's limits; connect(limits='relaxed') lifts them)")
    return value


def parse_schedule(text: str, relaxed: bool) -> Schedule:
    m = _CRON.match(text)
    if m:
        try:
            return Schedule(text.strip(), cron=Cron.parse(m.group(1)))
        except CronError as e:
            raise invalid("SCHEDULE", text, str(e)) from None
    seconds = parse_duration("SCHEDULE", text, relaxed, MIN_INTERVAL_S, MAX_INTERVAL_S)
    us = round(seconds * 1_000_000)
    if us <= 0:
        raise invalid("SCHEDULE", text, "the interval must be at least one microsecond")
    return Schedule(text.strip(), interval_us=us)
