"""Incremental refresh planning: which query shapes refresh incrementally, the delta SQL, the reason.

Two separate questions are answered here.

1. **Does Snowflake refresh this query incrementally?** (``incremental_support``) — follows the
   reference's construct table (3.5, doc D5): LIMIT/TOP, EXCEPT/INTERSECT/MINUS, ROLLUP/CUBE/GROUPING
   SETS, WITH RECURSIVE, subqueries outside FROM, UNPIVOT, the current time/date in the SELECT list,
   other non-deterministic functions (RANDOM, UUID_STRING(), sequences) anywhere, outer joins with
   non-equality predicates, exact percentiles and non-FLATTEN lateral joins force FULL (AUTO) or
   fail the CREATE (INCREMENTAL, error 002711). The answer decides ``refresh_mode`` /
   ``refresh_mode_reason`` exactly as Snowflake reports them. What no refresh mode supports
   (ANY_VALUE, CURRENT_USER, SAMPLE) is asked first, by ``dynamic_table_support``: the CREATE fails.

2. **How do we compute the change here?** (``plan``) — the DuckDB SQL of a refresh, chosen from
   the most specific shape that matches. Every plan reads the *net deltas* of its inputs' change
   logs (with before-images), never a rescan for projection/filter:

   * ``LINEAR`` — projection/filter over one source, inner/cross joins of sources, UNION ALL of
     those. Delta rules: Δ(σπ T) = σπ(ΔT); Δ(L ⋈ R) = ΔL ⋈ R_old + L_new ⋈ ΔR (only terms whose
     input changed are evaluated). The signed rows are applied to the table as a multiset.
   * ``AGG_DELTA`` — GROUP BY (or scalar aggregates) over a LINEAR input with COUNT(*), COUNT(x),
     COUNT_IF, SUM, AVG, and the holistic COUNT(DISTINCT x), MIN(x), MAX(x). A hidden state table
     holds per group the row count and the sums / non-null counts; Δstate is aggregated from the
     signed input delta and merged (one MERGE); only the groups whose keys occur in the delta are
     rewritten (in place by one more MERGE when nothing reads the table's changes and it is
     narrow, else replaced by new rows); groups whose count reaches 0 vanish. A holistic aggregate cannot be updated from
     a signed delta alone: one multiplicity table per plan holds (group, aggregate, value, count),
     merged the same way, and the value is read from it when a group's row is written. [INFER] Its
     size is the number of distinct (group, value) pairs, up to the input's size for MIN/MAX over
     a unique column: memory traded for never rescanning the source.
   * ``AGG_RECOMPUTE`` — the same shape with other aggregates (SUM(DISTINCT), LISTAGG, ordered
     ones such as LISTAGG / ARRAY_AGG ... WITHIN GROUP (ORDER BY ..), ...): the affected group keys
     come from the delta and only those groups are recomputed from the source.
   * ``KEY`` — affected-key recomputation for windows partitioned by a key, equality outer joins,
     DISTINCT, GROUP BY over CTEs, and chains of those (the corrected movie pipeline's silver and
     gold). A key K qualifies when it is an output column, every source has a column K, every
     GROUP BY groups by K, every window partitions by K, every join equates K on both sides and
     every SELECT passes K through (``COALESCE(a.K, b.K)`` for a FULL join). Then the rows for a
     key value depend only on source rows with that value: delete the table's rows whose K is
     affected and insert the query evaluated over the sources restricted to the affected keys.
     The restriction is a plain ``K IN (keys)`` when no key is NULL, which DuckDB turns into a
     semi join whose key range prunes row groups by their zone maps: keys that arrive in order
     (booking ids) cost a scan of the recent row groups, not of the table. A CTE that is a
     GROUP BY K aggregate straight over the inputs is not re-aggregated: its AGG_DELTA state is
     kept and the affected keys' groups are read from it (gold's per-movie aggregates over silver).
   * ``DIFF`` — anything else Snowflake calls incremental (views as inputs, CURRENT_TIMESTAMP in
     WHERE, windows without a usable key): recompute and apply only the difference, so the table's
     own change log (read by downstream tables) carries a minimal delta. [INFER] Correct but costs
     a full evaluation; a time-dependent filter is re-evaluated on every refresh (never NO_DATA).

Each dynamic table's rows carry the hidden row id column; AGG plans set it to a 63-bit hash of
the group key so a group's row is found without the key being projected.

A delta carries only the input columns its plan reads (``delta_reads``): the key for a KEY plan,
the columns the query names for the others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from ..changes import RID
from ..names import META_SCHEMA, quote

SIGN = "__CDCSIM_SIGN"
KEY = "__CDCSIM_KEY"
QRID = quote(RID)

# ------------------------------------------------------------------ Snowflake's support table (3.5)
# The current time and date: allowed in WHERE / HAVING / QUALIFY, forcing FULL in the SELECT list.
_TIME_FUNCS = {"SYSDATE", "GETDATE", "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "SYSTIMESTAMP", "CURRENT_DATE",
               "CURRENT_TIME"}
# Other non-deterministic functions force FULL wherever they are: D5 allows in a filter only "the
# same expressions that are valid in SELECT", and sequence functions are "Not supported" outright.
_NONDET = {"RANDOM", "UUID_STRING", "RANDSTR", "SEQ1", "SEQ2", "SEQ4", "SEQ8", "NORMAL", "UNIFORM", "ZIPF"}
_CONTEXT = {"CURRENT_ACCOUNT", "CURRENT_REGION", "CURRENT_ROLE", "CURRENT_WAREHOUSE", "CURRENT_USER"}
_NOT_INCREMENTAL_FUNCS = {"PERCENTILE_CONT", "PERCENTILE_DISC", "MEDIAN", "ANY_VALUE"}
# D5 lists these as "Not supported" for full refresh too: no dynamic table can use them.
_NEVER_FUNCS = {"ANY_VALUE", "CURRENT_USER"}
_TIME_CLASSES = tuple(c for c in (getattr(exp, n, None) for n in (
    "CurrentTimestamp", "CurrentDate", "CurrentTime", "CurrentDatetime", "Localtimestamp", "CurrentTimestampLTZ"))
    if c is not None)


def _fname(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper()
    if isinstance(node, exp.Uuid):
        # sqlglot's name for it is UUID; only the no-argument form (a random version-4 UUID) is
        # non-deterministic: UUID_STRING(namespace, name) is a version-5 hash of its arguments
        return "UUID_STRING" if node.this is None and node.args.get("name") is None else "UUID_STRING_V5"
    if isinstance(node, exp.Func):
        return node.sql_name().upper()
    return ""


def dynamic_table_support(tree: exp.Expression) -> str | None:
    """None when the (normalised, Snowflake-dialect) query can define a dynamic table in some
    refresh mode, otherwise the construct D5 lists as "Not supported" for full refresh as well:
    ANY_VALUE ("a non-deterministic function"), functions relying on CURRENT_USER (a refresh runs
    as "a special SYSTEM user") and SAMPLE / TABLESAMPLE. CREATE fails for these whatever the
    REFRESH_MODE. (External functions, also in both columns, are not emulated.)"""
    for node in tree.walk():
        if isinstance(node, exp.TableSample):
            return "SAMPLE / TABLESAMPLE"
        name = _fname(node)
        if name in _NEVER_FUNCS:
            return f"function {name}"
    return None


def _select_of(node: exp.Expression) -> exp.Select | None:
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def incremental_support(tree: exp.Expression) -> str | None:
    """None when Snowflake refreshes the (normalised, Snowflake-dialect) query incrementally,
    otherwise the reason (the text SHOW DYNAMIC TABLES reports as refresh_mode_reason)."""
    # D5: "Selecting the flatten SEQ column from a lateral flatten join is not supported for
    # incremental refresh" (SEQ numbers the input rows of one query run). An unaliased LATERAL
    # FLATTEN is sqlglot's _FLATTENED, whose columns are named without a qualifier.
    flattens = {lat.alias_or_name.upper() for lat in tree.find_all(exp.Lateral)
                if "FLATTEN" in lat.sql("snowflake").upper()}
    for col in tree.find_all(exp.Column) if flattens else ():
        if col.name.upper() == "SEQ" and (col.table.upper() in flattens or not col.table and "_FLATTENED" in flattens):
            return "Unsupported query operator type: FLATTEN's SEQ column"
    for node in tree.walk():
        if isinstance(node, (exp.Limit, exp.Fetch)):
            return "Unsupported query operator type: Limit"
        if isinstance(node, exp.Except):
            return "Unsupported query operator type: SetOperation[EXCEPT]"
        if isinstance(node, exp.Intersect):
            return "Unsupported query operator type: SetOperation[INTERSECT]"
        if isinstance(node, (exp.Rollup, exp.Cube, exp.GroupingSets)):
            return "Unsupported query operator type: GroupingSets"
        if isinstance(node, exp.With) and node.args.get("recursive"):
            return "Unsupported query operator type: RecursiveCTE"
        if isinstance(node, exp.TableSample):
            return "Unsupported query operator type: Sample"
        if isinstance(node, exp.Lateral) and "FLATTEN" not in node.sql("snowflake").upper():
            return "Unsupported query operator type: LateralJoin"
        if isinstance(node, exp.Pivot) and node.args.get("unpivot"):
            return "Unsupported query operator type: Unpivot"
        if isinstance(node, exp.Select) and node is not tree:
            p = node.parent
            if isinstance(p, exp.Subquery):
                p = p.parent
            if not isinstance(p, (exp.From, exp.Join, exp.CTE, exp.Union)):
                return "Unsupported query operator type: Subquery (subqueries outside FROM)"
        name = _fname(node)
        if name in _CONTEXT:
            return f"Unsupported function for incremental refresh: {name}"
        if name in _NOT_INCREMENTAL_FUNCS:
            return f"Unsupported function for incremental refresh: {name}"
        if isinstance(node, exp.Rand) or name in _NONDET:
            return f"Non-deterministic function {'RANDOM' if isinstance(node, exp.Rand) else name}"
        if isinstance(node, exp.Join) and node.side and node.args.get("on") is not None:
            if not _equality_only(node.args["on"]):
                return "Unsupported query operator type: OuterJoin with non-equality predicate"
        if isinstance(node, exp.Select):
            for proj in node.expressions:
                for sub in proj.walk():
                    if isinstance(sub, _TIME_CLASSES) or _fname(sub) in _TIME_FUNCS:
                        fn = _fname(sub) or type(sub).__name__.upper()
                        return f"Non-deterministic function {fn} in the SELECT list"
    return None


def _equality_only(cond: exp.Expression) -> bool:
    if isinstance(cond, exp.And):
        return _equality_only(cond.left) and _equality_only(cond.right)
    if isinstance(cond, exp.Paren):
        return _equality_only(cond.this)
    return isinstance(cond, exp.EQ)


# ------------------------------------------------------------------ plans
@dataclass
class SourceRef:
    """An input relation of the query as it appears in the translated (DuckDB) SQL."""

    schema: str  # DuckDB schema, e.g. CDCSIM__PUBLIC
    name: str
    fqn: str
    columns: list[str]
    changing: bool = True  # has a change log (tables, dynamic tables); False for views


@dataclass
class Plan:
    kind: str  # LINEAR | AGG_DELTA | AGG_RECOMPUTE | KEY | DIFF
    columns: list[str]
    full_sql: str  # the query, output columns in order
    time_dependent: bool = False
    # LINEAR: fn(deltas, olds) -> SQL of signed rows (columns + SIGN)
    delta: Callable[[dict[str, str], dict[str, str]], str] | None = None
    # AGG_*: SQL builders
    input_delta: Callable[[dict[str, str], dict[str, str]], str] | None = None
    input_full: str = ""
    state_agg: Callable[[str], str] | None = None  # input SQL -> Δstate SQL (KEY + groups + states)
    state_cols: list[str] = field(default_factory=list)  # the summable state columns
    holistic: list[tuple[str, str, str]] = field(default_factory=list)  # (state col, input col, count|min|max)
    state_layout: list[str] = field(default_factory=list)  # the Δstate columns in order
    mult_sql: Callable[[str, str], str] | None = None  # (input SQL, count expr) -> multiplicity rows
    finalize: str = ""  # SELECT <outputs>, __RID FROM {state} WHERE ... (see ``rows``)
    finalize_flagged: str = ""  # the same for every group, with a last column: has it a row?
    having: bool = False  # AGG_DELTA: a HAVING clause decides which groups have a row
    recompute: Callable[[str | None], str] | None = None  # AGG_RECOMPUTE: key filter SQL -> rows + KEY
    key_expr: str = ""  # AGG_*: hash over the input's group columns (__G0, ...)
    # KEY
    key: str | None = None
    key_col: str = ""  # the dynamic table's column holding the key (a column list may rename it)
    # KEY: aggregate CTEs whose state is kept, each maintained by its own AGG_DELTA plan: (state id, plan)
    ctes: list[tuple[str, Plan]] = field(default_factory=list)
    restricted: Callable[[str], str] | None = None  # affected-keys SQL -> query over restricted sources
    reason: str = ""
    sql_cache: dict[tuple, str] = field(default_factory=dict)  # delta SQL per set of changed inputs
    # the input columns a refresh reads from the deltas (lower case; None: all), see ``delta_reads``
    reads: frozenset[str] | None = None
    state_checked: bool = False  # the hidden state tables were found (or built) once

    def cached(self, name: str, fn: Callable[[dict[str, str], dict[str, str]], str], signed: dict[str, str],
               olds: dict[str, str]) -> str:
        """``fn(signed, olds)``, memoised: the delta SQL depends only on which inputs changed (the
        temp-table names are deterministic), and building it walks sqlglot trees (~3 ms)."""
        key = (name, tuple(sorted(signed.items())), tuple(sorted(olds.items())))
        sql = self.sql_cache.get(key)
        if sql is None:
            sql = self.sql_cache[key] = fn(signed, olds)
        return sql

    def rows(self, state_id: int | str, filter_sql: str) -> str:
        """AGG_DELTA: the table's rows (outputs and row id) of the groups passing ``filter_sql``."""
        return self.finalize.format(state=state_table(state_id), mult=mult_table(state_id), filter=filter_sql)

    def rows_flagged(self, state_id: int | str, filter_sql: str) -> str:
        """AGG_DELTA: every group passing ``filter_sql`` as (outputs, row id, has a row): a group
        that is empty or fails HAVING has no row in the table."""
        return self.finalize_flagged.format(state=state_table(state_id), mult=mult_table(state_id),
                                            filter=filter_sql)

    def uses(self) -> str:
        return {"LINEAR": "delta rules over the inputs' net changes",
                "AGG_DELTA": "aggregate state merge over the affected groups",
                "AGG_RECOMPUTE": "recomputation of the affected groups",
                "KEY": f"recomputation of the affected {self.key} values",
                "DIFF": "full evaluation with a minimal difference applied"}[self.kind]


