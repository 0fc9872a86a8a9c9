"""Fixtures for the movie-booking pipeline tests: engine connections under virtual time."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import cdcsim

sys.path.insert(0, str(Path(__file__).parent))

from pipeline_helpers import START  # noqa: E402


@pytest.fixture
def manual() -> Iterator[cdcsim.Connection]:
    con = cdcsim.connect(clock=cdcsim.ManualClock(START))
    yield con
    con.close()
