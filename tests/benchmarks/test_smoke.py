"""A tiny run of every benchmark script's ``main`` (minimal sizes): each prints its table.

Nothing here asserts on time — the machines are shared and noisy; the figures live in
benchmarks/RESULTS.md. Scripts another issue has not landed yet are skipped, not failed.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `benchmarks` is a package at the repository root

# script -> (minimal argv, text its output must contain)
SMOKE: dict[str, tuple[list[str], str]] = {
    "bench_capture": (["--rows", "2000", "--single", "20", "--repeats", "1"], "## Capture overhead"),
    "bench_scheduler": (["--tasks", "3", "--minutes", "2", "--repeats", "1", "--changes", "5"], "ratio"),
    "bench_suite_speed": (["--repeats", "3", "--scenario-repeats", "1", "--no-fakesnow"],
                          "## Per-statement cost"),
    "bench_pipeline": (["--bookings", "3000", "--rates", "200", "--seconds", "1", "--drain-timeout", "20"],
                       "## Pipeline goals"),
    "bench_refresh": (["--rows", "5000", "--repeats", "1"], "## Refresh time vs delta size"),
    "bench_floors": (["--rows", "5000", "--single", "5", "--wal-mib", "1", "--repeats", "1"],
                     "## Floor: checkpoint"),
}


def _load(name: str):  # noqa: ANN202 - a module
    return importlib.import_module(f"benchmarks.{name}")


@pytest.mark.parametrize("name", ["bench_capture", "bench_scheduler", "bench_suite_speed", "bench_pipeline",
                                  "bench_refresh", "bench_floors"])
def test_script_prints_its_table(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    mod = _load(name)
    argv, expected = SMOKE[name]
    if name == "bench_pipeline":
        # Its prepared-database cache and working copy go to the test's directory.
        monkeypatch.setenv("CDCSIM_BENCH_DIR", str(tmp_path))
        monkeypatch.setattr(mod, "CACHE_DIR", tmp_path)
        argv = [*argv, "--work", str(tmp_path / "run.duckdb")]
    if name == "bench_refresh":
        monkeypatch.setattr(sys, "argv", [name, *argv])  # its main() reads sys.argv
        mod.main()
    else:
        mod.main(argv)
    out = capsys.readouterr().out
    assert expected in out
    if name == "bench_pipeline":
        assert "Pipeline pre-load" in out and "Anchors" in out
        assert not list(tmp_path.glob("run.duckdb*")), "the working copy is removed after the run"


def test_runner_lists_scripts_in_order() -> None:
    runner = _load("__main__")
    names = runner.scripts(None)
    assert names[-1] == "bench_pipeline"  # the long sweep runs last
    assert {"bench_capture", "bench_suite_speed", "bench_pipeline"} <= set(names)
    assert runner.scripts(["suite"]) == ["bench_suite_speed"]
    assert "CPUs" in runner.machine()


def test_runner_runs_a_script_and_logs_its_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runner = _load("__main__")
    monkey_quick = dict(runner.QUICK)
    runner.QUICK["bench_suite_speed"] = ["--repeats", "3", "--scenario-repeats", "1", "--no-fakesnow"]
    try:
        rc = runner.main(["--quick", "--only", "suite_speed", "--log", str(tmp_path / "log.txt")])
    finally:
        runner.QUICK.clear()
        runner.QUICK.update(monkey_quick)
    assert rc == 0
    log = (tmp_path / "log.txt").read_text()
    assert "## Seed scenario" in log and "# machine:" in log
    assert "## Benchmark scripts" in capsys.readouterr().out


def test_plots_from_a_log(tmp_path: Path) -> None:
    plots = _load("plots")
    log = tmp_path / "log.txt"
    log.write_text(
        "## Pipeline throughput and change-to-gold latency (tiny)\n"
        "offered/s  sustained/s  ratio  p50 ms  p99 ms\n"
        "---------  -----------  -----  ------  ------\n"
        "1,000      990          0.99   40      90\n"
        "10,000     9,800        0.98   80      300\n"
        "\n## Incremental vs full refresh (tiny)\n"
        "table   delta  incremental s  full s\n"
        "------  -----  -------------  ------\n"
        "silver  1      0.01           1.0\n"
        "silver  1,000  0.05           1.1\n"
    )
    plots.main(["--log", str(log), "--out", str(tmp_path)])
    assert (tmp_path / "latency.png").stat().st_size > 1000
    assert (tmp_path / "refresh.png").stat().st_size > 1000


def test_poller_counts_a_checkpoint_when_the_wal_shrinks(tmp_path: Path) -> None:
    poller = _load("bench_pipeline").Poller(con=None, wal=tmp_path / "db.duckdb.wal")
    poller.watch_wal()  # no WAL yet
    poller.wal.write_bytes(b"x" * 100)
    poller.watch_wal()
    poller.wal.write_bytes(b"x" * 300)  # grows: no checkpoint
    poller.watch_wal()
    assert poller.checkpoints == 0
    poller.wal.write_bytes(b"")  # emptied by a checkpoint
    poller.watch_wal()
    assert poller.checkpoints == 1
    poller.wal.write_bytes(b"x" * 50)
    poller.watch_wal()
    poller.wal.unlink()  # or removed
    poller.watch_wal()
    assert poller.checkpoints == 2
