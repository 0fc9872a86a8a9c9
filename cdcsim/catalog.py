"""The persisted metadata store: the ``_cdcsim`` schema inside the DuckDB file.

Owns the metadata tables every feature shares (tracked tables, streams, log holds), the sequence
that orders change capture (row ids and statement numbers, see ``changes``), and a ``version`` counter
that goes up on every DDL so cached translations of statements are invalidated.
Tasks and dynamic tables keep their own tables in the same schema (see their modules).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb

from .names import META_SCHEMA, QName

M = META_SCHEMA

_DDL = [
    f"CREATE SCHEMA IF NOT EXISTS {M}",
    # Snowflake fails a division by zero (100051) where DuckDB returns inf / NaN: translated SQL
    # divides by cdcsim_nzd(divisor, dividend) (sql/translate.py). In ``main``, where unqualified calls from
    # every schema find it.
    "CREATE OR REPLACE MACRO main.cdcsim_nz(x) AS CASE WHEN x = 0 THEN error('Division by zero') ELSE x END",
    # ... unless the dividend is NULL: NULL / 0 is NULL (DIV0NULL(NULL, 0) too). cdcsim_nz stays
    # for views an older cdcsim wrote.
    "CREATE OR REPLACE MACRO main.cdcsim_nzd(x, dividend) AS "
    "CASE WHEN x = 0 AND dividend IS NOT NULL THEN error('Division by zero') ELSE x END",
    # A value as a VARIANT (sql/objects.variant_of): DuckDB writes a DECIMAL of scale 0 (NUMBER(10,0))
    # as 5.0, a number with a fraction, where Snowflake's VARIANT holds the INTEGER 5. The type
    # test is folded when the statement is planned, so only one branch is left to run.
    "CREATE OR REPLACE MACRO main.cdcsim_variant(x) AS CASE WHEN regexp_matches(typeof(x), "
    "'^DECIMAL\\(\\d+,0\\)$') THEN to_json(TRY_CAST(x AS HUGEINT)) ELSE to_json(x) END",
    f"CREATE SEQUENCE IF NOT EXISTS {M}.rid_seq",
    f"CREATE SEQUENCE IF NOT EXISTS {M}.obj_seq",
    f"""CREATE TABLE IF NOT EXISTS {M}.tracked_tables (
        id BIGINT PRIMARY KEY, fqn VARCHAR, duck_schema VARCHAR, duck_name VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {M}.streams (
        fqn VARCHAR PRIMARY KEY, database_name VARCHAR, schema_name VARCHAR, name VARCHAR,
        table_fqn VARCHAR, table_id BIGINT, stmt_offset BIGINT, mode VARCHAR,
        show_initial BOOLEAN, initial_pending BOOLEAN, comment VARCHAR,
        created_on TIMESTAMP, last_consumed TIMESTAMP, owner VARCHAR, stale BOOLEAN)""",
    # a stream on a view: the view's definition when the stream was made and its base tables'
    # change-log ids (columns added to files made before streams on views)
    f"ALTER TABLE {M}.streams ADD COLUMN IF NOT EXISTS view_sql VARCHAR",
    f"ALTER TABLE {M}.streams ADD COLUMN IF NOT EXISTS base_ids BIGINT[]",
    f"""CREATE TABLE IF NOT EXISTS {M}.log_holds (
        table_id BIGINT, holder VARCHAR, stmt BIGINT, PRIMARY KEY (table_id, holder))""",
    f"""CREATE TABLE IF NOT EXISTS {M}.table_params (
        fqn VARCHAR, name VARCHAR, value BIGINT, PRIMARY KEY (fqn, name))""",
    f"""CREATE TABLE IF NOT EXISTS {M}.objects (
        fqn VARCHAR PRIMARY KEY, kind VARCHAR, created_on TIMESTAMP, comment VARCHAR)""",
    # a view's CREATE statement as written (GET_DDL), kept from the version that added it
    f"ALTER TABLE {M}.objects ADD COLUMN IF NOT EXISTS text VARCHAR",
    # a table's history by time (time_travel.py): one mark per write statement
    f"""CREATE TABLE IF NOT EXISTS {M}.history_marks (
        table_id BIGINT, ts TIMESTAMP, stmt BIGINT, query_id VARCHAR)""",
    # dropped tables kept for UNDROP (undrop.py)
    f"""CREATE TABLE IF NOT EXISTS {M}.dropped_tables (
        id BIGINT, fqn VARCHAR, dropped_on TIMESTAMP, retention_days INTEGER, ddl VARCHAR, comment VARCHAR,
        params VARCHAR)""",
]


@dataclass
class StreamInfo:
    fqn: str
    qname: QName
    table_fqn: str  # the table, dynamic table or view the stream is on
    table_id: int  # the table's change log (-1 for a view: see base_ids)
    offset: int
    mode: str  # DEFAULT | APPEND_ONLY
    show_initial: bool
    initial_pending: bool
    comment: str | None
    created_on: object
    last_consumed: object
    stale: bool
    view_sql: str | None = None  # a view's definition when the stream was created
    base_ids: tuple[int, ...] = ()  # a view's base tables (their change-log ids)

    @property
    def on_view(self) -> bool:
        return self.view_sql is not None

    def log_ids(self) -> tuple[int, ...]:
        """The change logs the stream reads."""
        return self.base_ids if self.on_view else (self.table_id,)


# Relations that carry the hidden row-id column without being tracked (a dynamic table nobody
# reads keeps row ids for its refreshes but writes no change log): feature modules add a reader.
ROW_ID_RELATIONS: list[Callable[[duckdb.DuckDBPyConnection], Iterable[str]]] = []


@dataclass
class Catalog:
    """In-memory view of the metadata, reloaded from DuckDB after every DDL commit."""

    version: int = 0
    streams: dict[str, StreamInfo] = field(default_factory=dict)
    tracked: dict[str, int] = field(default_factory=dict)  # table fqn -> table id
    row_ids: set[str] = field(default_factory=set)  # fqns with the hidden row-id column
    lock: threading.RLock = field(default_factory=threading.RLock)

    @staticmethod
    def install(con: duckdb.DuckDBPyConnection) -> None:
        for ddl in _DDL:
            con.execute(ddl)

    def reload(self, con: duckdb.DuckDBPyConnection) -> None:
        with self.lock:
            rows = con.execute(
                f"SELECT fqn, database_name, schema_name, name, table_fqn, table_id, stmt_offset, mode, "
                f"show_initial, initial_pending, comment, created_on, last_consumed, stale, view_sql, base_ids "
                f"FROM {M}.streams"
            ).fetchall()
            self.streams = {
                r[0]: StreamInfo(r[0], QName(r[1], r[2], r[3]), r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                                 r[11], r[12], bool(r[13]), r[14], tuple(r[15] or ()))
                for r in rows
            }
            self.tracked = dict(con.execute(f"SELECT fqn, id FROM {M}.tracked_tables").fetchall())
            self.row_ids = set(self.tracked).union(*(fn(con) for fn in ROW_ID_RELATIONS))
            self.version += 1

    def source_tables(self, info: StreamInfo) -> list[str]:
        """The tables whose writes a stream sees (a view's base tables, by their current names)."""
        if not info.on_view:
            return [info.table_fqn]
        names = {i: fqn for fqn, i in self.tracked.items()}
        return [names[i] for i in info.base_ids if i in names]

    def bump(self) -> None:
        with self.lock:
            self.version += 1
