"""CREATE SCHEMA ... CLONE and CREATE DATABASE ... CLONE: a container with copies of what another holds.

Snowflake [DOC: user-guide/object-clone, "Cloning considerations"]: cloning a schema clones the
objects it contains; cloning a database clones its schemas. Rules kept here:
* tables are cloned with their rows as they are now (CREATE TABLE ... CLONE: an identity column
  goes on from the source's sequence);
* views, dynamic tables and tasks are created again from their definitions *in the clone*: a name
  their text leaves unqualified (or qualified with the schema only, in a database clone) resolves
  to the clone's objects, a fully qualified one to the original;
* a stream on a cloned table is on the clone's table; its unconsumed changes are not carried over
  ("any unconsumed records in the stream (in the clone) are inaccessible"), so it starts empty;
* cloned tasks are suspended;
* a sequence goes on from the source's next value; procedures are copied; SQL functions are
  created again from their definitions in the clone, as views are.

[INFER] The objects are created one statement after another; if one fails, the new container is
dropped again, so the statement leaves nothing half made. A dynamic table in the clone refreshes
as a new one (INITIALIZE as its definition says).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import functions
from .errors import already_exists, compilation_error, not_found
from .names import META_SCHEMA as M
from .names import QName, duck_schema, parse_parts, quote

if TYPE_CHECKING:
    from .session import Session

_VIEW_HEAD = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SECURE\s+)?(?:RECURSIVE\s+)?(?:MATERIALIZED\s+)?"
                        r"VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>(?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))*)",
                        re.I)
_DT_HEAD = re.compile(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TRANSIENT\s+)?DYNAMIC\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                      r"(?P<name>(?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))*)", re.I)


def _renamed(text: str, head: re.Pattern[str], target: QName) -> str:
    """``text`` (a CREATE statement) creating ``target`` instead of the object it names."""
    m = head.match(text)
    assert m is not None
    body = text[:m.start("name")] + target.sql + text[m.end("name"):]
    return re.sub(r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?", "CREATE OR REPLACE ", body, count=1, flags=re.I)


def clone_schema_objects(s: Session, pairs: list[tuple[tuple[str, str], tuple[str, str]]]) -> None:
    """Fill each (existing, empty) schema ``dst`` with clones of what its ``src`` holds, kind by
    kind across all the pairs (a view in one schema may read a table of another). Each definition
    runs with its ``dst`` as the current schema, so its unqualified names land there."""
    from .dynamic_tables.catalog import registry
    from .get_ddl import _function, _task
    from .tasks.store import store_of

    def within(fqn: str, db: str, sch: str) -> bool:
        return fqn.startswith(f"{db}.{sch}.")

    views: list[tuple[QName, QName, str]] = []
    dts = []
    for (sdb, ssch), (ddb, dsch) in pairs:
        sduck = duck_schema(sdb, ssch)
        mine = {fqn for fqn in registry(s.engine).tables if within(fqn, sdb, ssch)}
        for (name,) in s.duck.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1",
                                      [sduck]).fetchall():
            if f"{sdb}.{ssch}.{name}" not in mine:
                s.execute(f"CREATE TABLE {QName(ddb, dsch, name).sql} CLONE {QName(sdb, ssch, name).sql}")
        for name, start, step, last in s.duck.execute(
                "SELECT sequence_name, start_value, increment_by, last_value FROM duckdb_sequences() "
                "WHERE schema_name = ? ORDER BY 1", [sduck]).fetchall():
            nxt = start if last is None else last + step
            s.execute(f"CREATE SEQUENCE {QName(ddb, dsch, name).sql} START = {nxt} INCREMENT = {step}")
        s.duck.execute(f"INSERT INTO {M}.procedures SELECT ? || '.' || name, ?, ?, name, args, returns, language, "
                       f"options, body, comment, is_secure, ? FROM {M}.procedures WHERE database_name = ? "
                       "AND schema_name = ?", [f"{ddb}.{dsch}", ddb, dsch, s.engine.clock.now(), sdb, ssch])
        s.engine.catalog.bump()  # (procedures are looked up by catalog version)
        s.use(database=ddb, schema=dsch)  # a function's body is translated again, in the clone
        for name in functions.names_in(s, QName(sdb, ssch, "x")):
            s.execute(_function(s, f"{sdb}.{ssch}.{name}", None, QName(ddb, dsch, name).sql).rstrip().rstrip(";"))
        for (name,) in s.duck.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = ? ORDER BY 1",
                                      [sduck]).fetchall():
            row = s.duck.execute(f"SELECT text FROM {M}.objects WHERE fqn = ?", [f"{sdb}.{ssch}.{name}"]).fetchone()
            if row is None or not row[0] or not _VIEW_HEAD.match(row[0]):
                raise not_found("View definition", f"{sdb}.{ssch}.{name} (made before cdcsim kept view texts)")
            views.append((QName(sdb, ssch, name), QName(ddb, dsch, name), row[0]))
        dts += [(dt, (ddb, dsch)) for fqn, dt in registry(s.engine).tables.items() if fqn in mine]
    while views:  # a view over another view waits for it
        failed: list[tuple[QName, QName, str]] = []
        error: Exception | None = None
        for src, dst, text in views:
            s.use(database=dst.database, schema=dst.schema)
            try:
                s.execute(_renamed(text, _VIEW_HEAD, dst))
            except Exception as e:  # noqa: BLE001 - retried below, raised if nothing moves
                failed.append((src, dst, text))
                error = e
        if len(failed) == len(views):
            assert error is not None
            raise error
        views = failed
    for dt, (ddb, dsch) in sorted(dts, key=lambda x: x[0].created_on):  # upstream tables first
        s.use(database=ddb, schema=dsch)
        s.execute(_renamed(dt.text, _DT_HEAD, QName(ddb, dsch, dt.qname.name)))
    dst_of = {src: dst for src, dst in pairs}
    for fqn, info in sorted(s.engine.catalog.streams.items()):
        db, sch, name = parse_parts(fqn)
        if (db, sch) not in dst_of:
            continue
        ddb, dsch = dst_of[(db, sch)]
        on = parse_parts(info.table_fqn)
        source = QName(*dst_of[(on[0], on[1])], on[2]) if (on[0], on[1]) in dst_of else QName(*on)
        opts = (" APPEND_ONLY = TRUE" if info.mode == "APPEND_ONLY" else "") + \
            (" SHOW_INITIAL_ROWS = TRUE" if info.show_initial else "")
        kind = "VIEW" if info.on_view else "DYNAMIC TABLE" if info.table_fqn in registry(s.engine).tables else "TABLE"
        s.execute(f"CREATE STREAM {QName(ddb, dsch, name).sql} ON {kind} {source.sql}{opts}")
    store = store_of(s.engine)
    for (sdb, ssch), (ddb, dsch) in pairs:
        s.use(database=ddb, schema=dsch)
        tasks = [t for t in store.tasks.values() if (t.database, t.schema) == (sdb, ssch)]
        done: set[str] = set()
        while tasks:  # predecessors (and a finalizer's root) before the tasks that name them
            ready = [t for t in tasks if all(p in done for p in t.predecessors)
                     and (t.finalize in done or not t.finalize)] or tasks
            for t in sorted(ready, key=lambda t: t.fqn):
                s.execute(_task(s, QName(sdb, ssch, t.name), False).rstrip().rstrip(";"))
                done.add(t.fqn)
            tasks = [t for t in tasks if t.fqn not in done]


def clone_schema(s: Session, target: tuple[str, str], source_text: str, replace: bool, ine: bool) -> str:
    """CREATE [OR REPLACE] SCHEMA target CLONE source: the status message."""
    parts = parse_parts(source_text)
    src = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    if not s.schema_exists(*src):
        raise not_found("Schema", f"{src[0]}.{src[1]}")
    if src == target:
        raise compilation_error(f"Schema {target[0]}.{target[1]} cannot be cloned onto itself.", 2000, "42601")
    if s.schema_exists(*target):
        if ine:
            return f"{target[1]} already exists, statement succeeded."
        if not replace:
            raise already_exists("Schema", target[1])
        s.execute(f"DROP SCHEMA {quote(target[0])}.{quote(target[1])}")
    s.execute(f"CREATE SCHEMA {quote(target[0])}.{quote(target[1])}")
    try:
        clone_schema_objects(s, [(src, target)])
    except Exception:
        s.execute(f"DROP SCHEMA IF EXISTS {quote(target[0])}.{quote(target[1])}")
        raise
    s.use(database=target[0], schema=target[1])
    return f"Schema {target[1]} successfully created."


def clone_database(s: Session, target: str, source_text: str, replace: bool, ine: bool) -> str:
    """CREATE [OR REPLACE] DATABASE target CLONE source: the status message."""
    src = parse_parts(source_text)[0]
    if not s.database_exists(src):
        raise not_found("Database", src)
    if src == target:
        raise compilation_error(f"Database {target} cannot be cloned onto itself.", 2000, "42601")
    if s.database_exists(target):
        if ine:
            return f"{target} already exists, statement succeeded."
        if not replace:
            raise already_exists("Database", target)
        s.execute(f"DROP DATABASE {quote(target)}")
    schemas = [r[0].split("__", 1)[1] for r in s.duck.execute(
        "SELECT schema_name FROM duckdb_schemas() WHERE starts_with(schema_name, ?) ORDER BY 1", [src + "__"]).fetchall()]
    s.execute(f"CREATE DATABASE {quote(target)}")
    try:
        for sch in schemas:  # a schema-qualified name in a definition is the clone's schema
            s.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(target)}.{quote(sch)}")
        clone_schema_objects(s, [((src, sch), (target, sch)) for sch in schemas])
    except Exception:
        s.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
        raise
    s.use(database=target, schema="PUBLIC" if "PUBLIC" in schemas else (schemas[0] if schemas else "PUBLIC"))
    return f"Database {target} successfully created."
