"""The engine's write lock is first come, first served.

The live demo's scheduler runs task after task on one session; with an unfair lock it re-took the
lock the instant it let go, and the booking application's writes waited behind run after run.
"""

from __future__ import annotations

import threading
import time

import pytest

from cdcsim import OperationalError
from cdcsim.engine import WriteLock


def _wait_queued(lock: WriteLock, n: int) -> None:
    deadline = time.monotonic() + 30
    while len(lock._queue) < n:
        assert time.monotonic() < deadline
        time.sleep(0.001)


def test_a_waiting_writer_goes_before_the_holder_takes_the_lock_again() -> None:
    lock = WriteLock()
    scheduler, app = object(), object()
    order: list[str] = []
    lock.acquire(scheduler)

    def writer() -> None:
        lock.acquire(app)
        order.append("app")
        lock.release(app)

    t = threading.Thread(target=writer)
    t.start()
    _wait_queued(lock, 1)
    lock.release(scheduler)
    lock.acquire(scheduler)  # the next task run, straight away
    order.append("scheduler")
    lock.release(scheduler)
    t.join(30)
    assert order == ["app", "scheduler"]


def test_waiters_are_served_in_arrival_order_and_a_timeout_leaves_the_queue() -> None:
    lock = WriteLock()
    holder = object()
    lock.acquire(holder)
    with pytest.raises(OperationalError, match="waiting for a lock"):
        lock.acquire(object(), timeout=0.05)
    assert len(lock._queue) == 0
    order: list[int] = []
    threads = []
    for i in range(4):
        def run(i: int = i) -> None:
            me = object()
            lock.acquire(me)
            order.append(i)
            lock.release(me)
        t = threading.Thread(target=run)
        t.start()
        _wait_queued(lock, i + 1)
        threads.append(t)
    lock.release(holder)
    for t in threads:
        t.join(30)
    assert order == [0, 1, 2, 3]
    # re-entrant for its owner
    lock.acquire(holder)
    lock.acquire(holder)
    lock.release(holder)
    assert lock.held_by(holder)
    lock.release(holder)
    assert not lock.held_by(holder)
