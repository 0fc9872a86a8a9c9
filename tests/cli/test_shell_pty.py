"""The interactive shell driven through a pseudo-terminal (stdlib pty, no extra dependency)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path


class Pty:
    """A tiny expect: a child process on a pty, read until a text or pattern appears."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()

        def make_controlling_tty() -> None:
            # A controlling terminal makes ^C raise SIGINT in the shell, as at a real prompt.
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            # ...and SIGINT must not be inherited as ignored: a shell script that starts pytest in
            # the background (`pytest &`) ignores it, and Python then installs no handler.
            signal.signal(signal.SIGINT, signal.SIG_DFL)

        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     preexec_fn=make_controlling_tty, close_fds=True)
        os.close(slave)
        self.fd = master
        self.buf = ""
        self.last_seen = ""

    def _read(self, deadline: float) -> bool:
        r, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the child closed the pty
            return False
        if not data:
            return False
        self.buf += data.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def expect(self, pattern: str, timeout: float = 60, exact: bool = False) -> str:
        deadline = time.monotonic() + timeout
        while True:
            m = (self.buf.find(pattern), len(pattern)) if exact else None
            if exact and m and m[0] >= 0:
                end = m[0] + m[1]
            elif not exact and (rm := re.search(pattern, self.buf)):
                end = rm.end()
            else:
                if time.monotonic() >= deadline or not self._read(deadline):
                    raise AssertionError(f"did not see {pattern!r}; output so far:\n{self.buf}")
                continue
            seen, self.buf = self.buf[:end], self.buf[end:]
            self.last_seen = seen
            return seen

    def expect_exact(self, text: str, timeout: float = 60) -> str:
        return self.expect(text, timeout, exact=True)

    def sendline(self, text: str) -> None:
        os.write(self.fd, text.encode() + b"\r")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(min(deadline, time.monotonic() + 0.2))
        rc = self.proc.wait(timeout=1)
        os.close(self.fd)
        return rc


def spawn(tmp_path: Path, *args: str) -> Pty:
    env = {**os.environ, "CDCSIM_HISTORY": str(tmp_path / "history"), "TERM": "dumb"}
    child = Pty([sys.executable, "-m", "cdcsim.cli", "sql", *args], env)
    child.expect_exact("cdcsim> ")
    return child


def test_interactive_session(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--manual-clock", "2025-01-01T00:00")
    assert "(in-memory database, manual clock at 2025-01-01 00:00:00)" in child.last_seen
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
    assert child.wait() == 0
    history = (tmp_path / "history").read_text()
    assert "!advance 5m" in history  # readline history is saved on exit


def test_ctrl_d_leaves_and_ctrl_c_clears_buffer(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.sendline("SELECT 1")
    child.expect_exact("     -> ")
    # readline installs its terminal settings just after drawing the prompt; a ^C sent in that
    # instant can be lost, so give it a moment (no timing is asserted).
    time.sleep(0.5)
    child.send("\x03")
    child.expect_exact("cdcsim> ")
    child.sendline("SELECT 5 AS five;")
    child.expect_exact("| FIVE |")
    child.expect_exact("cdcsim> ")
    child.send("\x04")
    assert child.wait() == 0


def test_second_process_gets_a_clear_error(tmp_path: Path) -> None:
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
        child.wait()


def test_tab_completes_keywords_and_object_names(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.sendline("CREATE TABLE bookings_raw (id INT);")
    child.expect_exact("cdcsim> ")
    time.sleep(0.3)  # let readline take the terminal before the TAB arrives (nothing is timed)
    child.send("SEL\t 1 AS one FROM bookin\t;\r")  # the space: readline may not append one
    child.expect_exact("| ONE |")
    child.expect_exact("0 rows")
    child.expect_exact("cdcsim> ")
    child.sendline("!quit")
    assert child.wait() == 0
