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

import re
from dataclasses import dataclass

import duckdb

from .. import changes
from ..changes import RID
from ..names import META_SCHEMA, QName, quote
from .ivm import KEY, SIGN, Plan, mult_table, nullsafe_in, state_table

QRID = quote(RID)
IN_PLACE_MAX_COLUMNS = 8  # see ``incremental``
BOUND_DELTA_MAX = 50_000  # log rows up to which an inline delta carries its size (materialise_delta)


@dataclass
class Delta:
    """The materialised net change of one input since the table's frontier."""

    fqn: str
    temp: str  # temp table: columns, sign in RID, real row id in __REAL_RID
    columns: list[str]
    inserts_only: bool = False  # every row is an insert (sign +1)
    inline_sql: str | None = None  # not materialised: the SELECT that would fill ``temp``

    def signed(self) -> str:
        cols = ", ".join(quote(c) for c in self.columns)
        return f"SELECT {cols}, {SIGN} AS {QRID} FROM {self.temp}"

    def old_version(self, table: QName) -> str:
        """The input as it was at the frontier: now, minus rows inserted since, plus rows deleted."""
        cols = ", ".join(quote(c) for c in self.columns)
        return (f"SELECT {cols}, {QRID} FROM {table.duck} WHERE {QRID} NOT IN "
                f"(SELECT __REAL_RID FROM {self.temp} WHERE {SIGN} = 1) "
                f"UNION ALL SELECT {cols}, __REAL_RID FROM {self.temp} WHERE {SIGN} = -1")


def materialise_delta(con: duckdb.DuckDBPyConnection, name: str, fqn: str, table: QName, table_id: int,
                      cols: list[changes.Column], lo: int, hi: int, probe: tuple | None = None,
                      inline: bool = False) -> Delta:
    """The input's net change as temp table ``name``; ``inline``: the plan reads it once, so it
    is left as a subquery in that one statement instead (a statement fewer per refresh)."""
    # not minimal: every plan cancels an equal DELETE/INSERT pair (consolidation, aggregate
    # state, or a recomputed key), so an update that changed nothing costs nothing but rows
    src = changes.delta_sql(con, table, table_id, cols, lo, hi, probe=probe, minimal=False)
    names = ", ".join(quote(c.name) for c in cols)
    select = (f"SELECT {names}, CASE WHEN \"METADATA$ACTION\" = 'INSERT' THEN 1 ELSE -1 END AS {SIGN}, "
              f"{QRID} AS __REAL_RID FROM ({src}) AS _n")
    if not inline:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
    elif probe is not None and 0 < int(probe[0]) <= BOUND_DELTA_MAX:
        # DuckDB guesses a fifth of the table for a delta joined to it by row id, and so builds a
        # join with another input on that input's side: 100K rows hashed to probe 2K. Each log
        # row in the window yields at most a before and an after image, so this LIMIT never cuts
        # and gives the optimizer the delta's true size (Δfact ⋈ 100K-row dim: 9.2 -> 5 ms).
        select += f" LIMIT {2 * int(probe[0])}"
    return Delta(fqn, name, [c.name for c in cols], inserts_only=probe is not None and not probe[1],
                 inline_sql=select if inline else None)


def _inline(sql: str, deltas: dict[str, Delta]) -> str:
    """``sql`` with each inline delta's temp-table name replaced by its query."""
    for d in deltas.values():
        if d.inline_sql is not None:
            sql = re.sub(rf"\bFROM {d.temp}\b", lambda _m, d=d: f"FROM ({d.inline_sql}) AS {d.temp}", sql)
    return sql


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params).fetchone()
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


def _agg_state(con: duckdb.DuckDBPyConnection, plan: Plan, dt_id: int | str) -> str:
    """Build an AGG_DELTA plan's state from the full input; returns the SQL of all its rows."""
    assert plan.state_agg is not None
    st = state_table(dt_id)
    # the state row of a group also holds the row id of the group's row in the table
    con.execute(f"CREATE OR REPLACE TABLE {st} AS SELECT *, nextval('{META_SCHEMA}.rid_seq') AS __RID "
                f"FROM ({plan.state_agg(plan.input_full)})")
    if plan.mult_sql is not None:
        con.execute(f"CREATE OR REPLACE TABLE {mult_table(dt_id)} AS {plan.mult_sql(plan.input_full, 'count(*)')}")
    return plan.rows(dt_id, "TRUE")


