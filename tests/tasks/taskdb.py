"""Helpers for task tests: a connection wrapper returning plain rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import cdcsim

T0 = datetime(2025, 9, 3, 9, 3)


class DB:
    """A connection with one cursor and helpers that return plain rows."""

    def __init__(self, con: cdcsim.Connection):
        self.con = con
        self.cur = con.cursor()

    def x(self, sql: str) -> list[tuple]:
        return self.cur.execute(sql).fetchall()

    def one(self, sql: str) -> Any:
        return self.x(sql)[0][0]

    def dicts(self, sql: str) -> list[dict[str, Any]]:
        cur = self.cur.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def history(self, name: str | None = None, **args: Any) -> list[dict[str, Any]]:
        """TASK_HISTORY rows, oldest first, without the SCHEDULED (future) row."""
        kw = [f"TASK_NAME => '{name}'"] if name else []
        args.setdefault("RESULT_LIMIT", 10000)  # the default of 100 would cut long histories
        kw += [f"{k} => {v}" for k, v in args.items()]
        rows = self.dicts(f"SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY({', '.join(kw)}))")
        return [r for r in reversed(rows) if r["STATE"] != "SCHEDULED"]

    def states(self, name: str | None = None) -> list[tuple[str, str]]:
        return [(r["NAME"], r["STATE"]) for r in self.history(name)]

    def advance(self, **kw: float) -> datetime:
        return self.con.advance(**kw)


