"""Python data handed to DuckDB as a named relation (a registered DataFrame), and taken back.

DuckDB 2.0 refuses to register or unregister a relation while the connection holds a result that
was not read to its end, and a ``fetchone()`` never reads a result to its end. Every register and
unregister goes through here, which first finishes (``complete()``) whatever result is pending: a
pending result at these points is always an internal one whose rows were already read.
"""

from __future__ import annotations

from typing import Any

import duckdb


def register(con: duckdb.DuckDBPyConnection, name: str, frame: Any) -> None:
    con.complete()
    con.register(name, frame)


def unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    con.complete()
    con.unregister(name)
