"""DB-API 2.0 Connection and Cursor, shaped like snowflake.connector's.

Cursors of one connection share its session (its transaction and current schema), as in
Snowflake. Each cursor keeps its own materialised result. Statements of a connection are
serialised; use one connection per thread for parallel readers (each has its own DuckDB
connection to the shared database).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from . import async_queries
from .clock import Clock
from .commands import Result
from .engine import open_engine
from .errors import Error, InterfaceError, OperationalError, ProgrammingError
from .result_scan import remember
from .session import Session
from .sql.split import split_statements

_INSERT_VALUES = re.compile(r"^(\s*INSERT\s+INTO\s+.+?\s+)VALUES\s*\(((?:[^()'\"]|'[^']*'|\([^()]*\))*)\)\s*;?\s*$",
                            re.IGNORECASE | re.DOTALL)
_PLACEHOLDER = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|%\((\w+)\)s|%s|\?""")


def _batch_insert(command: str, seq: list) -> tuple[str, list[str], list[tuple]] | None:
    """Rewrite ``INSERT ... VALUES (<exprs with placeholders>)`` into ``INSERT ... SELECT <exprs> FROM
    <batch>`` where placeholder i reads batch column ``__B<i>``; None when the shape doesn't fit."""
    m = _INSERT_VALUES.match(command)
    if not m or not seq:
        return None
    names: list[str] = []
    named = isinstance(seq[0], Mapping)

    def sub(t: re.Match[str]) -> str:
        tok = t.group(0)
        if tok[0] in "'\"":
            return tok
        if named != (t.group(1) is not None):
            raise ProgrammingError("Mixed parameter styles in executemany", 252001)
        names.append(t.group(1) or str(len(names)))
        return f'"__B{len(names) - 1}"'

    exprs = _PLACEHOLDER.sub(sub, m.group(2))
    if not names:
        return None
    cols = [f"__B{i}" for i in range(len(names))]
    if named:
        rows = [tuple(p[n] for n in names) for p in seq]  # type: ignore[index]
    else:
        if any(len(p) != len(names) for p in seq):
            raise ProgrammingError(f"Each parameter set needs {len(names)} values", 252001)
        rows = [tuple(p) for p in seq]  # type: ignore[arg-type]
    return f"{m.group(1)}SELECT {exprs} FROM {BATCH_RELATION}", cols, rows


BATCH_RELATION = "__CDCSIM_BATCH"


