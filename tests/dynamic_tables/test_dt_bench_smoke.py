"""Smoke test of benchmarks/bench_refresh.py on a tiny table (no timings asserted): incremental
and FULL gold tables agree after every kind of change the benchmark makes."""

from __future__ import annotations

from benchmarks.bench_refresh import Bench


def test_bench_refresh_smoke() -> None:
    b = Bench(5000)
    try:
        b.setup()
        for k in (1, 10, 1000):
            b.change(k)
            b.refresh("gold_inc", "gold_full", "join_inc", "join_full")
            b.check()
        assert len(b.sql("SELECT * FROM gold_inc")) == 1000
    finally:
        b.con.close()
