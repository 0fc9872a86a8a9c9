"""`cdcsim demo`: arguments, pipeline setup, and the clear message when the file is already held."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pipeline_helpers import load_or_skip

import cdcsim
from cdcsim import demo


def test_defaults_are_local_and_live() -> None:
    args = demo.parse_args([])
    assert (args.address, args.port, args.pipeline, args.faithful) == ("127.0.0.1", 8501, "corrected", False)
    assert demo.parse_args(["--pipeline", "seed", "--rate", "5", "--no-traffic"]).rate == 5.0
    with pytest.raises(SystemExit):
        demo.parse_args(["--pipeline", "nope"])


def test_second_demo_on_same_file_gets_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import cdcsim, sys; c = cdcsim.connect({str(db)!r}); print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code = demo.main(["--database", str(db), "--setup-only"])
        err = capsys.readouterr().err
        assert code == 1
        assert "in use by" in err and str(holder.pid) in err
        assert "Traceback" not in err
    finally:
        holder.communicate("", timeout=30)


def test_setup_loads_once_and_sets_cadence(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.duckdb")
    con = cdcsim.connect(db, limits="relaxed")
    try:
        load_or_skip(con, "pipeline.sql")  # skips if the engine lacks tasks / dynamic tables
        con.cursor().execute("DROP TABLE raw_movie_bookings")
        assert demo.setup(con, "corrected") is True
        assert con.cursor().execute("SELECT COUNT(*) FROM raw_movie_bookings").fetchone()[0] == 5
        con.cursor().execute("INSERT INTO raw_movie_bookings (booking_id) VALUES ('KEEP')")
        assert demo.setup(con, "corrected", schedule="1 MINUTE") is False  # reused: data kept
        assert con.cursor().execute("SELECT COUNT(*) FROM raw_movie_bookings").fetchone()[0] == 6
        cur = con.cursor().execute("SHOW TASKS")
        cols = [d[0].lower() for d in cur.description]
        tasks = {r[cols.index("name")].lower(): r for r in cur.fetchall()}
        for name in demo.TASKS:
            assert tasks[name][cols.index("state")] == "started"
            assert "1 MINUTE" in str(tasks[name][cols.index("schedule")]).upper()
    finally:
        con.close()


def test_traffic_through_the_engine() -> None:
    from cdcsim.traffic import BookingGenerator, TrafficRunner

    con = cdcsim.connect()
    try:
        con.execute_string((demo.EXAMPLES / "pipeline.sql").read_text().split("-- Stream:")[0])
        gen = BookingGenerator(seed=8, cancel_rate=1.0, cancel_after_minutes=(0, 0), delete_rate=0.0)
        runner = TrafficRunner(con, gen, rate=10, interval=0.5, now=lambda: datetime(2025, 9, 3, 12, 0))
        for _ in range(4):
            runner.step()
        assert runner.written["errors"] == 0, runner.last_error
        rows = (
            con.cursor().execute("SELECT status, COUNT(*) FROM raw_movie_bookings GROUP BY status").fetchall()
        )
        assert dict(rows) == {"CANCELLED": 15, "BOOKED": 5}  # the last batch's cancellations are not due yet
    finally:
        con.close()


def test_reset_switches_pipelines_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "switch.duckdb")
    assert demo.main(["--database", db, "--setup-only"]) == 0
    assert demo.main(["--database", db, "--setup-only", "--pipeline", "seed"]) == 0
    assert "holds the corrected pipeline" in capsys.readouterr().err
    assert demo.main(["--database", db, "--setup-only", "--pipeline", "seed", "--reset"]) == 0
    con = cdcsim.connect(db)
    try:
        assert demo.loaded_pipeline(con) == "seed"  # no refresh task left behind
        assert con.cursor().execute("SELECT COUNT(*) FROM raw_movie_bookings").fetchone()[0] == 5
    finally:
        con.close()
