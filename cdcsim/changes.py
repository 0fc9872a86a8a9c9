"""Change capture on tracked tables and the net-delta computation.

A table becomes *tracked* when the first stream (or incremental dynamic table) needs its changes.
Tracking adds a hidden ``__CDCSIM_RID`` column (a row id from a sequence: stable for the row's
whole life, never reused) and three statement-level triggers that copy every change into the
table's change log ``_cdcsim."log_<id>"`` **inside the writing transaction**: a change is captured
with its statement or not at all. Each log row carries

* ``_stmt`` — the event's number, from the row-id sequence: a ``nextval`` per updated or deleted
  row, and for an insert the new row's id itself (drawn by the inserting statement, which saves
  the trigger a sequence call). Writers are serialised by the engine's write lock, so the numbers
  are in commit order: every number a transaction draws is above every number drawn before it. A
  statement spans as many numbers as it changes rows; a reader's window always ends between
  transactions, so it never splits one. A row's events are numbered in the order they happened,
  its insert first. (It is a "statement number" in the names below: one per statement before.)
* ``_op`` — 0 delete, 1 insert, 2 update. An update's row holds the values before it, and the row
  exists after it. (Logs written before this format also hold 3, an update's after-image with only
  the row id, right after its 2: readers skip it.)

followed by the row id and, for deletes and updates, the row's columns before the event. Inserts
carry only the row id: a row's values after an event are the before-image of its next event, or —
when there is none — the row as it stands in the table. Copying only what a later reader could not
find elsewhere keeps capture cheap (a bulk insert logs ids, not rows; an update one row per row),
and a window of pure inserts is read straight from the table by row-id range.

Net change between two statement numbers ``(lo, hi]`` follows Snowflake's rules (reference 1.4):
per row id, the first event tells whether the row existed at ``lo`` (and its values then), the last
event whether it exists at ``hi`` (and its values now). Existed and exists with different values →
DELETE(old) + INSERT(new), both ISUPDATE; existed only → DELETE; exists only → INSERT; neither →
nothing. [INFER] A row whose final values equal its values at ``lo`` yields nothing (reference 6).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import duckdb

from .names import META_SCHEMA, QName, quote, split_duck_schema

RID = "__CDCSIM_RID"
QRID = quote(RID)
USER_COLUMNS = f"COLUMNS(lambda c: c <> '{RID}')"  # a SELECT list of every column but the hidden row id
M = META_SCHEMA

OP_DELETE, OP_INSERT, OP_BEFORE, OP_AFTER = 0, 1, 2, 3  # OP_AFTER: only in logs of the older format
# the events after which the row exists: an insert or an update (whose own row stands for both
# images; OP_AFTER is not needed, and reading it too would count an older update twice)
EXISTS_AFTER = f"{OP_INSERT}, {OP_BEFORE}"
# A reader (stream consumption, dynamic-table refresh) moves its log hold up and compacts the log
# only every COMPACT_EVERY reads: two statements fewer per read the rest of the time. A lagging
# hold only keeps log rows longer; every read uses its own offset or frontier, never the hold.
COMPACT_EVERY = 8
# ...or at once after a read of more than COMPACT_ROWS log rows: deleting the rows it leaves
# would otherwise fall on some later, small read.
COMPACT_ROWS = 10_000


def log_table(table_id: int) -> str:
    return f'{M}."log_{table_id}"'


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    generated: bool = False


def user_columns(con: duckdb.DuckDBPyConnection, qn: QName) -> list[Column]:
    """The table's columns in order, without the hidden row id."""
    rows = con.execute(
        "SELECT column_name, data_type, is_generated FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [qn.duck_schema, qn.name],
    ).fetchall()
    return [Column(n, t, bool(g)) for n, t, g in rows if n != RID]


def has_rid(con: duckdb.DuckDBPyConnection, qn: QName) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? AND column_name = ?",
        [qn.duck_schema, qn.name, RID],
    ).fetchone()[0])