def _from(sel: exp.Select) -> exp.From | None:
    return sel.args.get("from_") or sel.args.get("from")


def _sources(sel: exp.Select) -> list[exp.Expression]:
    f = _from(sel)
    out = [f.this] if f is not None else []
    out += [j.this for j in sel.args.get("joins") or []]
    return out


def _table_key(t: exp.Table) -> tuple[str, str]:
    db = t.args.get("db")
    return (db.name if db is not None else "", t.name)


def _has_subselect(sel: exp.Select) -> bool:
    return any(n is not sel for n in sel.find_all(exp.Select))


def _is_linear(sel: exp.Expression, refs: dict[tuple[str, str], SourceRef]) -> bool:
    if not isinstance(sel, exp.Select) or _has_subselect(sel):
        return False
    for k in ("distinct", "group", "having", "qualify", "limit", "with_"):
        if sel.args.get(k):
            return False
    if sel.find(exp.Window) or any(p.find(exp.AggFunc) for p in sel.expressions):
        return False
    return _linear_from(sel, refs)


def _linear_from(sel: exp.Select, refs: dict[tuple[str, str], SourceRef]) -> bool:
    srcs = _sources(sel)
    if not srcs:
        return False
    for s in srcs:
        if not isinstance(s, exp.Table) or _table_key(s) not in refs or not refs[_table_key(s)].changing:
            return False
    for j in sel.args.get("joins") or []:
        if j.side or (j.kind and j.kind.upper() not in ("INNER", "CROSS")) or j.args.get("method"):
            return False
    return True


