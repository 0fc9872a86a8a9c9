"""ARRAY_UNION_AGG, and ARRAY_UNIQUE_AGG's result over no values: Snowflake's aggregates of
distinct values into an ARRAY, as aggregate and as window functions.

ARRAY_UNION_AGG(column) [DOC: sql-reference/functions/array_union_agg] is the union of the ARRAYs
in a column, with multiset semantics: a value appears as many times as it does in the one input
ARRAY where it appears most (``[1, 1, 2]`` and ``[1, 2, 3]`` give ``[1, 1, 2, 3]``). NULL rows and
NULL elements are ignored; over no rows, or only NULLs, it is an empty ARRAY, not NULL. DuckDB has
no such aggregate ("Unknown function ARRAY_UNION_AGG"). Here each row's elements are numbered per
value (the second ``1`` of a row is (1, #2)), every row's numbered elements are gathered with
DuckDB's ``list`` aggregate (or its window form), and the distinct (value, number) pairs are kept.

ARRAY_UNIQUE_AGG(column) [DOC: sql-reference/functions/array_unique_agg] already ignored NULLs
(sqlglot's ``LIST(DISTINCT x) FILTER (WHERE x IS NOT NULL)``) but gave NULL over no values, where
the page documents an empty ARRAY: its result is coalesced with ``[]``. So is ARRAY_AGG's
[DOC: sql-reference/functions/array_agg, "If the input is empty, an empty ARRAY is returned"].

Both pages say that as window functions they do not support an explicit window frame, and give the
window syntax ``OVER ( [ PARTITION BY <expr> ] )``: a frame (ROWS / RANGE) is refused with a
compilation error. [INFER] So is an ORDER BY in the OVER clause, which would imply a cumulative
frame; the errors' words and code (002000) are cdcsim's.

The order of the elements is not deterministic in Snowflake. Here it is sorted, so the same input
gives the same ARRAY whatever order the rows are read in: numbers by value, then strings, then any
other value (booleans, arrays, objects) by its JSON text.

What an ARRAY_UNION_AGG gives, and how its elements compare, follows its argument (cdcsim keeps
ARRAY columns as JSON, while ARRAY_CONSTRUCT, ARRAY_AGG and ARRAY_UNIQUE_AGG give DuckDB lists):

* an argument that is a DuckDB list (a list-making call, such as ARRAY_UNIQUE_AGG, written in the
  call or in the subquery or CTE column it names, or a table column of a list type) gives a list of
  the same element type, as ARRAY_UNIQUE_AGG does; elements compare as DuckDB compares that type;
* any other argument (an ARRAY or VARIANT column, a variant path, PARSE_JSON) is read as JSON and
  gives a JSON array, as ARRAY columns and the ARRAY functions over them do. Elements compare as
  VARIANTs: [INFER] numbers by value (``1``, ``1.0`` and ``1.00`` are one value, written in the
  form seen that sorts first as text, ``1`` before ``1.0``; integers beyond 2^53 by their digits),
  strings by their text (``'1'`` is not ``1``), anything else by its JSON text (an object's keys
  in the order written). This differs from cdcsim's ``=`` on two VARIANTs and from
  ARRAY_UNIQUE_AGG of a VARIANT column, which compare JSON text (``1`` is not ``1.0`` there).

An unaliased call in a select list that translation does not name (a view's, CREATE TABLE AS's)
is named as Snowflake names it, ``ARRAY_UNION_AGG(A)``, not by the DuckDB text it became.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..errors import compilation_error
from ..names import QName
from .duck_templates import fill

NODES = (exp.ArrayUnionAgg, exp.ArrayUniqueAgg, exp.ArrayAgg)  # a statement without one has nothing here
# DuckDB lists, as translated so far (arrays.rewrite has wrapped an ARRAY function over JSON in to_json)
_LIST_MAKERS = (exp.Array, exp.ArrayAgg, exp.ArrayUniqueAgg, exp.Split, exp.StringToArray, exp.RegexpSplit,
                exp.ArrayAppend, exp.ArrayPrepend, exp.ArrayConcat, exp.ArrayCompact, exp.ArrayDistinct,
                exp.ArraySlice, exp.ArrayIntersect, exp.ArrayExcept, exp.ArrayReverse, exp.ArrayInsert,
                exp.ArrayRemove)
_MAX_DEPTH = 32

# A JSON element's identity and sort key: numbers (r 0) by value, as a DOUBLE; an integer beyond
# 2^53, which a DOUBLE cannot tell from its neighbours, by its digits too; strings (r 1) by their
# text; anything else (r 2) by its JSON text.
_JSON_KEY = (
    "CASE WHEN json_type(_e) IN ('BIGINT', 'UBIGINT', 'HUGEINT', 'DOUBLE') THEN "
    "{'r': 0, 'd': CAST(_e AS DOUBLE), "
    "'t': CASE WHEN json_type(_e) <> 'DOUBLE' AND abs(CAST(_e AS DOUBLE)) >= 9007199254740992 "
    "THEN CAST(_e AS VARCHAR) END} "
    "WHEN json_type(_e) = 'VARCHAR' THEN {'r': 1, 'd': NULL, 't': json_extract_string(_e, '$')} "
    "ELSE {'r': 2, 'd': NULL, 't': CAST(_e AS VARCHAR)} END")
# a row's elements, NULLs left out, each as {'k': key, 'v': value}
_JSON_ELEMENTS = ("list_transform(list_filter(from_json(to_json(__X), '[\"json\"]'), "
                  "lambda _e: json_type(_e) <> 'NULL'), "
                  f"lambda _e: {{'k': {_JSON_KEY}, 'v': _e}})")
_LIST_ELEMENTS = "list_transform(list_filter(__X, lambda _e: _e IS NOT NULL), lambda _e: {'k': _e, 'v': _e})"
# each element numbered among the row's elements of its key: {'k', 'n', 'v'}
_NUMBERED = ("list_transform([{elements}], lambda _p: list_transform(_p, lambda _x, _i: "
             "{{'k': _x.k, 'n': length(list_filter(_p[1:_i], lambda _y: _y.k IS NOT DISTINCT FROM _x.k)), "
             "'v': _x.v}}))[1]")
# __AGG: the list of every row's numbered elements (list(...), or its window form). Sorted by key,
# number and value, the first of each (key, number) is kept. Numbering a row's elements compares
# each with those before it: quadratic in an ARRAY's length, which is fine for the distinct-value
# ARRAYs this aggregate is meant for.
_UNION = ("coalesce(list_transform([list_sort(flatten(__AGG))], lambda _s: list_transform(list_filter(_s, "
          "lambda _x, _i: _i = 1 OR NOT (_s[_i - 1].k IS NOT DISTINCT FROM _x.k AND _s[_i - 1].n = _x.n)), "
          "lambda _x: _x.v))[1], [])")

Resolve = Callable[[exp.Table], QName | None]
ColumnTypes = Callable[[QName], tuple[tuple[str, str], ...] | None]


class _Lists:
    """Whether an expression is a DuckDB list (True) rather than JSON or unknown (False), from the
    statement and the catalog's column types."""

    def __init__(self, tree: exp.Expression, resolve: Resolve, column_types: ColumnTypes) -> None:
        self.resolve, self.column_types = resolve, column_types
        self.ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}

    def of(self, node: exp.Expression, depth: int = 0) -> bool:
        if depth > _MAX_DEPTH:
            return False
        while isinstance(node, (exp.Paren, exp.Alias)):
            node = node.this
        if isinstance(node, exp.ArrayUnionAgg):
            return self.of(node.this, depth + 1)
        if isinstance(node, exp.Window):
            return self.of(node.this, depth + 1)
        if isinstance(node, _LIST_MAKERS):
            return True
        if isinstance(node, exp.Column) and not isinstance(node.this, exp.Star):
            return self._column(node, depth)
        return False

    def _column(self, col: exp.Column, depth: int) -> bool:
        select = col.find_ancestor(exp.Select)
        if select is None:
            return False
        frm = select.args.get("from_")
        sources = ([frm.this] if frm is not None else []) + [j.this for j in select.args.get("joins") or []]
        if col.table:
            sources = [s for s in sources if s.alias_or_name == col.table]
        for src in sources:
            query = None
            if isinstance(src, exp.Subquery):
                query = src.this
            elif isinstance(src, exp.Table) and src.args.get("db") is None and src.name in self.ctes:
                query = self.ctes[src.name]
            elif isinstance(src, exp.Table):
                qn = self.resolve(src)
                cols = dict(self.column_types(qn) or ()) if qn is not None else {}
                if col.name in cols:
                    return cols[col.name].endswith("]")
                continue
            while isinstance(query, exp.SetOperation):
                query = query.this
            if isinstance(query, exp.Select):
                for p in query.selects:
                    if p.alias_or_name == col.name:
                        return self.of(p, depth + 1)
        return False


