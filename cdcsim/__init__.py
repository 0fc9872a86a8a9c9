"""cdcsim — Snowflake change data capture on a laptop.

Runs Snowflake SQL — including Streams, Tasks and Dynamic Tables — on an embedded DuckDB
database with Snowflake's documented semantics. The public surface is small and shaped like
``snowflake.connector``::

    import cdcsim
    con = cdcsim.connect()                                  # in-memory database, wall clock
    con = cdcsim.connect("bookings.duckdb")                 # file database, durable
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11)))  # virtual time
    con = cdcsim.connect(limits="relaxed")                  # lift Snowflake's minimums
    cur = con.cursor(); cur.execute("SELECT 1"); cur.fetchall()
    con.advance(minutes=5)                                  # ManualClock: run what falls due
"""

from __future__ import annotations

from typing import Any

from .clock import Clock, ManualClock, WallClock
from .connection import Connection, Cursor, DictCursor
from .errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)


def patch_snowflake(*args: Any, **kwargs: Any) -> Any:
    """Inside it, ``snowflake.connector.connect(...)`` returns a cdcsim connection (see docs/testing.md)."""
    from .patch import patch_snowflake as _patch

    return _patch(*args, **kwargs)


apilevel = "2.0"
threadsafety = 2
paramstyle = "pyformat"

__version__ = "0.1.0"


def connect(database: str | None = None, *, clock: Clock | None = None, limits: str = "snowflake",
            threads: int | None = None, **kwargs: object) -> Connection:
    """Open a connection.

    ``database``: a DuckDB file path (durable across restarts) or None for in-memory.
    ``clock``: ``ManualClock`` for virtual time (``con.advance`` runs what falls due), default wall clock.
    ``limits``: ``"snowflake"`` (default: Snowflake's minimums such as the 60-second target lag) or
    ``"relaxed"`` (any positive interval, for sub-second live demos).
    ``threads``: DuckDB's worker threads; default 1 for an in-memory database (small statements
    run faster without a second thread), every core for a file database.
    Extra keyword arguments that snowflake.connector accepts (account, user, ...) are ignored.
    """
    return Connection(database, clock=clock, limits=limits, threads=threads, **kwargs)


__all__ = [
    "Clock", "Connection", "Cursor", "DataError", "DatabaseError", "DictCursor", "Error", "IntegrityError",
    "InterfaceError", "InternalError", "ManualClock", "NotSupportedError", "OperationalError",
    "ProgrammingError", "WallClock", "Warning", "apilevel", "connect", "paramstyle", "patch_snowflake",
    "threadsafety",
]