def _sub(sql: str, alias: str) -> exp.Expression:
    return exp.Subquery(this=exp.maybe_parse(sql, dialect="duckdb"),
                        alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))


def _alias_of(t: exp.Table) -> str:
    return t.alias_or_name


def _delta_terms(sel: exp.Select, refs: dict[tuple[str, str], SourceRef], deltas: dict[str, str],
                 olds: dict[str, str], sign_proj: bool = True) -> list[str]:
    """Delta-rule terms of a linear select: one term per changed source occurrence."""
    terms = []
    occ = _sources(sel)
    for i, t in enumerate(occ):
        ref = refs[_table_key(t)]
        if ref.fqn not in deltas:
            continue
        term = sel.copy()
        tocc = _sources(term)
        for j, tj in enumerate(tocc):
            rj = refs[_table_key(tj)]
            if j == i:
                tj.replace(_sub(deltas[rj.fqn], _alias_of(tj)))
            elif j > i and rj.fqn in olds:
                tj.replace(_sub(olds[rj.fqn], _alias_of(tj)))
        # The delta relation carries the sign in its row-id column (so `* EXCLUDE (rid)` in the
        # translated query hides it like the real row id).
        if sign_proj:
            term.append("expressions", exp.alias_(
                exp.column(RID, table=_alias_of(t), quoted=True), SIGN, quoted=True))
        term.set("order", None)
        terms.append(term.sql("duckdb"))
    return terms


