"""Window functions inside another window function's arguments, as Snowflake allows them.

CONDITIONAL_TRUE_EVENT's condition may contain LAG and LEAD over the same window [DOC:
sql-reference/functions/conditional_true_event] (the page's sessionizing use:
``CONDITIONAL_TRUE_EVENT(ts - LAG(ts) OVER (...) > threshold) OVER (...)``), and
CONDITIONAL_CHANGE_EVENT(x) is defined as ``CONDITIONAL_TRUE_EVENT(x != LAG(x) OVER w) OVER w``
[DOC: sql-reference/functions/conditional_change_event]. DuckDB refuses any window call nested in
another ("window function calls cannot be nested"), so such a SELECT failed.

Here the inner window calls are computed one level down: the SELECT's single source (a table or a
subquery, keeping its name or alias so that ``t.col`` still resolves) and its WHERE become a
subquery that adds each inner call as a column, and the outer window reads that column. Rows,
partitions and order are the same on both levels, so each inner call sees exactly the rows it
would have seen in place.

[INFER] Only a SELECT that can be split that way is rewritten: one source, no joins, no GROUP BY,
HAVING or aggregate outside a window (an inner window over an aggregate would have to run above
the grouping). Any other SELECT with nested windows keeps DuckDB's error.
"""

from __future__ import annotations

from sqlglot import exp

NODES = (exp.Window,)
_PREFIX = "__CDCSIM_W"


def _own(node: exp.Expression, select: exp.Select) -> bool:
    """Does ``node`` belong to ``select`` itself (not to a subquery inside it)?"""
    return node.find_ancestor(exp.Select) is select


def _inner_windows(win: exp.Window) -> list[exp.Window]:
    """The window calls nested anywhere inside ``win`` (its arguments, partition or order),
    outermost first, not those of subqueries."""
    out: list[exp.Window] = []
    for node in win.walk():
        if node is win or not isinstance(node, exp.Window):
            continue
        if node.find_ancestor(exp.Select) is not win.find_ancestor(exp.Select):
            continue
        if any(node.find_ancestor(exp.Window) is w for w in out):
            continue  # inside an inner window already lifted with it
        out.append(node)
    return out


def _splittable(select: exp.Select) -> bool:
    if select.args.get("joins") or select.args.get("group") or select.args.get("having") \
            or select.args.get("laterals"):
        return False
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is None or not isinstance(from_.this, (exp.Table, exp.Subquery)):
        return False
    for agg in select.find_all(exp.AggFunc):
        if _own(agg, select) and agg.find_ancestor(exp.Window) is None:
            return False  # an aggregate query: its windows run above the grouping
    return True


def _split(select: exp.Select, outer: list[exp.Window]) -> None:
    from_ = select.args.get("from_") or select.args.get("from")
    source = from_.this
    alias = source.alias_or_name
    names: dict[str, str] = {}
    lifted: list[exp.Expression] = []
    for win in outer:
        for inner in _inner_windows(win):
            key = inner.sql()
            if key not in names:
                names[key] = f"{_PREFIX}{len(names)}"
                lifted.append(exp.alias_(inner.copy(), exp.to_identifier(names[key], quoted=True)))
            inner.replace(exp.column(exp.to_identifier(names[key], quoted=True),
                                     table=exp.to_identifier(alias, quoted=True)))
    below = exp.select(exp.Star(), *lifted).from_(source.copy())
    where = select.args.get("where")
    if where is not None:
        below.set("where", where.copy())
        select.set("where", None)
    from_.set("this", exp.Subquery(this=below, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True))))
    hidden = [exp.column(exp.to_identifier(n, quoted=True)) for n in names.values()]
    for proj in select.expressions:
        star = proj if isinstance(proj, exp.Star) else proj.this if isinstance(proj, exp.Column) \
            and isinstance(proj.this, exp.Star) else None
        if star is not None:  # the lifted columns are not the query's
            star.set("except_", (star.args.get("except_") or []) + [h.copy() for h in hidden])


def _outermost(win: exp.Window, select: exp.Select) -> bool:
    above = win.find_ancestor(exp.Window)
    return above is None or not _own(above, select)


def rewrite(tree: exp.Expression) -> None:
    for select in reversed(list(tree.find_all(exp.Select))):  # inner SELECTs first
        outer = [w for w in select.find_all(exp.Window) if _own(w, select) and _outermost(w, select)
                 and _inner_windows(w)]
        if outer and _splittable(select):
            _split(select, outer)
