"""The SQL console's guard: read-only unless writes were explicitly enabled.

Read-only means one statement that is a query (SELECT / WITH ... SELECT / SHOW / DESCRIBE /
DESC) with no DML or DDL anywhere inside it and no ``SYSTEM$`` function other than
the read-only ones. Writes are enabled only by ``cdcsim demo --sql-write`` or the environment
variable ``CDCSIM_SQL_CONSOLE_WRITE=1``.
"""

from __future__ import annotations

import os
import re

import sqlglot
from sqlglot import exp

from cdcsim.sql.split import split_statements, strip_comments

WRITE_ENV = "CDCSIM_SQL_CONSOLE_WRITE"
READ_KEYWORDS = {"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC"}
# Keyword-only commands (sqlglot leaves them unparsed) that are safe to run.
COMMAND_KEYWORDS = {"SHOW", "DESCRIBE", "DESC"}
READ_ONLY_SYSTEM_FUNCTIONS = {"SYSTEM$STREAM_HAS_DATA", "SYSTEM$TYPEOF"}
_WRITE_NODES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Command,
    exp.TruncateTable,
    exp.Copy,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Use,
    exp.Set,
    exp.Into,  # SELECT ... INTO t creates a table
)


class ReadOnlyViolation(ValueError):
    """The statement is not allowed in a read-only console; the message says why."""


def writes_enabled(flag: bool = False) -> bool:
    return flag or os.environ.get(WRITE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def check_read_only(sql: str) -> str:
    """Return the single statement's text if it is read-only; raise ReadOnlyViolation otherwise."""
    statements = [s for s in split_statements(sql) if strip_comments(s.text).strip()]
    if not statements:
        raise ReadOnlyViolation("Nothing to run.")
    if len(statements) > 1:
        raise ReadOnlyViolation("One statement at a time in the read-only console.")
    text = statements[0].text
    bare = strip_comments(text).strip()
    first = bare.split(None, 1)[0].upper()
    if first not in READ_KEYWORDS:
        raise ReadOnlyViolation(f"{first} is not allowed: the console is read-only (SELECT, SHOW, DESCRIBE).")
    for fn in re.findall(r"SYSTEM\$[A-Z_]+", bare.upper()):
        if fn not in READ_ONLY_SYSTEM_FUNCTIONS:
            raise ReadOnlyViolation(f"{fn} is not allowed in the read-only console.")
    if first in COMMAND_KEYWORDS:
        return text
    try:
        tree = sqlglot.parse_one(text, read="snowflake")
    except sqlglot.errors.ParseError as exc:
        raise ReadOnlyViolation(f"Could not parse the statement: {str(exc).splitlines()[0]}") from exc
    bad = next((n for n in tree.walk() if isinstance(n, _WRITE_NODES)), None)
    if bad is not None:
        raise ReadOnlyViolation(f"{type(bad).__name__.upper()} is not allowed: the console is read-only.")
    return text
