"""A table's change-tracking and retention properties: ``CHANGE_TRACKING``,
``DATA_RETENTION_TIME_IN_DAYS`` and ``MAX_DATA_EXTENSION_TIME_IN_DAYS``, set by
``ALTER TABLE ... SET | UNSET`` or at ``CREATE TABLE``.

Snowflake [DOC S1: user-guide/streams-manage, "Explicitly enable change tracking on the underlying
tables"; DOC S1: streams-intro, "Data retention period and staleness"]:

* ``CHANGE_TRACKING = TRUE`` turns change tracking on (what the first stream on a table also does):
  the table gets its hidden row id and captures its changes from then on. SHOW TABLES says ON.
* A stream's ``stale_after`` is its last consumption (or creation) plus the larger of the table's
  DATA_RETENTION_TIME_IN_DAYS (default 1) and MAX_DATA_EXTENSION_TIME_IN_DAYS (default 14): the
  extension applies while the stream is unconsumed.

The day counts are kept per table name in ``_cdcsim.table_params``; dropping or replacing the table
forgets them, renaming it carries them along.

[INFER] ``CHANGE_TRACKING = FALSE`` on a table that a stream or a dynamic table still reads fails
(error 002000) and names the reader; Snowflake does not document what happens to such readers, and
failing keeps them working. On a table nothing reads it stops the capture and drops the hidden
column. ``COMMENT`` may be set in the same statement.
"""

from __future__ import annotations

import re
from datetime import timedelta

import duckdb

from . import changes, time_travel
from .commands import Result, command
from .engine import HOOKS
from .errors import compilation_error, not_found
from .names import META_SCHEMA, QNAME_RE, QName, parse_parts, quote
from .session import Session

M = META_SCHEMA
RETENTION, EXTENSION, TRACKING = "DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS", "CHANGE_TRACKING"
DEFAULTS = {RETENTION: 1, EXTENSION: 14}
# Snowflake's ranges: retention 0-90 days (Enterprise), extension 0-90 days.
MAX_DAYS = 90

_PROP = re.compile(r"\s*(?P<k>[A-Za-z_]+)\s*=\s*(?P<v>'(?:[^']|'')*'|[A-Za-z0-9_]+)\s*,?", re.IGNORECASE)


def days(s: Session, table_fqn: str, name: str) -> int:
    """The table's value of a day-count property (its default when unset)."""
    row = s.duck.execute(f"SELECT value FROM {M}.table_params WHERE fqn = ? AND name = ?",
                         [table_fqn, name]).fetchone()
    return int(row[0]) if row else DEFAULTS[name]


def stale_period(s: Session, table_fqn: str) -> timedelta:
    """How long a stream on the table stays fresh after its last consumption [DOC S1]."""
    return timedelta(days=max(days(s, table_fqn, RETENTION), days(s, table_fqn, EXTENSION)))


def parse_properties(text: str) -> dict[str, str]:
    """``K = V [K = V ...]`` (commas allowed) as upper-case keys and raw values."""
    out: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PROP.match(text, pos)
        if not m:
            raise compilation_error(f"syntax error: unexpected '{text[pos:].split()[0]}'.", 1003, "42000")
        out[m.group("k").upper()] = m.group("v")
        pos = m.end()
    return out