def _union_branches(node: exp.Expression) -> list[exp.Expression] | None:
    if isinstance(node, exp.Union):
        if node.args.get("distinct"):
            return None
        left, right = _union_branches(node.this), _union_branches(node.expression)
        return None if left is None or right is None else left + right
    return [node]


def _output_names(sel: exp.Expression) -> list[str]:
    while isinstance(sel, exp.Union):
        sel = sel.this
    assert isinstance(sel, exp.Select)
    return [p.alias_or_name for p in sel.expressions]


def build_plan(duck_sql: str, refs: dict[tuple[str, str], SourceRef], columns: list[str],
               time_dependent: bool, dt_id: int = 0) -> Plan:
    """The refresh plan of an INCREMENTAL dynamic table (``duck_sql``: the translated query)."""
    import sqlglot

    tree = sqlglot.parse_one(duck_sql, read="duckdb")
    if isinstance(tree, exp.Select):
        tree.set("order", None)
    full_sql = tree.sql("duckdb")
    base = Plan("DIFF", columns, full_sql, time_dependent=time_dependent)
    if time_dependent or any(not r.changing for r in refs.values()):
        return base
    query = tree.copy()  # the builders below may rewrite the tree
    p: Plan | None = None
    branches = _union_branches(tree)
    if branches and all(_is_linear(b, refs) for b in branches):
        p = _linear_plan(base, branches, refs)
    elif isinstance(tree, exp.Select) and not tree.args.get("with_"):
        p = _agg_plan(base, tree, refs)
    if p is None:
        p = _key_plan(base, tree, refs, dt_id)
    if p is None:
        return base
    p.reads = delta_reads(query, p)
    return p


def delta_reads(tree: exp.Expression, plan: Plan) -> frozenset[str] | None:
    """The input columns (lower case) a refresh of ``plan`` reads from its inputs' deltas; None:
    all of them. A delta then carries only these, which is most of its cost for a wide input (the
    movie pipeline's gold reads 14 of silver's 23 columns).

    A KEY plan without kept aggregate CTEs reads only the key from a delta (the rows come from the
    sources, restricted to the affected keys). Any other plan reads what the query names: every
    identifier of the query, a superset that needs no scoping (an alias or a table name that is
    also an input column's name only keeps that column). A star, except COUNT(*), or a NATURAL
    join reads columns it does not name: then all. A delta that loses columns stays exact: an
    update of unread columns becomes an equal DELETE/INSERT pair, which a KEY plan turns into a
    recomputation of the row's key and every other plan cancels. So the delta must keep such
    pairs, also for a row with several events in the window (``changes.delta_sql`` with
    ``minimal=False``)."""
    if plan.kind == "KEY" and not plan.ctes and plan.key is not None:
        return frozenset({plan.key.lower()})
    for star in tree.find_all(exp.Star):
        if not isinstance(star.parent, exp.Count):
            return None
    if any(str(j.args.get("method") or "").upper() == "NATURAL" for j in tree.find_all(exp.Join)):
        return None
    return frozenset(i.name.lower() for i in tree.find_all(exp.Identifier))


