"""Streams on views: which views can have one, and the rows such a stream returns.

Snowflake [DOC S1: user-guide/streams-intro, "Streams on views"; reference 1.2-1.4]: a stream on
a view tracks the view's base tables (creating it turns change tracking on for each). The view may
use projections, filters, inner and cross joins and UNION ALL; it may not use GROUP BY, DISTINCT,
QUALIFY, LIMIT, window or aggregate functions, or subqueries outside FROM. For a join the delta is
"orders x Δcustomers + Δorders x customers + Δorders x Δcustomers". Non-deterministic functions in
the view are evaluated when the stream is read, not when the change was made.

How it works here. The view's query (its DuckDB text, nested views inlined) is rewritten once so
that every row it returns carries the row ids of the base rows it came from: one column per
occurrence of a base table in the query (``__CDCSIM_R<k>``), NULL in the UNION ALL branches that
do not read it. Those ids are the view row's identity, as the row id is a table row's. Between two
statement numbers ``lo`` and ``hi`` the stream then applies the table rule (``changes``) to view
rows: the view rows derived from a base row with an event in the window are computed as of ``lo``
and as of ``hi`` (one restricted copy of the query per occurrence, which is the documented
Δorders x customers + orders x Δcustomers), and matched by identity. A row at both ends with other
values is a DELETE and an INSERT, both ISUPDATE; a row at one end only is a DELETE or an INSERT; a
row whose values are the same at both ends yields nothing.

Choices where Snowflake is silent, each [INFER]:
* ISUPDATE is TRUE only for a view row that exists at both ends. An UPDATE of a base row that
  moves it into (out of) the view's filter is an INSERT (DELETE) with ISUPDATE FALSE, and an
  UPDATE of a column the view does not show yields nothing: the stream is the net change of the
  view's rows, as a table stream is of the table's.
* APPEND_ONLY: the view rows that involve a base row inserted in the window, computed over the
  inserted rows as they were inserted and the other inputs' rows as of ``lo`` or inserted since.
  Over one table that is the table's append-only rows that pass the view.
* METADATA$ROW_ID is a hash of the view's definition and the row's identity, the same for every
  stream on the view ("A stream on a view of that table is not guaranteed to match" the table
  stream's ids [DOC S1]).
* SHOW_INITIAL_ROWS returns the view's rows at the end of the first window.
* Dropping the view or replacing it with another definition makes the stream stale, as dropping
  or recreating a base table does [DOC S1]; the stream keeps the definition it was created on.
  Renaming the view does not ("Renaming the source does not break the stream" [DOC S1]).
* A view with VALUES or a table function in FROM, an outer, semi or anti join, UNION without
  ALL or WITH RECURSIVE cannot have a stream: CREATE STREAM fails and names the construct. A WITH
  clause's queries are inlined where they are named.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from . import changes
from .errors import ProgrammingError, compilation_error
from .names import QName, quote, split_duck_schema

if TYPE_CHECKING:
    from .catalog import StreamInfo
    from .session import Session

OCC = "__CDCSIM_OCC_"  # placeholder relation for occurrence k of a base table
RCOL = "__CDCSIM_R"  # the row id of occurrence k's base row


@dataclass(frozen=True)
class ViewPlan:
    template: str  # the rewritten view: its columns, then RCOL<k> for each occurrence, in order
    columns: tuple[str, ...]
    occurrences: tuple[QName, ...]  # the base table of occurrence k at index k - 1

    @property
    def bases(self) -> list[QName]:
        seen: list[QName] = []
        for q in self.occurrences:
            if q not in seen:
                seen.append(q)
        return seen

    def fill(self, source: Callable[[int, QName], str]) -> str:
        """The query with each occurrence replaced by ``source(k, table)``: a relation with the
        table's user columns and its row id named ``__CDCSIM_RID``."""
        sql = self.template
        for k, table in enumerate(self.occurrences, 1):
            rel = (f"(SELECT * EXCLUDE ({changes.QRID}), {changes.QRID} AS {quote(RCOL + str(k))} "
                   f"FROM {source(k, table)} AS _o{k})")
            sql = sql.replace(quote(OCC + str(k)), rel)
        return sql