def track(con: duckdb.DuckDBPyConnection, qn: QName) -> int:
    """Start capturing changes of table ``qn`` (idempotent); returns its table id."""
    row = con.execute(f"SELECT id FROM {M}.tracked_tables WHERE fqn = ?", [qn.fqn]).fetchone()
    if row:
        return int(row[0])
    table_id = int(con.execute(f"SELECT nextval('{M}.obj_seq')").fetchone()[0])
    if not has_rid(con, qn):
        con.execute(f"ALTER TABLE {qn.duck} ADD COLUMN {QRID} BIGINT DEFAULT nextval('{M}.rid_seq')")
    cols = user_columns(con, qn)
    col_defs = ", ".join(f"{quote(c.name)} {c.type}" for c in cols)
    con.execute(f"CREATE TABLE {log_table(table_id)} (_stmt BIGINT, _op TINYINT, {col_defs}, {QRID} BIGINT)")
    con.execute(
        f"INSERT INTO {M}.tracked_tables VALUES (?, ?, ?, ?)", [table_id, qn.fqn, qn.duck_schema, qn.name]
    )
    _create_triggers(con, qn, table_id, cols)
    return table_id


def _trigger_names(table_id: int) -> list[str]:
    return [f"cdcsim_ins_{table_id}", f"cdcsim_upd_{table_id}", f"cdcsim_del_{table_id}"]


def _create_triggers(con: duckdb.DuckDBPyConnection, qn: QName, table_id: int, cols: list[Column]) -> None:
    names = [quote(c.name) for c in cols] + [QRID]
    full = f"{log_table(table_id)} (_stmt, _op, {', '.join(names)})"
    narrow = f"{log_table(table_id)} (_stmt, _op, {QRID})"
    sel = lambda alias: ", ".join(f"{alias}.{n}" for n in names)  # noqa: E731
    stmt = f"nextval('{M}.rid_seq')"  # per row: cheaper than once per statement for one row
    ins, upd, dele = _trigger_names(table_id)
    # the row id is the insert's statement number (see the module docstring): a single-row INSERT
    # costs 0.12-0.21 ms less than with a scalar nextval subquery (1.23-1.44 ms in all)
    con.execute(
        f"CREATE TRIGGER {ins} AFTER INSERT ON {qn.duck} REFERENCING NEW TABLE AS nt "
        f"FOR EACH STATEMENT INSERT INTO {narrow} SELECT nt.{QRID}, {OP_INSERT}, nt.{QRID} FROM nt"
    )
    # One row per updated row: its values before, and (by its op) that it exists after. The
    # after-image rows of the older format (a UNION ALL with the new table, and one number per
    # statement by a cross join) made a single-row UPDATE on a tracked table cost about 0.5 ms
    # more (bench_capture: 2,000 of them took 3.7-4.1 s, now 2.6-2.9 s).
    con.execute(
        f"CREATE TRIGGER {upd} AFTER UPDATE ON {qn.duck} REFERENCING OLD TABLE AS ot "
        f"FOR EACH STATEMENT INSERT INTO {full} SELECT {stmt}, {OP_BEFORE}, {sel('ot')} FROM ot"
    )
    con.execute(
        f"CREATE TRIGGER {dele} AFTER DELETE ON {qn.duck} REFERENCING OLD TABLE AS ot "
        f"FOR EACH STATEMENT INSERT INTO {full} SELECT {stmt}, {OP_DELETE}, {sel('ot')} FROM ot"
    )


def drop_triggers(con: duckdb.DuckDBPyConnection, qn: QName, table_id: int) -> None:
    for name in _trigger_names(table_id):
        con.execute(f"DROP TRIGGER IF EXISTS {name} ON {qn.duck}")


def retrack(con: duckdb.DuckDBPyConnection, qn: QName, table_id: int) -> None:
    """Re-create triggers and widen the log after the table changed (columns, name)."""
    drop_triggers(con, qn, table_id)
    con.execute(f"UPDATE {M}.tracked_tables SET fqn = ?, duck_schema = ?, duck_name = ? WHERE id = ?",
                [qn.fqn, qn.duck_schema, qn.name, table_id])
    cols = user_columns(con, qn)
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
        [META_SCHEMA, f"log_{table_id}"],
    ).fetchall()}
    for c in cols:
        if c.name not in existing:
            con.execute(f"ALTER TABLE {log_table(table_id)} ADD COLUMN {quote(c.name)} {c.type}")
    _create_triggers(con, qn, table_id, cols)


def untrack(con: duckdb.DuckDBPyConnection, table_id: int) -> None:
    con.execute(f"DROP TABLE IF EXISTS {log_table(table_id)}")
    con.execute(f"DELETE FROM {M}.tracked_tables WHERE id = ?", [table_id])
    con.execute(f"DELETE FROM {M}.log_holds WHERE table_id = ?", [table_id])
    con.execute(f"DELETE FROM {M}.history_marks WHERE table_id = ?", [table_id])  # its history went with it


