"""ALTER TABLE a SWAP WITH b: the two tables exchange names.

Snowflake [DOC: sql-reference/sql/alter-table, "SWAP WITH"]: swaps all content and metadata
between two tables. DuckDB has no SWAP, so it is three renames (``a`` to a free name, ``b`` to
``a``, then to ``b``), each through the ordinary ALTER TABLE ... RENAME path: what follows a
renamed table follows each table here too (its streams and change tracking, its properties).

[INFER] Choices where Snowflake is silent or cdcsim differs:
* A table's streams follow the table, as they follow a rename: a stream on ``a`` then reads the
  table now called ``b``.
* Both tables must be in one schema: DuckDB renames only within a schema (0A000 otherwise).
* The renames are three statements; if a later one fails, the earlier ones are undone, so the
  tables keep their names.
"""

from __future__ import annotations

import re
import uuid

from .commands import Result, command
from .errors import compilation_error, not_found
from .names import QNAME_RE, QName, parse_parts, quote
from .session import Session


@command(rf"ALTER\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<a>{QNAME_RE})\s+SWAP\s+WITH\s+(?P<b>{QNAME_RE})")
def _swap(s: Session, m: re.Match[str], _p: object) -> Result:
    a, b = (s.qualify(parse_parts(m.group(k))) for k in ("a", "b"))
    if s.relation_kind(a) != "TABLE":
        if m.group("ie"):
            return Result.status("Statement executed successfully.")
        raise not_found("Table", a.fqn)
    if s.relation_kind(b) != "TABLE":
        raise not_found("Table", b.fqn)
    if a.duck_schema != b.duck_schema:
        raise compilation_error(f"ALTER TABLE {a.fqn} SWAP WITH {b.fqn}: cdcsim swaps tables only within one "
                                "schema (DuckDB renames a table only inside its schema).", 2000, "0A000")
    if a == b:
        return Result.status("Statement executed successfully.")
    spare = QName(a.database, a.schema, f"CDCSIM_SWAP_{uuid.uuid4().hex[:12].upper()}")
    done: list[tuple[QName, QName]] = []
    try:
        for old, new in ((a, spare), (b, a), (spare, b)):
            s.execute(f"ALTER TABLE {old.sql} RENAME TO {quote(new.name)}")
            done.append((old, new))
    except Exception:
        for old, new in reversed(done):
            s.execute(f"ALTER TABLE {new.sql} RENAME TO {quote(old.name)}")
        raise
    return Result.status("Statement executed successfully.")
