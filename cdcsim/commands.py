"""The statement registry: Snowflake statements that sqlglot leaves unparsed or that the engine
answers itself (CREATE STREAM, SHOW ..., USE, BEGIN/COMMIT, EXECUTE TASK, ...).

A feature module registers a handler for a regular expression over the statement text with its
comments stripped; the first match wins, so more specific patterns register first. Handlers
receive the session, the ``re.Match`` and the statement's parameters and return a ``Result``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .names import QName
    from .session import Session

TEXT, FIXED, BOOLEAN, TIMESTAMP_NTZ = 2, 0, 13, 8


@dataclass
class Result:
    """A materialised statement result: PEP 249 description and rows."""

    description: list[tuple] | None = None
    rows: list[tuple] = field(default_factory=list)
    rowcount: int = -1

    @staticmethod
    def status(message: str) -> Result:
        return Result([("status", TEXT, None, None, None, None, True)], [(message,)], 1)

    @staticmethod
    def counts(counters: list[tuple[str, int]], rowcount: int | None = None) -> Result:
        """A DML answer as Snowflake shapes it: one row of NUMBER(38,0) counters, one column per
        ``(name, value)`` (e.g. ``number of rows updated``). ``rowcount`` defaults to their sum,
        the rows the statement affected."""
        desc = [(name, FIXED, None, None, 38, 0, False) for name, _ in counters]
        row = tuple(n for _, n in counters)
        return Result(desc, [row], sum(row) if rowcount is None else rowcount)

    @staticmethod
    def table(columns: list[str], rows: list[tuple], types: list[int] | None = None) -> Result:
        types = types or [TEXT] * len(columns)
        desc = [(c, t, None, None, None, None, True) for c, t in zip(columns, types, strict=True)]
        return Result(desc, rows, len(rows))


Handler = Callable[["Session", re.Match[str], Any], Result]
_REGISTRY: list[tuple[re.Pattern[str], Handler]] = []


def command(pattern: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` for statements matching ``pattern`` (anchored, case-insensitive)."""
    rx = re.compile(r"^\s*" + pattern + r"\s*;?\s*$", re.IGNORECASE | re.DOTALL)

    def deco(fn: Handler) -> Handler:
        _REGISTRY.append((rx, fn))
        return fn

    return deco


def find(text: str) -> tuple[Handler, re.Match[str]] | None:
    for rx, fn in _REGISTRY:
        m = rx.match(text)
        if m:
            return fn, m
    return None


# Keyword prefixes that always belong to a registered command: a statement that starts this way
# but matches no pattern gets a syntax error naming it instead of a confusing parser message.
COMMAND_PREFIXES = re.compile(
    r"^\s*(CREATE\s+(OR\s+REPLACE\s+)?(TRANSIENT\s+)?(STREAM|TASK|DYNAMIC\s+TABLE)\b|"
    r"ALTER\s+(TASK|STREAM|DYNAMIC\s+TABLE)\b|EXECUTE\s+TASK\b|SHOW\b|DESC(RIBE)?\b|"
    r"DROP\s+(STREAM|TASK|DYNAMIC\s+TABLE)\b)",
    re.IGNORECASE,
)


def name_taken(s: Session, qn: QName, kind: str, exists: bool, ine: bool, replace: bool) -> Result | None:
    """CREATE [OR REPLACE] <kind> [IF NOT EXISTS] ``qn`` (``exists``: an object of that kind has the
    name): the IF NOT EXISTS answer, an error when the name is taken by it or by another relation,
    or None to go on."""
    from .errors import already_exists

    if exists:
        if ine:
            return Result.status(f"{qn.name} already exists, statement succeeded.")
        if not replace:
            raise already_exists(kind, qn.name)
    elif s.relation_kind(qn) is not None:
        raise already_exists(kind, qn.name)
    return None


_TRUE = {"TRUE", "T", "YES", "Y", "ON", "1"}
_FALSE = {"FALSE", "F", "NO", "N", "OFF", "0"}


def snowflake_bool(value: object, arg: str) -> bool:
    """A BOOLEAN argument as Snowflake converts text to it: TRUE / T / YES / Y / ON / 1 and their
    opposites, in any case [DOC: sql-reference/data-types-logical, "Conversion to BOOLEAN"]."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().strip("'").upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    from .errors import ProgrammingError

    raise ProgrammingError(f"Invalid argument {arg}: Boolean value '{value}' is not recognized", 1_044, "22023")

