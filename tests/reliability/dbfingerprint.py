"""A fingerprint of a whole cdcsim database, to prove a statement changed nothing.

SHOW TABLES / STREAMS / TASKS / DYNAMIC TABLES (the in-memory catalogs as users see them), every
DuckDB table, sequence and trigger, and every table's rows — users' tables and the internal
catalogs, change logs, stream offsets and log holds (the run histories excepted) — as a count and
an order-independent sum of row hashes computed by DuckDB. A half-created stream, task, trigger
or change log shows.
"""

from __future__ import annotations

import hashlib
from typing import Any

import cdcsim

HISTORY = {"task_history", "dt_refresh_history", "dt_graph_history"}


def rows(con: cdcsim.Connection, sql: str) -> list[tuple[Any, ...]]:
    return con.cursor().execute(sql).fetchall()


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A Snowflake string literal: backslash starts an escape sequence there, so it is doubled too."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def fingerprint(con: cdcsim.Connection, objects_only: bool = False) -> str:
    """A hash of the database's objects and (unless ``objects_only``) every row they hold."""
    h = hashlib.sha256()
    for what in ("TABLES", "STREAMS", "TASKS", "DYNAMIC TABLES"):
        shown = rows(con, f"SHOW {what}")
        h.update(repr(sorted(map(repr, [r[:2] for r in shown] if objects_only else shown))).encode())
    raw = con._engine.db.cursor()
    try:
        objects = raw.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall()
        h.update(repr(objects).encode())
        h.update(repr(raw.execute("SELECT schema_name, sequence_name FROM duckdb_sequences() ORDER BY 1, 2")
                      .fetchall()).encode())
        if _has_triggers_fn(raw):
            h.update(repr(raw.execute("SELECT trigger_name FROM duckdb_triggers() ORDER BY 1").fetchall()).encode())
        if objects_only:
            return h.hexdigest()
        # every table's rows (users' and the internal catalogs, change logs, offsets, holds),
        # as a count and an order-independent sum of row hashes computed by DuckDB
        parts = [f"SELECT {lit(schema + '.' + table)}, count(*), sum(hash(_t)) "
                 f"FROM {ident(schema)}.{ident(table)} AS _t" for schema, table in objects if table not in HISTORY]
        h.update(repr(raw.execute(" UNION ALL ".join(parts) + " ORDER BY 1").fetchall()).encode())
    finally:
        raw.close()
    return h.hexdigest()


def _has_triggers_fn(raw: Any) -> bool:
    try:
        raw.execute("SELECT 1 FROM duckdb_triggers() LIMIT 1")
        return True
    except Exception:  # noqa: BLE001 - older DuckDB without the function
        return False


