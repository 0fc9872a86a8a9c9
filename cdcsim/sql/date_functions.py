"""Snowflake's date & time and conversion functions where sqlglot's DuckDB form differs from the
documented examples [DOC: sql-reference/functions-date-time, sql-reference/functions-conversion,
sql-reference/data-types-datetime].

``rewrite`` runs on the statement as parsed (before ``date_types`` types date arithmetic);
``text_arguments`` runs once VALUES columns have their Snowflake names (it needs their types).

* Interval constants [DOC: data-types-datetime, "Interval constants"]: ``INTERVAL '1 day, 1 year'``
  lists increments that are added (or subtracted) in the order written, so ``d + INTERVAL '1 day,
  1 year'`` becomes ``d + INTERVAL 1 DAY + INTERVAL 1 YEAR`` (on 2019-02-28: 2020-03-01, and
  2020-02-29 the other way round); every documented abbreviation of a part is read (``'2 y, 3
  mm'``, ``'5 w'``, ``'7 h'``, ``'9 m'`` is minutes), and a number without a part is seconds.
  DuckDB refused the list ("Numeric value '1 day, 1 year' is not recognized") and ``'1 mon'``.
  [INFER] Nanoseconds are truncated to microseconds (DuckDB's precision); a list that is not the
  right operand of ``+`` / ``-`` is the sum of its increments.
* ``DATEADD`` / ``TIMEADD`` / ``TIMESTAMPADD`` of a string constant: sqlglot cast the text to a
  DATE, so ``DATEADD(hour, 2, '2022-05-08 10:00:00')`` lost its time of day. [INFER] The text is
  read as a TIMESTAMP_NTZ, Snowflake's reading of text where a timestamp is expected.
* ``NEXT_DAY`` / ``PREVIOUS_DAY``: the day is named by the first two letters of the string; leading
  spaces and anything after the two letters are ignored [DOC: functions/next_day]. The page's own
  example (``'Friday '``) failed as an unknown function.
* Formats: ``'AUTO'`` is the default format (``TO_DATE('2024-05-10', 'AUTO')`` failed); ``HH`` is
  an hour (``TO_TIMESTAMP('2024.10.02 04:00:00', 'YYYY.MM.DD HH:MI:SS')``, the TO_DATE page's
  example, failed; TO_CHAR wrote "HH"). [INFER] ``HH`` is ``HH24``, or ``HH12`` in a format with
  AM / PM.
* ``TIME('13:30:00')`` (TO_TIME's alias) came out as invalid DuckDB.
* ``TIMESTAMP_FROM_PARTS`` / ``TIMESTAMP_NTZ_FROM_PARTS`` carry values out of range into the next
  unit, as DATE_FROM_PARTS and TIME_FROM_PARTS do (``(2013, 4, 5, 12, 0, -3600)`` is 11:00).
* ``TO_TIMESTAMP[_NTZ](n, scale)`` of a non-integer ``n`` (the page's ``40 * 365.25 * 86400 * 1000 +
  456, 3``) failed in DuckDB's ``epoch_ms``. [INFER] Rounded to the microsecond.
* ``EXTRACT`` / ``DATE_PART`` of ``epoch_second`` (and ``epoch``, ``epoch_seconds``) is a whole
  number, as are the millisecond, microsecond and nanosecond forms: the epoch of the second (the
  millisecond, ...) the instant falls in. DuckDB rounded (``...20.623`` gave ``...21``) and ``epoch_seconds`` /
  ``epoch`` came out as a FLOAT. [INFER] Before 1970 the value is floored, not truncated.
* ``MONTHS_BETWEEN`` counts the time of day in the fraction of a month (31 days), except when the
  days of the month are equal or both the last day of their month [DOC: functions/months_between]:
  ``('2019-03-01 02:00', '2019-02-15 01:00')`` is 0.549731; sqlglot dropped the times.
* ``TO_DATE`` / ``TO_TIME`` of a string of digits read it as seconds (or milli-, micro-,
  nanoseconds, by magnitude) since the epoch, as TO_TIMESTAMP does [DOC: functions/to_date]:
  ``TO_DATE('31536000')`` is 1971-01-01. A constant failed as an unknown function, a column with
  "Date '31536000' is not recognized".
* ``CONVERT_TIMEZONE(tz, '<text with a spaced offset>')``: the text is read as Snowflake writes it
  (sql/timestamp_literals.py); the rewrite that casts it comes after that module's pass.
* ``DATEDIFF`` / ``DATEADD`` of text (a VARCHAR column, a VALUES column): DuckDB has no such
  signature ("No function matches ... date_diff(STRING_LITERAL, VARCHAR, VARCHAR)"); the text is
  read as a TIMESTAMP_NTZ, as a constant already was. Which argument is text needs the statement
  typed (catalog_types), which costs about as much as the rest of its translation: it is skipped
  when every such argument is a column that no table of the statement has as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlglot import exp

from . import catalog_types, timestamp_literals
from .duck_templates import fill

# a statement without one of these has nothing for ``rewrite``
NODES = (exp.Interval, exp.DateAdd, exp.TimeAdd, exp.TimestampAdd, exp.NextDay, exp.PreviousDay,
         exp.StrToTime, exp.StrToDate, exp.TsOrDsToDate, exp.TsOrDsToTime, exp.TimeToStr, exp.Time,
         exp.TimestampFromParts, exp.UnixToTime, exp.Extract, exp.MonthsBetween, exp.Anonymous,
         exp.ConvertTimezone)
# ... and for ``text_arguments``
TEXT_NODES = (exp.DateDiff, exp.DateAdd, exp.TimeAdd, exp.TimestampAdd, exp.TsOrDsToDate, exp.TsOrDsToTime)

# Snowflake's names of the parts of an interval constant [DOC: data-types-datetime, "Supported date
# and time parts for intervals"], as DuckDB's part (nanoseconds are counted as microseconds)
_PARTS: dict[str, str] = {}
for _unit, _names in {
    "YEAR": "y yy yyy yyyy yr year years yrs",
    "QUARTER": "q qtr qtrs quarter quarters",
    "MONTH": "mm mon mons month months",
    "WEEK": "w wk week weekofyear woy wy weeks",
    "DAY": "d dd day days dayofmonth",
    "HOUR": "h hh hr hour hours hrs",
    "MINUTE": "m mi min minute minutes mins",
    "SECOND": "s sec second seconds secs",
    "MILLISECOND": "ms msec millisecond milliseconds",
    "MICROSECOND": "us usec microsecond microseconds",
    "NANOSECOND": "ns nsec nanosec nsecond nanosecond nanoseconds nanosecs nseconds",
}.items():
    for _name in _names.split():
        _PARTS[_name] = _unit
_INCREMENT = re.compile(r"\s*([+-]?\d+)\s*([A-Za-z_]*)\s*")
_DAYS = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
_BARE_HH = re.compile(r"(?<![%A-Za-z])HH(?!\d)", re.IGNORECASE)
_DIGITS = r"\s*-?[0-9]+\s*"
_TO_DATE_NAMES = {"TO_DATE": "TO_TIMESTAMP", "DATE": "TO_TIMESTAMP", "TRY_TO_DATE": "TRY_TO_TIMESTAMP"}
_EPOCH_PARTS = {"EPOCH": 1_000_000, "EPOCH_SECOND": 1_000_000, "EPOCH_SECONDS": 1_000_000,
                "EPOCH_MILLISECOND": 1000, "EPOCH_MILLISECONDS": 1000,
                "EPOCH_MICROSECOND": 1, "EPOCH_MICROSECONDS": 1,
                "EPOCH_NANOSECOND": 0, "EPOCH_NANOSECONDS": 0}
_NAIVE = {None, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ}
_TEXT = exp.DataType.TEXT_TYPES
_MARK = "cdcsim_text_argument"
# what may be text: a column, or an expression that may give text (a constant is read already)
_MAYBE_TEXT = (exp.Column, exp.Anonymous, exp.Case, exp.If, exp.Coalesce, exp.Paren, exp.Subquery, exp.Bracket,
               exp.JSONExtract, exp.JSONExtractScalar, exp.Concat, exp.DPipe, exp.Substring, exp.Nullif, exp.Dot)
# the fraction of a month counts days and the time of day over 31 days, unless the days of the
# month are equal or both the last of their month [DOC: functions/months_between]
_MONTHS_BETWEEN = (
    "date_diff('month', CAST(__B AS DATE), CAST(__A AS DATE)) + CASE "
    "WHEN day(CAST(__A AS DATE)) = day(CAST(__B AS DATE)) "
    "OR (CAST(__A AS DATE) = last_day(CAST(__A AS DATE)) AND CAST(__B AS DATE) = last_day(CAST(__B AS DATE))) "
    "THEN 0 ELSE (day(CAST(__A AS DATE)) - day(CAST(__B AS DATE)) "
    "+ (epoch(CAST(__A AS TIMESTAMP)) - epoch(CAST(CAST(__A AS DATE) AS TIMESTAMP)) "
    "- epoch(CAST(__B AS TIMESTAMP)) + epoch(CAST(CAST(__B AS DATE) AS TIMESTAMP))) / 86400e0) / 31e0 END")


def _increments(node: exp.Interval) -> list[tuple[int, str]] | None:
    """The (amount, DuckDB part) increments of an interval constant in order, or None when it is
    not one (an expression, a span, text that is not a list of increments)."""
    value, unit = node.this, node.args.get("unit")
    if not (isinstance(value, exp.Literal) and value.is_string) or not (unit is None or isinstance(unit, exp.Var)):
        return None
    text = value.name if unit is None else f"{value.name} {unit.name}"
    out = []
    for piece in text.split(","):
        m = _INCREMENT.fullmatch(piece)
        if m is None:
            return None
        part = _PARTS.get(m.group(2).lower()) if m.group(2) else "SECOND"
        if part is None:
            return None
        n = int(m.group(1))
        if part == "NANOSECOND":  # DuckDB's intervals hold microseconds
            n, part = (abs(n) // 1000) * (1 if n >= 0 else -1), "MICROSECOND"
        out.append((n, part))
    return out or None


def _interval(n: int, part: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(str(n)), unit=exp.var(part))


def _intervals(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.Interval)):
        parts = _increments(node)
        if parts is None:
            continue
        parent = node.parent
        if len(parts) > 1 and isinstance(parent, (exp.Add, exp.Sub)) and parent.expression is node:
            # one increment after the other, in the order written
            out: exp.Expression = parent.this
            for n, part in parts:
                out = type(parent)(this=out, expression=_interval(n, part))
            parent.replace(exp.Paren(this=out))
            continue
        total: exp.Expression = _interval(*parts[0])
        for n, part in parts[1:]:
            total = exp.Add(this=total, expression=_interval(n, part))
        node.replace(exp.Paren(this=total) if len(parts) > 1 else total)


def _timestamp(node: exp.Expression) -> exp.Expression:
    return exp.cast(node, exp.DataType.build("TIMESTAMP"))


def _fix_format(node: exp.Expression) -> None:
    """'AUTO' is no format at all (where text is read); a bare ``HH`` (which sqlglot leaves as
    text) is an hour."""
    fmt = node.args.get("format")
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return
    if fmt.name.strip().upper() == "AUTO" and not isinstance(node, exp.TimeToStr):
        if isinstance(node, exp.StrToTime):
            target = node.args.get("target_type")
            kind = target.this if isinstance(target, exp.DataType) else None
            name = {exp.DataType.Type.TIMESTAMPLTZ: "TO_TIMESTAMP_LTZ",
                    exp.DataType.Type.TIMESTAMPTZ: "TO_TIMESTAMP_TZ"}.get(kind, "TO_TIMESTAMP_NTZ")  # type: ignore[arg-type]
            if node.args.get("safe"):
                name = "TRY_" + name
            node.replace(exp.Anonymous(this=name, expressions=[node.this]))
        elif isinstance(node, exp.StrToDate):  # (which has no form without a format)
            node.replace(exp.TsOrDsToDate(this=node.this, safe=node.args.get("safe")))
        else:
            node.set("format", None)
        return
    fixed = hour_format(fmt.name)
    if fixed != fmt.name:
        node.set("format", exp.Literal.string(fixed))


def hour_format(strftime: str) -> str:
    """A strftime format converted from Snowflake's with a bare ``HH`` (no 12 / 24) made an hour:
    ``%I`` beside an AM / PM, else ``%H``."""
    if "HH" not in strftime.upper():
        return strftime
    return _BARE_HH.sub("%I" if "%p" in strftime else "%H", strftime)


def _timestamp_from_parts(node: exp.TimestampFromParts) -> None:
    args = node.args
    if any(args.get(k) is None for k in ("year", "month", "day", "hour", "min", "sec")) or args.get("zone"):
        return
    day = exp.DateFromParts(year=args["year"], month=args["month"], day=args["day"], allow_overflow=True)
    seconds = fill("(CAST(__H AS BIGINT) * 3600 + CAST(__MI AS BIGINT) * 60 + CAST(__S AS BIGINT)) * 1000000",
                   H=args["hour"], MI=args["min"], S=args["sec"])
    nano = args.get("nano")
    if nano is not None:
        seconds = exp.Add(this=seconds, expression=exp.IntDiv(this=exp.cast(nano, exp.DataType.build("BIGINT")),
                                                              expression=exp.Literal.number(1000)))
    node.replace(exp.Paren(this=exp.Add(this=_timestamp(day), expression=exp.Interval(
        this=exp.Paren(this=seconds), unit=exp.var("MICROSECOND")))))


def _scaled_epoch(node: exp.UnixToTime) -> None:
    scale, target = node.args.get("scale"), node.args.get("target_type")
    if not (isinstance(scale, exp.Literal) and not scale.is_string and scale.name in ("3", "6", "9")):
        return
    if (target.this if isinstance(target, exp.DataType) else None) not in _NAIVE:
        return
    factor = exp.Literal.number(str(Decimal(10) ** (6 - int(scale.name))))
    # (a DECIMAL: an INTEGER argument would overflow, a DOUBLE lose the nanoseconds' microseconds)
    value = exp.cast(node.this, exp.DataType.build("DECIMAL(38, 9)"))
    micros = exp.func("round", exp.Mul(this=value, expression=factor))
    node.replace(exp.func("make_timestamp", exp.cast(micros, exp.DataType.build("BIGINT"))))


def _epoch(node: exp.Extract) -> None:
    per = _EPOCH_PARTS.get(node.this.name.upper()) if node.this is not None else None
    if per is None:
        return
    value = node.expression
    if isinstance(value, exp.Literal) and value.is_string:
        value = _timestamp(value)
    micros = exp.func("epoch_us", value)
    if per == 0:
        out: exp.Expression = exp.Mul(this=micros, expression=exp.Literal.number(1000))
    elif per == 1:
        out = micros
    else:
        out = exp.cast(exp.func("floor", exp.Div(this=micros, expression=exp.Literal.number(f"{per}e0"))),
                       exp.DataType.build("BIGINT"))
    node.replace(out)


def _next_day(node: exp.NextDay | exp.PreviousDay) -> None:
    dow = node.expression
    if isinstance(dow, exp.Literal) and dow.is_string:
        two = dow.name.lstrip()[:2].upper()
        if two in _DAYS:
            node.set("expression", exp.Literal.string(two))
    elif dow is not None:
        node.set("expression", exp.func("ltrim", dow))


def _to_date_digits(node: exp.Anonymous) -> None:
    name, args = str(node.this).upper(), node.expressions
    if name in _TO_DATE_NAMES and len(args) == 1 and isinstance(args[0], exp.Literal) and args[0].is_string \
            and re.fullmatch(_DIGITS, args[0].name):
        # read as TO_TIMESTAMP reads it (translate's pass for that comes later)
        node.replace(exp.cast(exp.Anonymous(this=_TO_DATE_NAMES[name], expressions=[args[0]]),
                              exp.DataType.build("DATE")))


def _date_add_text(node: exp.DateAdd | exp.TimeAdd | exp.TimestampAdd) -> None:
    if isinstance(node.this, exp.Literal) and node.this.is_string:
        node.set("this", _timestamp(node.this))


def _time(node: exp.Time) -> None:
    if node.this is not None and not node.expressions:
        node.replace(exp.TsOrDsToTime(this=node.this))


def _months_between(node: exp.MonthsBetween) -> None:
    if node.this is not None and node.expression is not None:
        node.replace(exp.Paren(this=fill(_MONTHS_BETWEEN, A=node.this, B=node.expression)))


def _convert_timezone(node: exp.ConvertTimezone) -> None:
    ts = node.args.get("timestamp")
    if isinstance(ts, exp.Literal) and ts.is_string:
        timestamp_literals.unspace(ts)


# in this order: a call whose arguments another rewrite copies (MONTHS_BETWEEN) comes after the
# rewrites of what may be inside them
_REWRITES: tuple[tuple[type[exp.Expression], Callable[[Any], None]], ...] = (
    (exp.DateAdd, _date_add_text), (exp.TimeAdd, _date_add_text), (exp.TimestampAdd, _date_add_text),
    (exp.NextDay, _next_day), (exp.PreviousDay, _next_day),
    (exp.StrToTime, _fix_format), (exp.StrToDate, _fix_format), (exp.TsOrDsToDate, _fix_format),
    (exp.TsOrDsToTime, _fix_format), (exp.TimeToStr, _fix_format), (exp.Time, _time), (exp.TimestampFromParts, _timestamp_from_parts),
    (exp.UnixToTime, _scaled_epoch), (exp.Extract, _epoch), (exp.Anonymous, _to_date_digits),
    (exp.ConvertTimezone, _convert_timezone), (exp.MonthsBetween, _months_between),
)


def rewrite(tree: exp.Expression) -> None:
    """The rewrites that need no types (see the module's text)."""
    _intervals(tree)
    found: dict[type, list[exp.Expression]] = {}
    for node in tree.walk():
        found.setdefault(type(node), []).append(node)
    for kind, fix in _REWRITES:
        for node in found.get(kind, ()):
            fix(node)


def text_arguments(tree: exp.Expression, resolve: catalog_types.Resolve,
                   column_types: catalog_types.ColumnTypes) -> None:
    """DATEDIFF / DATEADD of text read it as a TIMESTAMP_NTZ; TO_DATE / TO_TIME of text read a
    string of digits as time since the epoch (see the module's text). Which argument is text needs
    its type (catalog_types); one whose type cannot be told is left as it is."""
    calls: list[exp.Expression] = []
    for node in tree.find_all(*TEXT_NODES):
        if isinstance(node, (exp.TsOrDsToDate, exp.TsOrDsToTime)) and node.args.get("format") is not None:
            continue
        if any(_maybe_text(node.args.get(k)) for k in _keys(node)):
            calls.append(node)
    if not calls or not _could_be_text(tree, calls, resolve, column_types):
        return
    text: dict[int, list[str]] = {}

    def visit(copy: exp.Expression) -> None:
        for node in copy.find_all(*TEXT_NODES):
            i = node.meta.get(_MARK)
            if i is None:
                continue
            text[i] = [k for k in _keys(node)
                       if (a := node.args.get(k)) is not None and a.type is not None and a.type.this in _TEXT]

    if not catalog_types.typed_copy(tree, calls, _MARK, resolve, column_types, visit):
        return
    for i, call in enumerate(calls):
        for key in text.get(i, ()):
            arg = call.args[key]
            if not _maybe_text(arg):
                continue
            if isinstance(call, (exp.TsOrDsToDate, exp.TsOrDsToTime)):
                to = "DATE" if isinstance(call, exp.TsOrDsToDate) else "TIME"
                name = "TRY_TO_TIMESTAMP" if call.args.get("safe") else "TO_TIMESTAMP"
                epoch = exp.cast(exp.Anonymous(this=name, expressions=[arg.copy()]), exp.DataType.build(to))
                digits = exp.func("regexp_full_match", arg.copy(), exp.Literal.string(_DIGITS))
                case = exp.Case(ifs=[exp.If(this=digits, true=epoch)])
                call.replace(case)
                case.set("default", call)
            else:
                arg.replace(_timestamp(arg.copy()))


def _keys(call: exp.Expression) -> tuple[str, ...]:
    """The arguments of ``call`` that take a date or time: DATEDIFF's two, the others' first."""
    return ("this", "expression") if isinstance(call, exp.DateDiff) else ("this",)


def _maybe_text(arg: exp.Expression | None) -> bool:
    """Could this argument be text that needs reading? (A constant is read by sqlglot already, and
    a date or time function gives no text.)"""
    return isinstance(arg, _MAYBE_TEXT)


def _could_be_text(tree: exp.Expression, calls: list[exp.Expression], resolve: catalog_types.Resolve,
                   column_types: catalog_types.ColumnTypes) -> bool:
    """Whether typing the statement could find a text argument. Typing costs about as much as the
    rest of the translation, and the common case is a date or timestamp column of a table: when
    every argument is a column and no table of the statement has a text column of that name (and
    no VALUES, CTE or subquery makes columns of its own), there is none."""
    names = set()
    for call in calls:
        for key in _keys(call):
            arg = call.args.get(key)
            if not _maybe_text(arg):
                continue
            if not isinstance(arg, exp.Column):
                return True
            names.add(arg.name.upper())
    if tree.find(exp.Values, exp.CTE, exp.Subquery) is not None:
        return True
    for table in tree.find_all(exp.Table):
        qn = resolve(table)
        cols = column_types(qn) if qn is not None else None
        if cols is None:
            return True
        if any(name.upper() in names and kind.upper().startswith(("VARCHAR", "TEXT", "CHAR")) for name, kind in cols):
            return True
    return False
