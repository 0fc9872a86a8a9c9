"""MERGE on tracked tables, emulated as UPDATE / DELETE / INSERT statements.

DuckDB refuses MERGE on a table with triggers, and change capture lives in triggers. Snowflake's
MERGE semantics are kept: the source is evaluated once, each target row takes the first WHEN
MATCHED clause whose condition holds, each unmatched source row the first WHEN NOT MATCHED clause,
and both sets are decided *before* any row changes. The pieces run in one transaction, so the
change log sees them as consecutive statements whose net change equals the MERGE's.
[INFER] A target row matched by several source rows takes one of them (Snowflake's
ERROR_ON_NONDETERMINISTIC_MERGE = FALSE behaviour) instead of failing.

Either road (this emulation, or DuckDB's own MERGE on an untracked target) answers as Snowflake
does [DOC: sql-reference/sql/merge]: one row with a counter per kind of action the statement has
clauses for, in the order "number of rows inserted", "number of rows updated", "number of rows
deleted" -- a MERGE with only WHEN MATCHED THEN UPDATE reports "number of rows updated" alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from .changes import QRID
from .commands import Result
from .errors import NotSupportedError
from .sql.translate import Translated, to_duck

if TYPE_CHECKING:
    from .session import Session

def _bare(node: exp.Expression, arg: str = "alias") -> str:
    """DuckDB SQL of ``node`` without its alias (or table qualifier)."""
    node = node.copy()
    node.set(arg, None)
    return to_duck(node)


_SRC, _MATCH, _NOMATCH = "_cdcsim_merge_src", "_cdcsim_merge_m", "_cdcsim_merge_nm"

# Snowflake's column order, whatever the order of the clauses.
ACTIONS = ("inserted", "updated", "deleted")

# DuckDB's MERGE reports a single total. Returning one byte per touched row, coded in ACTIONS'
# order, splits it by action without building a Python object per row (a 1M-row MERGE: ~3 ms more).
_ACTION_CODES = (" RETURNING CASE merge_action WHEN 'INSERT' THEN 0 WHEN 'UPDATE' THEN 1 ELSE 2 END"
                 "::UTINYINT AS _cdcsim_action")


def _clauses(tree: exp.Merge) -> list[exp.Expression]:
    whens = tree.args.get("whens")
    return list(whens.expressions) if whens is not None else list(tree.args.get("expressions") or [])


def _is_delete(then: Any) -> bool:
    return isinstance(then, exp.Var) and then.name.upper() == "DELETE" or (
        isinstance(then, exp.Expression) and then.sql().upper() == "DELETE")


def _action(when: exp.Expression) -> str | None:
    """The counter a WHEN clause feeds: matched UPDATE/DELETE, not-matched INSERT."""
    then = when.args.get("then")
    if when.args.get("matched"):
        if isinstance(then, exp.Update):
            return "updated"
        return "deleted" if _is_delete(then) else None
    if not when.args.get("source") and isinstance(then, exp.Insert):
        return "inserted"
    return None


def _kinds(tree: exp.Expression | None) -> list[str]:
    """The counters a MERGE reports, in Snowflake's order."""
    present = {_action(w) for w in _clauses(tree)} if isinstance(tree, exp.Merge) else set()
    # Without the tree (or a clause we can name) every counter is reported rather than none.
    return [a for a in ACTIONS if a in present] or list(ACTIONS)


def merge_result(tree: exp.Expression | None, counts: Mapping[str, int]) -> Result:
    """Snowflake's MERGE answer: a column for each kind of action ``tree`` has a clause for."""
    kinds = _kinds(tree)
    return Result.counts([(f"number of rows {a}", int(counts.get(a, 0))) for a in kinds])


def run_native_merge(s: Session, tr: Translated, sql: str, values: list[Any] | None) -> Result:
    """MERGE on a target without change tracking: DuckDB runs it as is, and the actions of the
    rows it returns are counted. A MERGE with one kind of action (the usual upsert-free UPDATE or
    INSERT-only MERGE) reports DuckDB's total as that counter and returns no rows."""
    import numpy as np  # (installed with pandas, a dependency)

    kinds = _kinds(tr.ast)
    if len(kinds) == 1:
        n = s.duck.execute(sql, values).fetchone()[0]
        return merge_result(tr.ast, {kinds[0]: int(n or 0)})
    codes = s.duck.execute(sql + _ACTION_CODES, values).fetchnumpy()["_cdcsim_action"]
    counts = np.bincount(codes, minlength=len(ACTIONS))
    return merge_result(tr.ast, dict(zip(ACTIONS, (int(n) for n in counts), strict=True)))


