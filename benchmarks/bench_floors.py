"""DuckDB's own floors under the goals cdcsim does not meet: what no cdcsim code can go below.

``python -m benchmarks.bench_floors [--rows N] [--single N] [--wal-mib A,B] [--repeats R]``

Each section measures plain DuckDB (no cdcsim) in this process, against a baseline measured here:

* **Statement triggers** (capture of single-row writes; goal >= 0.5x raw DuckDB's rate). cdcsim
  captures a change with a statement trigger inside the writing statement. The floor is the
  least any capture must do: the table carries a row id (a column with a sequence default) and a
  statement trigger copies the changed rows' ids into a side table, nothing else (cdcsim's log
  also holds a statement number, and the before-images of an update). ``raw / floor`` is the best
  rate ratio any trigger-based capture can reach; the baseline is the table without a row id.
* **Incremental refresh** (goal >= 10x FULL for GROUP BY, >= 20x for the join shape). The floor of
  an incremental refresh is one transaction holding one MERGE of an already materialised delta of
  1,000 updated rows (2,000 signed rows) into the result: no change-log read, no probe, no refresh
  history. FULL is what cdcsim's FULL refresh does: a transaction that deletes the result and
  inserts the query's rows. ``FULL / floor`` is the best ratio any design on DuckDB can reach.
* **Checkpoint** (goal: 100K changes/s with p99 <= 1 s). A single-row INSERT on a second cursor
  while the first runs CHECKPOINT with a given WAL: how long the checkpoint takes and how long the
  write waits for it. Two WAL sizes give the cost per MiB of WAL (the base table has
  min(``--rows``, 2,000,000) rows).

All figures are medians of ``--repeats``; nothing here depends on cdcsim's code.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import duckdb

try:
    from benchmarks.common import print_table
except ImportError:  # run as a plain script
    from common import print_table  # type: ignore[no-redef]

COLS = "id BIGINT, customer VARCHAR, movie VARCHAR, tickets INT, price DECIMAL(10,2), status VARCHAR"
INSERT = "INSERT INTO t (id, customer, movie, tickets, price, status) VALUES (?, ?, ?, ?, ?, ?)"
UPDATE = "UPDATE t SET status = ? WHERE id = ?"


def _per_statement(con: duckdb.DuckDBPyConnection, sql: str, args: list[list[object]]) -> float:
    t0 = time.perf_counter()
    for a in args:
        con.execute(sql, a)
    return (time.perf_counter() - t0) / len(args)


def triggers(n: int, repeats: int) -> list[list[object]]:
    """Single-row INSERT and UPDATE: the plain table vs the least a trigger-based capture does."""
    cons = {}
    for kind in ("raw", "trigger"):
        con = duckdb.connect()
        if kind == "raw":
            con.execute(f"CREATE TABLE t ({COLS})")
        else:
            con.execute("CREATE SEQUENCE rid_seq")
            con.execute(f"CREATE TABLE t ({COLS}, rid BIGINT DEFAULT nextval('rid_seq'))")
            con.execute("CREATE TABLE side (rid BIGINT)")
            con.execute("CREATE TRIGGER ti AFTER INSERT ON t REFERENCING NEW TABLE AS nt "
                        "FOR EACH STATEMENT INSERT INTO side SELECT rid FROM nt")
            con.execute("CREATE TRIGGER tu AFTER UPDATE ON t REFERENCING OLD TABLE AS ot NEW TABLE AS nt "
                        "FOR EACH STATEMENT INSERT INTO side SELECT rid FROM ot")
        cons[kind] = con
    ins = {k: [] for k in cons}
    upd = {k: [] for k in cons}
    for r in range(repeats):
        for kind, con in cons.items():  # interleaved, so both see the same phase of the machine
            con.execute("DELETE FROM t")
            ins[kind].append(_per_statement(con, INSERT, [[i, "C1", "M1", 2, 12.5, "BOOKED"] for i in range(n)]))
            status = "CANCELLED" if r % 2 == 0 else "BOOKED"
            upd[kind].append(_per_statement(con, UPDATE, [[status, i] for i in range(n)]))
    rows = []
    for name, d in (("INSERT", ins), ("UPDATE", upd)):
        raw, trig = statistics.median(d["raw"]), statistics.median(d["trigger"])
        rows.append([f"single-row {name}", raw * 1e3, trig * 1e3, raw / trig, ">= 0.5"])
    for con in cons.values():
        con.close()
    return rows


# the shapes of bench_refresh (whose ratios the goals are about)
GROUP = ("SELECT g, sum(amt) AS revenue, count(*) AS bookings, "
         "count(CASE WHEN status = 'CANCELLED' THEN 1 END) AS cancelled FROM fact GROUP BY g")
JOIN = ("SELECT d.region AS g, sum(f.amt) AS revenue, count(*) AS bookings, 0 AS cancelled FROM fact AS f "
        "JOIN dim AS d ON f.dim_id = d.dim_id GROUP BY d.region")
# the signed delta (+1 new image, -1 old image of each updated row), grouped as the shape groups
DELTA = {
    GROUP: ("SELECT g, sum(amt * s) AS revenue, sum(s) AS bookings, "
            "sum(CASE WHEN status = 'CANCELLED' THEN s ELSE 0 END) AS cancelled FROM delta GROUP BY g"),
    JOIN: ("SELECT d.region AS g, sum(x.amt * x.s) AS revenue, sum(x.s) AS bookings, 0 AS cancelled FROM delta AS x "
           "JOIN dim AS d ON x.dim_id = d.dim_id GROUP BY d.region"),
}


def refresh(rows: int, repeats: int) -> list[list[object]]:
    """FULL refresh vs the floor of an incremental one, for the GROUP BY and the join shape."""
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    con.execute("CREATE TABLE fact (id BIGINT, g INT, dim_id INT, amt DECIMAL(12, 2), status VARCHAR)")
    con.execute(f"INSERT INTO fact SELECT range, range % 1000, range % 100000, (range % 97) + 0.5, "
                f"CASE WHEN range % 10 = 0 THEN 'CANCELLED' ELSE 'BOOKED' END FROM range({rows})")
    con.execute("CREATE TABLE dim (dim_id INT, region VARCHAR)")
    con.execute("INSERT INTO dim SELECT range, 'R' || (range % 50) FROM range(100000)")
    out = []
    for label, query, goal in (("GROUP BY, 1,000 groups", GROUP, ">= 10x"), ("join with 100K dim", JOIN, ">= 20x")):
        con.execute(f"CREATE OR REPLACE TABLE result AS {query}")
        full, floor = [], []
        for r in range(repeats):
            lo = (r * 7919) % max(1, rows - 1000)
            # 1,000 updated rows as a materialised signed delta: old images -1, new images +1
            con.execute(f"CREATE OR REPLACE TEMP TABLE delta AS SELECT g, dim_id, amt, status, -1 AS s FROM fact "
                        f"WHERE id >= {lo} AND id < {lo + 1000} UNION ALL SELECT g, dim_id, amt + 1, 'CANCELLED', 1 "
                        f"FROM fact WHERE id >= {lo} AND id < {lo + 1000}")
            t0 = time.perf_counter()
            con.execute("BEGIN")
            con.execute(f"MERGE INTO result USING ({DELTA[query]}) AS d ON result.g = d.g "
                        "WHEN MATCHED THEN UPDATE SET revenue = result.revenue + d.revenue, "
                        "bookings = result.bookings + d.bookings, cancelled = result.cancelled + d.cancelled "
                        "WHEN NOT MATCHED THEN INSERT VALUES (d.g, d.revenue, d.bookings, d.cancelled)")
            con.execute("COMMIT")
            floor.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            con.execute("BEGIN")
            con.execute("DELETE FROM result")
            con.execute(f"INSERT INTO result {query}")
            con.execute("COMMIT")
            full.append(time.perf_counter() - t0)
        f, fl = statistics.median(full), statistics.median(floor)
        out.append([label, fl * 1e3, f * 1e3, f / fl, goal])
    con.close()
    return out


def checkpoint(wal_mib: list[int], repeats: int, base_rows: int = 2_000_000) -> list[list[object]]:
    """How long a CHECKPOINT of ``w`` MiB of WAL takes, and how long a concurrent write waits
    (on a table of ``base_rows`` already checkpointed rows)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for w in wal_mib:
            cks, waits = [], []
            for r in range(repeats):
                path = Path(tmp) / f"ck_{w}_{r}.duckdb"
                con = duckdb.connect(str(path))
                con.execute("SET checkpoint_threshold = '64GiB'")  # only the CHECKPOINT below
                con.execute(f"CREATE TABLE big AS SELECT range AS id, range % 1000 AS g, 'x' || range AS s "
                            f"FROM range({base_rows})")
                con.execute("CHECKPOINT")
                wal = Path(str(path) + ".wal")
                i = 0
                while not wal.exists() or wal.stat().st_size < w * 2**20:
                    # appends below a row group go through the WAL, as the pipeline's batches do
                    con.execute(f"INSERT INTO big SELECT range + {10**9 + i * 100_000}, range % 1000, 'y' || range "
                                f"FROM range(100000)")
                    i += 1
                writer = con.cursor()
                waited: list[float] = []
                started = threading.Event()

                def write(writer: duckdb.DuckDBPyConnection = writer, waited: list[float] = waited,
                          started: threading.Event = started) -> None:
                    started.wait()
                    time.sleep(0.02)  # let the checkpoint take its lock first
                    t0 = time.perf_counter()
                    writer.execute("INSERT INTO big VALUES (-1, 1, 'w')")
                    waited.append(time.perf_counter() - t0)

                th = threading.Thread(target=write)
                th.start()
                t0 = time.perf_counter()
                started.set()
                con.execute("CHECKPOINT")
                cks.append(time.perf_counter() - t0)
                th.join()
                waits.append(waited[0])
                writer.close()
                con.close()
            ck, wait = statistics.median(cks), statistics.median(waits)
            out.append([f"{w} MiB of WAL", ck * 1e3, wait * 1e3, wait / ck])
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="fact rows for the refresh floor")
    ap.add_argument("--single", type=int, default=2000, help="single-row statements per repeat")
    ap.add_argument("--wal-mib", default="64,256", help="WAL sizes (MiB) for the checkpoint section")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)
    print_table("Floor: statement triggers (single-row capture)",
                ["statement", "raw ms", "floor ms (row ids copied)", "best ratio", "goal"],
                triggers(a.single, a.repeats))
    print_table(f"Floor: incremental refresh, {a.rows:,}-row fact, 1,000 updated rows",
                ["shape", "floor ms (one MERGE)", "FULL ms", "best ratio", "goal"],
                refresh(a.rows, a.repeats))
    sizes = [int(x) for x in a.wal_mib.split(",") if x]
    print_table("Floor: checkpoint (a write on another cursor during CHECKPOINT)",
                ["WAL", "checkpoint ms", "write waited ms", "waited / checkpoint"],
                checkpoint(sizes, max(1, a.repeats // 2), min(a.rows, 2_000_000)))


if __name__ == "__main__":
    main()
