"""A BINARY value as text: ``TO_VARCHAR(b)`` / ``TO_CHAR(b)`` / ``b::VARCHAR`` (any cast to a text
type, TRY_CAST too) and ``TO_VARCHAR(b, '<format>')``.

Snowflake writes a BINARY's bytes in a binary format [DOC: user-guide/binary-input-output]: HEX
(the default, two upper-case digits a byte: ``TO_VARCHAR(TO_BINARY('414243', 'HEX'))`` is
``'414243'``), BASE64 (RFC 4648, no line breaks) or UTF-8 (``'UTF8'`` too; the bytes read as
UTF-8 text) [DOC: sql-reference/functions/to_char; user-guide/binary-examples]; the format is
case-insensitive. DuckDB's CAST of a BLOB to VARCHAR gave the bytes as text with ``\\xNN`` escapes
(``'ABC'`` for 414243), whatever format was asked for.

Only a BINARY argument changes; any other keeps its translation (a number or date format is
``translate._to_char_formats``'s). Whether an argument is BINARY is told, in this order:

* from the statement: a cast to BINARY / VARBINARY, TO_BINARY, HEX_DECODE_BINARY, BASE64_DECODE_BINARY
  (and their TRY_ forms), MD5_BINARY, SHA1_BINARY, SHA2_BINARY are; a literal, arithmetic, a
  comparison, a variant path, a cast to another type, a lambda's parameter (cdcsim's own rewrites)
  are not. Those are written without a test;
* otherwise (a column, a function, a parameter) when DuckDB binds the statement: the conversion is
  ``CASE WHEN typeof(x) = 'BLOB' THEN <formatted bytes> ELSE <as before> END``. DuckDB folds
  ``typeof`` to a constant when it plans the statement, so only one branch is left, and both
  branches bind for an argument of any type. An argument holding a ``?`` parameter is bound once,
  as a lambda's parameter (``list_transform([x], lambda _bin: ...)[1]``), so the parameter stays
  one placeholder in its place. The ``typeof`` is written as a plain function call: a parsed
  ``typeof`` is Snowflake's TYPEOF to ``translate._snowflake_functions``, which would rename BLOB.

An unaliased conversion in a select list that translation does not name (a view's, CREATE TABLE
AS's) keeps the name DuckDB gave the plain cast (``CAST(X AS TEXT)``), not the CASE's text.

Limits: the session parameter BINARY_OUTPUT_FORMAT is accepted and kept by cdcsim but not read,
so the one-argument form is always HEX; a format that is not a literal is not applied (the value
is cast as before); and [INFER] UTF-8 of bytes that are not UTF-8 fails with DuckDB's conversion
error (a DataError), not in Snowflake's words.
"""

from __future__ import annotations

from sqlglot import exp

from .duck_templates import fill

NODES = (exp.Cast, exp.ToChar)  # TryCast is a Cast; a statement without one has nothing here

_TEXT_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR,
               exp.DataType.Type.NCHAR, exp.DataType.Type.NVARCHAR}
_BINARY_TYPES = {exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY}
# format -> the DuckDB text of the bytes __B (a BLOB)
_FORMATS = {"HEX": "hex(__B)", "BASE64": "to_base64(__B)", "UTF-8": "decode(__B)", "UTF8": "decode(__B)"}
_DEFAULT = "HEX"
# calls that give a BINARY (as sqlglot parses them from Snowflake)
_BINARY_CALLS = (exp.ToBinary, exp.Unhex, exp.TryHexDecodeBinary, exp.Base64DecodeBinary,
                 exp.TryBase64DecodeBinary, exp.MD5Digest, exp.SHA1Digest, exp.SHA2Digest)
# never a BINARY, whatever their arguments
_NOT_BINARY = (exp.Literal, exp.Null, exp.Boolean, exp.JSONExtract, exp.JSONExtractScalar, exp.ToChar,
               exp.ToNumber, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.Predicate,
               exp.Count, exp.Sum, exp.Avg, exp.Length)
