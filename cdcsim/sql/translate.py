"""Translation of one Snowflake statement into DuckDB SQL (sqlglot AST passes).

Each pass is a small function over the AST:

* identifiers are normalised the Snowflake way (unquoted → upper case);
* ``CURRENT_TIMESTAMP()``, ``SYSDATE()``, ``GETDATE()``, ``CURRENT_DATE`` … read the engine's clock
  through the session variable ``cdcsim_now`` (falling back to DuckDB's local time), so virtual
  time reaches queries and column defaults alike;
* qualified names ``db.schema.t`` map to DuckDB schemas ``"DB__SCHEMA"."T"``;
* references to streams, ``TABLE(<function>(...))`` and ``SYSTEM$...`` calls become *tokens*
  that the session fills in at execution time (stream windows depend on offsets at that moment);
* ``*`` over a relation with the hidden row-id column (tracked tables, dynamic tables) excludes
  it, and ``INSERT`` without a column list into such a table gets an explicit one;
* unaliased select expressions get Snowflake's upper-case names (``COUNT(*)``).

The session caches the result by statement text, database and schema, and re-checks the catalog
facts translation asked the ``Context`` for; statements that differ only in literals share one
translation through a template (``template.py``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlglot

# Load the two dialects now, while importing is single-threaded. sqlglot loads a dialect on first
# use and makes its class visible before the class is fully set up, so a scheduler thread and a
# user thread translating their first statements at the same moment could get a half-built
# dialect (seen once: the crash test's worker refreshed silver with Snowflake's TO_DATE left
# untranslated).
import sqlglot.dialects.duckdb  # noqa: F401  isort: skip
import sqlglot.dialects.snowflake  # noqa: F401  isort: skip
from sqlglot import exp
from sqlglot.dialects.dialect import map_date_part
from sqlglot.errors import ParseError, TokenError, UnsupportedError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from ..changes import RID
from ..errors import compilation_error, duplicate_column, syntax_error
from ..names import QName, duck_schema, parse_parts, qualify, quote
from . import (
    array_aggs,
    arrays,
    binary_text,
    date_functions,
    date_types,
    decimal_division,
    information_schema,
    insert_values,
    merge_by_name,
    nested_windows,
    number_format,
    objects,
    string_tables,
    text_functions,
    timestamp_literals,
    variant_paths,
)
from .duck_templates import fill

NOW_SQL = "coalesce(getvariable('cdcsim_now'), current_localtimestamp())"
_NOW_CLASSES: tuple[type, ...] = tuple(
    c for c in (getattr(exp, n, None) for n in ("CurrentTimestamp", "CurrentDatetime", "Localtimestamp",
                                                  "CurrentTimestampLTZ"))
    if c is not None
)
_NOW_MARK = "CDCSIM_NOW"
_NOW_NAMES = {"SYSDATE", "GETDATE", "LOCALTIMESTAMP", "SYSTIMESTAMP", "CURRENT_TIMESTAMP"}
_JSON_TYPES = {"VARIANT", "OBJECT", "ARRAY"}


@dataclass(frozen=True)
class Token:
    """A piece of SQL the session produces at execution time."""

    placeholder: str  # appears in the SQL as this exact quoted identifier text
    kind: str  # "stream" | "changes" | "tablefn" | "sysfn"
    name: str  # stream fqn, or function name
    args: tuple = ()
    kwargs: tuple = ()
    alias: str | None = None


@dataclass
class Translated:
    kind: str  # select | insert | update | delete | merge | create | drop | alter | other
    sql: str
    tokens: list[Token] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    relations: list[QName] = field(default_factory=list)
    target: QName | None = None
    is_write: bool = False
    is_ddl: bool = False
    uses_now: bool = False
    ast: exp.Expression | None = None
    table_props: dict[str, str] = field(default_factory=dict)  # CREATE TABLE's CHANGE_TRACKING = ... etc.
    if_exists: bool = False  # TRUNCATE TABLE IF EXISTS: a missing table is no error
    overwrite: bool = False  # INSERT OVERWRITE: the session empties the target first, in the same transaction
    check_names: bool = False  # CREATE TABLE AS SELECT *: the session refuses repeated names before it runs
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # run-time SQL built once
    temporary: bool = False  # the target is (or becomes) the session's temporary table (see _to_temporary)


@dataclass
class Context:
    """What translation needs to know about the session and catalog.

    Translation must learn about the catalog only through these callables: the session's cache
    records their answers and re-uses a translation only while they still hold."""

    database: str
    schema: str
    is_stream: Callable[[QName], bool]
    has_row_id: Callable[[QName], bool]  # the relation has the hidden row-id column
    insert_columns: Callable[[QName], list[str]]
    table_functions: set[str]
    system_functions: set[str]
    temp_table: Callable[[QName], bool] = lambda _qn: False  # the session has a temporary table of that name
    # a relation's (column, DuckDB type) pairs, or None when unknown (date_types)
    column_types: Callable[[QName], tuple[tuple[str, str], ...] | None] = lambda _qn: None
    session_id: str = "0"  # CURRENT_SESSION() (translations are cached per session)


def parse(sql: str) -> exp.Expression:
    try:
        trees = sqlglot.parse(sql, read="snowflake")
    except (ParseError, TokenError) as e:
        msg = str(e)
        m = re.search(r"Line (\d+), Col: (\d+)", msg)
        where = f" at line {m.group(1)}, position {m.group(2)}" if m else ""
        first = msg.splitlines()[0] if msg else "invalid syntax"
        raise syntax_error(f"Syntax error{where}: {first}") from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise syntax_error("Expected exactly one statement")
    return trees[0]


def _qname(table: exp.Table, ctx: Context) -> QName:
    db = table.args.get("db")
    cat = table.args.get("catalog")
    name = table.name
    if cat is not None:
        return QName(cat.name, db.name, name)
    if db is not None:
        return QName(ctx.database, db.name, name)
    return QName(ctx.database, ctx.schema, name)


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name for cte in tree.find_all(exp.CTE)}


def _replace_now(tree: exp.Expression) -> tuple[exp.Expression, bool]:
    used = False

    def fn(node: exp.Expression) -> exp.Expression:
        nonlocal used
        name = ""
        if isinstance(node, exp.Anonymous):
            name = str(node.this).upper()
        if isinstance(node, _NOW_CLASSES) or name in _NOW_NAMES:
            used = True
            return exp.Anonymous(this=_NOW_MARK)
        if isinstance(node, exp.CurrentDate):
            used = True
            return exp.Cast(this=exp.Anonymous(this=_NOW_MARK), to=exp.DataType.build("DATE"))
        if isinstance(node, (exp.Localtime, exp.CurrentTime)):  # CURRENT_TIME(), LOCALTIME()
            used = True
            return exp.Cast(this=exp.Anonymous(this=_NOW_MARK), to=exp.DataType.build("TIME"))
        if isinstance(node, exp.AtTimeZone) and isinstance(node.this, _NOW_CLASSES):
            used = True
            return exp.Anonymous(this=_NOW_MARK)
        return node

    return tree.transform(fn, copy=False), used


def _session_literals(tree: exp.Expression, ctx: Context) -> exp.Expression:
    """CURRENT_DATABASE() and friends as literals (the translation cache is keyed by them, and kept
    per session). [INFER] The context functions of one local user: CURRENT_SESSION() a number
    unique in the process, CURRENT_CLIENT() 'cdcsim', CURRENT_IP_ADDRESS() '127.0.0.1', the
    available roles the one role every statement runs as."""
    values = {"CurrentDatabase": ctx.database, "CurrentSchema": ctx.schema, "CurrentRole": "SYSADMIN",
              "CurrentUser": "CDCSIM", "CurrentWarehouse": "CDCSIM_WH", "CurrentVersion": "9.0.0",
              "CurrentAccount": "CDCSIM", "CurrentRegion": "LOCAL", "CurrentSession": ctx.session_id,
              "CurrentClient": "cdcsim", "CurrentIpAddress": "127.0.0.1", "CurrentOrganizationName": "CDCSIM",
              "CurrentAccountName": "CDCSIM", "CurrentAvailableRoles": '["SYSADMIN"]',
              "CurrentSecondaryRoles": '{"roles":"","value":""}'}

    def fn(node: exp.Expression) -> exp.Expression:
        v = values.get(type(node).__name__)
        if v == "":  # no current database / schema (Session.lose_current)
            return exp.Null()
        return exp.Literal.string(v) if v is not None else node

    return tree.transform(fn, copy=False)


_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _randstr(tree: exp.Expression) -> None:
    """RANDSTR(length, gen) [DOC: sql-reference/functions/randstr] is a function of ``gen``: the
    same string on every row for a constant gen, a new one per row for RANDOM(). sqlglot's DuckDB
    form is an uncorrelated subquery, which DuckDB evaluates once: every row got one string. Here
    each character hashes the generator with its position, inside a lambda, so it is evaluated
    per row (sqlglot's RANDOM() and UNIFORM(min, max, gen) already follow their generator).
    [INFER] The strings differ from Snowflake's for the same constant gen; only that they repeat
    is kept."""
    for node in list(tree.find_all(exp.Randstr)):
        gen = node.args.get("generator")
        g = gen.sql("duckdb") if gen else "RANDOM()"
        node.replace(exp.maybe_parse(
            f"array_to_string(list_transform(range({node.this.sql('duckdb')}), lambda _i: "
            f"substr('{_ALPHANUMERIC}', 1 + CAST(hash({g}, _i) % 62 AS INTEGER), 1)), '')", dialect="duckdb"))


def _count_if(tree: exp.Expression) -> exp.Expression:
    """COUNT_IF(c) → COUNT(CASE WHEN c THEN 1 END): 0 on empty input as in Snowflake (DuckDB's
    COUNT_IF returns NULL there)."""

    def fn(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.CountIf):
            case = exp.Case(ifs=[exp.If(this=node.this, true=exp.Literal.number(1))])
            return exp.Count(this=case)
        return node

    return tree.transform(fn, copy=False)


def _unqualify_set_targets(tree: exp.Expression) -> None:
    """``UPDATE t AS x SET x.col = ...`` and MERGE's ``UPDATE SET x.col = ...``: Snowflake allows the
    target's name or alias before a SET column; DuckDB's parser refuses any qualifier there."""
    updates = [tree] if isinstance(tree, exp.Update) else []
    if isinstance(tree, exp.Merge):
        whens = tree.args.get("whens")
        for when in (whens.expressions if whens is not None else []):
            if isinstance(when.args.get("then"), exp.Update):
                updates.append(when.args["then"])
    for update in updates:
        for eq in update.expressions:
            if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column) and eq.this.table:
                eq.this.set("table", None)


_KEY_CONSTRAINTS = (exp.PrimaryKey, exp.ForeignKey, exp.UniqueColumnConstraint, exp.PrimaryKeyColumnConstraint,
                    exp.Reference)


def _informational_constraints(tree: exp.Expression) -> None:
    """PRIMARY KEY, UNIQUE and FOREIGN KEY on a standard table are not enforced in Snowflake ("does
    not enforce them, except for NOT NULL constraints, which are always enforced" [DOC:
    sql-reference/constraints-overview]); DuckDB would enforce them, and refuses their RELY / NORELY
    / ENFORCED options. They are left out of the DuckDB table. A primary key's columns stay NOT NULL,
    as Snowflake makes them."""
    schema = tree.this
    if str(tree.args.get("kind", "")).upper() != "TABLE" or not isinstance(schema, exp.Schema):
        return
    pk_cols: set[str] = set()
    kept = []
    for e in schema.expressions:
        inner = e.expressions[0] if isinstance(e, exp.Constraint) and len(e.expressions) == 1 else e
        if isinstance(inner, exp.PrimaryKey):
            pk_cols |= {i.name for i in inner.expressions}
        if isinstance(inner, _KEY_CONSTRAINTS):
            continue
        kept.append(e)
    schema.set("expressions", kept)
    for col in schema.find_all(exp.ColumnDef):
        constraints = col.args.get("constraints") or []
        is_pk = col.name in pk_cols or any(isinstance(c.args.get("kind"), exp.PrimaryKeyColumnConstraint)
                                           for c in constraints)
        rest = [c for c in constraints if not isinstance(c.args.get("kind"), _KEY_CONSTRAINTS)]
        if is_pk and not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) for c in rest):
            rest.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        col.set("constraints", rest)


def _refuse_duplicate_columns(tree: exp.Expression) -> bool:
    """CREATE TABLE ... AS SELECT whose named outputs repeat a name fails in Snowflake (002025);
    DuckDB would rename the second one (``ID_1``). Names a ``*`` brings are not known here: True
    asks the session to check the query's names before it runs (``Translated.check_names``)."""
    query = tree.expression
    if str(tree.args.get("kind", "")).upper() != "TABLE" or not isinstance(query, exp.Select) \
            or isinstance(tree.this, exp.Schema):
        return False
    seen: set[str] = set()
    for proj in query.expressions:
        if isinstance(proj, exp.Star) or isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star):
            return True
        name = proj.alias_or_name
        if not name:
            continue  # an unaliased expression: DuckDB names it by its text (two of them failed as '')
        if name in seen:
            raise duplicate_column(name)
        seen.add(name)
    return False