@command(rf"ALTER\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+SET\s+(?P<props>[A-Za-z_]+\s*=.*)")
def _alter_set(s: Session, m: re.Match[str], _p: object) -> Result:
    table = _table(s, m)
    if table is None:
        return Result.status("Statement executed successfully.")
    props = parse_properties(m.group("props"))
    apply(s, table, props)
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+UNSET\s+(?P<props>[A-Za-z_]+(?:\s*,\s*[A-Za-z_]+)*)")
def _alter_unset(s: Session, m: re.Match[str], _p: object) -> Result:
    table = _table(s, m)
    if table is None:
        return Result.status("Statement executed successfully.")
    names = [n.strip().upper() for n in m.group("props").split(",")]
    apply(s, table, {n: "DEFAULT" for n in names})
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+VIEW\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+(?P<op>SET|UNSET)\s+(?P<props>.+)")
def _alter_view(s: Session, m: re.Match[str], _p: object) -> Result:
    """``ALTER VIEW ... SET | UNSET CHANGE_TRACKING | COMMENT`` [DOC: sql-reference/sql/alter-view].
    CHANGE_TRACKING = TRUE turns change tracking on for the view's base tables, as the first stream
    on the view does, and SHOW VIEWS says ON; the view must be one a stream can be on
    (``view_streams``). [INFER] FALSE or UNSET clears the view's flag and leaves its base tables
    tracked (other readers may need them); it fails while a stream reads the view."""
    from . import view_streams  # (it owns which views can be change-tracked)

    view = s.qualify(parse_parts(m.group("name")))
    if s.relation_kind(view) != "VIEW":
        if m.group("ie"):
            return Result.status("Statement executed successfully.")
        raise not_found("View", view.fqn)
    if m.group("props").strip().upper() == "SECURE":
        # one local user: nothing to hide from, but SHOW VIEWS' is_secure follows
        with s.metadata_txn() as d:
            d.execute(f"DELETE FROM {M}.table_params WHERE fqn = ? AND name = 'SECURE'", [view.fqn])
            d.execute(f"INSERT INTO {M}.table_params VALUES (?, 'SECURE', ?)", [view.fqn, int(m.group("op").upper() == "SET")])
            s.engine.state.pop("table_params_fqns", None)
        return Result.status("Statement executed successfully.")
    if m.group("op").upper() == "SET":
        props = parse_properties(m.group("props"))
    else:
        props = {n.strip().upper(): "DEFAULT" for n in m.group("props").split(",")}
    for key in props:
        if key not in (TRACKING, "COMMENT"):
            raise compilation_error(f"Property '{key}' of ALTER VIEW ... {m.group('op').upper()} is not supported by "
                                    f"cdcsim (supported: {TRACKING}, COMMENT).", 2000, "0A000")
    plan = _plan(s, view, props)
    bases: list[QName] = []
    if any(k == TRACKING and v for k, v in plan):
        bases = view_streams.plan(s, view, view_streams.view_text(s.duck, view) or "").bases
    elif any(k == TRACKING for k, _v in plan):
        readers = [i.qname.name for i in s.engine.catalog.streams.values() if i.table_fqn == view.fqn]
        if readers:
            raise compilation_error(f"Cannot disable change tracking on view '{view.fqn}': stream '{readers[0]}' "
                                    "reads its changes. Drop the readers first.", 2000, "42601")
    with s.metadata_txn() as d:
        for key, value in plan:
            if key == "COMMENT":
                d.execute(f"COMMENT ON VIEW {view.duck} IS {_literal(value)}")
                continue
            _view_tracking(s, d, view, bool(value), bases)
    return Result.status("Statement executed successfully.")


def _view_tracking(s: Session, d: duckdb.DuckDBPyConnection, view: QName, on: bool, bases: list[QName]) -> None:
    """Set a view's change-tracking flag (SHOW VIEWS), turning it on for its base tables first."""
    for base in bases:
        changes.track(d, base)
    d.execute(f"DELETE FROM {M}.table_params WHERE fqn = ? AND name = ?", [view.fqn, TRACKING])
    if on:
        d.execute(f"INSERT INTO {M}.table_params VALUES (?, ?, 1)", [view.fqn, TRACKING])
    s.engine.state.pop("table_params_fqns", None)


def tracked_views(s: Session) -> set[str]:
    """The views ALTER VIEW ... SET CHANGE_TRACKING = TRUE turned on (SHOW VIEWS)."""
    return {r[0] for r in s.duck.execute(f"SELECT fqn FROM {M}.table_params WHERE name = ?", [TRACKING]).fetchall()}


