"""Test-suite speed (issue 8, item 3).

* **Scenario wall time**: the seed script (``examples/movie_bookings/seed.sql``) plus its sample
  rows, then 100 DML statements (inserts, cancellations as updates, deletes, one booking each)
  interleaved with 10 virtual minutes under a ManualClock — the consume task runs every virtual
  minute and gold is refreshed after each (the seed's DOWNSTREAM tables only refresh on request).
  Goal: ≤ 1 s from connect to the last refresh.
* **Per-statement cost** of plain Snowflake SQL (CREATE TABLE, INSERT, UPDATE, SELECT) through
  ``cursor.execute`` in cdcsim vs fakesnow, median over repeats. Goal: no slower than fakesnow.
  fakesnow pins an older sqlglot than cdcsim, so it cannot share our environment: when it is not
  importable here, its half runs in a subprocess of a separate venv (``$FAKESNOW_PYTHON``, default
  ``/tmp/fsvenv/bin/python``; ``python -m venv /tmp/fsvenv && /tmp/fsvenv/bin/pip install
  fakesnow==0.12.1 'snowflake-connector-python<4'``: fakesnow 0.12.1 imports a connector module
  that 5.x removed). The output says which.

Run: ``python -m benchmarks.bench_suite_speed [--repeats 200]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import cdcsim

from .common import print_table

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "movie_bookings"
GOAL_SCENARIO_S = 1.0
FAKESNOW_PYTHON = os.environ.get("FAKESNOW_PYTHON", "/tmp/fsvenv/bin/python")

# The per-statement workload: the same Snowflake SQL for both engines. ``{i}`` is the repeat.
SETUP = ["CREATE TABLE bookings (id INT, customer STRING, status STRING, tickets INT, price NUMBER(10, 2))",
         "INSERT INTO bookings VALUES " + ", ".join(f"({i}, 'C{i % 50}', 'BOOKED', 2, 12.50)" for i in range(1000))]
STATEMENTS = {
    "CREATE TABLE": "CREATE TABLE t_{i} (id INT, name STRING, amount NUMBER(10, 2))",
    "INSERT": "INSERT INTO bookings (id, customer, status, tickets, price) VALUES ({i} + 100000, 'C7', 'BOOKED', 3, 14.50)",
    "UPDATE": "UPDATE bookings SET status = 'CANCELLED' WHERE id = {i}",
    "SELECT": "SELECT id, customer, status, tickets * price AS total FROM bookings WHERE id = {i}",
}

# Runs inside the fakesnow venv: times each statement kind, prints {kind: [seconds, ...]} as JSON.
FAKESNOW_WORKER = r"""
import json, sys, time
import fakesnow, snowflake.connector
spec = json.loads(sys.stdin.read())
out = {}
with fakesnow.patch():
    con = snowflake.connector.connect(database="BENCH", schema="PUBLIC")
    cur = con.cursor()
    for s in spec["setup"]:
        cur.execute(s)
    for kind, sql in spec["statements"].items():
        ts = []
        for i in range(spec["repeats"]):
            q = sql.format(i=i)
            t0 = time.perf_counter()
            cur.execute(q)
            cur.fetchall()
            ts.append(time.perf_counter() - t0)
        out[kind] = ts
