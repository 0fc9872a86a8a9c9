"""Scheduler benchmarks (never timed in tests; ``tests/tasks/test_bench_smoke.py`` runs a tiny version).

1. Overhead: N tasks on 1-minute schedules advanced through M virtual minutes under a ManualClock
   (default 1,000 x 60 = 60,000 runs of a trivial statement), against executing the same
   statements directly through a cursor in the same process. Reports runs/s and the ratio
   (scheduled time / direct time; goal <= 1.5). Median of ``--repeats``.
2. Real-time latency with ``limits="relaxed"`` under the wall clock and the background scheduler:
   a change committed to a source table -> its row in a bronze table, written by (a) a task on a
   100 ms schedule and (b) a triggered task (WHEN SYSTEM$STREAM_HAS_DATA). p50 / p99 over
   ``--changes`` changes (goal p99 <= 250 ms).

Usage: ``python benchmarks/bench_scheduler.py [--tasks 1000 --minutes 60 --repeats 3 --changes 1000]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime

import cdcsim

T0 = datetime(2025, 9, 3, 9, 0)


def _stmt(i: int) -> str:
    return f"INSERT INTO sink VALUES ({i})"


def overhead_once(tasks: int, minutes: int) -> dict[str, float]:
    """Scheduled vs direct, interleaved minute by minute so both see the same machine load.

    Returns wall and CPU (process) seconds of each side and the number of runs."""
    sched_con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    cur = sched_con.cursor()
    cur.execute("CREATE TABLE sink (i INT)")
    for i in range(tasks):
        cur.execute(f"CREATE TASK t{i} WAREHOUSE = wh SCHEDULE = '1 MINUTE' AS {_stmt(i)}")
    for i in range(tasks):
        cur.execute(f"ALTER TASK t{i} RESUME")
    direct_con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    dcur = direct_con.cursor()
    dcur.execute("CREATE TABLE sink (i INT)")
    stmts = [_stmt(i) for i in range(tasks)]
    out = {"sched_wall": 0.0, "sched_cpu": 0.0, "direct_wall": 0.0, "direct_cpu": 0.0}
    for _ in range(minutes):
        w, c = time.perf_counter(), time.process_time()
        sched_con.advance(minutes=1)
        out["sched_wall"] += time.perf_counter() - w
        out["sched_cpu"] += time.process_time() - c
        w, c = time.perf_counter(), time.process_time()
        for s in stmts:
            dcur.execute(s)
        out["direct_wall"] += time.perf_counter() - w
        out["direct_cpu"] += time.process_time() - c
    out["runs"] = cur.execute("SELECT count(*) FROM sink").fetchone()[0]
    sched_con.close()
    direct_con.close()
    return out


def latency_once(changes: int, triggered: bool, gap_s: float = 0.005) -> list[float]:
    """Delays (ms) from a committed change to its row in bronze."""
    con = cdcsim.connect(limits="relaxed")
    cur = con.cursor()
    cur.execute("CREATE TABLE src (id INT, committed TIMESTAMP)")
    cur.execute("CREATE STREAM s ON TABLE src")
    cur.execute("CREATE TABLE bronze (id INT, committed TIMESTAMP, landed TIMESTAMP)")
    body = "INSERT INTO bronze SELECT id, committed, CURRENT_TIMESTAMP() FROM s"
    if triggered:
        cur.execute("CREATE TASK t WAREHOUSE = wh USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 0.05 "
                    f"WHEN SYSTEM$STREAM_HAS_DATA('s') AS {body}")
    else:
        cur.execute(f"CREATE TASK t WAREHOUSE = wh SCHEDULE = '0.1 SECONDS' AS {body}")
    cur.execute("ALTER TASK t RESUME")
    con.start()
    writer = con.cursor()
    committed: dict[int, datetime] = {}
    rnd = random.Random(7)
    try:
        for i in range(changes):
            writer.execute("INSERT INTO src VALUES (%s, NULL)", (i,))
            committed[i] = datetime.now()  # after the autocommit returned
            time.sleep(gap_s * rnd.uniform(0.5, 1.5))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if cur.execute("SELECT count(*) FROM bronze").fetchone()[0] >= changes:
                break
            time.sleep(0.05)
    finally:
        con.stop()
    landed = dict(cur.execute("SELECT id, landed FROM bronze").fetchall())
    con.close()
    return [max(0.0, (landed[i] - committed[i]).total_seconds() * 1000) for i in range(changes) if i in landed]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--skip-latency", action="store_true")
    a = ap.parse_args(argv)

    import pandas  # noqa: F401  (imported once up front: history writes use it; not a per-run cost)

    results = [overhead_once(a.tasks, a.minutes) for _ in range(a.repeats)]
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    runs = int(med["runs"])
    out = {"runs": runs, "scheduled_s": med["sched_wall"], "direct_s": med["direct_wall"],
           "scheduled_runs_per_s": runs / med["sched_wall"], "direct_stmts_per_s": runs / med["direct_wall"],
           "ratio": statistics.median(r["sched_wall"] / r["direct_wall"] for r in results),
           "cpu_ratio": statistics.median(r["sched_cpu"] / r["direct_cpu"] for r in results)}
    print(f"\nScheduler overhead: {a.tasks} tasks x {a.minutes} virtual minutes = {runs} runs of "
          f"'{_stmt(0)}' (median of {a.repeats}, interleaved per minute)")
    print(f"{'':28}{'wall s':>10}{'per second':>14}{'CPU s':>10}")
    print(f"{'scheduled (advance)':28}{med['sched_wall']:>10.2f}{runs / med['sched_wall']:>14,.0f}"
          f"{med['sched_cpu']:>10.2f}")
    print(f"{'direct (cursor.execute)':28}{med['direct_wall']:>10.2f}{runs / med['direct_wall']:>14,.0f}"
          f"{med['direct_cpu']:>10.2f}")
    print(f"{'ratio scheduled / direct':28}{out['ratio']:>10.2f}{'':>14}{out['cpu_ratio']:>10.2f}   (goal <= 1.5)")
    if not a.skip_latency:
        print(f"\nReal-time latency, limits='relaxed': committed change -> row in bronze ({a.changes} changes)")
        print(f"{'':28}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        for label, trig in (("100 ms schedule", False), ("triggered (min 50 ms)", True)):
            lat = []
            for _ in range(a.repeats if a.changes <= 1000 else 1):
                lat.append(latency_once(a.changes, trig))
            p50 = statistics.median(pct(x, 50) for x in lat)
            p99 = statistics.median(pct(x, 99) for x in lat)
            mx = statistics.median(max(x) for x in lat)
            key = "trigger" if trig else "sched"
            out[f"{key}_p50_ms"], out[f"{key}_p99_ms"] = p50, p99
            print(f"{label:28}{p50:>10.1f}{p99:>10.1f}{mx:>10.1f}   (goal p99 <= 250; "
                  f"landed {len(lat[0])}/{a.changes})")
    return out


if __name__ == "__main__":
    main()