_SECURE_VIEW = re.compile(r"\s*CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?SECURE\s", re.IGNORECASE)


def secure_views(s: Session, texts: dict[str, str | None]) -> set[str]:
    """The secure views among ``texts`` (fqn -> CREATE text): created SECURE, or made so by ALTER
    VIEW ... SET SECURE (and not UNSET since), for SHOW VIEWS' is_secure."""
    altered = dict(s.duck.execute(f"SELECT fqn, value FROM {M}.table_params WHERE name = 'SECURE'").fetchall())
    return {f for f, text in texts.items()
            if (altered[f] == 1 if f in altered else bool(text and _SECURE_VIEW.match(text)))}


def _table(s: Session, m: re.Match[str]) -> QName | None:
    table = s.qualify(parse_parts(m.group("name")))
    from .show import hidden_tables  # (show imports streams, which this module must not)

    if s.relation_kind(table) != "TABLE" or (table.database, table.schema, table.name) in hidden_tables(s):
        if m.group("ie"):
            return None
        raise not_found("Table", table.fqn)
    return table


def check(s: Session, table: QName, props: dict[str, str]) -> None:
    """Fail as ``apply`` would for a bad property, changing nothing (CREATE OR ALTER TABLE checks
    every change before it makes any)."""
    _plan(s, table, props)


def apply(s: Session, table: QName, props: dict[str, str]) -> None:
    """ALTER TABLE ... SET: validate every property first, then set them all in one transaction."""
    plan = _plan(s, table, props)
    with s.metadata_txn() as d:
        _write(s, d, table, plan)


def at_create(s: Session, table: QName, props: dict[str, str]) -> None:
    """CREATE TABLE ... CHANGE_TRACKING = TRUE ...: inside the CREATE's own transaction, so a bad
    value leaves no table behind. Column comments come along (translate.COLUMN_COMMENT)."""
    from .sql.translate import COLUMN_COMMENT

    if TRACKING in props and s.relation_kind(table) == "VIEW":
        # CREATE VIEW ... CHANGE_TRACKING = TRUE [DOC S7] does what ALTER VIEW ... SET does: the
        # view must be one a stream can be on, or the CREATE fails and leaves no view
        from . import view_streams  # (it owns which views can be change-tracked)

        props = dict(props)
        on = bool(_plan(s, table, {TRACKING: props.pop(TRACKING)})[0][1])
        bases = view_streams.plan(s, table, view_streams.view_text(s.duck, table) or "").bases if on else []
        _view_tracking(s, s.duck, table, on, bases)
    columns = {k: v for k, v in props.items() if k.startswith(COLUMN_COMMENT)}
    _write(s, s.duck, table, _plan(s, table, {k: v for k, v in props.items() if k not in columns}))
    for key, raw in columns.items():
        s.duck.execute(f"COMMENT ON COLUMN {table.duck}.{quote(key[len(COLUMN_COMMENT):])} IS {raw}")


def _plan(s: Session, table: QName, props: dict[str, str]) -> list[tuple[str, object]]:
    plan: list[tuple[str, object]] = []
    for key, raw in props.items():
        value = raw.strip("'").upper()
        if key == TRACKING:
            if value not in ("TRUE", "FALSE", "DEFAULT"):
                raise compilation_error(f"invalid value [{raw}] for parameter '{key}'", 1008, "22023")
            plan.append((key, value == "TRUE"))
        elif key in DEFAULTS:
            if value == "DEFAULT":
                plan.append((key, None))
                continue
            if not value.isdigit() or int(value) > MAX_DAYS:
                raise compilation_error(f"invalid value [{raw}] for parameter '{key}': an integer from 0 to "
                                        f"{MAX_DAYS} days", 1008, "22023")
            plan.append((key, int(value)))
        elif key == "COMMENT":
            plan.append((key, None if value == "DEFAULT" else raw[1:-1].replace("''", "'")))
        else:
            raise compilation_error(f"Property '{key}' of ALTER TABLE ... SET is not supported by cdcsim "
                                    f"(supported: {TRACKING}, {RETENTION}, {EXTENSION}, COMMENT).", 2000, "0A000")
    if any(k == TRACKING and v is False for k, v in plan):
        _refuse_readers(s, table)
    return plan


