"""Element access on semi-structured values, and their comparison with text, as in Snowflake.

Snowflake [DOC: user-guide/querying-semistructured]: ``x[0]`` is an ARRAY's first element and
``x['key']`` an OBJECT's field, on any ARRAY, OBJECT or VARIANT value, and gives a VARIANT; chains
(``v['a'][1]``) and the ``:`` path notation (``v:a[1]``) mix.

sqlglot wrote a bracket as DuckDB's 1-based LIST subscript (``x[0]`` became ``x[1]``). That is
right for a LIST (what ARRAY_CONSTRUCT and SPLIT give) but cdcsim keeps ARRAY, OBJECT and VARIANT
columns as JSON, where ``[1]`` is the *second* element: ``a[0]`` of an ARRAY column answered its
second element, silently, and ``v['x'][1]`` nothing. Here every bracket chain is one JSON path
(``to_json(x) -> '$[0]'``) on the value as JSON, which reads a LIST and a JSON value alike; an
index or key that is not a literal is one ``->`` step per bracket.

A path compared with a string (``v:status = 'CANCELLED'``, ``IN``, ``LIKE``) compares the
element's text, as Snowflake compares a VARIANT string with a VARCHAR. DuckDB cast the string to
JSON instead and failed ("Malformed JSON"). A comparison with a number is left to DuckDB, which
reads the JSON number.

[INFER] A negative literal index is out of bounds (NULL), as GET's is [DOC:
sql-reference/functions/get]; DuckDB's JSON path would count it from the end.

A path (or PARSE_JSON) in arithmetic, or in SUM / AVG / ABS / ROUND / FLOOR / CEIL, is coerced to a
number, as Snowflake coerces a VARIANT an operator needs as a number [DOC:
sql-reference/data-type-conversion] (``payload:amount * 2``; a VARIANT string of digits counts, a
JSON null is NULL). DuckDB had no arithmetic on JSON and failed to bind. [INFER] The number is a
FLOAT: the value's own type is only known row by row.

A path that ``INSERT ... SELECT`` writes to a VARCHAR column stores the element's text, as
Snowflake's VARIANT-to-VARCHAR conversion does (the streams-examples page loads ``f.value:y1`` into
a VARCHAR column and shows ``green``). DuckDB cast the JSON value and kept its quotes (``"green"``).
[INFER] Only a path written as a column of the SELECT is converted; a VARIANT column copied whole
is left to DuckDB's cast.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..names import QName

NODES = (exp.Bracket, exp.JSONExtract, exp.ParseJSON)  # a statement without one of these has nothing here
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)
_NUMERIC_CALLS = (exp.Neg, exp.Sum, exp.Avg, exp.Abs, exp.Round, exp.Floor, exp.Ceil)
_DOUBLE = exp.DataType.build("DOUBLE")
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)


def _step(key: exp.Expression) -> exp.Expression | None:
    """A literal bracket's JSON path part, or None when the key is computed."""
    if isinstance(key, exp.Literal):
        if key.is_string:
            return exp.JSONPathKey(this=key.name)
        if key.name.isdigit():
            return exp.JSONPathSubscript(this=int(key.name))
    if isinstance(key, exp.Neg) and isinstance(key.this, exp.Literal) and key.this.name.isdigit():
        # out of bounds, as GET(arr, -1) is: NULL (a JSON path would count from the end)
        return exp.JSONPathKey(this="-" + key.this.name)
    return None


def _chain(node: exp.Bracket) -> exp.Expression | None:
    """The bracket chain ending at ``node`` as JSON extraction, or None for a bracket that is not
    one element access (a slice, several subscripts)."""
    keys: list[exp.Expression] = []
    base: exp.Expression = node
    while isinstance(base, exp.Bracket):
        if len(base.expressions) != 1 or isinstance(base.expressions[0], exp.Slice):
            return None
        keys.append(base.expressions[0])
        base = base.this
    keys.reverse()
    if isinstance(base, exp.JSONExtract) and isinstance(base.expression, exp.JSONPath):
        value, parts = base.this, list(base.expression.expressions)  # v:a[1]['b']: one path
    else:
        value, parts = exp.func("to_json", base), [exp.JSONPathRoot()]
    for key in keys:
        step = _step(key)
        if step is not None:
            parts.append(step)
            continue
        if len(parts) > 1:
            value = exp.JSONExtract(this=value, expression=exp.JSONPath(expressions=parts))
        # a negative index is out of bounds here too (a string key that reads as one as well)
        guarded = exp.Case(ifs=[exp.If(this=exp.LT(this=exp.TryCast(this=key.copy(), to=exp.DataType.build("BIGINT")),
                                                   expression=exp.Literal.number(0)),
                                       true=exp.Null())], default=key)
        value, parts = exp.JSONExtract(this=value, expression=guarded), [exp.JSONPathRoot()]
    if len(parts) > 1:
        value = exp.JSONExtract(this=value, expression=exp.JSONPath(expressions=parts))
    return value


def _as_text(node: exp.Expression) -> None:
    if type(node) is exp.JSONExtract:
        node.replace(exp.JSONExtractScalar(this=node.this, expression=node.expression))


def _as_number(node: exp.Expression | None) -> None:
    if type(node) in (exp.JSONExtract, exp.ParseJSON):
        cast = exp.Cast(to=_DOUBLE.copy())
        node.replace(cast)  # type: ignore[union-attr]
        cast.set("this", node)


def _is_text(node: exp.Expression) -> bool:
    return isinstance(node, exp.Literal) and node.is_string


def rewrite(tree: exp.Expression) -> None:
    # outermost bracket of each chain: it takes the inner ones with it
    for node in list(tree.find_all(exp.Bracket)):
        if node.parent is None and node is not tree:
            continue  # inside a chain already rewritten
        if isinstance(node.parent, exp.Bracket) and node.parent.this is node:
            continue
        new = _chain(node)
        if new is not None:
            node.replace(new)
    for cmp in list(tree.find_all(*_COMPARISONS)):
        if _is_text(cmp.expression):
            _as_text(cmp.this)
        elif _is_text(cmp.this):
            _as_text(cmp.expression)
    for node in list(tree.find_all(exp.In, exp.Like, exp.ILike)):
        values = node.expressions if isinstance(node, exp.In) else [node.expression]
        if values and all(_is_text(v) for v in values):
            _as_text(node.this)
    for node in list(tree.find_all(*_ARITHMETIC)):
        _as_number(node.this)
        _as_number(node.expression)
    for node in list(tree.find_all(*_NUMERIC_CALLS)):
        _as_number(node.this)


def text_targets(tree: exp.Insert, target: Callable[[exp.Table], QName | None],
                 column_types: Callable[[QName], tuple[tuple[str, str], ...] | None]) -> None:
    """Read a path the INSERT's SELECT writes to a VARCHAR column as its element's text."""
    query = tree.expression
    if not isinstance(query, exp.Select) or any(isinstance(p, exp.Star) or p.find(exp.Star) for p in query.expressions):
        return  # a star hides which column a path goes to (and a UNION's branches are left alone)
    if not any(isinstance(p.unalias(), exp.JSONExtract) for p in query.expressions):
        return  # only a statement with such a path asks the catalog for its target's columns
    schema = tree.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    qn = target(table) if isinstance(table, exp.Table) else None
    types = dict(column_types(qn) or ()) if qn is not None else {}
    names = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else list(types)
    for name, proj in zip(names, query.expressions, strict=False):
        if types.get(name, "").upper() == "VARCHAR":
            _as_text(proj.unalias())