_TABLE_PROPS = ("CHANGE_TRACKING", "DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS")


def _table_props(tree: exp.Expression) -> dict[str, str]:
    """Take CREATE TABLE's change-tracking and retention properties and its table and column
    comments out of the statement (DuckDB has none of them in CREATE TABLE; its generator dropped
    the comments); the session applies them to the new table (``change_tracking.at_create``)."""
    props = tree.args.get("properties")
    kind = str(tree.args.get("kind", "")).upper()
    if kind == "VIEW" and props is not None:  # a view keeps its comment and its change tracking only
        taken: dict[str, str] = {}
        for p in list(props.expressions):
            if isinstance(p, exp.SchemaCommentProperty):
                taken["COMMENT"] = _string_literal(p.this.name)
                p.pop()
            elif isinstance(p, exp.Property) and p.name.upper() == "CHANGE_TRACKING":
                taken["CHANGE_TRACKING"] = p.args["value"].sql(dialect="snowflake")
                p.pop()
        return taken
    if kind != "TABLE":
        return {}
    props = props if props is not None else exp.Properties(expressions=[])
    out: dict[str, str] = {}
    for p in list(props.expressions):
        if isinstance(p, exp.Property) and p.name.upper() in _TABLE_PROPS:
            out[p.name.upper()] = p.args["value"].sql(dialect="snowflake")
            p.pop()
        elif isinstance(p, exp.SchemaCommentProperty):  # DuckDB's CREATE has no comment: set after it
            out["COMMENT"] = _string_literal(p.this.name)
            p.pop()
    schema = tree.this if isinstance(tree.this, exp.Schema) else None
    for d in schema.expressions if schema is not None else []:
        for c in list(d.args.get("constraints") or []) if isinstance(d, exp.ColumnDef) else []:
            if isinstance(c.kind, exp.CommentColumnConstraint):
                out[COLUMN_COMMENT + (d.name if d.this.quoted else d.name.upper())] = _string_literal(c.kind.this.name)
                c.pop()
    return out


def _typed_ctas_columns(tree: exp.Expression) -> None:
    """``CREATE TABLE t (a INT, b) AS <query>`` [DOC: sql-reference/sql/create-table, CTAS]: the
    list names the query's columns in order and may give their types. DuckDB takes names only, so
    the query is read under the list's names and cast to the given types. A list whose length is
    not the query's fails as Snowflake's does (002026)."""
    schema, query = tree.this, tree.expression
    if not isinstance(schema, exp.Schema) or not isinstance(query, exp.Query) or \
            not any(isinstance(d, exp.ColumnDef) and d.args.get("kind") is not None for d in schema.expressions):
        return
    names = [exp.to_identifier(d.name, quoted=d.this.quoted if isinstance(d, exp.ColumnDef) else d.quoted)
             for d in schema.expressions]
    width = len(query.selects) if not any(isinstance(e, exp.Star) for e in query.selects) else None
    if width is not None and width != len(names):
        raise compilation_error(f"Invalid column definition list: the query has {width} columns and the list "
                                f"{len(names)}.", 2026, "42601")
    select = exp.select(*[
        exp.cast(exp.column(n.copy()), d.args["kind"].copy()).as_(n.copy())
        if isinstance(d, exp.ColumnDef) and d.args.get("kind") is not None else exp.column(n.copy())
        for n, d in zip(names, schema.expressions, strict=True)
    ]).from_(exp.Subquery(this=query.copy(), alias=exp.TableAlias(this=exp.to_identifier("_ctas"), columns=names)))
    tree.set("this", schema.this)
    tree.set("expression", select)


COLUMN_COMMENT = "COLUMN COMMENT "  # a table_props key: a column's COMMENT, set after CREATE TABLE


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TEXT_TYPES = {exp.DataType.Type.TEXT, exp.DataType.Type.VARCHAR, exp.DataType.Type.CHAR,
               exp.DataType.Type.NCHAR, exp.DataType.Type.NVARCHAR}


# a column's value as text: a VARIANT (JSON) string without its quotes, anything else cast as
# written; typeof() is folded when DuckDB plans the statement, and both branches bind for any type
_COLUMN_TEXT = "CASE WHEN typeof(__V) = 'JSON' THEN json_extract_string(to_json(__V), '$') ELSE __CAST END"


def _variant_text_casts(tree: exp.Expression) -> None:
    """``v:path::STRING`` (and TO_VARCHAR of a path) is the element's text in Snowflake: ``Ann``, not
    the JSON ``"Ann"`` that casting DuckDB's extracted JSON gives. Such casts read the path as text.
    So do casts of a VARIANT column (FLATTEN's ``f.value::STRING``, the querying-semistructured
    page's ``ve.value::string``, which kept its quotes) and of a value made a VARIANT
    (``'Sample'::VARIANT::VARCHAR`` is ``Sample`` [DOC: sql-reference/data-types-semistructured])."""
    for node in list(tree.find_all(exp.Cast, exp.ToChar)):
        inner = node.this
        to_text = isinstance(node, exp.ToChar) and node.args.get("format") is None or \
            type(node) is exp.Cast and node.to.this in _TEXT_TYPES
        if not to_text:
            continue
        if isinstance(inner, exp.JSONExtract):
            inner.replace(exp.JSONExtractScalar(this=inner.this, expression=inner.expression))
        elif isinstance(inner, exp.ParseJSON) or isinstance(inner, exp.Anonymous) and inner.name == "cdcsim_variant":
            node.replace(exp.func("json_extract_string", inner.copy(), exp.Literal.string("$")))
        elif isinstance(inner, exp.Column) and not isinstance(inner.this, exp.Star):
            node.replace(fill(_COLUMN_TEXT, V=inner, CAST=node.copy()))


_BLANKS = " \t\n\r"
# CHECK_JSON's argument as the text to check: a VARIANT's string (the page checks a VARIANT column
# holding the text), anything else as text
_CHECKED_TEXT = "CASE WHEN typeof(__X) = 'JSON' THEN json_extract_string(to_json(__X), '$') ELSE CAST(__X AS VARCHAR) END"
_CHECK_JSON = ("CASE WHEN __T IS NULL OR trim(__T, __BLANKS) = '' OR json_valid(__T) THEN NULL "
               "ELSE 'Invalid JSON' END")


def _json_text_inputs(tree: exp.Expression) -> None:
    """PARSE_JSON / TRY_PARSE_JSON of an empty string, or of whitespace only, is NULL, not an error
    [DOC: sql-reference/functions/parse_json]: DuckDB's JSON parser failed ("input length is 0"),
    so one empty payload stopped a whole load. CHECK_JSON [DOC: sql-reference/functions/check_json]
    of a VARIANT checks the string it holds (DuckDB compared the JSON column with '' and failed);
    [INFER] its message for invalid JSON stays 'Invalid JSON' (Snowflake's names the parser's
    complaint and position, as 'misplaced }, pos 32').
    A constant that is a JSON literal in capitals (``PARSE_JSON('NULL')``, the OBJECT_CONSTRUCT
    page's JSON null) is read as Snowflake's parser reads it; [INFER] capitals inside a document
    (``{"a": FALSE}``) still fail, DuckDB's parser being strict there."""
    for node in list(tree.find_all(exp.ParseJSON)):
        arg = node.this
        if isinstance(arg, exp.Literal) and arg.is_string:
            text = arg.name.strip(_BLANKS)
            node.set("this", exp.Null() if not text else
                     exp.Literal.string(text.lower()) if text.lower() in ("null", "true", "false") else arg)
            continue
        text = exp.func("trim", arg.copy(), exp.Literal.string(_BLANKS))
        node.set("this", exp.Nullif(this=text, expression=exp.Literal.string("")))
    for node in list(tree.find_all(exp.CheckJson)):
        checked = fill(_CHECKED_TEXT, X=node.this)
        node.replace(fill(_CHECK_JSON, T=checked, BLANKS=exp.Literal.string(_BLANKS)))


_DATE_FORMAT = re.compile(r"YY|MM|DD|HH|MI|SS|MON|DY|FF|AM|PM", re.IGNORECASE)


