"""Date arithmetic on a DATE gives a DATE, as in Snowflake.

Snowflake's DATEADD (and its aliases TIMEADD, TIMESTAMPADD) of a DATE by a day or a larger part
gives a DATE, by a smaller part a TIMESTAMP_NTZ [DOC: sql-reference/functions/dateadd]; DATE_TRUNC
gives the type of its input [DOC: sql-reference/functions/date_trunc]; ADD_MONTHS too [DOC:
sql-reference/functions/add_months]. DuckDB's ``date + INTERVAL`` and ``date_trunc`` of a DATE give
a TIMESTAMP, so ``DATE_TRUNC('MONTH', order_date)`` showed ``2025-01-01 00:00:00`` and a table or
dynamic table made from it got a TIMESTAMP column. DATE_TRUNC of a TIME, which DuckDB has no form
of, is a TIME too.

Which argument is a DATE needs its type. A column's comes from the catalog
(``Context.column_types``: tables, views, temporary tables and streams, whose columns are their
source's); sqlglot's type annotation then types the expressions over them (``CURRENT_DATE()``,
``x::DATE``, ``TO_DATE(...)``, subquery and CTE columns). The annotation runs on a copy of the
statement (qualifying columns rewrites the tree), and the calls it finds to be on a DATE are cast
back to DATE in the statement itself. [INFER] A call whose argument's type cannot be told (a
column of a table function, an unknown name: the statement then fails in DuckDB anyway) keeps
DuckDB's type, as before.

The same holds for a DATE plus or minus an interval constant of days or larger parts
(``TO_DATE('2023-04-15') + INTERVAL '1 year'`` is the DATE 2024-04-15 [DOC: data-types-datetime,
"Interval examples"]; one of hours or smaller gives a TIMESTAMP_NTZ, as the page's complex interval
does), for TIMEADD (an alias of DATEADD [DOC: functions/timeadd]) and for TIME_SLICE, whose result
has its input's type [DOC: functions/time_slice] (the end of a DATE's slice came out a TIMESTAMP).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..errors import compilation_error
from ..names import QName
from . import catalog_types

_CALLS = (exp.DateAdd, exp.TimestampAdd, exp.TimeAdd, exp.DateTrunc, exp.TimestampTrunc, exp.AddMonths,
          exp.TimeSlice)
_ARITHMETIC = (exp.Add, exp.Sub)  # a date plus or minus an interval constant
NODES = (*_CALLS, exp.Interval)  # a statement without one of these has nothing here
# day or larger: DATEADD of a DATE stays a DATE (sqlglot's unit names, plural or not)
_DATE_PARTS = {"DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}
_MARK = "cdcsim_date_call"
_DATE = exp.DataType.Type.DATE
_TIME = exp.DataType.Type.TIME
_TRUNCS = (exp.DateTrunc, exp.TimestampTrunc)


def _keeps_date(call: exp.Expression) -> bool:
    if isinstance(call, (exp.DateAdd, exp.TimestampAdd, exp.TimeAdd)):
        unit = call.args.get("unit")
        name = (unit.name if unit is not None else "DAY").upper()
        return name.rstrip("S") in _DATE_PARTS
    if isinstance(call, _ARITHMETIC):
        # (date_functions wrote each interval constant as one increment of a named part)
        interval = call.expression
        unit = interval.args.get("unit") if isinstance(interval, exp.Interval) else None
        return isinstance(unit, exp.Var) and unit.name.upper().rstrip("S") in _DATE_PARTS
    return True  # DATE_TRUNC, ADD_MONTHS and TIME_SLICE give their input's type


def keep_dates(tree: exp.Expression, resolve: Callable[[exp.Table], QName | None],
               column_types: Callable[[QName], tuple[tuple[str, str], ...] | None]) -> None:
    """Cast each date-arithmetic call whose input is a DATE (and whose part keeps it one) back to
    DATE, and truncate a TIME as a TIME. ``resolve`` names a table of the statement (None for a CTE's name); ``column_types``
    gives a relation's ``(column, DuckDB type)`` pairs, or None when it does not know it."""
    calls = [c for c in tree.find_all(*_CALLS, *_ARITHMETIC) if _keeps_date(c)]
    if not calls:
        return
    typed: dict[int, exp.DataType.Type] = {}

    def visit(copy: exp.Expression) -> None:
        # inner calls first: a call on a call that becomes a DATE is on a DATE
        for node in reversed(list(copy.find_all(*_CALLS, *_ARITHMETIC, bfs=False))):
            i = node.meta.get(_MARK)
            if i is None:
                continue
            if node.this.is_type(_DATE):
                typed[i] = _DATE
                node.type = exp.DataType.build("DATE")
            elif node.this.is_type(_TIME) and isinstance(node, _TRUNCS):
                typed[i] = _TIME

    if not catalog_types.typed_copy(tree, calls, _MARK, resolve, column_types, visit):
        return
    for i, call in enumerate(calls):
        kind = typed.get(i)
        if kind is None:
            continue
        if kind == _TIME:
            unit = call.args.get("unit")
            if unit is not None and unit.name.upper().rstrip("S") in _DATE_PARTS:
                # [DOC: functions/date_trunc] "trying to truncate a TIME value to a day, week, year,
                # and so on causes an error" ([INFER] the words and code: the page gives neither)
                raise compilation_error(f"Invalid date part '{unit.name.upper()}' for DATE_TRUNC of a TIME: "
                                        "a TIME truncates to an hour or a smaller part.", 2000, "22023")
            # DuckDB truncates timestamps, not times: on a day of its own, then back to a time
            day = exp.cast(exp.Literal.string("1970-01-01"), exp.DataType.build("DATE"))
            call.set("this", exp.Add(this=day, expression=call.this))
        # the call itself moves under the cast (not a copy): a call inside it may be cast too
        cast = exp.Cast(to=exp.DataType.build(kind))
        call.replace(cast)
        cast.set("this", call)
