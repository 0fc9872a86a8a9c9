"""One database: the DuckDB instance, its metadata, its clock, the write lock and the hooks that
feature modules (streams, tasks, dynamic tables) plug into.

Every connection to the same database file in one process shares one ``Engine`` (DuckDB lets one
process own a file; a second process gets a clear error naming the holder). Writers are
serialised by ``WriteLock`` — held from a transaction's first write to its end — so statement
numbers in change logs are in commit order.
"""

from __future__ import annotations

import collections
import os
import re
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from . import changes
from .catalog import Catalog
from .clock import Clock, WallClock
from .errors import OperationalError, ProgrammingError
from .names import DEFAULT_DATABASE, DEFAULT_SCHEMA, QName, duck_schema

if TYPE_CHECKING:
    from .scheduler import Scheduler
    from .session import Session

LOCK_TIMEOUT_S = 60.0


class WriteLock:
    """A lock owned by a session (not a thread), re-entrant for its owner.

    First come, first served: waiters queue, so a scheduler that runs one task right after another
    cannot starve a booking application's writes by re-taking the lock the moment it lets go.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: object | None = None
        self._depth = 0
        self._queue: collections.deque[object] = collections.deque()

    def acquire(self, owner: object, timeout: float = LOCK_TIMEOUT_S) -> None:
        with self._cond:
            if self._owner is owner:
                self._depth += 1
                return
            ticket = object()
            self._queue.append(ticket)
            got = self._cond.wait_for(lambda: self._owner is None and self._queue[0] is ticket, timeout=timeout)
            self._queue.remove(ticket)
            if not got:
                self._cond.notify_all()  # the next in line may be free to go now
                raise OperationalError(
                    "Statement reached its statement or warehouse timeout waiting for a lock held by "
                    "another transaction; commit or roll back the other transaction first.",
                    625, "57014",
                )
            self._owner, self._depth = owner, 1

    def release(self, owner: object, all_levels: bool = False) -> None:
        with self._cond:
            if self._owner is not owner:
                return
            self._depth = 0 if all_levels else self._depth - 1
            if self._depth <= 0:
                self._owner, self._depth = None, 0
                self._cond.notify_all()

    def held_by(self, owner: object) -> bool:
        return self._owner is owner


@dataclass
class Hooks:
    """Extension points for feature modules."""

    # Called with (session, qname) for every relation a statement reads / writes.
    read_guards: list[Callable[[Session, QName], None]] = field(default_factory=list)
    write_guards: list[Callable[[Session, QName, str], None]] = field(default_factory=list)
    # TABLE(NAME(...)) functions: name -> fn(session, args, kwargs) -> SQL of a relation.
    table_functions: dict[str, Callable[..., str]] = field(default_factory=dict)
    # SYSTEM$ functions: name -> fn(session, args) -> SQL literal.
    system_functions: dict[str, Callable[..., str]] = field(default_factory=dict)
    # Called after the metadata was (re)loaded: fn(engine, con).
    on_load: list[Callable[[Engine, duckdb.DuckDBPyConnection], None]] = field(default_factory=list)
    # DDL on tables: fn(session, kind, qname) before ("pre") and after ("post") it runs.
    table_ddl: list[Callable[[Session, str, str, QName], None]] = field(default_factory=list)
    # After a transaction that wrote tables committed: fn(session, fqns of the tables written).
    after_write: list[Callable[[Session, set[str]], None]] = field(default_factory=list)
    # DROP SCHEMA / DROP DATABASE: fn(session, [(database, schema), ...]) removes the feature's objects
    # in those schemas inside the dropping transaction, before DuckDB drops the schemas. It may return
    # a function to call once that transaction committed, for in-memory state that a rollback must
    # leave untouched.
    schema_drop: list[Callable[[Session, list[tuple[str, str]]], Callable[[], None] | None]] = \
        field(default_factory=list)


HOOKS = Hooks()
_engines: dict[str, weakref.ReferenceType[Engine]] = {}
_engines_lock = threading.Lock()


def _holder_of(path: str, message: str) -> str:
    m = re.search(r"PID (\d+)", message)
    if not m:
        return "another process"
    pid = m.group(1)
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmd = ""
    return f"process {pid}" + (f" ({cmd})" if cmd else "")


def apply_threads(db: duckdb.DuckDBPyConnection, path: str | None, threads: int | None) -> None:
    """DuckDB's worker threads. An in-memory database (tests, demos, workshops) gets one: its
    statements are small, where a second thread only adds scheduling (the seed scenario of
    benchmarks/bench_suite_speed ran about 15% faster). A file database keeps DuckDB's default
    (every core) for its large scans; ``connect(threads=N)`` chooses either way."""
    if threads is None and path is None:
        threads = 1
    if threads is not None:
        db.execute(f"SET threads = {int(threads)}")


class Engine:
    def __init__(self, path: str | None, clock: Clock, limits: str, threads: int | None = None):
        self.path = path
        self.clock = clock
        self.limits = limits
        try:
            self.db = duckdb.connect(path or ":memory:")
        except duckdb.IOException as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise OperationalError(
                    f"Database file '{path}' is in use by {_holder_of(path or '', msg)}. "
                    "Only one process can open a cdcsim database; stop that process or use another file.",
                    250001, "08001",
                ) from None
            raise OperationalError(f"Cannot open database '{path}': {msg}", 250001, "08001") from None
        # Snowflake SQL cannot read the machine's files: without this, DuckDB would answer
        # SELECT * FROM "/home/me/.ssh/id_rsa" (a replacement scan) or read_text('...') with
        # their contents. Python DataFrames registered by cdcsim itself still work.
        self.db.execute("SET enable_external_access = false")
        apply_threads(self.db, path, threads)
        if path:
            # DuckDB's automatic checkpoint runs inside the commit that crosses the WAL threshold
            # (default 16 MiB): on the 1M-booking pipeline that commit took 0.6-1.3 s longer, every
            # dozen refreshes. A larger threshold keeps it off the hot path; closing the
            # database checkpoints, and CHECKPOINT can be issued at a quiet moment.
            self.db.execute(f"SET checkpoint_threshold = '{os.environ.get('CDCSIM_CHECKPOINT_THRESHOLD', '1GiB')}'")
        self.lock = WriteLock()
        self.catalog = Catalog()
        self.hooks = HOOKS
        self.state: dict[str, Any] = {}  # per-feature in-memory state
        self.scheduler: Scheduler | None = None
        self.closed = False
        con = self.db.cursor()
        Catalog.install(con)
        changes.upgrade(con)
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{duck_schema(DEFAULT_DATABASE, DEFAULT_SCHEMA)}"')
        from . import features  # noqa: F401  (registers commands and hooks)

        for fn in self.hooks.on_load:
            fn(self, con)
        self.catalog.reload(con)
        con.close()
        from .scheduler import Scheduler

        self.scheduler = Scheduler(self)

    @property
    def relaxed(self) -> bool:
        return self.limits == "relaxed"

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.scheduler is not None:
            self.scheduler.stop()
            # The scheduler's session holds its own DuckDB connection, which keeps the file open.
            if self.scheduler._session is not None:
                self.scheduler._session.close()
        try:
            self.db.close()
        finally:
            with _engines_lock:
                if self.path and _engines.get(self.path) and _engines[self.path]() is self:
                    del _engines[self.path]


def open_engine(path: str | None, clock: Clock | None, limits: str, threads: int | None = None) -> Engine:
    if limits not in ("snowflake", "relaxed"):
        raise ProgrammingError(f"limits must be 'snowflake' or 'relaxed', not {limits!r}", 251001)
    if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
        raise ProgrammingError(f"threads must be a positive integer, not {threads!r}", 251001)
    if path is None or path == ":memory:":
        return Engine(None, clock or WallClock(), limits, threads)
    key = os.path.abspath(path)
    with _engines_lock:
        ref = _engines.get(key)
        eng = ref() if ref else None
        if eng is not None and not eng.closed:
            if clock is not None and clock is not eng.clock:
                raise ProgrammingError(
                    f"Database '{path}' is already open in this process with another clock", 251002
                )
            if threads is not None:  # one setting per database: the latest request wins
                apply_threads(eng.db, key, threads)
            return eng
        eng = Engine(key, clock or WallClock(), limits, threads)
        _engines[key] = weakref.ref(eng)
        return eng