def run_merge(s: Session, tr: Translated, _sql: str, values: list[Any] | None) -> Result:
    tree = tr.ast
    assert isinstance(tree, exp.Merge) and tr.target is not None
    if values:
        raise NotSupportedError("Bind parameters in MERGE on a stream-tracked table are not supported.", 2_000)
    target = tree.this
    talias = target.alias_or_name
    tname = _bare(target)
    using = tree.args["using"]
    salias = using.alias_or_name
    src_sql = s._resolve_tokens(tr, _bare(using))
    on = tree.args["on"]
    on_sql = s._resolve_tokens(tr, to_duck(on))
    clauses = _clauses(tree)
    matched = [w for w in clauses if w.args.get("matched")]
    unmatched = [w for w in clauses if not w.args.get("matched") and not w.args.get("source")]

    def case(ws: list[exp.Expression]) -> str:
        arms = []
        for i, w in enumerate(ws):
            cond = w.args.get("condition")
            arms.append(f"WHEN {s._resolve_tokens(tr, to_duck(cond)) if cond is not None else 'TRUE'} THEN {i}")
        return "CASE " + " ".join(arms) + " END" if arms else "NULL"

    d = s.duck
    counts = {"inserted": 0, "updated": 0, "deleted": 0}
    d.execute(f"CREATE OR REPLACE TEMP TABLE {_SRC} AS SELECT * FROM {src_sql} AS _cdcsim_src")
    try:
        d.execute(
            f"CREATE OR REPLACE TEMP TABLE {_MATCH} AS SELECT {talias}.{QRID} AS _cdcsim_target_rid, "
            f"{salias}.*, {case(matched)} AS _cdcsim_clause FROM {tname} AS {talias} JOIN {_SRC} AS {salias} "
            f"ON {on_sql} QUALIFY row_number() OVER (PARTITION BY {talias}.{QRID}) = 1"
        )
        d.execute(
            f"CREATE OR REPLACE TEMP TABLE {_NOMATCH} AS SELECT {salias}.*, {case(unmatched)} AS _cdcsim_clause "
            f"FROM {_SRC} AS {salias} WHERE NOT EXISTS (SELECT 1 FROM {tname} AS {talias} WHERE {on_sql})"
        )
        for i, w in enumerate(matched):
            then = w.args["then"]
            if isinstance(then, exp.Update):
                sets = ", ".join(
                    f"{_bare(e.this, 'table')} = {s._resolve_tokens(tr, to_duck(e.expression))}"
                    for e in then.expressions
                )
                n = d.execute(
                    f"UPDATE {tname} AS {talias} SET {sets} FROM {_MATCH} AS {salias} "
                    f"WHERE {talias}.{QRID} = {salias}._cdcsim_target_rid AND {salias}._cdcsim_clause = {i}"
                ).fetchone()[0]
                counts["updated"] += int(n)
            elif _is_delete(then):
                n = d.execute(
                    f"DELETE FROM {tname} AS {talias} USING {_MATCH} AS {salias} "
                    f"WHERE {talias}.{QRID} = {salias}._cdcsim_target_rid AND {salias}._cdcsim_clause = {i}"
                ).fetchone()[0]
                counts["deleted"] += int(n)
        for i, w in enumerate(unmatched):
            then = w.args["then"]
            if not isinstance(then, exp.Insert):
                continue
            cols = then.this
            col_sql = ""
            if isinstance(cols, exp.Tuple) or isinstance(cols, exp.Schema):
                col_sql = "(" + ", ".join(_bare(c, "table") if isinstance(c, exp.Column) else to_duck(c)
                                          for c in cols.expressions) + ")"
            vals = then.expression
            val_exprs = vals.expressions if isinstance(vals, exp.Tuple) else [vals]
            val_sql = ", ".join(s._resolve_tokens(tr, to_duck(v)) for v in val_exprs)
            n = d.execute(
                f"INSERT INTO {tname} {col_sql} SELECT {val_sql} FROM {_NOMATCH} AS {salias} "
                f"WHERE {salias}._cdcsim_clause = {i}"
            ).fetchone()[0]
            counts["inserted"] += int(n)
    finally:
        for t in (_SRC, _MATCH, _NOMATCH):
            d.execute(f"DROP TABLE IF EXISTS {t}")
    return merge_result(tree, counts)
