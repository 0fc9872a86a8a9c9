"""cdcsim.allocator: the cdcsim command and the benchmarks restart under jemalloc, once, and only
when it is installed and wanted. CI installs Debian's libjemalloc2, so the jemalloc branch runs
there; on a machine without it the same tests check that nothing changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cdcsim import allocator

ROOT = Path(__file__).resolve().parents[2]
LIB = allocator.library({})
EXPECTED = "jemalloc" if LIB else "system"
REPORT = "from cdcsim import allocator; import sys; print(allocator.in_use(), sys.argv[1:])"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", allocator.ENV_CHOICE, allocator.ENV_PATH, allocator._ENV_DONE)}
    return {**env, **extra}


def run(code: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], env=clean_env(**extra), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_reexec_restarts_the_same_command_line_under_jemalloc() -> None:
    res = run("from cdcsim import allocator; allocator.reexec(); " + REPORT, "a", "b c")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{EXPECTED} ['a', 'b c']"


def test_cdcsim_malloc_system_keeps_the_c_library_allocator() -> None:
    res = run("from cdcsim import allocator; allocator.reexec(); " + REPORT, **{allocator.ENV_CHOICE: "system"})
    assert res.stdout.strip() == "system []"


def test_a_library_that_cannot_be_preloaded_runs_the_command_once_on_the_c_allocator(tmp_path: Path) -> None:
    bad = tmp_path / "libjemalloc.so.2"
    bad.write_text("not a shared object")
    code = ("import os, sys; from cdcsim import allocator; "
            "print('start', os.environ.get('_CDCSIM_MALLOC_REEXEC'), flush=True); allocator.reexec(); " + REPORT)
    res = run(code, **{allocator.ENV_PATH: str(bad)})
    assert res.returncode == 0
    # started twice (the exec'd process is marked), then ran on glibc instead of exec'ing forever
    assert res.stdout.split("\n")[:3] == ["start None", "start 1", "system []"]
    assert "cannot be preloaded" in res.stderr


def test_child_env_prepends_the_library_and_respects_an_existing_choice(tmp_path: Path) -> None:
    lib = tmp_path / "libjemalloc.so.2"
    lib.write_bytes(b"\x7fELF")
    base = {allocator.ENV_PATH: str(lib), "LD_PRELOAD": "/opt/libfoo.so", "X": "1"}
    assert allocator.child_env(base) == {**base, "LD_PRELOAD": f"{lib} /opt/libfoo.so"}
    other = {allocator.ENV_PATH: str(lib), "LD_PRELOAD": "/opt/libmimalloc.so.2"}
    assert allocator.child_env(other) == other  # the caller already picked an allocator
    off = {allocator.ENV_PATH: str(lib), allocator.ENV_CHOICE: "system"}
    assert allocator.child_env(off) == off
    assert allocator.library({allocator.ENV_PATH: str(tmp_path / "missing.so")}) is None


def test_the_cdcsim_command_restarts_for_sql_but_not_for_lint(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\n")
    code = ("import sys; from cdcsim import allocator, cli; sys.argv = ['cdcsim', *sys.argv[1:]]; "
            "rc = cli.entry(); print(allocator.in_use()); sys.exit(rc)")
    sql = run(code, "sql", "-q", "SELECT 40 + 2 AS answer")
    assert sql.returncode == 0, sql.stderr
    assert "42" in sql.stdout and sql.stdout.split()[-1] == EXPECTED
    lint = run(code, "lint", str(script))
    assert lint.returncode == 0, lint.stderr
    assert lint.stdout.split()[-1] == "system"


def test_benchmark_scripts_start_under_the_allocator_the_header_names(tmp_path: Path) -> None:
    code = ("import subprocess, sys; from cdcsim import allocator; from benchmarks.__main__ import machine; "
            "print(machine()); subprocess.run([sys.executable, '-c', "
            "'from cdcsim import allocator; print(allocator.in_use())'], env=allocator.child_env(), check=True)")
    res = run(code)
    assert res.returncode == 0, res.stderr
    header, child = res.stdout.strip().split("\n")
    assert child == EXPECTED
    assert ("malloc: jemalloc" in header) == bool(LIB)
