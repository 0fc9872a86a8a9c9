"""A session: one DuckDB connection, its current database/schema, and Snowflake's transaction
and stream-consumption rules.

* Autocommit by default; ``BEGIN``/``START TRANSACTION`` … ``COMMIT``/``ROLLBACK`` for explicit
  transactions. DDL inside an explicit transaction commits it first, as in Snowflake.
* A DML statement (INSERT, UPDATE, DELETE, MERGE, CTAS) that reads a stream consumes it: at commit
  its offset moves to the end of the window the transaction saw — never on SELECT, never on
  rollback. Inside an explicit transaction every read of a stream sees the same window
  (repeatable read), and the transaction's own changes to the source are not in it.
* [INFER] A failed statement inside an explicit transaction rolls the whole transaction back
  (DuckDB cannot undo a single statement); the error says so. Snowflake keeps the transaction open.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from . import changes, frames, identity, time_travel
from .catalog import StreamInfo
from .commands import COMMAND_PREFIXES, Result, find
from .engine import Engine
from .errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    OperationalError,
    ProgrammingError,
    already_exists,
    compilation_error,
    duplicate_row,
    no_current,
    not_found,
    syntax_error,
)
from .names import DEFAULT_DATABASE, DEFAULT_SCHEMA, META_SCHEMA, QName, duck_schema, quote
from .sql import flow, template
from .sql import params as paramstyle
from .sql.split import strip_comments
from .sql.translate import Context, Translated, translate

_CACHE_SIZE = 2048
_DML_KINDS = {"insert", "update", "delete", "merge", "truncate"}
# States of a statement shape in Session._templates (besides a built Template).
_SEEN_ONCE, _NO_TEMPLATE = object(), object()

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    """A cached translation (or a shape's template state) and the catalog facts it was made from."""

    value: object
    deps: dict[tuple[str, str], object]
    checked: int  # catalog version at which ``deps`` last held


def _remember(cache: OrderedDict, key: tuple, value: object) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


@dataclass
class Window:
    info: StreamInfo
    lo: int
    hi: int
    only_inserts: bool
    probe: tuple | None = None  # changes.probe_sql's row for (lo, hi], when already read


_SESSION_IDS = itertools.count(1)
# what a stream adds to its source's columns
_STREAM_COLUMN_TYPES = (("METADATA$ACTION", "VARCHAR"), ("METADATA$ISUPDATE", "BOOLEAN"),
                        ("METADATA$ROW_ID", "VARCHAR"))


class Session:
    def __init__(self, engine: Engine, name: str = "user"):
        self.engine = engine
        self.name = name
        self.id = str(next(_SESSION_IDS))  # CURRENT_SESSION() [INFER: a number, unique in the process]
        self.duck = engine.db.cursor()
        self.lock = threading.RLock()
        self.database = DEFAULT_DATABASE
        self.schema = DEFAULT_SCHEMA
        self.in_txn = False
        self.own_floor: int | None = None
        self.windows: dict[str, Window] = {}
        self.consumed: dict[str, tuple[int, bool]] = {}  # stream -> (window end, a bulk read)
        self.written: set[str] = set()  # tables the open transaction wrote (Hooks.after_write)
        self.catalog_dirty = False
        self.own_txn = False  # run() wrapped the statement in a transaction of its own
        self.now_override: datetime | None = None  # a task run's scheduled time
        self.params: dict[str, Any] = {}  # ALTER SESSION SET (parameters.py)
        self.statement = ""  # the text being executed (names the command in 090105 / 090106)
        self._now_set: object = None
        self._cache: OrderedDict[tuple, _Entry] = OrderedDict()  # (text, database, schema) -> Translated
        self._temp: set[str] | None = None  # temp_tables(), until this session's next DDL
        self._templates: OrderedDict[tuple, _Entry] = OrderedDict()  # (shape, database, schema) -> Template
        self._types_memo: dict[str, tuple[tuple[str, str], ...] | None] = {}  # fqn -> _column_types
        self._types_version = -1
        self.query_count = 0
        self._aborted = False
        self.last_query_id: str | None = None
        self.query_ids: list[str] = []  # result_scan: the ids LAST_QUERY_ID(n) counts
        self.query_id: str | None = None  # the running statement's id, when a cursor gave one (time_travel)
        self.results: OrderedDict[str, Result] = OrderedDict()  # result_scan: recent results by id
        self.scanned: set[str] = set()  # result_scan: the ids whose result is registered with DuckDB
        self.async_errors: dict[str, Error] = {}  # async_queries: failed execute_async ids
        self._use(DEFAULT_DATABASE, DEFAULT_SCHEMA)

    # ------------------------------------------------------------------ basics
    def _use(self, database: str, schema: str) -> None:
        self.duck.execute(f"USE {quote(duck_schema(database, schema))}")
        self.database, self.schema = database, schema

    def use(self, database: str | None = None, schema: str | None = None) -> None:
        db = database or self.database
        sch = schema or (DEFAULT_SCHEMA if database else self.schema)
        if not self.schema_exists(db, sch):
            if schema is None and not self.database_exists(db):
                raise not_found("Database", db)
            raise not_found("Schema", f"{db}.{sch}")
        self._use(db, sch)

    def schema_exists(self, database: str, schema: str) -> bool:
        return bool(self.duck.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [duck_schema(database, schema)]
        ).fetchone()[0])

    def database_exists(self, database: str) -> bool:
        return bool(self.duck.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE schema_name LIKE ? ESCAPE '\\'",
            [database.replace("_", "\\_").replace("%", "\\%") + "\\_\\_%"],
        ).fetchone()[0])

    def qualify(self, parts: list[str]) -> QName:
        if len(parts) == 1:
            qn = QName(self.database, self.schema, parts[0])
        elif len(parts) == 2:
            qn = QName(self.database, parts[0], parts[1])
        else:
            return QName(parts[0], parts[1], parts[2])
        self.refuse_missing_current([qn])
        return qn

    def lose_current(self, schemas: list[tuple[str, str]]) -> None:
        """After ``schemas`` were dropped: a dropped current schema (or database) is no longer
        current, as in Snowflake, where CURRENT_SCHEMA() is then NULL and an unqualified name fails
        (090106 / 090105) until USE. The empty name stands for "none": it names no DuckDB schema,
        and ``refuse_missing_current`` turns it into Snowflake's error."""
        if (self.database, self.schema) in schemas:
            if not self.database_exists(self.database):
                self.database = ""
            self.schema = ""

    def refuse_missing_current(self, names: list[QName | None]) -> None:
        """Raise 090105 / 090106 if one of ``names`` was qualified with a current database or
        schema the session no longer has. Free while the session has both."""
        if self.database and self.schema:
            return
        for qn in names:
            if qn is not None and not (qn.database and qn.schema):
                raise no_current(statement_command(self.statement), "database" if not qn.database else "schema")

    def now(self) -> datetime:
        return self.now_override or self.engine.clock.now()

    def close(self) -> None:
        with self.lock:
            if self.in_txn:
                try:
                    self.rollback()
                except Error:
                    pass
            self.engine.lock.release(self, all_levels=True)
            try:
                self.duck.close()
            except duckdb.Error:
                pass

    # ------------------------------------------------------------------ objects
    def relation_kind(self, qn: QName) -> str | None:
        """'TABLE', 'VIEW' or None for a DuckDB relation."""
        # DuckDB's own catalog functions: information_schema.tables costs twice as much
        row = self.duck.execute(
            "SELECT 'TABLE' FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
            "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
            [qn.duck_schema, qn.name, qn.duck_schema, qn.name],
        ).fetchone()
        return row[0] if row else None

    def context(self, deps: dict[tuple[str, str], object] | None = None) -> Context:
        """What translation may know about the session and catalog. With ``deps``, every catalog
        fact translation asks for is recorded there (``(question, fqn) -> answer``), so a cached
        translation can later be checked against the catalog as it is then."""
        cat = self.engine.catalog

        def is_stream(qn: QName) -> bool:
            r = qn.fqn in cat.streams
            if deps is not None:
                deps[("stream", qn.fqn)] = r
            return r

        def has_row_id(qn: QName) -> bool:
            r = qn.fqn in cat.row_ids
            if deps is not None:
                deps[("row_id", qn.fqn)] = r
            return r

        def temp_table(qn: QName) -> bool:
            r = qn.fqn in self.temp_tables()
            if deps is not None:
                deps[("temp", qn.fqn)] = r
            return r

        def insert_columns(qn: QName) -> list[str]:
            r = self._insert_columns(qn)
            if deps is not None:
                deps[("columns", qn.fqn)] = (qn, tuple(r))
            return r

        def column_types(qn: QName) -> tuple[tuple[str, str], ...] | None:
            r = self._column_types(qn)
            if deps is not None:
                deps[("types", qn.fqn)] = (qn, r)
            return r

        return Context(
            database=self.database,
            schema=self.schema,
            is_stream=is_stream,
            has_row_id=has_row_id,
            insert_columns=insert_columns,
            table_functions=set(self.engine.hooks.table_functions),
            system_functions=set(self.engine.hooks.system_functions),
            temp_table=temp_table,
            column_types=column_types,
            session_id=self.id,
        )

    def end_temporary_tables(self) -> None:
        """Drop this session's temporary tables, as the end of a Snowflake session does (the
        scheduler's session runs every task, and each run is a session of its own)."""
        for name in self.temp_tables():
            self.duck.execute(f"DROP TABLE IF EXISTS temp.main.{quote(name)}")
        self._temp = set()

    def temp_tables(self) -> set[str]:
        """The names (``DB.SCHEMA.NAME``) of this session's temporary tables: DuckDB keeps them per
        connection, under those names (translate._to_temporary). Read again after this session's
        DDL (the only thing that changes them)."""
        if self._temp is None:
            self._temp = {r[0] for r in self.duck.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'temp' AND contains(table_name, '.')"
            ).fetchall()}
        return self._temp

    def _column_types(self, qn: QName) -> tuple[tuple[str, str], ...] | None:
        """A relation's user columns and their DuckDB types: a table's, a view's, this session's
        temporary table's, or a stream's (its source's, then its metadata columns). Kept until the
        catalog version moves (every DDL moves it, as cached translations assume): reading
        DuckDB's catalog costs about 1-2 ms, and each new statement over a table asks again."""
        version = self.engine.catalog.version
        if self._types_version != version:
            self._types_memo, self._types_version = {}, version
        if qn.fqn not in self._types_memo:
            self._types_memo[qn.fqn] = self._read_column_types(qn)
        return self._types_memo[qn.fqn]

    def _read_column_types(self, qn: QName) -> tuple[tuple[str, str], ...] | None:
        info = self.engine.catalog.streams.get(qn.fqn)
        if info is not None:
            source = self._column_types(QName(*info.table_fqn.split(".", 2)))
            return None if source is None else source + _STREAM_COLUMN_TYPES
        if qn.fqn in self.temp_tables():
            where, args = "database_name = 'temp' AND table_name = ?", [qn.fqn]
        else:
            where, args = "schema_name = ? AND table_name = ?", [qn.duck_schema, qn.name]
        rows = self.duck.execute(f"SELECT column_name, data_type FROM duckdb_columns() WHERE {where} "
                                 "ORDER BY column_index", args).fetchall()
        return tuple((n, t) for n, t in rows if n != changes.RID) or None

    def _insert_columns(self, qn: QName) -> list[str]:
        return [c.name for c in changes.user_columns(self.duck, qn) if not c.generated]

    def _holds(self, entry: _Entry, version: int) -> bool:
        """Whether a cached entry is still what translation would produce. The catalog version
        moves on every DDL and catalog reload, most of which do not touch the few facts one
        statement depends on: those are re-checked (dict lookups; a column list is re-read)
        instead of translating again."""
        if entry.checked == version:
            return True
        cat = self.engine.catalog
        for (question, fqn), answer in entry.deps.items():
            if question == "stream":
                ok = (fqn in cat.streams) == answer
            elif question == "temp":
                ok = (fqn in self.temp_tables()) == answer
            elif question == "row_id":
                ok = (fqn in cat.row_ids) == answer
            elif question == "types":
                qn, types = answer  # type: ignore[misc]
                ok = self._column_types(qn) == types
            else:
                qn, cols = answer  # type: ignore[misc]
                ok = tuple(self._insert_columns(qn)) == cols
            if not ok:
                return False
        entry.checked = version
        return True

    def _translate(self, text: str) -> tuple[Translated, dict]:
        deps: dict[tuple[str, str], object] = {}
        return translate(text, self.context(deps)), deps

    def translate(self, text: str) -> Translated:
        """The statement's translation, cached by text, current database and schema, and checked
        against the catalog facts it was made from (see ``_holds``)."""
        version = self.engine.catalog.version  # read first: a reload during translation re-checks
        key = (text, self.database, self.schema)
        entry = self._cache.get(key)
        if entry is not None and self._holds(entry, version):
            self._cache.move_to_end(key)
            return entry.value  # type: ignore[return-value]
        lifted = template.lift(text)
        if lifted is None:
            tr, deps = self._translate(text)
        else:
            tr, deps = self._translate_shape(text, (lifted[0], self.database, self.schema), lifted[1], version)
        _remember(self._cache, key, _Entry(tr, deps, version))
        return tr

    def _translate_shape(self, text: str, key: tuple, literals: list[str], version: int) -> tuple[Translated, dict]:
        """Translate a statement with literals through its shape's template (see sql/template.py)."""
        entry = self._templates.get(key)
        if entry is not None and not self._holds(entry, version):
            entry = None
        if entry is not None and isinstance(entry.value, template.Template):
            self._templates.move_to_end(key)
            return entry.value.render(literals), entry.deps
        tr, deps = self._translate(text)
        if entry is None:
            _remember(self._templates, key, _Entry(_SEEN_ONCE, deps, version))  # most shapes never repeat
        elif entry.value is _SEEN_ONCE:
            built = None
            if tr.kind in template.TEMPLATE_KINDS:
                try:
                    built = template.build(translate(key[0], self.context()), len(literals))
                except Exception:  # the shape is only a probe: any failure means "no template"
                    built = None
                if built is not None and not template.same(built.render(literals), tr):
                    built = None
            _remember(self._templates, key, _Entry(built if built is not None else _NO_TEMPLATE, deps, version))
        return tr, deps

    # ------------------------------------------------------------------ execution
    def execute(self, sql: str, params: Any = None) -> Result:
        with self.lock:
            if self.engine.closed:
                raise OperationalError("Connection is closed", 250002, "08003")
            text = strip_comments(sql)
            if not text:
                raise syntax_error("Empty SQL statement.")
            text = text.rstrip(";").strip()
            text, values = paramstyle.convert(text, params)
            if paramstyle.needs_inlining(text, values):
                text, values = paramstyle.inline(text, values), None
            if flow.PIPE in text:
                parts = flow.split_pipe(paramstyle.inline(text, values) if values else text)
                if len(parts) > 1:
                    return self._run_chain(parts)
            if "$" in text and "IDENTIFIER" in text.upper():
                text = self._identifier_variables(text)
            self.statement = text
            self.query_count += 1
            hit = find(text)
            if hit is not None:
                fn, m = hit
                try:
                    return fn(self, m, values)
                except Error:
                    raise
                except Exception as e:
                    raise map_duck_error(e, self.in_txn) from None
            if COMMAND_PREFIXES.match(text):
                raise syntax_error(f"Syntax error: unexpected or unsupported statement '{text[:60]}'")
            tr = self.translate(text)
            if values and paramstyle.placeholders(tr.sql) != len(values):
                # a rewrite wrote an argument more than once (WIDTH_BUCKET(?, ...), TO_TIMESTAMP_LTZ(?)):
                # DuckDB would number the copies as parameters of their own. Bound on the client, as
                # snowflake.connector's default paramstyle does.
                tr, values = self.translate(paramstyle.inline(text, values)), None
            return self.run(tr, values)

    def _run_chain(self, parts: list[str]) -> Result:
        """Statements chained with ``->>`` (sql/flow.py): each but the last under a query id of its
        own, whose result the next ones read as ``$n``; the last one's result is the chain's."""
        from .result_scan import remember  # (it imports this module)

        outer, ids = self.query_id, []
        for part in parts[:-1]:
            self.query_id = str(uuid.uuid4())
            remember(self, self.query_id, self.execute(flow.resolve_refs(part, ids)))
            ids.append(self.query_id)
        self.query_id = outer
        return self.execute(flow.resolve_refs(parts[-1], ids))

    def _identifier_variables(self, text: str) -> str:
        """``IDENTIFIER($name)`` names the object a session variable holds (sqlglot reads only a
        literal there): the variable's value is put in as the literal, before translation."""
        def value(m: re.Match[str]) -> str:
            name = m.group(1).upper()
            row = self.duck.execute("SELECT value FROM duckdb_variables() WHERE name = ?", [name]).fetchone()
            if row is None:
                raise compilation_error(f"Session variable '${name}' does not exist", 2211, "02000")
            return "IDENTIFIER('" + str(row[0]).replace("'", "''") + "')"

        return _IDENTIFIER_VAR.sub(value, text)

    def execute_batch(self, sql: str, columns: list[str], rows: list[tuple]) -> Result:
        """Execute ``sql`` (which reads the relation ``__CDCSIM_BATCH``) with ``rows`` bound as that
        relation: one statement for a whole batch of parameter sets."""
        import pandas as pd

        with self.lock:
            frame = pd.DataFrame.from_records(rows, columns=columns)
            frames.register(self.duck, "__CDCSIM_BATCH", frame)
            try:
                result = self.execute(sql)
            finally:
                frames.unregister(self.duck, "__CDCSIM_BATCH")
            return result

    def run(self, tr: Translated, values: list[Any] | None = None) -> Result:
        hooks = self.engine.hooks
        self.refuse_missing_current([*tr.relations, tr.target])
        if tr.if_exists and tr.target is not None and not tr.temporary and self.relation_kind(tr.target) is None:
            return Result.status("Statement executed successfully.")
        if tr.is_ddl and self.in_txn:
            self.commit()
        if not (tr.kind == "create" and tr.ast is not None and str(tr.ast.args.get("kind")).upper() == "VIEW"):
            for qn in tr.relations:  # (CREATE VIEW reads nothing: a view over a table not yet readable is fine)
                for g in hooks.read_guards:
                    g(self, qn)
        if tr.target is not None and not tr.temporary and tr.kind in _DML_KINDS | {"create", "drop", "alter"}:
            for wg in hooks.write_guards:
                wg(self, tr.target, tr.kind)
        consumes = bool(tr.streams) and tr.is_write
        # A statement that reads a stream runs in a transaction of its own even when it only reads:
        # its snapshot is then fixed, so one probe of the log both ends the window and describes
        # it. Outside one, the window's end and the probe are two reads of the log, the second
        # filtered to the first's end (1M pending inserts: 3.2 + 9.4 ms, against a 30 ms read).
        history = self._history_of(tr)
        needs_own_txn = not self.in_txn and (bool(tr.streams) or tr.is_ddl or tr.overwrite
                                             or self._is_tracked_merge(tr) or history is not None)
        if tr.is_write:
            self.acquire_write()
        own = False
        try:
            if needs_own_txn:
                self.duck.execute("BEGIN TRANSACTION")
                own = self.own_txn = True
            if tr.is_ddl:
                if tr.temporary:
                    self._temp = None  # (only its own temporary tables' DDL changes temp_tables())
                else:  # (a temporary table has no capture, properties or identity)
                    self._table_ddl("pre", tr)
            sql = self._resolve_tokens(tr)
            self._set_now()
            if tr.check_names:
                self._refuse_repeated_names(tr)
            if tr.kind == "merge":
                from . import merge

                run_merge = merge.run_merge if self._is_tracked_merge(tr) else merge.run_native_merge
                result = run_merge(self, tr, sql, values)
            elif tr.kind == "update":
                result = self._run_update(tr, sql, values)
            else:
                if tr.overwrite and tr.target is not None:
                    # INSERT OVERWRITE [DOC: sql-reference/sql/insert]: the target's rows go, then the
                    # new ones come, as one statement (a stream sees the deletes and the inserts)
                    self.duck.execute(f"DELETE FROM {tr.target.duck}")
                # DROP ... IF EXISTS of nothing says so, as Snowflake does
                gone = tr.kind == "drop" and tr.ast is not None and bool(tr.ast.args.get("exists")) \
                    and str(tr.ast.args.get("kind", "")).upper() in ("TABLE", "VIEW") and tr.target is not None \
                    and not tr.temporary and self.relation_kind(tr.target) is None
                self.duck.execute(sql, values)
                result = self._result(tr)
                if gone:
                    result = Result.status(f"Drop statement executed successfully ({tr.target.name} already dropped).")
            if history is not None:  # in the statement's transaction: its time is its changes' time
                time_travel.record(self, history, tr.target.fqn)
            if consumes:
                for fqn in tr.streams:
                    w = self.windows.get(fqn)
                    if w is not None:
                        # a transaction reuses its window, so a second read sees the same probe
                        bulk = w.probe is not None and int(w.probe[0]) > changes.COMPACT_ROWS
                        self.consumed[fqn] = (w.hi, bulk)
                if not self.in_txn:
                    self._apply_consumption()
            if tr.is_ddl:
                if tr.temporary:
                    self._temp = None
                else:
                    self._table_ddl("post", tr)
                self.catalog_dirty = True
            if own:
                self.duck.execute("COMMIT")
                own = False
            if tr.is_write and tr.target is not None and tr.kind in _DML_KINDS:
                self.written.add(tr.target.fqn)
            return result
        except Exception as e:
            if own:
                self._safe_rollback()
            elif self.in_txn and not getattr(e, "before_any_change", False):
                self._abort_txn()
            raise self._map_error(e, tr) from None
        finally:
            self.own_txn = False
            if not self.in_txn:
                self.windows.clear()
                self.consumed.clear()
                if tr.is_write:
                    self.engine.lock.release(self, all_levels=True)
                if self.catalog_dirty:
                    self.reload_catalog()
                self._after_write()

    def _history_of(self, tr: Translated) -> int | None:
        """The change log of the table a write statement changes, when that table keeps history."""
        if not tr.is_write or tr.target is None or tr.temporary or tr.kind not in _DML_KINDS:
            return None
        table_id = self.engine.catalog.tracked.get(tr.target.fqn)
        return table_id if table_id is not None and table_id in time_travel.history_ids(self) else None

    def _is_tracked_merge(self, tr: Translated) -> bool:
        return tr.kind == "merge" and tr.target is not None and tr.target.fqn in self.engine.catalog.tracked

    def _run_update(self, tr: Translated, sql: str, values: list[Any] | None) -> Result:
        """UPDATE answers Snowflake's two counters [DOC: sql-reference/sql/update]. Only an UPDATE
        ... FROM can join a target row to several source rows, so only it pays for a count of
        them; DuckDB would also count such a row once per join partner, Snowflake counts it once."""
        probe = _update_from_probe(tr.sql)
        if probe is None:
            n = self.duck.execute(sql, values).fetchone()[0]
            return _update_result(int(n or 0), 0)
        count_sql, set_params, first_sql = probe
        # The SET list's ``?`` come first in the text and are not in the probe.
        where_values = values[set_params:] if values else values
        updated, multi = self.duck.execute(self._resolve_tokens(tr, count_sql), where_values).fetchone()
        if multi:
            from .parameters import parameter

            if parameter(self, "ERROR_ON_NONDETERMINISTIC_UPDATE"):
                row = self.duck.execute(self._resolve_tokens(tr, first_sql), where_values).fetchone()
                raise duplicate_row(row or ())
        self.duck.execute(sql, values)
        return _update_result(int(updated), int(multi))

    def reload_catalog(self) -> None:
        self.catalog_dirty = False
        self.engine.catalog.reload(self.duck)

    @contextmanager
    def metadata_txn(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DDL transaction on engine metadata: commits an open user transaction first (DDL does,
        in Snowflake), holds the write lock, commits or rolls back as a whole, then reloads the
        catalog so cached translations see the change."""
        if self.in_txn:
            self.commit()
        self.acquire_write()
        try:
            self.duck.execute("BEGIN TRANSACTION")
            try:
                yield self.duck
                self.duck.execute("COMMIT")
            except BaseException:
                self._safe_rollback()
                raise
        finally:
            self.engine.lock.release(self, all_levels=True)
            self.reload_catalog()

    def acquire_write(self) -> None:
        first = not self.engine.lock.held_by(self)
        self.engine.lock.acquire(self)
        if first and self.in_txn:
            # Every statement number above this one was handed to this transaction.
            self.own_floor = changes.current_stmt(self.duck)

    def _set_now(self) -> None:
        clock = self.engine.clock
        if self.now_override is None and not clock.manual:
            if self._now_set is not None:
                self.duck.execute("RESET VARIABLE cdcsim_now")
                self._now_set = None
            return
        now = self.now()
        if now != self._now_set:
            self.duck.execute("SET VARIABLE cdcsim_now = ?::TIMESTAMP", [now])
            self._now_set = now

    def _result(self, tr: Translated) -> Result:
        desc = self.duck.description
        if desc is None:
            return Result.status("Statement executed successfully.")
        rows = self.duck.fetchall()
        if tr.kind in _DML_KINDS:
            # (MERGE and UPDATE count their own actions: _run_update, merge.py)
            if tr.kind == "truncate":
                return Result.status("Statement executed successfully.")
            n = int(rows[0][0]) if rows and rows[0] and rows[0][0] is not None else 0
            if tr.kind == "update":
                return _update_result(n, 0)
            return Result.counts([({"insert": "number of rows inserted", "delete": "number of rows deleted"}[tr.kind], n)])
        if tr.kind in ("create", "drop", "alter", "comment"):
            return Result.status(_ddl_message(tr))
        return from_duck(desc, rows)

    # ------------------------------------------------------------------ tokens & streams
    def _resolve_tokens(self, tr: Translated, sql: str | None = None) -> str:
        """Fill the statement's tokens (stream windows, table functions, SYSTEM$ calls) in ``sql``."""
        sql = tr.sql if sql is None else sql
        for tok in tr.tokens:
            if tok.placeholder not in sql:
                continue
            quoted = f'"{tok.placeholder}"'
            if tok.kind == "stream":
                sql = sql.replace(quoted, "(" + self.stream_sql(tok.name) + ")")
            elif tok.kind == "changes":
                sql = sql.replace(quoted, "(" + self.changes_sql(tok.name, *self._points(tr, tok.args)) + ")")
            elif tok.kind == "timetravel":
                sql = sql.replace(quoted, "(" + self.table_at_sql(tok.name, *self._points(tr, tok.args)) + ")")
            elif tok.kind == "tablefn":
                fn = self.engine.hooks.table_functions[tok.name]
                sql = sql.replace(quoted, "(" + fn(self, list(tok.args), dict(tok.kwargs)) + ")")
            elif tok.kind == "sysfn":
                fn = self.engine.hooks.system_functions[tok.name]
                sql = sql.replace(quoted, fn(self, list(tok.args)))
            elif tok.kind == "identity":
                sql = sql.replace(quoted, identity.new_sequence(self, *tok.args))
        return sql

    def stream_info(self, fqn: str) -> StreamInfo:
        info = self.engine.catalog.streams.get(fqn)
        if info is None:
            raise not_found("Stream", fqn)
        return info

    def stream_window(self, fqn: str) -> Window:
        w = self.windows.get(fqn)
        if w is not None:
            return w
        info = self.stream_info(fqn)
        if info.on_view:
            return self._view_window(info)
        if info.stale or info.table_fqn not in self.engine.catalog.tracked:
            raise ProgrammingError(
                f"SQL execution error:\nBase table '{info.table_fqn}' dropped, cannot read from stream "
                f"'{info.qname.name}' in line 1 position 0.", 91901, "55000"
            )
        row = self.duck.execute(
            f"SELECT stmt_offset, initial_pending FROM {META_SCHEMA}.streams WHERE fqn = ?", [fqn]
        ).fetchone()
        lo, pending = int(row[0]), bool(row[1])
        cap = self.own_floor if self.in_txn else None
        if (self.in_txn or self.own_txn) and cap is None:
            # the transaction's snapshot is fixed and holds none of its own writes: the window
            # ends at the log's end and one probe describes it (what delta_sql would ask again)
            probe = self.duck.execute(changes.probe_sql(info.table_id, lo, None)).fetchone()
            w = Window(info, lo, lo if probe[6] is None else int(probe[6]), not probe[1], probe)
        else:
            hi, only_inserts = changes.window_end(self.duck, info.table_id, lo, cap)
            w = Window(info, lo, hi, only_inserts)
        w.info = StreamInfo(**{**info.__dict__, "initial_pending": pending})
        self.windows[fqn] = w
        return w

    def _view_window(self, info: StreamInfo) -> Window:
        from . import view_streams  # (it reads sessions)

        reason = view_streams.stale_reason(self, info)
        if reason is not None:
            raise ProgrammingError(
                f"SQL execution error:\nStream '{info.qname.name}' is stale: {reason.format(view=info.table_fqn)}. "
                "Recreate the stream.", 91901, "55000")
        lo, pending = self.duck.execute(
            f"SELECT stmt_offset, initial_pending FROM {META_SCHEMA}.streams WHERE fqn = ?", [info.fqn]).fetchone()
        hi = view_streams.window_end(self.duck, list(info.base_ids), int(lo), self.own_floor if self.in_txn else None)
        w = Window(StreamInfo(**{**info.__dict__, "initial_pending": bool(pending)}), int(lo), hi, False)
        self.windows[info.fqn] = w
        return w

    def table_columns(self, table: QName) -> list[changes.Column]:
        """The table's user columns, cached until the next DDL (every DDL reloads the catalog,
        which moves its version on)."""
        cache = self.engine.state.setdefault("columns", {})
        version = self.engine.catalog.version
        hit = cache.get(table.fqn)
        if hit is not None and hit[0] == version:
            return hit[1]
        cols = changes.user_columns(self.duck, table)
        cache[table.fqn] = (version, cols)
        return cols

    def _points(self, tr: Translated, args: tuple) -> tuple:
        """A token's Time Travel points with the tokens in their values (LAST_QUERY_ID()) filled."""
        return tuple((p[0], p[1], self._resolve_tokens(tr, p[2])) if isinstance(p, tuple) and len(p) == 3 else p
                     for p in args)

    def _tracked_table(self, table_fqn: str) -> tuple[QName, int]:
        table_id = self.engine.catalog.tracked.get(table_fqn)
        if table_id is None:
            raise time_travel.no_history(table_fqn)
        return QName(*table_fqn.split(".", 2)), table_id

    def table_at_sql(self, table_fqn: str, point: time_travel.Point) -> str:
        """``table AT | BEFORE (...)``: the table's rows as of that version (time_travel.py)."""
        table, table_id = self._tracked_table(table_fqn)
        at = time_travel.resolve(self, table_fqn, table_id, point)
        cols = self.table_columns(table)
        names = ", ".join(quote(c.name) for c in cols)
        return f"SELECT {names} FROM {changes.state_at_sql(table, table_id, cols, at)} AS _v"

    def changes_sql(self, table_fqn: str, stream_fqn: str | None, append_only: bool,
                    start: time_travel.Point, end: time_travel.Point | None) -> str:
        """``table CHANGES(INFORMATION => ...) AT | BEFORE (...) [END (...)]``: the net changes from
        the start version to the end one (or to now) in the mode INFORMATION names, read without
        consuming. From AT(STREAM => s) without END, exactly what the stream shows (whatever its
        own mode), without listing the stream among those the statement reads."""
        if stream_fqn is not None and end is None:
            info = self.stream_info(stream_fqn)
            if info.table_fqn != table_fqn:
                raise compilation_error(f"Stream '{stream_fqn}' is not on table '{table_fqn}'.", 2099, "42601")
            return self.stream_sql(stream_fqn, append_only=append_only, initial=False)
        table, table_id = self._tracked_table(table_fqn)
        lo = time_travel.resolve(self, table_fqn, table_id, start)
        if end is not None:
            hi = max(lo, time_travel.resolve(self, table_fqn, table_id, end))
        else:
            hi = changes.window_end(self.duck, table_id, lo, self.own_floor if self.in_txn else None)[0]
        cols = self.table_columns(table)
        inner = changes.delta_sql(self.duck, table, table_id, cols, lo, hi, append_only=append_only)
        return self._change_rows(cols, table_id, inner)

    @staticmethod
    def _change_rows(cols: list[changes.Column], table_id: int, inner: str) -> str:
        names = ", ".join(quote(c.name) for c in cols)
        return (f"SELECT {names}, \"METADATA$ACTION\", \"METADATA$ISUPDATE\", "
                f"{changes.row_id_sql(table_id, changes.QRID)} AS \"METADATA$ROW_ID\" FROM ({inner}) AS _s")

    def stream_sql(self, fqn: str, *, append_only: bool | None = None, initial: bool = True) -> str:
        """The stream's rows now: its window's net changes (``append_only`` overrides the stream's
        mode; ``initial=False`` ignores a pending SHOW_INITIAL_ROWS)."""
        w = self.stream_window(fqn)
        info = w.info
        if append_only is None:
            append_only = info.mode == "APPEND_ONLY"
        if info.on_view:
            from . import view_streams

            return view_streams.rows_sql(self, info, w.lo, w.hi, append_only=append_only,
                                         initial=info.initial_pending and initial)
        table = QName(*info.table_fqn.split(".", 2)) if info.table_fqn.count(".") == 2 else None
        assert table is not None
        cols = self.table_columns(table)
        names = ", ".join(quote(c.name) for c in cols)
        if info.initial_pending and initial:
            inner = (f"SELECT {names}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", "
                     f"{changes.QRID} FROM {changes.state_at_sql(table, info.table_id, cols, w.hi)}")
        else:
            # the window's probe describes the log as the window saw it: once this transaction
            # has written, its own events may follow the window, and the probe is read again
            fresh = not (self.in_txn and self.own_floor is not None)
            inner = changes.delta_sql(self.duck, table, info.table_id, cols, w.lo, w.hi,
                                      append_only=append_only, probe=w.probe if fresh else None)
        return self._change_rows(cols, info.table_id, inner)

    def _apply_consumption(self) -> None:
        now = self.now()
        for fqn, (hi, bulk) in self.consumed.items():
            info = self.engine.catalog.streams.get(fqn)
            if info is None:
                continue
            self.duck.execute(
                f"UPDATE {META_SCHEMA}.streams SET stmt_offset = ?, initial_pending = FALSE, last_consumed = ? "
                f"WHERE fqn = ?", [hi, now, fqn],
            )
            reads = self.engine.state.setdefault("stream_reads", {})
            n = reads.get(fqn, 0) + 1
            if n >= changes.COMPACT_EVERY or bulk:
                n = 0
                for log in info.log_ids():
                    changes.set_hold(self.duck, log, "stream:" + fqn, hi)
                    changes.compact(self.duck, log, self.engine.catalog.tracked.values())
            reads[fqn] = n
        self.consumed.clear()

    # ------------------------------------------------------------------ transactions
    def begin(self) -> None:
        if self.in_txn:
            return  # Snowflake ignores BEGIN inside a transaction
        self.duck.execute("BEGIN TRANSACTION")
        self.in_txn = True
        self.own_floor = None

    def commit(self) -> None:
        if not self.in_txn:
            return
        try:
            if self.consumed:
                self._apply_consumption()
            self.duck.execute("COMMIT")
        except Exception as e:
            self._safe_rollback()
            raise self._map_error(e, None) from None
        finally:
            self._end_txn()
        self._after_write()

    def _after_write(self) -> None:
        """Tell the after_write hooks which tables the transaction that just committed wrote
        (a triggered task reacts to new data at once instead of at its next poll)."""
        if not self.written:
            return
        written, self.written = self.written, set()
        for fn in self.engine.hooks.after_write:
            try:
                fn(self, written)
            except Exception:  # noqa: BLE001 - the write is committed; a hook must not undo its success
                log.exception("after_write hook failed")

    def rollback(self) -> None:
        if not self.in_txn:
            return
        self._safe_rollback()
        self._end_txn()

    def _end_txn(self) -> None:
        self.in_txn = False
        self.own_floor = None
        self.windows.clear()
        self.consumed.clear()
        self.engine.lock.release(self, all_levels=True)
        if self.catalog_dirty:
            self.reload_catalog()

    def _safe_rollback(self) -> None:
        self.written.clear()
        try:
            self.duck.execute("ROLLBACK")
        except duckdb.Error:
            pass

    def _abort_txn(self) -> None:
        self._safe_rollback()
        self._end_txn()
        self._aborted = True

    # ------------------------------------------------------------------ DDL bookkeeping
    def _table_ddl(self, phase: str, tr: Translated) -> None:
        target = tr.target
        if target is None:
            return
        cat = self.engine.catalog
        if phase == "pre" and tr.kind in ("create", "drop") and target.fqn in cat.tracked:
            replace = tr.kind == "drop" or bool(tr.ast is not None and tr.ast.args.get("replace"))
            kind = str(tr.ast.args.get("kind", "")).upper() if tr.ast is not None else ""
            if replace and kind in ("TABLE", ""):
                if tr.kind == "drop":
                    from . import undrop  # (it imports this module)

                    undrop.keep(self, target, cat.tracked[target.fqn])  # while its history is known
                self.stop_tracking(target)
        if phase == "post" and tr.kind == "create" and tr.ast is not None \
                and str(tr.ast.args.get("kind", "")).upper() == "VIEW":
            self._pin_view_columns(tr, target)
            self.duck.execute(f"INSERT OR REPLACE INTO {META_SCHEMA}.objects VALUES (?, 'VIEW', ?, NULL, ?)",
                              [target.fqn, self.engine.clock.now(), self.statement])
        if phase == "post" and tr.kind == "drop" and tr.ast is not None \
                and str(tr.ast.args.get("kind", "")).upper() == "VIEW":
            self.duck.execute(f"DELETE FROM {META_SCHEMA}.objects WHERE fqn = ?", [target.fqn])
        if tr.kind == "alter" and target.fqn in cat.tracked:
            table_id = cat.tracked[target.fqn]
            if phase == "pre":
                changes.drop_triggers(self.duck, target, table_id)
            else:
                new = _renamed(tr, target) or target
                changes.retrack(self.duck, new, table_id)
                if new != target:
                    self.duck.execute(f"UPDATE {META_SCHEMA}.streams SET table_fqn = ? WHERE table_id = ?",
                                      [new.fqn, table_id])
        if tr.kind == "alter" and phase == "post":
            new = _renamed(tr, target)
            if new is not None and new != target:  # a table's properties follow it (change_tracking)
                self.duck.execute(f"UPDATE {META_SCHEMA}.table_params SET fqn = ? WHERE fqn = ?",
                                  [new.fqn, target.fqn])
                self.duck.execute(f"UPDATE {META_SCHEMA}.objects SET fqn = ? WHERE fqn = ?", [new.fqn, target.fqn])
                # and a renamed view keeps its streams, as a renamed table does [DOC S1]
                self.duck.execute(f"UPDATE {META_SCHEMA}.streams SET table_fqn = ? WHERE table_fqn = ? "
                                  "AND view_sql IS NOT NULL", [new.fqn, target.fqn])
        for fn in self.engine.hooks.table_ddl:
            fn(self, phase, tr.kind, target)
        if phase == "post" and (tr.kind == "drop" or tr.kind == "create" and tr.ast is not None
                                and tr.ast.args.get("replace")):
            identity.drop_unused(self)
        if phase == "post" and tr.kind == "create" and tr.table_props:
            from .change_tracking import at_create  # (it imports this module)

            at_create(self, target, tr.table_props)  # after the hooks: a replaced table's are gone

    def stop_tracking(self, table: QName) -> None:
        """End change capture on a table that is being dropped or replaced, in the caller's
        transaction: its triggers and change log go, and every stream on it is stale for good (a
        new table of the same name is another table, as in Snowflake)."""
        table_id = self.engine.catalog.tracked.get(table.fqn)
        if table_id is None:
            return
        changes.drop_triggers(self.duck, table, table_id)
        changes.untrack(self.duck, table_id)
        self.duck.execute(f"UPDATE {META_SCHEMA}.streams SET stale = TRUE WHERE table_id = ? "
                          f"OR list_contains(base_ids, ?)", [table_id, table_id])

    def _refuse_repeated_names(self, tr: Translated) -> None:
        """CREATE TABLE AS SELECT with a ``*`` that brings a name twice fails as Snowflake fails it
        (002025); DuckDB's CTAS would rename the second column, its DESCRIBE keeps both."""
        from .errors import duplicate_column
        from .sql.translate import to_duck

        assert tr.ast is not None
        inner = self._resolve_tokens(tr, to_duck(tr.ast.expression))
        seen: set[str] = set()
        for (name, *_rest) in self.duck.execute(f"DESCRIBE {inner}").fetchall():
            if name in seen:
                raise duplicate_column(name)
            seen.add(name)

    def _pin_view_columns(self, tr: Translated, view: QName) -> None:
        """Fix a view's columns at creation, as Snowflake does: ``SELECT *`` over a table that
        change tracking later widens (hidden row id) must not widen the view. The query's columns
        are named by position: a view's own column list (``CREATE VIEW v (x, y) AS ...``) renames
        them."""
        from .sql.translate import to_duck

        query = tr.ast.expression if tr.ast is not None else None
        if query is None:
            return
        cols = [r[0] for r in self.duck.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
            "ORDER BY column_index", [view.duck_schema, view.name]).fetchall()]
        if not cols:
            return
        names = ", ".join(quote(c) for c in cols)
        inner = self._resolve_tokens(tr, to_duck(query))
        self.duck.execute(f"CREATE OR REPLACE VIEW {view.duck} AS SELECT {names} FROM ({inner}) AS _v({names})")

    # ------------------------------------------------------------------ errors
    def _map_error(self, e: Exception, tr: Translated | None) -> Exception:
        if isinstance(e, Error):
            return e
        aborted, self._aborted = self._aborted, False
        return map_duck_error(e, self.in_txn or aborted)


