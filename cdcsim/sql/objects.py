"""OBJECT values as Snowflake builds them: OBJECT_CONSTRUCT, OBJECT_CONSTRUCT_KEEP_NULL, OBJECT_AGG,
OBJECT_INSERT, OBJECT_DELETE, OBJECT_PICK, and any value made a VARIANT.

Snowflake [DOC: sql-reference/functions/object_construct, object_construct_keep_null]:

* ``OBJECT_CONSTRUCT(k1, v1, ...)`` leaves out every pair whose key or value is SQL NULL (a VARIANT
  ``null`` is a value and stays); ``OBJECT_CONSTRUCT_KEEP_NULL`` leaves out only NULL keys and keeps
  a NULL value as ``null``.
* A key is any VARCHAR expression, a column's value as much as a literal.
* ``(*)``, ``(t.*)`` and ``(* EXCLUDE (...))`` build the object from the row's columns, named by
  their column names; OBJECT_CONSTRUCT leaves out the NULL ones there too.
* The result is an OBJECT, which does not keep the pairs' order: Snowflake shows its keys sorted,
  and so does cdcsim.

sqlglot wrote ``OBJECT_CONSTRUCT`` as a DuckDB struct literal, which kept NULL values, took a
column used as a key for the key's *name*, and had no ``(*)`` form. Here an object is a JSON value
(cdcsim's VARIANT / OBJECT) built from a list of ``{k, v}`` entries: filter, sort, make a map,
``to_json``. [INFER] Two equal keys fail (DuckDB: "Map keys must be unique"), as Snowflake fails on
a duplicate key.

OBJECT_INSERT(o, k, v [, update]) [DOC: sql-reference/functions/object_insert] adds or (with
``update`` TRUE) replaces a key; a key that is there already without ``update`` fails; a SQL NULL
key or value leaves the object as it was. OBJECT_DELETE(o, k, ...) drops keys and
OBJECT_PICK(o, k, ... | array) keeps only the keys named. They read any OBJECT (a JSON column, a
PARSE_JSON, an OBJECT_CONSTRUCT) as its entries, where sqlglot's STRUCT_INSERT took only a DuckDB
struct. Object constants (``{'a': 1}``) are left as they were: sqlglot's tree of one no
longer tells a quoted key from a name.
"""

from __future__ import annotations

from sqlglot import exp

from ..changes import RID
from ..errors import compilation_error
from .duck_templates import fill

# the placeholder's SQL goes into the statement after generation: sqlglot cannot write DuckDB's
# ``*COLUMNS(...)`` argument unpacking
_ROW_PLACEHOLDER = "__CDCSIM_OBJROW_{}__"
# a statement without one of these has nothing for ``rewrite``
NODES = (exp.Struct, exp.JSONObject, exp.StarMap, exp.ObjectInsert, exp.Anonymous)


def variant_of(x: exp.Expression) -> exp.Expression:
    """``x`` as a VARIANT value: its JSON, with a NUMBER of scale 0 as an integer (the macro
    ``cdcsim_variant``, see catalog.py)."""
    return exp.Anonymous(this="cdcsim_variant", expressions=[x])


def _entries_object(entries: exp.Expression, keep_null: bool) -> exp.Expression:
    keep = "e.k IS NOT NULL" if keep_null else "e.k IS NOT NULL AND e.v IS NOT NULL"
    return fill(f"to_json(map_from_entries(list_sort(list_filter(__E, lambda e: {keep}))))", E=entries)


