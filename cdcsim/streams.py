"""Streams: CREATE / DROP / SHOW / DESCRIBE STREAM and SYSTEM$STREAM_HAS_DATA.

A stream is a bookmark (a statement number) into its table's change log; reading it computes the
net change since the bookmark (see ``changes``), and a committed DML that reads it moves the
bookmark (see ``session``). Creating the first stream on a table turns change tracking on.

Choices where Snowflake is silent (reference section 6):
* [INFER] ``SHOW_INITIAL_ROWS = TRUE``: the first consumption returns every row present at the end
  of the window as an INSERT — the rows that existed at creation composed with any change since, so
  nothing is lost between creation and first read; later reads are ordinary deltas.
* ``DESCRIBE STREAM`` returns the SHOW STREAMS columns for that stream.

Streams on dynamic tables follow Snowflake's rules [DOC: user-guide/dynamic-tables/streams-on-dts]:
they are created ``ON DYNAMIC TABLE`` (``ON TABLE`` fails), only as standard streams (not
APPEND_ONLY), and only on a table whose refresh mode is INCREMENTAL (checked by the dynamic-table
module's guard). [INFER] Snowflake's error texts and codes for these are not documented: each
error here is a compilation error (002000) that names the table and says what to do. What such a
stream shows is what the refresh wrote (``dynamic_tables.apply``): only rows whose values change,
and a group or key that keeps its one row (an aggregate's group, a window's partition) as an
update (ISUPDATE TRUE, one row id). A row of a projection, filter, join or UNION ALL that
changes is a DELETE and an INSERT of a new row: nothing ties it to the input row it came from.

Streams on views (``ON VIEW``) read their view's base tables' change logs; ``view_streams`` owns
which views can have one and what such a stream returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import change_tracking, changes, time_travel, view_streams
from .catalog import StreamInfo
from .commands import BOOLEAN, TEXT, TIMESTAMP_NTZ, Result, command, name_taken
from .engine import HOOKS
from .errors import ProgrammingError, compilation_error, not_found, syntax_error, wrong_kind
from .names import META_SCHEMA, QNAME_RE, QName, like_to_regex, parse_parts
from .session import Session

M = META_SCHEMA

SHOW_COLUMNS = ["created_on", "name", "database_name", "schema_name", "owner", "comment", "table_name",
                "source_type", "base_tables", "type", "stale", "mode", "stale_after", "invalid_reason",
                "owner_role_type"]
_SHOW_TYPES = [TIMESTAMP_NTZ, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, BOOLEAN, TEXT, TIMESTAMP_NTZ,
               TEXT, TEXT]

_OPT = r"(?:\s+(?:APPEND_ONLY|SHOW_INITIAL_ROWS|INSERT_ONLY)\s*=\s*(?:TRUE|FALSE)|\s+COMMENT\s*=\s*'(?:[^']|'')*')*"


# ``[ WITH ] TAG ( name = 'value' [ , ... ] )`` [DOC S2]: accepted with no effect, as on tables
_TAG = r"(?:\s+(?:WITH\s+)?TAG\s*\((?:[^()']|'(?:[^']|'')*')*\))?"


@command(
    rf"CREATE\s+(?:(?P<replace>OR\s+REPLACE\s+)|(?P<alter>OR\s+ALTER\s+))?STREAM\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?"
    rf"(?P<name>{QNAME_RE}){_TAG}(?P<copy>\s+COPY\s+GRANTS)?\s+ON\s+(?P<kind>TABLE|VIEW|DYNAMIC\s+TABLE)\s+(?P<table>{QNAME_RE})"
    rf"(?:\s+(?P<atb>AT|BEFORE)\s*\(\s*(?:STREAM\s*=>\s*'(?P<at>[^']+)'|(?P<tkind>TIMESTAMP|OFFSET|STATEMENT)"
    rf"\s*=>\s*(?P<tval>.+?))\s*\))?"
    rf"(?P<opts>{_OPT})$"
)
def create_stream(s: Session, m: re.Match[str], _p: object) -> Result:
    if m.group("replace") and m.group("ine"):
        raise compilation_error("OR REPLACE and IF NOT EXISTS are incompatible.", 2016)
    qn = s.qualify(parse_parts(m.group("name")))
    table = s.qualify(parse_parts(m.group("table")))
    opts = m.group("opts") or ""
    append_only = bool(re.search(r"APPEND_ONLY\s*=\s*TRUE", opts, re.I))
    show_initial = bool(re.search(r"SHOW_INITIAL_ROWS\s*=\s*TRUE", opts, re.I))
    cm = re.search(r"COMMENT\s*=\s*'((?:[^']|'')*)'", opts, re.I)
    comment = cm.group(1).replace("''", "'") if cm else None
    cat = s.engine.catalog
    if m.group("alter"):
        if m.group("ine") or m.group("atb"):
            raise syntax_error("CREATE OR ALTER STREAM takes neither IF NOT EXISTS nor AT | BEFORE.")
        existing = cat.streams.get(qn.fqn)
        if existing is not None:
            return _alter_into(s, existing, table, append_only, show_initial, comment)
    taken = name_taken(s, qn, "Stream", qn.fqn in s.engine.catalog.streams, bool(m.group("ine")),
                       bool(m.group("replace")))
    if taken is not None:
        return taken
    if table.fqn in s.temp_tables():
        # [INFER] Snowflake allows a stream on a temporary table, which lives as long as the session;
        # cdcsim's change capture is for tables every session sees
        raise compilation_error(f"A stream on temporary table '{table.fqn}' is not supported by cdcsim.", 2000,
                                "0A000")
    kind = s.relation_kind(table)
    on = " ".join(m.group("kind").upper().split())
    from .show import hidden_tables  # (show imports this module)

    is_dt = (table.database, table.schema, table.name) in hidden_tables(s)
    if is_dt and on != "DYNAMIC TABLE":
        # Snowflake's 002203, as the page on streams on dynamic tables shows it
        raise wrong_kind("DYNAMIC_TABLE", on)
    if kind is None or not is_dt and on == "DYNAMIC TABLE":
        raise not_found("Dynamic table" if on == "DYNAMIC TABLE" else on.capitalize(), table.fqn)
    if kind != on and not is_dt:  # [INFER] a table named as a view, or a view as a table: not found
        raise not_found(on.capitalize(), table.fqn)
    if is_dt and append_only:
        raise compilation_error(f"APPEND_ONLY is not supported for a stream on dynamic table '{table.fqn}': only "
                                "standard streams are (filter on METADATA$ACTION = 'INSERT' instead).")
    view_sql: str | None = None
    sources = [table]
    if kind == "VIEW":
        view_sql = view_streams.view_text(s.duck, table)
        sources = view_streams.plan(s, table, view_sql or "").bases
    for source in sources:
        for g in HOOKS.write_guards:  # e.g. a dynamic table refreshed in FULL takes no stream
            g(s, source, "stream")
    at_offset: int | None = None
    if m.group("tkind"):
        # a point in the table's history (time_travel.py): the stream starts at that version
        if kind != "TABLE":
            raise compilation_error(f"CREATE STREAM ... {m.group('atb').upper()}({m.group('tkind').upper()} => ...) "
                                    f"on '{table.fqn}' is supported on a table only.", 2000, "0A000")
        table_id = cat.tracked.get(table.fqn)
        if table_id is None:
            raise time_travel.no_history(table.fqn)
        tr = s.translate(f"SELECT {m.group('tval')}")
        point = (m.group("atb").upper(), m.group("tkind").upper(), f"({s._resolve_tokens(tr)})")
        at_offset = time_travel.resolve(s, table.fqn, table_id, point)
    elif m.group("at"):
        src = s.qualify(parse_parts(m.group("at")))
        src_info = cat.streams.get(src.fqn)
        if src_info is None:
            raise not_found("Stream", src.fqn)
        if src_info.table_fqn != table.fqn:
            raise compilation_error(f"Stream '{src.fqn}' is not on table '{table.fqn}'.", 2_099)
        at_offset = int(s.duck.execute(f"SELECT stmt_offset FROM {M}.streams WHERE fqn = ?",
                                       [src.fqn]).fetchone()[0])
    with s.metadata_txn() as d:
        # a stream on a view turns change tracking on for each of its base tables [DOC S1]
        ids = [changes.track(d, source) for source in sources]
        table_id = ids[0] if view_sql is None else -1
        offset = at_offset if at_offset is not None else changes.current_stmt(d)
        now = s.now()
        d.execute(f"DELETE FROM {M}.streams WHERE fqn = ?", [qn.fqn])
        d.execute(
            f"INSERT INTO {M}.streams VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)",
            [qn.fqn, qn.database, qn.schema, qn.name, table.fqn, table_id, offset,
             "APPEND_ONLY" if append_only else "DEFAULT", show_initial, show_initial, comment, now, None,
             "SYSADMIN", view_sql, ids if view_sql is not None else None],
        )
        for i in ids:
            changes.set_hold(d, i, "stream:" + qn.fqn, offset)
    return Result.status(f"Stream {qn.name} successfully created.")


def _alter_into(s: Session, info: StreamInfo, table: QName, append_only: bool, show_initial: bool,
                comment: str | None) -> Result:
    """CREATE OR ALTER STREAM on an existing stream [DOC S2, "CREATE OR ALTER STREAM"]: only the
    COMMENT can change; a left-out COMMENT is unset, as CREATE OR ALTER unsets what the definition
    leaves out. "The source object ... [and] APPEND_ONLY setting ... can't be changed": such a
    statement fails and changes nothing. [INFER] SHOW_INITIAL_ROWS cannot change either (ALTER
    STREAM, whose limits the statement has, cannot set it), and the error texts are cdcsim's."""
    def refuse(what: str) -> ProgrammingError:
        return compilation_error(f"CREATE OR ALTER STREAM cannot change the {what} of stream '{info.qname.name}'; "
                                 "drop the stream and create a new one.", 2000, "0A000")

    if info.table_fqn != table.fqn:
        raise refuse("source object")
    if info.mode != ("APPEND_ONLY" if append_only else "DEFAULT"):
        raise refuse("APPEND_ONLY setting")
    if bool(info.show_initial) != show_initial:
        raise refuse("SHOW_INITIAL_ROWS setting")
    if info.comment != comment:
        with s.metadata_txn() as d:
            d.execute(f"UPDATE {M}.streams SET comment = ? WHERE fqn = ?", [comment, info.fqn])
    return Result.status("Statement executed successfully.")


