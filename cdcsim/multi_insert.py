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
from .errors import Error, NotSupportedError, compilation_error, syntax_error
from .names import parse_parts, quote
from .session import ROLLED_BACK, Session
from .sql.translate import _snowflake_names


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


def _refuse_qualified(node: exp.Expression | None) -> None:
    """WHEN and VALUES "can only reference the subquery via an alias" [DOC: usage notes, and the
    example ``INTO t1 VALUES (src1.key, a) SELECT src1.a AS a FROM src1, src2 ...`` that "returns
    error"]. DuckDB's error named a missing table; [INFER] Snowflake's is an invalid identifier."""
    for col in node.find_all(exp.Column) if node is not None else ():
        if col.table and col.find_ancestor(exp.Select) is None:  # (a subquery's own columns may be)
            name = ".".join(p.name if p.quoted else p.name.upper() for p in col.parts)
            raise compilation_error(f"error line 0 at position 0\ninvalid identifier '{name}'", 904, "42000")


def _is_default(value: exp.Expression) -> bool:
    return isinstance(value, exp.Var) and value.name.upper() == "DEFAULT"


def _into(s: Session, target: exp.Expression, values: exp.Expression) -> tuple[str, str]:
    """The INSERT target (with its column list) and select list of an INTO clause that has VALUES.
    ``DEFAULT`` there gives the column its default [DOC: sql-reference/sql/insert-multi-table, the
    example ``INTO t1 (c1, c2, c3) VALUES (n2, n1, DEFAULT)``]: DuckDB has no DEFAULT in a select
    list, so the column is left out of the INSERT and takes its default."""
    exprs = list(values.expressions[0].expressions)
    if not any(_is_default(v) for v in exprs):
        return target.sql("snowflake"), ", ".join(v.sql("snowflake") for v in exprs)
    table = target.this if isinstance(target, exp.Schema) else target
    if isinstance(target, exp.Schema):
        names = [c.sql("snowflake") for c in target.expressions]
    else:
        names = [quote(c) for c in s._insert_columns(s.qualify(parse_parts(table.sql("snowflake"))))]
    if len(names) != len(exprs):
        raise compilation_error(f"Insert value list does not match column list expecting {len(names)} but got "
                                f"{len(exprs)}", 2020, "21S01")
    kept = [(n, v) for n, v in zip(names, exprs, strict=True) if not _is_default(v)]
    if not kept:
        raise NotSupportedError("An INTO clause whose VALUES are all DEFAULT is not supported in cdcsim.", 2_000)
    return (f"{table.sql('snowflake')} ({', '.join(n for n, _ in kept)})",
            ", ".join(v.sql("snowflake") for _, v in kept))


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
    groups = _groups(tree)
    if first and all(cond is None and not is_else for cond, is_else, _ in groups):
        # [DOC]: "If the FIRST keyword is specified in an unconditional multi-table insert ...,
        # Snowflake returns a syntax error." [INFER] its wording
        raise syntax_error("syntax error: unexpected 'INTO'. INSERT FIRST takes WHEN clauses; an unconditional "
                           "multi-table insert is INSERT ALL.")
    # WHEN and VALUES may name an unaliased expression of the subquery by its default alias, as in
    # [DOC] ``INTO t1 VALUES ($1, an_alias, "10 + 20") SELECT 1, 50 AS an_alias, 10 + 20``: DuckDB
    # names it "(10 + 20)", so each such expression is given Snowflake's name
    select = tree.args["source"].copy()
    _snowflake_names(select)
    source = select.sql("snowflake")
    statements: list[tuple[str, str, str]] = []
    earlier: list[str] = []
    for cond, is_else, inserts in groups:
        _refuse_qualified(cond)
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
            _refuse_qualified(values)
            into, cols = (target.sql("snowflake"), "*") if values is None else _into(s, target, values)
            name = table.name if table.this.quoted else table.name.upper()
            statements.append((name, table.sql("snowflake"),
                               f"INSERT INTO {into} SELECT {cols} FROM ({source}) WHERE {where}"))
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
