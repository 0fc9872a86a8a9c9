"""The cdcsim command, driven through subprocess: exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "movie_bookings"


def cdcsim(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
           stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "cdcsim.cli", *args], cwd=cwd, env=full_env, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_no_command_prints_help_and_exits_2() -> None:
    res = cdcsim()
    assert res.returncode == 2
    assert "sql" in res.stdout and "lint" in res.stdout


def test_sql_query_prints_table() -> None:
    res = cdcsim("sql", "-q", "SELECT 1 AS x, 'a' AS y")
    assert res.returncode == 0, res.stderr
    assert "| X | Y |" in res.stdout
    assert "| 1 | a |" in res.stdout
    assert res.stderr == ""


def test_sql_stops_at_first_error_with_stderr() -> None:
    res = cdcsim("sql", "-q", "SELECT 1 AS first_one; SELECT * FROM nope; SELECT 2 AS never_run")
    assert res.returncode == 1
    assert "FIRST_ONE" in res.stdout and "NEVER_RUN" not in res.stdout
    assert "002003" in res.stderr and "NOPE" in res.stderr


def test_sql_file_error_reports_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "s.sql"
    script.write_text("CREATE TABLE t (id INT);\n-- comment\n\nINSERT INTO missing VALUES (1);\n")
    res = cdcsim("sql", "-f", str(script))
    assert res.returncode == 1
    assert f"{script}:4: Error:" in res.stderr


def test_sql_formats(tmp_path: Path) -> None:
    res = cdcsim("sql", "--format", "csv", "-q", "SELECT 1 AS a, NULL AS b")
    assert res.stdout.strip().splitlines() == ["A,B", "1,"]
    res = cdcsim("sql", "--format", "json", "-q", "SELECT 1 AS a, 'x' AS b")
    assert json.loads(res.stdout) == [{"A": 1, "B": "x"}]


def test_manual_clock_meta_commands_in_script(tmp_path: Path) -> None:
    script = tmp_path / "clock.sql"
    script.write_text("SELECT CURRENT_TIMESTAMP() AS t0;\n!clock\n!advance 90m\nSELECT CURRENT_TIMESTAMP() AS t1;\n")
    res = cdcsim("sql", "--manual-clock", "2025-01-01T00:00", "-f", str(script))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "2025-01-01 00:00:00 (manual clock)" in out
    assert "clock: 2025-01-01 00:00:00 -> 2025-01-01 01:30:00" in out
    assert out.index("T0") < out.index("(manual clock)") < out.index("T1")
    assert "| 2025-01-01 01:30:00 |" in out


def test_advance_without_manual_clock_fails() -> None:
    res = cdcsim("sql", "-q", "!advance 5m")
    assert res.returncode == 1
    assert "--manual-clock" in res.stderr


def test_source_meta_command(tmp_path: Path) -> None:
    (tmp_path / "inner.sql").write_text("CREATE TABLE t (id INT);\nINSERT INTO t VALUES (7);\n")
    (tmp_path / "outer.sql").write_text(f"!source {tmp_path / 'inner.sql'}\nSELECT id FROM t;\n")
    res = cdcsim("sql", "-f", str(tmp_path / "outer.sql"))
    assert res.returncode == 0, res.stderr
    assert "|  7 |" in res.stdout


def test_stdin_script() -> None:
    res = cdcsim("sql", stdin="SELECT 42 AS answer;\n")
    assert res.returncode == 0 and re.search(r"\|\s+42 \|", res.stdout)


def test_database_file_persists(tmp_path: Path) -> None:
    db = str(tmp_path / "x.duckdb")
    assert cdcsim("sql", "--database", db, "-q", "CREATE TABLE t (id INT); INSERT INTO t VALUES (5)").returncode == 0
    res = cdcsim("sql", "--database", db, "-q", "SELECT id FROM t")
    assert res.returncode == 0 and re.search(r"\|\s+5 \|", res.stdout)


def test_scripting_block_is_one_statement(tmp_path: Path) -> None:
    script = tmp_path / "b.sql"
    script.write_text("CREATE TABLE t (id INT);\nSELECT 'a;b' AS s; -- ; in a string\n")
    res = cdcsim("sql", "-f", str(script))
    assert res.returncode == 0, res.stderr
    assert "| a;b |" in res.stdout


LINT_BAD = """CREATE TABLE src (id INT);
CREATE STREAM s ON TABLE src;
CREATE TABLE sink (id INT, action STRING);
CREATE TASK t SCHEDULE = '1 MINUTE' AS
  INSERT INTO sink SELECT id, METADATA$ACTION FROM s WHERE METADATA$ACTION = 'UPDATE';