def _to_char_formats(tree: exp.Expression) -> None:
    """``TO_CHAR(x, '<literal format>')``: sqlglot formats only arguments whose type it knows to be
    temporal and casts the rest to text, dropping the format. A numeric format model
    (``'9,999.99'``, ``'S0XXX'``) is applied by ``number_format``; it is tried first because
    ``'999MI'`` also matches a date part. A format made of date parts is applied as ``strftime``.
    A format with a ``0`` or ``9`` that is neither fails as an invalid format rather than being
    dropped; any other format (binary ``'HEX'``, ``'UTF-8'``, ...) keeps sqlglot's cast."""
    for node in list(tree.find_all(exp.ToChar)):
        fmt = node.args.get("format")
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            continue
        text = fmt.name
        is_date = _DATE_FORMAT.search(text) is not None
        if number_format.is_numeric_model(text) or not is_date and number_format.looks_numeric(text):
            node.replace(number_format.to_char(node.this, text))
        elif is_date:
            converted = sqlglot.Dialect.get_or_raise("snowflake").format_time(fmt)
            if isinstance(converted, exp.Literal):  # a bare HH, which sqlglot leaves as text
                converted = exp.Literal.string(date_functions.hour_format(converted.name))
            node.replace(exp.TimeToStr(this=node.this, format=converted))


def _to_number_formats(tree: exp.Expression) -> None:
    """TO_NUMBER / TO_DECIMAL / TRY_TO_NUMBER with a literal format model read the text with it
    (``number_format.from_text``); sqlglot cast it to a DOUBLE, so ``'1,234.5'`` failed and the
    precision and scale were lost."""
    for node in list(tree.find_all(exp.ToNumber)):
        fmt, p, s = node.args.get("format"), node.args.get("precision"), node.args.get("scale")
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            continue
        lits = [v for v in (p, s) if v is not None]
        if not all(isinstance(v, exp.Literal) and not v.is_string and v.name.isdigit() for v in lits):
            continue
        node.replace(number_format.from_text(node.this, fmt.name, int(p.name) if p is not None else 38,
                                             int(s.name) if s is not None else 0, bool(node.args.get("safe"))))


def _checked_division(tree: exp.Expression) -> None:
    """``a / b`` fails when ``b`` is zero and ``a`` is not NULL, as in Snowflake (100051), instead of
    DuckDB's inf or NaN (``NULL / 0`` is NULL: DIV0NULL(NULL, 0) is NULL, so DIV0 over a NULL is).
    Divisors that cannot be zero are left alone: a non-zero number, ``NULLIF(x, 0)``."""
    for div in list(tree.find_all(exp.Div)):
        if decimal_division.TAG in div.meta:
            continue  # an exact division: its integer division fails on a zero itself
        d = div.expression
        inner = d.this if isinstance(d, exp.Paren) else d
        if isinstance(inner, exp.Literal) and not inner.is_string and float(inner.this) != 0:
            continue
        if isinstance(inner, exp.Nullif) and isinstance(inner.expression, exp.Literal) \
                and not inner.expression.is_string and float(inner.expression.this) == 0:
            continue
        d.replace(exp.Anonymous(this="cdcsim_nzd", expressions=[d.copy(), div.this.copy()]))


def _convert_timezone(tree: exp.Expression) -> None:
    """Two-argument CONVERT_TIMEZONE(target, ts) gives ``ts`` as wall-clock time in ``target``
    [DOC: sql-reference/functions/convert_timezone], a TIMESTAMP_NTZ ``ts`` being in the session's
    time zone (UTC). sqlglot's ``ts AT TIME ZONE target`` would read a naive ``ts`` as already in
    ``target`` (12:00 UTC to Los Angeles came out 20:00). The instant is fixed first, then shown in
    ``target``. [INFER] The result carries no offset (DuckDB keeps none per value): it is the local
    time, which is what DATE(), ::TIMESTAMP_NTZ and display of Snowflake's result give."""
    for node in list(tree.find_all(exp.ConvertTimezone)):
        if node.args.get("source_tz") is None and node.args.get("timestamp") is not None:
            instant = exp.cast(node.args["timestamp"].copy(), exp.DataType.build("TIMESTAMPTZ"))
            node.replace(exp.AtTimeZone(this=instant, zone=node.args["target_tz"].copy()))


_NAIVE_TIMESTAMPS = {exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.TIMESTAMP}


def duck_type(type_text: str) -> str:
    """A Snowflake type (``NUMBER(12, 2)``, ``VARIANT``, ``TIMESTAMP_NTZ(9)``) as DuckDB writes it."""
    try:
        cast = exp.cast(exp.Null(), exp.DataType.build(type_text, dialect="snowflake"))
    except (ParseError, ValueError):
        raise compilation_error(f"invalid data type '{type_text}'", 1003, "42000") from None
    _fix_types(cast)
    return cast.to.sql("duckdb")


def _variant_casts(tree: exp.Expression) -> None:
    """``x::VARIANT`` / ``TO_VARIANT(x)`` wraps the value as it is: a string becomes a VARIANT
    string [DOC: sql-reference/data-types-semistructured], it is not read as JSON text (that is
    PARSE_JSON). DuckDB's CAST to JSON parses a string, so ``'Joe'::VARIANT`` failed and
    ``'{"a":1}'::VARIANT`` came out an object; ``to_json`` wraps a value of any type."""
    # innermost first: an outer one copies its argument, and a cast inside the copy was left a
    # CAST to JSON (``TO_VARIANT(OBJECT_CONSTRUCT('k', 'text'::VARIANT))`` failed to parse 'text')
    for node in reversed(list(tree.find_all(exp.Cast, exp.ToVariant))):
        if isinstance(node, exp.ToVariant) or type(node) is exp.Cast and node.to.this == exp.DataType.Type.VARIANT:
            node.replace(objects.variant_of(node.this.copy()))


def _fix_types(tree: exp.Expression) -> None:
    _json_text_inputs(tree)
    _variant_casts(tree)
    _convert_timezone(tree)
    _variant_text_casts(tree)
    _to_char_formats(tree)
    _to_number_formats(tree)
    _checked_division(tree)
    for dt in tree.find_all(exp.DataType):
        if dt.this.name in _JSON_TYPES or str(dt.this).split(".")[-1] in _JSON_TYPES:
            dt.replace(exp.DataType.build("JSON"))
        elif dt.this in _NAIVE_TIMESTAMPS and dt.expressions:
            # TIMESTAMP_NTZ(9) is Snowflake's default precision, not a request for DuckDB's
            # nanosecond type: every naive timestamp is DuckDB's TIMESTAMP (microseconds)
            dt.set("expressions", [])
        elif dt.this in _BINARY_TYPES and dt.expressions:
            # BINARY(n): DuckDB's BLOB takes no length, and the column failed to create
            dt.set("expressions", [])


_BINARY_TYPES = {exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY}


def _literal_value(node: exp.Expression) -> object:
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else (float(node.this) if "." in node.this else int(node.this))
    if isinstance(node, exp.Boolean):
        return node.this
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return -_literal_value(node.this)  # type: ignore[operator]
    if isinstance(node, (exp.Cast, exp.TryCast)):
        return node.sql("snowflake")
    if isinstance(node, exp.Column):
        return node.sql("snowflake")
    return node.sql("snowflake")


class _Quiet(logging.Filter):
    """Drops sqlglot's warnings ("Unsupported property ...", "Falling back to parsing as a
    'Command'") while this thread translates: they describe cdcsim's own translation, and what
    cannot run fails with a Snowflake-style error instead."""

    on = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.on, "value", False)


logging.getLogger("sqlglot").addFilter(_Quiet())


_IDENTITY = (exp.AutoIncrementColumnConstraint, exp.GeneratedAsIdentityColumnConstraint)


def _identity_columns(tree: exp.Expression, out: Translated, tokens: list[Token]) -> None:
    """CREATE TABLE's AUTOINCREMENT / IDENTITY columns take their DEFAULT from a sequence the
    session makes when the statement runs (an ``identity`` token: ``cdcsim/identity.py``).
    DuckDB has no identity columns, and sqlglot would drop the constraint."""
    for col in tree.find_all(exp.ColumnDef):
        for c in col.args.get("constraints") or []:
            kind = c.args.get("kind")
            if not isinstance(kind, _IDENTITY):
                continue
            if out.kind != "create":
                raise compilation_error(f"AUTOINCREMENT / IDENTITY on column '{col.name}' is supported by "
                                        "cdcsim only in CREATE TABLE.", 2000, "0A000")
            start, step = (kind.args.get(k) for k in ("start", "increment"))
            args = tuple(1 if v is None else int(_literal_value(v)) for v in (start, step))  # type: ignore[arg-type]
            if args[1] == 0:
                raise compilation_error(f"The increment of identity column '{col.name}' cannot be 0.", 2000, "22023")
            ph = f"__CDCSIM_TOK_{len(tokens)}__"
            tokens.append(Token(ph, "identity", col.name, args))
            c.set("kind", exp.DefaultColumnConstraint(this=exp.column(exp.to_identifier(ph, quoted=True))))


def _sequence_reads(tree: exp.Expression, ctx: Context) -> None:
    """``seq.NEXTVAL`` (or ``db.sch.seq.NEXTVAL``) is DuckDB's ``nextval('"DB__SCH"."SEQ"')``. A
    qualifier that names a table or alias of the query is a column reference and stays."""
    for col in list(tree.find_all(exp.Column)):
        ident = col.this
        if not (isinstance(ident, exp.Identifier) and not ident.quoted and ident.name.upper() == "NEXTVAL"
                and col.table):
            continue
        select = col.find_ancestor(exp.Select)
        if select is not None and any(t.alias_or_name == col.table for t in select.find_all(exp.Table)):
            continue
        parts = [p.name for p in (col.args.get("catalog"), col.args.get("db"), col.args.get("table")) if p]
        db, sch = {3: parts[:2], 2: [ctx.database, parts[0]]}.get(len(parts), [ctx.database, ctx.schema])
        target = f"{quote(duck_schema(db, sch))}.{quote(parts[-1])}"
        col.replace(exp.func("nextval", exp.Literal.string(target)))


# a value that is not a VARIANT is cast to one, and named by its SQL type
_SQL_TYPES_SF = [("^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U.*INT)$", "INTEGER"), ("^(DOUBLE|FLOAT)$", "DOUBLE"),
                 ("^DECIMAL", "DECIMAL"), ("^VARCHAR$", "VARCHAR"), ("^BOOLEAN$", "BOOLEAN"), ("^DATE$", "DATE"),
                 ("^TIMESTAMP WITH TIME ZONE$", "TIMESTAMP_LTZ"), ("^TIMESTAMP", "TIMESTAMP_NTZ"),
                 ("^TIME$", "TIME"), ("^BLOB$", "BINARY"), ("NULL", "NULL_VALUE")]
_JSON_TYPES_SF = {"UBIGINT": "INTEGER", "BIGINT": "INTEGER", "DOUBLE": "DECIMAL", "VARCHAR": "VARCHAR",
                  "BOOLEAN": "BOOLEAN", "OBJECT": "OBJECT", "ARRAY": "ARRAY", "NULL": "NULL_VALUE"}


