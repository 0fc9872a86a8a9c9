"""A second process opening the database a running ``cdcsim demo`` holds gets a clear message
naming the holder (its pid and command line) — from the library, from ``cdcsim sql`` and from a
second demo — and no traceback. After the demo stops (Ctrl-C), the file opens again with its data.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import cdcsim

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=180, env=env)


def test_a_second_process_is_told_which_demo_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "cdcsim.cli", "demo", "--database", str(db), "--port", str(_free_port()),
         "--rate", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    try:
        assert demo.stdout is not None
        deadline = time.monotonic() + 180
        seen = []
        while True:
            line = demo.stdout.readline()
            seen.append(line)
            if "dashboard at http://127.0.0.1:" in line:
                break
            assert line and time.monotonic() < deadline, "demo did not start:\n" + "".join(seen)

        library = _run(["-c", f"import cdcsim; cdcsim.connect({str(db)!r})"])
        assert library.returncode != 0
        assert "OperationalError" in library.stderr
        assert f"is in use by process {demo.pid}" in library.stderr and "demo" in library.stderr

        for args in (["-m", "cdcsim.cli", "sql", "--database", str(db), "-q", "SELECT 1"],
                     ["-m", "cdcsim.cli", "demo", "--database", str(db), "--setup-only"]):
            out = _run(args)
            assert out.returncode == 1, out
            assert f"process {demo.pid}" in out.stderr and "demo" in out.stderr, out.stderr
            assert "Traceback" not in out.stderr, out.stderr
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.communicate()
    assert demo.returncode == 0
    con = cdcsim.connect(str(db))
    try:
        assert con.cursor().execute("SELECT count(*) FROM raw_movie_bookings").fetchone()[0] > 0
    finally:
        con.close()
