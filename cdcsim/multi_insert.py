"""Multi-table INSERT: ``INSERT [OVERWRITE] ALL | FIRST [WHEN c THEN] INTO t [(cols)] [VALUES (...)]
... [ELSE INTO ...] <subquery>``.

Snowflake [DOC: sql-reference/sql/insert-multi-table]: each row of the subquery goes into every
INTO clause (unconditional ``ALL``), into every WHEN clause whose condition holds (``ALL``), or into
the first one whose condition holds (``FIRST``); ``ELSE`` takes the rows no condition took. Several
INTO clauses under one WHEN share its condition. ``VALUES`` names the subquery's columns (or
literals); an INTO without VALUES takes the subquery's columns in order. The answer is one row
with a column "number of rows inserted into <table>" per INTO clause. The fan-out of one stream
into several tables is its classic CDC use.

DuckDB has no multi-table INSERT, so each INTO clause becomes one ``INSERT ... SELECT`` over the
subquery, filtered by its condition (for FIRST, and NOT the earlier conditions), run through the
session in one transaction. Each reads the same snapshot of the source: a stream's window is fixed
for the transaction and consumed once, at its commit, as Snowflake consumes it.

[INFER] The subquery is evaluated once per INTO clause, so a nondeterministic expression in it
(RANDOM(), a sequence's NEXTVAL) may give each target different values; a condition that is NULL
does not hold, as in WHERE. ``INSERT OVERWRITE ALL | FIRST`` empties each target before the
subquery runs, so a subquery that reads one of its own targets sees it empty.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

from .commands import Result, command
from .errors import Error, syntax_error
from .session import ROLLED_BACK, Session


def _groups(tree: exp.MultitableInserts) -> list[tuple[exp.Expression | None, bool, list[exp.Insert]]]:
    """(condition, is ELSE, the INTO clauses) per WHEN / ELSE clause; sqlglot keeps the condition
    on the first INTO of a WHEN only."""
    groups: list[tuple[exp.Expression | None, bool, list[exp.Insert]]] = []
    for ci in tree.expressions:
        cond, is_else = ci.args.get("expression"), bool(ci.args.get("else_"))
        if groups and cond is None and not is_else and groups[-1][0] is not None or \
                groups and is_else and groups[-1][1]:
            groups[-1][2].append(ci.this)
        else:
            groups.append((cond, is_else, [ci.this]))
    return groups


def _holds(cond: exp.Expression) -> str:
    return f"coalesce(({cond.sql('snowflake')}), FALSE)"


@command(r"INSERT\s+(?P<ow>OVERWRITE\s+)?(?:ALL|FIRST)\s+.*")
def _multi_insert(s: Session, m: re.Match[str], _p: object) -> Result:
    try:
        tree = sqlglot.parse_one(m.group(0), read="snowflake")
    except sqlglot.errors.ParseError as e:
        raise syntax_error(str(e).splitlines()[0]) from None
    if not isinstance(tree, exp.MultitableInserts):
        raise syntax_error("unexpected multi-table INSERT")
    first = str(tree.args.get("kind", "")).upper() == "FIRST"
    overwrite = bool(m.group("ow"))  # (sqlglot drops OVERWRITE here)
    source = tree.args["source"].sql("snowflake")
    statements: list[tuple[str, str]] = []
    earlier: list[str] = []
    for cond, is_else, inserts in _groups(tree):
        if is_else:
            where = " AND ".join(f"NOT {c}" for c in earlier) or "TRUE"
        elif cond is None:
            where = "TRUE"
        else:
            where = " AND ".join([_holds(cond)] + ([f"NOT {c}" for c in earlier] if first else []))
            earlier.append(_holds(cond))
        for ins in inserts:
            target = ins.this
            table = target.this if isinstance(target, exp.Schema) else target
            values = ins.args.get("expression")
            cols = "*" if values is None else ", ".join(v.sql("snowflake") for v in values.expressions[0].expressions)
            name = table.name if table.this.quoted else table.name.upper()
            statements.append((name, table.sql("snowflake"),
                               f"INSERT INTO {target.sql('snowflake')} SELECT {cols} FROM ({source}) WHERE {where}"))
    own = not s.in_txn
    if own:
        s.begin()
    counts: list[tuple[str, int]] = []
    try:
        if overwrite:  # each target is emptied once, before any row goes in
            for table_sql in dict.fromkeys(t for _, t, _ in statements):
                s.execute(f"DELETE FROM {table_sql}")
        for name, _, sql in statements:
            r = s.execute(sql)
            counts.append((f"number of rows inserted into {name}", int(r.rows[0][0]) if r.rows else 0))
        if own:
            s.commit()
    except Error as e:
        if own:
            s.rollback()
            e.msg = e.msg.removesuffix(ROLLED_BACK)  # the transaction was this statement's own
            e.args = (str(e),)
        raise
    except Exception:
        if own:
            s.rollback()
        raise
    return Result.counts(counts)
