"""Snowflake's ARRAY functions on ARRAY columns and VARIANT arrays, not only on constructed lists
(ARRAY_SIZE and ARRAY_CONTAINS, called from translate, read any array as JSON).

cdcsim keeps ARRAY, OBJECT and VARIANT columns as JSON, while ARRAY_CONSTRUCT, SPLIT and ARRAY_AGG
give DuckDB LISTs. sqlglot writes Snowflake's array functions (ARRAY_APPEND, ARRAY_CAT,
ARRAY_SLICE, ARRAY_INTERSECTION, ...) as DuckDB list functions, which fail on a JSON array
("no function matches list_append(JSON, ...)"). Here, a call with an argument that is not
syntactically a list (a column, a path, PARSE_JSON, a cast) reads every array argument as a list
of JSON elements and every element argument as a VARIANT; sqlglot's rules then apply unchanged
and a resulting list is made a JSON array again, as an ARRAY value is. A call on constructed lists
only is left as it was (its result stays a list).

[INFER] Elements compare as JSON text, so a number matches a number and a string a string
(``ARRAY_POSITION(2, a)`` finds ``2``, not ``'2'``); ARRAY_TO_STRING prints a string element
without its quotes. ARRAY_SORT, ARRAY_MIN and ARRAY_MAX, which would order JSON text rather than
values, are not rewritten.
"""

from __future__ import annotations

from sqlglot import exp

from .duck_templates import fill
from .objects import variant_of

# function -> (names of its array arguments, names of its element arguments), as sqlglot parses them
_CALLS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    exp.ArrayAppend: (("this",), ("expression",)),
    exp.ArrayPrepend: (("this",), ("expression",)),
    exp.ArrayConcat: (("this", "expressions"), ()),
    exp.ArrayCompact: (("this",), ()),
    exp.ArrayDistinct: (("this",), ()),
    exp.ArrayPosition: (("this",), ("expression",)),
    exp.ArraySlice: (("this",), ()),
    exp.ArrayToString: (("this",), ()),
    exp.ArrayOverlaps: (("this", "expression"), ()),
    exp.ArrayIntersect: (("expressions",), ()),
    exp.ArrayExcept: (("this", "expression"), ()),
    exp.ArrayReverse: (("this",), ()),
    exp.ArrayInsert: (("this",), ("expression",)),
    exp.ArrayRemove: (("this",), ("expression",)),
}
NODES = tuple(_CALLS)  # a statement without one of these has nothing here
_RETURNS_LIST = (exp.ArrayAppend, exp.ArrayPrepend, exp.ArrayConcat, exp.ArrayCompact, exp.ArrayDistinct,
                 exp.ArraySlice, exp.ArrayIntersect, exp.ArrayExcept, exp.ArrayReverse, exp.ArrayInsert,
                 exp.ArrayRemove)
_LISTS = (exp.Array, exp.ArrayAgg, exp.Split, exp.StringToArray, exp.RegexpSplit, *NODES)
_ELEMENTS = '["json"]'


def _args(call: exp.Expression, names: tuple[str, ...]) -> list[exp.Expression]:
    out: list[exp.Expression] = []
    for name in names:
        value = call.args.get(name)
        out.extend(value if isinstance(value, list) else [] if value is None else [value])
    return out


def _as_list(arr: exp.Expression) -> exp.Expression:
    return exp.func("from_json", exp.func("to_json", arr), exp.Literal.string(_ELEMENTS))


def _as_text_list(arr: exp.Expression) -> exp.Expression:
    """The elements as text: a string without its JSON quotes, anything else as its JSON."""
    e = exp.to_identifier("_e")
    text = exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("json_type", exp.column(e)), expression=exp.Literal.string("VARCHAR")),
                                true=exp.func("json_extract_string", exp.column(e), exp.Literal.string("$")))],
                    default=exp.cast(exp.column(e), "VARCHAR"))
    return exp.func("list_transform", _as_list(arr), exp.Lambda(this=text, expressions=[e]))


def array_size(arr: exp.Expression) -> exp.Expression:
    """ARRAY_SIZE(a) of an ARRAY or of a VARIANT holding one (a JSON array: DuckDB's array_length
    refused it, so ``ARRAY_SIZE(v:items)`` failed); NULL for a VARIANT that holds no array."""
    j = exp.func("to_json", arr.copy())
    # a BIGINT, not json_array_length's UBIGINT: ``GET(a, ARRAY_SIZE(a) - 1)`` found no json_extract
    # taking an unsigned index
    size = exp.cast(exp.func("json_array_length", j), exp.DataType.build("BIGINT"))
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("json_type", j.copy()), expression=exp.Literal.string("ARRAY")),
                                true=size)])


# ARRAY_CONTAINS over the elements as VARIANTs (__L), a constructed array's SQL NULL elements kept
# NULL and its JSON nulls 'null' (__BUILT), an ARRAY value's nulls all NULL (from_json reads them so)
_CONTAINS = (
    "CASE WHEN __V IS NULL THEN CASE WHEN list_contains(list_transform(__L, lambda e: e IS NULL), TRUE) THEN TRUE END "
    "WHEN CAST(to_json(__V) AS VARCHAR) = 'null' THEN list_contains(list_transform(__L, lambda e: "
    "coalesce(CAST(e AS VARCHAR) = 'null', NOT __BUILT)), TRUE) "
    "ELSE list_contains(__L, to_json(__V)) END")


