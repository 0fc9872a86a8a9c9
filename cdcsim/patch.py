"""``patch_snowflake()``: run code written for snowflake-connector-python against cdcsim.

This module owns the stand-in for ``snowflake.connector``. Inside ``with patch_snowflake() as sf``
every ``snowflake.connector.connect(...)`` returns a cdcsim connection, so application code runs
unchanged in tests, with streams, tasks and dynamic tables. Example::

    import snowflake.connector
    from snowflake.connector import DictCursor
    from cdcsim.patch import patch_snowflake

    def count_bookings() -> int:          # application code, written for Snowflake
        con = snowflake.connector.connect(connection_name="prod")
        with con.cursor(DictCursor) as cur:
            return cur.execute("SELECT COUNT(*) AS N FROM bookings").fetchone()["N"]

    def test_count_bookings():
        with patch_snowflake() as sf:     # virtual time from 2025-01-01 unless clock= is given
            setup = sf.connect()
            setup.cursor().execute("CREATE TABLE bookings (id INT)")
            setup.cursor().execute("INSERT INTO bookings VALUES (1), (2)")
            assert count_bookings() == 2
            sf.advance(minutes=5)         # run the tasks and refreshes that fall due

Behaviour:

- All connections opened inside one patch share one database (a temporary DuckDB file unless
  ``database=`` names one) and one clock; each has its own session, as on Snowflake. The
  temporary file is removed on exit.
- Connection arguments that only make sense for an account (account, user, password,
  authenticator, warehouse, role, connection_name, ...) are accepted and ignored. ``database=``
  and ``schema=`` are created if missing and made current, as if they existed in the account.
- ``snowflake.connector.pandas_tools.write_pandas(con, df, "T", auto_create_table=True)`` inserts
  a DataFrame with batched INSERTs (there is no stage for the real one's PUT + COPY INTO).
- ``con.cursor(DictCursor)`` works with the real connector's ``DictCursor`` class or with the
  stand-in's: both give rows as dicts.
- When snowflake-connector-python is installed, ``snowflake.connector.connect`` is patched in
  place (so ``snowflake.connector.errors.ProgrammingError`` stays the real class; cdcsim raises
  its own errors, which carry the same ``errno``/``sqlstate``/``msg``). When it is not
  installed, a stand-in ``snowflake.connector`` module (with ``connect``, ``DictCursor``,
  ``errors`` and the PEP 249 exceptions) is put into ``sys.modules`` for the duration. For
  application modules that ``import snowflake.connector`` at import time, call
  :func:`install_stand_in` first (the pytest plugin does it with the ini option
  ``cdcsim_stand_in = true``); its ``connect`` works inside any ``patch_snowflake()``.
- Code must look up ``snowflake.connector.connect`` at call time; ``from snowflake.connector
  import connect`` executed *before* the patch keeps the original function.
- Patches nest: ``connect`` goes to the innermost active one.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import sys
import tempfile
import types
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import cdcsim
from cdcsim.connection import Connection

_IGNORED = {"account", "user", "password", "authenticator", "warehouse", "role", "host", "port", "region",
            "connection_name", "private_key", "private_key_file", "token", "login_timeout", "network_timeout",
            "session_parameters", "client_session_keep_alive", "application", "protocol", "autocommit",
            "passcode", "passcode_in_password", "ocsp_fail_open", "insecure_mode", "paramstyle"}


class PatchedConnection(Connection):
    """A cdcsim connection that accepts the real connector's cursor classes."""

    def cursor(self, cursor_class: type | None = None) -> cdcsim.Cursor:  # type: ignore[override]
        if cursor_class is not None and not (isinstance(cursor_class, type) and
                                             issubclass(cursor_class, cdcsim.Cursor)):
            # The real connector's DictCursor (or a subclass of it) -> cdcsim's DictCursor.
            names = {c.__name__ for c in getattr(cursor_class, "__mro__", (cursor_class,))}
            cursor_class = cdcsim.DictCursor if "DictCursor" in names else None
        return super().cursor(cursor_class)


