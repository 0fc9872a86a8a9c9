"""How the dashboard picks its connection: registered in-process, Snowflake settings, a cdcsim file."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeSnowflakeConnection

import cdcsim
from dashboard import connection


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("CDCSIM_SNOWFLAKE_CONNECTION", raising=False)
    monkeypatch.delenv("CDCSIM_DATABASE", raising=False)
    connection.clear()
    yield
    connection.clear()


def test_registered_connection_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDCSIM_SNOWFLAKE_CONNECTION", "prod")  # must not be used
    fake = FakeSnowflakeConnection()
    connection.register(fake, kind="cdcsim", sql_write=True)
    backend = connection.get_backend()
    assert backend.connection is fake and backend.sql_write is True
    assert connection.get_backend() is backend  # cached for every session


def test_snowflake_settings_use_the_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def connect(**kwargs: Any) -> FakeSnowflakeConnection:
        calls.append(kwargs)
        return FakeSnowflakeConnection()

    pkg = types.ModuleType("snowflake")
    mod = types.ModuleType("snowflake.connector")
    mod.connect = connect  # type: ignore[attr-defined]
    pkg.connector = mod  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snowflake", pkg)
    monkeypatch.setitem(sys.modules, "snowflake.connector", mod)
    monkeypatch.setenv("CDCSIM_SNOWFLAKE_CONNECTION", "analytics")
    backend = connection.get_backend()
    assert calls == [{"connection_name": "analytics"}]
    assert (backend.kind, backend.paramstyle) == ("snowflake", "pyformat")


def test_cdcsim_file_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = tmp_path / "dash.duckdb"
    seed = cdcsim.connect(str(db))
    seed.cursor().execute("CREATE TABLE marker (x INT)")
    seed.close()
    monkeypatch.setenv("CDCSIM_DATABASE", str(db))
    backend = connection.get_backend()
    try:
        assert backend.kind == "cdcsim"
        assert backend.connection.cursor().execute("SELECT COUNT(*) FROM marker").fetchone() == (0,)
    finally:
        backend.connection.close()


def test_default_is_a_running_in_memory_pipeline() -> None:
    backend = connection.get_backend()
    con = backend.connection
    try:
        assert backend.kind == "cdcsim"
        cur = con.cursor()
        assert cur.execute("SELECT COUNT(*) FROM raw_movie_bookings").fetchone()[0] == 5
        cur.execute("SHOW TASKS")
        cols = [d[0].lower() for d in cur.description]
        assert {r[cols.index("state")] for r in cur.fetchall()} == {"started"}
        assert backend.drive_scheduler  # the app runs what is due on each render
    finally:
        con.close()