def replace_all(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], query: str) -> tuple[int, int]:
    deleted = _count(con, f"DELETE FROM {table.duck}")
    inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}) SELECT * FROM ({query})")
    return inserted, deleted


def state_tables(con: duckdb.DuckDBPyConnection, dt_id: int) -> list[str]:
    """Every hidden table holding refresh state of dynamic table ``dt_id``: its aggregate state and
    multiplicities (``dt_state_<id>``, ``..._m``), those of its kept CTEs (``dt_state_<id>_c<i>...``)
    and its group-key map (``dt_keys_<id>``)."""
    pat = re.compile(rf"dt_(state|keys)_{dt_id}(_.*)?")
    return [f'{META_SCHEMA}."{n}"' for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? AND NOT temporary", [META_SCHEMA]
    ).fetchall() if pat.fullmatch(n)]


def has_state(con: duckdb.DuckDBPyConnection, plan: Plan, dt_id: int) -> bool:
    """Do the hidden tables this plan maintains exist, with the state columns it expects?"""
    need: dict[str, list[str] | None] = {}
    aggs = [(dt_id, plan)] if plan.kind == "AGG_DELTA" else []
    if plan.kind == "AGG_RECOMPUTE":
        need[keymap_table(dt_id)] = None
    for sid, sub in aggs + list(plan.ctes):
        need[state_table(sid)] = [*sub.state_layout, "__RID"]
        if sub.holistic:
            need[mult_table(sid)] = [KEY, "__J", *(f"__V{j}" for j in range(len(sub.holistic))), "__N"]
    have = set(state_tables(con, dt_id))
    for t, cols in need.items():
        if t not in have:
            return False
        if cols is not None:
            name = t.split(".", 1)[1].strip('"')
            got = [r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
                "ORDER BY column_index", [META_SCHEMA, name]).fetchall()]
            if got != [c.strip('"') for c in cols]:
                return False
    return True


def keymap_table(dt_id: int) -> str:
    """Group key hash -> row id of the group's row (row ids stay sequence numbers, as the change
    log's readers assume; the key need not be a projected column)."""
    return f'{META_SCHEMA}."dt_keys_{dt_id}"'