@command(rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?STREAM\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})"
         rf"\s+CLONE\s+(?P<src>{QNAME_RE})(?P<copy>\s+COPY\s+GRANTS)?")
def clone_stream(s: Session, m: re.Match[str], _p: object) -> Result:
    """``CREATE STREAM s2 CLONE s``: a stream on the same table, in the same mode, that "inherits
    the current offset" of ``s`` [DOC S2]."""
    qn = s.qualify(parse_parts(m.group("name")))
    src = s.qualify(parse_parts(m.group("src")))
    cat = s.engine.catalog
    info = cat.streams.get(src.fqn)
    if info is None:
        raise not_found("Stream", src.fqn)
    taken = name_taken(s, qn, "Stream", qn.fqn in s.engine.catalog.streams, bool(m.group("ine")),
                       bool(m.group("replace")))
    if taken is not None:
        return taken
    with s.metadata_txn() as d:
        offset, pending = d.execute(f"SELECT stmt_offset, initial_pending FROM {M}.streams WHERE fqn = ?",
                                    [src.fqn]).fetchone()
        d.execute(f"DELETE FROM {M}.streams WHERE fqn = ?", [qn.fqn])
        d.execute(
            f"INSERT INTO {M}.streams VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [qn.fqn, qn.database, qn.schema, qn.name, info.table_fqn, info.table_id, offset, info.mode,
             info.show_initial, pending, info.comment, s.now(), None, "SYSADMIN", info.stale, info.view_sql,
             list(info.base_ids) if info.on_view else None],
        )
        for i in _live_logs(s, info):
            changes.set_hold(d, i, "stream:" + qn.fqn, int(offset))
    return Result.status(f"Stream {qn.name} successfully created.")


