"""MERGE's ``UPDATE ALL BY NAME`` and ``INSERT ALL BY NAME`` [DOC: sql-reference/sql/merge,
"Perform a merge by using ALL BY NAME"]: every column of the target takes the source column of
the same name, whatever the order of the columns on either side.

sqlglot reads both as ``*``, which DuckDB's MERGE takes by position (the page's example, whose
source has ``y`` and ``x`` swapped, failed converting 'Skiing' to a number), and the emulation of
MERGE on a tracked table (merge.py) had no column list to work with. Both clauses are written out
here with the target's columns: ``UPDATE SET c = src.c, ...`` and ``INSERT (c, ...) VALUES
(src.c, ...)``, so DuckDB's MERGE and the emulation run the same statement.

[INFER] Snowflake requires the same number of columns and the same names on both sides; a target
column the source lacks fails as an invalid identifier (000904), and a source column the target
lacks is left out rather than refused. A computed column of the target is not written.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp


def _by_name(then: exp.Expression | None) -> bool:
    if isinstance(then, exp.Update):
        return len(then.expressions) == 1 and isinstance(then.expressions[0], exp.Star)
    return isinstance(then, exp.Insert) and isinstance(then.this, exp.Star)


def expand(tree: exp.Merge, columns: Callable[[], list[str]]) -> None:
    """Write out ``tree``'s ALL BY NAME clauses; ``columns`` gives the target's columns (called
    only when the MERGE has such a clause)."""
    whens = tree.args.get("whens")
    clauses = [w for w in (whens.expressions if whens is not None else []) if _by_name(w.args.get("then"))]
    if not clauses:
        return
    names = columns()
    # (identifiers are normalised already: quoting keeps them as they are)
    source = tree.args["using"].alias_or_name

    def target_col(c: str) -> exp.Column:
        return exp.column(exp.to_identifier(c, quoted=True))

    def source_col(c: str) -> exp.Column:
        return exp.column(exp.to_identifier(c, quoted=True), table=exp.to_identifier(source, quoted=True))

    for when in clauses:
        then = when.args["then"]
        if isinstance(then, exp.Update):
            then.set("expressions", [exp.EQ(this=target_col(c), expression=source_col(c)) for c in names])
        else:
            then.set("this", exp.Tuple(expressions=[target_col(c) for c in names]))
            then.set("expression", exp.Tuple(expressions=[source_col(c) for c in names]))