def row_diff(con: duckdb.DuckDBPyConnection, name: str, pos: list[str], new_sql: str, old_sql: str) -> int:
    """Temp table ``name``: the multiset difference between the rows of ``new_sql`` (the columns
    ``pos``) and those of ``old_sql`` (the columns ``pos``, then the row's id). One row per distinct
    value that changed, with ``__N`` (new count minus old count) and ``__R`` the old rows' ids (in
    no order: rows of equal values are interchangeable). Values are grouped as a GROUP BY groups
    them (NULL equals NULL).

    Applying only this difference is what makes a refresh's change minimal: a recomputed row that
    comes out as it was is not touched, so the table's change log, a stream on it and STATISTICS
    see nothing (Snowflake's docs speak of refreshes with upstream changes that add, update or
    delete zero rows). Returns the number of rows of ``name``."""
    p = ", ".join(pos)
    return _count(
        con, f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM (SELECT {p}, sum(_s)::BIGINT AS __N, "
        f"list(_rid) FILTER (WHERE _s < 0) AS __R "
        f"FROM (SELECT *, NULL::BIGINT, 1 FROM ({new_sql}) UNION ALL SELECT *, -1 FROM ({old_sql})) AS _d({p}, _rid, _s) "
        f"GROUP BY {p}) WHERE __N <> 0")


def write_groups(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], dt_id: int, rows_sql: str,
                 affected: str | None, tmp: str, minimal: bool) -> tuple[int, int]:
    """Make the rows of the affected groups (all groups when ``affected`` is None) those of
    ``rows_sql`` (the output columns followed by the group key hash). ``minimal``: a stream reads the
    table's changes, so only the rows that differ change (see ``row_diff``), and a group whose row
    changes keeps it, updated (``update_pairs``); otherwise the groups' rows are replaced, which
    costs less."""
    km = keymap_table(dt_id)
    con.execute(f"CREATE TABLE IF NOT EXISTS {km} ({KEY} BIGINT, __RID BIGINT)")
    pos = [f"__C{i}" for i in range(len(columns))]
    p = ", ".join(pos + [KEY])
    new = f"{tmp}_rows"
    updated = 0
    if minimal:
        where = "" if affected is None else f" WHERE _m.{KEY} IN ({affected})"
        join = "LEFT JOIN" if affected is None else "JOIN"  # every row goes when all groups are rewritten
        n = row_diff(con, f"{tmp}_diff", pos + [KEY], rows_sql,
                     f"SELECT {_cols(columns, '_t')}, _m.{KEY}, _t.{QRID} FROM {table.duck} AS _t {join} {km} AS _m "
                     f"ON _m.__RID = _t.{QRID}{where}")
        updated, rest = update_pairs(con, table, columns, pos, f"{tmp}_diff", KEY, n)  # a group keeps its row
        if not rest and affected is not None:
            return updated, updated
        gone = f"(SELECT unnest(__R[1:-__N]) FROM {tmp}_diff WHERE __N < 0)"
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {QRID} IN {gone}")
        stale = f" OR __RID NOT IN (SELECT {QRID} FROM {table.duck})" if affected is None else ""
        con.execute(f"DELETE FROM {km} WHERE __RID IN {gone}{stale}")
        rows_sql = f"SELECT {p} FROM (SELECT *, unnest(range(__N)) FROM {tmp}_diff WHERE __N > 0)"
    elif affected is None:
        deleted = _count(con, f"DELETE FROM {table.duck}")
        con.execute(f"DELETE FROM {km}")
    else:
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {QRID} IN "
                              f"(SELECT __RID FROM {km} WHERE {KEY} IN ({affected}))")
        con.execute(f"DELETE FROM {km} WHERE {KEY} IN ({affected})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {new} AS SELECT _r.*, nextval('{META_SCHEMA}.rid_seq') AS __RID "
                f"FROM ({rows_sql}) AS _r({p})")
    inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}, {QRID}) SELECT {', '.join(pos)}, __RID "
                           f"FROM {new}")
    con.execute(f"INSERT INTO {km} SELECT {KEY}, __RID FROM {new}")
    return inserted + updated, deleted + updated


# ------------------------------------------------------------------ full / initial refresh
def full(con: duckdb.DuckDBPyConnection, table: QName, plan: Plan, dt_id: int, minimal: bool,
         tmp: str) -> tuple[int, int]:
    """Recompute everything. ``minimal``: apply only the difference (the table's change log is
    read by downstream tables, so keep its delta small)."""
    cols = plan.columns
    if plan.kind == "AGG_DELTA":
        return replace_all(con, table, cols + [RID], _agg_state(con, plan, dt_id))
    for sid, sub in plan.ctes:
        _agg_state(con, sub, sid)
    if plan.kind == "AGG_RECOMPUTE":
        assert plan.recompute is not None
        return write_groups(con, table, cols, dt_id, plan.recompute(None), None, tmp, minimal)
    if minimal:
        delta = (f"SELECT *, 1 FROM ({plan.full_sql}) UNION ALL "
                 f"SELECT {_cols(cols)}, -1 FROM {table.duck}")
        return apply_signed(con, table, cols, delta, tmp)
    return replace_all(con, table, cols, plan.full_sql)


