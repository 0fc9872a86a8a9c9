"""Dashboard test fixtures: the fake Snowflake connection registered as the dashboard's backend."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeSnowflakeConnection  # noqa: E402

from dashboard import connection  # noqa: E402


@pytest.fixture
def fake() -> Iterator[FakeSnowflakeConnection]:
    con = FakeSnowflakeConnection()
    connection.register(con, kind="snowflake", paramstyle="pyformat")
    yield con
    connection.clear()
    con.close()
