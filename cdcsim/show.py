"""SHOW TABLES / VIEWS / OBJECTS / SCHEMAS / DATABASES / COLUMNS and DESCRIBE TABLE / VIEW, answered from
DuckDB's catalog in Snowflake's shape (lower-case column names, upper-case object names).
The hidden row-id column of tracked tables never appears."""

from __future__ import annotations

import re

from . import change_tracking, identity
from .changes import RID
from .commands import FIXED, TEXT, TIMESTAMP_NTZ, Result, command
from .errors import not_found
from .names import META_SCHEMA, QNAME_RE, like_to_regex, parse_parts, split_duck_schema
from .session import Session
from .streams import _SCOPE, PAGING, page, scope_re, show_scope

_TABLE_COLS = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows",
               "bytes", "owner", "retention_time", "automatic_clustering", "change_tracking", "is_external",
               "enable_schema_evolution", "owner_role_type", "is_event", "budget", "is_hybrid", "is_iceberg",
               "is_dynamic", "is_immutable"]
_TABLE_TYPES = [TIMESTAMP_NTZ] + [TEXT] * 6 + [FIXED, FIXED] + [TEXT] * 13
_VIEW_COLS = ["created_on", "name", "reserved", "database_name", "schema_name", "owner", "comment", "text",
              "is_secure", "is_materialized", "owner_role_type", "change_tracking"]
_TERSE_COLS = ["created_on", "name", "kind", "database_name", "schema_name"]


def _relations(s: Session, kind: str) -> list[tuple[str, str, str, int, str | None, str]]:
    """(database, schema, name, rows, comment, kind) of user tables or views, sorted; kind is TABLE
    or, for the session's temporary tables, TEMPORARY."""
    if kind == "VIEW":
        q = ("SELECT schema_name, view_name, 0, comment FROM duckdb_views() WHERE NOT internal "
             "AND schema_name <> ? AND NOT temporary")
    else:
        q = ("SELECT schema_name, table_name, estimated_size, comment FROM duckdb_tables() WHERE schema_name <> ? "
             "AND NOT temporary")
    out = []
    for sch, name, n, comment in s.duck.execute(q, [META_SCHEMA]).fetchall():
        parts = split_duck_schema(sch)
        if parts is None:
            continue
        out.append((parts[0], parts[1], name, int(n or 0), comment, "TABLE"))
    if kind == "TABLE" and s.temp_tables():
        # the session's temporary tables (translate._to_temporary), SHOW TABLES' kind TEMPORARY
        for name, n, comment in s.duck.execute(
                "SELECT table_name, estimated_size, comment FROM duckdb_tables() WHERE database_name = 'temp' "
                "AND contains(table_name, '.')").fetchall():
            db, sch, tname = name.split(".", 2)
            out = [r for r in out if (r[0], r[1], r[2]) != (db, sch, tname)]  # it hides a permanent one
            out.append((db, sch, tname, int(n or 0), comment, "TEMPORARY"))
    return sorted(out)


def _filter(rows: list, like: str | None, scope: tuple[str, str] | None) -> list:
    """The rows (database, schema, name, ...) a SHOW's LIKE and IN scope keep."""
    rx = like_to_regex(like) if like else None
    out = []
    for r in rows:
        if rx and not rx.match(r[2]):
            continue
        if scope and (scope[0] != r[0] or (scope[1] != "*" and scope[1] != r[1])):
            continue
        out.append(r)
    return out


def _made(s: Session) -> dict[str, tuple[object, str | None]]:
    """fqn -> (created_on, text) of the views (kept since this version; tables keep no creation
    time: recording one cost a CREATE TABLE 1.4 ms)."""
    return {fqn: (created, text) for fqn, created, text in s.duck.execute(
        f"SELECT fqn, created_on, text FROM {META_SCHEMA}.objects").fetchall()}


def _created(made: dict[str, tuple[object, str | None]], r: tuple) -> object:
    return made.get(f"{r[0]}.{r[1]}.{r[2]}", (None, None))[0]


