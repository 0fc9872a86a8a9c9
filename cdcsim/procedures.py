"""Stored procedures in Snowflake Scripting (LANGUAGE SQL), CALL, and anonymous blocks.

Snowflake [DOC: sql-reference/sql/create-procedure, sql-reference/sql/call,
developer-guide/snowflake-scripting/running-examples]:
* ``CREATE [OR REPLACE] [SECURE] PROCEDURE [IF NOT EXISTS] name(arg TYPE [DEFAULT expr], ...)
  RETURNS type | TABLE(...) LANGUAGE SQL [...] AS $$ <block> $$`` (or a quoted string). The body
  is checked when the procedure is made: a block that does not parse fails the CREATE.
  Procedures are overloaded by their argument count.
* ``CALL name(args)`` (positional, or ``name => value``; left-out arguments take their DEFAULT)
  runs the body with the arguments as variables (``:arg`` in SQL, bare in expressions) and answers
  one row, one column named after the procedure, with the RETURN value cast to the declared type;
  a ``RETURNS TABLE`` procedure answers the table it returns (``RETURN TABLE(rs)``).
* A block sent as a statement of its own (``[DECLARE ...] BEGIN ... END``, or ``EXECUTE
  IMMEDIATE $$ ... $$``) runs at once and answers one column named "anonymous block".
* SHOW PROCEDURES [LIKE] [IN ...], DESCRIBE PROCEDURE name(types), DROP PROCEDURE [IF EXISTS]
  name(types). DROP SCHEMA / DATABASE drop the procedures inside.
* A task's body may be ``CALL name(...)`` or a block (tasks/body.py).

Procedures in other languages (Python, JavaScript, Java, Scala) fail at CREATE (0A000).

[INFER] EXECUTE AS OWNER / CALLER / RESTRICTED CALLER and the null-input and volatility options
are kept and shown but change nothing: there is one local user. A CALL's arguments are evaluated
as one ``SELECT``; a procedure's statements run in the caller's session (its transaction, if one
is open).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import duckdb

from .commands import Result, command
from .engine import HOOKS
from .errors import NotSupportedError, ProgrammingError, already_exists, compilation_error, not_found
from .names import META_SCHEMA as M
from .names import QNAME_RE, like_to_regex, parse_parts
from .scripting.parse import parse_block
from .scripting.run import ResultSet, run_block
from .sql.split import split_commas
from .streams import _SCOPE, show_scope

if TYPE_CHECKING:
    from .engine import Engine
    from .session import Session

_DDL = [f"""CREATE TABLE IF NOT EXISTS {M}.procedures (
    fqn VARCHAR, database_name VARCHAR, schema_name VARCHAR, name VARCHAR, args JSON, returns VARCHAR,
    language VARCHAR, options VARCHAR, body VARCHAR, comment VARCHAR, is_secure BOOLEAN, created_on TIMESTAMP)"""]
_COLS = "fqn, database_name, schema_name, name, args, returns, language, options, body, comment, is_secure, created_on"


def _on_load(engine: Engine, con: duckdb.DuckDBPyConnection) -> None:
    for ddl in _DDL:
        con.execute(ddl)


HOOKS.on_load.append(_on_load)


def parse_arguments(text: str) -> list[dict[str, Any]]:
    out = []
    for part in split_commas(text):
        m = re.match(r'^(?P<name>"[^"]+"|[A-Za-z_][\w$]*)\s+(?P<type>.+?)(?:\s+DEFAULT\s+(?P<default>.+))?$',
                     part, re.S | re.I)
        if m is None:
            raise compilation_error(f"Cannot read the procedure argument '{part}'.", 1003, "42000")
        name = m.group("name")
        out.append({"name": name.strip('"') if name.startswith('"') else name.upper(),
                    "type": " ".join(m.group("type").upper().split()), "default": m.group("default")})
    return out


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "\\": "\\", "'": "'", '"': '"'}


def string_body(text: str) -> str:
    """The text a ``$$...$$`` or ``'...'`` string holds (in a quoted one, ``''`` and Snowflake's
    backslash escapes stand for their characters)."""
    t = text.strip()
    if t.startswith("$$") and t.endswith("$$"):
        return t[2:-2]
    inner, out, i = t[1:-1], [], 0
    while i < len(inner):
        c = inner[i]
        if c == "\\" and i + 1 < len(inner):
            out.append(_ESCAPES.get(inner[i + 1], inner[i + 1]))
            i += 2
        elif c == "'" and inner[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _rows(s: Session, fqn: str) -> list[tuple]:
    """The procedures named ``fqn`` (one per overload), remembered until the next DDL (every change
    to procedures reloads the catalog, whose version keys this)."""
    cache = s.engine.state.setdefault("procedure_rows", {})
    key = (fqn, s.engine.catalog.version)
    rows = cache.get(key)
    if rows is None:
        if len(cache) > 1024:
            cache.clear()
        rows = cache[key] = s.duck.execute(
            f"SELECT {_COLS} FROM {M}.procedures WHERE fqn = ? ORDER BY json_array_length(args)", [fqn]).fetchall()
    return rows


_PLAIN = re.compile(r"^(?:-?\d+|'(?:[^'\\]|'')*')$")  # an integer or a plain string literal
_TEXT_TYPES = ("VARCHAR", "STRING", "TEXT", "CHAR")
_INT_TYPES = ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT", "NUMBER", "NUMBER(38,0)", "NUMERIC")


def _plain_value(text: str, type_: str) -> tuple[bool, Any]:
    """(True, value) when ``text`` is a literal already of ``type_`` (no SQL needed to cast it)."""
    t = text.strip()
    if not _PLAIN.match(t):
        return False, None
    base = type_.split("(")[0] if type_ != "NUMBER(38,0)" else type_
    if t.startswith("'") and base in _TEXT_TYPES:
        return True, t[1:-1].replace("''", "'")
    if not t.startswith("'") and base in _INT_TYPES:
        return True, int(t)
    return False, None


def signature(args: list[dict[str, Any]]) -> str:
    """``(INT, STRING)``: a routine's argument types, as SHOW and errors name an overload."""
    return "(" + ", ".join(a["type"] for a in args) + ")"


