"""Which connection the dashboard talks through. The app only ever sees a DB-API connection.

Resolution order (first match wins):

1. a connection registered in-process with ``register()`` — how ``cdcsim demo`` shares its one
   engine (DuckDB lets one process own a file, so the dashboard must run inside the demo);
2. Snowflake, when settings are given: ``CDCSIM_SNOWFLAKE_CONNECTION=<name>`` (a section of
   ``~/.snowflake/connections.toml``) or a ``[snowflake]`` section in Streamlit secrets; needs the
   optional ``snowflake-connector-python``;
3. ``CDCSIM_DATABASE=<file>``: a cdcsim file database (this process must be its only user);
4. otherwise an in-memory cdcsim engine running the corrected pipeline with the sample
   bookings, so ``streamlit run dashboard/app.py`` works on its own (no traffic).

The chosen connection is cached for the process: every Streamlit session shares it and opens a
cursor per query.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "movie_bookings"


@dataclass
class Backend:
    connection: Any
    kind: str  # "cdcsim" or "snowflake"
    paramstyle: str  # how this connection takes bind parameters
    sql_write: bool = False  # the SQL console accepts writes (set by `cdcsim demo --sql-write`)
    # The app runs due tasks/refreshes itself on each render (run_pending), instead of a
    # background scheduler thread that would keep a plain `streamlit run` from exiting.
    drive_scheduler: bool = False


_lock = threading.Lock()
_backend: Backend | None = None


def register(
    connection: Any, *, kind: str = "cdcsim", paramstyle: str = "pyformat", sql_write: bool = False
) -> Backend:
    """Hand the dashboard a connection to use (in-process), replacing any previous one."""
    global _backend
    with _lock:
        _backend = Backend(connection, kind, paramstyle, sql_write)
        return _backend


def clear() -> None:
    global _backend
    with _lock:
        _backend = None


def get_backend() -> Backend:
    global _backend
    with _lock:
        if _backend is None:
            _backend = _open_default()
        return _backend


def _snowflake_settings() -> dict[str, Any] | None:
    name = os.environ.get("CDCSIM_SNOWFLAKE_CONNECTION")
    if name:
        return {"connection_name": name}
    try:
        import streamlit as st

        if "snowflake" in st.secrets:
            return dict(st.secrets["snowflake"])
    except Exception:  # no secrets file: not configured
        return None
    return None


def _open_default() -> Backend:
    settings = _snowflake_settings()
    if settings is not None:
        try:
            import snowflake.connector
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError(
                "Snowflake settings given but snowflake-connector-python is not installed: "
                "pip install 'cdcsim[snowflake]'"
            ) from exc
        # The connector's default paramstyle is pyformat, which the data layer uses everywhere.
        return Backend(snowflake.connector.connect(**settings), "snowflake", "pyformat")
    import cdcsim

    path = os.environ.get("CDCSIM_DATABASE")
    if path:
        return Backend(cdcsim.connect(path), "cdcsim", "pyformat")
    from cdcsim.demo import setup

    con = cdcsim.connect(limits="relaxed")
    setup(con, "corrected")  # the corrected pipeline + sample bookings, live cadence
    return Backend(con, "cdcsim", "pyformat", drive_scheduler=True)


def load_example(con: Any, *files: str) -> None:
    """Run example SQL files (from examples/movie_bookings) through the connection."""
    for name in files:
        con.execute_string((EXAMPLES / name).read_text())