def _to_timestamp_ntz(arg: exp.Expression, strict: bool = True, target: str = "TIMESTAMP") -> exp.Expression:
    """TO_TIMESTAMP(x) of an expression sqlglot leaves to DuckDB (a column, ``ms / 1000``): DuckDB's
    to_timestamp takes only numbers and answers a TIMESTAMPTZ; Snowflake's reads a timestamp
    string as one, and a number (or a string of digits) as seconds since the epoch, into a
    TIMESTAMP_NTZ [DOC: sql-reference/functions/to_timestamp]. A *string* of digits has its unit
    read from its magnitude, as the same page documents: under 31,536,000,000 seconds, then
    milliseconds, microseconds, and from 31,536,000,000,000,000 nanoseconds (an epoch-ms string
    such as '1700000000000' used to come out in the year 55840).

    ``target="TIMESTAMPTZ"``: TO_TIMESTAMP_LTZ / TO_TIMESTAMP_TZ [DOC: sql-reference/functions/to_timestamp]
    of a column failed as an unknown function (sqlglot rewrites only a literal argument). Text is
    read as an instant: with its offset when it has one (also after a space, as Snowflake writes it,
    see sql/timestamp_literals.py), else as wall-clock time in the session's time zone, as is a
    TIMESTAMP_NTZ or DATE argument; a number is seconds (or, as text, the unit its magnitude tells)
    since the epoch. [INFER] A TIMESTAMP_TZ keeps no offset here (the engine's TIMESTAMP_TZ is its
    TIMESTAMP_LTZ), so both read alike."""
    text = exp.cast(arg.copy(), exp.DataType.build("VARCHAR"))
    if target == "TIMESTAMPTZ":
        # an offset after a space, as Snowflake shows a TIMESTAMP_TZ, is glued to the time for DuckDB
        text = exp.func("regexp_replace", text, exp.Literal.string(r"(\d)\s+([+-]\d{2}(:?\d{2})?|Z)\s*$"),
                        exp.Literal.string(r"\1\2"))
    as_ts = exp.TryCast(this=text.copy(), to=exp.DataType.build(target))
    secs = exp.TryCast(this=text.copy(), to=exp.DataType.build("DOUBLE"))
    micros = exp.cast(exp.Mul(this=secs, expression=exp.Literal.number(1_000_000)), exp.DataType.build("BIGINT"))
    n = exp.TryCast(this=text.copy(), to=exp.DataType.build("HUGEINT"))
    year_ms = 31_536_000_000
    scaled = exp.Case(ifs=[
        exp.If(this=exp.LT(this=exp.Abs(this=n.copy()), expression=exp.Literal.number(year_ms)),
               true=exp.Mul(this=n.copy(), expression=exp.Literal.number(1_000_000))),
        exp.If(this=exp.LT(this=exp.Abs(this=n.copy()), expression=exp.Literal.number(year_ms * 1000)),
               true=exp.Mul(this=n.copy(), expression=exp.Literal.number(1000))),
        exp.If(this=exp.LT(this=exp.Abs(this=n.copy()), expression=exp.Literal.number(year_ms * 1_000_000)),
               true=n.copy())],
        default=exp.IntDiv(this=n.copy(), expression=exp.Literal.number(1000)))
    digits = exp.and_(
        exp.EQ(this=exp.func("typeof", arg.copy()), expression=exp.Literal.string("VARCHAR")),
        exp.func("regexp_full_match", text.copy(), exp.Literal.string(r"\s*-?[0-9]+\s*")))
    number = exp.Case(ifs=[exp.If(this=digits, true=exp.func("make_timestamp", exp.cast(scaled, exp.DataType.build("BIGINT"))))],
                      default=exp.func("make_timestamp", micros))
    if target == "TIMESTAMPTZ":  # seconds since the epoch name an instant (UTC), not a wall-clock time
        number = exp.func("timezone", exp.Literal.string("UTC"), number)
    value = exp.Coalesce(this=as_ts, expressions=[number])
    if not strict:  # TRY_TO_TIMESTAMP: NULL for what is neither
        return value
    # neither a timestamp nor a number: Snowflake's error, not a NULL
    bad = exp.and_(exp.Not(this=exp.Is(this=arg.copy(), expression=exp.Null())),
                   exp.Is(this=value.copy(), expression=exp.Null()))
    message = exp.DPipe(this=exp.DPipe(this=exp.Literal.string("Timestamp '"), expression=text.copy()),
                        expression=exp.Literal.string("' is not recognized"))
    return exp.Case(ifs=[exp.If(this=bad, true=exp.cast(exp.func("error", message), exp.DataType.build(target)))],
                    default=value)


# IS_<type>(variant) [DOC: sql-reference/functions-semistructured]: the JSON types each admits
# (IS_DECIMAL / IS_DOUBLE admit integers too, as Snowflake documents)
_VARIANT_TESTS = {"IS_OBJECT": ("OBJECT",), "IS_BOOLEAN": ("BOOLEAN",), "IS_VARCHAR": ("VARCHAR",),
                  "IS_CHAR": ("VARCHAR",), "IS_INTEGER": ("BIGINT", "UBIGINT"),
                  "IS_DECIMAL": ("BIGINT", "UBIGINT", "DOUBLE"), "IS_DOUBLE": ("BIGINT", "UBIGINT", "DOUBLE"),
                  "IS_REAL": ("BIGINT", "UBIGINT", "DOUBLE")}
# AS_VARCHAR(v) and kin [DOC: sql-reference/functions/as]: the value when the VARIANT holds that
# kind (the kinds its IS_ test admits), else NULL; the value as text (None) or cast to the type
_VARIANT_AS = {"AS_VARCHAR": (_VARIANT_TESTS["IS_VARCHAR"], None), "AS_CHAR": (_VARIANT_TESTS["IS_CHAR"], None),
               "AS_INTEGER": (_VARIANT_TESTS["IS_INTEGER"], "BIGINT"), "AS_DOUBLE": (_VARIANT_TESTS["IS_DOUBLE"], "DOUBLE"),
               "AS_REAL": (_VARIANT_TESTS["IS_REAL"], "DOUBLE"), "AS_BOOLEAN": (_VARIANT_TESTS["IS_BOOLEAN"], "BOOLEAN"),
               "AS_OBJECT": (_VARIANT_TESTS["IS_OBJECT"], "JSON"), "AS_ARRAY": (("ARRAY",), "JSON")}


# WIDTH_BUCKET(x, min, max, n) [DOC: sql-reference/functions/width_bucket]: the equi-width bucket
# 1..n of x, 0 below the range and n + 1 at or above its end; [INFER] a range given from high to
# low counts down from min, as SQL's WIDTH_BUCKET does. DuckDB has no such function.
_WIDTH_BUCKET = (
    "CAST(CASE WHEN __LO < __HI THEN CASE WHEN __X < __LO THEN 0 WHEN __X >= __HI THEN __N + 1 "
    "ELSE floor((__X - __LO) * __N / (__HI - __LO)) + 1 END "
    "WHEN __LO > __HI THEN CASE WHEN __X > __LO THEN 0 WHEN __X <= __HI THEN __N + 1 "
    "ELSE floor((__LO - __X) * __N / (__LO - __HI)) + 1 END END AS BIGINT)")
# OCTET_LENGTH(x) [DOC: sql-reference/functions/octet_length]: the bytes of a string (UTF-8) or of
# a BINARY. DuckDB's octet_length takes a BLOB only and failed on text; typeof() is folded when the
# statement is planned, and both branches bind for either type.
_OCTET_LENGTH = "CASE WHEN typeof(__X) = 'BLOB' THEN octet_length(CAST(__X AS BLOB)) ELSE strlen(CAST(__X AS VARCHAR)) END"
# HAVERSINE(lat1, lon1, lat2, lon2) [DOC: sql-reference/functions/haversine]: the great-circle
# distance in km on a sphere of radius 6371 km (the radius that gives the page's 3936.385096389
# for New York to Los Angeles), a FLOAT.
_HAVERSINE = (
    "2 * 6371 * asin(sqrt(pow(sin(radians(__LAT2 - __LAT1) / 2), 2) "
    "+ cos(radians(__LAT1)) * cos(radians(__LAT2)) * pow(sin(radians(__LON2 - __LON1) / 2), 2)))")


def _hash(args: list[exp.Expression]) -> exp.Expression:
    """HASH(a, ...) / HASH(*) [DOC: sql-reference/functions/hash]: a signed 64-bit value, as in
    Snowflake (a NUMBER here, as there). DuckDB's hash is unsigned, so half its values did not fit a NUMBER / BIGINT column
    (an INSERT of them failed), and it takes no ``*``. [INFER] The values differ from Snowflake's
    (its algorithm is not documented); equal inputs give equal hashes. ``*`` is every column of the
    FROM but the hidden row id."""
    if len(args) == 1 and isinstance(args[0], exp.Star):
        inner: list[exp.Expression] = [exp.Var(this=f"*COLUMNS(lambda c: c <> '{RID}')")]
    else:
        inner = [a.copy() for a in args]
    wide = exp.cast(exp.Anonymous(this="hash", expressions=inner), exp.DataType.build("HUGEINT"))
    # (kept 128-bit wide, as Snowflake's NUMBER(38) is: ABS(HASH(x)) of the lowest value must not overflow)
    return exp.Paren(this=exp.Sub(this=wide, expression=exp.Literal.number(2**63)))


def _ratio_to_report(tree: exp.Expression) -> bool:
    """``RATIO_TO_REPORT(x) OVER (PARTITION BY ...)``: x over the partition's sum (NULL when the sum
    is 0, as a ratio of nothing); whether there was one. Rewritten before the divisions are typed,
    so the ratio of a NUMBER is a NUMBER as in Snowflake (the window-syntax page's
    ``100 * RATIO_TO_REPORT(net_profit) OVER ()`` of a NUMBER(9, 2) shows ``22.72727300``; it was a
    FLOAT)."""
    found = False
    for win in list(tree.find_all(exp.Window)):
        fn = win.this
        if isinstance(fn, exp.Anonymous) and fn.expressions and str(fn.this).upper() == "RATIO_TO_REPORT":
            arg = fn.expressions[0]
            total = win.copy()
            total.set("this", exp.Sum(this=arg.copy()))
            total.set("order", None)
            win.replace(exp.Div(this=arg.copy(), expression=exp.Nullif(this=total, expression=exp.Literal.number(0))))
            found = True
    return found


