"""Applying one refresh of one dynamic table: the SQL that changes its rows, per plan kind.

Every function runs inside the pipeline's transaction on the refreshing session's DuckDB
connection and returns ``(inserted, deleted)`` row counts for STATISTICS. Deltas of the inputs are
materialised once per refresh as temp tables (``_delta_*``); the sign of a delta row (+1 insert,
-1 delete) travels in the row-id column so ``* EXCLUDE (row id)`` in the translated query hides it.

``apply_signed`` is the general multiset update: consolidate signed rows (a delete and an insert of
equal values cancel), delete exactly ``-n`` occurrences of each negative tuple (NULL-safe match on
every column) and insert ``n`` copies of each positive one. It is used by LINEAR and DIFF plans and
by FULL refreshes of tables that downstream tables read incrementally.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .. import changes
from ..changes import RID
from ..names import META_SCHEMA, QName, quote
from .ivm import KEY, SIGN, Plan, nullsafe_in

QRID = quote(RID)


@dataclass
class Delta:
    """The materialised net change of one input since the table's frontier."""

    fqn: str
    temp: str  # temp table: columns, sign in RID, real row id in __REAL_RID
    columns: list[str]

    def signed(self) -> str:
        cols = ", ".join(quote(c) for c in self.columns)
        return f"SELECT {cols}, {SIGN} AS {QRID} FROM {self.temp}"

    def old_version(self, table: QName) -> str:
        """The input as it was at the frontier: now, minus rows inserted since, plus rows deleted."""
        cols = ", ".join(quote(c) for c in self.columns)
        return (f"SELECT {cols}, {QRID} FROM {table.duck} WHERE {QRID} NOT IN "
                f"(SELECT __REAL_RID FROM {self.temp} WHERE {SIGN} = 1) "
                f"UNION ALL SELECT {cols}, __REAL_RID FROM {self.temp} WHERE {SIGN} = -1")


def materialise_delta(con: duckdb.DuckDBPyConnection, name: str, fqn: str, table_id: int,
                      cols: list[changes.Column], lo: int, hi: int) -> Delta:
    only_inserts = changes.window_end(con, table_id, lo, hi)[1]
    src = (changes.inserts_sql if only_inserts else changes.net_changes_sql)(table_id, cols, lo, hi)
    names = ", ".join(quote(c.name) for c in cols)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {names}, "
        f"CASE WHEN \"METADATA$ACTION\" = 'INSERT' THEN 1 ELSE -1 END AS {SIGN}, {QRID} AS __REAL_RID "
        f"FROM ({src}) AS _n"
    )
    return Delta(fqn, name, [c.name for c in cols])


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _cols(columns: list[str], alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    return ", ".join(f"{p}{quote(c)}" for c in columns)


def apply_signed(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], delta_sql: str,
                 tmp: str) -> tuple[int, int]:
    pos = [f"__C{i}" for i in range(len(columns))]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {tmp} AS SELECT * FROM (SELECT {', '.join(pos)}, sum({SIGN})::BIGINT AS __N "
        f"FROM ({delta_sql}) AS _d({', '.join(pos)}, {SIGN}) GROUP BY ALL) WHERE __N <> 0"
    )
    n_neg, n_pos = con.execute(
        f"SELECT coalesce(sum(-__N) FILTER (WHERE __N < 0), 0), coalesce(sum(__N) FILTER (WHERE __N > 0), 0) "
        f"FROM {tmp}").fetchone()
    deleted = inserted = 0
    if n_neg:
        match = " AND ".join(f"t.{quote(c)} IS NOT DISTINCT FROM c.{p}" for c, p in zip(columns, pos, strict=True))
        deleted = _count(con, (
            f"DELETE FROM {table.duck} WHERE {QRID} IN (SELECT _rid FROM (SELECT t.{QRID} AS _rid, -c.__N AS _k, "
            f"row_number() OVER (PARTITION BY {_cols(columns, 't')} ORDER BY t.{QRID}) AS _rn "
            f"FROM {table.duck} AS t JOIN {tmp} AS c ON {match} WHERE c.__N < 0) WHERE _rn <= _k)"))
    if n_pos:
        inserted = _count(con, (
            f"INSERT INTO {table.duck} ({_cols(columns)}) SELECT {', '.join(pos)} FROM "
            f"(SELECT *, unnest(range(__N)) FROM {tmp} WHERE __N > 0)"))
    return inserted, deleted