def _linear_plan(base: Plan, branches: list[exp.Expression], refs: dict[tuple[str, str], SourceRef]) -> Plan:
    n = len(base.columns)
    names = ", ".join(f"col{i}" for i in range(n))

    def delta(deltas: dict[str, str], olds: dict[str, str]) -> str:
        terms: list[str] = []
        for b in branches:
            assert isinstance(b, exp.Select)
            terms += _delta_terms(b, refs, deltas, olds)
        if not terms:
            return f"SELECT * FROM (SELECT {', '.join(['NULL'] * n)}, 0 AS {SIGN}) WHERE FALSE"
        # positional: every term has the output columns followed by the sign
        body = " UNION ALL ".join(f"SELECT * FROM ({t})" for t in terms)
        return f"SELECT * FROM ({body}) AS _d({names}, {SIGN})"

    base.kind, base.delta = "LINEAR", delta
    return base


# ------------------------------------------------------------------ aggregation
_DECOMPOSABLE = (exp.Count, exp.Sum, exp.Avg, exp.CountIf)


def _aggs(nodes: list[exp.Expression]) -> list[exp.AggFunc]:
    out: dict[str, exp.AggFunc] = {}
    for n in nodes:
        for a in n.find_all(exp.AggFunc):
            if a.find_ancestor(exp.Window) is not None:
                continue
            out.setdefault(a.sql("duckdb"), a)
    return list(out.values())


def _decomposable(a: exp.AggFunc) -> bool:
    if not isinstance(a, _DECOMPOSABLE):
        return False
    if isinstance(a.this, (exp.Distinct, exp.Order)):
        return False
    return not (isinstance(a, (exp.Sum, exp.Avg)) and a.this is None)


