"""The interactive shell driven through a pseudo-terminal (pexpect)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")


def spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "CDCSIM_HISTORY": str(tmp_path / "history"), "TERM": "dumb"}
    child = pexpect.spawn(sys.executable, ["-m", "cdcsim.cli", "sql", *args], env=env, encoding="utf-8",
                          timeout=60, dimensions=(40, 200))
    child.expect_exact("cdcsim> ")
    return child


def test_interactive_session(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--manual-clock", "2025-01-01T00:00")
    # a statement over two lines: the continuation prompt appears until the ';'
    child.sendline("SELECT 1 AS x,")
    child.expect_exact("     -> ")
    child.sendline("  'two' AS y;")
    child.expect_exact("| X | Y   |")
    child.expect(r"1 row in \d+\.\d{3}s")
    child.expect_exact("cdcsim> ")
    # errors are reported and the shell keeps going
    child.sendline("SELECT * FROM nope;")
    child.expect("002003")
    child.expect_exact("cdcsim> ")
    # meta-commands
    child.sendline("!advance 5m")
    child.expect_exact("clock: 2025-01-01 00:00:00 -> 2025-01-01 00:05:00")
    child.expect_exact("cdcsim> ")
    child.sendline("!clock")
    child.expect_exact("2025-01-01 00:05:00 (manual clock)")
    child.expect_exact("cdcsim> ")
    child.sendline("!nonsense")
    child.expect("unknown meta-command")
    child.expect_exact("cdcsim> ")
    child.sendline("!quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    history = (tmp_path / "history").read_text()
    assert "!advance 5m" in history  # readline history is saved on exit


def test_ctrl_d_leaves_and_ctrl_c_clears_buffer(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.sendline("SELECT 1")
    child.expect_exact("     -> ")
    child.sendintr()
    child.expect_exact("cdcsim> ")
    child.sendline("SELECT 5 AS five;")
    child.expect_exact("| FIVE |")
    child.expect_exact("cdcsim> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_second_process_gets_a_clear_error(tmp_path: Path) -> None:
    import subprocess

    db = str(tmp_path / "held.duckdb")
    child = spawn(tmp_path, "--database", db)
    try:
        child.sendline("CREATE TABLE t (id INT);")
        child.expect_exact("cdcsim> ")
        res = subprocess.run([sys.executable, "-m", "cdcsim.cli", "status", "--database", db],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 1
        assert "in use" in res.stderr
    finally:
        child.sendline("!quit")
        child.expect(pexpect.EOF)
        child.close()