def routine_properties(args: list[dict[str, Any]], returns: str, language: str, options: str,
                       body: str) -> list[tuple[str, str]]:
    """DESCRIBE PROCEDURE's and DESCRIBE FUNCTION's common rows."""
    opts = options.upper()
    return [("signature", "(" + ", ".join(f"{a['name']} {a['type']}" for a in args) + ")"),
            ("returns", returns), ("language", language),
            ("null handling", "RETURNS NULL ON NULL INPUT" if re.search(r"STRICT|RETURNS NULL ON NULL", opts)
             else "CALLED ON NULL INPUT"),
            ("volatility", "IMMUTABLE" if "IMMUTABLE" in opts else "VOLATILE"),
            ("body", body)]


@command(rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?P<secure>SECURE\s+)?PROCEDURE\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
         rf"(?P<name>{QNAME_RE})\s*\((?P<args>.*?)\)\s*(?:COPY\s+GRANTS\s+)?RETURNS\s+(?P<opts>.*?)"
         r"\s+AS\s+(?:(?P<body>\$\$.*\$\$|'.*')|(?P<raw>(?:DECLARE|BEGIN)\b.*))")
def _create(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    args = parse_arguments(m.group("args"))
    opts = m.group("opts")
    table = re.match(r"^TABLE\s*\((?P<cols>.*?)\)", opts, re.S | re.I)
    returns = ("TABLE(" + " ".join(table.group("cols").split()) + ")") if table else \
        " ".join(re.split(r"\s+(?:NOT\s+NULL|LANGUAGE|CALLED|RETURNS|STRICT|VOLATILE|IMMUTABLE|COMMENT|EXECUTE)\b",
                          opts, maxsplit=1, flags=re.I)[0].upper().split())
    lang = re.search(r"\bLANGUAGE\s+(\w+)", opts, re.I)
    language = lang.group(1).upper() if lang else "SQL"
    if language != "SQL":
        raise NotSupportedError(f"Procedure {qn.name}: LANGUAGE {language} is not supported by cdcsim; "
                                "only Snowflake Scripting (LANGUAGE SQL) runs here.", 2000, "0A000")
    # (Snowsight takes a block without $$ quotes, as Snowflake's examples show it)
    body = string_body(m.group("body")) if m.group("body") is not None else m.group("raw").strip().rstrip(";")
    parse_block(body)  # a body that does not parse fails the CREATE, as Snowflake compiles it
    comment = re.search(r"\bCOMMENT\s*=\s*'((?:[^']|'')*)'", opts, re.I)
    same = [r for r in _rows(s, qn.fqn) if len(json.loads(r[4])) == len(args)]
    if same and m.group("ine"):
        return Result.status(f"{qn.name} already exists, statement succeeded.")
    if same and not m.group("replace"):
        raise already_exists("Procedure", f"{qn.name}{signature(args)}")
    with s.metadata_txn():
        s.duck.execute(f"DELETE FROM {M}.procedures WHERE fqn = ? AND json_array_length(args) = ?",
                       [qn.fqn, len(args)])
        s.duck.execute(f"INSERT INTO {M}.procedures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [qn.fqn, qn.database, qn.schema, qn.name, json.dumps(args), returns, language, opts.strip(),
                        body, comment.group(1).replace("''", "'") if comment else None, bool(m.group("secure")),
                        s.engine.clock.now()])
    return Result.status(f"Function {qn.name} successfully created.")


