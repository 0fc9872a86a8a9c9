"""Helpers shared by the dynamic-table tests."""

from __future__ import annotations

from datetime import datetime

import cdcsim
from cdcsim.dynamic_tables.catalog import registry

START = datetime(2025, 9, 3, 11, 0)


def q(con: cdcsim.Connection, sql: str) -> list[tuple]:
    return con.cursor().execute(sql).fetchall()


def plan_of(con: cdcsim.Connection, name: str):  # noqa: ANN201 - an ivm.Plan
    s = con._session
    from cdcsim.dynamic_tables.planning import get_plan

    dt = registry(s.engine).tables[s.qualify([name.upper()]).fqn]
    return get_plan(s, dt)


def plan_kind(con: cdcsim.Connection, name: str) -> str:
    return plan_of(con, name).kind


def history(con: cdcsim.Connection, name: str) -> list[dict]:
    """The table's refreshes, oldest first (the function lists the newest first)."""
    cur = con.cursor(cdcsim.DictCursor)
    return cur.execute(
        f"SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{name}', "
        "DATA_TIMESTAMP_START => '2000-01-01'))").fetchall()[::-1]
