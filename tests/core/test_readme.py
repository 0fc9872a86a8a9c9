"""The README's example runs as written and shows what the README says it shows."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs():
    text = README.read_text()
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own documentation
    rows = ns["con"].cursor().execute("SELECT * FROM bronze").fetchall()
    assert rows == [("B001", "CANCELLED", "INSERT", False, datetime(2025, 9, 3, 11, 1))]
    assert "[('B001', 'CANCELLED', 'INSERT', False, datetime(2025, 9, 3, 11, 1))]" in code


def test_readme_has_the_two_commands():
    text = README.read_text()
    assert "pip install -e . && cdcsim demo" in text
    assert "pip install -e '.[test]' && pytest" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && pytest" in ci
