"""CREATE OR ALTER TABLE | SCHEMA | DATABASE: declare an object; create it, or alter the existing one
into it, keeping its contents.

Snowflake [DOC: sql-reference/sql/create-or-alter; sql-reference/sql/create-table, "CREATE OR ALTER
TABLE" and "CREATE OR ALTER TABLE usage notes"]:

* A missing table is created as CREATE TABLE would create it; an existing one is altered into the
  definition, keeping its data, streams, history and grants; a table that already matches is left
  as it is.
* The statement has CREATE TABLE's syntax and ALTER TABLE's limits. Columns are matched by name: a
  column the definition leaves out is dropped (its data goes), a new one may only be added after
  every existing one, so a "renamed" column is a drop and an add (the doc's example leaves the new
  column NULL). A kept column may change its type only as ALTER TABLE ... ALTER COLUMN allows
  [DOC: sql-reference/sql/alter-table-column]: to a synonymous type, or a NUMBER to a larger
  precision (a smaller one only if every value fits) at the same scale; its nullability (a NOT
  NULL, or an inline PRIMARY KEY, on a column holding NULLs fails with 001471 "Column 'A' contains
  null values. Not null constraint cannot be added."); its comment; and its default may be dropped.
* A table property or parameter the definition leaves out is unset (COMMENT,
  DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS), except CHANGE_TRACKING, which is
  only ever changed when the definition names it.
* Plain ``ALTER TABLE ... ALTER | MODIFY COLUMN ... TYPE`` follows the same type rules (it used to
  let DuckDB cast a NUMBER column to text or change its scale).
* CTAS, LIKE, CLONE and USING TEMPLATE are not allowed; nor are views and dynamic tables (CREATE OR
  ALTER DYNAMIC TABLE has its own statement).

Choices where the documentation is silent, all [INFER]:

* Every change is checked before any is made (types, column order, NULLs for a new NOT NULL, a
  NOT NULL column without a default added to a table with rows), so a refused statement leaves the
  table as it was. Snowflake does not promise atomicity; the changes are then made one ALTER at a
  time through the ordinary statement path (so capture triggers, the change log and time-travel
  marks follow each of them), and a failure among them says "CREATE OR ALTER execution failed.
  Partial updates may have been applied." as Snowflake's does.
* Adding or changing a default is refused (Snowflake allows only sequence defaults to change); a
  collation is not compared (cdcsim keeps none); declared VARCHAR / BINARY lengths and timestamp
  precisions are not kept by cdcsim, so changing them is no change. An existing temporary table is
  not altered (refused with an error naming it).
* Messages of refusals Snowflake does not document follow its "cannot change column" wording.
* An altered table answers "Statement executed successfully."; a created one, CREATE TABLE's
  status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from . import change_tracking
from .changes import RID
from .commands import Result, command
from .engine import HOOKS
from .errors import Error, compilation_error, syntax_error, wrong_kind
from .names import QNAME_RE, QName, parse_parts, quote
from .session import Session

_KIND = r"(?P<kind>(?:(?:LOCAL|GLOBAL)\s+)?(?:TEMP|TEMPORARY|VOLATILE|TRANSIENT)\s+)?"
PARTIAL = "CREATE OR ALTER execution failed. Partial updates may have been applied."
_UNSET_WHEN_ABSENT = ("COMMENT", change_tracking.RETENTION, change_tracking.EXTENSION)


@dataclass(frozen=True)
class Column:
    name: str
    duck_type: str
    nullable: bool
    default: str | None
    comment: str | None


@command(rf"CREATE\s+OR\s+ALTER\s+{_KIND}TABLE\s+(?P<rest>.+)")
def create_or_alter_table(s: Session, m: re.Match[str], params: Any) -> Result:
    kind = m.group("kind") or ""
    text = f"CREATE {kind}TABLE {m.group('rest')}"
    tree = _parse(text)
    target = s.qualify(parse_parts(tree.this.this.sql(dialect="snowflake")))
    if s.relation_kind(target) is None and target.fqn not in s.temp_tables():
        return s.execute(text, params)
    if target.fqn in s.temp_tables():
        raise compilation_error(f"CREATE OR ALTER of the temporary table '{target.fqn}' is not supported by cdcsim: "
                                "drop it and create it again.", 2000, "0A000")
    _refuse_non_table(s, target)
    if s.in_txn:
        s.commit()  # DDL commits an open transaction first, as in Snowflake
    defs = {d.name.upper() if not d.this.quoted else d.name: d for d in tree.this.expressions
            if isinstance(d, exp.ColumnDef)}
    wanted = _definition_columns(s, target, tree)
    current = _columns(s, target)
    statements = _plan(s, target, current, wanted, defs)
    props = _properties(tree)
    change_tracking.check(s, target, props)  # a bad value fails before any change
    done = 0
    try:
        for sql in statements:
            s.execute(sql)
            done += 1
        _comments(s, target, current, wanted, defs)
        change_tracking.apply(s, target, props)
    except Error as e:
        if done:
            e.msg = f"{e.msg}\n{PARTIAL}"
        raise
    return Result.status("Statement executed successfully.")


@command(rf"CREATE\s+OR\s+ALTER\s+(?:TRANSIENT\s+)?(?P<kind>DATABASE|SCHEMA)\s+(?P<name>{QNAME_RE})(?P<rest>\s+.*)?")
def create_or_alter_container(s: Session, m: re.Match[str], params: Any) -> Result:
    """CREATE OR ALTER DATABASE | SCHEMA: a missing one is created (and made current, as CREATE
    does); an existing one keeps everything in it. cdcsim keeps no property of a database or
    schema (comment, retention), so altering one changes nothing. [INFER] The existing one is made
    current too, so a script of CREATE OR ALTER statements puts its objects in the same place on
    every run."""
    kind, rest = m.group("kind").upper(), m.group("rest") or ""
    if re.match(r"\s*CLONE\b", rest, re.IGNORECASE):
        raise compilation_error(f"CREATE OR ALTER {kind} does not support the CLONE variant.", 2000, "0A000")
    parts = parse_parts(m.group("name"))
    if kind == "DATABASE":
        exists = s.database_exists(parts[0])
        where = {"database": parts[0]}
    else:
        db, sch = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        exists = s.schema_exists(db, sch)
        where = {"database": db, "schema": sch}
    if not exists:
        return s.execute(f"CREATE {kind} {m.group('name')}{rest}", params)
    if s.in_txn:
        s.commit()  # DDL commits an open transaction first, as in Snowflake
    s.use(**where)
    return Result.status("Statement executed successfully.")


def _parse(text: str) -> exp.Create:
    try:
        tree = sqlglot.parse_one(text, read="snowflake")
    except ParseError as e:
        raise syntax_error(f"syntax error in CREATE OR ALTER TABLE: {str(e).splitlines()[0]}") from None
    if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Schema):
        variant = "CLONE" if isinstance(tree, exp.Create) and tree.args.get("clone") else \
            "AS SELECT" if isinstance(tree, exp.Create) and tree.expression is not None else "LIKE / USING TEMPLATE"
        raise compilation_error(f"CREATE OR ALTER TABLE does not support the {variant} variant; it takes a column "
                                "list.", 2000, "0A000")
    if tree.expression is not None:
        raise compilation_error("CREATE OR ALTER TABLE does not support the AS SELECT variant; it takes a column "
                                "list.", 2000, "0A000")
    props = tree.args.get("properties")
    if props is not None and any(isinstance(p, exp.LikeProperty) for p in props.expressions):
        raise compilation_error("CREATE OR ALTER TABLE does not support the LIKE variant; it takes a column list.",
                                2000, "0A000")
    return tree


def _refuse_non_table(s: Session, target: QName) -> None:
    from .show import hidden_tables  # (show imports modules that import this one's neighbours)

    if s.relation_kind(target) == "VIEW":
        raise wrong_kind("VIEW", "TABLE")
    if (target.database, target.schema, target.name) in hidden_tables(s):
        raise wrong_kind("DYNAMIC_TABLE", "TABLE")


def _columns(s: Session, table: QName) -> list[Column]:
    rows = s.duck.execute(
        "SELECT column_name, data_type, is_nullable, column_default, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? AND column_name <> ? ORDER BY column_index",
        [table.duck_schema, table.name, RID]).fetchall()
    return [Column(*r) for r in rows]


def _definition_columns(s: Session, target: QName, tree: exp.Create) -> list[Column]:
    """The definition's columns as DuckDB makes them: the definition is created under a scratch
    name in a transaction that is rolled back, so every type, default and NOT NULL is read the way
    the ordinary CREATE TABLE path translates it."""
    scratch = tree.copy()
    scratch.set("kind", "TABLE")
    scratch.set("properties", None)
    name = f"__CDCSIM_CREATE_OR_ALTER_{id(tree)}"
    scratch.this.set("this", exp.Table(this=exp.to_identifier(name, quoted=True),
                                       db=exp.to_identifier(target.schema, quoted=True),
                                       catalog=exp.to_identifier(target.database, quoted=True)))
    for d in scratch.this.find_all(exp.ColumnDef):
        for c in list(d.args.get("constraints") or []):
            if isinstance(c.kind, exp.CommentColumnConstraint):
                c.pop()
    tr = s.translate(scratch.sql(dialect="snowflake"))
    s.acquire_write()
    try:
        s.duck.execute("BEGIN TRANSACTION")
        try:
            s.duck.execute(s._resolve_tokens(tr))
            cols = _columns(s, QName(target.database, target.schema, name))
        finally:
            s.duck.execute("ROLLBACK")
    finally:
        s.engine.lock.release(s, all_levels=True)
    return cols


def _plan(s: Session, table: QName, current: list[Column], wanted: list[Column],
          defs: dict[str, exp.ColumnDef]) -> list[str]:
    """The ALTER TABLE statements that turn ``current`` into ``wanted``, every one checked first."""
    have = {c.name: c for c in current}
    names = [c.name for c in wanted]
    kept = [c.name for c in current if c.name in names]
    new = [n for n in names if n not in have]
    if names != kept + new:
        expected = kept + new
        moved = next(n if n in have else e for n, e in zip(names, expected, strict=True) if n != e)
        raise compilation_error(f"CREATE OR ALTER TABLE cannot reorder the columns of table '{table.fqn}': column "
                                f"'{moved}' must keep its place (new columns go after every existing one).",
                                2000, "0A000")
    rows = None
    out: list[str] = []
    for w in wanted:
        c = have.get(w.name)
        col = f"{table.sql} ALTER COLUMN {quote(w.name)}"
        if c is None:
            if not w.nullable and w.default is None:
                rows = _count(s, table) if rows is None else rows
                if rows:
                    raise compilation_error(f"Non-nullable column '{w.name}' cannot be added to non-empty table "
                                            f"'{table.name}' unless it has a non-null default value.", 2000, "42601")
            out.append(f"ALTER TABLE {table.sql} ADD COLUMN {_column_sql(defs[w.name])}")
            continue
        type_change = _type_change(s, table, c, w)
        if type_change:
            out.append(f"ALTER TABLE {col} SET DATA TYPE {type_change}")
        if c.default != w.default:
            if w.default is not None:
                raise compilation_error(f"CREATE OR ALTER TABLE cannot set or change the default of column "
                                        f"'{w.name}' of table '{table.fqn}': only dropping a default is supported.",
                                        2000, "0A000")
            out.append(f"ALTER TABLE {col} DROP DEFAULT")
        if c.nullable and not w.nullable:
            if s.duck.execute(f"SELECT count(*) FROM {table.duck} WHERE {quote(w.name)} IS NULL").fetchone()[0]:
                raise compilation_error(f"Column '{w.name}' contains null values. Not null constraint cannot be "
                                        "added.", 1471, "42601")
            out.append(f"ALTER TABLE {col} SET NOT NULL")
        elif w.nullable and not c.nullable:
            out.append(f"ALTER TABLE {col} DROP NOT NULL")
    # added before dropped: a table whose every column is "renamed" never has none
    out.extend(f"ALTER TABLE {table.sql} DROP COLUMN {quote(c.name)}" for c in current if c.name not in names)
    return out


def _count(s: Session, table: QName) -> int:
    return int(s.duck.execute(f"SELECT count(*) FROM {table.duck}").fetchone()[0])


def _column_sql(d: exp.ColumnDef) -> str:
    d = d.copy()
    for c in list(d.args.get("constraints") or []):
        if isinstance(c.kind, exp.CommentColumnConstraint):
            c.pop()  # set afterwards with the kept columns' comments
    return d.sql(dialect="snowflake")


_NUMBER = re.compile(r"NUMBER\((\d+),(\d+)\)")


def _type_change(s: Session, table: QName, c: Column, w: Column) -> str | None:
    """The new type's Snowflake text when the column's type changes as ALTER COLUMN allows; None
    when it stays the same; an error otherwise."""
    from .show import _snowflake_type  # (show imports modules that import this one's neighbours)

    old, new = _snowflake_type(c.duck_type), _snowflake_type(w.duck_type)
    if old == new:
        return None
    mo, mn = _NUMBER.fullmatch(old), _NUMBER.fullmatch(new)
    if mo and mn:
        (po, so), (pn, sn) = (int(mo[1]), int(mo[2])), (int(mn[1]), int(mn[2]))
        if so != sn:
            raise _cannot_change(c.name, old, new, "changing the scale of a number is not supported")
        if pn < po:
            limit = 10 ** (pn - sn)
            if s.duck.execute(f"SELECT count(*) FROM {table.duck} WHERE abs({quote(c.name)}) >= {limit}").fetchone()[0]:
                raise _cannot_change(c.name, old, new, "the new precision cannot hold every value in the column")
        return new
    raise _cannot_change(c.name, old, new, "changing a column to a different data type is not supported")


def _cannot_change(name: str, old: str, new: str, why: str) -> Error:
    return compilation_error(f"cannot change column {name} from type {old} to {new} because {why}.", 2000, "42601")


def _comments(s: Session, table: QName, current: list[Column], wanted: list[Column],
              defs: dict[str, exp.ColumnDef]) -> None:
    have = {c.name: c.comment for c in current}
    for w in wanted:
        comment = next((c.kind.this.name for c in defs[w.name].args.get("constraints") or []
                        if isinstance(c.kind, exp.CommentColumnConstraint)), None)
        if have.get(w.name) != comment:
            value = "NULL" if comment is None else "'" + comment.replace("'", "''") + "'"
            s.duck.execute(f"COMMENT ON COLUMN {table.duck}.{quote(w.name)} IS {value}")


def _properties(tree: exp.Create) -> dict[str, str]:
    """The table properties to set: those the definition names, and DEFAULT for those it leaves out
    (CHANGE_TRACKING excepted, which is left as it is)."""
    out: dict[str, str] = {}
    props = tree.args.get("properties")
    for p in props.expressions if props is not None else []:
        if isinstance(p, exp.SchemaCommentProperty):
            out["COMMENT"] = p.this.sql(dialect="snowflake")
        elif isinstance(p, exp.Property) and p.name.upper() in (*_UNSET_WHEN_ABSENT, change_tracking.TRACKING):
            out[p.name.upper()] = p.args["value"].sql(dialect="snowflake")
    for key in _UNSET_WHEN_ABSENT:
        out.setdefault(key, "DEFAULT")
    return out


def _alter_column_type(s: Session, phase: str, kind: str, target: QName) -> None:
    """ALTER TABLE ... ALTER | MODIFY COLUMN ... [SET DATA] TYPE follows the same rules (DuckDB
    would cast a NUMBER to text, or shorten a NUMBER's scale, and Snowflake refuses both), checked
    in the statement's transaction before DuckDB changes the column."""
    if kind != "alter" or phase != "pre":
        return
    try:
        tree = sqlglot.parse_one(s.statement, read="snowflake")
    except ParseError:
        return  # DuckDB's own error follows
    have = {c.name: c for c in _columns(s, target)}
    for action in tree.find_all(exp.AlterColumn):
        dtype = action.args.get("dtype")
        name = action.this.name if action.this.quoted else action.this.name.upper()
        if dtype is None or name not in have:
            continue
        dtype = dtype.copy()
        if dtype.this in (exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY):
            dtype.set("expressions", [])
        new = s.duck.execute(f"SELECT typeof(CAST(NULL AS {dtype.sql(dialect='duckdb')}))").fetchone()[0]
        _type_change(s, target, have[name], Column(name, new, True, None, None))


HOOKS.table_ddl.append(_alter_column_type)
