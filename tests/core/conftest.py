"""Fixtures shared by the core tests."""

from __future__ import annotations

from datetime import datetime

import pytest

import cdcsim


def _connect() -> cdcsim.Connection:
    return cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 3, 11, 0)))


@pytest.fixture
def con():
    c = _connect()
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


@pytest.fixture(scope="module")
def shared():
    """One connection for a module's property tests (each example is a query or replaces its
    table): ``shared(sql, params)`` returns the rows."""
    c = _connect()
    cur = c.cursor()
    yield lambda sql, params=None: cur.execute(sql, params).fetchall()
    c.close()