def array_contains(arr: exp.Expression, value: exp.Expression) -> exp.Expression:
    """ARRAY_CONTAINS(value, a) [DOC: sql-reference/functions/array_contains] of an ARRAY or a VARIANT
    array: elements and value compared as VARIANTs (JSON). A NULL value is found (TRUE) in an array
    with a NULL element and is NULL otherwise; a JSON null finds a JSON null (the page's four NULL
    examples). [INFER] An ARRAY column or VARIANT keeps no difference between a NULL element and a
    JSON null (both are JSON null), so there either value finds either; only a constructed array
    (``ARRAY_CONSTRUCT('hola', PARSE_JSON('null'))``) tells them apart."""
    inner = arr
    if isinstance(arr, exp.Anonymous) and arr.name.lower() == "to_json" and len(arr.expressions) == 1 \
            and isinstance(arr.expressions[0], exp.Array):
        inner = arr.expressions[0]  # a mixed ARRAY_CONSTRUCT (mixed_constructors): its list of VARIANTs
    if isinstance(inner, exp.Array):
        x = exp.to_identifier("_x")
        elements = exp.func("list_transform", inner.copy(),
                            exp.Lambda(this=exp.func("to_json", exp.column(x)), expressions=[x]))
        return fill(_CONTAINS, V=value, L=elements, BUILT=exp.true())
    return fill(_CONTAINS, V=value, L=_as_list(arr.copy()), BUILT=exp.false())


_VARIANT_TYPES = {exp.DataType.Type.VARIANT, exp.DataType.Type.OBJECT, exp.DataType.Type.ARRAY, exp.DataType.Type.JSON}
_VARIANT_MAKERS = (exp.ParseJSON, exp.ToVariant, exp.JSONExtract, exp.Struct, exp.JSONObject, exp.StarMap, exp.Array,
                   exp.ArrayConstructCompact)


def _kind(e: exp.Expression) -> str | None:
    """What an ARRAY_CONSTRUCT element is, as far as the statement tells; None for NULL or unknown."""
    if isinstance(e, exp.Neg):
        return _kind(e.this)
    if isinstance(e, exp.Literal):
        return "text" if e.is_string else "number"
    if isinstance(e, exp.Boolean):
        return "boolean"
    if isinstance(e, _VARIANT_MAKERS) or isinstance(e, exp.Anonymous) and e.name.lower() in ("to_json", "cdcsim_variant"):
        return "variant"
    if type(e) is exp.Cast:
        to = e.to
        if to.this in _VARIANT_TYPES:
            return "variant"
        return "text" if to.is_type(*exp.DataType.TEXT_TYPES) else "number" if to.is_type(*exp.DataType.NUMERIC_TYPES) \
            else str(to.this)
    return None


def mixed_constructors(tree: exp.Expression) -> None:
    """ARRAY_CONSTRUCT (and ARRAY_CONSTRUCT_COMPACT, an array constant) of elements of different
    kinds, as the statement shows them (a string and a number, a VARIANT beside a plain value), is
    an ARRAY of VARIANTs, as in Snowflake [DOC: sql-reference/functions/array_construct:
    ``ARRAY_CONSTRUCT(NULL, PARSE_JSON('null'), 'hello', 3::DOUBLE, 4, 5)``]. DuckDB's list takes one
    element type and failed ("Cannot deduce template type", "Could not convert string 'hello'").
    Such an array is built from the elements' JSON and given as a JSON ARRAY, as an ARRAY column
    is; one whose elements are all of a kind stays a DuckDB list. [INFER] Elements whose kind only
    the data tells (columns of different types) are left to DuckDB, which fails on a mix."""
    for node in reversed(list(tree.find_all(exp.Array, exp.ArrayConstructCompact))):
        kinds = {_kind(e) for e in node.expressions} - {None}
        if len(kinds) < 2:
            continue
        node.set("expressions", [variant_of(e.copy()) for e in node.expressions])
        wrapped = exp.Anonymous(this="to_json", expressions=[])
        node.replace(wrapped)
        wrapped.set("expressions", [node])


def rewrite(tree: exp.Expression) -> None:
    # inner calls first: an outer call then sees an inner one's result as the JSON it became (a
    # to_json call, not one of the list-making nodes)
    for call in reversed(list(tree.find_all(*NODES, bfs=False))):
        arrays, elements = _CALLS[type(call)]
        array_args = _args(call, arrays)
        if not array_args or all(isinstance(a, _LISTS) for a in array_args):
            continue
        for arg in array_args:
            arg.replace(_as_text_list(arg.copy()) if isinstance(call, exp.ArrayToString) else _as_list(arg.copy()))
        for arg in _args(call, elements):
            arg.replace(variant_of(arg.copy()))
        if isinstance(call, _RETURNS_LIST):
            # the call itself moves inside (not a copy): an outer call's argument list holds the wrapper
            wrapped = exp.Anonymous(this="to_json", expressions=[])
            call.replace(wrapped)
            wrapped.set("expressions", [call])