def current_stmt(con: duckdb.DuckDBPyConnection) -> int:
    """The last statement number (or row id) handed out (0 before any)."""
    return _last_value(con, "rid_seq")


def _last_value(con: duckdb.DuckDBPyConnection, sequence: str) -> int:
    row = con.execute(
        "SELECT last_value FROM duckdb_sequences() WHERE schema_name = ? AND sequence_name = ?",
        [META_SCHEMA, sequence],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def upgrade(con: duckdb.DuckDBPyConnection) -> bool:
    """Bring a database written by a cdcsim that numbered statements with a sequence of their own
    (``stmt_seq``) to one sequence: move the row-id sequence above every statement number handed
    out, re-create the capture triggers and drop ``stmt_seq``, in one transaction. Log rows,
    stream offsets and refresh frontiers keep their numbers, which stay below every new one.
    Returns whether there was anything to do. There is no way back: an older cdcsim opening the
    upgraded file would start a new ``stmt_seq`` at 1, below the numbers already in the logs."""
    if not con.execute("SELECT count(*) FROM duckdb_sequences() WHERE schema_name = ? AND sequence_name = 'stmt_seq'",
                       [META_SCHEMA]).fetchone()[0]:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        behind = _last_value(con, "stmt_seq") - _last_value(con, "rid_seq")
        if behind > 0:
            con.execute(f"SELECT max(nextval('{M}.rid_seq')) FROM range({int(behind)})").fetchall()
        for table_id, schema, name in con.execute(
                f"SELECT id, duck_schema, duck_name FROM {M}.tracked_tables").fetchall():
            parts = split_duck_schema(schema)
            if parts is None or not con.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                    [schema, name]).fetchone()[0]:
                continue  # nothing to capture: the table is gone
            qn = QName(parts[0], parts[1], name)
            drop_triggers(con, qn, int(table_id))
            _create_triggers(con, qn, int(table_id), user_columns(con, qn))
        con.execute(f"DROP SEQUENCE {M}.stmt_seq")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def window_end(con: duckdb.DuckDBPyConnection, table_id: int, lo: int, cap: int | None) -> tuple[int, bool]:
    """(hi, only_inserts): the last visible statement after ``lo`` (at most ``cap``) and whether
    every event in ``(lo, hi]`` is a plain insert (then the net change is just those rows)."""
    cap_sql = f" AND _stmt <= {int(cap)}" if cap is not None else ""
    hi, non_insert = con.execute(
        f"SELECT max(_stmt), bool_or(_op <> {OP_INSERT}) FROM {log_table(table_id)} "
        f"WHERE _stmt > {int(lo)}{cap_sql}"
    ).fetchone()
    return (int(hi) if hi is not None else lo), not bool(non_insert)