def _table_rows(s: Session, rels: list[tuple], made: dict[str, tuple[object, str | None]]) -> list[tuple]:
    """SHOW TABLES' rows (``_TABLE_COLS``) for ``_relations`` rows of kind TABLE. A dynamic table
    is one of them, kind TABLE with is_dynamic Y [DOC: release-notes/bcr-bundles/2024_03/bcr-1580],
    its creation time and comment its own (the table under it has neither)."""
    tracked = s.engine.catalog.tracked
    dynamic = hidden_tables(s) if rels else set()
    dts: dict = {}  # fqn -> the dynamic table (catalog.DT) of that name
    if dynamic:
        from .dynamic_tables.catalog import registry  # (it imports this module's describe_columns)

        dts = registry(s.engine).tables
    out = []
    for r in rels:
        fqn = f"{r[0]}.{r[1]}.{r[2]}"
        dt = dts.get(fqn) if (r[0], r[1], r[2]) in dynamic else None
        created, comment = (dt.created_on, dt.comment or "") if dt is not None else (_created(made, r), r[4] or "")
        out.append((created, r[2], r[0], r[1], r[5], comment, "", r[3], None, "SYSADMIN",
                    str(change_tracking.days(s, fqn, change_tracking.RETENTION)), "OFF",
                    "ON" if fqn in tracked else "OFF", "N", "N", "ROLE", "N", None, "N", "N",
                    "N" if dt is None else "Y", "N"))
    return out


def _view_rows(s: Session, rels: list[tuple], made: dict[str, tuple[object, str | None]]) -> list[tuple]:
    """SHOW VIEWS' rows (``_VIEW_COLS``) for ``_relations`` rows of kind VIEW."""
    on = change_tracking.tracked_views(s) if rels else set()
    texts = {f"{r[0]}.{r[1]}.{r[2]}": made.get(f"{r[0]}.{r[1]}.{r[2]}", (None, None))[1] for r in rels}
    secure = change_tracking.secure_views(s, texts) if rels else set()
    return [(_created(made, r), r[2], "", r[0], r[1], "SYSADMIN", r[4], texts[f"{r[0]}.{r[1]}.{r[2]}"],
             "true" if f"{r[0]}.{r[1]}.{r[2]}" in secure else "false", "false", "ROLE",
             "ON" if f"{r[0]}.{r[1]}.{r[2]}" in on else "OFF") for r in rels]


def hidden_tables(s: Session) -> set[tuple[str, str, str]]:
    """Relations other features present under their own SHOW (dynamic tables)."""
    fn = s.engine.state.get("hidden_tables")
    return fn(s) if fn else set()


@command(rf"SHOW\s+(?P<terse>TERSE\s+)?(?P<kind>TABLES|VIEWS)(?P<history>\s+HISTORY)?(?:\s+LIKE\s+'(?P<like>[^']*)')?"
         rf"{_SCOPE}{PAGING}")
def show_tables(s: Session, m: re.Match[str], _p: object) -> Result:
    """``SHOW TABLES HISTORY`` also lists the dropped tables UNDROP can restore (undrop.py), with a
    ``dropped_on`` column (NULL for a table that exists) [DOC: sql-reference/sql/show-tables]."""
    kind = "VIEW" if m.group("kind").upper() == "VIEWS" else "TABLE"
    rows = page(_filter(_relations(s, kind), m.group("like"), show_scope(s, m)), m, lambda r: r[2])
    made = _made(s) if rows else {}
    if m.group("terse"):
        return Result.table(_TERSE_COLS, [(_created(made, r), r[2], kind, r[0], r[1]) for r in rows])
    if kind == "VIEW":
        return Result.table(_VIEW_COLS, _view_rows(s, rows, made))
    out = _table_rows(s, rows, made)
    if not m.group("history"):
        return Result.table(_TABLE_COLS, out, _TABLE_TYPES)
    from .undrop import dropped  # (it imports the session and table modules this one sits beside)

    kept = _filter([(*parts, 0, comment, "TABLE", on, keep) for parts, comment, on, keep in dropped(s)],
                   m.group("like"), show_scope(s, m))
    out = [(*r, None) for r in out] + [
        (None, r[2], r[0], r[1], "TABLE", r[4] or "", "", r[3], None, "SYSADMIN", str(r[7]), "OFF", "ON", "N", "N",
         "ROLE", "N", None, "N", "N", "N", "N", r[6]) for r in kept]
    return Result.table([*_TABLE_COLS, "dropped_on"], out, [*_TABLE_TYPES, TIMESTAMP_NTZ])


