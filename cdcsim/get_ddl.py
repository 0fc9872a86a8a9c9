"""GET_DDL(kind, name [, use_fully_qualified_names]): the DDL that recreates an object.

Snowflake [DOC: sql-reference/functions/get_ddl]: kinds TABLE, VIEW, STREAM, TASK, DYNAMIC_TABLE,
PROCEDURE and FUNCTION (named with its argument types, ``'p(INT, STRING)'``), SEQUENCE, SCHEMA and DATABASE (a
container's DDL, then that of everything in it). Names are bare unless the third argument is
TRUE. Each DDL is a ``create or replace`` statement ending in ``;``.

Where the text comes from: a table's columns from the catalog (types in Snowflake's names, NOT
NULL, DEFAULT, identity, virtual columns; never the hidden row id); a view's and a dynamic table's
from the statement that created them, as written; a stream, a task, a procedure and a sequence
from their stored properties.

[INFER] A view made before cdcsim kept view texts (files from earlier versions) is given from
DuckDB's translated definition. A task's DDL lists the properties that differ from their defaults.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .changes import RID
from .engine import HOOKS
from .errors import compilation_error, not_found
from .names import META_SCHEMA as M
from .names import QName, parse_parts, quote

if TYPE_CHECKING:
    from .session import Session




def _name(qn: QName, full: bool) -> str:
    return qn.fqn if full else qn.name


def _literal(text: str) -> str:
    """A Snowflake string literal in the DDL's text (where a backslash escapes)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _value(ddl: str) -> str:
    """GET_DDL's answer as a literal of the translated (DuckDB) query, where a backslash is itself."""
    return "'" + ddl.replace("'", "''") + "'"


def _table(s: Session, qn: QName, full: bool) -> str:
    from . import identity
    from .show import _snowflake_default, _snowflake_type

    rows = s.duck.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index", [qn.duck_schema, qn.name]).fetchall()
    gen = dict(s.duck.execute(
        "SELECT column_name, generation_expression FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? AND is_generated = 'ALWAYS'", [qn.duck_schema, qn.name]).fetchall())
    cols = []
    for name, dtype, nullable, default in rows:
        if name == RID:
            continue
        line = f"\t{quote(name) if not re.fullmatch(r'[A-Z_][A-Z0-9_$]*', name) else name} {_snowflake_type(dtype)}"
        if name in gen:
            line += f" AS ({gen[name]})"
        elif (ident := identity.shown_default(s, default)) is not None:
            line += " " + ident.replace("IDENTITY", "AUTOINCREMENT", 1)
        elif default is not None:
            line += f" DEFAULT {_snowflake_default(default)}"
        if not nullable:
            line += " NOT NULL"
        cols.append(line)
    return f"create or replace TABLE {_name(qn, full)} (\n" + ",\n".join(cols) + "\n);\n"