def _snowflake_functions(tree: exp.Expression) -> None:
    """Snowflake functions DuckDB lacks, as DuckDB expressions:
    * ``RATIO_TO_REPORT``: see ``_ratio_to_report``;
    * ``CONDITIONAL_TRUE_EVENT(cond) OVER (... ORDER BY ...)``: how many rows up to this one the
      condition held for (the event number, from 0); ``CONDITIONAL_CHANGE_EVENT(x)``: the same
      for ``x != LAG(x)`` (a NULL on either side is no change, as the page's definition gives);
    * ``HASH_AGG(a, ...)``: an order-independent hash of the rows (XOR of the row hashes) [INFER:
      the value differs from Snowflake's; equal inputs give equal results];
    * ``[TRY_]TO_TIMESTAMP[_NTZ | _LTZ | _TZ](expr)``: see ``_to_timestamp_ntz``;
    * ``WIDTH_BUCKET``, ``HAVERSINE`` and ``OCTET_LENGTH`` of text (see their templates);
    * ``TYPEOF(variant)``: Snowflake's type names (INTEGER, DECIMAL, VARCHAR, BOOLEAN, OBJECT, ARRAY,
      NULL_VALUE) where DuckDB said JSON [INFER: a JSON number with a fraction is DECIMAL]."""
    for win in list(tree.find_all(exp.Window)):
        fn = win.this
        if not isinstance(fn, exp.Anonymous) or not fn.expressions:
            continue
        name = str(fn.this).upper()
        if name in ("CONDITIONAL_TRUE_EVENT", "CONDITIONAL_CHANGE_EVENT"):
            cond = fn.expressions[0]
            if name == "CONDITIONAL_CHANGE_EVENT":
                # the page's definition: CONDITIONAL_TRUE_EVENT(x != LAG(x) OVER w) OVER w (the
                # nested LAG is computed a level down, see sql/nested_windows.py)
                lag = win.copy()
                lag.set("this", exp.Anonymous(this="LAG", expressions=[cond.copy()]))
                lag.set("spec", None)
                cond = exp.NEQ(this=exp.Paren(this=cond.copy()), expression=lag)
            count = exp.Sum(this=exp.Case(ifs=[exp.If(this=cond.copy(), true=exp.Literal.number(1))],
                                          default=exp.Literal.number(0)))
            running = win.copy()
            running.set("this", count)
            running.set("spec", exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING",
                                               end="CURRENT ROW"))
            win.replace(exp.cast(running, exp.DataType.build("BIGINT")))
    for node in list(tree.find_all(exp.WidthBucket)):
        args = {k: node.args.get(k) for k in ("this", "min_value", "max_value", "num_buckets")}
        if all(v is not None for v in args.values()):
            node.replace(fill(_WIDTH_BUCKET, X=args["this"], LO=args["min_value"], HI=args["max_value"],
                              N=args["num_buckets"]))
    for node in list(tree.find_all(exp.ByteLength)):
        node.replace(fill(_OCTET_LENGTH, X=node.this))
    for agg in list(tree.find_all(exp.HashAgg)):
        args = [agg.this, *agg.expressions]
        agg.replace(exp.cast(exp.BitwiseRightShift(this=exp.func("bit_xor", exp.func("hash", *[a.copy() for a in args])),
                                                   expression=exp.Literal.number(1)), exp.DataType.build("BIGINT")))
    for node in list(tree.find_all(exp.ObjectAgg)):
        node.replace(objects.object_agg(node.this, node.expression))
    for node in list(tree.find_all(exp.ArraySize)):
        node.replace(arrays.array_size(node.this))
    for node in list(tree.find_all(exp.ArrayContains)):
        node.replace(arrays.array_contains(node.this, node.expression))
    for node in list(tree.find_all(exp.DateTrunc, exp.TimestampTrunc)):
        # TRUNC(d, 'MM') keeps Snowflake's abbreviation of the part; DuckDB knows full names only
        unit = node.args.get("unit")
        if isinstance(unit, exp.Literal) and unit.is_string:
            node.set("unit", map_date_part(unit, "snowflake"))
    for node in list(tree.find_all(exp.UnixToTime)):
        # sqlglot reads TO_TIMESTAMP('<digits>') as seconds; a string has its unit inferred
        if isinstance(node.this, exp.Literal) and node.this.is_string and node.args.get("scale") is None:
            node.replace(_to_timestamp_ntz(node.this))
    # the ones sqlglot leaves unnamed, by name; inner calls first, as an outer one copies its arguments
    for call in reversed(list(tree.find_all(exp.Anonymous))):
        name, args = str(call.this).upper(), call.expressions
        if name in ("TO_TIMESTAMP", "TO_TIMESTAMP_NTZ", "TRY_TO_TIMESTAMP", "TRY_TO_TIMESTAMP_NTZ") and len(args) == 1:
            call.replace(_to_timestamp_ntz(args[0], strict=not name.startswith("TRY_")))
        elif name in ("TO_TIMESTAMP_LTZ", "TO_TIMESTAMP_TZ", "TRY_TO_TIMESTAMP_LTZ", "TRY_TO_TIMESTAMP_TZ") and len(args) == 1:
            call.replace(_to_timestamp_ntz(args[0], strict=not name.startswith("TRY_"), target="TIMESTAMPTZ"))
        elif name == "OBJECTAGG" and len(args) == 2:
            call.replace(objects.object_agg(*args))
        elif name == "HASH" and args:
            call.replace(_hash(args))
        elif name == "HAVERSINE" and len(args) == 4:
            call.replace(fill(_HAVERSINE, LAT1=args[0], LON1=args[1], LAT2=args[2], LON2=args[3]))
        elif name in _VARIANT_AS and len(args) == 1:
            kinds, to = _VARIANT_AS[name]
            j = exp.cast(args[0].copy(), exp.DataType.build("JSON"))
            value = exp.func("json_extract_string", j.copy(), exp.Literal.string("$")) if to is None \
                else exp.cast(j.copy(), exp.DataType.build(to))
            test = exp.In(this=exp.func("json_type", j), expressions=[exp.Literal.string(k) for k in kinds])
            call.replace(exp.Case(ifs=[exp.If(this=test, true=value)]))
        elif name in _VARIANT_TESTS and len(args) == 1:
            # IS_OBJECT(v) and kin: what the VARIANT holds (sqlglot knows IS_ARRAY and IS_NULL_VALUE)
            kind = exp.func("json_type", exp.cast(args[0].copy(), exp.DataType.build("JSON")))
            call.replace(exp.In(this=kind, expressions=[exp.Literal.string(k) for k in _VARIANT_TESTS[name]]))
    for node in list(tree.find_all(exp.Typeof)):
        kind = exp.func("json_type", exp.cast(node.this.copy(), exp.DataType.build("JSON")))
        of_json = exp.Case(this=kind, ifs=[exp.If(this=exp.Literal.string(k), true=exp.Literal.string(v))
                                           for k, v in _JSON_TYPES_SF.items()])
        duck = exp.func("typeof", node.this.copy())
        of_sql = exp.Case(ifs=[exp.If(this=exp.func("regexp_matches", duck.copy(), exp.Literal.string(rx)),
                                      true=exp.Literal.string(v)) for rx, v in _SQL_TYPES_SF],
                          default=duck.copy())
        node.replace(exp.Case(ifs=[exp.If(this=exp.EQ(this=duck, expression=exp.Literal.string("JSON")),
                                          true=of_json)], default=of_sql))


def _values_columns(tree: exp.Expression) -> None:
    """A VALUES list read as a table names its columns COLUMN1, COLUMN2, ... in Snowflake (DuckDB:
    col0, col1, ...), and ``$1``, ``$2`` name them by position in the SELECT over it."""
    for values in list(tree.find_all(exp.Values)):
        if not isinstance(values.parent, (exp.From, exp.Join, exp.Subquery)) or not values.expressions:
            continue
        first = values.expressions[0]
        width = len(first.expressions) if isinstance(first, exp.Tuple) else 1
        alias = values.args.get("alias")
        if alias is None:
            alias = exp.TableAlias(this=exp.to_identifier("_VALUES"))
            values.set("alias", alias)
        if not alias.columns:
            alias.set("columns", [exp.to_identifier(f"COLUMN{i + 1}") for i in range(width)])
        select = values.parent.parent if isinstance(values.parent, exp.From) else None
        if not isinstance(select, exp.Select) or select.args.get("joins"):
            continue
        names = [c.name for c in alias.columns]
        for param in list(select.find_all(exp.Parameter)):
            n = param.this
            if isinstance(n, exp.Literal) and not n.is_string and param.find_ancestor(exp.Select) is select \
                    and 1 <= int(n.this) <= len(names):
                param.replace(exp.column(names[int(n.this) - 1], table=alias.name))


def _positional_columns(tree: exp.Expression) -> None:
    """``$1``, ``$2`` in a SELECT over one source name its columns by position [DOC:
    sql-reference/sql/select, "positional column references"] (``SELECT $1 FROM
    TABLE(RESULT_SCAN(LAST_QUERY_ID()))``): DuckDB's ``#1``. DuckDB read ``$1`` as a prepared
    statement's parameter, and the statement failed as a missing session variable. A hidden row id
    is a source's last column, so a single source's positions are its own; [INFER] over a join
    (where a tracked table's row id would shift the next table's positions) ``$n`` stays refused."""
    for param in list(tree.find_all(exp.Parameter)):
        n = param.this
        select = param.find_ancestor(exp.Select)
        if not (isinstance(n, exp.Literal) and not n.is_string) or select is None or select.args.get("joins") \
                or (select.args.get("from_") or select.args.get("from")) is None:
            continue
        param.replace(exp.Var(this=f"#{int(n.this)}"))


def translate(sql: str, ctx: Context) -> Translated:
    _Quiet.on.value = True
    try:
        return _translate(sql, ctx)
    finally:
        _Quiet.on.value = False


# Snowflake's CREATE TABLE takes [LOCAL | GLOBAL] TEMP | TEMPORARY and VOLATILE as one kind: a
# temporary table [DOC: sql-reference/sql/create-table]. sqlglot reads VOLATILE as a property it
# then drops (an ordinary table) and LOCAL TEMP not at all: say TEMPORARY before it parses.
_TEMPORARY = re.compile(r"^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?)(?:(?:LOCAL|GLOBAL)\s+)?(?:TEMPORARY|TEMP|VOLATILE)\b",
                        re.IGNORECASE)