# ------------------------------------------------------------------ incremental refresh
def incremental(con: duckdb.DuckDBPyConnection, table: QName, plan: Plan, dt_id: int,
                deltas: dict[str, Delta], source_tables: dict[str, QName], tmp: str,
                tracked: bool = True, watched: bool = True) -> tuple[int, int]:
    """Apply the inputs' ``deltas``. ``tracked``: the table's own changes are captured (something
    reads them), so no MERGE may write it (capture forbids it). ``watched``: a stream reads them,
    so only the rows whose values change may change (see ``row_diff``), and a key or group that
    keeps its row has it updated (a stream shows an update: ``update_pairs``, ``_agg_delta``).
    Without a stream a recomputed key's rows are replaced under new row ids, equal ones included:
    a table downstream cancels the equal pairs, and its own refresh is minimal where a stream reads
    it. An aggregate without HAVING updates its groups' rows where they are in every case."""
    cols = plan.columns
    signed = {f: d.signed() for f, d in deltas.items()}
    olds = {f: d.old_version(source_tables[f]) for f, d in deltas.items()}
    if plan.kind == "LINEAR":
        assert plan.delta is not None
        delta = _inline(plan.cached("delta", plan.delta, signed, olds), deltas)
        if all(d.inserts_only for d in deltas.values()):
            # every delta term is positive (one signed input per term): nothing to cancel or delete
            pos = ", ".join(f"col{i}" for i in range(len(cols)))
            return _count(con, f"INSERT INTO {table.duck} ({_cols(cols)}) SELECT {pos} FROM ({delta}) AS _p({pos}, _s)"), 0
        return apply_signed(con, table, cols, delta, tmp)
    if plan.kind == "AGG_DELTA":
        assert plan.input_delta is not None and plan.state_agg is not None
        inp = _inline(plan.cached("input", plan.input_delta, signed, olds), deltas)
        # A HAVING plan's MERGE in place, for a narrow table only: MERGE binds the column list in
        # its UPDATE and its INSERT on top of the rows' query, which costs more than a DELETE for a
        # wide table (gold of the seed, 17 columns: MERGE 7.8 ms vs DELETE + INSERT 6.6 ms; 4
        # columns: 2.6 vs 3.4). Other plans update their rows where they are at any width (see
        # ``_agg_delta``).
        in_place = not tracked and len(cols) <= IN_PLACE_MAX_COLUMNS
        return _agg_delta(con, table.duck, plan, dt_id, inp, tmp, in_place=in_place, minimal=watched)
    if plan.kind == "AGG_RECOMPUTE":
        assert plan.input_delta is not None and plan.recompute is not None
        keys = f"{tmp}_keys"
        if not _count(con, f"CREATE OR REPLACE TEMP TABLE {keys} AS SELECT DISTINCT {plan.key_expr} AS _k "
                           f"FROM ({plan.cached('input', plan.input_delta, signed, olds)}) AS _i"):
            # no group moved (the window's changes cancelled out): nothing to recompute. A scalar
            # aggregate must not run at all: over no rows it still yields its one row, which
            # would come in beside the table's row
            return 0, 0
        return write_groups(con, table, cols, dt_id, plan.recompute(f"SELECT _k FROM {keys}"),
                            f"SELECT _k FROM {keys}", tmp, watched)
    if plan.kind == "KEY":
        assert plan.restricted is not None and plan.key is not None
        for i, (sid, sub) in enumerate(plan.ctes):
            assert sub.input_delta is not None
            _agg_delta(con, None, sub, sid, sub.cached("input", sub.input_delta, signed, olds), f"{tmp}_c{i}")
        keys = f"{tmp}_keys"
        parts = " UNION ".join(f"SELECT {quote(plan.key)} FROM {d.temp}" for d in deltas.values())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keys} AS {parts}")
        ksql = f"SELECT * FROM {keys}"
        has_null = bool(con.execute(f"SELECT count(*) > count({quote(plan.key)}) FROM {keys}").fetchone()[0])
        return replace_keys(con, table, cols, plan.restricted(ksql, has_null),
                            nullsafe_in(quote(plan.key_col), ksql, has_null), tmp, watched, plan.key_col)
    return full(con, table, plan, dt_id, True, tmp)


def replace_keys(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], rows_sql: str, where: str,
                 tmp: str, minimal: bool, key: str) -> tuple[int, int]:
    """Make the table's rows matching ``where`` (the affected values of column ``key``) those of
    ``rows_sql``. ``minimal``: a stream reads the table's changes, so only the rows that differ
    change (see ``row_diff``): a key whose rows come out as they were keeps them, row ids and all,
    and a key that trades one row for another keeps that row, updated (``update_pairs``).
    Otherwise the keys' rows are replaced, which costs less (the pipeline's silver: 4-8 ms a
    cycle)."""
    if not minimal:
        deleted = _count(con, f"DELETE FROM {table.duck} WHERE {where}")
        return _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}) SELECT * FROM ({rows_sql})"), deleted
    pos = [f"__C{i}" for i in range(len(columns))]
    n = row_diff(con, f"{tmp}_diff", pos, rows_sql, f"SELECT {_cols(columns)}, {QRID} FROM {table.duck} WHERE {where}")
    updated, rest = update_pairs(con, table, columns, pos, f"{tmp}_diff", pos[columns.index(key)], n)
    if not rest:
        return updated, updated
    deleted = _count(con, f"DELETE FROM {table.duck} WHERE {QRID} IN "
                          f"(SELECT unnest(__R[1:-__N]) FROM {tmp}_diff WHERE __N < 0)")
    inserted = _count(con, f"INSERT INTO {table.duck} ({_cols(columns)}) SELECT {', '.join(pos)} FROM "
                           f"(SELECT *, unnest(range(__N)) FROM {tmp}_diff WHERE __N > 0)")
    return inserted + updated, deleted + updated


