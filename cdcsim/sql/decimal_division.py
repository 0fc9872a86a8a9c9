"""A NUMBER divided by a NUMBER, and the AVG or MEDIAN of a NUMBER, is a NUMBER, as in Snowflake.

Snowflake divides fixed-point numbers as fixed-point numbers: the quotient's scale is
``max(S1, min(S1 + 6, 12))`` for a numerator of scale ``S1`` [DOC:
sql-reference/operators-arithmetic, "Scale and precision in arithmetic operations"], so ``1/3`` is
``0.333333`` and ``SUM(amount) / COUNT(*)`` over NUMBER(12, 2) has 8 decimals; AVG of a NUMBER
does the same (the Snowpark AVG example shows ``1.666667`` for integers). DuckDB divides any two
numbers as DOUBLEs, so such a result came back as a ``float`` and a table or dynamic table built
from it got a FLOAT column (the seed's gold rates among them).

Which division is between fixed-point numbers, and each operand's scale, is told here from the
statement itself: literals (``100.0`` is NUMBER(4, 1); ``1e3`` is a FLOAT), columns (a table's
from the catalog through ``Context.column_types``; a CTE's or subquery's through the expression
that makes it), casts, arithmetic, aggregates, CASE / IFF / COALESCE. Columns are bound here
directly rather than through sqlglot's qualifier and type annotation, which doubled the
translation time of the seed's gold query (19 -> 39 ms). Such a division becomes integer arithmetic
on the operands' unscaled values (HUGEINT: ``a`` times 10^(S - S1 + S2), over ``b`` times 10^S2),
rounded half away from zero as Snowflake rounds (``2/3`` is ``0.666667``), then scaled back to a
DECIMAL(38, S): exact to the last digit. The scales told here follow DuckDB's own rules where they
agree with Snowflake's (sums, differences, products up to scale 12, ROUND, CASE), and each
operand is cast to the DECIMAL type it was told to have, so a wrong guess could only round an
operand, never shift its digits. ``AVG(x)`` becomes ``SUM(x)`` over ``NULLIF(COUNT(x), 0)`` the
same way (also as a window function and with DISTINCT), which the dynamic tables' incremental
plans keep as a SUM and a COUNT. The expression is written out rather than called as a macro:
DuckDB expands a macro's arguments at every use, and binding the expanded form cost a refresh of
the seed's gold more than the refresh itself.

CEIL(x, n) and FLOOR(x, n) of a NUMBER stay NUMBERs of min(S, n) decimals (sqlglot wrote them over
POWER(10, n), a DOUBLE, so ``CEIL(12.345, 1)`` came back as the float 12.4).

MEDIAN of a NUMBER of scale S has scale S + 3 (the Snowpark MEDIAN example shows ``3.000`` for
integers); DuckDB gave a DOUBLE for integers and kept scale S for a DECIMAL (``1.505`` came out
``1.50``). The input is cast to DECIMAL(38, S + 3), whose median DuckDB interpolates exactly.

A division by zero still fails (100051). Choices where the documentation is silent [INFER]: the
quotient is a DECIMAL(26 + S, S) (Snowflake's precision is L1 + S2 + S, at most 38): with 38 for
every quotient, DuckDB unified two of different scales (``COALESCE(a / 3, b / 7)``, a UNION) at
the smaller scale and rounded the other's digits away, and 26 integer digits leave room for any
scale up to 12. So DESCRIBE shows NUMBER(32, 6) for an integer quotient where Snowflake shows
NUMBER(38, 6), and a quotient of 10^26 or more overflows (100038) where Snowflake answers; a division whose operands this module cannot
type (a string, a VARIANT, a user function) stays DuckDB's DOUBLE division; a product of scale
above 12, an AVG inside PIVOT (DuckDB's PIVOT takes a single aggregate), and STDDEV, VARIANCE,
PERCENTILE_CONT and the like, are not rewritten. An operand whose unscaled value
times the needed power of ten passes 38 digits (about 10^32 for an integer over 6 decimals) fails
with a numeric overflow.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from sqlglot import exp

from . import catalog_types

NODES = (exp.Div, exp.Avg, exp.Median, exp.Ceil, exp.Floor)  # a statement without one of these has nothing here
# a node to write out: (its result's scale, a's, b's) for a division or AVG; (scale, 0, 0) for
# MEDIAN; (places, the input's scale, 0) for CEIL / FLOOR
TAG = "cdcsim_decimal"
FLOAT = -1  # the scale of a floating-point value
INTEGER_DIGITS = 26  # a quotient's integer digits (see the module's text)
_INTS = exp.DataType.INTEGER_TYPES | {exp.DataType.Type.BIT}
_FLOATS = exp.DataType.FLOAT_TYPES
_DECIMALS = {exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL, exp.DataType.Type.SMALLMONEY,
             exp.DataType.Type.MONEY}
# integer-valued whatever their arguments are
_INTEGER_CALLS = (exp.Count, exp.CountIf, exp.ApproxDistinct, exp.DateDiff, exp.Length, exp.Extract,
                  exp.RowNumber, exp.Rank, exp.DenseRank, exp.Ntile, exp.Year, exp.Month, exp.Day,
                  exp.DayOfWeek, exp.DayOfMonth, exp.DayOfYear, exp.WeekOfYear, exp.Quarter,
                  exp.ArraySize, exp.Sign)
# the scale of their (first) argument
_SAME_SCALE = (exp.Paren, exp.Neg, exp.Abs, exp.Sum, exp.Min, exp.Max, exp.AnyValue, exp.First,
               exp.Last, exp.Window, exp.Nullif)
_ROUNDING = (exp.Round, exp.Floor, exp.Ceil)


def quotient_scale(s: int) -> int:
    """The scale of a quotient (and of an AVG) whose numerator has scale ``s``."""
    return max(s, min(s + 6, 12))


def _literal_scale(lit: exp.Literal) -> int | None:
    text = lit.this
    if lit.is_string:
        return None
    if "e" in text.lower():
        return FLOAT
    return len(text.split(".", 1)[1]) if "." in text else 0


def _type_scale(dt: exp.DataType | None) -> int | None:
    if dt is None:
        return None
    if dt.this in _INTS:
        return 0
    if dt.this in _FLOATS:
        return FLOAT
    if dt.this in _DECIMALS:
        params = dt.expressions
        if len(params) >= 2:
            try:
                return int(params[1].name)
            except ValueError:
                return None
        return 0  # NUMBER alone is NUMBER(38, 0)
    return None


@lru_cache(maxsize=256)
def _text_scale(type_text: str) -> int | None:
    return _type_scale(catalog_types.sqlglot_type(type_text))


def _combine(scales: list[int | None]) -> int | None:
    """The scale of a value that is one of several (CASE, COALESCE): None if any is unknown."""
    if any(s is None for s in scales) or not scales:
        return None
    return FLOAT if FLOAT in scales else max(scales)  # type: ignore[type-var]


_MISSING = object()  # a source that does not have the column (as opposed to one whose type is unknown)


class _Scales:
    """Snowflake's scale of each numeric expression of one statement (None: not known).

    A column is found the way Snowflake binds it: in the FROM / JOIN sources of its SELECT (by
    qualifier, or the one source that has it), then in an enclosing SELECT (a correlated
    reference), then among the select list's aliases (Snowflake's lateral column alias). A table's
    column has its catalog type; a CTE's or subquery's column is the expression that makes it."""

    def __init__(self, tree: exp.Expression, resolve: catalog_types.Resolve,
                 column_types: catalog_types.ColumnTypes) -> None:
        self.memo: dict[int, int | None] = {}
        self.resolve, self.column_types = resolve, column_types
        self.ctes: dict[str, exp.Expression] = {}
        for cte in tree.find_all(exp.CTE):
            self.ctes.setdefault(cte.alias_or_name, cte.this)
        self.tables: dict[int, dict[str, str] | None] = {}

    def of(self, node: exp.Expression, depth: int = 0) -> int | None:
        key = id(node)
        if key not in self.memo:
            self.memo[key] = None  # a cycle (recursive CTE) is unknown
            self.memo[key] = self._of(node, depth) if depth < 64 else None
        return self.memo[key]

    def _column(self, col: exp.Column, depth: int) -> int | None:
        select = col.find_ancestor(exp.Select)
        while select is not None:
            found = self._in_sources(select, col, depth)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
            select = select.find_ancestor(exp.Select)
        return None

    def _in_sources(self, select: exp.Select, col: exp.Column, depth: int) -> object:
        sources = []
        frm = select.args.get("from_")
        if frm is not None:
            sources.append(frm.this)
        sources += [j.this for j in select.args.get("joins") or []]
        if col.table:
            sources = [src for src in sources if src.alias_or_name == col.table]
        hits = [f for f in (self._in_source(src, col.name, depth) for src in sources) if f is not _MISSING]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None  # ambiguous: DuckDB will say so
        if not col.table:
            for p in select.selects:  # a lateral column alias
                if isinstance(p, exp.Alias) and p.alias == col.name and col.find_ancestor(exp.Alias) is not p:
                    return self.of(p.this, depth + 1)
        return _MISSING

    def _in_source(self, src: exp.Expression, name: str, depth: int) -> object:
        if isinstance(src, exp.Table):
            if src.args.get("db") is None and src.name in self.ctes:
                return self._projected(self.ctes[src.name], name, depth)
            key = id(src)
            if key not in self.tables:
                qn = self.resolve(src)
                cols = self.column_types(qn) if qn is not None else None
                self.tables[key] = dict(cols) if cols else None
            cols = self.tables[key]
            if cols is None:
                return None  # a relation of unknown columns: it may have this one
            if name not in cols:
                return _MISSING
            return _text_scale(cols[name])
        if isinstance(src, exp.Subquery):
            return self._projected(src.this, name, depth)
        if isinstance(src, exp.Values):
            return self._values_column(src, name, depth)
        return None

    def _values_column(self, values: exp.Values, name: str, depth: int) -> object:
        """A column of a VALUES list (COLUMN1, COLUMN2, ... unless its alias names them): the scale
        its rows' expressions share."""
        rows = [r.expressions if isinstance(r, exp.Tuple) else [r] for r in values.expressions]
        alias = values.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else \
            [f"COLUMN{i + 1}" for i in range(len(rows[0]) if rows else 0)]
        if name not in names:
            return _MISSING
        i = names.index(name)
        return _combine([self.of(r[i], depth + 1) for r in rows if i < len(r)])

    def _projected(self, query: exp.Expression, name: str, depth: int) -> object:
        """The scale of column ``name`` of a CTE's or subquery's query (its first branch)."""
        while isinstance(query, exp.SetOperation):
            query = query.this
        if not isinstance(query, exp.Select):
            return None
        for p in query.selects:
            if isinstance(p, exp.Star) or isinstance(p, exp.Column) and isinstance(p.this, exp.Star):
                return None
            if p.alias_or_name == name:
                return self.of(p.this if isinstance(p, exp.Alias) else p, depth + 1)
        return _MISSING

    def _of(self, n: exp.Expression, depth: int) -> int | None:
        of: Callable[[exp.Expression], int | None] = lambda e: self.of(e, depth + 1)  # noqa: E731
        if isinstance(n, exp.Literal):
            return _literal_scale(n)
        if isinstance(n, exp.Null):
            return 0  # 1 / NULL is a NUMBER that is NULL (DIV0NULL(1, NULL) is 0.000000)
        if isinstance(n, exp.Column):
            return self._column(n, depth)
        if isinstance(n, (exp.Cast, exp.TryCast)):
            return _type_scale(n.to)
        if isinstance(n, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
            a, b = of(n.this), of(n.expression)
            if a is None or b is None:
                return None
            if FLOAT in (a, b):
                return FLOAT
            if isinstance(n, exp.Div):
                return quotient_scale(a)
            if isinstance(n, exp.Mul):
                # DuckDB keeps S1 + S2 where Snowflake caps it: beyond 12 they differ
                return a + b if a + b <= 12 else None
            return max(a, b)
        if isinstance(n, exp.Avg):
            s = of(n.this)
            return s if s in (None, FLOAT) else quotient_scale(s)  # type: ignore[arg-type]
        if isinstance(n, exp.Median):
            s = of(n.this)
            return s if s in (None, FLOAT) else s + 3  # type: ignore[operator]
        if isinstance(n, exp.Distinct):
            return of(n.expressions[0]) if len(n.expressions) == 1 else None
        if isinstance(n, _INTEGER_CALLS):
            return 0
        if isinstance(n, _SAME_SCALE):
            return of(n.this)
        if isinstance(n, _ROUNDING):
            s = of(n.this)
            if s in (None, FLOAT):
                return s
            if n.args.get("decimals") is None:
                return 0
            places = _places(n)
            return s if places is None else min(s, max(places, 0))  # type: ignore[type-var]
        if isinstance(n, (exp.Coalesce, exp.Greatest, exp.Least)):
            return _combine([of(n.this), *(of(e) for e in n.expressions)])
        if isinstance(n, exp.If):
            return _combine([of(e) for e in (n.args.get("true"), n.args.get("false")) if e is not None
                             and not isinstance(e, exp.Null)])
        if isinstance(n, exp.Case):
            outs = [i.args["true"] for i in n.args.get("ifs") or []]
            if n.args.get("default") is not None:
                outs.append(n.args["default"])
            return _combine([of(e) for e in outs if not isinstance(e, exp.Null)])
        if isinstance(n, exp.Subquery):
            q = n.this
            return of(q.selects[0]) if isinstance(q, exp.Select) and len(q.selects) == 1 else None
        if isinstance(n, exp.Alias):
            return of(n.this)
        return None


_HUGEINT = exp.DataType.build("HUGEINT", dialect="duckdb")
_NUMBER = exp.DataType.build("DECIMAL(38, 0)", dialect="duckdb")


def _ten_to(power: int) -> exp.Literal:
    """10^power as a literal: an integer, or a DECIMAL(-power + 1, -power) such as 0.001."""
    return exp.Literal.number(str(10 ** power) if power >= 0 else "0." + "0" * (-power - 1) + "1")


def _times(x: exp.Expression, power: int) -> exp.Expression:
    return exp.Mul(this=exp.Paren(this=x), expression=_ten_to(power)) if power else x


def _integer(x: exp.Expression, scale: int, power: int) -> exp.Expression:
    """x * 10^power as a HUGEINT, for ``x`` of ``scale`` <= ``power`` decimals: exact. An integer
    becomes a HUGEINT first (an INTEGER times 10^8 would overflow); a DECIMAL is scaled as one. An
    operand whose scale was told too low is rounded by the cast, never shifted."""
    if scale == 0:
        return _times(exp.Cast(this=x, to=_HUGEINT.copy()), power)
    return exp.Cast(this=_times(x, power), to=_HUGEINT.copy())


def _divide(a: exp.Expression, b: exp.Expression, scale: int, sa: int, sb: int) -> exp.Expression:
    """``a / b`` (scales ``sa``, ``sb``) as a DECIMAL(38, ``scale``), exactly: from the integers
    N = a * 10^(scale + sb) and Y = b * 10^sb, trunc((2N + sign(N)|Y|) / 2Y) is N / Y rounded half
    away from zero, as Snowflake rounds a quotient (DuckDB's // truncates). An integer division by
    zero fails with DuckDB's "Division by zero" (100051); over a NULL it is NULL. Each operand is
    written twice."""
    n, y = _integer(a, sa, scale + sb), _integer(b, sb, sb)
    two = lambda e: exp.Mul(this=exp.Literal.number(2), expression=e)  # noqa: E731
    num = exp.Add(this=two(n), expression=exp.Mul(this=exp.Sign(this=n.copy()), expression=exp.Abs(this=y)))
    q = exp.IntDiv(this=exp.Paren(this=num), expression=exp.Paren(this=two(y.copy())))
    value = exp.Mul(this=exp.Cast(this=q, to=_NUMBER.copy()), expression=_ten_to(-scale))
    # DECIMAL(26 + S, S), not (38, S): DuckDB unifies DECIMAL(38, 6) and DECIMAL(38, 8) (in CASE,
    # COALESCE, UNION) as DECIMAL(38, 6), rounding the other side's digits away
    return exp.Cast(this=value, to=exp.DataType.build(f"DECIMAL({min(38, INTEGER_DIGITS + scale)}, {scale})"))


def _places(node: exp.Expression) -> int | None:
    """ROUND / CEIL / FLOOR's literal places (``CEIL(x, -1)``), or None (none given, or not a literal)."""
    d = node.args.get("decimals")
    neg = isinstance(d, exp.Neg)
    lit = d.this if neg else d  # type: ignore[union-attr]
    if not (isinstance(lit, exp.Literal) and not lit.is_string and lit.name.isdigit()):
        return None
    return -int(lit.name) if neg else int(lit.name)


def _ceil_floor(node: exp.Ceil | exp.Floor, places: int, scale: int) -> exp.Expression:
    """CEIL(x, n) / FLOOR(x, n) of a NUMBER of ``scale`` decimals as a NUMBER of min(scale, n)
    decimals (sqlglot wrote it over POWER(10, n), a DOUBLE): the whole part of x * 10^n, times
    10^-n, in DECIMAL arithmetic."""
    if places >= scale:
        return node.this  # already on that grid
    whole = type(node)(this=_times(node.this, places))
    return exp.Paren(this=exp.Mul(this=exp.Cast(this=whole, to=_NUMBER.copy()), expression=_ten_to(-places)))


def _avg(node: exp.Avg, scale: int, sa: int) -> None:
    """AVG(x) [OVER (w)] becomes SUM(x) [OVER (w)] / NULLIF(COUNT(x) [OVER (w)], 0): NULL over no
    values, as AVG is."""
    total, count = exp.Sum(this=node.this.copy()), exp.Count(this=node.this.copy())
    target: exp.Expression = node
    if isinstance(node.parent, exp.Window) and node.parent.this is node:
        target = node.parent
        total_w, count_w = target.copy(), target.copy()
        total_w.set("this", total)
        count_w.set("this", count)
        total, count = total_w, count_w
    target.replace(_divide(total, exp.Nullif(this=count, expression=exp.Literal.number(0)), scale, sa, 0))


def _div0null_of_null(tree: exp.Expression) -> None:
    """sqlglot reads DIV0NULL(a, b) as ``IFF(b = 0 OR b IS NULL, 0, a / b)``, which is 0 for a NULL
    ``a`` too. [INFER] Snowflake gives NULL for a NULL dividend, as DIV0 does (sqlglot's DIV0 has the
    ``NOT a IS NULL`` test; a public test of DIV0NULL reports NULL over a NULL numerator)."""
    for node in list(tree.find_all(exp.If)):
        cond, false = node.this, node.args.get("false")
        if not (isinstance(cond, exp.Or) and isinstance(cond.this, exp.EQ) and isinstance(cond.expression, exp.Is)
                and isinstance(false, exp.Div) and isinstance(node.args.get("true"), exp.Literal)):
            continue
        b = false.expression
        if cond.this.this == b and cond.expression.this == b and isinstance(cond.expression.expression, exp.Null):
            node.set("this", exp.And(this=exp.Paren(this=cond.copy()),
                                     expression=exp.Not(this=exp.Is(this=false.this.copy(), expression=exp.Null()))))


def exact_divisions(tree: exp.Expression, resolve: catalog_types.Resolve,
                    column_types: catalog_types.ColumnTypes) -> bool:
    """Tag each division and AVG of fixed-point numbers in ``tree`` with its scales, for ``expand``
    (see the module's text); whether it tagged any."""
    # AVG ... FILTER / WITHIN GROUP (not Snowflake's) would put the clause on the quotient, and
    # DuckDB's PIVOT takes one aggregate, not an expression of two
    nodes = [n for n in tree.find_all(*NODES) if not isinstance(n, exp.Avg)
             or n.this is not None and not isinstance(n.parent, (exp.Filter, exp.WithinGroup))
             and n.find_ancestor(exp.Pivot) is None]
    if not nodes:
        return False
    _div0null_of_null(tree)
    typing = _Scales(tree, resolve, column_types)
    for node in nodes:
        if isinstance(node, (exp.Ceil, exp.Floor)):
            places, s = _places(node), typing.of(node.this)
            if places is not None and s is not None and s != FLOAT and node.args.get("to") is None:
                node.meta[TAG] = (places, s, 0)
            continue
        if isinstance(node, exp.Median):
            m = typing.of(node)
            if m is not None and m != FLOAT:
                node.meta[TAG] = (m, 0, 0)
            continue
        if isinstance(node, exp.Div):
            a, b = typing.of(node.this), typing.of(node.expression)
        else:
            a, b = typing.of(node.this), 0
        if a is None or b is None or FLOAT in (a, b):
            continue
        node.meta[TAG] = (quotient_scale(a), a, b)
    return any(TAG in n.meta for n in nodes)


def expand(tree: exp.Expression) -> None:
    """Write out the divisions and AVGs ``exact_divisions`` tagged. Translation calls it last: the
    written-out form repeats each operand, and the passes between would walk it all."""
    tagged = [n for n in tree.find_all(*NODES) if TAG in n.meta]
    # innermost first: an outer division's operands then hold the written-out inner ones
    for node in sorted(tagged, key=lambda n: -_depth(n)):
        scale, sa, sb = node.meta.pop(TAG)
        if isinstance(node, (exp.Ceil, exp.Floor)):
            node.replace(_ceil_floor(node, scale, sa))
            continue
        if isinstance(node, exp.Median):
            # DuckDB interpolates a DECIMAL's median exactly at its scale: 3 more digits than the
            # input's hold any midpoint (it needs one)
            node.set("this", exp.Cast(this=node.this, to=exp.DataType.build(f"DECIMAL(38, {scale})")))
            continue
        if isinstance(node, exp.Div):
            node.replace(_divide(node.this, node.expression, scale, sa, sb))
        else:
            _avg(node, scale, sa)


def _depth(node: exp.Expression) -> int:
    d = 0
    while node.parent is not None:
        node, d = node.parent, d + 1
    return d