_MODIFIERS = {"OR", "REPLACE", "TEMPORARY", "TEMP", "TRANSIENT", "VOLATILE", "SECURE", "LOCAL", "GLOBAL",
              "RECURSIVE", "IF", "NOT", "EXISTS"}
_WITH_OBJECT = {"CREATE", "ALTER", "DROP", "DESCRIBE", "DESC", "SHOW", "UNDROP", "TRUNCATE", "USE", "EXECUTE"}


def statement_command(text: str) -> str:
    """The command Snowflake names in "Cannot perform <command>": ``CREATE TABLE`` for
    ``CREATE OR REPLACE TRANSIENT TABLE t ...``, ``SELECT`` for a query."""
    words = re.findall(r"[A-Za-z_]+", text[:200].upper())
    if not words:
        return "SELECT"
    if words[0] == "WITH":
        return "SELECT"
    if words[0] not in _WITH_OBJECT:
        return words[0]
    rest = [w for w in words[1:] if w not in _MODIFIERS]
    kind = rest[:2] if rest[:1] == ["DYNAMIC"] else rest[:1]
    return " ".join([words[0], *kind])


def _renamed(tr: Translated, target: QName) -> QName | None:
    from sqlglot import exp

    if tr.ast is None:
        return None
    for action in tr.ast.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            t = action.this
            db = t.args.get("db")
            if db is not None and "__" in db.name:
                d, _, sch = db.name.partition("__")
                return QName(d, sch, t.name)
            return QName(target.database, target.schema, t.name)
    return None


