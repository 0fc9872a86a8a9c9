"""A tiny run of benchmarks/bench_scheduler.py: it works end to end (no timing asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def test_bench_scheduler_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_scheduler.py"
    spec = importlib.util.spec_from_file_location("bench_scheduler", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = mod.main(["--tasks", "3", "--minutes", "2", "--repeats", "1", "--changes", "5"])
    assert out["runs"] == 6
    assert out["ratio"] > 0 and out["sched_p99_ms"] >= 0 and out["trigger_p99_ms"] >= 0
    assert "ratio scheduled / direct" in capsys.readouterr().out
