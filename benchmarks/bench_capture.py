"""Capture overhead and stream reads (issue: core).

* Bulk ``INSERT ... SELECT`` of N rows into a tracked table (a stream on it) through cdcsim vs the
  same statement on raw DuckDB, same process: goal ratio ≤ 2.5.
* Single-row INSERT and UPDATE statements through ``cursor.execute`` on a tracked table vs raw
  DuckDB's Python API: goal ≥ 50% of raw DuckDB's rate.
* Reading a stream with N pending changes vs scanning N rows of the table itself: goal ≤ 1.5×.
* (info) Reading a stream on a filter view and on a join view vs a stream on the table, after the
  same N/10 updates.

Run: ``python -m benchmarks.bench_capture [--rows 1000000]``.
"""

from __future__ import annotations

import argparse

import duckdb

import cdcsim

from .common import median_time, print_table

COLS = "id BIGINT, customer VARCHAR, movie VARCHAR, tickets INT, price DECIMAL(10,2), status VARCHAR"
GEN = ("SELECT range, 'C' || (range % 5000), 'M' || (range % 100), 1 + range % 6, 5 + (range % 20), "
       "'BOOKED' FROM range({n})")
AGG = "SELECT max(id), max(customer), max(movie), max(tickets), max(price), max(status) FROM {src}"


def _pair() -> tuple[duckdb.DuckDBPyConnection, cdcsim.Connection, cdcsim.Cursor]:
    """The same table in raw DuckDB and in cdcsim, where a stream tracks it."""
    raw = duckdb.connect()
    raw.execute(f"CREATE TABLE t ({COLS})")
    # the same DuckDB threads on both sides (an in-memory cdcsim database defaults to one)
    threads = int(raw.execute("SELECT current_setting('threads')").fetchone()[0])
    con = cdcsim.connect(threads=threads)
    cur = con.cursor()
    cur.execute(f"CREATE TABLE t ({COLS})")
    cur.execute("CREATE STREAM s ON TABLE t")
    return raw, con, cur


def bulk(n: int, repeats: int) -> list[list[object]]:
    raw, con, cur = _pair()
    cur.execute("CREATE TABLE sink (id BIGINT)")

    def reset_raw() -> None:
        raw.execute("DELETE FROM t")

    def reset_cdc() -> None:
        cur.execute("TRUNCATE TABLE t")
        cur.execute("INSERT INTO sink SELECT id FROM s WHERE 1 = 0")  # consume: empty the log

    t_raw = median_time(lambda: raw.execute(f"INSERT INTO t {GEN.format(n=n)}"), repeats, reset_raw)
    t_cdc = median_time(lambda: cur.execute(f"INSERT INTO t {GEN.format(n=n)}"), repeats, reset_cdc)
    # Leave N pending inserts in the stream for the read benchmark.
    t_scan = median_time(lambda: cur.execute(AGG.format(src="t")).fetchall(), repeats)
    t_stream = median_time(lambda: cur.execute(AGG.format(src="s")).fetchall(), repeats)
    # streams on views, opened just before the same UPDATE as a second table stream
    cur.execute("CREATE TABLE movies AS SELECT 'M' || range AS movie, 'G' || (range % 7) AS genre FROM range(100)")
    cur.execute("CREATE VIEW multi AS SELECT id, customer, movie, tickets, price, status FROM t WHERE tickets > 1")
    cur.execute("CREATE VIEW genres AS SELECT t.id, t.customer, t.tickets, t.price, t.status, m.genre "
                "FROM t JOIN movies m ON t.movie = m.movie")
    cur.execute("CREATE STREAM s2 ON TABLE t")
    cur.execute("CREATE STREAM sv ON VIEW multi")
    cur.execute("CREATE STREAM sj ON VIEW genres")
    cur.execute("UPDATE t SET status = 'CANCELLED' WHERE id % 10 = 0")
    t_mixed = median_time(lambda: cur.execute(AGG.format(src="s")).fetchall(), repeats)
    count = "SELECT count(*), max(status) FROM {src}"
    t_table = median_time(lambda: cur.execute(count.format(src="s2")).fetchall(), repeats)
    t_view = median_time(lambda: cur.execute(count.format(src="sv")).fetchall(), repeats)
    t_join = median_time(lambda: cur.execute(count.format(src="sj")).fetchall(), repeats)
    con.close()
    return [
        [f"bulk INSERT..SELECT {n:,} rows", t_raw, t_cdc, t_cdc / t_raw, "<= 2.5"],
        [f"read stream, {n:,} pending inserts vs scan", t_scan, t_stream, t_stream / t_scan, "<= 1.5"],
        [f"read stream, {n:,} inserts + {n // 10:,} updates", t_scan, t_mixed, t_mixed / t_scan, "(info)"],
        [f"stream on a filter view vs on the table, {n // 10:,} updates", t_table, t_view, t_view / t_table, "(info)"],
        [f"stream on a join view (x 100 rows) vs on the table, {n // 10:,} updates", t_table, t_join,
         t_join / t_table, "(info)"],
    ]


def single_rows(n: int, repeats: int) -> list[list[object]]:
    raw, con, cur = _pair()
    ins = "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)"
    upd = "UPDATE t SET status = ? WHERE id = ?"
    row = lambda i: [i, "C1", "M1", 2, 12.5, "BOOKED"]  # noqa: E731

    def run_raw_ins() -> None:
        for i in range(n):
            raw.execute(ins, row(i))

    def run_cdc_ins() -> None:
        for i in range(n):
            cur.execute(ins, row(i))

    def run_raw_upd() -> None:
        for i in range(n):
            raw.execute(upd, ["CANCELLED", i])

    def run_cdc_upd() -> None:
        for i in range(n):
            cur.execute(upd, ["CANCELLED", i])

    out = []
    t_ri = median_time(run_raw_ins, repeats, lambda: raw.execute("DELETE FROM t"))
    t_ci = median_time(run_cdc_ins, repeats, lambda: cur.execute("DELETE FROM t"))
    out.append([f"single-row INSERT x{n} (rate vs raw)", t_ri, t_ci, t_ri / t_ci, ">= 0.5"])
    t_ru = median_time(run_raw_upd, repeats)
    t_cu = median_time(run_cdc_upd, repeats)
    out.append([f"single-row UPDATE x{n} (rate vs raw)", t_ru, t_cu, t_ru / t_cu, ">= 0.5"])
    con.close()
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--single", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args(argv)
    rows = bulk(a.rows, a.repeats) + single_rows(a.single, max(3, a.repeats // 2))
    print_table("Capture overhead and stream reads (median seconds; ratio = cdcsim / raw, or rate ratio)",
                ["case", "baseline s", "cdcsim s", "ratio", "goal"], rows)


if __name__ == "__main__":
    main()