def unsupported(view: QName, what: str) -> ProgrammingError:
    return compilation_error(
        f"Change tracking is not supported on view '{view.fqn}': it uses {what}. A stream on a view may "
        "use projections, filters, inner and cross joins and UNION ALL over tables and views.", 2_000, "0A000")


def view_text(con: duckdb.DuckDBPyConnection, view: QName) -> str | None:
    """The view's definition as DuckDB keeps it (None: no such view)."""
    row = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                      [view.duck_schema, view.name]).fetchone()
    return row[0] if row else None


def plan(s: Session, view: QName, text: str) -> ViewPlan:
    """Rewrite the view ``text`` (its DuckDB definition) to carry row ids, or fail saying why it
    cannot have a stream."""
    cache = s.engine.state.setdefault("view_plans", {})
    key = (view.fqn, text, s.engine.catalog.version)
    hit = cache.get(key)
    if hit is not None:
        return hit
    tree = _parse(view, text)
    occ: list[QName] = []
    names = _rewrite(s, tree, view, view, occ, {view.fqn})
    if not occ:
        raise unsupported(view, "no table")
    cols = [r[0] for r in s.duck.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [view.duck_schema, view.name]).fetchall()]
    aliases = ", ".join(quote(c) for c in cols + names)
    result = ViewPlan(f"(SELECT * FROM ({tree.sql('duckdb')}) AS _q({aliases}))", tuple(cols), tuple(occ))
    if len(cache) > 64:
        cache.clear()
    cache[key] = result
    return result


def _parse(view: QName, text: str) -> exp.Expression:
    tree = sqlglot.parse_one(text, read="duckdb")
    if isinstance(tree, exp.Create):
        tree = tree.expression
    if tree is None:
        raise unsupported(view, "a definition cdcsim cannot read")
    return tree


def _rewrite(s: Session, node: exp.Expression, view: QName, scope: QName, occ: list[QName],
             seen: set[str]) -> list[str]:
    """Make ``node`` (a query) return its base rows' ids after its own columns; returns their
    column names. ``scope``: the view whose text this is (unqualified names are in its schema)."""
    if isinstance(node, exp.Subquery):
        return _rewrite(s, node.this, view, scope, occ, seen)
    _inline_ctes(node, view)
    if isinstance(node, exp.Union):
        if node.args.get("distinct"):
            raise unsupported(view, "UNION without ALL")
        left = _rewrite(s, node.this, view, scope, occ, seen)
        right = _rewrite(s, node.expression, view, scope, occ, seen)
        _pad(node.this, [], right)
        _pad(node.expression, left, [])
        return left + right
    if not isinstance(node, exp.Select):
        raise unsupported(view, node.key.upper())
    _check(node, view)
    node.set("order", None)
    from_ = node.args.get("from_")
    if from_ is None:
        return []  # constant rows never change
    _lift_joins(node, from_)
    visible: list[tuple[str, list[str]]] = []
    sources = [from_] + list(node.args.get("joins") or [])
    for holder in sources:
        if isinstance(holder, exp.Join):
            side, kind = (holder.args.get("side") or "").upper(), (holder.args.get("kind") or "").upper()
            if side or kind not in ("", "INNER", "CROSS"):
                raise unsupported(view, f"a {' '.join(x for x in (side, kind) if x)} JOIN")
        src = holder.this
        alias = src.alias_or_name
        if isinstance(src, exp.Table) and isinstance(src.this, exp.Func) or isinstance(src, exp.Lateral):
            raise unsupported(view, "a table function in FROM")
        if isinstance(src, exp.Table) and src.name:
            names = _table(s, holder, src, view, scope, occ, seen)
        elif isinstance(src, exp.Subquery):
            names = _rewrite(s, src.this, view, scope, occ, seen)
            if not names:
                raise unsupported(view, "a subquery in FROM that reads no table")
        else:
            raise unsupported(view, f"{src.key.upper()} in FROM")
        visible.append((alias, names))
    every = [n for _a, ns in visible for n in ns]
    for e in node.expressions:
        star = e if isinstance(e, exp.Star) else e.this if isinstance(e, exp.Column) and e.is_star else None
        if star is None:
            continue
        hide = every if isinstance(e, exp.Star) else next((ns for a, ns in visible if a == e.table), [])
        # the occurrences expose their row id as RCOL<k> only: a view over a table with row ids
        # already excludes __CDCSIM_RID, which is no longer there to exclude
        kept = [c for c in star.args.get("except_") or [] if c.name.upper() != changes.RID]
        kept += [exp.column(n, quoted=True) for n in hide]
        star.set("except_", kept or None)
    for alias, ns in visible:
        for n in ns:
            node.append("expressions", exp.alias_(exp.column(n, table=alias, quoted=True), n, quoted=True))
    return every


