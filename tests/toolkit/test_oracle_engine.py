"""The engine's streams against the oracle: random DML, standard and append-only, with consumption."""

from __future__ import annotations

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