def _translate(sql: str, ctx: Context) -> Translated:
    tree = parse(_TEMPORARY.sub(r"\1TEMPORARY", sql, count=1))
    if isinstance(tree, exp.Command):
        raise compilation_error(f"Unsupported statement: {sql.strip()[:80]}", 1003, "42000")
    tree = normalize_identifiers(tree, dialect="snowflake")
    if isinstance(tree, (exp.Select, exp.Union, exp.Intersect, exp.Except)):
        _snowflake_names(tree, sql)  # from the statement as written, before any rewriting
    elif isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Values):
        insert_values.check(tree, lambda: ctx.insert_columns(_qname(tree.this, ctx)))
    elif isinstance(tree, exp.Merge):
        merge_by_name.expand(tree, lambda: ctx.insert_columns(_qname(tree.this, ctx)))
    if isinstance(tree, exp.Select) and tree.args.get("into") is not None:
        # sqlglot reads it as CREATE TABLE ... AS; Snowflake's INTO sets Scripting variables only
        raise compilation_error("SELECT ... INTO sets Snowflake Scripting variables (INTO :var, in a block); to "
                                "make a table from a query, use CREATE TABLE ... AS SELECT.", 1003, "42000")
    ctes = _cte_names(tree)
    # one walk tells which of the rewrites below have anything to do (each would walk the tree)
    present = {type(n) for n in tree.walk()}
    resolve = lambda t: None if t.args.get("db") is None and t.name in ctes else _qname(t, ctx)  # noqa: E731
    if present.intersection(date_functions.NODES):
        date_functions.rewrite(tree)  # interval constants first: date_types types their sums
    if present.intersection(date_types.NODES):
        date_types.keep_dates(tree, resolve, ctx.column_types)
    if exp.Window in present and _ratio_to_report(tree):
        present.add(exp.Div)
    exact = present.intersection(decimal_division.NODES) and \
        decimal_division.exact_divisions(tree, resolve, ctx.column_types)  # written out last (expand)
    if present.intersection(timestamp_literals.NODES):
        timestamp_literals.rewrite(tree, lambda t: _qname(t, ctx), ctx.column_types)
    tree, uses_now = _replace_now(tree)
    tree = _count_if(tree)
    inline: dict[str, str] = objects.rewrite(tree) if present.intersection(objects.NODES) else {}
    if present.intersection(variant_paths.NODES):
        variant_paths.rewrite(tree)
        if isinstance(tree, exp.Insert):
            variant_paths.text_targets(tree, lambda t: _qname(t, ctx), ctx.column_types)
    if exp.Array in present or exp.ArrayConstructCompact in present:
        arrays.mixed_constructors(tree)
    if present.intersection(arrays.NODES):
        arrays.rewrite(tree)
    if present.intersection(binary_text.NODES):
        binary_text.rewrite(tree)  # before text_functions rewrites the calls it knows give a BINARY
    if present.intersection(array_aggs.NODES):
        array_aggs.rewrite(tree, resolve, ctx.column_types)
    if present.intersection(text_functions.NODES):
        text_functions.rewrite(tree)
    _values_columns(tree)
    _positional_columns(tree)
    if present.intersection(date_functions.TEXT_NODES):
        # (VALUES columns named: they are typed; TO_TIMESTAMP's pass, which it uses, still to come)
        date_functions.text_arguments(tree, resolve, ctx.column_types)
    _snowflake_functions(tree)
    if present.intersection(nested_windows.NODES):
        nested_windows.rewrite(tree)
    _randstr(tree)
    _unqualify_set_targets(tree)
    tree = _session_literals(tree, ctx)
    _fix_types(tree)
    out = Translated(kind="other", sql="", ast=tree, uses_now=uses_now)
    _classify(tree, ctx, out)
    if out.kind == "create":
        out.table_props = _table_props(tree)
        _typed_ctas_columns(tree)
        _informational_constraints(tree)
        out.check_names = _refuse_duplicate_columns(tree)
    if out.kind == "truncate" and tree.args.get("exists"):
        # DuckDB has no TRUNCATE IF EXISTS: the session skips a missing table itself
        tree.set("exists", False)
        out.if_exists = True
    if out.kind == "insert" and tree.args.get("overwrite"):
        tree.set("overwrite", None)
        out.overwrite = True
    tokens: list[Token] = []
    _qualified_calls(tree, ctx)
    _identity_columns(tree, out, tokens)
    _sequence_reads(tree, ctx)

    _flatten(tree)
    if present.intersection(string_tables.NODES):
        string_tables.rewrite(tree)
    # Table functions: TABLE(INFORMATION_SCHEMA.X(...)) / TABLE(X(...))
    for tfr in list(tree.find_all(exp.TableFromRows)):
        inner = tfr.this
        call = inner.expression if isinstance(inner, exp.Dot) else inner
        if isinstance(call, exp.Generator):
            # TABLE(GENERATOR(ROWCOUNT => n)) becomes DuckDB's range(n), SEQ4() / SEQ8() its row
            # number, UNIFORM / RANDSTR / NORMAL expressions over random() (sqlglot's rewrites).
            # [INFER] Local rows come at once, so a TIMELIMIT beside ROWCOUNT never stops them
            # first; TIMELIMIT alone would generate rows for that long and is refused.
            if call.args.get("rowcount") is None:
                raise compilation_error("GENERATOR needs ROWCOUNT => <n> in cdcsim: a TIMELIMIT alone, "
                                        "which generates rows for that long, is not supported.", 2000, "0A000")
            call.set("timelimit", None)
            continue
        if isinstance(call, exp.Anonymous):
            name = str(call.this).upper()
        else:
            name = (call.sql_name() if hasattr(call, "sql_name") else type(call).__name__).upper()
        if name not in ctx.table_functions:
            if isinstance(call, exp.Anonymous):
                # a user's table function (functions.py): DuckDB's table macro, in its schema
                tfr.replace(exp.Table(this=call.copy(), db=exp.to_identifier(_function_schema(inner, ctx), quoted=True),
                                      alias=tfr.args.get("alias")))
                continue
            raise compilation_error(f"Unknown table function {name}", 2140, "42601")
        args, kwargs = [], []
        for a in (call.expressions if isinstance(call, exp.Anonymous) else []):
            if isinstance(a, exp.Kwarg):
                kwargs.append((a.this.name.upper(), _literal_value(a.expression)))
            else:
                args.append(_literal_value(a))
        ph = f"__CDCSIM_TOK_{len(tokens)}__"
        alias = tfr.args.get("alias")
        tokens.append(Token(ph, "tablefn", name, tuple(args), tuple(kwargs)))
        new = exp.Table(this=exp.to_identifier(ph, quoted=True))
        if alias is not None:
            new.set("alias", alias)
        tfr.replace(new)

    # System functions evaluated by the engine (SYSTEM$STREAM_HAS_DATA, ...)
    for call in list(tree.find_all(exp.Anonymous)):
        name = str(call.this).upper()
        if name in ctx.system_functions:
            ph = f"__CDCSIM_TOK_{len(tokens)}__"
            tokens.append(Token(ph, "sysfn", name, tuple(_literal_value(a) for a in call.expressions)))
            call.replace(exp.column(exp.to_identifier(ph, quoted=True)))
        elif name.startswith("SYSTEM$"):
            raise compilation_error(f"Unknown function {name}", 2140, "42601")

    rid_in_scope: dict[int, bool] = {}
    temp_target = _creates_temporary(tree)
    for table in list(tree.find_all(exp.Table)):
        if not table.name or table.name.startswith(("__CDCSIM_TOK_", "__CDCSIM_INLINE_")):
            continue
        if isinstance(table.parent, (exp.Create,)) and table.args.get("db") is None and out.kind == "create":
            pass
        if table.args.get("db") is None and table.name in ctes:
            continue
        qn = _qname(table, ctx)
        if (table.args.get("when") is not None or table.args.get("changes") is not None) \
                and isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "VIEW":
            # the point would be fixed when the view is made, not when it is read
            raise compilation_error(f"A view cannot use Time Travel (AT | BEFORE) or CHANGES on '{qn.fqn}' in cdcsim: "
                                    "the point would be fixed when the view is made. Use the clause in the query "
                                    "that reads the view's tables.", 2000, "0A000")
        if table.args.get("when") is not None and table.args.get("changes") is None:
            if ctx.is_stream(qn):  # [DOC S2] streams keep no Time Travel history
                raise compilation_error(f"Time Travel (AT | BEFORE) is not supported on stream '{qn.fqn}': a "
                                        "stream has no history of its own.", 2000, "0A000")
            # the table as of a point in its history (see time_travel.py), built at execution
            ph = f"__CDCSIM_TOK_{len(tokens)}__"
            tokens.append(Token(ph, "timetravel", qn.fqn, (_point(table.args["when"], ctx),)))
            new = exp.Table(this=exp.to_identifier(ph, quoted=True))
            new.set("alias", exp.TableAlias(this=exp.to_identifier(table.alias or qn.name, quoted=True)))
            table.replace(new)
            if qn != out.target:
                out.relations.append(qn)
            continue
        if out.temporary and isinstance(table.parent, exp.AlterRename):  # a temporary table's new name
            table.set("catalog", None)
            table.set("db", None)
            table.set("this", exp.to_identifier(qn.fqn, quoted=True))
            continue
        if temp_target and qn == out.target and isinstance(table.parent, (exp.Create, exp.Schema)) \
                or ctx.temp_table(qn):
            _to_temporary(table, qn)
            if qn == out.target:
                out.temporary = True
            continue
        if table.args.get("changes") is not None:
            tokens.append(_changes_token(table, qn, ctx, f"__CDCSIM_TOK_{len(tokens)}__"))
            if qn != out.target:
                out.relations.append(qn)
            continue
        if qn.schema == "INFORMATION_SCHEMA" and qn.name in information_schema.VIEWS:
            ph = f"__CDCSIM_INLINE_{len(inline)}__"
            inline[ph] = information_schema.view_sql(qn.database, qn.name)
            new = exp.Table(this=exp.to_identifier(ph, quoted=True))
            new.set("alias", exp.TableAlias(this=exp.to_identifier(table.alias or qn.name, quoted=True)))
            table.replace(new)
            continue
        if table.args.get("db") is not None:
            table.set("catalog", None)
            table.set("db", exp.to_identifier(duck_schema(qn.database, qn.schema), quoted=True))
        if ctx.is_stream(qn):
            if out.is_write and qn == out.target:
                raise compilation_error(f"Stream '{qn.fqn}' cannot be the target of {out.kind.upper()}: a stream "
                                        "is read-only (write to its source table).", 2000, "42601")
            ph = f"__CDCSIM_TOK_{len(tokens)}__"
            alias = table.alias or qn.name
            tokens.append(Token(ph, "stream", qn.fqn, alias=alias))
            out.streams.append(qn.fqn)
            new = exp.Table(this=exp.to_identifier(ph, quoted=True))
            new.set("alias", exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))
            table.replace(new)
            continue
        if qn != out.target:
            out.relations.append(qn)
        if ctx.has_row_id(qn):
            rid_in_scope[id(table)] = True

    if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "VIEW":
        _rid_proof_view(tree, ctx, ctes)
    if rid_in_scope:
        _rid_free_sources(tree, ctx)
        _exclude_rid(tree, ctx)
    if isinstance(tree, exp.Insert):
        _insert_columns(tree, ctx)
    out.tokens = tokens
    if exact:
        decimal_division.expand(tree)
    try:
        out.sql = to_duck(tree)
    except (ValueError, UnsupportedError) as e:  # e.g. UNDROP: sqlglot has no DuckDB form for it
        raise compilation_error(f"Unsupported statement: {sql.strip()[:80]} ({e})", 1003, "42000") from None
    for ph, sql_text in inline.items():
        out.sql = out.sql.replace(f'"{ph}"', f"({sql_text})")
    return out