class Cursor:
    """A cursor; ``con.cursor(cdcsim.DictCursor)`` returns rows as dicts."""

    arraysize = 1

    def __init__(self, connection: Connection, as_dict: bool = False):
        self.connection = connection
        self._as_dict = as_dict
        self._result: Result | None = None
        self._pos = 0
        self._closed = False
        self.sfqid: str | None = None
        self.query: str | None = None

    # -- DB-API attributes
    @property
    def description(self) -> list[tuple] | None:
        return self._result.description if self._result else None

    @property
    def rowcount(self) -> int | None:
        return self._result.rowcount if self._result else None

    def _check(self) -> None:
        if self._closed or self.connection.is_closed():
            raise InterfaceError("Cursor is closed in execute.", 251006)

    def execute(self, command: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
                **_: Any) -> Cursor:
        self._check()
        self.query = command
        self.sfqid = str(uuid.uuid4())
        session = self.connection._session
        session.query_id = self.sfqid
        self._result = session.execute(command, params)
        remember(session, self.sfqid, self._result)
        self._pos = 0
        return self

    def executemany(self, command: str, seqparams: Sequence[Sequence[Any] | Mapping[str, Any]]) -> Cursor:
        """Run ``command`` once per parameter set. ``INSERT ... VALUES (...)`` binds the whole batch
        as one relation and runs a single ``INSERT ... SELECT`` (as snowflake.connector binds
        arrays), so a batch is one statement, one change-log entry and no per-row SQL."""
        self._check()
        seq = list(seqparams)
        batch = _batch_insert(command, seq)
        if batch is not None:
            sql, columns, rows = batch
            self.query = command
            self.sfqid = self.connection._session.query_id = str(uuid.uuid4())
            self._result = self.connection._session.execute_batch(sql, columns, rows)
            remember(self.connection._session, self.sfqid, self._result)
            self._pos = 0
            return self
        total = 0
        for p in seq:
            self.execute(command, p)
            total += max(self._result.rowcount or 0, 0) if self._result else 0
        if self._result is not None:
            self._result.rowcount = total
        return self

    def execute_async(self, command: str, params: Sequence[Any] | Mapping[str, Any] | None = None,
                      **_: Any) -> dict[str, Any]:
        """Submit ``command``; cdcsim runs it at once (see ``async_queries``). Returns
        ``{"queryId": ...}`` as the connector does; a failure is raised later, by the results or
        the status-with-throw of that id."""
        self._check()
        query_id = str(uuid.uuid4())
        session = self.connection._session
        session.query_id = query_id
        try:
            result = session.execute(command, params)
        except Error as e:
            async_queries.record_error(session, query_id, e)
        else:
            remember(session, query_id, result)
        self.query = command
        self.sfqid = query_id
        return {"queryId": query_id}

    def get_results_from_sfqid(self, sfqid: str) -> None:
        """Make the result of query ``sfqid`` (of this connection) this cursor's result."""
        self._check()
        self._result = async_queries.result_of(self.connection._session, sfqid)
        self._pos = 0
        self.sfqid = sfqid

    def query_result(self, qid: str) -> Cursor:
        self.get_results_from_sfqid(qid)
        return self

    def fetch_arrow_all(self) -> Any:
        """The remaining rows as a ``pyarrow.Table`` (None when there are none, as the connector)."""
        import pyarrow as pa

        frame = self.fetch_pandas_all()
        return pa.Table.from_pandas(frame, preserve_index=False) if len(frame) else None

    def fetch_arrow_batches(self) -> Iterator[Any]:
        table = self.fetch_arrow_all()
        if table is not None:
            yield table

    def _row(self, r: tuple) -> Any:
        if self._as_dict and self._result and self._result.description:
            return {d[0]: v for d, v in zip(self._result.description, r, strict=False)}
        return r

    def fetchone(self) -> Any:
        if self._result is None:
            raise InterfaceError("No result set: execute a statement first.", 251008)
        if self._pos >= len(self._result.rows):
            return None
        r = self._result.rows[self._pos]
        self._pos += 1
        return self._row(r)

    def fetchmany(self, size: int | None = None) -> list[Any]:
        size = size or self.arraysize
        out = []
        for _ in range(size):
            r = self.fetchone()
            if r is None:
                break
            out.append(r)
        return out

    def fetchall(self) -> list[Any]:
        if self._result is None:
            raise InterfaceError("No result set: execute a statement first.", 251008)
        rows = self._result.rows[self._pos:]
        self._pos = len(self._result.rows)
        return [self._row(r) for r in rows]

    def fetch_pandas_all(self) -> Any:
        import pandas as pd

        if self._result is None or self._result.description is None:
            raise InterfaceError("No result set: execute a statement first.", 251008)
        cols = [d[0] for d in self._result.description]
        rows = self._result.rows[self._pos:]
        self._pos = len(self._result.rows)
        return pd.DataFrame.from_records(rows, columns=cols)

    def fetch_pandas_batches(self) -> Iterator[Any]:
        yield self.fetch_pandas_all()

    def __iter__(self) -> Iterator[Any]:
        while (r := self.fetchone()) is not None:
            yield r

    def close(self) -> bool:
        self._closed = True
        return True

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DictCursor(Cursor):
    """Rows as ``{COLUMN: value}`` dicts, like snowflake.connector.DictCursor."""

    def __init__(self, connection: Connection):
        super().__init__(connection, as_dict=True)


