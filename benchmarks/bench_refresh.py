"""Dynamic-table refresh: incremental vs FULL on a 10,000,000-row base table.

``python -m benchmarks.bench_refresh [--rows N] [--repeats R]`` (``--bookings`` is an alias).

* gold = GROUP BY over 1,000 groups with SUM / COUNT / COUNT(CASE): an INCREMENTAL table and a
  FULL table with the same query, refreshed in the same run after the same 1,000 changed rows;
  ratio = FULL / INCREMENTAL (goal >= 10x, stretch >= 50x);
* fixed costs: a NO_DATA refresh (goal <= 5 ms) and a 1-row incremental refresh (goal <= 15 ms);
* join-shaped gold: fact (N rows) JOIN dimension (100K rows) GROUP BY a dimension attribute (goal >= 20x);
* refresh time vs delta size (1, 1K, 10K, 100K, 1M changed rows) against FULL: where AUTO should
  prefer FULL.

All figures are medians of ``--repeats`` runs. Data is generated in bulk with SQL (``range()``).
The database is in memory but runs DuckDB on every core, as a file database does (an in-memory
one defaults to one thread, which would slow the FULL refresh's 10M-row scan and flatter the
ratio); ``--threads`` changes that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import cdcsim

try:
    from benchmarks.common import print_table
except ImportError:  # run as a plain script
    from common import print_table  # type: ignore[no-redef]

GOLD = ("SELECT g, SUM(amt) AS revenue, COUNT(*) AS bookings, "
        "COUNT(CASE WHEN status = 'CANCELLED' THEN 1 END) AS cancelled FROM fact GROUP BY g")
JOIN_GOLD = ("SELECT d.region, SUM(f.amt) AS revenue, COUNT(*) AS bookings FROM fact f "
             "JOIN dim d ON f.dim_id = d.dim_id GROUP BY d.region")


class Bench:
    def __init__(self, rows: int, threads: int | None = None) -> None:
        self.rows = rows
        self.con = cdcsim.connect(clock=cdcsim.ManualClock(), threads=threads or os.cpu_count() or 1)
        self.cur = self.con.cursor()
        self.next_id = 0

    def sql(self, text: str) -> list[tuple]:
        return self.cur.execute(text).fetchall()

    def timed(self, text: str) -> float:
        t0 = time.perf_counter()
        self.cur.execute(text)
        return time.perf_counter() - t0

    def setup(self) -> None:
        n = self.rows
        self.sql("CREATE TABLE fact (id BIGINT, g INT, dim_id INT, amt NUMBER(12, 2), status STRING)")
        self.sql(f"INSERT INTO fact SELECT range, range % 1000, range % 100000, (range % 97) + 0.5, "
                 f"CASE WHEN range % 10 = 0 THEN 'CANCELLED' ELSE 'BOOKED' END FROM range({n})")
        self.sql("CREATE TABLE dim (dim_id INT, region STRING)")
        self.sql("INSERT INTO dim SELECT range, 'R' || (range % 50) FROM range(100000)")
        for name, query, mode in (("gold_inc", GOLD, "INCREMENTAL"), ("gold_full", GOLD, "FULL"),
                                  ("join_inc", JOIN_GOLD, "INCREMENTAL"), ("join_full", JOIN_GOLD, "FULL")):
            self.sql(f"CREATE DYNAMIC TABLE {name} TARGET_LAG = DOWNSTREAM WAREHOUSE = wh "
                     f"REFRESH_MODE = {mode} AS {query}")

    def change(self, k: int) -> None:
        """UPDATE k rows (a contiguous id range that moves on, so groups vary)."""
        lo = self.next_id % max(1, self.rows - k)
        self.next_id += k + 7919
        self.sql(f"UPDATE fact SET amt = amt + 1, status = CASE WHEN status = 'BOOKED' THEN 'CANCELLED' "
                 f"ELSE 'BOOKED' END WHERE id >= {lo} AND id < {lo + k}")

    def refresh(self, *names: str) -> dict[str, float]:
        return {n: self.timed(f"ALTER DYNAMIC TABLE {n} REFRESH") for n in names}

    def check(self) -> None:
        for inc, full in (("gold_inc", "gold_full"), ("join_inc", "join_full")):
            a = sorted(self.sql(f"SELECT * FROM {inc}"))
            b = sorted(self.sql(f"SELECT * FROM {full}"))
            assert a == b, f"{inc} differs from {full}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", "--bookings", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: every core)")
    args = ap.parse_args()
    b = Bench(args.rows, args.threads)
    t0 = time.perf_counter()
    b.setup()
    print(f"setup: {args.rows:,} rows, 4 dynamic tables created and initialised in {time.perf_counter() - t0:.1f} s")
    med = statistics.median

    # 1,000 changed rows: incremental vs full, same run
    inc, full, jinc, jfull = [], [], [], []
    for _ in range(args.repeats):
        b.change(1000)
        r = b.refresh("gold_inc", "gold_full", "join_inc", "join_full")
        inc.append(r["gold_inc"])
        full.append(r["gold_full"])
        jinc.append(r["join_inc"])
        jfull.append(r["join_full"])
    b.check()
    # fixed costs
    nodata = [b.refresh("gold_inc")["gold_inc"] for _ in range(max(10, args.repeats))]
    small = []
    for _ in range(max(10, args.repeats)):
        b.change(1)
        small.append(b.refresh("gold_inc")["gold_inc"])
        b.refresh("gold_full", "join_inc", "join_full")
    b.check()
    rows = [
        ["gold GROUP BY, 1,000 changed rows", med(inc) * 1e3, med(full) * 1e3, med(full) / med(inc), ">= 10x (50x)"],
        ["join gold (fact x 100K dim), 1,000 changed", med(jinc) * 1e3, med(jfull) * 1e3, med(jfull) / med(jinc),
         ">= 20x"],
        ["NO_DATA refresh (fixed cost)", med(nodata) * 1e3, "", "", "<= 5 ms"],
        ["1-row incremental refresh", med(small) * 1e3, "", "", "<= 15 ms"],
    ]
    print_table(f"Dynamic-table refresh, {args.rows:,}-row base table (medians of {args.repeats})",
                ["case", "incremental ms", "full ms", "full/incremental", "goal"], rows)

    # delta size sweep
    sweep = []
    for k in (1, 1_000, 10_000, 100_000, 1_000_000):
        if k > args.rows // 2:
            break
        ti, tf = [], []
        for _ in range(max(3, args.repeats // 2)):
            b.change(k)
            r = b.refresh("gold_inc", "gold_full")
            ti.append(r["gold_inc"])
            tf.append(r["gold_full"])
            b.refresh("join_inc", "join_full")
        sweep.append([f"{k:,}", med(ti) * 1e3, med(tf) * 1e3, med(tf) / med(ti),
                      "INCREMENTAL" if med(ti) < med(tf) else "FULL"])
    b.check()
    print_table("Refresh time vs delta size (gold GROUP BY; medians)",
                ["changed rows", "incremental ms", "full ms", "full/incremental", "cheaper"], sweep)
    cross = next((r[0] for r in sweep if r[4] == "FULL"), None)
    print(f"\nAUTO should prefer FULL from about {cross} changed rows per refresh" if cross else
          "\nIncremental stays cheaper than FULL for every delta size measured "
          f"(up to {sweep[-1][0]} changed rows of {args.rows:,}).")
    b.con.close()


if __name__ == "__main__":
    main()