def _window(node: exp.Expression) -> exp.Window | None:
    parent = node.parent
    if not (isinstance(parent, exp.Window) and parent.this is node):
        return None
    name = "ARRAY_UNION_AGG" if isinstance(node, exp.ArrayUnionAgg) else "ARRAY_UNIQUE_AGG"
    if parent.args.get("spec") is not None:
        raise compilation_error(f"Window frame is not supported for function {name}: it takes "
                                "OVER ( [ PARTITION BY <expr> ] ) without ROWS or RANGE.")
    if parent.args.get("order") is not None:
        raise compilation_error(f"Window ORDER BY is not supported for function {name}: it takes "
                                "OVER ( [ PARTITION BY <expr> ] ) over the whole partition.")
    return parent


def _union_agg(node: exp.ArrayUnionAgg, of_lists: bool, window: exp.Window | None) -> exp.Expression:
    elements = _LIST_ELEMENTS if of_lists else _JSON_ELEMENTS
    agg: exp.Expression = fill(f"list({_NUMBERED.format(elements=elements)})", X=node.this)
    if window is not None:
        over = window.copy()
        over.set("this", agg)
        agg = over
    union = fill(_UNION, AGG=agg)
    return union if of_lists else exp.func("to_json", union)


def rewrite(tree: exp.Expression, resolve: Resolve, column_types: ColumnTypes) -> None:
    lists = _Lists(tree, resolve, column_types)
    # each argument's kind is told before any call is rewritten (a call may name another's result)
    unions = [(n, lists.of(n.this)) for n in tree.find_all(exp.ArrayUnionAgg, bfs=False)]
    for node in list(tree.find_all(exp.ArrayUniqueAgg)):
        window = _window(node)
        target: exp.Expression = window if window is not None else node
        _replace(target, exp.Coalesce(this=target.copy(), expressions=[exp.Array(expressions=[])]))
    for node in list(tree.find_all(exp.ArrayAgg)):
        # ARRAY_AGG over no values is [] too [DOC: functions/array_agg]; its frame and ordering
        # (WITHIN GROUP, OVER) are its own to keep
        target = node.parent if isinstance(node.parent, exp.WithinGroup) else node
        target = target.parent if isinstance(target.parent, exp.Window) else target
        _replace(target, exp.Coalesce(this=target.copy(), expressions=[exp.Array(expressions=[])]))
    # inner calls first: an outer call copies its argument
    for node, of_lists in reversed(unions):
        window = _window(node)
        _replace(window or node, _union_agg(node, of_lists, window))


def _replace(target: exp.Expression, new: exp.Expression) -> None:
    """Put ``new`` in ``target``'s place; an unaliased select item (a view's, CREATE TABLE AS's: the
    statement's own are named before) is named as Snowflake names it, its text in upper case."""
    if isinstance(target.parent, exp.Select) and target.arg_key == "expressions":
        name = target.sql(dialect="snowflake").upper()
        target.replace(exp.alias_(new, exp.to_identifier(name, quoted=True), copy=False))
    else:
        target.replace(new)
