"""LAST_QUERY_ID() and TABLE(RESULT_SCAN(<query id>)): a query over an earlier statement's result,
as Snowflake's documentation does to filter SHOW output
(``SHOW TABLES; SELECT "name" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE ...``).

Snowflake [DOC: sql-reference/functions/last_query_id, sql-reference/functions/result_scan]:
LAST_QUERY_ID(n) is the id of the session's n-th query (negative: counted back from the latest,
-1 by default); RESULT_SCAN returns that query's result as a table, with its column names (SHOW's
are lower case, so they are quoted: ``"name"``).

[INFER] cdcsim keeps the results of a session's last ``KEEP`` statements that returned rows
(Snowflake keeps 24 hours of them) and the ids of its last ``KEEP_IDS`` statements; an older or
unknown id fails with 000709, as Snowflake fails for an id it cannot find. ``LAST_QUERY_ID(n)``
with a positive ``n`` counts within the ids kept. Query ids are the cursors' ``sfqid``.
"""

from __future__ import annotations

import re

from . import frames
from .commands import Result
from .engine import HOOKS
from .errors import ProgrammingError, compilation_error
from .session import Session

KEEP = 16
KEEP_IDS = 1000  # LAST_QUERY_ID(n) reaches this far back
_LAST = re.compile(r"^\s*LAST_QUERY_ID\s*\(\s*(?P<n>[-+]?\d+)?\s*\)\s*$", re.IGNORECASE)


def remember(s: Session, query_id: str, result: Result | None) -> None:
    """Record a statement's id (every statement) and its result (those that return rows). Under the
    session's lock: cursors of one connection may run on several threads."""
    with s.lock:
        s.query_ids.append(query_id)
        del s.query_ids[:-KEEP_IDS]
        s.last_query_id = query_id
        if result is None or not result.description:
            return
        s.results[query_id] = result
        while len(s.results) > KEEP:
            old, _ = s.results.popitem(last=False)
            if old in s.scanned:  # only RESULT_SCAN registers a result with DuckDB
                s.scanned.discard(old)
                frames.unregister(s.duck, _relation(old))


def _relation(query_id: str) -> str:
    return "__cdcsim_rs_" + re.sub(r"[^0-9A-Za-z]", "_", query_id)


def _query_id(s: Session, n: int) -> str | None:
    ids = s.query_ids
    if n < 0:
        return ids[n] if -n <= len(ids) else None
    return ids[n - 1] if 0 < n <= len(ids) else None


def last_query_id(s: Session, args: list) -> str:
    n = int(args[0]) if args else -1
    qid = _query_id(s, n)
    return "NULL" if qid is None else "'" + qid + "'"


def result_scan(s: Session, args: list, _kwargs: dict) -> str:
    if len(args) != 1 or args[0] is None:
        raise compilation_error("RESULT_SCAN expects one argument: a query id.", 1044, "42P13")
    arg = str(args[0])
    m = _LAST.match(arg)
    qid = _query_id(s, int(m.group("n") or -1)) if m else arg
    result = s.results.get(qid) if qid else None
    if result is None:
        raise ProgrammingError(f"Statement {qid} not found", 709, "02000")
    import pandas as pd

    names = [d[0] for d in result.description or []]
    frame = pd.DataFrame.from_records(list(result.rows), columns=names)
    frames.register(s.duck, _relation(qid), frame)
    s.scanned.add(qid)
    cols = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
    return f'SELECT {cols} FROM "{_relation(qid)}"'


HOOKS.table_functions["RESULT_SCAN"] = result_scan
HOOKS.system_functions["LAST_QUERY_ID"] = last_query_id