def _inline_ctes(node: exp.Expression, view: QName) -> None:
    """Replace each reference to a WITH clause's query by the query itself (a subquery), so the
    row ids can be carried through it as through any subquery in FROM."""
    with_ = node.args.get("with_")
    if with_ is None:
        return
    if with_.args.get("recursive"):
        raise unsupported(view, "WITH RECURSIVE")
    ctes = {c.alias_or_name.upper(): c.this for c in with_.expressions}
    node.set("with_", None)
    for _ in range(len(ctes) + 1):  # a query may name an earlier one: inline again until none is left
        refs = [t for t in node.find_all(exp.Table) if t.args.get("db") is None and t.name.upper() in ctes]
        if not refs:
            return
        for t in refs:
            alias = t.args.get("alias") or exp.TableAlias(this=exp.to_identifier(t.name, quoted=True))
            # (DuckDB keeps ``FROM (X JOIN U ...)`` with the joins on X's node: they move along)
            t.replace(exp.Subquery(this=ctes[t.name.upper()].copy(), alias=alias, joins=t.args.get("joins")))
    raise unsupported(view, "a WITH clause that refers to itself")


def _lift_joins(node: exp.Select, from_: exp.From) -> None:
    """DuckDB keeps a view's joins as one parenthesised relation, ``FROM (T INNER JOIN U ON ...)``:
    make them the SELECT's own joins (the same query for inner and cross joins)."""
    lifted: list[exp.Expression] = []
    src = from_.this
    while isinstance(src, exp.Subquery) and not src.alias and isinstance(src.this, (exp.Table, exp.Subquery)) \
            and src.this.args.get("joins"):
        inner = src.this
        lifted = list(inner.args["joins"]) + lifted
        inner.set("joins", None)
        src = inner
    if lifted:
        from_.set("this", src)
        node.set("joins", lifted + list(node.args.get("joins") or []))


def _table(s: Session, holder: exp.Expression, src: exp.Table, view: QName, scope: QName, occ: list[QName],
           seen: set[str]) -> list[str]:
    db = src.args.get("db")
    parts = split_duck_schema(db.name) if db is not None else (scope.database, scope.schema)
    if parts is None:
        raise unsupported(view, f"table '{src.sql('duckdb')}'")
    qn = QName(parts[0], parts[1], src.name)
    kind = s.relation_kind(qn)
    alias = src.args.get("alias") or exp.TableAlias(this=exp.to_identifier(src.name, quoted=True))
    if kind == "VIEW":
        if qn.fqn in seen:
            raise unsupported(view, f"view '{qn.fqn}' inside itself")
        inner = _parse(qn, view_text(s.duck, qn) or "")
        names = _rewrite(s, inner, view, qn, occ, seen | {qn.fqn})
        holder.set("this", exp.Subquery(this=inner, alias=alias))
        return names
    if kind != "TABLE":
        raise unsupported(view, f"'{qn.fqn}', which is not a table")
    occ.append(qn)
    k = len(occ)
    holder.set("this", exp.Table(this=exp.to_identifier(OCC + str(k), quoted=True), alias=alias))
    return [RCOL + str(k)]