from importlib.metadata import version
print(json.dumps({"result": out, "version": version("fakesnow")}))
"""


# ---------------------------------------------------------------------------------------- scenario
def _seed_dml(i: int) -> str:
    """The i-th of 100 DML statements: mostly new bookings, some cancellations, a few deletions."""
    if i % 10 == 9:
        return f"DELETE FROM raw_movie_bookings WHERE booking_id = 'S{i - 5:05d}'"
    if i % 5 == 3:
        return (f"UPDATE raw_movie_bookings SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP() "
                f"WHERE booking_id = 'S{i - 2:05d}'")
    return ("INSERT INTO raw_movie_bookings (booking_id, customer_id, movie_id, booking_date, status, "
            f"ticket_count, ticket_price) VALUES ('S{i:05d}', 'C{i % 37:04d}', 'M00{1 + i % 8}', "
            f"'2025-09-03 19:30:00', 'BOOKED', {1 + i % 5}, {8 + i % 15}.50)")


def scenario() -> tuple[float, dict[str, float]]:
    """Wall time of seed + sample rows + 100 DML + 10 virtual minutes; and its phases."""
    phases: dict[str, float] = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    con.execute_string((EXAMPLES / "seed.sql").read_text())
    t1 = time.perf_counter()
    phases["connect + seed.sql"] = t1 - t0
    con.execute_string((EXAMPLES / "sample_data.sql").read_text())
    t2 = time.perf_counter()
    phases["sample_data.sql"] = t2 - t1
    cur = con.cursor()
    dml = tasks = refreshes = 0.0
    for minute in range(10):
        ta = time.perf_counter()
        for j in range(10):
            cur.execute(_seed_dml(minute * 10 + j))
        tb = time.perf_counter()
        con.advance(minutes=1)  # the consume task runs at the minute
        tc = time.perf_counter()
        cur.execute("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
        td = time.perf_counter()
        dml += tb - ta
        tasks += tc - tb
        refreshes += td - tc
    phases["100 DML statements"] = dml
    phases["10 virtual minutes: task runs + refreshes"] = tasks + refreshes
    # The same phase split in two, to tell scheduler/task costs from dynamic-table refresh costs.
    phases["  of which advance() (task runs, history)"] = tasks
    phases["  of which ALTER DYNAMIC TABLE ... REFRESH"] = refreshes
    n = cur.execute("SELECT count(*) FROM movie_booking_insights").fetchone()[0]
    con.close()
    total = time.perf_counter() - t0
    # CPU seconds of the whole process (all DuckDB threads): on a shared machine wall time also
    # counts waiting for a core, CPU time does not.
    phases["process CPU time (all threads)"] = time.process_time() - c0
    if not n:
        raise RuntimeError("the scenario's gold table is empty")
    return total, phases


# ---------------------------------------------------------------------------------------- statements
def cdcsim_statements(repeats: int) -> dict[str, list[float]]:
    con = cdcsim.connect()
    cur = con.cursor()
    for s in SETUP:
        cur.execute(s)
    out: dict[str, list[float]] = {}
    for kind, sql in STATEMENTS.items():
        ts = []
        for i in range(repeats):
            q = sql.format(i=i)
            t0 = time.perf_counter()
            cur.execute(q)
            cur.fetchall()
            ts.append(time.perf_counter() - t0)
        out[kind] = ts
    con.close()
    return out


def fakesnow_statements(repeats: int) -> tuple[dict[str, list[float]] | None, str]:
    """fakesnow's timings and where they came from (in process, venv subprocess, or why none)."""
    spec = json.dumps({"setup": SETUP, "statements": STATEMENTS, "repeats": repeats})
    try:
        import fakesnow  # noqa: F401
    except ImportError:
        pass
    else:
        ns: dict[str, object] = {}
        code = FAKESNOW_WORKER.replace("json.loads(sys.stdin.read())", "json.loads(SPEC)")
        ns["SPEC"] = spec
        from contextlib import redirect_stdout
        from io import StringIO

        buf = StringIO()
        with redirect_stdout(buf):
            exec(code, ns)  # noqa: S102 - our own worker code
        return json.loads(buf.getvalue())["result"], "fakesnow in this process"
    if not Path(FAKESNOW_PYTHON).exists():
        return None, f"fakesnow not installed (no {FAKESNOW_PYTHON})"
    proc = subprocess.run([FAKESNOW_PYTHON, "-c", FAKESNOW_WORKER], input=spec, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        return None, "fakesnow subprocess failed: " + proc.stderr.strip().splitlines()[-1][:200]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data["result"], f"fakesnow {data['version']} in a subprocess of {FAKESNOW_PYTHON} (its sqlglot pin conflicts with ours)"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=200, help="statements per kind (default: %(default)s)")
    p.add_argument("--scenario-repeats", type=int, default=5, help="scenario runs (median; default: %(default)s)")
    p.add_argument("--no-fakesnow", action="store_true", help="skip the fakesnow comparison")
    a = p.parse_args(argv)

    runs = [scenario() for _ in range(max(1, a.scenario_repeats))]
    totals = [r[0] for r in runs]
    med = statistics.median(totals)
    mid = runs[totals.index(sorted(totals)[len(totals) // 2])][1]
    rows: list[list[object]] = [[k, v, ""] for k, v in mid.items()]
    rows.append(["total (median of runs)", med, f"goal <= {GOAL_SCENARIO_S:g} s: "
                 + ("met" if med <= GOAL_SCENARIO_S else "NOT met") + f" (ratio {med / GOAL_SCENARIO_S:.2f})"])
    print_table(f"Seed scenario under ManualClock ({len(totals)} runs; seconds)", ["phase", "s", "goal"], rows)

    ours = cdcsim_statements(a.repeats)
    theirs, source = (None, "skipped (--no-fakesnow)") if a.no_fakesnow else fakesnow_statements(a.repeats)
    rows = []
    for kind in STATEMENTS:
        m_ours = statistics.median(ours[kind]) * 1000
        if theirs is not None:
            m_theirs = statistics.median(theirs[kind]) * 1000
            ratio = m_ours / m_theirs
            rows.append([kind, f"{m_ours:.3f}", f"{m_theirs:.3f}", f"{ratio:.2f}",
                         "met" if ratio <= 1.0 else "NOT met"])
        else:
            rows.append([kind, f"{m_ours:.3f}", "-", "-", "-"])
    print_table(f"Per-statement cost, median ms over {a.repeats} (ratio = cdcsim / fakesnow, goal <= 1); {source}",
                ["statement", "cdcsim ms", "fakesnow ms", "ratio", "goal"], rows)


if __name__ == "__main__":
    sys.exit(main())