_IS_BLOB = "CASE WHEN __T = 'BLOB' THEN {text} ELSE __KEEP END"
_PARAMETER = "_bin"


def _format(node: exp.Expression) -> str | None:
    """The binary format the conversion asks for, or None when it is not a binary conversion."""
    if isinstance(node, exp.Cast):  # TRY_CAST too
        return _DEFAULT if node.to.this in _TEXT_TYPES else None
    fmt = node.args.get("format")
    if fmt is None:
        return _DEFAULT
    if isinstance(fmt, exp.Literal) and fmt.is_string and fmt.name.upper() in _FORMATS:
        return fmt.name.upper()
    return None


def _lambda_parameter(col: exp.Column) -> bool:
    if col.table:
        return False
    scope = col.find_ancestor(exp.Lambda)
    while scope is not None:
        if any(p.name == col.name for p in scope.expressions):
            return True
        scope = scope.find_ancestor(exp.Lambda)
    return False


def _kind(arg: exp.Expression) -> bool | None:
    """True: the argument is a BINARY; False: it is not; None: only DuckDB knows."""
    while isinstance(arg, exp.Paren):
        arg = arg.this
    if isinstance(arg, exp.Cast):
        return arg.to.this in _BINARY_TYPES
    if isinstance(arg, _BINARY_CALLS):
        return True
    if isinstance(arg, _NOT_BINARY):
        return False
    if isinstance(arg, exp.Anonymous) and str(arg.this).upper().startswith(("SYSTEM$", "CDCSIM_NOW")):
        return False  # engine calls (tokens later): text, booleans, timestamps
    if isinstance(arg, exp.Column) and _lambda_parameter(arg):
        return False  # a value inside one of cdcsim's own rewrites (JSON elements, keys)
    return None


def _typeof(x: exp.Expression) -> exp.Expression:
    # an Anonymous call, not exp.Typeof: translate rewrites exp.Typeof as Snowflake's TYPEOF
    return exp.Anonymous(this="typeof", expressions=[x])


def _convert(node: exp.Expression, fmt: str) -> exp.Expression | None:
    arg = node.this
    kind = _kind(arg)
    if kind is False:
        return None
    text = _FORMATS[fmt]
    if kind:
        return fill(text, B=arg)
    keep = node.copy()
    # what the format gave any other type: the plain text (sqlglot dropped it, with a warning)
    if isinstance(keep, exp.ToChar):
        keep.set("format", None)
    if arg.find(exp.Placeholder) is None:
        # x is written three times; the folded typeof leaves one of them to run
        template = _IS_BLOB.format(text=text.replace("__B", "CAST(__X AS BLOB)"))
        return fill(template, T=_typeof(arg.copy()), X=arg, KEEP=keep)
    keep.set("this", exp.column(_PARAMETER))
    body = fill(_IS_BLOB.format(text=text.replace("__B", f"CAST({_PARAMETER} AS BLOB)")),
                T=_typeof(exp.column(_PARAMETER)), KEEP=keep)
    return fill(f"list_transform([__X], lambda {_PARAMETER}: __BODY)[1]", X=arg, BODY=body)


def rewrite(tree: exp.Expression) -> None:
    # inner conversions first: an outer one copies its argument, inner ones included
    for node in reversed(list(tree.find_all(*NODES, bfs=False))):
        fmt = _format(node)
        if fmt is None or node.this is None:
            continue
        new = _convert(node, fmt)
        if new is None:
            continue
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            # an unaliased select item (a view's, CREATE TABLE AS's) keeps the name DuckDB gave the
            # plain cast, CAST(X AS TEXT), rather than the CASE's text
            new = exp.alias_(new, exp.to_identifier(node.sql("duckdb"), quoted=True), copy=False)
        node.replace(new)
