"""Fixtures for task tests: ManualClock connections at T0 (default and relaxed limits)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from taskdb import DB, T0

import cdcsim


@pytest.fixture
def db() -> Iterator[DB]:
    con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    yield DB(con)
    con.close()


@pytest.fixture
def relaxed() -> Iterator[DB]:
    con = cdcsim.connect(clock=cdcsim.ManualClock(T0), limits="relaxed")
    yield DB(con)
    con.close()
