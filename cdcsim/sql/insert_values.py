"""What Snowflake checks in an ``INSERT ... VALUES`` list [DOC: sql-reference/sql/insert].

* A semi-structured or structured value cannot be written in a VALUES clause ("``... VALUES
  (ARRAY_CONSTRUCT(1, 2, 3))``"; the page's way out is ``INSERT ... SELECT``). DuckDB accepts it,
  so a program tested here would fail on Snowflake. [INFER] The error is Snowflake's as users
  report it, ``002014 (22000): SQL compilation error: Invalid expression [<value>] in VALUES
  clause``; a value counts as semi-structured when its outermost expression makes one (PARSE_JSON,
  ARRAY_CONSTRUCT, OBJECT_CONSTRUCT, TO_VARIANT / TO_ARRAY / TO_OBJECT, ``[..]`` / ``{..}``
  literals, a cast to VARIANT / OBJECT / ARRAY); ``TO_VARCHAR(PARSE_JSON(..))`` is a VARCHAR and
  passes.
* In a multi-row VALUES list "the data type of the first row is used as a guide": ``VALUES (3),
  ('d')`` into a VARCHAR column fails with ``100038 (22018): DML operation to table
  DEMO_INSERT_TYPE_MISMATCH failed on column V with error: Numeric value 'd' is not recognized``,
  while ``(3), (4)`` and ``('three'), ('four')`` go in. DuckDB finds VARCHAR for the column and
  takes both. [INFER] Only a column whose first row is a number literal is checked: a later string
  literal there must read as a number, and then goes in as written (the page shows no value that
  converts); a first row of text takes anything, as VARCHAR does.

The check of a string is made when the statement runs (DuckDB's ``error()``), so the statement's
literals appear in its SQL more than once and the template cache (template.py) never renders one
such statement from another's translation. A single-row INSERT pays one type test here.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..errors import compilation_error

_SEMI_STRUCTURED_NODES: tuple[type[exp.Expression], ...] = (
    exp.ParseJSON, exp.Array, exp.Struct, exp.ToVariant, exp.ToArray, exp.ArrayConstructCompact, exp.JSONObject,
)
_SEMI_STRUCTURED_CALLS = {"TO_OBJECT", "OBJECT_CONSTRUCT", "OBJECT_CONSTRUCT_KEEP_NULL", "TRY_PARSE_JSON",
                          "PARSE_XML", "ARRAY_CONSTRUCT", "ARRAY_CONSTRUCT_COMPACT", "TO_VARIANT", "TO_ARRAY"}
_SEMI_STRUCTURED_TYPES = {"VARIANT", "OBJECT", "ARRAY", "JSON", "STRUCT", "MAP"}


def _semi_structured(value: exp.Expression) -> bool:
    if isinstance(value, _SEMI_STRUCTURED_NODES):
        return True
    if isinstance(value, exp.Anonymous):
        return str(value.this).upper() in _SEMI_STRUCTURED_CALLS
    if isinstance(value, exp.Cast):
        to = value.args.get("to")
        return to is not None and to.sql("snowflake").upper().split("(")[0].strip() in _SEMI_STRUCTURED_TYPES
    return False


def _shown(value: exp.Expression) -> str:
    # sqlglot writes ARRAY_CONSTRUCT as a [...] literal; the message names the call as written
    if isinstance(value, exp.Array):
        return "ARRAY_CONSTRUCT(" + ", ".join(e.sql("snowflake") for e in value.expressions) + ")"
    return value.sql("snowflake")


def _is_number(value: exp.Expression) -> bool:
    inner = value.this if isinstance(value, exp.Neg) else value
    return isinstance(inner, exp.Literal) and not inner.is_string


def check(tree: exp.Insert, columns: Callable[[], list[str]]) -> None:
    """Refuse what Snowflake refuses in ``tree``'s VALUES rows, and make each later string in a
    column whose first row is a number fail as Snowflake's does when it is not numeric text.
    ``columns`` gives the target's columns when the statement names none (called only then)."""
    rows = tree.expression.expressions
    for row in rows:
        for value in row.expressions:
            if _semi_structured(value):
                raise compilation_error(f"Invalid expression [{_shown(value)}] in VALUES clause", 2014, "22000")
    if len(rows) < 2:
        return
    first = rows[0].expressions
    guided = [i for i, v in enumerate(first) if _is_number(v)]
    suspects = [(i, row.expressions[i]) for row in rows[1:] for i in guided
                if i < len(row.expressions) and isinstance(row.expressions[i], exp.Literal)
                and row.expressions[i].is_string]
    if not suspects:
        return
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    names = [e.name for e in target.expressions] if isinstance(target, exp.Schema) else columns()
    for i, literal in suspects:
        column = names[i] if i < len(names) else f"COLUMN{i + 1}"
        message = (f"DML operation to table {table.name} failed on column {column} with error: "
                   f"Numeric value '{literal.name}' is not recognized")
        failed = exp.Anonymous(this="error", expressions=[exp.Literal.string(message)])
        unreadable = exp.Is(this=exp.TryCast(this=literal.copy(), to=exp.DataType.build("DOUBLE")), expression=exp.null())
        literal.replace(exp.Case(ifs=[exp.If(this=unreadable, true=failed)], default=literal.copy()))
