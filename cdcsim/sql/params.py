"""Client-side parameter styles: pyformat (``%s``, ``%(name)s``) and qmark (``?``) become DuckDB ``?``.

The SQL text after conversion is the key of the translation cache, so a statement executed many
times with different values is parsed only once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ProgrammingError

_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\$\$.*?\$\$|%\((\w+)\)s|%s|%%|\?""", re.DOTALL)


_CAST_AFTER = re.compile(r"\s*::")


def _placeholder(m: re.Match[str]) -> str:
    """``?``, parenthesised before a ``::`` cast: sqlglot cannot parse ``?::DATE``."""
    return "(?)" if _CAST_AFTER.match(m.string, m.end()) else "?"


def convert(sql: str, params: Sequence[Any] | Mapping[str, Any] | None) -> tuple[str, list[Any] | None]:
    """Rewrite placeholders to ``?`` and return the positional parameter list."""
    if params is None:
        return sql, None
    if isinstance(params, Mapping):
        names: list[str] = []

        def named(m: re.Match[str]) -> str:
            if m.group(1) is not None:
                names.append(m.group(1))
                return _placeholder(m)
            if m.group(0) == "%%":
                return "%"
            return m.group(0)

        out = _TOKEN.sub(named, sql)
        try:
            return out, [params[n] for n in names]
        except KeyError as e:
            raise ProgrammingError(f"Missing parameter {e.args[0]!r}", 252001) from None
    if isinstance(params, (str, bytes)):
        raise ProgrammingError("Parameters must be a sequence or a mapping", 252001)
    values = list(params)
    count = 0

    def positional(m: re.Match[str]) -> str:
        nonlocal count
        tok = m.group(0)
        if tok in ("%s", "?"):
            count += 1
            return _placeholder(m)
        if tok == "%%":
            return "%"
        return tok

    out = _TOKEN.sub(positional, sql)
    if count != len(values):
        raise ProgrammingError(
            f"Statement has {count} placeholders but {len(values)} parameters were given", 252001
        )
    return out, values


_QMARK = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\$\$.*?\$\$|\?""", re.DOTALL)
_TABLE_FUNCTION = re.compile(r"\bTABLE\s*\(", re.IGNORECASE)


def needs_inlining(sql: str, values: list[Any] | None) -> bool:
    """Do ``values`` have to be written into ``sql`` as literals? A table function's arguments
    (``TABLE(RESULT_SCAN(?))``, ``TASK_HISTORY(TASK_NAME => ?)``) are read when the statement is
    translated, before DuckDB binds anything; snowflake.connector's default paramstyle binds on the
    client, so such a statement works on Snowflake."""
    return bool(values) and _TABLE_FUNCTION.search(sql) is not None


def placeholders(sql: str) -> int:
    """How many ``?`` placeholders ``sql`` has (outside literals and quoted names)."""
    return sum(1 for m in _QMARK.finditer(sql) if m.group(0) == "?")


def inline(sql: str, values: list[Any]) -> str:
    """``sql`` (``?`` placeholders) with each placeholder replaced by its value as a SQL literal."""
    from ..scripting.run import literal

    it = iter(values)

    def sub(m: re.Match[str]) -> str:
        return literal(next(it)).sql("snowflake") if m.group(0) == "?" else m.group(0)

    return _QMARK.sub(sub, sql)