def _cols(cols: list[Column], alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return ", ".join(f"{p}{quote(c.name)}" for c in cols)


def _row(cols: list[Column], alias: str) -> str:
    return "row(" + _cols(cols, alias) + ")"


def row_id_sql(table_id: int, rid_expr: str) -> str:
    """METADATA$ROW_ID: a 40-hex-digit id, stable per row and unique per source table."""
    return f"sha1('{table_id}:' || {rid_expr})"


def _first_before(table_id: int, cols: list[Column], after: int, rids: str) -> str:
    """For each row in ``rids``: its first before-image after statement ``after`` — the row's values
    just before that event, i.e. its values at ``after`` when the row existed then."""
    return (f"SELECT {_cols(cols)}, {QRID} FROM {log_table(table_id)} WHERE _stmt > {int(after)} "
            f"AND _op IN ({OP_DELETE}, {OP_BEFORE}) AND {QRID} IN (SELECT {QRID} FROM {rids}) "
            f"QUALIFY row_number() OVER (PARTITION BY {QRID} ORDER BY _stmt, _op) = 1")


def _values_after(table: QName, table_id: int, cols: list[Column], after: int, rids: str) -> str:
    """Values of rows ``rids`` (each existing at statement ``after``) as they were at ``after``."""
    return (f"(WITH _later AS ({_first_before(table_id, cols, after, rids)}) "
            f"SELECT {_cols(cols, '_t')}, _t.{QRID} FROM {table.duck} AS _t "
            f"SEMI JOIN {rids} AS _r ON _r.{QRID} = _t.{QRID} ANTI JOIN _later ON _later.{QRID} = _t.{QRID} "
            f"UNION ALL SELECT * FROM _later)")


def inserted_sql(table_id: int, cols: list[Column], lo: int, hi: int, table: QName) -> str:
    """The rows inserted in ``(lo, hi]`` with the values they were inserted with (the columns and
    the raw row id), whatever happened to them since."""
    lt = log_table(table_id)
    return (f"(WITH _ins AS (SELECT {QRID} FROM {lt} WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)} "
            f"AND _op = {OP_INSERT}) SELECT * FROM {_values_after(table, table_id, cols, int(lo), '_ins')} AS _v)")


def inserts_sql(table_id: int, cols: list[Column], lo: int, hi: int, table: QName) -> str:
    """Rows inserted in ``(lo, hi]`` as they were inserted (append-only semantics)."""
    return (f"(SELECT {_cols(cols)}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {QRID} "
            f"FROM {inserted_sql(table_id, cols, lo, hi, table)} AS _i)")


def net_changes_sql(table_id: int, cols: list[Column], lo: int, hi: int, table: QName, *, later: bool = True,
                    single: bool = False, keep_equal: bool = False) -> str:
    """Snowflake's minimal delta between ``lo`` and ``hi``: the columns, METADATA$ACTION,
    METADATA$ISUPDATE and the raw row id (``__CDCSIM_RID``).

    Per row: the first event in the window says whether it existed at ``lo`` (its before-image
    holds the values then); the last says whether it exists at ``hi`` (values from the next
    before-image after ``hi``, or the table). ``later=False``: no event after ``hi`` (the values at
    ``hi`` are the table's); ``single=True``: every row has one event in the window (its
    before-image, if any, is the first and its event the last). Both only simplify the SQL.
    ``keep_equal=True``: a row that existed at ``lo`` and exists at ``hi`` with the same values in
    ``cols`` still yields its DELETE/INSERT pair. A reader that got only some columns needs it:
    the row changed in a column it did not get (a dynamic table's refresh recomputes the row's key).
    """
    c = _cols(cols)
    lt = log_table(table_id)
    w = (f"_w AS (SELECT _stmt, _op, {c}, {QRID} FROM {lt} WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)} "
         f"AND _op <> {OP_AFTER})")
    if single:
        parts = [w, f"_b AS (SELECT {c}, {QRID} FROM _w WHERE _op IN ({OP_DELETE}, {OP_BEFORE}))",
                 f"_now AS (SELECT {QRID} FROM _w WHERE _op IN ({EXISTS_AFTER}))"]
    else:
        parts = [w,
                 f"""_fl AS (SELECT {QRID}, arg_min(_op, _stmt * 4 + _op) AS _fop, arg_max(_op, _stmt * 4 + _op) AS _lop
        FROM _w GROUP BY {QRID})""",
                 f"""_b AS (SELECT {_cols(cols, '_w')}, _w.{QRID} FROM _w SEMI JOIN _fl ON _fl.{QRID} = _w.{QRID}
        AND _fl._fop IN ({OP_DELETE}, {OP_BEFORE}) WHERE _w._op IN ({OP_DELETE}, {OP_BEFORE})
        QUALIFY row_number() OVER (PARTITION BY _w.{QRID} ORDER BY _w._stmt, _w._op) = 1)""",
                 f"_now AS (SELECT {QRID} FROM _fl WHERE _lop IN ({EXISTS_AFTER}))"]
    if later:
        parts.append(f"_a AS (SELECT * FROM {_values_after(table, table_id, cols, int(hi), '_now')} AS _v)")
    else:
        parts.append(f"_a AS (SELECT {_cols(cols, '_t')}, _t.{QRID} FROM {table.duck} AS _t "
                     f"SEMI JOIN _now ON _now.{QRID} = _t.{QRID})")
    differs = "TRUE" if keep_equal else f"{_row(cols, '_b')} IS DISTINCT FROM {_row(cols, '_a')}"
    return f"""(WITH {', '.join(parts)}
SELECT {_cols(cols, '_b')}, 'DELETE' AS "METADATA$ACTION", _a.{QRID} IS NOT NULL AS "METADATA$ISUPDATE", _b.{QRID}
FROM _b LEFT JOIN _a ON _a.{QRID} = _b.{QRID}
WHERE _a.{QRID} IS NULL OR {differs}
UNION ALL
SELECT {_cols(cols, '_a')}, 'INSERT', _b.{QRID} IS NOT NULL, _a.{QRID}
FROM _a LEFT JOIN _b ON _a.{QRID} = _b.{QRID}
WHERE _b.{QRID} IS NULL OR {differs})"""


def probe_sql(table_id: int, lo: int, hi: int | None, count: bool = True, single: bool = True) -> str:
    """One row describing the window ``(lo, hi]`` of a log: (events, any event not a plain insert,
    min row id, max row id, any event after ``hi``, every row has one event, the last statement)
    — the first NULL unless ``count``, the sixth NULL unless ``count`` and ``single``. ``hi=None``:
    the window ends at the log's end (a caller holding the write lock, so no event can follow)."""
    lt = log_table(table_id)
    upto = "" if hi is None else f" AND _stmt <= {int(hi)}"
    w = "" if hi is None else f"FILTER (WHERE _stmt <= {int(hi)})"
    later = "FALSE" if hi is None else f"bool_or(_stmt > {int(hi)})"
    # a stream read needs neither the event count nor, for a window of inserts, the single test;
    # an input that only ever had inserts skips the single test (its own scalar subquery)
    n = f"count(*) {w}" if count else "NULL"
    one = "NULL"
    if count and single:
        # the row-id order test reads the same scan; only the distinct count needs its own
        # (see single_sql)
        one = (f"({_one_event_each(table_id, lo, hi)} AND coalesce(max({QRID}) FILTER (WHERE _op <> {OP_INSERT}"
               f"{upto}) < min({QRID}) FILTER (WHERE _op = {OP_INSERT}{upto}), TRUE))")
    return (f"SELECT {n}, bool_or(_op <> {OP_INSERT}) {w}, min({QRID}) {w}, max({QRID}) {w}, "
            f"{later}, {one}, max(_stmt) {w} FROM {lt} WHERE _stmt > {int(lo)}")


def _one_event_each(table_id: int, lo: int, hi: int | None) -> str:
    """Has each row with a delete or update event in the window exactly one of them?"""
    win = f"_stmt > {int(lo)}" + ("" if hi is None else f" AND _stmt <= {int(hi)}")
    return (f"(SELECT count(*) = count(DISTINCT {QRID}) FROM {log_table(table_id)} WHERE {win} "
            f"AND _op IN ({OP_DELETE}, {OP_BEFORE}))")


def single_sql(table_id: int, lo: int, hi: int | None) -> str:
    """Does every row have one event in the window? Among rows with a non-insert event each has
    exactly one (a delete or an update's after-image), and none of them was inserted in the window:
    row ids are handed out in commit order, so rows inserted in the window have higher ids than
    every older row. Subqueries that see only the events they count keep a window of a million
    inserts cheap (a FILTER clause would still feed every row to the distinct hash table)."""
    lt = log_table(table_id)
    win = f"_stmt > {int(lo)}" + ("" if hi is None else f" AND _stmt <= {int(hi)}")
    return (f"({_one_event_each(table_id, lo, hi)} "
            f"AND coalesce((SELECT max({QRID}) FROM {lt} WHERE {win} AND _op <> {OP_INSERT}) < "
            f"(SELECT min({QRID}) FROM {lt} WHERE {win} AND _op = {OP_INSERT}), TRUE))")


def events_sql(table_id: int, cols: list[Column], lo: int, table: QName) -> str:
    """The window ``(lo, end of log]`` as its events, when every row has one event and none
    follows: deletes and update before-images from the log, inserts and update after-images from
    the table. Not minimal: an update that left a row as it was is a DELETE and an INSERT of equal
    rows (a dynamic table's refresh cancels them; a stream must not show them)."""
    lt = log_table(table_id)
    return (f"SELECT {_cols(cols)}, 'DELETE' AS \"METADATA$ACTION\", _op = {OP_BEFORE} AS \"METADATA$ISUPDATE\", "
            f"{QRID} FROM {lt} WHERE _stmt > {int(lo)} AND _op IN ({OP_DELETE}, {OP_BEFORE}) UNION ALL "
            f"SELECT {_cols(cols, '_t')}, 'INSERT', _n._op = {OP_BEFORE}, _t.{QRID} FROM {table.duck} AS _t "
            f"JOIN (SELECT {QRID}, _op FROM {lt} WHERE _stmt > {int(lo)} AND _op IN ({EXISTS_AFTER})) AS _n "
            f"ON _n.{QRID} = _t.{QRID}")


def delta_sql(con: duckdb.DuckDBPyConnection, table: QName, table_id: int, cols: list[Column], lo: int, hi: int,
              append_only: bool = False, probe: tuple | None = None, minimal: bool = True) -> str:
    """The change in ``(lo, hi]`` (net, or append-only), choosing the cheapest correct plan.

    A window of plain inserts with no later event on the table is just the table's rows in the
    window's row-id range (row ids are handed out in commit order), read with zone maps.
    ``probe``: the row of ``probe_sql`` for this window when the caller already read it.
    ``minimal=False``: the reader cancels equal DELETE/INSERT pairs itself and may have asked for
    only some columns, so a window of one event per row is read as its events (``events_sql``)
    and a row that changed only in other columns keeps its pair (``net_changes_sql``)."""
    if probe is None:  # one-event-per-row only matters once the window holds more than inserts
        probe = con.execute(probe_sql(table_id, lo, int(hi), count=False)).fetchone()
    _n, non_insert, rmin, rmax, later, single = probe[:6]
    if single is None and non_insert and not append_only:
        single = con.execute(f"SELECT {single_sql(table_id, lo, int(hi))}").fetchone()[0]
    if rmin is None:
        return (f"SELECT {_cols(cols)}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {QRID} "
                f"FROM {table.duck} WHERE FALSE")
    if not non_insert and not later:
        return (f"SELECT {_cols(cols)}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {QRID} "
                f"FROM {table.duck} WHERE {QRID} BETWEEN {int(rmin)} AND {int(rmax)}")
    if append_only or not non_insert:
        return inserts_sql(table_id, cols, lo, hi, table)
    if not minimal and single and not later:
        return events_sql(table_id, cols, lo, table)
    return net_changes_sql(table_id, cols, lo, hi, table, later=bool(later), single=bool(single), keep_equal=not minimal)


def state_at_sql(qn: QName, table_id: int, cols: list[Column], at: int, rids: str | None = None) -> str:
    """The table's rows as of statement ``at`` (undoing every visible event after it); with
    ``rids`` (a relation with a ``__CDCSIM_RID`` column), only those rows."""
    lt = log_table(table_id)
    only = "" if rids is None else f" AND {QRID} IN (SELECT {QRID} FROM {rids})"
    return f"""(SELECT {_cols(cols, '_t')}, _t.{QRID} FROM {qn.duck} AS _t
WHERE NOT EXISTS (SELECT 1 FROM {lt} AS _l WHERE _l.{QRID} = _t.{QRID} AND _l._stmt > {int(at)}){only.replace(QRID, '_t.' + QRID, 1)}
UNION ALL
SELECT {_cols(cols)}, {QRID} FROM (SELECT * FROM {lt} WHERE _stmt > {int(at)}{only}
  QUALIFY row_number() OVER (PARTITION BY {QRID} ORDER BY _stmt, _op) = 1) WHERE _op IN ({OP_DELETE}, {OP_BEFORE}))"""


def compact(con: duckdb.DuckDBPyConnection, table_id: int, tracked: Collection[int] | None = None) -> None:
    """Drop log rows no holder (stream offset, dynamic-table frontier) can still need.
    ``tracked``: the ids of the tracked tables, when the caller knows them (a statement fewer)."""
    if tracked is not None:
        if table_id not in tracked:
            return
    elif not con.execute(f"SELECT count(*) FROM {M}.tracked_tables WHERE id = ?", [table_id]).fetchone()[0]:
        return  # the table was replaced or dropped: its log went with it
    # no holder left: every row goes
    con.execute(f"DELETE FROM {log_table(table_id)} WHERE _stmt <= coalesce((SELECT min(stmt) FROM {M}.log_holds "
                f"WHERE table_id = ?), 9223372036854775807)", [table_id])


def set_hold(con: duckdb.DuckDBPyConnection, table_id: int, holder: str, stmt: int) -> None:
    # an UPDATE of the existing row costs a third of INSERT OR REPLACE (its unique-index upsert)
    updated = con.execute(f"UPDATE {M}.log_holds SET stmt = ? WHERE table_id = ? AND holder = ?",
                          [int(stmt), table_id, holder]).fetchone()[0]
    if not updated:
        con.execute(f"INSERT INTO {M}.log_holds VALUES (?, ?, ?)", [table_id, holder, int(stmt)])


def drop_hold(con: duckdb.DuckDBPyConnection, table_id: int, holder: str) -> None:
    con.execute(f"DELETE FROM {M}.log_holds WHERE table_id = ? AND holder = ?", [table_id, holder])
