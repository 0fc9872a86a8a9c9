"""Helpers for the movie-booking pipeline tests: example files, statements, loading under virtual time."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import cdcsim
from cdcsim.sql.split import split_statements

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings"
START = datetime(2025, 9, 3, 11, 0)


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def statements(name: str) -> list[str]:
    return [s.text for s in split_statements(example(name))]


def task_body(script: str, task: str) -> str:
    """The AS body of CREATE TASK <task> in a pipeline file."""
    for text in statements(script):
        if re.match(rf"CREATE\s+(OR\s+REPLACE\s+)?TASK\s+{task}\b", text, re.I):
            return re.split(r"\bAS\s*\n", text, maxsplit=1)[1].strip()
    raise LookupError(task)


def load_or_skip(con: cdcsim.Connection, script: str) -> None:
    """Load a whole pipeline; skip (naming the statement) only if the engine lacks a feature."""
    for text in statements(script):
        con.cursor().execute(text)