def _write(s: Session, d: duckdb.DuckDBPyConnection, table: QName, plan: list[tuple[str, object]]) -> None:
    for key, value in plan:
        if key == TRACKING:
            if value:  # an explicit TRUE also starts the table's history (time_travel.py)
                time_travel.start(s, changes.track(d, table))
            else:
                _stop(s, table)
        elif key == "COMMENT":
            d.execute(f"COMMENT ON TABLE {table.duck} IS {_literal(value)}")
        else:
            d.execute(f"DELETE FROM {M}.table_params WHERE fqn = ? AND name = ?", [table.fqn, key])
            if value is not None:
                d.execute(f"INSERT INTO {M}.table_params VALUES (?, ?, ?)", [table.fqn, key, value])
            s.engine.state.pop("table_params_fqns", None)


def _literal(value: object) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _refuse_readers(s: Session, table: QName) -> None:
    table_id = s.engine.catalog.tracked.get(table.fqn)
    if table_id is None:
        return
    holders = [r[0] for r in s.duck.execute(f"SELECT holder FROM {M}.log_holds WHERE table_id = ? AND holder <> ? "
                                            "ORDER BY 1", [table_id, time_travel.HOLDER]).fetchall()]
    if holders:
        kind, _, name = holders[0].partition(":")
        reader = f"stream '{name}'" if kind == "stream" else f"dynamic table {name or kind}"
        raise compilation_error(f"Cannot disable change tracking on table '{table.fqn}': {reader} reads its "
                                "changes. Drop the readers first.", 2000, "42601")


def _stop(s: Session, table: QName) -> None:
    table_id = s.engine.catalog.tracked.get(table.fqn)
    if table_id is None:
        return
    s.stop_tracking(table)
    s.duck.execute(f"ALTER TABLE {table.duck} DROP COLUMN {quote(changes.RID)}")


def _table_ddl(s: Session, phase: str, kind: str, target: QName) -> None:
    """A dropped or replaced table's properties go with it (a new table of that name has its own);
    ``CREATE TABLE IF NOT EXISTS`` on an existing table keeps them. A replaced table is told apart
    by DuckDB's table oid, which a statement cannot see change otherwise. Only a table that has
    properties is looked at: most DDL pays nothing (two catalog reads cost a CREATE TABLE ~0.8 ms)."""
    if kind == "alter" and phase == "post":
        s.engine.state.pop("table_params_fqns", None)  # a rename moved some (Session._table_ddl)
        return
    if kind not in ("create", "drop") or target.fqn not in _fqns(s):
        return
    if phase == "pre":
        s.engine.state["table_params_oid"] = _oid(s, target)
        return
    before = s.engine.state.pop("table_params_oid", None)
    if kind == "drop" or (before is not None and _oid(s, target) != before):
        s.duck.execute(f"DELETE FROM {M}.table_params WHERE fqn = ?", [target.fqn])
        s.engine.state.pop("table_params_fqns", None)


def _fqns(s: Session) -> set[str]:
    """The tables that have properties, read once and again after a change."""
    fqns = s.engine.state.get("table_params_fqns")
    if fqns is None:
        fqns = s.engine.state["table_params_fqns"] = {
            r[0] for r in s.duck.execute(f"SELECT DISTINCT fqn FROM {M}.table_params").fetchall()}
    return fqns


def _oid(s: Session, table: QName) -> int | None:
    row = s.duck.execute("SELECT table_oid FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? UNION ALL "
                         "SELECT view_oid FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                         [table.duck_schema, table.name, table.duck_schema, table.name]).fetchone()
    return int(row[0]) if row else None


HOOKS.table_ddl.append(_table_ddl)