def overloads(s: Session, fqn: str, types: str | None) -> list[tuple]:
    """The procedures named ``fqn`` whose argument list is as long as ``types`` (the text between
    the parentheses of ``p(INT, STRING)``), or all of them when no types are given."""
    n = None if types is None else len(split_commas(types))
    return [r for r in _rows(s, fqn) if n is None or len(json.loads(r[4])) == n]


@command(rf"DROP\s+PROCEDURE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s*(?:\((?P<types>.*)\))?")
def _drop(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    hit = overloads(s, qn.fqn, m.group("types"))
    if not hit:
        if m.group("ie"):
            return Result.status("Drop statement executed successfully (procedure already dropped).")
        raise not_found("Procedure", qn.fqn)
    if len(hit) > 1:
        raise compilation_error(f"Procedure {qn.name} is overloaded: name its argument types to drop one.",
                                2000, "42601")
    with s.metadata_txn():
        s.duck.execute(f"DELETE FROM {M}.procedures WHERE fqn = ? AND json_array_length(args) = ?",
                       [qn.fqn, len(json.loads(hit[0][4]))])
    return Result.status(f"{qn.name} successfully dropped.")


def _arguments(row: tuple) -> str:
    return f"{row[3]}{signature(json.loads(row[4]))} RETURN {row[5]}"


@command(rf"SHOW\s+(?:USER\s+)?PROCEDURES(?:\s+LIKE\s+'(?P<like>[^']*)')?{_SCOPE}")
def _show(s: Session, m: re.Match[str], _p: object) -> Result:
    scope = show_scope(s, m)
    rows = s.duck.execute(f"SELECT {_COLS} FROM {M}.procedures ORDER BY name, json_array_length(args)").fetchall()
    like = like_to_regex(m.group("like")) if m.group("like") else None
    out = []
    for r in rows:
        if scope is not None and (r[1] != scope[0] or scope[1] != "*" and r[2] != scope[1]):
            continue
        if like is not None and not like.fullmatch(r[3]):
            continue
        args = json.loads(r[4])
        required = sum(1 for a in args if a["default"] is None)
        out.append((r[11], r[3], r[2], "N", "N", "N", required, len(args), _arguments(r),
                    r[9] or "user-defined procedure", r[1], "N", "N", "Y" if r[10] else "N", None, None))
    cols = ["created_on", "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi", "min_num_arguments",
            "max_num_arguments", "arguments", "description", "catalog_name", "is_table_function",
            "valid_for_clustering", "is_secure", "secrets", "external_access_integrations"]
    return Result.table(cols, out)


@command(rf"DESC(?:RIBE)?\s+PROCEDURE\s+(?P<name>{QNAME_RE})\s*(?:\((?P<types>.*)\))?")
def _describe(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    hit = overloads(s, qn.fqn, m.group("types"))
    if not hit:
        raise not_found("Procedure", qn.fqn)
    r = hit[0]
    opts = r[7].upper()
    props = routine_properties(json.loads(r[4]), r[5], r[6], r[7], r[8]) + [
        ("execute as", "CALLER" if re.search(r"EXECUTE\s+AS\s+CALLER", opts) else
         "RESTRICTED CALLER" if "RESTRICTED CALLER" in opts else "OWNER")]
    return Result.table(["property", "value"], props)


@command(rf"CALL\s+(?P<name>{QNAME_RE})\s*\((?P<args>.*)\)")
def _call(s: Session, m: re.Match[str], _p: object) -> Result:
    if m.group("name").upper().startswith("SYSTEM$"):  # CALL SYSTEM$SET_RETURN_VALUE('x') and kin
        # a system function takes literals: expressions (a block's 'done ' || :n) are worked out first
        from .scripting.run import literal

        args = m.group("args").strip()
        values = list(s.execute(f"SELECT {args}").rows[0]) if args else []
        return s.execute(f"SELECT {m.group('name')}({', '.join(literal(v).sql('snowflake') for v in values)})")
    return call(s, m.group("name"), m.group("args"))


def call(s: Session, name: str, arg_text: str) -> Result:
    """CALL ``name``(``arg_text``): the procedure's answer."""
    qn = s.qualify(parse_parts(name))
    given = split_commas(arg_text)
    named = [re.match(r"^(?P<n>[A-Za-z_][\w$]*)\s*=>\s*(?P<v>.*)$", a, re.S) for a in given]
    candidates = [r for r in _rows(s, qn.fqn)
                  if sum(1 for a in json.loads(r[4]) if a["default"] is None) <= len(given) <= len(json.loads(r[4]))]
    if not candidates:
        if _rows(s, qn.fqn):
            raise compilation_error(f"Procedure {qn.fqn} takes no {len(given)} arguments here: no overload "
                                    "accepts that many.", 1044, "42P13")
        raise not_found("Procedure", qn.fqn)
    row = candidates[0]
    params = json.loads(row[4])
    exprs: dict[str, str] = {}
    for i, (text, nm) in enumerate(zip(given, named, strict=True)):
        if nm is not None and any(p["name"] == nm.group("n").upper() for p in params):
            exprs[nm.group("n").upper()] = nm.group("v")
        else:
            exprs[params[i]["name"]] = text
    for p in params:
        if p["name"] not in exprs:
            if p["default"] is None:
                raise compilation_error(f"Procedure {qn.name}: argument {p['name']} has no value and no DEFAULT.",
                                        1044, "42P13")
            exprs[p["name"]] = p["default"]
    names = [p["name"] for p in params]
    values: list[Any] = []
    plain = [_plain_value(exprs[n], p["type"]) for n, p in zip(names, params, strict=True)]
    if all(ok for ok, _ in plain):  # literals of the right type: no SELECT to cast them
        values = [v for _, v in plain]
    elif names:
        sel = ", ".join(f"CAST(({exprs[n]}) AS {p['type']})" for n, p in zip(names, params, strict=True))
        values = list(s.execute(f"SELECT {sel}").rows[0])
    depth = getattr(s, "call_depth", 0)
    s.call_depth = depth + 1  # type: ignore[attr-defined]
    try:
        value = run_block(s, row[8], dict(zip(names, values, strict=True)), depth + 1)
    finally:
        s.call_depth = depth  # type: ignore[attr-defined]
    returns = row[5]
    if returns.startswith("TABLE"):
        if not isinstance(value, ResultSet):
            raise ProgrammingError(f"Procedure {qn.name} RETURNS TABLE but did not RETURN TABLE(...).", 2000, "22000")
        return value.result
    if isinstance(value, ResultSet):
        raise ProgrammingError(f"Procedure {qn.name} returns {returns}, not a table.", 2000, "22000")
    base = returns.split("(")[0] if returns != "NUMBER(38,0)" else returns
    matches = isinstance(value, str) and base in _TEXT_TYPES or \
        isinstance(value, int) and not isinstance(value, bool) and base in _INT_TYPES
    if value is not None and not matches:  # (a value already of the declared type needs no cast)
        from .scripting.run import literal

        value = s.execute(f"SELECT CAST({literal(value).sql('snowflake')} AS {returns})").rows[0][0]
    return Result.table([qn.name], [(value,)])


@command(r"(?P<block>(?:DECLARE\s.*|BEGIN\s.*\bEND(?:\s+[A-Za-z_]\w*)?))")
def _anonymous(s: Session, m: re.Match[str], _p: object) -> Result:
    return _anonymous_result(run_block(s, m.group("block")))


ONE_STRING = re.compile(r"^(?:\$\$.*\$\$|'(?:[^'\\]|''|\\.)*')$", re.S)


@command(r"EXECUTE\s+IMMEDIATE\s+(?P<text>.+)")
def _immediate(s: Session, m: re.Match[str], _p: object) -> Result:
    """EXECUTE IMMEDIATE '<sql>' | $$<block>$$ | <string expression> (in a block, ``:var`` and
    ``'...' || :x``): the statement or block the string holds. ``USING (v1, ...)`` binds the
    variables of a block (``scripting.run.Interpreter.immediate_using``); outside one there are no
    variables to bind, and it fails."""
    src = m.group("text").strip()
    if re.search(r"\bUSING\s*\(", src, re.I) and not ONE_STRING.match(src):
        raise NotSupportedError("EXECUTE IMMEDIATE ... USING binds the variables of a Snowflake Scripting block: "
                                "run it inside one (DECLARE ... BEGIN ... END).", 2000, "0A000")
    if ONE_STRING.match(src):
        text = string_body(src)
    else:
        value = s.execute(f"SELECT {src}").rows[0][0]
        if not isinstance(value, str):
            raise compilation_error("EXECUTE IMMEDIATE needs a string: the statement to run.", 2000, "42601")
        text = value
    text = text.strip().rstrip(";").strip()
    if re.match(r"^(DECLARE|BEGIN)\b", text, re.I) and not re.match(r"^BEGIN\s*(TRANSACTION|WORK|NAME|$)", text, re.I):
        return _anonymous_result(run_block(s, text))
    return s.execute(text)


def _anonymous_result(value: Any) -> Result:
    if isinstance(value, ResultSet):
        return value.result
    return Result.table(["anonymous block"], [(value,)])


def _schema_drop(s: Session, schemas: list[tuple[str, str]]) -> None:
    for db, sch in schemas:
        s.duck.execute(f"DELETE FROM {M}.procedures WHERE database_name = ? AND schema_name = ?", [db, sch])


HOOKS.schema_drop.append(_schema_drop)  # type: ignore[arg-type]
