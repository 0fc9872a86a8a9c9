"""Identity columns (``AUTOINCREMENT`` / ``IDENTITY``) and sequences named in expressions.

Snowflake [DOC: sql-reference/sql/create-table, "AUTOINCREMENT | IDENTITY"; sql-reference/
sql/create-sequence]: ``AUTOINCREMENT``, ``IDENTITY``, ``IDENTITY(start, step)`` and
``AUTOINCREMENT START s INCREMENT i`` give a numeric column a value from a sequence when an
INSERT leaves it out (start and step default to 1; a value the INSERT names is kept).
``seq.NEXTVAL`` reads a sequence, one value per row, in a query or a column DEFAULT.

DuckDB has no identity columns (sqlglot drops the constraint, and the column would be NULL), so
each identity column gets a sequence of its own, ``_cdcsim.identity_<n>``, made in the CREATE
TABLE's transaction, and the column a ``DEFAULT nextval(...)``. DESCRIBE TABLE and SHOW COLUMNS
show it as Snowflake does: ``IDENTITY START s INCREMENT i ORDER``. A sequence no column uses any
more (its table dropped or replaced) is dropped with it.

[INFER] A table made by CREATE TABLE ... LIKE / CLONE shares its source's identity sequence, so
the two never hand out the same value. ``ORDER`` / ``NOORDER`` are accepted and change nothing:
local inserts are serialised, so the values always increase.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .names import META_SCHEMA as M

if TYPE_CHECKING:
    from .session import Session

PREFIX = "identity_"
_DEFAULT = re.compile(rf"nextval\('{M}\.{PREFIX}(\d+)'\)")


def _any(s: Session) -> bool:
    """Might an identity sequence exist? Known once per engine, then kept: a DROP TABLE in a
    database without identity columns pays nothing for them (the sweep below is a catalog join)."""
    state = s.engine.state
    if "identity_sequences" not in state:
        state["identity_sequences"] = bool(s.duck.execute(
            f"SELECT count(*) FROM duckdb_sequences() WHERE schema_name = '{M}' "
            f"AND starts_with(sequence_name, '{PREFIX}')").fetchone()[0])
    return bool(state["identity_sequences"])


def new_sequence(s: Session, start: int, step: int) -> str:
    """Make a sequence for one identity column (in the caller's transaction); its DEFAULT SQL."""
    s.engine.state["identity_sequences"] = True
    n = int(s.duck.execute(f"SELECT nextval('{M}.obj_seq')").fetchone()[0])
    # explicit bounds: DuckDB's defaults for a negative step would refuse a positive start
    s.duck.execute(f"CREATE SEQUENCE {M}.{PREFIX}{n} START WITH {start} INCREMENT BY {step} "
                   "MINVALUE -9223372036854775808 MAXVALUE 9223372036854775807")
    return f"nextval('{M}.{PREFIX}{n}')"


def shown_default(s: Session, default: str | None) -> str | None:
    """Snowflake's rendering of an identity column's default, or None if ``default`` is not one."""
    m = _DEFAULT.fullmatch(default or "")
    if m is None:
        return None
    row = s.duck.execute("SELECT start_value, increment_by FROM duckdb_sequences() "
                         "WHERE schema_name = ? AND sequence_name = ?", [M, PREFIX + m.group(1)]).fetchone()
    start, step = row if row is not None else (1, 1)
    return f"IDENTITY START {start} INCREMENT {step} ORDER"


def drop_unused(s: Session) -> None:
    """Drop the identity sequences that no column default names any more (after a table that
    used them was dropped or replaced), in the caller's transaction."""
    if not _any(s):
        return
    rows = s.duck.execute(
        f"SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = '{M}' "
        f"AND starts_with(sequence_name, '{PREFIX}') AND NOT EXISTS (SELECT 1 FROM duckdb_columns() "
        f"WHERE column_default = 'nextval(''{M}.' || sequence_name || ''')')").fetchall()
    for (name,) in rows:
        s.duck.execute(f"DROP SEQUENCE {M}.{name}")
