"""The complete example in docs/testing.md, run as a user's project in a subprocess."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def _blocks() -> dict[str, str]:
    text = DOC.read_text()
    section = text[text.index("## A complete example"):text.index("## The fixtures and markers")]
    found = re.findall(r"^`([^`]+)`[^\n]*\n\n```\w*\n(.*?)^```", section, re.M | re.S)
    return {name: body for name, body in found}


def test_doc_has_the_four_files() -> None:
    assert set(_blocks()) == {"pipeline.sql", "app.py", "pytest.ini", "tests/test_pipeline.py"}


def test_documented_example_passes(tmp_path: Path) -> None:
    for name, body in _blocks().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    eps = importlib.metadata.entry_points(group="pytest11")
    plugin = [] if any(e.value == "cdcsim.pytest_plugin" for e in eps) else ["-p", "cdcsim.pytest_plugin"]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "4 passed" in res.stdout