def _ddl_message(tr: Translated) -> str:
    ast = tr.ast
    kind = str(ast.args.get("kind", "")).upper() if ast is not None else ""
    name = tr.target.name if tr.target else ""
    if tr.kind == "create":
        return f"{kind.title() or 'Object'} {name} successfully created."
    if tr.kind == "drop":
        return f"{name} successfully dropped."
    return "Statement executed successfully."


def _update_result(updated: int, multi_joined: int) -> Result:
    # A multi-joined row is also one of the updated rows, so rowcount (rows affected) leaves it out.
    return Result.counts([("number of rows updated", updated), ("number of multi-joined rows updated", multi_joined)],
                         rowcount=updated)


# Quoted strings and identifiers (skipped whole), parentheses, and the FROM keyword.
_FROM_SCAN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|[()]|\bFROM\b""", re.IGNORECASE)


def _update_from_probe(sql: str) -> tuple[str, int, str] | None:
    """For an UPDATE ... FROM (in DuckDB SQL), a query counting the target rows it updates and
    those among them that join more than one source row ("multi-joined"
    [DOC: sql-reference/sql/update]), how many ``?`` its SET list holds, and a query for one
    multi-joined row's values (ERROR_ON_NONDETERMINISTIC_UPDATE's message). None without FROM.

    A plain UPDATE is the hot path: it costs a substring test, or a regex scan when FROM only
    appears in a subquery or a literal; only a top-level FROM is parsed (once per statement text)."""
    if "FROM" not in sql.upper():
        return None
    depth = 0
    for m in _FROM_SCAN.finditer(sql):
        tok = m.group(0)
        if tok == "(" or tok == ")":
            depth += 1 if tok == "(" else -1
        elif depth == 0 and tok.upper() == "FROM":
            return _update_from_count(sql)
    return None


@functools.lru_cache(maxsize=256)
def _update_from_count(sql: str) -> tuple[str, int, str] | None:
    """The parsing half of _update_from_probe; None when the FROM was not the UPDATE's own (e.g.
    ``IS DISTINCT FROM``)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="duckdb")
    sources = tree.args.get("from_") or tree.args.get("from")
    if not isinstance(tree, exp.Update) or sources is None:
        return None
    target = tree.this
    alias = target.args.get("alias")
    # The target's name as the WHERE clause refers to it; rowid tells its rows apart.
    ref = (alias.this if alias is not None else target.this).copy()
    row_id = exp.Column(this=exp.to_identifier("rowid"), table=ref).sql("duckdb")
    where = tree.args.get("where")
    joined = (f"SELECT count(*) AS n FROM {target.sql('duckdb')}, {sources.this.sql('duckdb')}"
              f"{' ' + where.sql('duckdb') if where is not None else ''} GROUP BY {row_id}")
    set_params = sum(1 for e in tree.expressions for _ in e.find_all(exp.Placeholder))
    first = (f"SELECT {changes.USER_COLUMNS} FROM {target.sql('duckdb')} WHERE {row_id} = ("
             f"SELECT {row_id} FROM {target.sql('duckdb')}, {sources.this.sql('duckdb')}"
             f"{' ' + where.sql('duckdb') if where is not None else ''} GROUP BY {row_id} HAVING count(*) > 1 "
             "LIMIT 1)")
    return (f"SELECT count(*), count(*) FILTER (WHERE n > 1) FROM ({joined}) AS _cdcsim_joined",
            set_params, first)


