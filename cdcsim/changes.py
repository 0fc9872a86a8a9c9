"""Change capture on tracked tables and the net-delta computation.

A table becomes *tracked* when the first stream (or incremental dynamic table) needs its changes.
Tracking adds a hidden ``__CDCSIM_RID`` column (a row id from a sequence: stable for the row's
whole life, never reused) and three statement-level triggers that copy every change into the
table's change log ``_cdcsim."log_<id>"`` **inside the writing transaction**: a change is captured
with its statement or not at all. Each log row carries

* ``_stmt`` — the statement number (one ``nextval`` per triggering statement; writers are
  serialised by the engine's write lock, so statement order is commit order), and
* ``_op`` — 0 delete, 1 insert, 2 update before-image, 3 update after-image,

followed by the row's columns (before- or after-image) and its row id. Because the log holds
before-images, streams and incremental refreshes never rescan the base table.

Net change between two statement numbers ``(lo, hi]`` follows Snowflake's rules (reference 1.4):
per row id, the first event tells whether the row existed at ``lo`` (and its values then), the last
event whether it exists at ``hi`` (and its values now). Existed and exists with different values →
DELETE(old) + INSERT(new), both ISUPDATE; existed only → DELETE; exists only → INSERT; neither →
nothing. [INFER] A row whose final values equal its values at ``lo`` yields nothing (reference 6).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .names import META_SCHEMA, QName, quote

RID = "__CDCSIM_RID"
QRID = quote(RID)
M = META_SCHEMA

OP_DELETE, OP_INSERT, OP_BEFORE, OP_AFTER = 0, 1, 2, 3


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
    target = f"{log_table(table_id)} (_stmt, _op, {', '.join(names)})"
    sel = lambda alias: ", ".join(f"{alias}.{n}" for n in names)  # noqa: E731
    stmt = f"(SELECT nextval('{M}.stmt_seq'))"
    ins, upd, dele = _trigger_names(table_id)
    con.execute(
        f"CREATE TRIGGER {ins} AFTER INSERT ON {qn.duck} REFERENCING NEW TABLE AS nt "
        f"FOR EACH STATEMENT INSERT INTO {target} SELECT {stmt}, {OP_INSERT}, {sel('nt')} FROM nt"
    )
    # One nextval per statement, shared by the before- and after-images (a one-row cross join).
    con.execute(
        f"CREATE TRIGGER {upd} AFTER UPDATE ON {qn.duck} REFERENCING OLD TABLE AS ot NEW TABLE AS nt "
        f"FOR EACH STATEMENT INSERT INTO {target} SELECT s.v, x.* FROM (SELECT {OP_BEFORE}, {sel('ot')} FROM ot "
        f"UNION ALL SELECT {OP_AFTER}, {sel('nt')} FROM nt) AS x, (SELECT nextval('{M}.stmt_seq') AS v) AS s"
    )
    con.execute(
        f"CREATE TRIGGER {dele} AFTER DELETE ON {qn.duck} REFERENCING OLD TABLE AS ot "
        f"FOR EACH STATEMENT INSERT INTO {target} SELECT {stmt}, {OP_DELETE}, {sel('ot')} FROM ot"
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


def current_stmt(con: duckdb.DuckDBPyConnection) -> int:
    """The last statement number handed out (0 before any)."""
    row = con.execute(
        "SELECT last_value FROM duckdb_sequences() WHERE schema_name = ? AND sequence_name = 'stmt_seq'",
        [META_SCHEMA],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


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


def inserts_sql(table_id: int, cols: list[Column], lo: int, hi: int) -> str:
    """Rows inserted in ``(lo, hi]`` as they were inserted (append-only semantics)."""
    return (
        f"SELECT {_cols(cols)}, 'INSERT' AS \"METADATA$ACTION\", FALSE AS \"METADATA$ISUPDATE\", {QRID} "
        f"FROM {log_table(table_id)} WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)} AND _op = {OP_INSERT}"
    )


def net_changes_sql(table_id: int, cols: list[Column], lo: int, hi: int) -> str:
    """Snowflake's minimal delta between ``lo`` and ``hi``: the columns, METADATA$ACTION,
    METADATA$ISUPDATE and the raw row id (``__CDCSIM_RID``).

    Most rows change once in a window; those are answered straight from their single event, and
    only rows with several events go through the first/last-event comparison.
    """
    c = _cols(cols)
    return f"""(WITH _w AS (SELECT _stmt, _op, {c}, {QRID} FROM {log_table(table_id)}
        WHERE _stmt > {int(lo)} AND _stmt <= {int(hi)}),
_multi AS (SELECT {QRID} FROM _w GROUP BY {QRID} HAVING count(*) > 1),
_e AS (SELECT _op, {c}, {QRID},
        row_number() OVER (PARTITION BY {QRID} ORDER BY _stmt, _op) AS _rn,
        count(*) OVER (PARTITION BY {QRID}) AS _cnt FROM _w SEMI JOIN _multi USING ({QRID})),
_b AS (SELECT * FROM _e WHERE _rn = 1 AND _op IN ({OP_DELETE}, {OP_BEFORE})),
_a AS (SELECT * FROM _e WHERE _rn = _cnt AND _op IN ({OP_INSERT}, {OP_AFTER}))
SELECT {c}, CASE WHEN _op = {OP_INSERT} THEN 'INSERT' ELSE 'DELETE' END AS "METADATA$ACTION",
       FALSE AS "METADATA$ISUPDATE", {QRID}
FROM _w ANTI JOIN _multi USING ({QRID})
UNION ALL
SELECT {_cols(cols, '_b')}, 'DELETE', _a.{QRID} IS NOT NULL, _b.{QRID}
FROM _b LEFT JOIN _a ON _a.{QRID} = _b.{QRID}
WHERE _a.{QRID} IS NULL OR {_row(cols, '_b')} IS DISTINCT FROM {_row(cols, '_a')}
UNION ALL
SELECT {_cols(cols, '_a')}, 'INSERT', _b.{QRID} IS NOT NULL, _a.{QRID}
FROM _a LEFT JOIN _b ON _a.{QRID} = _b.{QRID}
WHERE _b.{QRID} IS NULL OR {_row(cols, '_b')} IS DISTINCT FROM {_row(cols, '_a')})"""


def state_at_sql(qn: QName, table_id: int, cols: list[Column], at: int) -> str:
    """The table's rows as of statement ``at`` (undoing every visible event after it)."""
    lt = log_table(table_id)
    return f"""(SELECT {_cols(cols, '_t')}, _t.{QRID} FROM {qn.duck} AS _t
WHERE NOT EXISTS (SELECT 1 FROM {lt} AS _l WHERE _l.{QRID} = _t.{QRID} AND _l._stmt > {int(at)})
UNION ALL
SELECT {_cols(cols)}, {QRID} FROM (SELECT * FROM {lt} WHERE _stmt > {int(at)}
  QUALIFY row_number() OVER (PARTITION BY {QRID} ORDER BY _stmt, _op) = 1) WHERE _op IN ({OP_DELETE}, {OP_BEFORE}))"""


def compact(con: duckdb.DuckDBPyConnection, table_id: int) -> None:
    """Drop log rows no holder (stream offset, dynamic-table frontier) can still need."""
    row = con.execute(f"SELECT min(stmt), count(*) FROM {M}.log_holds WHERE table_id = ?", [table_id]).fetchone()
    if row[1] == 0:
        con.execute(f"DELETE FROM {log_table(table_id)}")
    else:
        con.execute(f"DELETE FROM {log_table(table_id)} WHERE _stmt <= ?", [row[0]])


def set_hold(con: duckdb.DuckDBPyConnection, table_id: int, holder: str, stmt: int) -> None:
    con.execute(
        f"INSERT OR REPLACE INTO {M}.log_holds VALUES (?, ?, ?)", [table_id, holder, int(stmt)]
    )


def drop_hold(con: duckdb.DuckDBPyConnection, table_id: int, holder: str) -> None:
    con.execute(f"DELETE FROM {M}.log_holds WHERE table_id = ? AND holder = ?", [table_id, holder])