def _check(node: exp.Select, view: QName) -> None:
    for arg, what in (("distinct", "DISTINCT"), ("group", "GROUP BY"), ("having", "HAVING"),
                      ("qualify", "QUALIFY"), ("limit", "LIMIT"), ("offset", "OFFSET"), ("laterals", "LATERAL"),
                      ("pivots", "PIVOT"), ("sample", "SAMPLE"), ("windows", "WINDOW")):
        if node.args.get(arg):
            raise unsupported(view, what)
    parts = list(node.expressions) + [node.args.get("where")] + [j.args.get("on") for j in node.args.get("joins") or []]
    for part in parts:
        if part is None:
            continue
        if part.find(exp.Window):
            raise unsupported(view, "a window function")
        if part.find(exp.AggFunc):
            raise unsupported(view, "an aggregate function")
        if part.find(exp.Subquery, exp.Exists) or any(isinstance(q, exp.Select) for q in part.find_all(exp.Select)):
            raise unsupported(view, "a subquery outside FROM")


def _pad(node: exp.Expression, before: list[str], after: list[str]) -> None:
    """Give every SELECT of a UNION ALL side NULL row ids for the other side's occurrences, so
    both sides list the same id columns in the same order."""
    if isinstance(node, exp.Subquery):
        _pad(node.this, before, after)
    elif isinstance(node, exp.Union):
        _pad(node.this, before, after)
        _pad(node.expression, before, after)
    elif isinstance(node, exp.Select):
        exprs = list(node.expressions)
        at = next((i for i, e in enumerate(exprs) if e.alias_or_name.startswith(RCOL)), len(exprs))

        def null(n: str) -> exp.Expression:
            return exp.alias_(exp.cast(exp.null(), "BIGINT"), n, quoted=True)

        node.set("expressions", exprs[:at] + [null(n) for n in before] + exprs[at:] + [null(n) for n in after])


# ---------------------------------------------------------------------------------------- reading
def stale_reason(s: Session, info: StreamInfo) -> str | None:
    """Why the view stream cannot be read, or None."""
    tracked = set(s.engine.catalog.tracked.values())
    if info.stale or any(i not in tracked for i in info.base_ids):
        return "a base table of view '{view}' was dropped or replaced"
    view = QName(*info.table_fqn.split(".", 2))
    now = view_text(s.duck, view)
    if now is None or definition(now) != definition(info.view_sql or ""):
        return "view '{view}' was dropped or replaced"
    return None


def definition(text: str) -> str:
    """A view's text without its name (``CREATE VIEW <name> AS ``): what a rename leaves as it was."""
    return re.sub(r"^\s*CREATE\s+VIEW\s+.*?\s+AS\s+", "", text, count=1, flags=re.I | re.S)


def window_end(con: duckdb.DuckDBPyConnection, ids: list[int], lo: int, cap: int | None) -> int:
    cap_sql = f" AND _stmt <= {int(cap)}" if cap is not None else ""
    parts = " UNION ALL ".join(f"SELECT max(_stmt) AS m FROM {changes.log_table(i)} WHERE _stmt > {int(lo)}{cap_sql}"
                               for i in ids)
    hi = con.execute(f"SELECT max(m) FROM ({parts})").fetchone()[0]
    return int(hi) if hi is not None else int(lo)