def _view(s: Session, qn: QName, full: bool) -> str:
    row = s.duck.execute(f"SELECT text FROM {M}.objects WHERE fqn = ? AND kind = 'VIEW'", [qn.fqn]).fetchone()
    if row is not None and row[0]:
        text = re.sub(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?", "create or replace ", row[0], count=1, flags=re.I)
        return text.rstrip().rstrip(";") + ";\n"
    sql = s.duck.execute("SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                         [qn.duck_schema, qn.name]).fetchone()[0]
    body = re.sub(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+\S+\s+AS\s+", "", sql, count=1, flags=re.I | re.S)
    return f"create or replace view {_name(qn, full)} as {body.rstrip().rstrip(';')};\n"


def _stream(s: Session, qn: QName, full: bool) -> str:
    info = s.stream_info(qn.fqn)
    on = "view" if info.on_view else "table"
    src = parse_parts(info.table_fqn)
    source = info.table_fqn if full else src[-1]
    out = f"create or replace stream {_name(qn, full)} on {on} {source}"
    if info.mode == "APPEND_ONLY":
        out += " append_only = true"
    if info.show_initial:
        out += " show_initial_rows = true"
    if info.comment:
        out += f" comment = {_literal(info.comment)}"
    return out + ";\n"


def _task(s: Session, qn: QName, full: bool) -> str:
    from .tasks.model import DEFAULT_SUSPEND_AFTER, DEFAULT_TIMEOUT_MS
    from .tasks.store import store_of

    t = store_of(s.engine).get(qn.fqn)
    if t is None:
        raise not_found("Task", qn.fqn)
    lines = [f"create or replace task {_name(qn, full)}"]
    if t.warehouse:
        lines.append(f"\twarehouse={t.warehouse}")
    if t.initial_warehouse_size:
        lines.append(f"\tuser_task_managed_initial_warehouse_size='{t.initial_warehouse_size}'")
    if t.schedule:
        lines.append(f"\tschedule='{t.schedule}'")
    if t.config:
        lines.append(f"\tconfig='{t.config}'")
    if t.overlap_policy != "NO_OVERLAP":
        lines.append(f"\toverlap_policy={t.overlap_policy}")
    if t.timeout_ms != DEFAULT_TIMEOUT_MS:
        lines.append(f"\tuser_task_timeout_ms={t.timeout_ms}")
    if t.suspend_after != DEFAULT_SUSPEND_AFTER:
        lines.append(f"\tsuspend_task_after_num_failures={t.suspend_after}")
    if t.retry_attempts:
        lines.append(f"\ttask_auto_retry_attempts={t.retry_attempts}")
    for k, v in sorted(t.session_params.items()):
        lines.append(f"\t{k.lower()}={_literal(v) if isinstance(v, str) else v}")
    if t.comment:
        lines.append(f"\tcomment={_literal(t.comment)}")
    if t.finalize:
        lines.append(f"\tfinalize={t.finalize if full else parse_parts(t.finalize)[-1]}")
    if t.predecessors:
        lines.append("\tafter " + ", ".join(p if full else parse_parts(p)[-1] for p in t.predecessors))
    if t.condition:
        lines.append(f"\twhen {t.condition}")
    return "\n".join(lines) + f"\n\tas {t.definition.strip().rstrip(';')};\n"


def _dynamic_table(s: Session, qn: QName, full: bool) -> str:
    from .dynamic_tables.catalog import registry

    dt = registry(s.engine).get(qn.fqn)
    if dt is None:
        raise not_found("Dynamic table", qn.fqn)
    text = re.sub(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?", "create or replace ", dt.text, count=1, flags=re.I)
    return text.rstrip().rstrip(";") + ";\n"


def _arguments(args: list[dict[str, Any]]) -> str:
    """A routine's argument list as its CREATE writes it: names, types, defaults."""
    return ", ".join(f'"{a["name"]}" {a["type"]}' + (f" DEFAULT {a['default']}" if a["default"] else "")
                     for a in args)


def _function(s: Session, name: str, types: str | None, shown: str) -> str:
    """A SQL function's CREATE OR REPLACE (functions.py), as ``shown`` (its name as written)."""
    from . import functions

    meta = functions.require(s, name, types)[2]
    secure = "SECURE " if meta["secure"] else ""
    return (f"CREATE OR REPLACE {secure}FUNCTION {shown}({_arguments(meta['args'])})\nRETURNS {meta['returns']}\n"
            f"LANGUAGE {meta['language']}\nAS {_literal(meta['body'])};\n")


def _procedure(s: Session, qn: QName, full: bool, types: str | None) -> str:
    from .procedures import overloads

    rows = overloads(s, qn.fqn, types)
    if not rows:
        raise not_found("Procedure", qn.fqn)
    out = []
    for r in rows:
        args, returns, language, options, body = r[4], r[5], r[6], r[7], r[8]
        sig = _arguments(json.loads(args))
        execute_as = "CALLER" if re.search(r"EXECUTE\s+AS\s+CALLER", options, re.I) else "OWNER"
        out.append(f"CREATE OR REPLACE PROCEDURE {_name(qn, full)}({sig})\nRETURNS {returns}\nLANGUAGE {language}\n"
                   f"EXECUTE AS {execute_as}\nAS {_literal(body)};\n")
    return "".join(out)


def _sequence(s: Session, qn: QName, full: bool) -> str:
    row = s.duck.execute("SELECT start_value, increment_by FROM duckdb_sequences() WHERE schema_name = ? "
                         "AND sequence_name = ?", [qn.duck_schema, qn.name]).fetchone()
    if row is None:
        raise not_found("Sequence", qn.fqn)
    return f"create or replace sequence {_name(qn, full)} start with {row[0]} increment by {row[1]};\n"


def _schema(s: Session, db: str, sch: str, full: bool) -> str:
    from .dynamic_tables.catalog import registry
    from .tasks.store import store_of

    if not s.schema_exists(db, sch):
        raise not_found("Schema", f"{db}.{sch}")
    duck = QName(db, sch, "x").duck_schema
    dts = {fqn for fqn in registry(s.engine).tables if fqn.startswith(f"{db}.{sch}.")}
    parts = [f"create or replace schema {f'{db}.{sch}' if full else sch};\n"]
    for (name,) in s.duck.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1",
                                  [duck]).fetchall():
        if f"{db}.{sch}.{name}" not in dts:
            parts.append(_table(s, QName(db, sch, name), full))
    for (name,) in s.duck.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = ? ORDER BY 1",
                                  [duck]).fetchall():
        parts.append(_view(s, QName(db, sch, name), full))
    for (name,) in s.duck.execute("SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = ? ORDER BY 1",
                                  [duck]).fetchall():
        parts.append(_sequence(s, QName(db, sch, name), full))
    for fqn in sorted(s.engine.catalog.streams):
        if fqn.startswith(f"{db}.{sch}."):
            parts.append(_stream(s, QName(*parse_parts(fqn)), full))
    for fqn in sorted(dts):
        parts.append(_dynamic_table(s, QName(*parse_parts(fqn)), full))
    for t in sorted(store_of(s.engine).tasks.values(), key=lambda t: t.fqn):
        if (t.database, t.schema) == (db, sch):
            parts.append(_task(s, QName(db, sch, t.name), full))
    for (name,) in s.duck.execute(f"SELECT DISTINCT name FROM {M}.procedures WHERE database_name = ? AND "
                                  "schema_name = ? ORDER BY 1", [db, sch]).fetchall():
        parts.append(_procedure(s, QName(db, sch, name), full, None))
    from . import functions

    for name in functions.names_in(s, QName(db, sch, "x")):
        parts.append(_function(s, f"{db}.{sch}.{name}", None, _name(QName(db, sch, name), full)))
    return "\n".join(parts)


def get_ddl(s: Session, args: list[Any]) -> str:
    if len(args) < 2:
        raise compilation_error("GET_DDL needs an object type and a name: GET_DDL('TABLE', 'T').", 1044, "42P13")
    kind = str(args[0]).upper().replace(" ", "_")
    full = len(args) > 2 and str(args[2]).upper() in ("TRUE", "1")
    text = str(args[1])
    types = None
    if kind in ("PROCEDURE", "FUNCTION") and "(" in text:
        text, inner = text.split("(", 1)
        types = inner.rstrip().rstrip(")")
    if kind in ("DATABASE", "SCHEMA"):
        parts = parse_parts(text)
        if kind == "DATABASE":
            db = parts[0]
            if not s.database_exists(db):
                raise not_found("Database", db)
            schemas = [r[0].split("__", 1)[1] for r in s.duck.execute(
                "SELECT schema_name FROM duckdb_schemas() WHERE starts_with(schema_name, ?) ORDER BY 1",
                [db + "__"]).fetchall()]
            ddl = f"create or replace database {db};\n\n" + "\n".join(_schema(s, db, sch, full) for sch in schemas)
        else:
            db, sch = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
            ddl = _schema(s, db, sch, full)
        return _value(ddl)
    qn = s.qualify(parse_parts(text))
    if kind == "TABLE":
        from .dynamic_tables.catalog import registry

        if registry(s.engine).get(qn.fqn) is not None:
            ddl = _dynamic_table(s, qn, full)
        elif s.relation_kind(qn) != "TABLE":
            raise not_found("Table", qn.fqn)
        else:
            ddl = _table(s, qn, full)
    elif kind == "VIEW":
        if s.relation_kind(qn) != "VIEW":
            raise not_found("View", qn.fqn)
        ddl = _view(s, qn, full)
    elif kind == "STREAM":
        ddl = _stream(s, qn, full)
    elif kind == "TASK":
        ddl = _task(s, qn, full)
    elif kind == "DYNAMIC_TABLE":
        ddl = _dynamic_table(s, qn, full)
    elif kind == "PROCEDURE":
        ddl = _procedure(s, qn, full, types)
    elif kind == "FUNCTION":
        ddl = _function(s, text, types, _name(qn, full))
    elif kind == "SEQUENCE":
        ddl = _sequence(s, qn, full)
    else:
        raise compilation_error(f"GET_DDL: object type '{args[0]}' is not supported by cdcsim.", 2000, "0A000")
    return _value(ddl)


HOOKS.system_functions["GET_DDL"] = get_ddl