"""


def test_lint_exit_codes_and_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text(LINT_BAD)
    res = cdcsim("lint", str(bad))
    assert res.returncode == 1
    assert f"{bad}:5: CDC001" in res.stdout
    assert f"{bad}:4: CDC005" in res.stdout
    res = cdcsim("lint", "--format", "json", str(bad))
    assert res.returncode == 1
    assert sorted(f["rule"] for f in json.loads(res.stdout)) == ["CDC001", "CDC005"]
    good = tmp_path / "good.sql"
    good.write_text(LINT_BAD.replace("'UPDATE'", "'INSERT'") + "ALTER TASK t RESUME;\n")
    res = cdcsim("lint", str(good))
    assert res.returncode == 0, res.stdout


def test_lint_directory(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.sql").write_text(LINT_BAD)
    (tmp_path / "ok.sql").write_text("SELECT 1;\n")
    res = cdcsim("lint", str(tmp_path))
    assert res.returncode == 1 and "bad.sql:5: CDC001" in res.stdout and "ok.sql" not in res.stdout


def test_lint_missing_file() -> None:
    res = cdcsim("lint", "/nonexistent/x.sql")
    assert res.returncode == 2 and "Error" in res.stderr


def test_lint_seed_and_pipeline() -> None:
    seed = cdcsim("lint", str(EXAMPLES / "seed.sql"))
    assert seed.returncode == 1
    assert "CDC001" in seed.stdout and "CDC002" in seed.stdout and "movie_booking_insights" in seed.stdout
    assert cdcsim("lint", str(EXAMPLES / "pipeline.sql")).returncode == 0


def test_deploy_dry_run_and_missing_connection(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\nCREATE STREAM s ON TABLE t;\n")
    res = cdcsim("deploy", str(script), "--connection", "dev", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert res.stdout.index("CREATE TABLE t") < res.stdout.index("CREATE STREAM s")
    script.write_text("CREATE TABLE t (id INT);\nCREATE STREAM s ON TABLE t;\n"
                      "CREATE TASK k SCHEDULE = '1 MINUTE' AS INSERT INTO t SELECT id FROM s;\n")
    res = cdcsim("deploy", str(script), "--dry-run")
    assert res.returncode == 0 and f"{script}:3: warning: CDC005 task-never-resumed" in res.stderr
    res = cdcsim("deploy", str(script), "--connection", "dev", env={"SNOWFLAKE_HOME": str(tmp_path)})
    assert res.returncode == 1
    assert "connections.toml not found" in res.stderr


def test_status_shows_streams(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\nCREATE STREAM s ON TABLE t;\nINSERT INTO t VALUES (1);\n")
    res = cdcsim("status", "--manual-clock", "2025-01-01", "-f", str(script))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "now: 2025-01-01 00:00:00" in out
    streams = out[out.index("Streams"):out.index("Tasks")]
    assert "| S " in streams and "True" in streams
    assert "Dynamic tables" in out


def test_run_virtual_reports_window(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\n")
    res = cdcsim("run", str(script), "--virtual", "2h", "--start", "2025-01-01T00:00")
    assert res.returncode == 0, res.stderr
    assert "virtual time 2025-01-01 00:00:00 -> 2025-01-01 02:00:00" in res.stdout


def test_run_rejects_bad_duration(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("SELECT 1;\n")
    res = cdcsim("run", str(script), "--virtual", "soon")
    assert res.returncode == 2 and "duration" in res.stderr


def test_demo_is_forwarded(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from cdcsim import cli

    seen: list[list[str]] = []
    fake = types.ModuleType("cdcsim.demo")
    fake.main = lambda argv: seen.append(list(argv)) or 3  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cdcsim.demo", fake)
    assert cli.main(["demo", "--port", "8501", "--help"]) == 3
    assert seen == [["--port", "8501", "--help"]]


def test_bench_is_forwarded(monkeypatch: pytest.MonkeyPatch) -> None:
    from cdcsim import cli

    calls: list[list[str]] = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd=None: calls.append(cmd) or 0)
    rc = cli.main(["bench", "--quick"])
    if calls:
        assert rc == 0 and calls[0][1:] == ["-m", "benchmarks", "--quick"]
    else:
        assert rc == 2


TASK_PIPELINE = """CREATE TABLE bookings (id INT, status STRING);
CREATE STREAM s ON TABLE bookings;
CREATE TABLE ev (id INT, status STRING, action STRING);
CREATE TASK mv SCHEDULE = '5 MINUTES' WHEN SYSTEM$STREAM_HAS_DATA('s')
  AS INSERT INTO ev SELECT id, status, METADATA$ACTION FROM s;
