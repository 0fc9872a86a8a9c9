"""Fixtures for dynamic-table tests: engines under virtual time (ManualClock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dthelpers import START

import cdcsim


@pytest.fixture
def con() -> Iterator[cdcsim.Connection]:
    c = cdcsim.connect(clock=cdcsim.ManualClock(START))
    yield c
    c.close()
