"""DuckDB SQL written as text with placeholder columns (``__NAME``), filled with expression nodes.

Rewrites that emit DuckDB constructs awkward to build node by node (lambdas, struct literals,
``FILTER`` clauses, lateral subqueries) write them once as DuckDB SQL. The parse is cached by text
and each use fills a copy, so a template repeated per statement is parsed once.
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp


@lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expression:
    # A template's typeof() is DuckDB's: kept a plain call, or translate would take it for
    # Snowflake's TYPEOF and rename the type it tests ('BLOB' became 'BINARY', and every test of
    # a BINARY argument in OCTET_LENGTH and BASE64_ENCODE took the text branch).
    return sqlglot.parse_one(sql, read="duckdb").transform(
        lambda n: exp.Anonymous(this="typeof", expressions=[n.this]) if isinstance(n, exp.Typeof) else n)


def fill(sql: str, **nodes: exp.Expression) -> exp.Expression:
    """``sql`` parsed as DuckDB, each unqualified column ``__NAME`` replaced by a copy of
    ``nodes[NAME]`` (other columns, lambda parameters among them, stay)."""
    def put(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and not n.table and n.name.startswith("__") and n.name[2:] in nodes:
            return nodes[n.name[2:]].copy()
        return n
    return _parsed(sql).transform(put)  # transform copies: the cached parse stays as it is