CREATE TASK child AFTER mv AS SELECT 1;
ALTER TASK child RESUME;
ALTER TASK mv RESUME;
INSERT INTO bookings VALUES (1, 'BOOKED');
"""


def test_run_virtual_prints_task_runs_in_order(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text(TASK_PIPELINE)
    res = cdcsim("run", str(script), "--virtual", "16m", "--start", "2025-01-01T00:00", "--status")
    assert res.returncode == 0, res.stderr
    assert "now: 2025-01-01 00:16:00" in res.stdout and "Dynamic tables" in res.stdout
    lines = [ln.split() for ln in res.stdout.splitlines() if "  task  " in ln]
    assert [(ln[1], ln[3], ln[4]) for ln in lines] == [
        ("00:05:00", "MV", "SUCCEEDED"),
        ("00:05:00", "CHILD", "SUCCEEDED"),  # the child runs after its root
        ("00:10:00", "MV", "SKIPPED"),  # WHEN found the stream empty
        ("00:15:00", "MV", "SKIPPED"),
    ]
    assert "4 task runs, 0 refreshes" in res.stdout


def test_run_stops_on_script_error(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\nINSERT INTO missing VALUES (1);\n")
    res = cdcsim("run", str(script), "--virtual", "5m")
    assert res.returncode == 1
    assert f"{script}:2: Error" in res.stderr


def test_status_shows_tasks_with_last_and_next_run(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text(TASK_PIPELINE)
    res = cdcsim("status", "--manual-clock", "2025-01-01", "-f", str(script), "--advance", "6m")
    assert res.returncode == 0, res.stderr
    tasks = res.stdout[res.stdout.index("Tasks"):res.stdout.index("Dynamic tables")]
    mv = next(ln for ln in tasks.splitlines() if ln.startswith("| MV "))
    assert "started" in mv and "5 MINUTES" in mv
    assert "SUCCEEDED @ 2025-01-01 00:05:00" in mv and "2025-01-01 00:10:00" in mv
    child = next(ln for ln in tasks.splitlines() if ln.startswith("| CHILD "))
    assert "| MV " in child


def test_sql_advance_prints_what_ran(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text(TASK_PIPELINE + "!advance 5m\nSELECT COUNT(*) AS moved FROM ev;\n!status\n")
    res = cdcsim("sql", "--manual-clock", "2025-01-01", "-f", str(script))
    assert res.returncode == 0, res.stderr
    assert re.search(r"2025-01-01 00:05:00\s+task\s+MV\s+SUCCEEDED", res.stdout)
    assert "2 task runs, 0 refreshes" in res.stdout
    assert re.search(r"\|\s+1 \|", res.stdout.split("MOVED")[1])
    status = res.stdout.split("now: 2025-01-01 00:05:00")[1]
    assert "Streams" in status and re.search(r"\| MV\s+\| started", status)


def test_engine_agrees_with_lint_about_the_seed() -> None:
    """What CDC002 predicts: the seed's DOWNSTREAM tables never refresh; the corrected ones do."""
    data = str(EXAMPLES / "sample_data.sql")
    seed = cdcsim("run", str(EXAMPLES / "seed.sql"), data, "--virtual", "5m", "--start", "2025-09-01T10:00")
    assert seed.returncode == 0, seed.stderr
    assert "CONSUME_STREAM_TASK" in seed.stdout
    assert "  refresh  " not in seed.stdout and ", 0 refreshes" in seed.stdout
    fixed = cdcsim("run", str(EXAMPLES / "pipeline.sql"), data, "--virtual", "5m", "--start", "2025-09-01T10:00")
    assert fixed.returncode == 0, fixed.stderr
    assert re.search(r"refresh\s+MOVIE_BOOKING_INSIGHTS\s+SUCCEEDED", fixed.stdout)


def test_run_real_time_for_a_duration(tmp_path: Path) -> None:
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\n")
    res = cdcsim("run", str(script), "--for", "1s")
    assert res.returncode == 0, res.stderr
    assert "running in real time for 1s" in res.stdout
    assert "--for" in cdcsim("run", str(script), "--for", "1s", "--virtual", "1m").stderr


def test_deploy_runs_through_the_named_connection(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from cdcsim import cli, deploy

    executed: list[str] = []
    names: list[str] = []

    class Cur:
        def execute(self, sql: str) -> None:
            executed.append(sql)

        def close(self) -> None:
            pass

    class Con:
        def cursor(self) -> Cur:
            return Cur()

    monkeypatch.setattr(deploy, "snowflake_connect", lambda name: names.append(name) or Con())
    script = tmp_path / "p.sql"
    script.write_text("CREATE TABLE t (id INT);\nCREATE STREAM s ON TABLE t;\n")
    assert cli.main(["deploy", str(script), "--connection", "prod"]) == 0
    assert names == ["prod"]
    assert executed == ["CREATE TABLE t (id INT)", "CREATE STREAM s ON TABLE t"]
    assert "deployed 2 statements to connection 'prod'" in capsys.readouterr().out
