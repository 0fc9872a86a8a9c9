"""CREATE TABLE ... LIKE and CREATE TABLE ... CLONE: a new table shaped like an existing one.

Snowflake [DOC: sql-reference/sql/create-table, "CREATE TABLE ... LIKE" and "CREATE TABLE ...
CLONE"]: LIKE creates an empty copy of the source's column definitions (names, types, defaults,
constraints); CLONE also copies its rows, as they are now. Neither copies the source's streams
or its change tracking: the new table is an ordinary table.

The column definitions come from DuckDB's own DDL of the source, minus the hidden row-id column
that change tracking adds (a copy must not show it, and it is not tracked). The new table is
created through the session's ordinary DDL path, so guards and bookkeeping (replacing a tracked
table, a dynamic table's name) apply as for any CREATE TABLE.

[INFER] Choices where the behaviour is not what Snowflake does:
* ``CLONE ... AT | BEFORE (...)`` copies the source's rows as of that point, which needs the
  source's history (time_travel.py: change tracking turned on explicitly); elsewhere it fails with
  Snowflake's Time Travel error before anything is made.
* CLONE copies the rows in a second statement after the CREATE; if that copy fails the new table
  is dropped again, so the statement leaves no half-made table behind (a replaced table is not
  restored).
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from .changes import RID
from .commands import Result, command
from .errors import compilation_error, not_found
from .names import QNAME_RE, QName, parse_parts, quote
from .session import Session
from .sql.translate import Translated


@command(rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:(?:LOCAL\s+|GLOBAL\s+)?(?:TRANSIENT|TEMPORARY|TEMP|VOLATILE)\s+)?"
         rf"TABLE\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+(?P<how>LIKE|CLONE)\s+"
         rf"(?P<src>{QNAME_RE})(?P<rest>\s+.*)?")
def _create_copy(s: Session, m: re.Match[str], _p: object) -> Result:
    how = m.group("how").upper()
    rest = (m.group("rest") or "").strip()
    when = re.fullmatch(r"((?:AT|BEFORE)\s*\(.*\))(?:\s+COPY\s+GRANTS)?", rest, re.IGNORECASE | re.DOTALL)
    if how == "CLONE" and when is not None:
        rest, at = "", " " + when.group(1)  # the source as of a point in its history (time_travel.py)
    else:
        at = ""
    if rest and not re.fullmatch(r"COPY\s+GRANTS", rest, re.IGNORECASE):
        raise compilation_error(f"syntax error: unexpected '{rest.split()[0]}'.", 1003, "42000")
    target = s.qualify(parse_parts(m.group("name")))
    source = s.qualify(parse_parts(m.group("src")))
    if re.search(r"\b(?:TEMPORARY|TEMP|VOLATILE)\s", m.group(0)[:m.start("name")], re.IGNORECASE):
        return _temporary_copy(s, m, target, source, how)
    if s.relation_kind(source) != "TABLE":
        raise not_found("Table", source.fqn)
    if m.group("ine") and s.relation_kind(target) is not None:
        return Result.status(f"{target.name} already exists, statement succeeded.")
    if at:  # a point outside the source's history fails before anything is made
        s.execute(f"SELECT 1 FROM {source.sql}{at} LIMIT 0")
    ddl = copy_ddl(s, source, target, bool(m.group("replace")))
    s.run(ddl)
    if how == "CLONE":
        cols = ", ".join(quote(c) for c in _visible_columns(s, source))
        try:
            s.execute(f"INSERT INTO {target.sql} ({cols}) SELECT {cols} FROM {source.sql}{at}")
        except Exception:
            s.execute(f"DROP TABLE IF EXISTS {target.sql}")
            raise
    return Result.status(f"Table {target.name} successfully created.")


def _temporary_copy(s: Session, m: re.Match[str], target: QName, source: QName, how: str) -> Result:
    """CREATE TEMPORARY TABLE ... LIKE | CLONE: the session's temporary table (translate._to_temporary)
    with the source's columns and, for CLONE, its rows. [INFER] It is made as CREATE TABLE AS, so
    column types carry over and defaults, identity and NOT NULL do not."""
    if s.relation_kind(source) != "TABLE" and source.fqn not in s.temp_tables():
        raise not_found("Table", source.fqn)
    head = "CREATE OR REPLACE TEMPORARY TABLE " if m.group("replace") else \
        "CREATE TEMPORARY TABLE IF NOT EXISTS " if m.group("ine") else "CREATE TEMPORARY TABLE "
    s.execute(f"{head}{target.sql} AS SELECT * FROM {source.sql}{' LIMIT 0' if how == 'LIKE' else ''}")
    return Result.status(f"Table {target.name} successfully created.")


def _visible_columns(s: Session, table: QName) -> list[str]:
    rows = s.duck.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "AND NOT is_generated ORDER BY column_index", [table.duck_schema, table.name]).fetchall()
    return [r[0] for r in rows if r[0] != RID]


def copy_ddl(s: Session, source: QName, target: QName, replace: bool) -> Translated:
    """The source's DuckDB DDL renamed to ``target``, without the hidden row id."""
    (sql,) = s.duck.execute(
        "SELECT sql FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [source.duck_schema, source.name]).fetchone()
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema)
    schema = tree.this
    schema.set("expressions", [e for e in schema.expressions
                               if not (isinstance(e, exp.ColumnDef) and e.name == RID)])
    schema.set("this", exp.to_table(target.duck, dialect="duckdb"))
    tree.set("replace", replace)
    return Translated(kind="create", sql=tree.sql(dialect="duckdb"), ast=tree, target=target,
                      is_write=True, is_ddl=True)
