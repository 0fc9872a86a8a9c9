"""The engine's streams against the oracle: random DML, standard and append-only, with consumption."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

import cdcsim
from cdcsim.testing import (
    Insert,
    Schema,
    StreamOracle,
    dml_sequences,
    initial_rows,
    normalize,
    run_ops,
    stream_rows,
    table_rows,
)

S = Schema("t", {"id": "INT", "v": "STRING", "flag": "BOOLEAN"}, key="id")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(rows: list[dict], ops: list, append_only: bool) -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        con.cursor().execute(S.create_sql())
        if rows:
            run_ops(con, S, [Insert(tuple(tuple(r[c] for c in S.names) for r in rows))])
        con.cursor().execute(f"CREATE STREAM s ON TABLE t APPEND_ONLY = {str(append_only).upper()}")
        oracle = StreamOracle(S, rows, append_only=append_only)
        run_ops(con, S, ops, oracle, stream="s")
        assert table_rows(con, S) == normalize(oracle.table, S.names)
        assert stream_rows(con, "s", S) == oracle.expected()
        has = con.cursor().execute("SELECT SYSTEM$STREAM_HAS_DATA('s')").fetchone()[0]
        # no false negatives (false positives are allowed by Snowflake's docs)
        assert has or not oracle.has_data()
    finally:
        con.close()


@SETTINGS
@given(rows=initial_rows(S), ops=dml_sequences(S, consume=True))
def test_standard_stream_matches_oracle(rows: list[dict], ops: list) -> None:
    _check(rows, ops, append_only=False)


@SETTINGS
@given(rows=initial_rows(S), ops=dml_sequences(S, consume=True))
def test_append_only_stream_matches_oracle(rows: list[dict], ops: list) -> None:
    _check(rows, ops, append_only=True)



EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings"
# The source table and its stream: the pipeline's text up to the bronze table.
SOURCE_SQL = (EXAMPLES / "pipeline.sql").read_text().split("CREATE OR REPLACE TABLE movie_booking_cdc_events")[0]


def _movie_schema() -> Schema:
    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        con.execute_string(SOURCE_SQL)
        return Schema.from_table(con, "raw_movie_bookings", key="booking_id")
    finally:
        con.close()


def test_schema_from_table_skips_computed_and_defaulted_columns() -> None:
    schema = _movie_schema()
    assert schema.key_column == "BOOKING_ID"
    assert list(schema.columns) == ["BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS",
                                    "TICKET_COUNT", "TICKET_PRICE"]
    assert schema.columns["TICKET_PRICE"] == "NUMBER(10,2)"


MOVIE_SCHEMA = _movie_schema()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=dml_sequences(MOVIE_SCHEMA, max_ops=8))
def test_movie_bookings_stream_matches_oracle(ops: list) -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        con.execute_string(SOURCE_SQL)
        oracle = StreamOracle(MOVIE_SCHEMA)
        run_ops(con, MOVIE_SCHEMA, ops, oracle)
        assert stream_rows(con, "movie_bookings_stream", MOVIE_SCHEMA) == oracle.expected()
    finally:
        con.close()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=dml_sequences(MOVIE_SCHEMA, max_ops=10, advance=(30, 60, 120)))
def test_movie_pipeline_silver_converges_to_the_source(ops: list) -> None:
    """Toolkit used on a whole pipeline: DML interleaved with time; once the tasks have caught up,
    silver holds exactly the bookings the source holds (the corrected pipeline's contract)."""
    from cdcsim.testing import Advance

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        con.execute_string((EXAMPLES / "pipeline.sql").read_text())
        run_ops(con, MOVIE_SCHEMA, [*ops, Advance(120)])
        cols = "booking_id, customer_id, movie_id, status, ticket_count, ticket_price"
        source = con.cursor().execute(f"SELECT {cols} FROM raw_movie_bookings").fetchall()
        silver = con.cursor().execute(f"SELECT {cols} FROM movie_bookings_filtered").fetchall()
        key = repr
        assert sorted(silver, key=key) == sorted(source, key=key)
    finally:
        con.close()