_OBJECT_COLS = ["created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by", "rows",
                "bytes", "owner", "retention_time", "owner_role_type", "is_dynamic"]
_OBJECT_TYPES = [TIMESTAMP_NTZ] + [TEXT] * 6 + [FIXED, FIXED] + [TEXT] * 4
# what a view's row holds in the table-only columns: a view stores no rows and keeps no history
_VIEW_AS_OBJECT = {"kind": "VIEW", "cluster_by": "", "rows": 0, "bytes": 0, "retention_time": None}
# SHOW OBJECTS also takes a bare ``IN <schema_name>``
_OBJECT_SCOPE = scope_re(bare=True)


@command(rf"SHOW\s+(?P<terse>TERSE\s+)?OBJECTS(?:\s+LIKE\s+'(?P<like>[^']*)')?{_OBJECT_SCOPE}{PAGING}")
def show_objects(s: Session, m: re.Match[str], _p: object) -> Result:
    """The tables and views in scope, each with SHOW TABLES' or SHOW VIEWS' values for the columns
    they share [DOC: sql-reference/sql/show-objects]. A dynamic table is listed with kind TABLE and
    ``is_dynamic`` Y [DOC: release-notes/bcr-bundles/2024_03/bcr-1529].

    [INFER] where the page is silent: rows are ordered by database, schema and name, as SHOW TABLES
    documents for its own; a table's kind is the one SHOW TABLES gives it (TEMPORARY for the
    session's temporary tables); a view has rows and bytes 0 and no retention_time (NULL); an unset
    comment is '' whatever the kind; STARTS WITH and FROM compare names case-sensitively and FROM
    keeps the names after the string, as SHOW STREAMS; the columns are the ones the page and the
    bundle notes name (no is_hybrid / is_iceberg, which no page documents for this command)."""
    scope = show_scope(s, m)
    like = m.group("like")
    rels = sorted([(r, False) for r in _filter(_relations(s, "TABLE"), like, scope)]
                  + [(r, True) for r in _filter(_relations(s, "VIEW"), like, scope)], key=lambda e: e[0][:3])
    rels = page(rels, m, lambda e: e[0][2])
    made = _made(s) if rels else {}
    tables = iter(_table_rows(s, [r for r, view in rels if not view], made))
    views = iter(_view_rows(s, [r for r, view in rels if view], made))
    out = []
    for _r, view in rels:
        row = {**dict(zip(_VIEW_COLS, next(views), strict=True)), **_VIEW_AS_OBJECT, "is_dynamic": "N"} if view \
            else dict(zip(_TABLE_COLS, next(tables), strict=True))
        row.update(comment=row["comment"] or "")
        out.append(tuple(row[c] for c in _OBJECT_COLS))
    if m.group("terse"):
        return Result.table(_TERSE_COLS, [(r[0], r[1], r[4], r[2], r[3]) for r in out])
    return Result.table(_OBJECT_COLS, out, _OBJECT_TYPES)


@command(r"SHOW\s+(?P<terse>TERSE\s+)?SCHEMAS(?:\s+LIKE\s+'(?P<like>[^']*)')?"
         rf"(?:\s+IN\s+(?:ACCOUNT|DATABASE(?:\s+(?P<db>{QNAME_RE}))?))?")
def show_schemas(s: Session, m: re.Match[str], _p: object) -> Result:
    rx = like_to_regex(m.group("like")) if m.group("like") else None
    db = parse_parts(m.group("db"))[0] if m.group("db") else (None if "ACCOUNT" in m.group(0).upper() else s.database)
    rows = []
    for (sch,) in s.duck.execute("SELECT schema_name FROM duckdb_schemas() ORDER BY 1").fetchall():
        parts = split_duck_schema(sch)
        if parts is None or (db and parts[0] != db) or (rx and not rx.match(parts[1])):
            continue
        current = "Y" if parts == (s.database, s.schema) else "N"
        rows.append((None, parts[1], "N", current, parts[0], "SYSADMIN", "", "", "1", "ROLE"))
    return Result.table(["created_on", "name", "is_default", "is_current", "database_name", "owner", "comment",
                         "options", "retention_time", "owner_role_type"], rows)


