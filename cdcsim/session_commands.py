"""Session statements the engine answers itself: transactions, USE, and CREATE/DROP of
databases and schemas (each Snowflake schema is a DuckDB schema ``DB__SCHEMA``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import identity
from .commands import Result, command
from .errors import already_exists, compilation_error, not_found
from .names import (
    DEFAULT_SCHEMA,
    IDENT_RE,
    META_SCHEMA,
    QNAME_RE,
    QName,
    ambiguous_database,
    duck_schema,
    parse_parts,
    quote,
)
from .session import Session


@command(r"(BEGIN|START)(\s+(TRANSACTION|WORK))?(\s+NAME\s+\S+)?")
def _begin(s: Session, m: re.Match[str], _p: object) -> Result:
    s.begin()
    return Result.status("Statement executed successfully.")


@command(r"COMMIT(\s+WORK)?")
def _commit(s: Session, m: re.Match[str], _p: object) -> Result:
    s.commit()
    return Result.status("Statement executed successfully.")


@command(r"ROLLBACK(\s+WORK)?")
def _rollback(s: Session, m: re.Match[str], _p: object) -> Result:
    s.rollback()
    return Result.status("Statement executed successfully.")


@command(rf"USE\s+(?:(DATABASE|SCHEMA)\s+)?({QNAME_RE})")
def _use(s: Session, m: re.Match[str], _p: object) -> Result:
    kind = (m.group(1) or "").upper()
    parts = parse_parts(m.group(2))
    if kind == "DATABASE" or (not kind and len(parts) == 1 and s.database_exists(parts[0])
                              and not s.schema_exists(s.database, parts[0])):
        s.use(database=parts[0])
    elif len(parts) == 1:
        s.use(schema=parts[0])
    else:
        s.use(database=parts[0], schema=parts[1])
    return Result.status("Statement executed successfully.")


def _ddl(s: Session, sql: str) -> None:
    if s.in_txn:
        s.commit()
    s.acquire_write()
    try:
        s.duck.execute(sql)
    finally:
        s.engine.lock.release(s, all_levels=True)


_COPY = re.compile(r"\s*(CLONE|FROM\s+(?:SHARE|LISTING)|AS\s+REPLICA\s+OF)\b", re.IGNORECASE)


_CLONE = re.compile(rf"\s*CLONE\s+(?P<src>{QNAME_RE})(?P<rest>\s+.*)?$", re.IGNORECASE | re.DOTALL)


def _clone_source(kind: str, rest: str | None) -> str | None:
    """The properties after CREATE DATABASE / SCHEMA name (comment, retention, managed access)
    change nothing here. CLONE <source> names what to copy (``container_clone``); a share or a
    replica would be a container *with contents* cdcsim cannot fill, and creating an empty one
    instead would pass for success, so they fail clearly, as does CLONE ... AT | BEFORE (Time Travel)."""
    m = _COPY.match(rest or "")
    if m is None:
        return None
    c = _CLONE.match(rest or "")
    if c is not None and not (c.group("rest") and re.match(r"\s*(AT|BEFORE)\s*\(", c.group("rest"), re.I)):
        return c.group("src")
    what = "CLONE ... AT | BEFORE (Time Travel)" if c is not None else " ".join(m.group(1).upper().split())
    raise compilation_error(f"CREATE {kind} ... {what} is not supported by cdcsim.", 2000, "0A000")


@command(rf"CREATE\s+(OR\s+REPLACE\s+)?(?:TRANSIENT\s+)?DATABASE\s+(IF\s+NOT\s+EXISTS\s+)?({IDENT_RE})(\s+.*)?")
def _create_database(s: Session, m: re.Match[str], _p: object) -> Result:
    name = parse_parts(m.group(3))[0]
    source = _clone_source("DATABASE", m.group(4))
    if ambiguous_database(name):
        raise compilation_error(
            f"Database name '{name}' is not supported by cdcsim: it may not end in '_' or contain '__'. "
            "cdcsim keeps DATABASE.SCHEMA in one DuckDB schema named DATABASE__SCHEMA, and this name "
            "would not say where the database name ends.", 2000, "0A000")
    if source is not None:
        from .container_clone import clone_database

        return Result.status(clone_database(s, name, source, bool(m.group(1)), bool(m.group(2))))
    exists = s.database_exists(name)
    if exists and m.group(2):
        return Result.status(f"{name} already exists, statement succeeded.")
    if exists and not m.group(1):
        raise already_exists("Database", name)
    if exists:  # OR REPLACE: the old database and everything in it go first, as in Snowflake
        s.execute(f"DROP DATABASE {quote(name)}")
    _ddl(s, f"CREATE SCHEMA IF NOT EXISTS {quote(duck_schema(name, DEFAULT_SCHEMA))}")
    s.use(database=name)  # Snowflake makes a new database current
    return Result.status(f"Database {name} successfully created.")


@command(rf"CREATE\s+(OR\s+REPLACE\s+)?(?:TRANSIENT\s+)?SCHEMA\s+(IF\s+NOT\s+EXISTS\s+)?({QNAME_RE})(\s+.*)?")
def _create_schema(s: Session, m: re.Match[str], _p: object) -> Result:
    parts = parse_parts(m.group(3))
    source = _clone_source("SCHEMA", m.group(4))
    db, sch = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    if not s.database_exists(db):
        raise not_found("Database", db)
    if source is not None:
        from .container_clone import clone_schema

        return Result.status(clone_schema(s, (db, sch), source, bool(m.group(1)), bool(m.group(2))))
    if s.schema_exists(db, sch):
        if m.group(2):
            return Result.status(f"{sch} already exists, statement succeeded.")
        if not m.group(1):
            raise already_exists("Schema", sch)
        # OR REPLACE: the old schema and everything in it go first, as in Snowflake
        s.execute(f"DROP SCHEMA {quote(db)}.{quote(sch)}")
    _ddl(s, f"CREATE SCHEMA IF NOT EXISTS {quote(duck_schema(db, sch))}")
    s.use(database=db, schema=sch)
    return Result.status(f"Schema {sch} successfully created.")


@command(rf"DROP\s+(DATABASE|SCHEMA)\s+(IF\s+EXISTS\s+)?({QNAME_RE})(\s+(CASCADE|RESTRICT))?")
def _drop_container(s: Session, m: re.Match[str], _p: object) -> Result:
    """DROP DATABASE / DROP SCHEMA drop everything inside: tables, views, streams, tasks and dynamic
    tables. RESTRICT is accepted and drops like CASCADE: Snowflake's RESTRICT only refuses when
    foreign keys in other schemas reference the container's tables, and DuckDB cannot create a
    foreign key across schemas."""
    kind = m.group(1).upper()
    parts = parse_parts(m.group(3))
    if kind == "DATABASE":
        db = parts[0]
        rows = s.duck.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE starts_with(schema_name, ?) ORDER BY schema_name",
            [db + "__"],
        ).fetchall()
        if not rows:
            if m.group(2):
                return Result.status(f"Drop statement executed successfully ({db} already dropped).")
            raise not_found("Database", db)
        schemas = [(db, name[len(db) + 2:]) for (name,) in rows]
    else:
        db, sch = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        if not s.schema_exists(db, sch):
            if m.group(2):
                return Result.status(f"Drop statement executed successfully ({sch} already dropped).")
            raise not_found("Schema", f"{db}.{sch}")
        schemas = [(db, sch)]
    _drop_schemas(s, schemas)
    return Result.status(f"{parts[-1]} successfully dropped.")


def _relations(s: Session, schemas: list[tuple[str, str]]) -> list[QName]:
    """The tables and views in ``schemas``."""
    out: list[QName] = []
    for db, sch in schemas:
        rows = s.duck.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = ? ORDER BY 1",
            [duck_schema(db, sch), duck_schema(db, sch)],
        ).fetchall()
        out += [QName(db, sch, r[0]) for r in rows]
    return out


def _drop_schemas(s: Session, schemas: list[tuple[str, str]]) -> None:
    """Drop ``schemas`` and what cdcsim keeps about their objects, in one transaction, so a failure
    leaves every object as it was. Each relation is dropped as DROP TABLE would drop it (streams
    elsewhere on it go stale, dynamic tables that read it notice); the feature modules drop their
    own objects through ``Hooks.schema_drop`` before DuckDB drops the schemas."""
    hooks = s.engine.hooks
    if s.in_txn:
        s.commit()  # DDL commits an open transaction first, as in Snowflake
    s.acquire_write()
    try:
        done: list[Callable[[], None]] = []
        s.duck.execute("BEGIN TRANSACTION")
        try:
            relations = _relations(s, schemas)
            for qn in relations:
                for fn in hooks.table_ddl:
                    fn(s, "pre", "drop", qn)
                s.stop_tracking(qn)
            for drop in hooks.schema_drop:
                after = drop(s, schemas)
                if after is not None:
                    done.append(after)
            for db, sch in schemas:
                s.duck.execute(f"DROP SCHEMA {quote(duck_schema(db, sch))} CASCADE")
                s.duck.execute(f"DELETE FROM {META_SCHEMA}.objects WHERE starts_with(fqn, ?)", [f"{db}.{sch}."])
            identity.drop_unused(s)
            for qn in relations:
                for fn in hooks.table_ddl:
                    fn(s, "post", "drop", qn)
            s.duck.execute("COMMIT")
        except BaseException:
            s._safe_rollback()
            raise
        # still under the write lock: the in-memory state follows the committed metadata at once
        for after in done:
            after()
        s.lose_current(schemas)
    finally:
        s.engine.lock.release(s, all_levels=True)
        s.reload_catalog()


# Warehouses [INFER]: cdcsim computes in the local DuckDB, so a warehouse is only a name. The
# statements tutorials start with are accepted and change nothing; WAREHOUSE = ... in a task or a
# dynamic table is likewise kept as text.
@command(rf"CREATE\s+(?:OR\s+REPLACE\s+)?WAREHOUSE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{IDENT_RE})(?:\s+.*)?")
def _create_warehouse(s: Session, m: re.Match[str], _p: object) -> Result:
    return Result.status(f"Warehouse {parse_parts(m.group('name'))[0]} successfully created.")


@command(rf"(?:ALTER\s+WAREHOUSE|DROP\s+WAREHOUSE|USE\s+WAREHOUSE)\s+(?:IF\s+EXISTS\s+)?{IDENT_RE}(?:\s+.*)?")
def _other_warehouse(s: Session, m: re.Match[str], _p: object) -> Result:
    return Result.status("Statement executed successfully.")



# Clustering [INFER]: Snowflake's clustering keys order micro-partitions; local DuckDB storage has
# none to order, so CREATE TABLE ... CLUSTER BY is accepted (sqlglot drops it) and so are the ALTER
# TABLE forms below, on a table that exists. They change nothing.
@command(rf"ALTER\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+"
         r"(?:CLUSTER\s+BY\s*\(.*\)|DROP\s+CLUSTERING\s+KEY|(?:SUSPEND|RESUME)\s+RECLUSTER)")
def _clustering(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    if s.relation_kind(qn) != "TABLE" and not m.group("ie"):
        raise not_found("Table", qn.fqn)
    return Result.status("Statement executed successfully.")
