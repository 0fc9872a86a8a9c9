"""SQL user-defined functions: scalar UDFs and table functions (UDTFs), as DuckDB macros.

Snowflake [DOC: developer-guide/udf/sql/udf-sql-introduction, sql-reference/sql/create-function]:
* ``CREATE [OR REPLACE] [SECURE] [TEMP[ORARY]] FUNCTION [IF NOT EXISTS] name(arg TYPE [DEFAULT
  expr], ...) RETURNS type | TABLE (col TYPE, ...) [[NOT] NULL] [LANGUAGE SQL] [...] AS '<body>'``
  (or ``$$<body>$$``). A scalar function's body is an expression (a scalar subquery may be one);
  a table function's body is a query, read as ``SELECT ... FROM TABLE(name(args))``.
* The arguments are named in the body; the result is the body's value as the declared type.
* ``DROP FUNCTION [IF EXISTS] name(types)``, ``SHOW USER FUNCTIONS [LIKE] [IN ...]``,
  ``DESCRIBE FUNCTION name(types)``. Functions in other languages fail at CREATE (0A000).

How: each function is a DuckDB macro in the schema's DuckDB schema (a table macro for a UDTF),
so it persists with the database, is dropped with its schema and is called by DuckDB itself, with
no per-row Python. The body is translated like any statement when the function is made (names of
tables resolve then, as Snowflake resolves them at creation for a SQL UDF's validation), each
argument is cast to its declared type where the body reads it, and the result is cast to the
return type; a UDTF's columns are the query's, renamed and cast to the declared ones in order.
What SHOW and DESCRIBE tell (signature, body, comment) rides along in the macro's comment.

[INFER] Choices where cdcsim differs or Snowflake is silent:
* One signature per name: Snowflake overloads functions by argument types; a CREATE with another
  argument count than the existing function's fails (0A000) rather than replace it unseen.
* A body that reads a stream or a system table function fails at CREATE (0A000).
* ``SECURE``, ``TEMPORARY``, ``MEMOIZABLE``, null-input and volatility options are shown, not
  enforced (a temporary function lasts as long as the database, not the session).
* Named arguments at the call (``f(x => 1)``) are not supported: arguments are positional.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from .commands import Result, command
from .errors import NotSupportedError, already_exists, compilation_error, not_found
from .names import QNAME_RE, QName, like_to_regex, parse_parts, quote
from .procedures import parse_arguments, routine_properties, signature, string_body
from .sql.translate import duck_type
from .streams import _SCOPE, show_scope

if TYPE_CHECKING:
    from .session import Session

_CREATE = (
    rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?P<secure>SECURE\s+)?(?:(?:LOCAL|GLOBAL)\s+)?(?:TEMP(?:ORARY)?\s+|VOLATILE\s+)?"
    rf"(?P<secure2>SECURE\s+)?FUNCTION\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s*\((?P<args>.*?)\)\s*"
    r"(?:COPY\s+GRANTS\s+)?RETURNS\s+(?P<opts>.*?)\s+AS\s+(?P<body>\$\$.*\$\$|'.*')")


def _macros(s: Session, qn: QName) -> list[tuple[str, str]]:
    """(function_type, comment) of the macros named ``qn`` ('macro' or 'table_macro')."""
    return s.duck.execute(
        "SELECT function_type, comment FROM duckdb_functions() WHERE schema_name = ? AND upper(function_name) = ? "
        "AND function_type IN ('macro', 'table_macro')", [qn.duck_schema, qn.name.upper()]).fetchall()


def _meta(comment: str | None) -> dict[str, Any] | None:
    try:
        meta = json.loads(comment or "")
    except ValueError:
        return None
    return meta if isinstance(meta, dict) and meta.get("cdcsim") == "function" else None


def _cast_arguments(tree: exp.Expression, args: list[dict[str, Any]]) -> exp.Expression:
    """Each unqualified reference to an argument, cast to the argument's declared type."""
    types = {a["name"].upper(): a["type"] for a in args}

    def sub(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name.upper() in types:
            return exp.cast(exp.column(exp.to_identifier(node.name.upper(), quoted=True)),
                            exp.DataType.build(types[node.name.upper()], dialect="snowflake"))
        return node

    return tree.transform(sub)


def _translated(s: Session, sql: str, what: str) -> exp.Select:
    """``sql`` (a Snowflake SELECT) as DuckDB's SELECT, through the session's translator."""
    tr = s.translate(sql)
    if tr.tokens:
        raise NotSupportedError(f"Function {what}: a body that reads a stream or a table function is not "
                                "supported by cdcsim.", 2000, "0A000")
    tree = sqlglot.parse_one(tr.sql, read="duckdb")
    assert isinstance(tree, exp.Select)
    return tree


def _pin_schema(tree: exp.Expression, duck_schema: str) -> exp.Expression:
    """Every table the body names without a schema, in the function's own schema: a macro's names
    would otherwise resolve in the caller's current schema, and Snowflake resolves a function's
    names where the function lives."""
    ctes = {c.alias_or_name.upper() for c in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and table.args.get("db") is None \
                and table.name.upper() not in ctes:
            table.set("db", exp.to_identifier(duck_schema, quoted=True))
    return tree


def _macro_sql(s: Session, qn: QName, args: list[dict[str, Any]], returns: str, table_cols: list | None,
               body: str) -> str:
    params = []
    for a in args:
        p = quote(a["name"].upper())
        if a["default"] is not None:
            default = _translated(s, f"SELECT {a['default']}", qn.name).expressions[0]
            p += " := " + default.unalias().sql("duckdb")
        params.append(p)
    try:
        parsed = sqlglot.parse_one(body, read="snowflake")
    except sqlglot.errors.ParseError as e:
        raise compilation_error(f"syntax error in the body of function {qn.name}: {str(e).splitlines()[0]}",
                                1003, "42000") from None
    parsed = _cast_arguments(parsed, args)
    head = f"CREATE OR REPLACE MACRO {quote(qn.duck_schema)}.{quote(qn.name)}({', '.join(params)}) AS "
    if table_cols is None:
        if isinstance(parsed, exp.Query):
            parsed = exp.Subquery(this=parsed)
        value = exp.cast(exp.Paren(this=parsed), exp.DataType.build(returns, dialect="snowflake"))
        expr = _translated(s, f"SELECT {value.sql('snowflake')} AS __V", qn.name).expressions[0]
        return head + _pin_schema(expr.unalias(), qn.duck_schema).sql("duckdb")
    if not isinstance(parsed, exp.Query):
        raise compilation_error(f"Function {qn.name} RETURNS TABLE: its body must be a query.", 2000, "42601")
    query = _pin_schema(_translated(s, parsed.sql("snowflake"), qn.name), qn.duck_schema)
    inner = [f"_q{i}" for i in range(len(table_cols))]
    cols = ", ".join(
        f"CAST(_q.{c} AS {duck_type(t)}) AS {quote(n)}"
        for c, (n, t) in zip(inner, table_cols, strict=True))
    return head + f"TABLE SELECT {cols} FROM ({query.sql('duckdb')}) AS _q({', '.join(inner)})"


def _table_columns(text: str, name: str) -> list[tuple[str, str]]:
    out = []
    for part in (p.strip() for p in re.split(r",(?![^()]*\))", text) if p.strip()):
        m = re.match(r'^(?P<n>"[^"]+"|[A-Za-z_][\w$]*)\s+(?P<t>.+)$', part, re.S)
        if m is None:
            raise compilation_error(f"Function {name}: cannot read the column '{part}' of RETURNS TABLE.", 1003, "42000")
        n = m.group("n")
        out.append((n.strip('"') if n.startswith('"') else n.upper(), " ".join(m.group("t").upper().split())))
    return out


@command(_CREATE)
def _create(s: Session, m: re.Match[str], _p: object) -> Result:
    if m.group("replace") and m.group("ine"):
        raise compilation_error("OR REPLACE and IF NOT EXISTS are incompatible.", 2016)
    qn = s.qualify(parse_parts(m.group("name")))
    args = parse_arguments(m.group("args"))
    opts = m.group("opts").strip()
    lang = re.search(r"\bLANGUAGE\s+(\w+)", opts, re.I)
    language = lang.group(1).upper() if lang else "SQL"
    if language != "SQL":
        raise NotSupportedError(f"Function {qn.name}: LANGUAGE {language} is not supported by cdcsim; only SQL "
                                "functions run here.", 2000, "0A000")
    table = re.match(r"^TABLE\s*\((?P<cols>.*?)\)(?=\s|$)", opts, re.S | re.I)
    table_cols = _table_columns(table.group("cols"), qn.name) if table else None
    returns = ("TABLE (" + ", ".join(f"{n} {t}" for n, t in table_cols) + ")") if table_cols is not None else \
        " ".join(re.split(r"\s+(?:NOT\s+NULL|NULL|LANGUAGE|CALLED|RETURNS|STRICT|VOLATILE|IMMUTABLE|MEMOIZABLE|COMMENT)\b",
                          opts, maxsplit=1, flags=re.I)[0].upper().split())
    body = string_body(m.group("body")).strip().rstrip(";").strip()
    existing = _macros(s, qn)
    if existing:
        meta = _meta(existing[0][1])
        same = meta is not None and len(meta["args"]) == len(args)
        if m.group("ine") and same:
            return Result.status(f"{qn.name} already exists, statement succeeded.")
        if not same:
            raise NotSupportedError(f"Function {qn.name} already exists with other arguments: cdcsim keeps one "
                                    f"signature per function name (drop it first).", 2000, "0A000")
        if not m.group("replace"):
            raise already_exists("Function", f"{qn.name}{signature(args)}")
    comment = re.search(r"\bCOMMENT\s*=\s*'((?:[^']|'')*)'", opts, re.I)
    meta = {"cdcsim": "function", "args": args, "returns": returns, "body": body, "language": language,
            "options": opts, "comment": comment.group(1).replace("''", "'") if comment else None,
            "secure": bool(m.group("secure") or m.group("secure2")), "table": table_cols is not None,
            "created_on": s.engine.clock.now().isoformat(sep=" ")}
    if not s.schema_exists(qn.database, qn.schema):
        raise not_found("Schema", f"{qn.database}.{qn.schema}")
    # the body's names are the function's schema's: translate it from there
    here = (s.database, s.schema)
    s.use(database=qn.database, schema=qn.schema)
    try:
        sql = _macro_sql(s, qn, args, returns, table_cols, body)
    finally:
        s.use(database=here[0], schema=here[1])
    with s.metadata_txn() as d:
        kind = "table_macro" if table_cols is not None else "macro"
        if existing and existing[0][0] != kind:
            d.execute(f"DROP MACRO {_macro(qn, existing[0][0])}")
        d.execute(sql)
        d.execute(f"COMMENT ON MACRO {_macro(qn, kind)} IS '{json.dumps(meta).replace(chr(39), chr(39) * 2)}'")
    return Result.status(f"Function {qn.name} successfully created.")


def _macro(qn: QName, kind: str) -> str:
    """How DROP / COMMENT ON MACRO name the macro of ``kind`` ('macro' or 'table_macro')."""
    return f"{'TABLE ' if kind == 'table_macro' else ''}{quote(qn.duck_schema)}.{quote(qn.name)}"


def find(s: Session, name: str, types: str | None) -> tuple[QName, str, dict[str, Any]] | None:
    """The function ``name`` (with as many arguments as ``types`` names, when given): its name,
    macro kind and what its CREATE recorded."""
    qn = s.qualify(parse_parts(name))
    for kind, comment in _macros(s, qn):
        meta = _meta(comment)
        if meta is None:
            continue
        if types is not None and len([t for t in types.split(",") if t.strip()]) != len(meta["args"]):
            continue
        return qn, kind, meta
    return None


def require(s: Session, name: str, types: str | None) -> tuple[QName, str, dict[str, Any]]:
    """``find``, or Snowflake's 002003 naming the function and its argument types."""
    hit = find(s, name, types)
    if hit is None:
        raise not_found("Function", f"{s.qualify(parse_parts(name)).fqn}({types or ''})")
    return hit


@command(rf"DROP\s+FUNCTION\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s*(?:\((?P<types>[^)]*)\))?")
def _drop(s: Session, m: re.Match[str], _p: object) -> Result:
    if m.group("ie") and find(s, m.group("name"), m.group("types")) is None:
        return Result.status("Drop statement executed successfully (function already dropped).")
    qn, kind, _meta_ = require(s, m.group("name"), m.group("types"))
    with s.metadata_txn() as d:
        d.execute(f"DROP MACRO {_macro(qn, kind)}")
    return Result.status(f"{qn.name} successfully dropped.")


@command(rf"SHOW\s+USER\s+FUNCTIONS(?:\s+LIKE\s+'(?P<like>[^']*)')?{_SCOPE}")
def _show(s: Session, m: re.Match[str], _p: object) -> Result:
    from .names import split_duck_schema

    scope = show_scope(s, m)
    like = like_to_regex(m.group("like")) if m.group("like") else None
    out = []
    for sch, name, comment in s.duck.execute(
            "SELECT schema_name, function_name, comment FROM duckdb_functions() "
            "WHERE function_type IN ('macro', 'table_macro') ORDER BY function_name").fetchall():
        meta = _meta(comment)
        parts = split_duck_schema(sch)
        if meta is None or parts is None:
            continue
        if scope is not None and (parts[0] != scope[0] or scope[1] != "*" and parts[1] != scope[1]):
            continue
        if like is not None and not like.fullmatch(name):
            continue
        args = meta["args"]
        out.append((datetime.fromisoformat(meta["created_on"]), name, parts[1], "N", "N", "N",
                    sum(1 for a in args if a["default"] is None), len(args),
                    f"{name}{signature(args)} RETURN {meta['returns']}", meta["comment"] or "user-defined function",
                    parts[0], "Y" if meta["table"] else "N", "N", "Y" if meta["secure"] else "N", None, None, "N",
                    meta["language"], "N", "N"))
    cols = ["created_on", "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi", "min_num_arguments",
            "max_num_arguments", "arguments", "description", "catalog_name", "is_table_function",
            "valid_for_clustering", "is_secure", "secrets", "external_access_integrations", "is_external_function",
            "language", "is_memoizable", "is_data_metric"]
    return Result.table(cols, out)


@command(rf"DESC(?:RIBE)?\s+FUNCTION\s+(?P<name>{QNAME_RE})\s*(?:\((?P<types>[^)]*)\))?")
def _describe(s: Session, m: re.Match[str], _p: object) -> Result:
    meta = require(s, m.group("name"), m.group("types"))[2]
    return Result.table(["property", "value"], routine_properties(
        meta["args"], meta["returns"], meta["language"], meta["options"], meta["body"]))


def names_in(s: Session, qn_schema: QName) -> list[str]:
    """The names of the user functions in the schema of ``qn_schema``."""
    return [name for name, comment in s.duck.execute(
        "SELECT function_name, comment FROM duckdb_functions() WHERE schema_name = ? "
        "AND function_type IN ('macro', 'table_macro') ORDER BY 1", [qn_schema.duck_schema]).fetchall()
        if _meta(comment) is not None]