def update_pairs(con: duckdb.DuckDBPyConnection, table: QName, columns: list[str], pos: list[str], diff: str,
                 key: str, n: int) -> tuple[int, bool]:
    """Turn the pairs of a ``row_diff`` (``diff``, ``n`` rows) that are one row changing its values
    into UPDATEs: for each value of the diff's column ``key`` (NULL included) that loses exactly one
    row and gains exactly one, the old row takes the new values where it is, keeping its row id,
    and the pair leaves the diff. Returns the rows updated and whether any row is left in the diff
    for the caller to delete or insert (often none: its statements are then skipped).

    Snowflake's incremental refresh "merges" the changes into the table (refresh-modes page), so a
    stream on a dynamic table sees a row that stays as an update (ISUPDATE TRUE, one row id).
    [INFER] Snowflake does not document the row ids of dynamic tables: cdcsim takes a key (a
    window's partition, a group) that has one row before and one after as one row."""
    if n < 2:
        return 0, n > 0
    pairs = f"{diff}_pairs"
    new = "struct_pack(" + ", ".join(f"{c} := {c}" for c in pos) + ")"
    m = _count(con, f"CREATE OR REPLACE TEMP TABLE {pairs} AS SELECT {key} AS _k, "
                    f"any_value(__R[1]) FILTER (WHERE __N < 0) AS _rid, any_value({new}) FILTER (WHERE __N > 0) AS _new "
                    f"FROM {diff} GROUP BY {key} "
                    f"HAVING sum(__N) FILTER (WHERE __N < 0) = -1 AND sum(__N) FILTER (WHERE __N > 0) = 1")
    if not m:
        return 0, True
    con.execute(f"UPDATE {table.duck} SET {_sets(columns, pos, 'p._new')} FROM {pairs} AS p WHERE {table.duck}.{QRID} = p._rid")
    if 2 * m == n:  # every row of the diff was in a pair
        return m, False
    con.execute(f"DELETE FROM {diff} USING {pairs} AS p WHERE p._k IS NOT DISTINCT FROM {diff}.{key}")
    return m, True