def _pairs(pairs: list[tuple[exp.Expression, exp.Expression]], keep_null: bool) -> exp.Expression:
    entries = []
    for key, value in pairs:
        v = variant_of(value)
        if keep_null:
            v = exp.func("coalesce", v, exp.cast(exp.Literal.string("null"), "JSON"))
        entries.append(exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.Literal.string("k"), expression=exp.cast(key, "VARCHAR")),
            exp.PropertyEQ(this=exp.Literal.string("v"), expression=v)]))
    return _entries_object(exp.Array(expressions=entries), keep_null)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _row_sql(star: exp.Expression, keep_null: bool) -> str:
    """The row's columns as an object: DuckDB's struct of ``COLUMNS(...)``, read back as map
    entries so the hidden row id, the EXCLUDEd columns and (unless ``keep_null``) NULL values can
    be left out."""
    if isinstance(star, exp.Column) and isinstance(star.this, exp.Star):
        inner, table = star.this, star.table
    elif isinstance(star, exp.Star):
        inner, table = star, ""
    else:
        raise compilation_error("OBJECT_CONSTRUCT takes key-value pairs or a wildcard.", 2016, "42601")
    if inner.args.get("replace") or inner.args.get("rename"):
        raise compilation_error("OBJECT_CONSTRUCT(* ...) takes EXCLUDE or ILIKE only.", 2000, "0A000")
    dropped = [RID] + [c.name for c in inner.args.get("except_") or inner.args.get("except") or []]
    # DuckDB refuses NOT, IN and IS NULL beside *COLUMNS in one expression: plain comparisons
    keep = " AND ".join("e.key <> " + _quoted(n) for n in dropped)
    pattern = inner.args.get("ilike")
    if pattern is not None:
        if not (isinstance(pattern, exp.Literal) and pattern.is_string):
            raise compilation_error("OBJECT_CONSTRUCT(* ILIKE ...) takes a string pattern.", 2016, "42601")
        keep += " AND e.key ILIKE " + _quoted(pattern.name)
    keep += "" if keep_null else " AND e.value::VARCHAR <> 'null'"
    cols = f'"{table}".*' if table else "*"
    return (f"to_json(map_from_entries(list_sort(list_filter(map_entries(CAST(to_json(struct_pack("
            f"*COLUMNS({cols}))) AS MAP(VARCHAR, JSON))), lambda e: {keep}))))")


def _is_star(node: exp.Expression) -> bool:
    return isinstance(node, exp.Star) or isinstance(node, exp.Column) and isinstance(node.this, exp.Star)


_ENTRIES = "map_entries(CAST(to_json(__O) AS MAP(VARCHAR, JSON)))"
_INSERT = (
    "CASE WHEN __K IS NULL OR __V IS NULL THEN to_json(__O) "
    "WHEN NOT coalesce(__U, FALSE) AND list_contains(map_keys(CAST(to_json(__O) AS MAP(VARCHAR, JSON))), __K) "
    "THEN CAST(error(concat('Duplicate field key ', chr(39), __K, chr(39), ' in OBJECT_INSERT')) AS JSON) "
    "ELSE to_json(map_from_entries(list_sort(list_append(list_filter(" + _ENTRIES + ", lambda e: e.key <> __K), "
    "{'key': __K, 'value': __VJ})))) END")
_KEEP_KEYS = "to_json(map_from_entries(list_filter(" + _ENTRIES + ", lambda e: list_contains(__KS, e.key))))"
_DROP_KEYS = "to_json(map_from_entries(list_filter(" + _ENTRIES + ", lambda e: NOT list_contains(__KS, e.key))))"


def _key_list(keys: list[exp.Expression]) -> exp.Expression:
    """OBJECT_PICK / OBJECT_DELETE's keys as a list: named one by one, or one ARRAY of them."""
    if len(keys) == 1 and not (isinstance(keys[0], exp.Literal) and keys[0].is_string):
        only = keys[0]
        if isinstance(only, exp.Array):
            return exp.Array(expressions=[exp.cast(k, "VARCHAR") for k in only.expressions])
        # one ARRAY of keys, or one key computed: which of the two, the value tells
        as_json = exp.func("to_json", only.copy())
        return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.func("json_type", as_json.copy()), expression=exp.Literal.string("ARRAY")),
                                    true=exp.func("from_json", as_json, exp.Literal.string('["VARCHAR"]')))],
                        default=exp.Array(expressions=[exp.cast(only, "VARCHAR")]))
    return exp.Array(expressions=[exp.cast(k, "VARCHAR") for k in keys])