def _agg_plan(base: Plan, sel: exp.Select, refs: dict[tuple[str, str], SourceRef]) -> Plan | None:
    if sel.find(exp.Window) or sel.args.get("distinct") or sel.args.get("qualify") or _has_subselect(sel):
        return None
    group = sel.args.get("group")
    if group is None and not _aggs(sel.expressions):
        return None
    if not _linear_from(sel, refs):
        return None
    if group is not None and (group.args.get("rollup") or group.args.get("cube") or group.args.get("grouping_sets")):
        return None
    projs = sel.expressions
    aliases = {p.alias: p.this for p in projs if isinstance(p, exp.Alias)}
    src_cols = {c for r in refs.values() for c in r.columns}
    gexprs: list[exp.Expression] = []
    for g in (group.expressions if group is not None else []):
        if isinstance(g, exp.Literal) and not g.is_string:
            p = projs[int(g.this) - 1]
            g = p.this if isinstance(p, exp.Alias) else p
        elif isinstance(g, exp.Column) and not g.table and g.name in aliases and g.name not in src_cols:
            g = aliases[g.name]
        gexprs.append(g.copy())
    having = sel.args.get("having")
    aggs = _aggs(list(projs) + ([having] if having is not None else []))
    if any(a.find(exp.AggFunc) is not a for a in aggs):  # nested aggregates
        return None
    gnames = [f"__G{i}" for i in range(len(gexprs))]
    key_expr = f"(hash({', '.join(gnames)}) >> 1)::BIGINT" if gnames else "0::BIGINT"

    # the input select: group expressions and aggregate arguments over the FROM/WHERE
    inp = sel.copy()
    for k in ("group", "having", "order", "limit", "distinct"):
        inp.set(k, None)
    inp_exprs: list[exp.Expression] = [exp.alias_(g.copy(), n, quoted=True) for g, n in zip(gexprs, gnames, strict=True)]
    arg_names: dict[str, str] = {}
    for i, a in enumerate(aggs):
        arg = a.this
        # An ordered aggregate (Snowflake's LISTAGG / ARRAY_AGG ... WITHIN GROUP (ORDER BY ..),
        # translated to DuckDB's ``agg(x ORDER BY y)``) carries its ordering around the value:
        # the input column is the value, never the ordered expression (not a valid select item).
        if isinstance(arg, exp.Order):
            arg = arg.this
        if isinstance(arg, exp.Distinct):
            arg = arg.expressions[0] if len(arg.expressions) == 1 else None
        if arg is not None and not isinstance(arg, exp.Star):
            arg_names[a.sql("duckdb")] = f"__A{i}"
            inp_exprs.append(exp.alias_(arg.copy(), f"__A{i}", quoted=True))
    if not inp_exprs:  # COUNT(*) alone: the input rows need some column
        inp_exprs.append(exp.alias_(exp.Literal.number(1), "__ONE", quoted=True))
    inp.set("expressions", inp_exprs)
    inp_sql = inp.sql("duckdb")

    def input_delta(deltas: dict[str, str], olds: dict[str, str]) -> str:
        terms = _delta_terms(inp, refs, deltas, olds)
        if not terms:
            return f"SELECT * FROM ({inp_sql}) AS _i, (SELECT 0 AS {SIGN}) WHERE FALSE"
        return " UNION ALL ".join(f"SELECT * FROM ({t})" for t in terms)

    base.input_delta = input_delta
    base.input_full = f"SELECT *, 1 AS {SIGN} FROM ({inp_sql}) AS _i"
    base.key_expr = key_expr
    q = lambda n: quote(n)  # noqa: E731

    if all(_decomposable(a) or _holistic(a) for a in aggs):
        # A grouped aggregate has at least one input row per group, so its sums are never NULL;
        # only a scalar aggregate over no rows needs the COALESCE (each node costs DuckDB binding
        # time, and the Δstate statement runs on every refresh).
        z = (lambda e: e) if gnames else (lambda e: f"coalesce({e}, 0)")  # noqa: E731
        state_exprs = [f"{z(f'sum({SIGN})')}::BIGINT AS __CNT"]
        state_cols = ["__CNT"]
        finals: dict[str, str] = {}
        holistic: list[tuple[str, str, str]] = []
        for a in aggs:
            key = a.sql("duckdb")
            an = arg_names.get(key)
            if isinstance(a, exp.Count) and an is None:
                finals[key] = "__CNT"
                continue
            fn = _holistic(a)
            if fn is not None:
                assert an is not None
                h = f"__H{len(holistic)}"
                holistic.append((h, an, fn))
                finals[key] = f"coalesce({h}, 0)" if fn == "count" else h
                continue
            c, s = f"{an}_C", f"{an}_S"
            if isinstance(a, exp.CountIf):
                state_exprs.append(f"{z(f'sum(CASE WHEN {q(an)} THEN {SIGN} ELSE 0 END)')}::BIGINT AS {c}")
                state_cols.append(c)
                finals[key] = c
                continue
            state_exprs.append(f"{z(f'sum(CASE WHEN {q(an)} IS NOT NULL THEN {SIGN} ELSE 0 END)')}::BIGINT AS {c}")
            state_cols.append(c)
            if isinstance(a, exp.Count):
                finals[key] = c
                continue
            state_exprs.append(f"coalesce(sum({q(an)} * {SIGN}), 0) AS {s}")  # NULL when all are NULL
            state_cols.append(s)
            finals[key] = (f"(CASE WHEN {c} = 0 THEN NULL ELSE {s} END)" if isinstance(a, exp.Sum)
                           else f"(CASE WHEN {c} = 0 THEN NULL ELSE {s} / {c} END)")
        gsel = ", ".join(q(n) for n in gnames)

        def state_agg(input_sql: str) -> str:
            grp = f" GROUP BY {gsel}" if gnames else ""
            return (f"SELECT {key_expr} AS {KEY}{', ' + gsel if gnames else ''}, "
                    f"{', '.join(state_exprs)} FROM ({input_sql}) AS _in{grp}")

        out_exprs = []
        for p in projs:
            e = _finalize_expr(p.this if isinstance(p, exp.Alias) else p, gexprs, gnames, finals)
            if e is None:
                return None
            out_exprs.append(e)
        hv = ""
        if having is not None:
            h = _finalize_expr(having.this, gexprs, gnames, finals)
            if h is None:
                return None
            hv = f" AND ({h})"
        # scalar aggregates keep their single row even when empty (COUNT(*) = 0)
        keep = "TRUE" if not gnames else "__CNT <> 0"
        base.kind = "AGG_DELTA"
        base.state_agg, base.state_cols, base.holistic = state_agg, state_cols, holistic
        base.state_layout = [KEY, *gnames, *state_cols]
        base.having = having is not None
        base.mult_sql = _mult_sql(key_expr, [an for _h, an, _f in holistic]) if holistic else None
        # holistic values come from the multiplicities of the group (one aggregate per plan)
        hol = ""
        if holistic:
            hs = ", ".join(f"{fn}(__V{j}) FILTER (WHERE __J = {j}) AS __H{j}" for j, (_h, _a, fn) in enumerate(holistic))
            hol = f" LEFT JOIN (SELECT {KEY} AS __HK, {hs} FROM {{mult}} GROUP BY {KEY}) AS _h ON _h.__HK = _st.{KEY}"
        base.finalize = f"SELECT {', '.join(out_exprs)}, __RID FROM {{state}} AS _st{hol} WHERE {keep}{hv} AND {{filter}}"
        base.finalize_flagged = (f"SELECT {', '.join(out_exprs)}, __RID, coalesce({keep}{hv}, FALSE) "
                                 f"FROM {{state}} AS _st{hol} WHERE {{filter}}")
        return base

    # MIN / MAX / COUNT(DISTINCT) / others: recompute the affected groups from the source
    rec = sel.copy()
    rec.set("order", None)
    hk_src = f"(hash({', '.join(g.sql('duckdb') for g in gexprs)}) >> 1)::BIGINT" if gexprs else "0::BIGINT"
    rec.append("expressions", exp.alias_(exp.maybe_parse(hk_src, dialect="duckdb"), KEY, quoted=True))

    def recompute(filter_sql: str | None) -> str:
        r = rec.copy()
        if filter_sql is not None:
            r.where(f"{hk_src} IN ({filter_sql})", dialect="duckdb", copy=False)
        return r.sql("duckdb")

    # Same filter (the keys temp table) every refresh: parse and render it once.
    recompute = functools.lru_cache(maxsize=4)(recompute)
    base.kind, base.recompute = "AGG_RECOMPUTE", recompute
    return base


