"""patch_snowflake in-process: with and without a real snowflake.connector module."""

from __future__ import annotations

import sys
import types

import pytest

import cdcsim
from cdcsim.patch import install_stand_in, patch_snowflake, real_connector_available, uninstall_stand_in


@pytest.fixture
def no_connector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend snowflake-connector-python is not installed."""
    for name in ("snowflake", "snowflake.connector", "snowflake.connector.errors"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr("cdcsim.patch.real_connector_available", lambda: False)


@pytest.fixture
def fake_real_connector(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A module standing in for the *real* connector (it is not installed here)."""
    pkg = types.ModuleType("snowflake")
    pkg.__path__ = []
    mod = types.ModuleType("snowflake.connector")

    def real_connect(**kwargs: object) -> None:
        raise AssertionError("the real connector must not be called inside the patch")

    class DictCursor:  # the real connector's class, unrelated to cdcsim's
        pass

    mod.connect = real_connect  # type: ignore[attr-defined]
    mod.DictCursor = DictCursor  # type: ignore[attr-defined]
    pkg.connector = mod  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snowflake", pkg)
    monkeypatch.setitem(sys.modules, "snowflake.connector", mod)
    return mod


def test_stand_in_only_during_patch(no_connector: None) -> None:
    with patch_snowflake() as sf:
        import snowflake.connector

        assert snowflake.connector.__cdcsim_fake__
        con = snowflake.connector.connect(account="a", user="u", password="p", warehouse="W")
        assert isinstance(con, cdcsim.Connection)
        assert con.cursor(snowflake.connector.DictCursor).execute("SELECT 1 AS one").fetchall() == [{"ONE": 1}]
        assert sf.connections == [con]
    assert "snowflake.connector" not in sys.modules


def test_connections_share_database_and_clock(no_connector: None) -> None:
    with patch_snowflake() as sf:
        import snowflake.connector

        a = snowflake.connector.connect(database="DB1", schema="S1")
        a.cursor().execute("CREATE TABLE t (id INT)")
        a.cursor().execute("INSERT INTO t VALUES (1)")
        b = snowflake.connector.connect(database="DB1", schema="S1")
        assert b.cursor().execute("SELECT id FROM t").fetchall() == [(1,)]
        t0 = b.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0]
        sf.advance(minutes=3)
        t1 = a.cursor().execute("SELECT CURRENT_TIMESTAMP()").fetchone()[0]
        assert (t1 - t0).total_seconds() == 180


def test_patches_are_isolated(no_connector: None) -> None:
    with patch_snowflake():
        import snowflake.connector

        snowflake.connector.connect().cursor().execute("CREATE TABLE only_here (id INT)")
    with patch_snowflake():
        import snowflake.connector

        with pytest.raises(cdcsim.ProgrammingError):
            snowflake.connector.connect().cursor().execute("SELECT * FROM only_here")


def test_real_connector_is_patched_in_place_and_restored(fake_real_connector: types.ModuleType) -> None:
    original = fake_real_connector.connect
    assert real_connector_available()
    with patch_snowflake():
        import snowflake.connector

        assert snowflake.connector is fake_real_connector
        con = snowflake.connector.connect(account="x")
        # the real connector's DictCursor class is accepted and gives dict rows
        rows = con.cursor(fake_real_connector.DictCursor).execute("SELECT 2 AS two").fetchall()
        assert rows == [{"TWO": 2}]
    assert fake_real_connector.connect is original


def test_stand_in_outside_patch_explains(no_connector: None) -> None:
    assert install_stand_in()
    try:
        import snowflake.connector

        with pytest.raises(cdcsim.InterfaceError, match="patch_snowflake"):
            snowflake.connector.connect(account="x")
        with patch_snowflake():
            assert isinstance(snowflake.connector.connect(), cdcsim.Connection)
        # installed by install_stand_in, so it survives the patch
        assert sys.modules["snowflake.connector"] is snowflake.connector
    finally:
        uninstall_stand_in()
    assert "snowflake.connector" not in sys.modules


def test_write_pandas(no_connector: None) -> None:
    import pandas as pd

    df = pd.DataFrame({"ID": [1, 2, 3], "NAME": ["a", None, "c"], "PRICE": [1.5, 2.0, float("nan")]})
    with patch_snowflake():
        import snowflake.connector
        from snowflake.connector.pandas_tools import write_pandas

        con = snowflake.connector.connect()
        ok, nchunks, nrows, _ = write_pandas(con, df, "ITEMS", auto_create_table=True, chunk_size=2)
        assert (ok, nchunks, nrows) == (True, 2, 3)
        rows = con.cursor().execute('SELECT "ID", "NAME", "PRICE" FROM "ITEMS" ORDER BY 1').fetchall()
        assert rows == [(1, "a", 1.5), (2, None, 2.0), (3, "c", None)]
        write_pandas(con, df.head(1), "ITEMS", overwrite=True)
        assert con.cursor().execute('SELECT COUNT(*) FROM "ITEMS"').fetchone()[0] == 1


def test_tasks_run_when_the_patch_advances(no_connector: None) -> None:
    with patch_snowflake() as sf:
        import snowflake.connector

        con = snowflake.connector.connect()
        con.execute_string(
            "CREATE TABLE src (id INT); CREATE TABLE dst (id INT); CREATE STREAM s ON TABLE src;"
            "CREATE TASK mv SCHEDULE = '1 MINUTE' AS INSERT INTO dst SELECT id FROM s;"
            "ALTER TASK mv RESUME; INSERT INTO src VALUES (1), (2);"
        )
        con.close()  # the application is done; the account (and its scheduler) lives on
        sf.advance(minutes=1)
        check = snowflake.connector.connect()
        assert check.cursor().execute("SELECT COUNT(*) FROM dst").fetchone()[0] == 2
