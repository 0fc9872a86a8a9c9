"""Static types of a statement's expressions, from the catalog and sqlglot's type annotation.

A rewrite whose output depends on an input's type (a DATE stays a DATE, a NUMBER divided by a
NUMBER is a NUMBER) needs the types of columns. ``Context.column_types`` gives a relation's
``(column, DuckDB type)`` pairs (tables, views, temporary tables, streams); sqlglot's qualifier and
type annotation then carry them to the expressions over them, through CTEs and subqueries. Both
rewrite the tree they run on, so they run on a copy: the caller marks the nodes it wants typed
and finds them in the copy by their mark.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from ..names import QName

Resolve = Callable[[exp.Table], QName | None]
ColumnTypes = Callable[[QName], tuple[tuple[str, str], ...] | None]


def _schema(copy: exp.Expression, resolve: Resolve, column_types: ColumnTypes) -> dict:
    """The catalog's columns of the statement's tables, keyed as the copy now names them (each
    table fully qualified with its resolved name, so one schema depth fits all)."""
    schema: dict = {}
    for table in copy.find_all(exp.Table):
        qn = resolve(table)
        if qn is None:
            continue
        cols = column_types(qn)
        if not cols:
            continue
        table.set("catalog", exp.to_identifier(qn.database, quoted=True))
        table.set("db", exp.to_identifier(qn.schema, quoted=True))
        table.set("this", exp.to_identifier(qn.name, quoted=True))
        schema.setdefault(qn.database, {}).setdefault(qn.schema, {})[qn.name] = {
            name: sqlglot_type(type_text) for name, type_text in cols}
    return schema


def sqlglot_type(type_text: str) -> exp.DataType:
    try:
        return exp.DataType.build(type_text, dialect="duckdb")
    except (SqlglotError, ValueError):
        return exp.DataType.build("UNKNOWN")


def typed_copy(tree: exp.Expression, marked: list[exp.Expression], mark: str, resolve: Resolve,
               column_types: ColumnTypes, visit: Callable[[exp.Expression], None]) -> bool:
    """Give each node of ``marked`` the meta entry ``mark`` = its index, and call ``visit`` with a
    typed copy of ``tree`` (qualified, annotated), where the marked nodes carry their mark.
    ``resolve`` names a table of the statement (None for a CTE's name). False when the optimizer's
    rules fail on the tree (then nothing is typed); the marks are gone either way."""
    for i, node in enumerate(marked):
        node.meta[mark] = i
    try:
        copy = tree.copy()
        schema = _schema(copy, resolve, column_types)
        mapping = MappingSchema(schema, dialect="duckdb", normalize=False)
        # an unknown column is left unqualified (not an error): what annotation can type without
        # it still counts
        copy = qualify(copy, schema=mapping, dialect="snowflake", validate_qualify_columns=False,
                       quote_identifiers=False, identify=False)
        copy = annotate_types(copy, schema=mapping, dialect="snowflake")
        visit(copy)
        return True
    except Exception:  # noqa: BLE001  the optimizer's rules on an odd tree: no types
        return False
    finally:
        for node in marked:
            node.meta.pop(mark, None)