def rows_sql(s: Session, info: StreamInfo, lo: int, hi: int, *, append_only: bool, initial: bool) -> str:
    """The stream's rows for the window ``(lo, hi]``: the view's columns, METADATA$ACTION,
    METADATA$ISUPDATE and METADATA$ROW_ID."""
    view = QName(*info.table_fqn.split(".", 2))
    p = plan(s, view, info.view_sql or "")
    ids = {q: s.engine.catalog.tracked[q.fqn] for q in p.bases}
    cols = {q: s.table_columns(q) for q in p.bases}
    flags = s.duck.execute("SELECT " + ", ".join(
        f"EXISTS (SELECT 1 FROM {changes.log_table(i)} WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)}), "
        f"EXISTS (SELECT 1 FROM {changes.log_table(i)} WHERE _stmt > {int(hi)})" for i in ids.values())).fetchone()
    changed = {q: bool(flags[2 * n]) for n, q in enumerate(ids)}
    later = {q: bool(flags[2 * n + 1]) for n, q in enumerate(ids)}

    def at_hi(_k: int, q: QName) -> str:
        if later[q]:
            return changes.state_at_sql(q, ids[q], cols[q], hi)
        return f"(SELECT {_names(cols[q])}, {changes.QRID} FROM {q.duck})"

    def at_lo(_k: int, q: QName) -> str:
        return changes.state_at_sql(q, ids[q], cols[q], lo)

    def touched(q: QName) -> str:
        return (f"(SELECT DISTINCT {changes.QRID} FROM {changes.log_table(ids[q])} "
                f"WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)})")

    names = _names_of(p.columns)
    key = _key(len(p.occurrences))
    if initial:
        body = (f"SELECT {names}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {key} AS _k "
                f"FROM {p.fill(at_hi)} AS _v")
    elif append_only:
        def inserted(q: QName) -> str:
            return changes.inserted_sql(ids[q], cols[q], lo, hi, q)

        def appended(_k: int, q: QName) -> str:
            return f"(SELECT * FROM {at_lo(_k, q)} UNION ALL SELECT * FROM {inserted(q)})"

        rows = _affected(p, changed, appended, lambda _k, q: inserted(q))
        body = (f"SELECT {names}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {key} AS _k "
                f"FROM ({rows}) AS _v")
    else:
        old = _affected(p, changed, at_lo, lambda _k, q: changes.state_at_sql(q, ids[q], cols[q], lo, touched(q)))
        new = _affected(p, changed, at_hi, lambda _k, q: changes.state_at_sql(q, ids[q], cols[q], hi, touched(q)))
        differs = f"row({_names_of(p.columns, '_o')}) IS DISTINCT FROM row({_names_of(p.columns, '_n')})"
        body = f"""WITH _o AS (SELECT *, {key} AS _k FROM ({old}) AS _x), _n AS (SELECT *, {key} AS _k FROM ({new}) AS _y)
SELECT {_names_of(p.columns, '_o')}, 'DELETE' AS "METADATA$ACTION", _n._k IS NOT NULL AS "METADATA$ISUPDATE", _o._k
FROM _o LEFT JOIN _n ON _n._k = _o._k WHERE _n._k IS NULL OR {differs}
UNION ALL
SELECT {_names_of(p.columns, '_n')}, 'INSERT', _o._k IS NOT NULL, _n._k
FROM _n LEFT JOIN _o ON _o._k = _n._k WHERE _o._k IS NULL OR {differs}"""
    # the same ids for every stream on the view, under any name it is renamed to
    prefix = hashlib.sha1(definition(info.view_sql or "").encode()).hexdigest()[:16]
    return (f"SELECT {names}, \"METADATA$ACTION\", \"METADATA$ISUPDATE\", "
            f"sha1('{prefix}:' || CAST(_k AS VARCHAR)) AS \"METADATA$ROW_ID\" FROM ({body}) AS _s")


def _affected(p: ViewPlan, changed: dict[QName, bool], full: Callable[[int, QName], str],
              restricted: Callable[[int, QName], str]) -> str:
    """The view's rows that involve a changed row of some occurrence: for each occurrence whose
    table changed, the query over that occurrence's changed rows and the others' full rows."""
    variants = []
    for k, q in enumerate(p.occurrences, 1):
        if not changed[q]:
            continue
        sql = p.fill(lambda j, t, k=k: restricted(j, t) if j == k else full(j, t))
        variants.append(f"SELECT * FROM {sql} AS _v{k} WHERE {quote(RCOL + str(k))} IS NOT NULL")
    if not variants:
        return f"SELECT * FROM {p.fill(full)} AS _v WHERE FALSE"
    return " UNION ".join(variants)


def _key(n: int) -> str:
    if n == 1:
        return quote(RCOL + "1")
    return "concat_ws(':', " + ", ".join(f"coalesce(CAST({quote(RCOL + str(k))} AS VARCHAR), '')"
                                          for k in range(1, n + 1)) + ")"


def _names(cols: list[changes.Column]) -> str:
    return ", ".join(quote(c.name) for c in cols)


def _names_of(cols: tuple[str, ...], alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return ", ".join(p + quote(c) for c in cols)