def _agg_delta(con: duckdb.DuckDBPyConnection, target: str | None, plan: Plan, dt_id: int | str, inp: str,
               tmp: str, in_place: bool = False, minimal: bool = False) -> tuple[int, int]:
    """Merge the aggregated signed input delta ``inp`` into the state and rewrite the moved groups'
    rows in ``target`` (None: only the state is kept, as for a KEY plan's aggregate CTE).

    A plan without HAVING (a group has a row exactly when its count is not 0) updates the moved
    groups' rows where they are, same row id (``_update_groups``), whether or not something reads
    the table's changes. Snowflake's incremental refresh "merges" the changes into the table
    (refresh-modes page), so a stream on it shows a group that keeps its row as an update: a
    DELETE and an INSERT with METADATA$ISUPDATE = TRUE and one row id. [INFER] Snowflake does not
    document the row ids of dynamic tables.

    A HAVING plan (a group may keep its state without a row):

    * ``in_place`` (nothing captures the target's changes, and the table is narrow): one MERGE
      updates the moved groups' rows where they are, inserts new groups and deletes emptied ones.
      The state then keeps an emptied group as a row of zeros (its table row is deleted by that
      MERGE), which a returning group revives and ``purge_empty_groups`` drops now and then; every
      reader of the state skips rows whose count is 0. A moved group whose row comes out as it
      was is not written.
    * otherwise the state's MERGE gives every moved group a new row id (capture allows no MERGE
      into the table, and a row coming back under its group's old row id would sit below the
      readers' frontiers), and the moved groups' rows are replaced; but where a stream reads the
      table (``minimal``) a group that keeps its row keeps it, updated where it changes
      (``_replace_moved``)."""
    assert plan.state_agg is not None
    st = state_table(dt_id)
    ds = f"{tmp}_ds"
    # a group whose state did not move (e.g. an UPDATE of a column no aggregate reads) keeps its row
    moved = " OR ".join(f"{c} <> 0" for c in plan.state_cols)
    n_mult = 0
    if plan.mult_sql is not None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {tmp}_in AS {inp}")
        inp = f"SELECT * FROM {tmp}_in"
        n_mult = _count(con, f"CREATE OR REPLACE TEMP TABLE {tmp}_m AS {plan.mult_sql(inp, f'sum({SIGN})')}")
        moved += f" OR {KEY} IN (SELECT {KEY} FROM {tmp}_m)"
    n_moved = _count(con, f"CREATE OR REPLACE TEMP TABLE {ds} AS SELECT * FROM ({plan.state_agg(inp)}) WHERE {moved}")
    if not n_moved:
        return 0, 0  # no group moved (e.g. no input row passed the filter): the state stands
    affected = f"{KEY} IN (SELECT {KEY} FROM {ds})"
    grouped = plan.key_expr != "0::BIGINT"  # a scalar aggregate's one row stays, even when empty
    if target is not None and not plan.having:
        return _update_groups(con, target, plan, dt_id, ds, n_moved, n_mult, tmp, grouped)
    in_place = in_place and target is not None
    outs = [f"__C{i}" for i in range(len(plan.columns))]
    deleted = 0
    old_rows = f"{target} WHERE {QRID} IN (SELECT __RID FROM {st} WHERE {affected})"
    if target is not None and not in_place and minimal:  # the moved groups' rows as they are, to match
        con.execute(f"CREATE OR REPLACE TEMP TABLE {tmp}_old AS SELECT {_cols(plan.columns, '_t')}, _s.{KEY}, "
                    f"_t.{QRID} FROM {target} AS _t JOIN {st} AS _s ON _s.__RID = _t.{QRID} "
                    f"WHERE _s.{KEY} IN (SELECT {KEY} FROM {ds})")
    elif target is not None and not in_place:
        deleted = _count(con, f"DELETE FROM {old_rows}")
    # in place, a moved group whose row comes out as it was is not rewritten (see ``row_diff``)
    differs = _differs(str(target), plan.columns, outs) if in_place else ""
    # One MERGE moves the state: groups that become empty disappear (or, in place, become zeros:
    # exact, so a returning group starts clean), new groups arrive, and (unless in place) every
    # moved group gets a new row id for its new row in the table.
    sums = [f"{c} = {st}.{c} + d.{c}" for c in plan.state_cols]
    new_row = _new_state_row(plan)
    if in_place:
        zeros = ", ".join(f"{c} = 0" for c in plan.state_cols)
        empty = f"WHEN MATCHED AND {st}.__CNT + d.__CNT = 0 THEN UPDATE SET {zeros} " if grouped else ""
        con.execute(f"MERGE INTO {st} USING {ds} AS d ON {st}.{KEY} = d.{KEY} {empty}"
                    f"WHEN MATCHED THEN UPDATE SET {', '.join(sums)} "
                    f"WHEN NOT MATCHED THEN INSERT VALUES ({new_row}, nextval('{META_SCHEMA}.rid_seq'))")
    else:
        con.execute(f"MERGE INTO {st} USING {ds} AS d ON {st}.{KEY} = d.{KEY} "
                    f"WHEN MATCHED AND {'TRUE' if grouped else 'FALSE'} AND {st}.__CNT + d.__CNT = 0 THEN DELETE "
                    f"WHEN MATCHED THEN UPDATE SET {', '.join(sums)}, __RID = nextval('{META_SCHEMA}.rid_seq') "
                    f"WHEN NOT MATCHED THEN INSERT VALUES ({new_row}, nextval('{META_SCHEMA}.rid_seq'))")
    if n_mult:
        _merge_mult(con, plan, dt_id, tmp)
    if target is None:
        return 0, 0
    if not in_place:
        if minimal:
            return _replace_moved(con, target, plan, dt_id, affected, tmp)
        return _count(con, f"INSERT INTO {target} ({_cols(plan.columns + [RID])}) {plan.rows(dt_id, affected)}"), deleted
    # every affected group with a flag: does it have a row now (not empty, passes HAVING)?
    src = plan.rows_flagged(dt_id, affected)
    acts = con.execute(
        f"MERGE INTO {target} USING ({src}) AS s({', '.join(outs)}, __RID, __P) ON {target}.{QRID} = s.__RID "
        f"WHEN MATCHED AND NOT s.__P THEN DELETE "
        f"WHEN MATCHED AND ({differs}) THEN UPDATE SET "
        f"{_sets(plan.columns, outs)} "
        f"WHEN NOT MATCHED AND s.__P THEN INSERT ({_cols(plan.columns + [RID])}) VALUES ({', '.join('s.' + o for o in outs)}, s.__RID) "
        f"RETURNING merge_action").fetchnumpy()["merge_action"]
    n_upd = int((acts == "UPDATE").sum())
    # STATISTICS count a rewritten row as one deleted and one inserted, as a replacement would
    return int((acts == "INSERT").sum()) + n_upd, int((acts == "DELETE").sum()) + n_upd