def replace_all(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], query: str,
                with_key: bool = False) -> tuple[int, int]:
    deleted = _count(con, f"DELETE FROM {table.duck}")
    if with_key:
        sel = f"SELECT * FROM ({query})"
        inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}, {QRID}) {sel}")
    else:
        inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}) SELECT * FROM ({query})")
    return inserted, deleted


def state_table(dt_id: int) -> str:
    return f'{META_SCHEMA}."dt_state_{dt_id}"'


# ------------------------------------------------------------------ full / initial refresh
def full(con: duckdb.DuckDBPyConnection, table: QName, plan: Plan, dt_id: int, minimal: bool,
         tmp: str) -> tuple[int, int]:
    """Recompute everything. ``minimal``: apply only the difference (the table's change log is
    read by downstream tables, so keep its delta small)."""
    cols = plan.columns
    if plan.kind == "AGG_DELTA":
        assert plan.state_agg is not None
        st = state_table(dt_id)
        con.execute(f"CREATE OR REPLACE TABLE {st} AS {plan.state_agg(plan.input_full)}")
        rows = plan.finalize.format(state=st, filter="TRUE")
        return replace_all(con, table, cols, rows, with_key=True)
    if plan.kind == "AGG_RECOMPUTE":
        assert plan.recompute is not None
        return replace_all(con, table, cols, plan.recompute(None), with_key=True)
    if minimal:
        delta = (f"SELECT *, 1 FROM ({plan.full_sql}) UNION ALL "
                 f"SELECT {_cols(cols)}, -1 FROM {table.duck}")
        return apply_signed(con, table, cols, delta, tmp)
    return replace_all(con, table, cols, plan.full_sql)


# ------------------------------------------------------------------ incremental refresh
def incremental(con: duckdb.DuckDBPyConnection, table: QName, plan: Plan, dt_id: int,
                deltas: dict[str, Delta], source_tables: dict[str, QName], tmp: str) -> tuple[int, int]:
    cols = plan.columns
    signed = {f: d.signed() for f, d in deltas.items()}
    olds = {f: d.old_version(source_tables[f]) for f, d in deltas.items()}
    if plan.kind == "LINEAR":
        assert plan.delta is not None
        return apply_signed(con, table, cols, plan.delta(signed, olds), tmp)
    if plan.kind == "AGG_DELTA":
        assert plan.input_delta is not None and plan.state_agg is not None
        st = state_table(dt_id)
        ds = f"{tmp}_ds"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ds} AS {plan.state_agg(plan.input_delta(signed, olds))}")
        sets = ", ".join(f"{c} = {st}.{c} + d.{c}" for c in plan.state_cols)
        con.execute(f"UPDATE {st} SET {sets} FROM {ds} AS d WHERE {st}.{KEY} = d.{KEY}")
        con.execute(f"INSERT INTO {st} SELECT * FROM {ds} WHERE {KEY} NOT IN (SELECT {KEY} FROM {st})")
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {QRID} IN (SELECT {KEY} FROM {ds})")
        rows = plan.finalize.format(state=st, filter=f"{KEY} IN (SELECT {KEY} FROM {ds})")
        inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(cols)}, {QRID}) SELECT * FROM ({rows})")
        con.execute(f"DELETE FROM {st} WHERE __CNT = 0 AND {KEY} IN (SELECT {KEY} FROM {ds})"
                    if plan.key_expr != "0::BIGINT" else "SELECT 1")
        return inserted, deleted
    if plan.kind == "AGG_RECOMPUTE":
        assert plan.input_delta is not None and plan.recompute is not None
        keys = f"{tmp}_keys"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keys} AS SELECT DISTINCT {plan.key_expr} AS _k "
                    f"FROM ({plan.input_delta(signed, olds)}) AS _i")
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {QRID} IN (SELECT _k FROM {keys})")
        inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(cols)}, {QRID}) "
                               f"SELECT * FROM ({plan.recompute(f'SELECT _k FROM {keys}')})")
        return inserted, deleted
    if plan.kind == "KEY":
        assert plan.restricted is not None and plan.key is not None
        keys = f"{tmp}_keys"
        parts = " UNION ".join(f"SELECT {quote(plan.key)} FROM {d.temp}" for d in deltas.values())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keys} AS {parts}")
        ksql = f"SELECT * FROM {keys}"
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {nullsafe_in(quote(plan.key_col), ksql)}")
        inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(cols)}) SELECT * FROM ({plan.restricted(ksql)})")
        return inserted, deleted
    return full(con, table, plan, dt_id, True, tmp)
