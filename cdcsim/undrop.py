"""UNDROP TABLE: a dropped table back, with its rows, for tables that keep history.

Snowflake [DOC: sql-reference/sql/undrop-table]: ``UNDROP TABLE <name>`` restores the most recent
version of a dropped table, with its rows, while it is within the table's Time Travel retention
period (DATA_RETENTION_TIME_IN_DAYS, 1 by default). A table of that name that exists makes it
fail; so does a name with no dropped version left. Success says "Table <name> successfully
restored."

How: a DROP TABLE of a table that keeps history (time_travel.py) copies its rows into a table of
``_cdcsim``, in the DROP's own transaction, and records its DDL (DuckDB's, without the hidden row
id), comment and properties in ``_cdcsim.dropped_tables``. UNDROP re-creates the table from that
DDL, puts the rows back, sets its properties again and turns its change tracking on, in one
transaction. Versions past their retention go at the next DROP or UNDROP.

[INFER] Where cdcsim differs or Snowflake is silent:

* Only a table that keeps history (``CHANGE_TRACKING = TRUE`` set explicitly) keeps its dropped
  version: the copy costs the DROP a pass over the rows, which a test suite dropping many tables
  should not pay. UNDROP of any other table fails as a purged one does, with a sentence that says
  so. A table dropped with its schema or database is not kept.
* The restored table's history starts again at UNDROP; streams on the dropped table stay stale;
  a replaced table (CREATE OR REPLACE) keeps no version.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from . import changes, time_travel
from .change_tracking import DEFAULTS, RETENTION, days
from .commands import Result, command
from .errors import already_exists, compilation_error
from .names import META_SCHEMA, QNAME_RE, QName, parse_parts, quote
from .session import Session
from .table_copies import copy_ddl

M = META_SCHEMA


def _copy_table(n: int) -> str:
    return f"{M}.dropped_{int(n)}"


def keep(s: Session, table: QName, table_id: int) -> None:
    """Keep the table about to be dropped (the DROP's transaction), when it keeps history."""
    if table_id not in time_travel.history_ids(s):
        return
    d = s.duck
    _purge(s)
    n = int(d.execute(f"SELECT nextval('{M}.obj_seq')").fetchone()[0])
    cols = ", ".join(quote(c) for c in s._insert_columns(table))
    d.execute(f"CREATE TABLE {_copy_table(n)} AS SELECT {cols} FROM {table.duck}")
    comment = d.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                        [table.duck_schema, table.name]).fetchone()[0]
    params = dict(d.execute(f"SELECT name, value FROM {M}.table_params WHERE fqn = ?", [table.fqn]).fetchall())
    d.execute(f"INSERT INTO {M}.dropped_tables VALUES (?, ?, ?, ?, ?, ?, ?)",
              [n, table.fqn, s.now(), days(s, table.fqn, RETENTION), copy_ddl(s, table, table, False).sql,
               comment, json.dumps(params)])


def _expired(s: Session, dropped_on: datetime, keep_days: int) -> bool:
    return dropped_on + timedelta(days=int(keep_days)) < s.now()


def _purge(s: Session) -> None:
    """Drop the kept versions past their retention period."""
    for n, dropped_on, keep_days in s.duck.execute(f"SELECT id, dropped_on, retention_days FROM {M}.dropped_tables"
                                                   ).fetchall():
        if _expired(s, dropped_on, keep_days):
            s.duck.execute(f"DROP TABLE IF EXISTS {_copy_table(n)}")
            s.duck.execute(f"DELETE FROM {M}.dropped_tables WHERE id = ?", [n])


def dropped(s: Session) -> list[tuple[tuple[str, str, str], str | None, object, int]]:
    """((database, schema, name), comment, dropped_on, retention days) of the kept versions within
    retention, newest first (SHOW TABLES HISTORY)."""
    out = []
    for fqn, on, keep_days, comment in s.duck.execute(
            f"SELECT fqn, dropped_on, retention_days, comment FROM {M}.dropped_tables "
            "ORDER BY dropped_on DESC, id DESC").fetchall():
        if not _expired(s, on, keep_days):
            out.append((tuple(fqn.split(".", 2)), comment, on, int(keep_days)))
    return out


@command(rf"UNDROP\s+TABLE\s+(?P<name>{QNAME_RE})\s*")
def undrop_table(s: Session, m: re.Match[str], _p: object) -> Result:
    table = s.qualify(parse_parts(m.group("name")))
    if s.relation_kind(table) is not None:
        raise already_exists("Table", table.name)
    with s.metadata_txn():
        _purge(s)  # (in a transaction of its own: the versions past retention go even if UNDROP fails)
    with s.metadata_txn() as d:
        row = d.execute(f"SELECT id, ddl, comment, params FROM {M}.dropped_tables WHERE fqn = ? "
                        "ORDER BY dropped_on DESC, id DESC LIMIT 1", [table.fqn]).fetchone()
        if row is None:
            raise compilation_error(
                f"Table {table.name} did not exist or was purged. (cdcsim keeps a dropped table only when it "
                "kept history: ALTER TABLE ... SET CHANGE_TRACKING = TRUE.)", 2003, "02000")
        n, ddl, comment, params = row
        d.execute(ddl)
        cols = ", ".join(quote(c) for c in s._insert_columns(table))
        d.execute(f"INSERT INTO {table.duck} ({cols}) SELECT {cols} FROM {_copy_table(n)}")
        if comment:
            d.execute(f"COMMENT ON TABLE {table.duck} IS '" + str(comment).replace("'", "''") + "'")
        for name, value in json.loads(params).items():
            if name in DEFAULTS:
                d.execute(f"INSERT OR REPLACE INTO {M}.table_params VALUES (?, ?, ?)", [table.fqn, name, value])
        time_travel.start(s, changes.track(d, table))
        d.execute(f"DROP TABLE {_copy_table(n)}")
        d.execute(f"DELETE FROM {M}.dropped_tables WHERE id = ?", [n])
        s.engine.state.pop("table_params_fqns", None)
    return Result.status(f"Table {table.name} successfully restored.")
