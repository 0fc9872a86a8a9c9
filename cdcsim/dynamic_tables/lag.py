"""TARGET_LAG values and the lag rules between tables of one pipeline.

* ``'<n> seconds|minutes|hours|days'`` (singular accepted) or ``DOWNSTREAM``; under 60 seconds is
  Snowflake's error 002755 (doc D1, D16) unless the engine runs with ``limits="relaxed"``.
* A table's duration lag may not be shorter than the lag of a dynamic table it reads (doc D2).
  [INFER] The message and code of that error are undocumented; we raise 002755's family with a
  message naming both tables.
"""

from __future__ import annotations

import re

from ..errors import ProgrammingError
from .catalog import DT, Registry

MIN_LAG_S = 60
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LAG = re.compile(r"^\s*(\d+)\s*(seconds?|minutes?|hours?|days?)\s*$", re.IGNORECASE)


def parse_lag(text: str, relaxed: bool) -> tuple[str, int]:
    """'5 minutes' -> ('5 minutes', 300); raises 002755 below the minimum."""
    m = _LAG.match(text)
    if not m:
        raise ProgrammingError(f"SQL compilation error:\nInvalid TARGET_LAG value '{text}'.", 2755, "22023")
    n, unit = int(m.group(1)), m.group(2).lower()
    secs = n * _UNITS[unit.rstrip("s")]
    if secs <= 0 or (secs < MIN_LAG_S and not relaxed):
        raise ProgrammingError(
            f"SQL compilation error: Invalid TARGET_LAG value '{text}'. "
            f"Dynamic Tables do not support lag values under {MIN_LAG_S} second(s).", 2755, "22023")
    return f"{n} {unit}", secs


def check_against_upstream(reg: Registry, name: str, lag_sec: int | None, upstream: list[DT]) -> None:
    if lag_sec is None:
        return
    for u in upstream:
        if u.lag_sec is not None and u.target_lag not in (None, "DOWNSTREAM") and lag_sec < u.lag_sec:
            raise ProgrammingError(
                f"SQL compilation error: The target lag of dynamic table '{name}' ({lag_sec} seconds) cannot be "
                f"shorter than the target lag of its input dynamic table '{u.fqn}' ({u.target_lag}).", 2755, "22023")


def check_against_downstream(reg: Registry, dt: DT, lag_sec: int | None) -> None:
    if lag_sec is None:
        return
    for d in reg.downstream(dt):
        if d.lag_sec is not None and d.target_lag not in (None, "DOWNSTREAM") and d.lag_sec < lag_sec:
            raise ProgrammingError(
                f"SQL compilation error: The target lag of dynamic table '{dt.fqn}' ({lag_sec} seconds) cannot be "
                f"longer than the target lag of its consumer '{d.fqn}' ({d.target_lag}).", 2755, "22023")
