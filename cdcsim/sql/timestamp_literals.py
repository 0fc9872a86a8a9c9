"""Timestamp text with a space before its UTC offset, as Snowflake writes and reads it.

Snowflake shows a TIMESTAMP_TZ / TIMESTAMP_LTZ as ``2024-01-31 10:00:00.000 +0200`` and reads that
text back (and ``... +02:00``, ``... Z``) [DOC: sql-reference/data-types-datetime, timestamp
formats]. DuckDB reads an offset only when it follows the time directly and took ``+0200`` after
a space for a time zone's name: "Unknown TimeZone '+0200'". So a literal copied from Snowflake's
output failed in ``'...'::TIMESTAMP_TZ``, ``TO_TIMESTAMP_TZ('...')`` and ``INSERT ... VALUES``.

A string literal of that shape loses the space where it becomes a timestamp: cast to a timestamp
type (which is what TO_TIMESTAMP[_TZ | _LTZ | _NTZ] of a literal is), or inserted by VALUES into a
timestamp column (the column's type from the catalog). [INFER] A literal anywhere else (a
comparison with a timestamp column, a VARCHAR column) is left as written: it may be text that must
stay as it is. A TIMESTAMP_NTZ ignores the offset, as Snowflake's does. Such a literal is never
lifted into a literal template (sql/template.py), whose rendering would put it back unrewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from ..names import QName

_SPACED_OFFSET = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s+([+-]\d{2}(?::?\d{2})?|Z)$")
_TIMESTAMPS = {exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ,
               exp.DataType.Type.TIMESTAMPNTZ}
# a statement without one of these has nothing here (exact types: TRY_CAST, and TRY_TO_TIMESTAMP_TZ of
# a constant, are a TryCast)
NODES = (exp.Cast, exp.TryCast, exp.Insert)


def spaced_offset(text: str) -> bool:
    """Is ``text`` a timestamp with a space before its offset (what this module rewrites)?"""
    text = text.strip()
    if " +" not in text and " -" not in text and not text.endswith(" Z"):
        return False  # most text: the substring tests cost a tenth of the pattern (every INSERT's literals)
    return _SPACED_OFFSET.match(text) is not None


def unspace(node: exp.Expression) -> None:
    """A string constant of that shape, as DuckDB reads it (the offset glued to the time)."""
    _fix(node)


def _fix(node: exp.Expression) -> None:
    if isinstance(node, exp.Literal) and node.is_string:
        m = _SPACED_OFFSET.match(node.name.strip())
        if m:
            node.replace(exp.Literal.string(m.group(1) + m.group(2)))


def rewrite(tree: exp.Expression, target: Callable[[exp.Table], QName | None],
            column_types: Callable[[QName], tuple[tuple[str, str], ...] | None]) -> None:
    for cast in list(tree.find_all(exp.Cast)):  # TryCast is a Cast
        if cast.to.this in _TIMESTAMPS:
            _fix(cast.this)
    if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Values):
        return
    rows = [r for r in tree.expression.expressions if isinstance(r, exp.Tuple)]
    if not any(spaced_offset(v.name) for r in rows for v in r.expressions if isinstance(v, exp.Literal) and v.is_string):
        return  # only a statement with such text asks the catalog for its target's columns
    schema = tree.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    qn = target(table) if isinstance(table, exp.Table) else None
    types = dict(column_types(qn) or ()) if qn is not None else {}
    names = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else list(types)
    for row in rows:
        for name, value in zip(names, row.expressions, strict=False):
            if "TIMESTAMP" in types.get(name, "").upper():
                _fix(value)