# Snowflake connector type codes
_TYPE_CODES = {"BOOLEAN": 13, "DATE": 3, "TIME": 12, "BLOB": 11, "JSON": 5, "TIMESTAMP WITH TIME ZONE": 6,
               "TIMESTAMP": 8, "DOUBLE": 1, "FLOAT": 1, "REAL": 1, "VARCHAR": 2}


def type_code(duck_type: str) -> int:
    t = duck_type.upper()
    if t.endswith("[]") or t.startswith("LIST"):  # first: an INTEGER[] is an ARRAY, not a number
        return 10
    if t.startswith(("DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER",
                     "USMALLINT", "UTINYINT")):
        return 0
    if t.startswith("TIMESTAMP WITH TIME ZONE") or t == "TIMESTAMPTZ":
        return 6
    if t.startswith("TIMESTAMP"):
        return 8
    if t.startswith(("STRUCT", "MAP")):
        return 9
    return _TYPE_CODES.get(t, 2)


_DEC = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def from_duck(desc: list[tuple], rows: list[tuple]) -> Result:
    """Describe DuckDB results the way snowflake.connector does and convert scale-0 decimals to int."""
    out_desc = []
    int_cols = []
    for i, d in enumerate(desc):
        tname = str(d[1])
        precision = scale = None
        m = _DEC.match(tname.upper())
        if m:
            precision, scale = int(m.group(1)), int(m.group(2))
            if scale == 0:
                int_cols.append(i)
        elif type_code(tname) == 0:
            precision, scale = 38, 0
        name = d[0]
        out_desc.append((name, type_code(tname), None, None, precision, scale, True))
    if int_cols:
        conv = []
        for r in rows:
            r = list(r)
            for i in int_cols:
                if r[i] is not None:
                    r[i] = int(r[i])
            conv.append(tuple(r))
        rows = conv
    return Result(out_desc, rows, len(rows))