# FLATTEN's output columns [DOC: sql-reference/functions/flatten] over DuckDB's json_each (or
# json_tree, RECURSIVE => TRUE, whose root row is left out). An element is an array's when its
# path ends in an index: KEY is then NULL and INDEX its position. PATH is the PATH argument followed
# by the element's steps ('b[0]', 'c.d'); THIS is the container the element is in. SEQ numbers the
# input rows in Snowflake, which a lateral subquery cannot see: [INFER] it is NULL here. MODE keeps
# the elements reached through objects only ('OBJECT') or arrays only ('ARRAY'): every step of the
# path is a key, or every step an index (a quoted key's text is left out of that test).
_FLATTEN_COLUMNS = (
    "CAST(NULL AS BIGINT) AS SEQ, "
    "CASE WHEN right(__e.fullkey, 1) = ']' THEN NULL ELSE __e.key END AS KEY, "
    "ltrim(__PREFIX || ltrim(coalesce(__e.fullkey, '$'), '$'), '.') AS PATH, "
    "CASE WHEN right(__e.fullkey, 1) = ']' THEN CAST(__e.key AS BIGINT) END AS INDEX, "
    "__e.value AS VALUE, ")
_FLATTEN_STEPS = "regexp_replace(__e.fullkey, '\"(?:[^\"\\\\]|\\\\.)*\"', '', 'g')"
_FLATTEN_MODES = {"BOTH": "TRUE", "OBJECT": f"NOT contains({_FLATTEN_STEPS}, '[')",
                  "ARRAY": f"NOT contains({_FLATTEN_STEPS}, '.')"}


def _flatten_sql(recursive: bool, mode: str, outer: bool) -> str:
    """The lateral subquery of one FLATTEN call, over ``__IN`` (the input at its PATH) and
    ``__PREFIX`` (the PATH text). OUTER adds one row for an input with no element kept: NULL KEY,
    INDEX and VALUE, the input as THIS (the page's ``FLATTEN(INPUT => PARSE_JSON('[]'), OUTER =>
    TRUE)`` shows ``[]``) [INFER: its PATH is the PATH argument, '' without one]."""
    fn = "json_tree" if recursive else "json_each"
    this = "json_extract(CAST(__IN AS JSON), __e.path)" if recursive else "CAST(__IN AS JSON)"
    where = f"({_FLATTEN_MODES[mode]})" + (" AND __e.parent IS NOT NULL" if recursive else "")
    rows = f"FROM {fn}(__IN) AS __e WHERE {where}"
    sql = f"SELECT {_FLATTEN_COLUMNS}{this} AS THIS {rows}"
    if outer:
        sql += (" UNION ALL SELECT CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR), ltrim(__PREFIX, '.'), "
                "CAST(NULL AS BIGINT), CAST(NULL AS JSON), CAST(__IN AS JSON) "
                f"WHERE NOT EXISTS (SELECT 1 {rows})")
    return sql


def _flag(node: exp.Expression | None) -> bool:
    """A FLATTEN argument's TRUE (a boolean, or its name written as text)."""
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    return node is not None and str(node.name).upper() == "TRUE"


def _flatten(tree: exp.Expression) -> None:
    """``LATERAL FLATTEN(INPUT => expr [, PATH => 'p'] [, OUTER => TRUE] [, RECURSIVE => TRUE]
    [, MODE => 'OBJECT' | 'ARRAY' | 'BOTH'])`` and ``TABLE(FLATTEN(...))``: a lateral subquery
    with FLATTEN's columns (see ``_flatten_sql``)."""
    for node in list(tree.find_all(exp.Lateral, exp.TableFromRows)):
        call = node.this
        if not isinstance(call, exp.Explode):
            continue
        args: dict[str, exp.Expression] = {}
        positional = []
        for a in [call.this, *call.expressions]:
            if isinstance(a, exp.Kwarg):
                args[a.this.name.upper()] = a.expression
            elif a is not None:
                positional.append(a)
        if "INPUT" not in args and positional:
            args["INPUT"] = positional[0]
        if "INPUT" not in args:
            raise compilation_error("FLATTEN needs an INPUT argument.", 1044, "42P13")
        mode = str(args["MODE"].name).upper() if "MODE" in args else "BOTH"
        if mode not in _FLATTEN_MODES:
            raise compilation_error(f"FLATTEN's MODE must be 'OBJECT', 'ARRAY' or 'BOTH', not '{mode}'.",
                                    1044, "42P13")
        source = args["INPUT"]
        path = args.get("PATH")
        prefix = ""
        if isinstance(path, exp.Literal) and path.name:
            key = path.name if path.name.startswith("[") else "." + path.name
            source = exp.JSONExtract(this=source, expression=exp.Literal.string("$" + key))
            prefix = path.name
        sql = _flatten_sql(_flag(args.get("RECURSIVE")), mode, _flag(args.get("OUTER")))
        sub = fill(sql, IN=source, PREFIX=exp.Literal.string(prefix))
        alias = node.args.get("alias")
        name = alias.this if alias is not None and alias.this is not None else exp.to_identifier("F")
        node.replace(exp.Subquery(this=sub, alias=exp.TableAlias(this=name.copy())))


def _point(when: exp.Expression, ctx: Context) -> tuple[str, str, str]:
    """An ``AT | BEFORE | END (<kind> => <value>)`` clause as (side, kind, DuckDB SQL of the value),
    for the session to resolve at execution (time_travel.resolve)."""
    side, kind = str(when.this).upper(), str(when.args.get("kind") or "").upper()
    value = when.expression
    if kind not in ("TIMESTAMP", "OFFSET", "STATEMENT", "STREAM") or value is None:
        raise compilation_error(f"invalid Time Travel point {side}({kind} => ...)", 1003, "42000")
    if side == "END" and kind == "STREAM":
        raise compilation_error("END(STREAM => ...) is not supported: END takes TIMESTAMP, OFFSET or STATEMENT.",
                                1003, "42000")
    if kind == "STREAM":
        fqn = _stream_named(value, ctx).fqn
        return side, kind, "'" + fqn.replace("'", "''") + "'"
    return side, kind, to_duck(value)


def _stream_named(value: exp.Expression, ctx: Context) -> QName:
    """The stream an ``AT(STREAM => '<name>')`` names, qualified in the statement's schema."""
    if not (isinstance(value, exp.Literal) and value.is_string):
        raise compilation_error("AT(STREAM => ...) takes a stream's name as a string.", 1003, "42000")
    return qualify(parse_parts(value.name), ctx.database, ctx.schema)


def _changes_token(table: exp.Table, qn: QName, ctx: Context, ph: str) -> Token:
    """``t CHANGES(INFORMATION => DEFAULT | APPEND_ONLY) AT | BEFORE (...) [END (...)]`` [DOC S8,
    reference 1.9]: the net changes of ``t`` from a version to another (or to now), read without
    moving any stream. AT(STREAM => 's') starts at the stream's offset; TIMESTAMP, OFFSET and
    STATEMENT points need the table's history (time_travel.py)."""
    clause = table.args["changes"]
    info = str(clause.args.get("information").name if clause.args.get("information") else "DEFAULT").upper()
    if info not in ("DEFAULT", "APPEND_ONLY"):
        raise compilation_error(f"invalid value [{info}] for parameter 'INFORMATION'", 1008, "22023")
    at = clause.args.get("at_before") or table.args.get("when")
    if at is None:
        raise compilation_error(f"CHANGES on '{qn.fqn}' needs a starting point: AT | BEFORE (...).", 1003, "42000")
    start = _point(at, ctx)
    end = _point(clause.args["end"], ctx) if clause.args.get("end") is not None else None
    stream = _stream_named(at.expression, ctx) if start[1] == "STREAM" else None
    # a view has no row ids of its own: a stream on it stands for its change tracking (the
    # session checks at execution that the stream is on this view)
    if not ctx.has_row_id(qn) and (stream is None or not ctx.is_stream(stream)):
        raise compilation_error(
            f"Change tracking is not enabled on table '{qn.fqn}'. Enable it with "
            f"ALTER TABLE ... SET CHANGE_TRACKING = TRUE, or create a stream on it.", 2201, "0A000")
    new = exp.Table(this=exp.to_identifier(ph, quoted=True))
    new.set("alias", exp.TableAlias(this=exp.to_identifier(table.alias or qn.name, quoted=True)))
    table.replace(new)
    return Token(ph, "changes", qn.fqn, (stream.fqn if stream is not None else None, info == "APPEND_ONLY",
                                         start, end))


def to_duck(node: exp.Expression) -> str:
    """DuckDB SQL for an already-translated AST node (virtual time included)."""
    return node.sql(dialect="duckdb").replace(f"{_NOW_MARK}()", NOW_SQL)


def _classify(tree: exp.Expression, ctx: Context, out: Translated) -> None:
    def target_of(node: exp.Expression | None) -> QName | None:
        if isinstance(node, exp.Schema):
            node = node.this
        return _qname(node, ctx) if isinstance(node, exp.Table) else None

    if isinstance(tree, (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Values)):
        out.kind = "select"
    elif isinstance(tree, exp.Insert):
        out.kind, out.is_write, out.target = "insert", True, target_of(tree.this)
    elif isinstance(tree, exp.Update):
        out.kind, out.is_write, out.target = "update", True, target_of(tree.this)
    elif isinstance(tree, exp.Delete):
        out.kind, out.is_write, out.target = "delete", True, target_of(tree.this)
    elif isinstance(tree, exp.Merge):
        out.kind, out.is_write, out.target = "merge", True, target_of(tree.this)
    elif isinstance(tree, exp.TruncateTable):
        out.kind, out.is_write = "truncate", True
        out.target = target_of(tree.expressions[0]) if tree.expressions else None
    elif isinstance(tree, exp.Create):
        out.kind, out.is_write, out.is_ddl, out.target = "create", True, True, target_of(tree.this)
    elif isinstance(tree, exp.Drop):
        tables = tree.args.get("tables") or ([tree.this] if tree.this is not None else [])
        out.kind, out.is_write, out.is_ddl = "drop", True, True
        out.target = target_of(tables[0]) if tables else None
    elif isinstance(tree, exp.Alter):
        out.kind, out.is_write, out.is_ddl, out.target = "alter", True, True, target_of(tree.this)
    else:
        out.kind = type(tree).__name__.lower()


def _rid_col() -> exp.Column:
    return exp.column(exp.to_identifier(RID, quoted=True))


def _exclude_rid(tree: exp.Expression, ctx: Context) -> None:
    """Hide the row-id column from ``*`` and ``t.*`` over relations that have it."""
    for select in tree.find_all(exp.Select):
        sources: dict[str, bool] = {}
        from_ = select.args.get("from_") or select.args.get("from")
        nodes = []
        if from_ is not None:
            nodes.append(from_.this)
        for j in select.args.get("joins") or []:
            nodes.append(j.this)
        for n in nodes:
            if isinstance(n, exp.Table) and n.name and not n.name.startswith("__CDCSIM_TOK_"):
                sources[n.alias_or_name] = ctx.has_row_id(_translated_qname(n, ctx))
        if not any(sources.values()):
            continue
        for proj in select.expressions:
            if isinstance(proj, exp.Star):
                proj.set("except_", (proj.args.get("except_") or []) + [_rid_col()])
            elif isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star) and sources.get(proj.table):
                star = proj.this
                star.set("except_", (star.args.get("except_") or []) + [_rid_col()])


