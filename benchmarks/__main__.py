"""Run every benchmark script: ``python -m benchmarks [--quick] [--only NAME] [--log FILE]``.

Each ``benchmarks/bench_*.py`` runs in its own subprocess (``python -m benchmarks.bench_x``), so
one script's memory (the 10M-row pipeline) neither inflates another's peak RSS nor survives into
it, and a failing script does not stop the others. Output streams through as it is printed and is
also written to ``--log`` (default ``$CDCSIM_BENCH_DIR/last_run.txt``), which ``benchmarks.plots``
reads to draw the PNGs.

The scripts run under jemalloc when it is installed (see :mod:`cdcsim.allocator`: DuckDB's
planning of a small statement is about 30% cheaper on it); ``CDCSIM_MALLOC=system`` runs them on
the C library's allocator. The header of the log says which.

``--quick`` passes small sizes to every script (about a minute in all on a 2-core machine);
without it each script runs with its own defaults (the full suite: 10M bookings, several rates).
Scripts not listed in ``QUICK`` get no extra arguments in quick mode.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from cdcsim import allocator

HERE = Path(__file__).resolve().parent
CACHE_DIR = Path(os.environ.get("CDCSIM_BENCH_DIR", "/tmp/cdcsim-bench"))

# Order: cheap and independent first; the long pipeline sweep last.
ORDER = ["bench_suite_speed", "bench_capture", "bench_scheduler", "bench_refresh", "bench_floors", "bench_pipeline"]
QUICK: dict[str, list[str]] = {
    "bench_capture": ["--rows", "100000", "--single", "200", "--repeats", "3"],
    "bench_scheduler": ["--tasks", "100", "--minutes", "10", "--repeats", "1", "--changes", "100"],
    "bench_refresh": ["--rows", "200000", "--repeats", "3"],
    "bench_floors": ["--rows", "1000000", "--single", "300", "--wal-mib", "16,32", "--repeats", "3"],
    "bench_suite_speed": ["--repeats", "50", "--scenario-repeats", "2"],
    "bench_pipeline": ["--bookings", "200000", "--rates", "1000,10000", "--seconds", "4"],
}
FULL: dict[str, list[str]] = {
    "bench_pipeline": ["--bookings", "10000000", "--rates", "1000,10000,50000,100000,300000", "--seconds", "20",
                       "--drain-timeout", "120"],
}
# Extra runs in full mode: the same script again with other sizes, for context.
FULL_EXTRA: list[tuple[str, list[str]]] = [
    ("bench_pipeline", ["--bookings", "1000000", "--rates", "1000,10000,50000,100000", "--seconds", "15"]),
]


def scripts(only: list[str] | None) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    ordered = [s for s in ORDER if s in found] + [s for s in found if s not in ORDER]
    if only:
        ordered = [s for s in ordered if any(o in s for o in only)]
    return ordered


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        mem = f"{mem_kb / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        mem = "unknown memory"
    import duckdb

    lib = allocator.library()
    malloc = f"jemalloc ({lib})" if lib else "the C library's (CDCSIM_MALLOC=system, or no libjemalloc)"
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, Python {sys.version.split()[0]}, "
            f"DuckDB {duckdb.__version__}; scripts' malloc: {malloc}")


def run_one(name: str, args: list[str], log: object) -> tuple[int, float]:
    cmd = [sys.executable, "-u", "-m", f"benchmarks.{name}", *args]
    header = f"\n# {name} {' '.join(args)}".rstrip()
    print(header, flush=True)
    log.write(header + "\n")  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    # stderr (progress bars) goes straight to the terminal; only stdout (the tables) is logged.
    proc = subprocess.Popen(cmd, cwd=HERE.parent, stdout=subprocess.PIPE, text=True, bufsize=1,
                            env=allocator.child_env())
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        log.write(line)  # type: ignore[attr-defined]
    rc = proc.wait()
    return rc, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes: about a minute in all")
    p.add_argument("--only", action="append", help="run only scripts whose name contains this (repeatable)")
    p.add_argument("--log", default=str(CACHE_DIR / "last_run.txt"), help="copy of the tables (default: %(default)s)")
    a = p.parse_args(argv)
    Path(a.log).parent.mkdir(parents=True, exist_ok=True)
    results = []
    with open(a.log, "w") as log:
        head = (f"# cdcsim benchmarks ({'quick' if a.quick else 'full'}) "
                f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n# machine: {machine()}")
        print(head, flush=True)
        log.write(head + "\n")
        names = scripts(a.only)
        runs = [(n, QUICK.get(n, []) if a.quick else FULL.get(n, [])) for n in names]
        if not a.quick:
            runs += [(n, args) for n, args in FULL_EXTRA if n in names]
        for name, args in runs:
            rc, secs = run_one(name, args, log)
            log.flush()
            results.append([f"{name} {' '.join(args)}".strip(), "ok" if rc == 0 else f"FAILED (exit {rc})",
                            f"{secs:.1f}"])
    from .common import print_table

    print_table("Benchmark scripts (wall seconds)", ["script", "status", "s"], results)
    print(f"\ntables logged to {a.log}; plots: python -m benchmarks.plots --log {a.log}")
    return 0 if all(r[1] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
