"""Fixtures shared by the core tests."""

from __future__ import annotations

from datetime import datetime

import pytest

import cdcsim


@pytest.fixture
def con():
    c = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))
    yield c
    c.close()


@pytest.fixture
def q(con):
    """Run one statement and return its rows."""
    cur = con.cursor()

    def run(sql, params=None):
        return cur.execute(sql, params).fetchall()

    run.cur = cur  # the cursor, for a test that checks the answer's column names
    return run
