"""From a dynamic table's defining query to its inputs, its refresh mode and its refresh plan.

* ``analyse(session, query)`` qualifies every relation of the query (so the stored definition
  reads the same objects from any session), lists the inputs (tables, views, dynamic tables; views
  contribute their base tables for change detection) and answers Snowflake's two support
  questions: can any dynamic table use this query (``ivm.dynamic_table_support``), and is it
  refreshed incrementally (``ivm.incremental_support``).
* ``get_plan(session, dt)`` translates the stored query to DuckDB and builds the refresh plan,
  cached per table until a DDL touches one of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from .. import changes
from ..errors import compilation_error, not_found
from ..names import QName, split_duck_schema
from ..session import Session
from ..sql.translate import parse
from ..view_streams import view_text
from . import ivm
from .catalog import DT, registry


@dataclass
class Analysis:
    query: str  # Snowflake SQL, relations fully qualified
    inputs: list[tuple[QName, str]] = field(default_factory=list)  # (name, TABLE | VIEW | DYNAMIC_TABLE)
    view_bases: list[QName] = field(default_factory=list)
    reason: str | None = None  # why Snowflake would not refresh incrementally (None = supported)
    unsupported: str | None = None  # what no refresh mode supports (CREATE fails), None = nothing


def analyse(s: Session, query: str) -> Analysis:
    tree = normalize_identifiers(parse(query), dialect="snowflake")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    reg = registry(s.engine)
    inputs: list[tuple[QName, str]] = []
    for t in tree.find_all(exp.Table):
        if not t.name or (t.args.get("db") is None and t.name in ctes):
            continue
        if isinstance(t.this, exp.Func):  # table functions (FLATTEN, ...)
            continue
        parts = [p.name for p in (t.args.get("catalog"), t.args.get("db"), t.this) if p is not None]
        qn = s.qualify(parts)
        t.set("catalog", exp.to_identifier(qn.database, quoted=True))
        t.set("db", exp.to_identifier(qn.schema, quoted=True))
        t.set("this", exp.to_identifier(qn.name, quoted=True))
        if qn.fqn in s.engine.catalog.streams:
            raise compilation_error(f"Dynamic tables cannot read from stream '{qn.fqn}'.", 2_760, "0A000")
        if t.args.get("when") is not None or t.args.get("changes") is not None:
            # [INFER] a refresh reads its inputs at its data timestamp; a fixed point or a change
            # interval has no meaning there
            raise compilation_error(f"Dynamic tables cannot read '{qn.fqn}' at a point in time (AT | BEFORE) or "
                                    "its CHANGES.", 2_000, "0A000")
        if qn.fqn in reg.tables:
            kind = "DYNAMIC_TABLE"
        else:
            rk = s.relation_kind(qn)
            if rk is None:
                raise not_found("Object", qn.fqn)
            kind = rk
        if all(i[0] != qn for i in inputs):
            inputs.append((qn, kind))
    if any(isinstance(n, exp.CurrentSession) for n in tree.walk()):
        # a refresh runs without a user session [DOC: user-guide/dynamic-tables/troubleshoot-creation]
        raise compilation_error("Unsupported context function 'CURRENT_SESSION' used in dynamic table definition.",
                                2_000, "0A000")
    a = Analysis(tree.sql("snowflake"), inputs)
    a.unsupported = ivm.dynamic_table_support(tree)
    a.reason = ivm.incremental_support(tree)
    if a.reason is None:
        for qn, kind in inputs:
            up = reg.tables.get(qn.fqn)
            if kind == "DYNAMIC_TABLE" and up is not None and up.refresh_mode == "FULL":
                a.reason = "UPSTREAM_USES_FULL_REFRESH"
    for qn, kind in inputs:
        if kind == "VIEW":
            a.view_bases += _view_bases(s, qn, set())
    return a


def _view_bases(s: Session, view: QName, seen: set[str]) -> list[QName]:
    """The base tables under a view (recursively), for change detection."""
    if view.fqn in seen:
        return []
    seen.add(view.fqn)
    text = view_text(s.duck, view)
    if text is None:
        return []
    out: list[QName] = []
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError:
        return []
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    for t in tree.find_all(exp.Table):
        if not t.name or (t.args.get("db") is None and t.name in ctes):
            continue
        db = t.args.get("db")
        parts = split_duck_schema(db.name) if db is not None else (view.database, view.schema)
        if parts is None:
            continue
        qn = QName(parts[0], parts[1], t.name)
        kind = s.relation_kind(qn)
        if kind == "VIEW":
            out += _view_bases(s, qn, seen)
        elif kind == "TABLE":
            out.append(qn)
    return out


def translate_query(s: Session, query: str) -> tuple[str, bool]:
    tr = s.translate(query)
    return s._resolve_tokens(tr), tr.uses_now


def get_plan(s: Session, dt: DT) -> ivm.Plan:
    reg = registry(s.engine)
    plan = reg.plans.get(dt.fqn)
    if plan is not None:
        return plan
    sql, uses_now = translate_query(s, dt.query)
    cols = [c.name for c in changes.user_columns(s.duck, dt.qname)]
    if dt.refresh_mode != "INCREMENTAL":
        plan = ivm.Plan("DIFF", cols, _strip_order(sql), time_dependent=uses_now)
    else:
        refs: dict[tuple[str, str], ivm.SourceRef] = {}
        for src in dt.sources:
            if src.kind == "BASE":
                continue
            qn = QName(*src.fqn.split(".", 2))
            refs[(qn.duck_schema, qn.name)] = ivm.SourceRef(
                qn.duck_schema, qn.name, src.fqn, [c.name for c in changes.user_columns(s.duck, qn)],
                changing=src.kind != "VIEW")
        plan = ivm.build_plan(sql, refs, cols, uses_now, dt.id)
    reg.plans[dt.fqn] = plan
    return plan


def _strip_order(sql: str) -> str:
    tree = sqlglot.parse_one(sql, read="duckdb")
    if isinstance(tree, exp.Select) and not tree.args.get("limit"):
        tree.set("order", None)
    return tree.sql("duckdb")