_NOT_FOUND = re.compile(r"(Table|View|Schema|Catalog|Sequence|Macro Function|Table Function|Function) with name "
                        r"\"?([^\"!]+?)\"? does not exist", re.IGNORECASE)
_BINDER_COL = re.compile(r'Referenced column "?([^"\s]+)"? not found', re.IGNORECASE)
# an INSERT whose values do not match its columns (DuckDB names the counts in two wordings)
_INSERT_WIDTH = re.compile(r"(?:has|expected) (\d+) columns but (\d+) values were supplied")
# DuckDB's failed casts, for Snowflake's "Numeric value 'x' is not recognized" family (100038):
# the message without DuckDB's LINE context, which shows the translated statement.
_CONVERT = re.compile(r"Could not convert string (?:'(?P<v1>[^']*)'|\"(?P<v2>[^\"]*)\") to (?P<to>\w+)"
                      r"|invalid (?P<dt>date|timestamp) field format: \"(?P<v3>[^\"]*)\"")
# a number that does not fit the DECIMAL it is cast to: Snowflake's 100039 "out of range"
_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_OUT_OF_RANGE = re.compile(r'Casting value "([^"]*)" to type DECIMAL\(\d+,\d+\) failed: value is out of range'
                           r"|Could not cast value (\S+) to DECIMAL\(")