def _object_functions(tree: exp.Expression) -> None:
    # innermost first: an outer call copies its arguments, and an OBJECT_INSERT inside the copy was
    # left DuckDB's struct_insert (the page's nested OBJECT_INSERT(o, 'k', OBJECT_INSERT(o:k, ...))
    # failed: "The first argument to struct_insert must be a STRUCT")
    for node in reversed(list(tree.find_all(exp.ObjectInsert))):
        flag = node.args.get("update_flag")
        value = node.args["value"]
        node.replace(fill(_INSERT, O=node.this, K=exp.cast(node.args["key"], "VARCHAR"), V=value,
                           VJ=variant_of(value.copy()), U=flag if flag is not None else exp.false()))
    for call in list(tree.find_all(exp.Anonymous)):
        name = str(call.this).upper()
        if name in ("OBJECT_DELETE", "OBJECT_PICK") and len(call.expressions) >= 2:
            obj, *keys = call.expressions
            call.replace(fill(_KEEP_KEYS if name == "OBJECT_PICK" else _DROP_KEYS, O=obj, KS=_key_list(keys)))


def rewrite(tree: exp.Expression) -> dict[str, str]:
    """Rewrite the statement's OBJECT_CONSTRUCT calls; returns the SQL of each wildcard form by
    its placeholder (the caller puts it in after generating the statement)."""
    raw: dict[str, str] = {}
    for node in list(tree.find_all(exp.Struct, exp.JSONObject, exp.StarMap)):
        keep_null = isinstance(node, exp.JSONObject)
        if isinstance(node, exp.StarMap) or keep_null and any(_is_star(e) for e in node.expressions):
            ph = _ROW_PLACEHOLDER.format(len(raw))
            raw[ph] = _row_sql(node.this if isinstance(node, exp.StarMap) else node.expressions[0], keep_null)
            node.replace(exp.column(exp.to_identifier(ph, quoted=True)))
            continue
        items = node.expressions
        if isinstance(node, exp.Struct):
            if not all(isinstance(e, exp.PropertyEQ) and not isinstance(e.this, exp.Identifier) for e in items):
                continue  # an object constant, or a struct another rewrite built
            pairs = [(e.this, e.expression) for e in items]
        else:
            if not all(isinstance(e, exp.JSONKeyValue) for e in items):
                continue
            pairs = [(e.this, e.expression) for e in items]
        node.replace(_pairs(pairs, keep_null))
    _object_functions(tree)
    return raw


def object_agg(key: exp.Expression, value: exp.Expression) -> exp.Expression:
    """OBJECT_AGG(k, v) [DOC: sql-reference/functions/object_agg]: one OBJECT per group; pairs with
    a NULL key or value are left out; a key twice in a group fails ("Duplicate field key").
    [INFER] A group whose pairs are all left out gives an empty OBJECT; keys come in sorted order,
    as Snowflake shows an OBJECT's keys."""
    kept = exp.and_(exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null())),
                    exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null())))
    pairs = fill("list(struct_pack(k := __K, v := __V) ORDER BY __K) FILTER (WHERE __W)",
                 K=key, V=variant_of(value.copy()), W=kept)
    keys = exp.Count(this=key.copy())
    distinct = exp.Count(this=exp.Distinct(expressions=[key.copy()]))
    dup = exp.NEQ(this=exp.Filter(this=keys, expression=exp.Where(this=kept.copy())),
                  expression=exp.Filter(this=distinct, expression=exp.Where(this=kept.copy())))
    obj = exp.Coalesce(this=exp.func("to_json", exp.func("map_from_entries", pairs)),
                       expressions=[exp.cast(exp.Literal.string("{}"), exp.DataType.build("JSON"))])
    fail = exp.cast(exp.func("error", exp.Literal.string("Duplicate field key in OBJECT_AGG")),
                    exp.DataType.build("JSON"))
    return exp.Case(ifs=[exp.If(this=dup, true=fail)], default=obj)