class SnowflakePatch:
    """The handle ``patch_snowflake()`` yields: open connections, move the clock."""

    def __init__(self, database: str, clock: cdcsim.Clock, limits: str) -> None:
        self.database = database
        self.clock = clock
        self.limits = limits
        self.connections: list[PatchedConnection] = []
        # Holding one connection open keeps the shared engine (and its scheduler) alive between
        # the application's short-lived connections.
        self._keeper = PatchedConnection(database, clock=clock, limits=limits)

    def connect(self, **kwargs: Any) -> PatchedConnection:
        """What ``snowflake.connector.connect(**kwargs)`` returns inside the patch."""
        con = PatchedConnection(self.database, clock=self.clock, limits=self.limits)
        db, schema = kwargs.get("database"), kwargs.get("schema")
        cur = con.cursor()
        if db:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS {db}")
            cur.execute(f"USE DATABASE {db}")
        if schema:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cur.execute(f"USE SCHEMA {schema}")
        self.connections.append(con)
        return con

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move the manual clock forward and run everything that falls due."""
        return self._keeper.advance(delta, **kwargs)

    def close(self) -> None:
        for con in [*self.connections, self._keeper]:
            try:
                con.close()
            except Exception:  # an already-closed connection is fine at teardown
                pass


_ACTIVE: list[SnowflakePatch] = []  # innermost patch last


def _sql_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    return {"i": "NUMBER(38,0)", "u": "NUMBER(38,0)", "f": "FLOAT", "b": "BOOLEAN", "M": "TIMESTAMP_NTZ"}.get(
        kind, "VARCHAR")


def write_pandas(conn: Any, df: Any, table_name: str, database: str | None = None, schema: str | None = None,
                 chunk_size: int | None = None, auto_create_table: bool = False, overwrite: bool = False,
                 quote_identifiers: bool = True, table_type: str = "", **_: Any) -> tuple[bool, int, int, list]:
    """``snowflake.connector.pandas_tools.write_pandas`` for cdcsim connections.

    Inserts ``df``'s rows into ``table_name`` with batched INSERTs (the real one stages Parquet
    files and runs COPY INTO, which cdcsim has no stage for). Returns ``(success, nchunks, nrows,
    output)`` like the real function.
    """
    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"' if quote_identifiers else name

    target = ".".join(ident(p) for p in (database, schema, table_name) if p)
    cols = [str(c) for c in df.columns]
    cur = conn.cursor()
    if auto_create_table:
        defs = ", ".join(f"{ident(c)} {_sql_type(df[c].dtype)}" for c in cols)
        kind = f"{table_type.upper()} " if table_type else ""
        verb = "CREATE OR REPLACE" if overwrite else "CREATE"
        cur.execute(f"{verb} {kind}TABLE {'' if overwrite else 'IF NOT EXISTS '}{target} ({defs})")
    elif overwrite:
        cur.execute(f"TRUNCATE TABLE {target}")
    rows = [tuple(None if _isna(v) else _plain(v) for v in r) for r in df.itertuples(index=False, name=None)]
    size = chunk_size or len(rows) or 1
    placeholders = ", ".join(["?"] * len(cols))
    sql = f"INSERT INTO {target} ({', '.join(ident(c) for c in cols)}) VALUES ({placeholders})"
    nchunks = 0
    for i in range(0, len(rows), size):
        cur.executemany(sql, rows[i:i + size])
        nchunks += 1
    return True, nchunks, len(rows), [(f"{table_name}", "LOADED", len(rows), len(rows))]


def _isna(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v)) if not isinstance(v, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def _plain(v: Any) -> Any:
    # numpy scalars -> Python values the DB-API binds
    item = getattr(v, "item", None)
    if callable(item) and type(v).__module__ == "numpy":
        return item()
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v


def _connect(*args: Any, **kwargs: Any) -> PatchedConnection:
    if not _ACTIVE:
        raise cdcsim.InterfaceError(
            "snowflake.connector is cdcsim's stand-in (snowflake-connector-python is not installed): "
            "call connect() inside `with cdcsim.patch.patch_snowflake():` or the cdcsim_snowflake fixture",
            251001,
        )
    return _ACTIVE[-1].connect(**kwargs)


def _stand_in_modules() -> dict[str, types.ModuleType]:
    """Stand-in ``snowflake`` and ``snowflake.connector`` modules for when the connector is absent."""
    pkg = types.ModuleType("snowflake")
    pkg.__path__ = []  # a package, so `import snowflake.connector` resolves the submodule
    connector = types.ModuleType("snowflake.connector")
    connector.__doc__ = "cdcsim's stand-in for snowflake.connector (see cdcsim.patch)."
    errors = types.ModuleType("snowflake.connector.errors")
    for name in ("Error", "Warning", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                 "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"):
        setattr(errors, name, getattr(cdcsim, name))
        setattr(connector, name, getattr(cdcsim, name))
    connector.connect = _connect  # type: ignore[attr-defined]
    connector.DictCursor = cdcsim.DictCursor  # type: ignore[attr-defined]
    connector.SnowflakeConnection = PatchedConnection  # type: ignore[attr-defined]
    connector.errors = errors  # type: ignore[attr-defined]
    connector.paramstyle = "pyformat"  # type: ignore[attr-defined]
    connector.apilevel = "2.0"  # type: ignore[attr-defined]
    connector.threadsafety = 2  # type: ignore[attr-defined]
    connector.__cdcsim_fake__ = True  # type: ignore[attr-defined]
    pandas_tools = types.ModuleType("snowflake.connector.pandas_tools")
    pandas_tools.write_pandas = write_pandas  # type: ignore[attr-defined]
    connector.pandas_tools = pandas_tools  # type: ignore[attr-defined]
    pkg.connector = connector  # type: ignore[attr-defined]
    return {"snowflake": pkg, "snowflake.connector": connector, "snowflake.connector.errors": errors,
            "snowflake.connector.pandas_tools": pandas_tools}


def real_connector_available() -> bool:
    """True when snowflake-connector-python itself is importable."""
    mod = sys.modules.get("snowflake.connector")
    if mod is not None:
        return not getattr(mod, "__cdcsim_fake__", False)
    try:
        return importlib.util.find_spec("snowflake.connector") is not None
    except (ImportError, ValueError):
        return False


def install_stand_in() -> bool:
    """Put the stand-in ``snowflake.connector`` into ``sys.modules`` when the real one is absent.

    Lets modules that ``import snowflake.connector`` at import time be imported in tests; their
    ``connect()`` calls work inside :func:`patch_snowflake`. Returns True if it installed it.
    """
    if real_connector_available() or "snowflake.connector" in sys.modules:
        return False
    for name, mod in _stand_in_modules().items():
        sys.modules[name] = mod
    return True


def uninstall_stand_in() -> None:
    mod = sys.modules.get("snowflake.connector")
    if mod is not None and getattr(mod, "__cdcsim_fake__", False):
        for name in ("snowflake.connector.pandas_tools", "snowflake.connector.errors", "snowflake.connector",
                     "snowflake"):
            sys.modules.pop(name, None)


@contextmanager
def patch_snowflake(
    database: str | None = None,
    *,
    clock: cdcsim.Clock | None = None,
    limits: str = "snowflake",
) -> Iterator[SnowflakePatch]:
    """Make ``snowflake.connector.connect(...)`` return cdcsim connections (see module docstring).

    ``database``: a DuckDB file to use (default: a temporary one, deleted on exit).
    ``clock``: default ``ManualClock()`` (virtual time; use ``sf.advance(...)``); pass
    ``cdcsim.WallClock()`` for real time.
    """
    tmpdir = None
    if database is None:
        tmpdir = tempfile.mkdtemp(prefix="cdcsim-patch-")
        database = os.path.join(tmpdir, "snowflake.duckdb")
    handle = SnowflakePatch(database, clock or cdcsim.ManualClock(), limits)
    real = None
    original_connect = None
    tools: Any = None
    original_write: Any = None
    installed = False
    _ACTIVE.append(handle)
    try:
        if real_connector_available():
            real = importlib.import_module("snowflake.connector")
            original_connect = real.connect
            real.connect = _connect  # type: ignore[assignment]
            try:
                tools = importlib.import_module("snowflake.connector.pandas_tools")
                original_write = tools.write_pandas
                tools.write_pandas = write_pandas
            except ImportError:  # the pandas extra of the connector is optional
                tools = None
        else:
            installed = install_stand_in()
        yield handle
    finally:
        _ACTIVE.remove(handle)
        if real is not None:
            real.connect = original_connect  # type: ignore[assignment]
            if tools is not None:
                tools.write_pandas = original_write
        if installed:
            uninstall_stand_in()
        handle.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