def _merge_mult(con: duckdb.DuckDBPyConnection, plan: Plan, dt_id: int | str, tmp: str) -> None:
    """Add the multiplicities' change (``{tmp}_m``) to the plan's multiplicity table."""
    mt = mult_table(dt_id)
    vs = [f"__V{j}" for j in range(len(plan.holistic))]
    same = " AND ".join([f"{mt}.{KEY} = d.{KEY}", f"{mt}.__J = d.__J"]
                        + [f"{mt}.{v} IS NOT DISTINCT FROM d.{v}" for v in vs])
    con.execute(f"MERGE INTO {mt} USING {tmp}_m AS d ON {same} "
                f"WHEN MATCHED AND {mt}.__N + d.__N = 0 THEN DELETE "
                f"WHEN MATCHED THEN UPDATE SET __N = {mt}.__N + d.__N "
                f"WHEN NOT MATCHED THEN INSERT VALUES (d.{KEY}, d.__J, {', '.join('d.' + v for v in vs)}, d.__N)")


def _differs(old: str, columns: list[str], outs: list[str], new: str = "s") -> str:
    """Does the row ``old`` (the table's ``columns``) differ from the row ``new`` (``outs``)?"""
    return " OR ".join(f"{old}.{quote(c)} IS DISTINCT FROM {new}.{o}" for c, o in zip(columns, outs, strict=True))


def _sets(columns: list[str], outs: list[str], new: str = "s") -> str:
    """The SET list that gives the table's ``columns`` the values of row ``new`` (``outs``)."""
    return ", ".join(f"{quote(c)} = {new}.{o}" for c, o in zip(columns, outs, strict=True))


def _new_state_row(plan: Plan) -> str:
    """A new group's state row from its Δstate row ``d`` (the row id follows)."""
    return ", ".join(f"d.{quote(c) if c.startswith('__G') else c}" for c in plan.state_layout)


