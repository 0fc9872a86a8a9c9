"""deploy: statement order, dry run, failures, connections.toml, and that shipped SQL parses."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cdcsim.deploy import DeployError, check_script, connection_params, deploy

SCRIPT = """-- pipeline
CREATE TABLE t (id INT);
CREATE STREAM s ON TABLE t;  -- inline comment
CREATE TASK k SCHEDULE = '1 MINUTE' AS
BEGIN
  INSERT INTO t SELECT 1;
  INSERT INTO t SELECT 2;
END;
ALTER TASK k RESUME;
"""


class FakeCursor:
    def __init__(self, log: list[str], fail_on: str | None) -> None:
        self.log, self.fail_on, self.closed = log, fail_on, False

    def execute(self, sql: str) -> FakeCursor:
        if self.fail_on and self.fail_on in sql:
            raise RuntimeError("002003 (42S02): SQL compilation error: object does not exist")
        self.log.append(sql)
        return self

    def close(self) -> None:
        self.closed = True


class FakeConnection:
    def __init__(self, fail_on: str | None = None) -> None:
        self.executed: list[str] = []
        self.cursors: list[FakeCursor] = []
        self.fail_on = fail_on

    def cursor(self) -> FakeCursor:
        c = FakeCursor(self.executed, self.fail_on)
        self.cursors.append(c)
        return c


def test_deploy_runs_statements_in_order() -> None:
    con = FakeConnection()
    out = io.StringIO()
    assert deploy(SCRIPT, con, out=out, suspend_tasks=False) == 4
    assert [s.split()[0:2] for s in con.executed] == [
        ["CREATE", "TABLE"], ["CREATE", "STREAM"], ["CREATE", "TASK"], ["ALTER", "TASK"]]
    assert "INSERT INTO t SELECT 2;" in con.executed[2]  # the scripting block stays whole
    assert con.cursors[0].closed
    assert "[4/4] line 9" in out.getvalue()


def test_deploy_stops_at_first_failure_with_line() -> None:
    con = FakeConnection(fail_on="STREAM")
    with pytest.raises(DeployError, match=r"statement 2 \(line 3\)"):
        deploy(SCRIPT, con, out=io.StringIO(), suspend_tasks=False)
    assert len(con.executed) == 1


def test_dry_run_prints_and_never_connects() -> None:
    out = io.StringIO()

    def boom() -> None:
        raise AssertionError("dry run must not connect")

    assert deploy(SCRIPT, dry_run=True, out=out, connect=boom, suspend_tasks=False) == 4
    text = out.getvalue()
    assert text.index("CREATE TABLE") < text.index("CREATE STREAM") < text.index("ALTER TASK")
    assert "-- [3/4] line 4" in text


def test_root_tasks_are_suspended_first() -> None:
    script = (
        "CREATE OR REPLACE TASK root SCHEDULE = '1 MINUTE' AS SELECT 1;\n"
        "CREATE OR REPLACE TASK child AFTER root AS SELECT 2;\n"
        "CREATE TASK solo SCHEDULE = '5 MINUTES' AS SELECT 3;\n"
        "CREATE OR REPLACE TASK root SCHEDULE = '2 MINUTES' AS SELECT 4;\n"
        "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root');\n"
    )
    con = FakeConnection()
    out = io.StringIO()
    assert deploy(script, con, out=out) == 7
    assert con.executed[:2] == ["ALTER TASK IF EXISTS root SUSPEND", "ALTER TASK IF EXISTS solo SUSPEND"]
    assert "[1/7] added: suspend before replacing" in out.getvalue()
    assert con.executed[2].startswith("CREATE OR REPLACE TASK root")


def test_connections_toml(tmp_path: Path) -> None:
    f = tmp_path / "connections.toml"
    f.write_text('[dev]\naccount = "xy123"\nuser = "me"\n')
    assert connection_params("dev", f) == {"account": "xy123", "user": "me"}
    with pytest.raises(DeployError, match="'prod' not found.*known: dev"):
        connection_params("prod", f)
    with pytest.raises(DeployError, match="not found"):
        connection_params("dev", tmp_path / "missing.toml")


def test_check_reports_unparseable_body() -> None:
    bad = "CREATE TASK k SCHEDULE = '1 MINUTE' AS SELEC 1 FRM x;\nSELECT 1;"
    checked = check_script(bad)
    assert checked[0].error and checked[1].error is None


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.rglob("*.sql")), ids=lambda p: p.name)
def test_shipped_example_sql_parses(path: Path) -> None:
    problems = [(c.statement.line, c.error) for c in check_script(path.read_text()) if c.error]
    assert problems == []


def test_scripting_statements_are_recognised_and_a_broken_block_is_not() -> None:
    script = ("CREATE PROCEDURE p(a INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN a; END $$;\n"
              "CALL p(1);\nDECLARE x INT DEFAULT 1; BEGIN RETURN x; END;\n"
              "EXECUTE IMMEDIATE $$ BEGIN RETURN 1; END $$;\nINSERT ALL INTO a SELECT 1;\n"
              "BEGIN IF (TRUE) THEN RETURN 1; END;\n")
    checked = check_script(script)
    assert [c.error is None for c in checked] == [True, True, True, True, True, False]
    assert [c.kind for c in checked[1:4]] == ["CALL", "SCRIPTING BLOCK", "EXECUTE IMMEDIATE"]
    assert "expected IF" in (checked[5].error or "")