# COUNT(DISTINCT x), MIN(x), MAX(x) cannot be updated from a signed delta alone: each keeps a
# multiplicity table (group key, value, count) and is recomputed over it for the affected groups.
def _mult_sql(key_expr: str, args: list[str]) -> Callable[[str, str], str]:
    """(input SQL, count expression) -> the input's multiplicity rows (KEY, __J, __V0.., __N)."""
    def sql(input_sql: str, count: str) -> str:
        parts = []
        for j, an in enumerate(args):
            vals = ", ".join(quote(a) if i == j else f"CASE WHEN FALSE THEN {quote(a)} END"
                             for i, a in enumerate(args))
            parts.append(f"SELECT {key_expr} AS {KEY}, {j} AS __J, {vals}, {SIGN} FROM ({input_sql}) AS _i "
                         f"WHERE {quote(an)} IS NOT NULL")
        vs = ", ".join(f"__V{j}" for j in range(len(args)))
        return (f"SELECT * FROM (SELECT {KEY}, __J, {vs}, {count}::BIGINT AS __N FROM "
                f"({' UNION ALL '.join(parts)}) AS _u({KEY}, __J, {vs}, {SIGN}) GROUP BY ALL) WHERE __N <> 0")
    return sql


def _holistic(a: exp.AggFunc) -> str | None:
    """'count' (COUNT(DISTINCT x)), 'min', 'max', or None."""
    arg = a.this
    if isinstance(arg, exp.Order):  # an ordered aggregate: recomputed (AGG_RECOMPUTE)
        return None
    distinct = isinstance(arg, exp.Distinct)
    if distinct and len(arg.expressions) != 1:
        return None
    if isinstance(a, exp.Count) and distinct:
        return "count"
    if isinstance(a, (exp.Min, exp.Max)) and arg is not None and not isinstance(arg, exp.Star):
        return "min" if isinstance(a, exp.Min) else "max"
    return None


def _finalize_expr(e: exp.Expression, gexprs: list[exp.Expression], gnames: list[str],
                   finals: dict[str, str]) -> str | None:
    gtext = {g.sql("duckdb"): n for g, n in zip(gexprs, gnames, strict=True)}
    gcols = {g.name: n for g, n in zip(gexprs, gnames, strict=True) if isinstance(g, exp.Column)}
    # only a node of a group expression's type can render as one: rendering every node of a wide
    # select's expressions is most of the cost of planning it
    gtypes = tuple({type(g) for g in gexprs} - {exp.Literal})
    e = e.copy()

    def fn(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.AggFunc):
            final = finals.get(node.sql("duckdb"))
            if final is not None:
                return _parsed(final).copy()
        if gtypes and isinstance(node, gtypes):
            n = gtext.get(node.sql("duckdb"))
            if n is not None:
                return exp.column(n, quoted=True)
        if isinstance(node, exp.Column) and node.name in gcols:
            return exp.column(gcols[node.name], quoted=True)
        return node

    e = e.transform(fn)
    allowed = set(gnames) | {"__CNT"} | {c for f in finals.values() for c in _idents(f)}
    for c in e.find_all(exp.Column):
        if c.name not in allowed:
            return None
    return e.sql("duckdb")


@functools.lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expression:
    """A finalizer's parsed expression (the same few repeat across a table's aggregates)."""
    return exp.maybe_parse(sql, dialect="duckdb")


def _idents(sql: str) -> set[str]:
    return set(re.findall(r"__A\d+_[CS]|__CNT|__H\d+", sql))


# ------------------------------------------------------------------ affected-key recomputation
def _selects(tree: exp.Expression) -> list[exp.Select]:
    return list(tree.find_all(exp.Select))


def _is_k(e: exp.Expression, k: str) -> bool:
    return isinstance(e, exp.Column) and e.name == k


def _key_ok(tree: exp.Expression, k: str, refs: dict[tuple[str, str], SourceRef]) -> bool:
    tables = [t for t in tree.find_all(exp.Table) if _table_key(t) in refs]
    if not tables or any(k not in refs[_table_key(t)].columns for t in tables):
        return False
    for sel in _selects(tree):
        srcs = _sources(sel)
        if not srcs:
            return False
        for s in srcs:
            if not isinstance(s, (exp.Table, exp.Subquery)):
                return False
        group = sel.args.get("group")
        if group is not None:
            if not any(_is_k(g, k) for g in group.expressions):
                return False
        elif _aggs(sel.expressions):
            return False
        for w in sel.find_all(exp.Window):
            if _select_of(w) is not sel:
                continue
            if not any(_is_k(p, k) for p in w.args.get("partition_by") or []):
                return False
        sides = set()
        for j in sel.args.get("joins") or []:
            on = j.args.get("on")
            using = j.args.get("using")
            if using:
                if not any(getattr(u, "name", None) == k for u in using):
                    return False
            elif on is None or not _joins_on_key(on, k):
                return False
            sides.add((j.side or "").upper())
        # K must flow through this select
        kp = [p for p in sel.expressions if p.alias_or_name == k]
        if not kp:
            if any(isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star))
                   for p in sel.expressions) and not sides:
                continue
            return False
        e = kp[0].this if isinstance(kp[0], exp.Alias) else kp[0]
        if _is_k(e, k):
            if "FULL" in sides or "RIGHT" in sides:
                return False
            first = srcs[0]
            if "LEFT" in sides and e.table and e.table != first.alias_or_name:
                return False
        elif isinstance(e, exp.Coalesce):
            parts = [e.this, *e.expressions]
            if not all(_is_k(x, k) for x in parts):
                return False
        else:
            return False
    return True