def _update_groups(con: duckdb.DuckDBPyConnection, target: str, plan: Plan, dt_id: int | str, ds: str,
                   n_moved: int, n_mult: int, tmp: str, grouped: bool) -> tuple[int, int]:
    """The road of a plan without HAVING, whose groups have a row exactly when their count is not 0
    (see ``_agg_delta``): the moved groups' rows are updated where they are, same row id, by UPDATEs
    (no MERGE into the table, which capture would refuse).

    The state's UPDATE returns each moved group's new count and row id; that tells the groups it
    did not find (new ones: inserted into the state under row ids drawn now, then as rows) from
    the ones it emptied (state and row deleted at once). So such a plan leaves no row of zeros:
    a zero state row would be a group without a row that the UPDATE could not tell from one with
    a row (rows of zeros an older cdcsim left are purged by the first refresh in a process)."""
    st = state_table(dt_id)
    affected = f"{KEY} IN (SELECT {KEY} FROM {ds})"
    sums = ", ".join(f"{c} = {st}.{c} + d.{c}" for c in plan.state_cols)
    got = con.execute(f"UPDATE {st} SET {sums} FROM {ds} AS d WHERE {st}.{KEY} = d.{KEY} "
                      f"RETURNING __CNT, __RID").fetchnumpy()
    gone = got["__RID"][got["__CNT"] == 0] if grouped else got["__RID"][:0]
    new_ids: list[int] = []
    if len(got["__CNT"]) < n_moved:  # groups the state did not have
        new_ids = con.execute(f"INSERT INTO {st} SELECT {_new_state_row(plan)}, nextval('{META_SCHEMA}.rid_seq') FROM {ds} AS d "
                              f"WHERE d.{KEY} NOT IN (SELECT {KEY} FROM {st}) RETURNING __RID"
                              ).fetchnumpy()["__RID"].tolist()
    if len(gone):
        con.execute(f"DELETE FROM {st} WHERE __CNT = 0")
    if n_mult:
        _merge_mult(con, plan, dt_id, tmp)
    deleted = _count(con, f"DELETE FROM {target} WHERE {QRID} IN (SELECT unnest(?::BIGINT[]))",
                     [gone.tolist()]) if len(gone) else 0
    outs = [f"__C{i}" for i in range(len(plan.columns))]
    rows = f"({plan.rows(dt_id, affected)}) AS s({', '.join(outs)}, __RID)"
    differs = _differs(target, plan.columns, outs)
    n_upd = _count(con, f"UPDATE {target} SET {_sets(plan.columns, outs)} FROM {rows} WHERE {target}.{QRID} = s.__RID AND ({differs})")
    inserted = _count(con, f"INSERT INTO {target} ({_cols(plan.columns + [RID])}) SELECT * FROM {rows} "
                           f"WHERE s.__RID IN (SELECT unnest(?::BIGINT[]))", [new_ids]) if new_ids else 0
    # STATISTICS count a rewritten row as one deleted and one inserted, as a replacement would
    return inserted + n_upd, deleted + n_upd


def _replace_moved(con: duckdb.DuckDBPyConnection, target: str, plan: Plan, dt_id: int | str, affected: str,
                   tmp: str) -> tuple[int, int]:
    """Not in place, with a stream reading the table (a HAVING plan, see ``_agg_delta``): the
    state's MERGE gave every moved group a new row id. Old rows (``{tmp}_old``, with their group)
    and new ones are matched by group. A group that has a row before and after keeps it and takes
    its old row id back in the state: untouched if it comes out as it was, else updated where it
    is (a stream sees an update, as for every other aggregate). A group that lost its row (emptied,
    or failing HAVING now) has it deleted; one that gained a row gets it under its new id, drawn
    in this refresh."""
    st = state_table(dt_id)
    outs = [f"__C{i}" for i in range(len(plan.columns))]
    m = f"{tmp}_match"
    changed = _differs("o", plan.columns, outs, "n")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {m} AS SELECT o.{QRID} AS _o, n.__RID AS _n, {', '.join('n.' + o for o in outs)}, "
        f"(o.{QRID} IS NOT NULL AND n.__RID IS NOT NULL AND ({changed})) AS _chg "
        f"FROM {tmp}_old AS o FULL OUTER JOIN (SELECT _r.*, _s.{KEY} FROM ({plan.rows(dt_id, affected)}) "
        f"AS _r({', '.join(outs)}, __RID) JOIN {st} AS _s ON _s.__RID = _r.__RID) AS n ON n.{KEY} = o.{KEY}")
    con.execute(f"UPDATE {st} SET __RID = m._o FROM {m} AS m WHERE {st}.__RID = m._n AND m._o IS NOT NULL")
    updated = _count(con, f"UPDATE {target} SET {_sets(plan.columns, outs, 'm')} FROM {m} AS m WHERE {target}.{QRID} = m._o AND m._chg")
    deleted = _count(con, f"DELETE FROM {target} WHERE {QRID} IN (SELECT _o FROM {m} WHERE _n IS NULL)")
    inserted = _count(con, f"INSERT INTO {target} ({_cols(plan.columns + [RID])}) "
                           f"SELECT {', '.join(outs)}, _n FROM {m} WHERE _o IS NULL")
    return inserted + updated, deleted + updated


def purge_empty_groups(con: duckdb.DuckDBPyConnection, plan: Plan, dt_id: int) -> None:
    """Drop the state rows an in-place refresh left for emptied groups (see ``_agg_delta``)."""
    if plan.kind == "AGG_DELTA" and plan.key_expr != "0::BIGINT":
        con.execute(f"DELETE FROM {state_table(dt_id)} WHERE __CNT = 0")
