"""Time Travel on tables whose change tracking was turned on explicitly: ``AT | BEFORE`` in a
query, ``CHANGES ... AT | BEFORE ... [END]`` from a point in time, and ``CREATE STREAM ... AT |
BEFORE`` a point in time.

Snowflake [DOC: sql-reference/constructs/at-before, sql-reference/constructs/changes,
user-guide/data-time-travel]:

* ``AT(TIMESTAMP => ts | OFFSET => -seconds | STATEMENT => '<query id>' | STREAM => '<stream>')``
  names a version of the table; AT includes the changes made at that point, BEFORE is the point
  just before it (for a statement: just before it completed). A TIMESTAMP without a cast is UTC.
* ``CHANGES(INFORMATION => DEFAULT | APPEND_ONLY) AT | BEFORE (...) [END (...)]`` is the net change
  from that version to the END version (inclusive) or to now, as a stream would show it.
* A point before the table's history (before change tracking or the object existed, or older
  than DATA_RETENTION_TIME_IN_DAYS) fails: "Time travel data is not available for table T. The
  requested time is either beyond the allowed time travel period or before the object creation
  time."

How: the change log already holds every event since the table became tracked, and
``changes.state_at_sql`` rebuilds the table as of any statement number the log still covers. What
was missing is which statement number a point in time is. ``_cdcsim.history_marks`` keeps, per
table, one row for each committed write statement: its time, its query id and a statement number
drawn when it ended (above every event it logged, so marks are ordered even around a statement
that changed nothing), written in the statement's own transaction; the first mark is the moment
history began. A log hold named ``history`` keeps the log back to the version at ``now -
DATA_RETENTION_TIME_IN_DAYS``; marks older than that version go.

[INFER] Where cdcsim differs or Snowflake is silent:

* History is kept only for tables on which ``CHANGE_TRACKING = TRUE`` was set (ALTER TABLE or CREATE
  TABLE), from that moment: a table tracked only because a stream or a dynamic table reads it keeps
  no history, so a high-rate pipeline does not keep a day of its change log. A point on any other
  table fails with Snowflake's error and a sentence that says so. ``AT(STREAM => 's')`` needs no
  history (the stream's offset is a version the log covers) and works on any stream's table.
* A write statement at exactly the requested time counts as after it. Under a ManualClock that
  has not moved every statement has the same time, and the doc pages' pattern (``SET ts =
  CURRENT_TIMESTAMP()``, then DML, then ``CHANGES ... AT(TIMESTAMP => $ts)``) must show that DML;
  advance the clock between steps that must be told apart by time. A statement is told apart by
  its query id at any time.
* ``STATEMENT =>`` names a write statement on that table (a SELECT's id fails): the version after
  it (AT) or before it (BEFORE). Statements of multi-table INSERT and of dynamic-table refreshes
  leave no mark; their changes count with the next statement that does.
* TIMESTAMP and OFFSET take AT and BEFORE alike (a point in time is between statements).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from . import changes
from .errors import ProgrammingError
from .names import META_SCHEMA

if TYPE_CHECKING:
    from .session import Session

M = META_SCHEMA
HOLDER = "history"
PRUNE_EVERY = 64  # marks written between two moves of the history hold (a lagging hold keeps more log)

# A point: (AT | BEFORE | END, TIMESTAMP | OFFSET | STATEMENT | STREAM, DuckDB SQL of its value)
Point = tuple[str, str, str]


def history_ids(s: Session) -> frozenset[int]:
    """The change logs that keep history, read once per catalog version."""
    cached = s.engine.state.get("history_ids")
    version = s.engine.catalog.version
    if cached is not None and cached[0] == version:
        return cached[1]
    ids = frozenset(int(r[0]) for r in s.duck.execute(f"SELECT DISTINCT table_id FROM {M}.history_marks").fetchall())
    s.engine.state["history_ids"] = (version, ids)
    return ids


def _forget_cache(s: Session) -> None:
    s.engine.state.pop("history_ids", None)


def start(s: Session, table_id: int) -> None:
    """History begins now (ALTER TABLE ... SET CHANGE_TRACKING = TRUE; idempotent)."""
    d = s.duck
    if d.execute(f"SELECT count(*) FROM {M}.history_marks WHERE table_id = ?", [table_id]).fetchone()[0]:
        return
    stmt = int(d.execute(f"INSERT INTO {M}.history_marks VALUES (?, ?, nextval('{M}.rid_seq'), NULL) "
                         "RETURNING stmt", [table_id, s.now()]).fetchone()[0])
    changes.set_hold(d, table_id, HOLDER, stmt)
    _forget_cache(s)


def record(s: Session, table_id: int, table_fqn: str) -> None:
    """Mark a write statement on the table, in its transaction (the caller's)."""
    # a number of its own, above every event of the statement (the write lock is held): marks are
    # told apart even when a statement changed nothing
    s.duck.execute(f"INSERT INTO {M}.history_marks VALUES (?, ?, nextval('{M}.rid_seq'), ?)",
                   [table_id, s.now(), s.query_id])
    counts = s.engine.state.setdefault("history_marks", {})
    counts[table_id] = counts.get(table_id, 0) + 1
    if counts[table_id] >= PRUNE_EVERY:
        counts[table_id] = 0
        prune(s, table_id, table_fqn)


def _cutoff(s: Session, table_fqn: str) -> datetime:
    """The oldest time the table's history still covers (its retention period back from now)."""
    from .change_tracking import RETENTION, days  # (change_tracking imports this module)

    return s.now() - timedelta(days=days(s, table_fqn, RETENTION))


def prune(s: Session, table_id: int, table_fqn: str) -> None:
    """Move the history hold up to the version at the retention cutoff and drop older marks."""
    floor = s.duck.execute(f"SELECT max(stmt) FROM {M}.history_marks WHERE table_id = ? AND ts < ?",
                           [table_id, _cutoff(s, table_fqn)]).fetchone()[0]
    if floor is None:
        return
    s.duck.execute(f"DELETE FROM {M}.history_marks WHERE table_id = ? AND stmt < ?", [table_id, floor])
    changes.set_hold(s.duck, table_id, HOLDER, floor)


def unavailable(table_fqn: str, why: str = "") -> ProgrammingError:
    name = table_fqn.rsplit(".", 1)[-1]
    return ProgrammingError(
        f"Time travel data is not available for table {name}. The requested time is either beyond the allowed "
        f"time travel period or before the object creation time.{why}", 707, "02000")


def no_history(table_fqn: str) -> ProgrammingError:
    """Snowflake's error for a point on a table that keeps no history here, saying how to get it."""
    return unavailable(table_fqn, " (cdcsim keeps a table's history from ALTER TABLE ... SET CHANGE_TRACKING = "
                                  "TRUE on.)")


def resolve(s: Session, table_fqn: str, table_id: int, point: Point) -> int:
    """The statement number of the table's version at ``point``: every event at or below it is in
    that version, none above it."""
    side, kind, value_sql = point
    if kind == "STREAM":
        info = s.stream_info(str(_value(s, value_sql)))
        if info.table_fqn != table_fqn:
            raise ProgrammingError(f"Stream '{info.fqn}' is not on table '{table_fqn}'.", 2099, "42601")
        return int(s.duck.execute(f"SELECT stmt_offset FROM {M}.streams WHERE fqn = ?", [info.fqn]).fetchone()[0])
    if table_id not in history_ids(s):
        raise no_history(table_fqn)
    if kind == "STATEMENT":
        qid = str(_value(s, value_sql))
        row = s.duck.execute(f"SELECT max(stmt) FROM {M}.history_marks WHERE table_id = ? AND query_id = ?",
                             [table_id, qid]).fetchone()
        if row[0] is None:
            raise ProgrammingError(f"Statement {qid} not found, or it did not write table "
                                   f"{table_fqn.rsplit('.', 1)[-1]}.", 709, "02000")
        if side != "BEFORE":
            return int(row[0])
        before = s.duck.execute(f"SELECT max(stmt) FROM {M}.history_marks WHERE table_id = ? AND stmt < ?",
                                [table_id, int(row[0])]).fetchone()[0]
        if before is None:
            raise unavailable(table_fqn)
        return int(before)
    at = _instant(s, kind, value_sql)
    first, version = s.duck.execute(
        f"SELECT min(ts), coalesce(max(stmt) FILTER (WHERE ts < ?), min(stmt)) FROM {M}.history_marks "
        "WHERE table_id = ?", [at, table_id]).fetchone()
    if first is None or at < first or at < _cutoff(s, table_fqn):
        raise unavailable(table_fqn)
    return int(version)


def _instant(s: Session, kind: str, value_sql: str | None) -> datetime:
    """The time a TIMESTAMP or OFFSET point names, in the engine's clock (naive UTC)."""
    value = _value(s, value_sql)
    if kind == "OFFSET":
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ProgrammingError(f"Invalid value [{value}] for OFFSET: a number of seconds (-N).", 1008, "22023")
        return s.now() + timedelta(seconds=float(value))
    raw = value
    if isinstance(value, str):  # a TIMESTAMP without a cast is read as UTC [DOC: at-before]
        value = s.duck.execute("SELECT TRY_CAST(? AS TIMESTAMP)", [value]).fetchone()[0]
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        raise ProgrammingError(f"Invalid value [{raw}] for TIMESTAMP: a timestamp.", 1008, "22023")
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _value(s: Session, value_sql: str) -> object:
    return s.duck.execute(f"SELECT {value_sql}").fetchone()[0]