def _joins_on_key(on: exp.Expression, k: str) -> bool:
    if isinstance(on, exp.And):
        return _joins_on_key(on.left, k) or _joins_on_key(on.right, k)
    if isinstance(on, exp.Paren):
        return _joins_on_key(on.this, k)
    return isinstance(on, exp.EQ) and _is_k(on.left, k) and _is_k(on.right, k)


def nullsafe_in(col: str, keys_sql: str, has_null: bool = True) -> str:
    """``col`` is one of the keys (NULL matches NULL, as a partition or group does).

    The keys' range is stated as well: DuckDB prunes a scan by the semi join's keys on its own
    only for a few keys (an IN list) or numeric ones (min/max), and ``BETWEEN`` two scalar
    subqueries lets zone maps skip the row groups outside the range for any type (10M string
    keys, 1,000 recent ones: 139 ms -> 2.3 ms). Without a NULL key the plain ``IN`` is used (the OR
    form defeats pruning and costs ~30% more even without it)."""
    keys = f"(SELECT _k FROM ({keys_sql}) AS _a(_k))"
    found = (f"({col} IN {keys} AND {col} BETWEEN (SELECT min(_k) FROM {keys}) "
             f"AND (SELECT max(_k) FROM {keys}))")
    if not has_null:
        return found
    return (f"({found} OR ({col} IS NULL AND "
            f"EXISTS (SELECT 1 FROM ({keys_sql}) AS _b(_k) WHERE _k IS NULL)))")


def state_table(dt_id: int | str) -> str:
    """The hidden per-group state of an AGG_DELTA plan (``dt_id``: the table's id, or a CTE's)."""
    return f'{META_SCHEMA}."dt_state_{dt_id}"'


def mult_table(dt_id: int | str) -> str:
    """Multiplicities behind the holistic aggregates of an AGG_DELTA plan: one row per (group key,
    aggregate j, value) with the value's count; value j sits in column ``__Vj``, the others NULL."""
    return f'{META_SCHEMA}."dt_state_{dt_id}_m"'


def _agg_ctes(tree: exp.Expression, k: str, refs: dict[tuple[str, str], SourceRef],
              dt_id: int) -> list[tuple[str, str, str, Plan]]:
    """The CTEs of a KEY plan that are GROUP BY K aggregates straight over the inputs and have an
    AGG_DELTA plan: (CTE name, state id, the state's group column holding K, plan). Only their
    state is kept; a refresh reads the affected keys' groups from it, so an affected key costs a
    lookup of its group instead of re-aggregating every input row of that key (for the movie
    pipeline's gold: 8 movies touched by every batch would otherwise mean re-reading all of silver)."""
    with_ = tree.args.get("with_")
    out: list[tuple[str, str, str, Plan]] = []
    if with_ is None:
        return out
    for i, cte in enumerate(with_.expressions):
        body = cte.this
        if not isinstance(body, exp.Select) or body.args.get("with_"):
            continue
        group = body.args.get("group")
        gk = [j for j, g in enumerate(group.expressions) if _is_k(g, k)] if group is not None else []
        if not gk:
            continue
        names = _output_names(body)
        if k not in names or len(set(names)) != len(names):
            continue
        sub = _agg_plan(Plan("DIFF", names, body.sql("duckdb")), body.copy(), refs)
        if sub is None or sub.kind != "AGG_DELTA":
            continue
        out.append((cte.alias_or_name, f"{dt_id}_c{i}", quote(f"__G{gk[0]}"), sub))
    return out


def _key_plan(base: Plan, tree: exp.Expression, refs: dict[tuple[str, str], SourceRef], dt_id: int) -> Plan | None:
    names = _output_names(tree)
    found = [(i, k) for i, k in enumerate(names) if _key_ok(tree, k, refs)]
    if not found:
        return None
    idx, k = found[0]
    base.key_col = base.columns[idx]
    ctes = _agg_ctes(tree, k, refs, dt_id)
    kept = {name: (sid, gcol, sub) for name, sid, gcol, sub in ctes}

    def restricted(keys_sql: str, has_null: bool = True) -> str:
        t = tree.copy()
        for cte in t.find_all(exp.CTE):
            if cte.alias_or_name in kept:
                sid, gcol, sub = kept[cte.alias_or_name]
                cols = ", ".join(quote(c) for c in sub.columns)
                rows = sub.rows(sid, nullsafe_in(gcol, keys_sql, has_null))
                cte.set("this", exp.maybe_parse(f"SELECT {cols} FROM ({rows}) AS _f({cols}, _rid)", dialect="duckdb"))
        for tab in list(t.find_all(exp.Table)):
            if _table_key(tab) not in refs:
                continue
            alias = _alias_of(tab)
            plain = exp.Table(this=tab.this.copy(), db=tab.args["db"].copy() if tab.args.get("db") else None)
            sql = f"SELECT * FROM {plain.sql('duckdb')} WHERE {nullsafe_in(quote(k), keys_sql, has_null)}"
            tab.replace(_sub(sql, alias))
        return t.sql("duckdb")

    # The keys SQL is the same temp-table name every refresh: build the sqlglot rewrite once.
    restricted = functools.lru_cache(maxsize=4)(restricted)
    base.kind, base.key, base.restricted = "KEY", k, restricted
    base.ctes = [(sid, sub) for _n, sid, _g, sub in ctes]
    return base