@command(rf"DROP\s+STREAM\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})")
def drop_stream(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    info = s.engine.catalog.streams.get(qn.fqn)
    if info is None:
        if m.group("ie"):
            return Result.status(f"Drop statement executed successfully ({qn.name} already dropped).")
        raise not_found("Stream", qn.fqn)
    with s.metadata_txn():
        _forget(s, info)
    return Result.status(f"{qn.name} successfully dropped.")


def _forget(s: Session, info: StreamInfo) -> None:
    """Delete a stream and release its hold on its table's change log (caller's transaction)."""
    d = s.duck
    d.execute(f"DELETE FROM {M}.streams WHERE fqn = ?", [info.fqn])
    for i in _live_logs(s, info):
        changes.drop_hold(d, i, "stream:" + info.fqn)
        changes.compact(d, i)


def _live_logs(s: Session, info: StreamInfo) -> list[int]:
    """The change logs the stream reads that still exist (a dropped table's went with it)."""
    tracked = set(s.engine.catalog.tracked.values())
    return [i for i in info.log_ids() if i in tracked]


def _drop_schemas(s: Session, schemas: list[tuple[str, str]]) -> None:
    """DROP SCHEMA / DATABASE drops the streams in those schemas (a stream elsewhere on one of
    their tables stays, stale: the core stops tracking each dropped table)."""
    dropped = set(schemas)
    for info in list(s.engine.catalog.streams.values()):
        if (info.qname.database, info.qname.schema) in dropped:
            _forget(s, info)


HOOKS.schema_drop.append(_drop_schemas)


@command(rf"ALTER\s+STREAM\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+(?P<op>SET|UNSET)\s+COMMENT"
         r"(?:\s*=\s*'(?P<c>(?:[^']|'')*)')?")
def alter_stream(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    if qn.fqn not in s.engine.catalog.streams:
        if m.group("ie"):
            return Result.status("Statement executed successfully.")
        raise not_found("Stream", qn.fqn)
    comment = m.group("c").replace("''", "'") if m.group("op").upper() == "SET" and m.group("c") is not None \
        else None
    with s.metadata_txn() as d:
        d.execute(f"UPDATE {M}.streams SET comment = ? WHERE fqn = ?", [comment, qn.fqn])
    return Result.status("Statement executed successfully.")


def _stream_rows(s: Session, pattern: str | None, scope: tuple[str, str] | None) -> list[tuple]:
    rx = like_to_regex(pattern) if pattern else None
    rows = []
    # consumption moves last_consumed without reloading the catalog: read it from the table
    consumed = dict(s.duck.execute(f"SELECT fqn, last_consumed FROM {M}.streams").fetchall())
    checked = s.engine.state.get("stream_checked", {})
    from .show import hidden_tables  # (show imports this module)

    dynamic = {f"{d}.{sc}.{n}" for d, sc, n in hidden_tables(s)}
    for info in sorted(s.engine.catalog.streams.values(), key=lambda i: (i.qname.database, i.qname.schema,
                                                                          i.qname.name)):
        if rx and not rx.match(info.qname.name):
            continue
        if scope and (info.qname.database, info.qname.schema) != scope and scope[1] != "*":
            continue
        if scope and scope[1] == "*" and info.qname.database != scope[0]:
            continue
        last = max(consumed.get(info.fqn) or info.created_on, checked.get(info.fqn) or info.created_on)
        bases = s.engine.catalog.source_tables(info)
        # a view's stream goes stale with the first of its base tables [DOC S1]
        stale_after = last + min((change_tracking.stale_period(s, b) for b in bases),
                                 default=change_tracking.stale_period(s, info.table_fqn))
        # "expected to be stale" [DOC S4]: reads still work past stale_after (they "may" in Snowflake)
        stale = _broken(s, info) or s.now() > stale_after
        source = "View" if info.on_view else "Dynamic Table" if info.table_fqn in dynamic else "Table"
        rows.append((info.created_on, info.qname.name, info.qname.database, info.qname.schema, "SYSADMIN",
                     info.comment, info.table_fqn, source, ", ".join(bases),
                     "DELTA", stale, info.mode, stale_after, "N/A", "ROLE"))
    return rows


def scope_re(bare: bool = False) -> str:
    """A SHOW's ``IN ACCOUNT | DATABASE [db] | SCHEMA [schema]`` (and, with ``bare``, SHOW OBJECTS'
    ``IN <schema>``). The keywords are groups of their own, so ``show_scope`` reads the scope from
    what matched, never from the text, where a LIKE pattern may hold " IN ACCOUNT"."""
    named = rf"|(?P<bare>{QNAME_RE})" if bare else ""
    return (rf"(?:\s+IN\s+(?:(?P<acct>ACCOUNT)|(?P<dbkw>DATABASE)(?:\s+(?P<db>{QNAME_RE}))?|"
            rf"(?P<schkw>SCHEMA)(?:\s+(?P<sch>{QNAME_RE}))?{named}))?")


_SCOPE = scope_re()
# a SHOW's ``STARTS WITH '<name>'`` and ``LIMIT <n> [FROM '<name>']`` (applied by ``page``)
STARTS_WITH = r"(?:\s+STARTS\s+WITH\s+'(?P<sw>[^']*)')?"
LIMIT_FROM = r"(?:\s+LIMIT\s+(?P<lim>\d+)(?:\s+FROM\s+'(?P<frm>[^']*)')?)?"
PAGING = STARTS_WITH + LIMIT_FROM


def page(rows: list, m: re.Match[str], name: Callable[[Any], str] = lambda r: r[1]) -> list:
    """The rows a SHOW's STARTS WITH / LIMIT ... FROM keep: names compared case-sensitively, FROM
    keeping the names after the string, then the first LIMIT rows [DOC S4: show-streams; the same
    clause on every SHOW page]."""
    found = m.groupdict()
    if found.get("sw") is not None:
        rows = [r for r in rows if name(r).startswith(found["sw"])]
    if found.get("frm") is not None:
        rows = [r for r in rows if name(r) > found["frm"]]
    return rows[: int(found["lim"])] if found.get("lim") else rows


def show_scope(s: Session, m: re.Match[str]) -> tuple[str, str] | None:
    """The (database, schema) a SHOW is limited to: schema '*' means the whole database, None the
    account; with no IN, the current database."""
    if m.group("acct"):
        return None
    if m.group("db"):
        db = parse_parts(m.group("db"))[0]
        if not s.database_exists(db):
            raise not_found("Database", db)
        return db, "*"
    if m.group("dbkw"):
        return s.database, "*"
    name = m.group("sch") or (m.groupdict().get("bare"))
    if name:
        parts = parse_parts(name)
        scope = (s.database, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        if not s.schema_exists(*scope):
            raise not_found("Schema", f"{scope[0]}.{scope[1]}")
        return scope
    if m.group("schkw"):
        return s.database, s.schema
    return s.database, "*"


# ``IN tpch.public``: "The DATABASE or SCHEMA keyword is not required" [DOC S4, and its example]
@command(rf"SHOW\s+(?P<terse>TERSE\s+)?STREAMS(?:\s+LIKE\s+'(?P<like>[^']*)')?{scope_re(bare=True)}{PAGING}")
def show_streams(s: Session, m: re.Match[str], _p: object) -> Result:
    rows = page(_stream_rows(s, m.group("like"), show_scope(s, m)), m)
    if m.group("terse"):
        # TERSE's kind is the type column renamed [DOC S4]
        return Result.table(["created_on", "name", "kind", "database_name", "schema_name", "tableOn"],
                            [(r[0], r[1], r[9], r[2], r[3], r[6]) for r in rows])
    return Result.table(SHOW_COLUMNS, rows, _SHOW_TYPES)


@command(rf"DESC(?:RIBE)?\s+STREAM\s+(?P<name>{QNAME_RE})")
def describe_stream(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    if qn.fqn not in s.engine.catalog.streams:
        raise not_found("Stream", qn.fqn)
    rows = [r for r in _stream_rows(s, None, None) if (r[2], r[3], r[1]) == (qn.database, qn.schema, qn.name)]
    return Result.table(SHOW_COLUMNS, rows, _SHOW_TYPES)


def _broken(s: Session, info: StreamInfo) -> bool:
    """Stale for good: its table (a view's base table, or the view itself) was dropped or replaced."""
    if info.on_view:
        return view_streams.stale_reason(s, info) is not None
    return info.stale or info.table_fqn not in s.engine.catalog.tracked


def stream_has_data(s: Session, args: list) -> str:
    """SYSTEM$STREAM_HAS_DATA('name'): TRUE when change data exists past the offset.

    Like Snowflake it may report a false positive (changes that cancel out), never a false
    negative."""
    if len(args) != 1 or not isinstance(args[0], str):
        raise compilation_error("SYSTEM$STREAM_HAS_DATA expects one string argument", 1044, "42P13")
    qn = s.qualify(parse_parts(args[0]))
    info = s.engine.catalog.streams.get(qn.fqn)
    if info is None:
        raise not_found("Stream", qn.fqn)
    if _broken(s, info):
        return "FALSE"
    row = s.duck.execute(f"SELECT stmt_offset, initial_pending FROM {M}.streams WHERE fqn = ?",
                         [qn.fqn]).fetchone()
    lo, pending = int(row[0]), bool(row[1])
    op = f" AND _op = {changes.OP_INSERT}" if info.mode == "APPEND_ONLY" else ""
    # a view's stream: any change to a base table (a documented false positive [DOC S6])
    has = s.duck.execute("SELECT " + " OR ".join(
        f"EXISTS (SELECT 1 FROM {changes.log_table(i)} WHERE _stmt > {lo}{op})" for i in info.log_ids())).fetchone()[0]
    if not has and pending:
        table = QName(*info.table_fqn.split(".", 2))
        has = s.duck.execute(f"SELECT EXISTS (SELECT 1 FROM {table.duck})").fetchone()[0]
    if not has:
        # "Calling SYSTEM$STREAM_HAS_DATA on an empty stream that returns FALSE prevents
        # staleness" [DOC S1, S6]. [INFER] Kept in memory, not written: the function runs inside
        # reads (a task's WHEN every few milliseconds); after a restart stale_after counts from the
        # last consumption again. Staleness only marks SHOW STREAMS here, reads keep working.
        s.engine.state.setdefault("stream_checked", {})[qn.fqn] = s.now()
    return "TRUE" if has else "FALSE"


def stream_table_timestamp(s: Session, args: list) -> str:
    """SYSTEM$STREAM_GET_TABLE_TIMESTAMP('name'): the time of the table version at the stream's
    offset, in nanoseconds since the epoch [DOC: sql-reference/functions/system_stream_get_table_timestamp].

    [INFER] cdcsim's offset is a position in the change log, not a time: the offset moves when a
    transaction that read the stream commits, or is set when the stream is made, so the time of
    the last consumption (else of the creation) is the table version's time, by the engine's
    clock (virtual under a ManualClock). A stale stream fails, as in Snowflake.

    "This function returns an error when the input is a stream on a view" [DOC]; [INFER] its text
    is cdcsim's and points to ``AT(STREAM => ...)``, which the page recommends instead."""
    if len(args) != 1 or not isinstance(args[0], str):
        raise compilation_error("SYSTEM$STREAM_GET_TABLE_TIMESTAMP expects one string argument", 1044, "42P13")
    qn = s.qualify(parse_parts(args[0]))
    info = s.engine.catalog.streams.get(qn.fqn)
    if info is None:
        raise not_found("Stream", qn.fqn)
    if info.on_view:
        raise compilation_error(f"SYSTEM$STREAM_GET_TABLE_TIMESTAMP does not support stream '{qn.name}' on a "
                                f"view; to start a stream at its offset use CREATE STREAM ... "
                                f"AT(STREAM => '{qn.name}').", 2000, "0A000")
    created, consumed, stale = s.duck.execute(
        f"SELECT created_on, last_consumed, stale FROM {M}.streams WHERE fqn = ?", [qn.fqn]).fetchone()
    if stale:  # (the error a read of the stream gives)
        raise ProgrammingError(f"SQL execution error:\nStream '{qn.name}' is stale. Recreate the stream.",
                               91_901, "55000")
    at = consumed or created
    epoch = datetime(1970, 1, 1)
    delta = at - epoch
    return str((delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000)


HOOKS.system_functions["SYSTEM$STREAM_HAS_DATA"] = stream_has_data
HOOKS.system_functions["SYSTEM$STREAM_GET_TABLE_TIMESTAMP"] = stream_table_timestamp
