"""The cdcsim pytest plugin (registered through the ``pytest11`` entry point).

This module owns the fixtures and markers users put in their own test suites:

- ``cdcsim``: a fresh in-memory cdcsim connection on a ``ManualClock`` (so schedules, lags and
  ``CURRENT_TIMESTAMP()`` are deterministic; ``cdcsim.advance(minutes=5)`` runs what falls due),
  closed after the test. Scripts named by ``@pytest.mark.cdcsim_script("pipeline.sql", ...)`` (paths
  relative to the test file, then to the rootdir) or by the ini option ``cdcsim_scripts`` are
  loaded into it first, in that order (ini scripts first).
- ``@pytest.mark.cdcsim(start="2025-09-01T10:00", limits="relaxed")``: per-test clock start and
  limits (defaults: ini options ``cdcsim_start``, default ``2025-01-01T00:00``, and
  ``snowflake`` limits).
- ``cdcsim_snowflake``: ``patch_snowflake()`` for the test: ``snowflake.connector.connect()``
  returns cdcsim connections sharing one database and one manual clock (see :mod:`cdcsim.patch`).
  The fixture value has ``connect()``, ``advance()`` and ``clock``.
- ``pytest --cdcsim-lint``: every ``*.sql`` file under the collected paths becomes a test that
  fails with the file's ``cdcsim lint`` findings.
- ini option ``cdcsim_stand_in = true``: when snowflake-connector-python is not installed, put
  the stand-in ``snowflake.connector`` into ``sys.modules`` at startup, so application modules
  that import it at import time can be collected.

Example (``tests/test_pipeline.py``)::

    import pytest

    @pytest.mark.cdcsim_script("../pipeline.sql")
    def test_task_moves_changes(cdcsim):
        cur = cdcsim.cursor()
        cur.execute("INSERT INTO raw_movie_bookings (booking_id) VALUES ('B1')")
        cdcsim.advance(minutes=1)
        assert cur.execute("SELECT COUNT(*) FROM movie_booking_cdc_events").fetchone()[0] == 1
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

DEFAULT_START = "2025-01-01T00:00"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cdcsim-lint", action="store_true", default=False,
                     help="collect *.sql files and fail those with cdcsim lint findings")
    parser.addini("cdcsim_start", "ManualClock start for the cdcsim fixture (ISO)", default=DEFAULT_START)
    parser.addini("cdcsim_scripts", "SQL scripts loaded into every cdcsim fixture", type="linelist", default=[])
    parser.addini("cdcsim_stand_in", "install a stand-in snowflake.connector when the real one is missing",
                  type="bool", default=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cdcsim_script(*paths): load these SQL scripts into the cdcsim fixture")
    config.addinivalue_line("markers", "cdcsim(start=None, limits=None): clock start / limits for the cdcsim fixture")
    if config.getini("cdcsim_stand_in"):
        from cdcsim.patch import install_stand_in

        install_stand_in()


def _resolve(path: str, request: pytest.FixtureRequest) -> Path:
    p = Path(path)
    if p.is_absolute():
        return p
    for base in (Path(str(request.node.fspath)).parent, Path(str(request.config.rootpath))):
        if (base / p).exists():
            return base / p
    raise FileNotFoundError(f"cdcsim_script: {path} not found next to {request.node.fspath} or in the rootdir")


def _options(request: pytest.FixtureRequest) -> tuple[datetime, str]:
    start = str(request.config.getini("cdcsim_start") or DEFAULT_START)
    limits = "snowflake"
    m = request.node.get_closest_marker("cdcsim")
    if m is not None:
        start = str(m.kwargs.get("start", start))
        limits = str(m.kwargs.get("limits", limits))
    return datetime.fromisoformat(start), limits


def load_script(con: Any, path: Path) -> None:
    """Run every statement of ``path`` on ``con``; a failure names the file and line."""
    from cdcsim.sql.split import split_statements

    for st in split_statements(path.read_text(encoding="utf-8")):
        try:
            con.cursor().execute(st.text)
        except Exception as e:
            raise RuntimeError(f"{path}:{st.line}: {e}") from e


@pytest.fixture
def cdcsim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh in-memory cdcsim connection on a ManualClock, with marked scripts loaded."""
    import cdcsim as lib

    start, limits = _options(request)
    con = lib.connect(clock=lib.ManualClock(start), limits=limits)
    try:
        scripts = [str(s) for s in request.config.getini("cdcsim_scripts")]
        for m in reversed(list(request.node.iter_markers("cdcsim_script"))):
            scripts += [str(a) for a in m.args]
        for s in scripts:
            load_script(con, _resolve(s, request))
        yield con
    finally:
        con.close()


@pytest.fixture
def cdcsim_snowflake(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``patch_snowflake()`` for one test: snowflake.connector.connect() returns cdcsim connections."""
    import cdcsim as lib
    from cdcsim.patch import patch_snowflake

    start, limits = _options(request)
    with patch_snowflake(clock=lib.ManualClock(start), limits=limits) as sf:
        yield sf


class LintItem(pytest.Item):
    """One SQL file checked by cdcsim lint."""

    def runtest(self) -> None:
        from cdcsim.lint import lint_file

        findings = lint_file(str(self.path))
        if findings:
            raise LintFailure(findings)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, LintFailure):
            from cdcsim.lint import render

            return render(excinfo.value.findings)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, 0, f"cdcsim lint {self.path.name}"


class LintFailure(Exception):
    def __init__(self, findings: list[Any]) -> None:
        super().__init__(f"{len(findings)} lint finding(s)")
        self.findings = findings


class LintFile(pytest.File):
    def collect(self) -> list[pytest.Item]:
        return [LintItem.from_parent(self, name="cdcsim-lint")]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".sql" and parent.config.getoption("cdcsim_lint"):
        return LintFile.from_parent(parent, path=file_path)
    return None