@command(r"SHOW\s+(?:TERSE\s+)?DATABASES(?:\s+LIKE\s+'(?P<like>[^']*)')?")
def show_databases(s: Session, m: re.Match[str], _p: object) -> Result:
    rx = like_to_regex(m.group("like")) if m.group("like") else None
    dbs = sorted({p[0] for (sch,) in s.duck.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
                  if (p := split_duck_schema(sch))})
    rows = [(None, d, "N", "Y" if d == s.database else "N", "", "SYSADMIN", "", "", "1", "STANDARD", "ROLE")
            for d in dbs if not rx or rx.match(d)]
    return Result.table(["created_on", "name", "is_default", "is_current", "origin", "owner", "comment", "options",
                         "retention_time", "kind", "owner_role_type"], rows)


def describe_columns(s: Session, qn_text: str, kind: str = "Table") -> Result:
    qn = s.qualify(parse_parts(qn_text))
    # (the session's temporary table of that name, if any, hides a permanent one: translate._to_temporary)
    where = ["temp", "main", qn.fqn] if qn.fqn in s.temp_tables() else [None, qn.duck_schema, qn.name]
    rows = s.duck.execute(
        "SELECT column_name, data_type, is_nullable, column_default, is_generated, generation_expression, comment "
        "FROM duckdb_columns() WHERE (? IS NULL OR database_name = ?) AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [where[0], where[0], where[1], where[2]],
    ).fetchall()
    if not rows:
        raise not_found(kind, qn.fqn)
    out = []
    for name, dtype, nullable, default, generated, gen_expr, comment in rows:
        if name == RID:
            continue
        shown = None if generated else identity.shown_default(s, default) or _snowflake_default(default)
        out.append((name, _snowflake_type(dtype), "VIRTUAL" if generated else "COLUMN", "Y" if nullable else "N",
                    shown, "N", "N", None,
                    gen_expr if generated else None, comment, None, None))
    return Result.table(["name", "type", "kind", "null?", "default", "primary key", "unique key", "check",
                         "expression", "comment", "policy name", "privacy domain"], out)


def _identity(default: str | None) -> bool:
    return bool(default and default.startswith("IDENTITY START "))


def _snowflake_default(default: str | None) -> str | None:
    if default and "cdcsim_now" in default:
        return "CURRENT_TIMESTAMP()"
    return default


def _snowflake_type(t: str) -> str:
    t = t.upper()
    m = re.match(r"DECIMAL\((\d+),(\d+)\)", t.replace(" ", ""))
    if m:
        return f"NUMBER({m.group(1)},{m.group(2)})"
    return {"VARCHAR": "VARCHAR(16777216)", "INTEGER": "NUMBER(38,0)", "BIGINT": "NUMBER(38,0)",
            "SMALLINT": "NUMBER(38,0)", "TINYINT": "NUMBER(38,0)", "HUGEINT": "NUMBER(38,0)", "DOUBLE": "FLOAT",
            "FLOAT": "FLOAT", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ(9)",
            "TIMESTAMP_NS": "TIMESTAMP_NTZ(9)",
            "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_LTZ(9)", "TIME": "TIME(9)", "JSON": "VARIANT",
            "BLOB": "BINARY(8388608)"}.get(t, t)


@command(rf"DESC(?:RIBE)?\s+(?P<kind>TABLE|VIEW)\s+(?P<name>{QNAME_RE})(?:\s+TYPE\s*=\s*\w+)?")
def describe_table(s: Session, m: re.Match[str], _p: object) -> Result:
    return describe_columns(s, m.group("name"), m.group("kind").title())


@command(rf"DESC(?:RIBE)?\s+(?P<name>{QNAME_RE})")
def describe_plain(s: Session, m: re.Match[str], _p: object) -> Result:
    return describe_columns(s, m.group("name"))


@command(rf"SHOW\s+COLUMNS\s+IN\s+(?:TABLE\s+|VIEW\s+)?(?P<name>{QNAME_RE})")
def show_columns(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    desc = describe_columns(s, m.group("name"))
    # Snowflake shows an identity column's sequence under "autoincrement", with no default
    rows = [(qn.name, qn.schema, r[0], r[1], r[3] == "Y", "" if _identity(r[4]) else r[4], r[2], r[8], r[9],
             qn.database, r[4] if _identity(r[4]) else "") for r in desc.rows]
    return Result.table(["table_name", "schema_name", "column_name", "data_type", "null?", "default", "kind",
                         "expression", "comment", "database_name", "autoincrement"], rows)