def _to_temporary(table: exp.Table, qn: QName) -> None:
    """A reference to the session's temporary table ``qn``: DuckDB keeps temporary tables per
    connection (per session, as Snowflake does) in its ``temp`` catalog, which has one schema, so
    each is named there by its Snowflake name, ``temp.main."DB.SCHEMA.NAME"``. The table keeps its
    own name as its alias (``tmp.col`` still reads it) where a statement can alias it."""
    if not table.alias and not isinstance(table.parent, (exp.Create, exp.Drop, exp.Schema, exp.Insert, exp.Alter)):
        table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=table.this.quoted)))
    table.set("catalog", exp.to_identifier("temp"))
    table.set("db", exp.to_identifier("main"))
    table.set("this", exp.to_identifier(qn.fqn, quoted=True))


def _creates_temporary(tree: exp.Expression) -> bool:
    props = tree.args.get("properties") if isinstance(tree, exp.Create) else None
    return str(tree.args.get("kind", "")).upper() == "TABLE" and props is not None and \
        any(isinstance(p, exp.TemporaryProperty) for p in props.expressions)


def _function_schema(node: exp.Expression, ctx: Context) -> str:
    """The DuckDB schema of a user function called as ``f(...)``, ``schema.f(...)`` or
    ``db.schema.f(...)`` (``node`` is the call or the Dot that qualifies it)."""
    parts: list[str] = []
    while isinstance(node, exp.Dot):
        node = node.this
        if isinstance(node, exp.Identifier):
            parts.insert(0, node.name)
        elif isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
            parts.insert(0, node.expression.name)
    if len(parts) >= 2:
        return duck_schema(parts[-2], parts[-1])
    return duck_schema(ctx.database, parts[-1] if parts else ctx.schema)


def _qualified_calls(tree: exp.Expression, ctx: Context) -> None:
    """``schema.f(x)`` / ``db.schema.f(x)``: a user function in that schema (functions.py), called
    in DuckDB's name for it, ``"DB__SCHEMA".f(x)``."""
    for dot in list(tree.find_all(exp.Dot)):
        if isinstance(dot.expression, exp.Anonymous) and isinstance(dot.this, (exp.Identifier, exp.Dot)) \
                and not isinstance(dot.parent, exp.TableFromRows):
            dot.set("this", exp.to_identifier(_function_schema(dot, ctx), quoted=True))


def _translated_qname(table: exp.Table, ctx: Context) -> QName:
    """The name of a table node after qualification (its schema is DuckDB's ``"DB__SCHEMA"``)."""
    db = table.args.get("db")
    if db is not None and "__" in db.name:
        d, _, s = db.name.partition("__")
        return QName(d, s, table.name)
    return QName(ctx.database, ctx.schema, table.name)


def _rid_free_sources(tree: exp.Expression, ctx: Context) -> None:
    """A NATURAL JOIN joins on every column name its sides share, and two tracked tables share the
    hidden row-id column: such a join would match on row ids. ``* ILIKE 'pattern'`` may match the
    row id's name, and DuckDB cannot add EXCLUDE to it. Each tracked table of such a SELECT is read
    through ``(SELECT * FROM t) AS t``, whose ``*`` then hides the row id."""
    for select in list(tree.find_all(exp.Select)):
        joins = select.args.get("joins") or []
        stars = [p.this if isinstance(p, exp.Column) else p for p in select.expressions]
        if not any(str(j.args.get("method") or "").upper() == "NATURAL" for j in joins) and \
                not any(isinstance(st, exp.Star) and (st.args.get("ilike") or st.args.get("like"))
                        for st in stars):
            continue
        from_ = select.args.get("from_") or select.args.get("from")
        for node in ([from_.this] if from_ is not None else []) + [j.this for j in joins]:
            if not (isinstance(node, exp.Table) and node.name and not node.name.startswith("__CDCSIM_")):
                continue
            if not ctx.has_row_id(_translated_qname(node, ctx)):
                continue
            alias = node.alias_or_name
            bare = node.copy()
            bare.set("alias", None)
            node.replace(exp.select("*").from_(bare).subquery(exp.to_identifier(alias, quoted=True)))


# hides the row id and view streams' per-occurrence ids (``__CDCSIM_R<k>``) alike: a view stream
# reads the view through its own copy of them (view_streams), never through the view's ``*``
_NO_HIDDEN_IDS = "__CDCSIM_R%"


def _rid_proof_view(tree: exp.Create, ctx: Context, ctes: set[str]) -> None:
    """A view's columns are fixed when it is made, but its query is bound again at every read: a
    table that a stream starts tracking later gains the hidden row-id column, which a ``*`` (or
    ``t.*``) over it would then bring in before the next table's columns (the view's columns,
    named by position, took the wrong values) and on which a NATURAL JOIN of two tracked tables
    would match (no rows). So in a SELECT of the view with a star or a NATURAL JOIN, each relation
    without a row id today is read through ``(SELECT * NOT LIKE '__CDCSIM_R%' FROM t) AS t``, which
    hides the column whether or not it exists yet (DuckDB's EXCLUDE fails on a missing column).
    Relations that have one already are handled as in any query (``_rid_free_sources``)."""
    for select in list(tree.find_all(exp.Select)):
        joins = select.args.get("joins") or []
        starred = any(isinstance(p, exp.Star) or isinstance(p, exp.Column) and isinstance(p.this, exp.Star)
                      for p in select.expressions)
        if not starred and not any(str(j.args.get("method") or "").upper() == "NATURAL" for j in joins):
            continue
        from_ = select.args.get("from_") or select.args.get("from")
        for node in ([from_.this] if from_ is not None else []) + [j.this for j in joins]:
            if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier) \
                    or node.name.startswith("__CDCSIM_") or node.args.get("catalog") is not None:
                continue  # a table function, a stream or CHANGES placeholder, a temporary table
            if node.args.get("db") is None and node.name in ctes:
                continue  # its own SELECT is seen on its own
            if ctx.has_row_id(_translated_qname(node, ctx)):
                continue
            alias = node.alias_or_name
            bare = node.copy()
            bare.set("alias", None)
            hidden = exp.Like(this=exp.Star(), expression=exp.Literal.string(_NO_HIDDEN_IDS), negate=True)
            inner = exp.select(hidden).from_(bare)
            node.replace(inner.subquery(exp.to_identifier(alias, quoted=True)))


def _insert_columns(tree: exp.Insert, ctx: Context) -> None:
    target = tree.this
    if isinstance(target, exp.Schema):
        return
    if not isinstance(target, exp.Table):
        return
    qn = _translated_qname(target, ctx)
    if not ctx.has_row_id(qn):
        return
    cols = ctx.insert_columns(qn)
    schema = exp.Schema(this=target.copy(), expressions=[exp.to_identifier(c, quoted=True) for c in cols])
    tree.set("this", schema)


def _star_call(proj: exp.Expression) -> bool:
    """A call that takes the row as its argument (``OBJECT_CONSTRUCT(*)``, ``HASH(t.*)``): named by
    its text as any call is (it was left to DuckDB, which named it by the SQL cdcsim wrote)."""
    return isinstance(proj, exp.Func) and any(
        isinstance(a, exp.Star) or isinstance(a, exp.Column) and isinstance(a.this, exp.Star)
        for a in proj.iter_expressions())


_SnowflakeGenerator = sqlglot.dialects.snowflake.Snowflake.Generator
_CAST_CALL = re.compile(r"\bCAST\s*\(", re.IGNORECASE)


def _path_name(gen: _SnowflakeGenerator, e: exp.JSONExtract) -> str:
    """``src:customer[0].name`` as written, where sqlglot writes GET_PATH(SRC, 'customer[0].name')."""
    steps: list[str] = []
    for part in e.expression.expressions[1:] if isinstance(e.expression, exp.JSONPath) else [None]:
        if isinstance(part, exp.JSONPathKey):
            key = f'"{part.this}"' if part.args.get("quoted") else str(part.this)
            steps.append(("." if steps else "") + key)
        elif isinstance(part, exp.JSONPathSubscript):
            steps.append(f"[{part.this}]")
        else:
            return gen.jsonextract_sql(e)  # type: ignore[attr-defined]
    return f"{gen.sql(e, 'this')}:{''.join(steps)}"


class _NameGenerator(_SnowflakeGenerator):  # type: ignore[misc,valid-type]
    """Snowflake's SQL as a column is named after it: a ``:`` path, ``x::T`` casts where the statement
    writes its casts so, and ARRAY_CONSTRUCT(...) for the call (sqlglot wrote GET_PATH(...),
    CAST(... AS ...) and ``[...]``: the querying-semistructured page's ``SELECT src:dealership``
    heads its column ``SRC:DEALERSHIP``, not ``GET_PATH(SRC, 'DEALERSHIP')``). [INFER] A statement
    that writes both ``CAST(`` and ``::`` has its casts named CAST(... AS ...): the parse no longer
    tells which was which."""

    TRANSFORMS = {
        **_SnowflakeGenerator.TRANSFORMS,
        exp.JSONExtract: lambda gen, e: _path_name(gen, e) if e.args.get("variant_extract")
        else gen.jsonextract_sql(e),
        exp.Cast: lambda gen, e: f"{gen.sql(e, 'this')}::{gen.sql(e, 'to')}" if gen.dcolon else gen.cast_sql(e),
        exp.Array: lambda gen, e: f"ARRAY_CONSTRUCT({gen.expressions(e, flat=True)})" if e.meta
        else _SnowflakeGenerator.TRANSFORMS[exp.Array](gen, e),
    }

    def __init__(self, dcolon: bool) -> None:
        super().__init__(dialect="snowflake")
        self.dcolon = dcolon


def _snowflake_names(tree: exp.Expression, sql: str = "") -> None:
    """Name unaliased expressions the way Snowflake does: their SQL text in upper case."""
    names = _NameGenerator(dcolon="::" in sql and not _CAST_CALL.search(sql))
    selects = [tree] if isinstance(tree, exp.Select) else [tree.left] if hasattr(tree, "left") else []
    for select in selects:
        if not isinstance(select, exp.Select):
            continue
        new = []
        for proj in select.expressions:
            if isinstance(proj, (exp.Alias, exp.Column, exp.Star)) or proj.find(exp.Star) is not None and not \
                    isinstance(proj, exp.Count) and not _star_call(proj):
                new.append(proj)
                continue
            if isinstance(proj, exp.Column) or (isinstance(proj, exp.Dot)):
                new.append(proj)
                continue
            name = names.generate(proj).upper().replace(f"{_NOW_MARK}()", "CURRENT_TIMESTAMP()")
            if "__CDCSIM_TOK_" in name or len(name) > 200:
                new.append(proj)
                continue
            new.append(exp.alias_(proj, exp.to_identifier(name, quoted=True)))
        select.set("expressions", new)