# (a multi-row INSERT ... VALUES whose first row makes a column numeric: sql/insert_values.py)
_NOT_RECOGNIZED = re.compile(r"(?:DML operation to table \S+ failed on column \S+ with error: Numeric value "
                             r"|Timestamp |Date )'.*' is not recognized", re.S)
_UNSET_VARIABLE = re.compile(r"Values were not provided for the following parameters: (\w+)")
_EXISTS = re.compile(r'(?:Table|View|Schema|Sequence) with name "?([^"!]+)"? already exists')


_IDENTIFIER_VAR = re.compile(r"IDENTIFIER\s*\(\s*\$([A-Za-z_][\w$]*)\s*\)", re.IGNORECASE)
ROLLED_BACK = "\nThe transaction was rolled back."  # a failure inside an explicit transaction says so


def map_duck_error(e: Exception, in_txn: bool = False) -> Exception:
    msg = str(e)
    note = ROLLED_BACK if in_txn else ""
    clean = msg.replace("__", ".")
    if isinstance(e, duckdb.CatalogException):
        m = _NOT_FOUND.search(msg)
        if m and m.group(1).lower().endswith("function"):
            # Snowflake's words for a call of a function that does not exist
            table = m.group(1).lower() == "table function"
            err = compilation_error(f"Unknown {'table ' if table else ''}function {m.group(2).upper()}", 2140, "42601")
            err.msg += note
            return err
        if m:
            kind = {"table": "Object", "view": "Object", "schema": "Schema", "catalog": "Database"}.get(
                m.group(1).lower(), "Object")
            name = m.group(2).replace("__", ".")
            err = not_found(kind, name)
            err.msg += note
            return err
        m = _EXISTS.search(msg)
        if m:
            err = already_exists("Object", m.group(1))
            err.msg += note
            return err
        if "already exists" in msg:
            return compilation_error(clean.split("\n")[0] + note, 2002, "42710")
        return compilation_error(clean + note, 2003, "02000")
    if isinstance(e, duckdb.ParserException):
        return syntax_error(clean + note)
    if isinstance(e, duckdb.BinderException):
        m = _INSERT_WIDTH.search(msg)
        if m:  # Snowflake's words and code for it
            return compilation_error(f"Insert value list does not match column list expecting {m.group(1)} but "
                                     f"got {m.group(2)}{note}", 2020, "21S01")
        m = _BINDER_COL.search(msg)
        if m:
            return compilation_error(f"error line 0 at position 0\ninvalid identifier '{m.group(1)}'{note}",
                                     904, "42000")
        return compilation_error(clean + note, 2016, "42601")
    m = _UNSET_VARIABLE.search(msg) if isinstance(e, duckdb.InvalidInputException) else None
    if m:
        # [INFER] errno: Snowflake's text for an unset $variable, its code as seen in client logs
        return compilation_error(f"Session variable '${m.group(1).upper()}' does not exist" + note, 2211, "02000")
    if isinstance(e, duckdb.InvalidInputException) and "Division by zero" in msg:
        return DataError("Division by zero" + note, 100051, "22012")
    if isinstance(e, duckdb.InvalidInputException) and "Map keys must be unique" in msg:
        # objects.py builds an OBJECT as a map: a key given twice (OBJECT_AGG says it itself)
        return DataError("Duplicate field key in OBJECT_CONSTRUCT" + note, 100038, "22018")
    m = _NOT_RECOGNIZED.search(msg) if isinstance(e, duckdb.InvalidInputException) else None
    if m:  # raised by translated SQL (TO_TIMESTAMP of a column) in the words of a failed cast
        return DataError(m.group(0) + note, 100038, "22018")
    if isinstance(e, duckdb.ConversionException):
        m = _CONVERT.search(msg)
        if m:
            value = m.group("v1") if m.group("v1") is not None else m.group("v2") if m.group("v2") is not None \
                else m.group("v3")
            kind = {"date": "Date", "timestamp": "Timestamp"}.get((m.group("dt") or "").lower())
            what = kind or ("Boolean value" if (m.group("to") or "").upper().startswith("BOOL") else "Numeric value")
            if (m.group("to") or "").upper() == "DECIMAL" and _NUMBER_TEXT.fullmatch(value):
                # a number with more digits than the NUMBER(p, s) holds [DOC: functions/to_decimal]
                return DataError(f"Numeric value '{value}' is out of range" + note, 100039, "22003")
            return DataError(f"{what} '{value}' is not recognized" + note, 100038, "22018")
        m = _OUT_OF_RANGE.search(msg)
        if m:
            return DataError(f"Numeric value '{m.group(1) or m.group(2)}' is out of range" + note, 100039, "22003")
    if isinstance(e, (duckdb.ConversionException, duckdb.OutOfRangeException, duckdb.InvalidInputException)):
        return DataError(clean + note, 100038, "22018")
    if isinstance(e, duckdb.ConstraintException):
        if "NOT NULL constraint failed" in msg:
            return IntegrityError("NULL result in a non-nullable column" + note, 100072, "22000")
        return IntegrityError(clean + note, 100072, "22000")
    if isinstance(e, duckdb.TransactionException):
        return OperationalError(clean + note, 625, "40001")
    if isinstance(e, duckdb.Error):
        return DatabaseError(clean + note, 100000, "XX000")
    if isinstance(e, (ValueError, TypeError)):
        return ProgrammingError(clean + note, 252001)
    return e
