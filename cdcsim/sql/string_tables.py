"""SPLIT_TO_TABLE and STRTOK_SPLIT_TO_TABLE: a string's parts as rows.

Snowflake [DOC: sql-reference/functions/split_to_table, strtok_split_to_table]: called as
``LATERAL SPLIT_TO_TABLE(s, delimiter)`` or ``TABLE(SPLIT_TO_TABLE(...))``, they return one row
per part with the columns SEQ, INDEX (from 1) and VALUE. SPLIT_TO_TABLE splits at each occurrence
of the delimiter string and keeps empty parts (``'a,,b'`` has three); STRTOK_SPLIT_TO_TABLE splits
at any of the delimiter characters (a blank when none is given) and drops empty tokens. A NULL
string has no rows.

Each becomes a lateral subquery over DuckDB's ``string_split`` / ``string_split_regex``, as FLATTEN
does (translate._flatten). [INFER] SEQ is NULL, as FLATTEN's is here: a lateral subquery cannot
number its input rows.
"""

from __future__ import annotations

from sqlglot import exp

from .duck_templates import fill

NODES = (exp.SplitToTable, exp.StrtokSplitToTable)  # a statement without one of these has nothing here
_ROWS = ("SELECT CAST(NULL AS BIGINT) AS SEQ, generate_subscripts(__l, 1) AS INDEX, unnest(__l) AS VALUE "
         "FROM (SELECT {parts} AS __l)")
_SPLIT = "string_split(__s, __d)"
_STRTOK = "list_filter(string_split_regex(__s, '[' || regexp_escape(__d) || ']'), lambda _p: _p <> '')"


def _subquery(call: exp.Expression) -> exp.Expression:
    text = call.this
    delim = call.args.get("expression")
    if delim is None:
        delim = exp.Literal.string(" " if isinstance(call, exp.StrtokSplitToTable) else "")
    sql = _ROWS.format(parts=_STRTOK if isinstance(call, exp.StrtokSplitToTable) else _SPLIT)
    return fill(sql, s=exp.cast(text.copy(), "VARCHAR"), d=exp.cast(delim.copy(), "VARCHAR"))


def rewrite(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.Lateral, exp.TableFromRows)):
        call = node.this
        if not isinstance(call, NODES):
            continue
        alias = node.args.get("alias")
        name = alias.this if alias is not None and alias.this is not None else exp.to_identifier("SPLIT")
        node.replace(exp.Subquery(this=_subquery(call), alias=exp.TableAlias(this=name.copy())))
