"""The process the crash test kills: the corrected movie pipeline running live on a file database.

Run as ``python crash_child.py zygote``: the script imports cdcsim (and pandas, the slow part)
once, then reads one JSON line per run from stdin, forks a worker for it and prints the worker's
pid. The parent SIGKILLs that pid whenever it likes; the zygote ignores SIGCHLD so dead workers
never linger as zombies (``os.kill(pid, 0)`` fails as soon as the worker is gone).

A worker opens the database with ``limits="relaxed"``, puts both tasks on a sub-second schedule,
starts the scheduler (consume task, refresh task, gold's time-based refresh) and writes booking
traffic from ``cdcsim.traffic.BookingGenerator`` as fast as it can, while a side thread forces
checkpoints. Around every source write it appends to a journal:

    P <seq> <json op>     before the statement (the intent)
    C <seq>               after the statement committed
    K                     a forced checkpoint completed (X <error> when DuckDB refused one)

A write that returned is in the kernel's page cache, which SIGKILL does not discard, so the journal
needs no fsync for this test (it would only matter for power loss, which is not simulated). After
the kill the parent knows every committed change (the C records) and at most one change that may
or may not have committed (the last P without its C).

The worker also keeps an ``activity`` file of in-flight counters (DML, task run, refresh,
checkpoint) so the parent can say what each kill interrupted.
"""

from __future__ import annotations

import json
import mmap
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import cdcsim
import cdcsim.dynamic_tables.refresh as dt_refresh
import cdcsim.dynamic_tables.schedule as dt_schedule
import cdcsim.dynamic_tables.statements as dt_statements
import cdcsim.tasks.provider as task_provider
from cdcsim.traffic import Batch, BookingGenerator, write_batch

SCHEDULES = {"consume_stream_task": "0.3 SECONDS", "refresh_insights_task": "0.7 SECONDS"}
SLOTS = {"dml": 0, "task": 1, "refresh": 2, "checkpoint": 3}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


class Activity:
    """In-flight counters in a shared file, readable after the worker died."""

    def __init__(self, path: str):
        with open(path, "wb") as f:
            f.write(bytes(len(SLOTS)))
        self._f = open(path, "r+b")  # noqa: SIM115 - lives as long as the worker
        self.mem = mmap.mmap(self._f.fileno(), len(SLOTS))
        self.lock = threading.Lock()

    @contextmanager
    def during(self, what: str) -> Iterator[None]:
        i = SLOTS[what]
        with self.lock:
            self.mem[i] = min(255, self.mem[i] + 1)
        try:
            yield
        finally:
            with self.lock:
                self.mem[i] = max(0, self.mem[i] - 1)


def _instrument(activity: Activity) -> None:
    def wrap(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            with activity.during(what):
                return fn(*a, **k)
        return inner

    task_provider.run_task = wrap(task_provider.run_task, "task")  # type: ignore[assignment]
    run_pipeline = wrap(dt_refresh.run_pipeline, "refresh")
    dt_refresh.run_pipeline = run_pipeline  # type: ignore[assignment]  # the scheduler imports it late
    dt_statements.run_pipeline = run_pipeline  # type: ignore[assignment]
    assert dt_schedule is not None


class Journal:
    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.seq = 0

    def line(self, text: str) -> None:
        os.write(self.fd, (text + "\n").encode())

    @contextmanager
    def change(self, op: dict[str, Any]) -> Iterator[None]:
        self.seq += 1
        self.line(f"P {self.seq} {json.dumps(op, default=_jsonable)}")
        yield
        self.line(f"C {self.seq}")


def _checkpoints(con: cdcsim.Connection, activity: Activity, journal: Journal, stop: threading.Event) -> None:
    """Force a checkpoint now and then, as DuckDB's own auto-checkpoint would (but more often)."""
    engine = con._engine
    owner = object()
    cur = engine.db.cursor()
    while not stop.wait(0.25):
        engine.lock.acquire(owner)
        try:
            with activity.during("checkpoint"):
                cur.execute("CHECKPOINT")
            journal.line("K")
        except Exception as e:  # noqa: BLE001 - a reader in flight may refuse it; try again later
            journal.line(f"X {type(e).__name__}: {e}".replace("\n", " "))
        finally:
            engine.lock.release(owner, all_levels=True)


def _write(con: cdcsim.Connection, journal: Journal, activity: Activity, batch: Batch, in_txn: bool) -> None:
    parts = []
    if batch.inserts:
        parts.append(("insert", Batch(inserts=batch.inserts), [list(r) for r in batch.inserts]))
    if batch.cancels:
        parts.append(("cancel", Batch(cancels=batch.cancels), list(batch.cancels)))
    if batch.deletes:
        parts.append(("delete", Batch(deletes=batch.deletes), list(batch.deletes)))
    if not parts:
        return
    if in_txn:
        # One transaction: all of its statements commit together or not at all.
        op = {"kind": "txn", "parts": [{"kind": k, "rows": rows} for k, _, rows in parts]}
        with activity.during("dml"), journal.change(op):
            cur = con.cursor()
            cur.execute("BEGIN")
            for _, b, _ in parts:
                write_batch(con, b)
            cur.execute("COMMIT")
        return
    for kind, b, rows in parts:
        with activity.during("dml"), journal.change({"kind": kind, "rows": rows}):
            write_batch(con, b)


def worker(cfg: dict[str, Any]) -> None:
    activity = Activity(cfg["activity"])
    _instrument(activity)
    journal = Journal(cfg["journal"])
    con = cdcsim.connect(cfg["database"], limits="relaxed")
    # Frequent automatic checkpoints too (DuckDB's default threshold is 16 MB of WAL).
    if cfg.get("checkpoints", True):
        con._engine.db.execute("SET checkpoint_threshold = '128KB'")
    cur = con.cursor()
    for task, schedule in SCHEDULES.items():
        cur.execute(f"ALTER TASK {task} SUSPEND")
        cur.execute(f"ALTER TASK {task} SET SCHEDULE = '{schedule}'")
        cur.execute(f"ALTER TASK {task} RESUME")
    if cfg.get("scheduler", True):
        con.start()
    stop = threading.Event()
    if cfg.get("checkpoints", True):
        threading.Thread(target=_checkpoints, args=(con, activity, journal, stop), daemon=True).start()
    gen = BookingGenerator(
        cfg["seed"], id_prefix=cfg["prefix"], invalid_rate=0.05, cancel_rate=0.4, delete_rate=0.05,
        cancel_after_minutes=(0.0005, 0.01),
    )
    journal.line("R")
    rounds = 0
    while True:
        rounds += 1
        batch = gen.batch(int(gen.rng.integers(1, 12)), datetime.now())
        _write(con, journal, activity, batch, in_txn=rounds % 5 == 0)
        time.sleep(0.01)


def zygote() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps dead workers
    for line in sys.stdin:
        if not line.strip():
            continue
        cfg = json.loads(line)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                sys.stdin.close()
                os.close(0)
                worker(cfg)
            except BaseException as e:  # noqa: BLE001 - report and exit without running the zygote's cleanup
                with open(cfg["journal"], "a") as f:
                    f.write(f"E {type(e).__name__}: {e}\n")
                code = 1
            os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["zygote"]:
        zygote()
    else:
        worker(json.loads(sys.argv[1]))