class Connection:
    """A connection to a cdcsim database. See ``cdcsim.connect``."""

    def __init__(self, database: str | None = None, clock: Clock | None = None, limits: str = "snowflake",
                 threads: int | None = None, **_: Any):
        self._engine = open_engine(database, clock, limits, threads)
        with _refs_lock:
            self._engine.state["refs"] = self._engine.state.get("refs", 0) + 1
        self._session = Session(self._engine)
        self._closed = False
        self._started = False

    @property
    def clock(self) -> Clock:
        return self._engine.clock

    @property
    def database(self) -> str:
        return self._session.database

    @property
    def schema(self) -> str:
        return self._session.schema

    def cursor(self, cursor_class: type[Cursor] | None = None) -> Cursor:
        if self._closed:
            raise InterfaceError("Connection is closed.", 251001)
        if cursor_class is None or cursor_class is Cursor:
            return Cursor(self)
        return cursor_class(self)  # type: ignore[call-arg]

    def execute_string(self, sql_text: str, remove_comments: bool = False, return_cursors: bool = True,
                       **_: Any) -> list[Cursor]:
        cursors = []
        for stmt in split_statements(sql_text):
            cur = self.cursor()
            cur.execute(stmt.text)
            cursors.append(cur)
        return cursors if return_cursors else []

    def execute_stream(self, stream: Any, remove_comments: bool = False) -> Iterator[Cursor]:
        yield from self.execute_string(stream.read(), remove_comments)

    # -- time
    def advance(self, delta: timedelta | None = None, *, seconds: float = 0, minutes: float = 0,
                hours: float = 0, days: float = 0) -> datetime:
        """Move a ManualClock forward, running every task and refresh that falls due, in time order."""
        if delta is None:
            delta = timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)
        assert self._engine.scheduler is not None
        self._refuse_own_writes("advance()")
        return self._engine.scheduler.advance(delta)

    def run_pending(self) -> int:
        """Run what is due now (for callers that drive time themselves)."""
        assert self._engine.scheduler is not None
        self._refuse_own_writes("run_pending()")
        return self._engine.scheduler.run_pending()

    def _refuse_own_writes(self, call: str) -> None:
        """The tasks and refreshes ``call`` runs write under the engine's write lock, on this thread.
        While this connection's open transaction holds that lock they would wait for it until the
        lock timeout (60 s) and then fail; say so at once instead."""
        if self._session.in_txn and self._engine.lock.held_by(self._session):
            raise OperationalError(
                f"{call} cannot run tasks and refreshes while this connection's open transaction holds "
                "uncommitted writes: COMMIT or ROLLBACK it first.", 625, "25000")

    def start(self) -> Connection:
        """Run tasks and refreshes in the background in real time (APScheduler)."""
        assert self._engine.scheduler is not None
        self._engine.scheduler.start()
        self._started = True
        return self

    def stop(self) -> None:
        if self._engine.scheduler is not None:
            self._engine.scheduler.stop()
        self._started = False

    # -- DB-API transaction control
    def commit(self) -> None:
        self._session.commit()

    def rollback(self) -> None:
        self._session.rollback()

    def autocommit(self, mode: bool) -> None:
        if not mode:
            raise ProgrammingError("cdcsim runs in autocommit mode; use BEGIN ... COMMIT for transactions.", 251004)

    def is_closed(self) -> bool:
        return self._closed

    # -- snowflake.connector's asynchronous-query API (see async_queries)
    def get_query_status(self, sf_qid: str) -> Any:
        return async_queries.status(self._session, sf_qid)

    def get_query_status_throw_if_error(self, sf_qid: str) -> Any:
        return async_queries.throw_if_error(self._session, sf_qid)

    @staticmethod
    def is_still_running(status: Any) -> bool:
        return async_queries.is_still_running(status)

    @staticmethod
    def is_an_error(status: Any) -> bool:
        return async_queries.is_an_error(status)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._started:
            self.stop()
        self._session.close()
        with _refs_lock:
            self._engine.state["refs"] -= 1
            last = self._engine.state["refs"] <= 0
        if last:
            self._engine.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None and self._session.in_txn:
            self._session.commit()
        self.close()


_refs_lock = threading.Lock()
