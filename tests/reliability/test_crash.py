"""Crash consistency: SIGKILL the live pipeline at random moments; nothing committed is lost or doubled.

One database file lives through every kill. Each round a worker process (``crash_child.py``,
forked from a zygote that imported cdcsim once) runs the corrected pipeline with sub-second task
schedules, gold on a two-second target lag, booking traffic (single statements and multi-statement
transactions) and forced checkpoints; after a random delay the test SIGKILLs it, reopens the file
(DuckDB replays its WAL) and checks:

1. durability: the source table holds exactly the changes the worker's journal says committed
   (plus, at most, the one statement that was in flight — committed or not, never half);
   about one kill in eight lands during the worker's start-up instead (WAL replay, ALTER TASK);
2. no run is left EXECUTING and no task run or refresh failed;
3. bronze's events replayed window by window, plus the stream's pending delta, give exactly the
   source table (every change once: none lost, none duplicated — the stream holds exactly what
   bronze lacks);
4. after catching up (every fifth kill and the last; EXECUTE TASK, manual refresh): the stream is empty, bronze alone gives the
   source, no booking was created twice in bronze, silver equals its query recomputed from bronze
   and gold its query recomputed from silver (the incremental state survived the crash).
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline_checks import (
    GOLD,
    PIPELINE,
    SILVER,
    STREAM,
    duplicate_new_bookings,
    executing_runs,
    failed_runs,
    first_difference,
    query_of,
    replay_bronze,
    rows,
    table_equals_query,
)

import cdcsim

CHILD = Path(__file__).with_name("crash_child.py")
ROUNDS = int(os.environ.get("CDCSIM_CRASH_ROUNDS", "50"))
# The full catch-up check (run the consume task, refresh, recompute silver and gold) is the slow
# part; between those the next worker's own tasks do the catching up, live.
CATCH_UP_EVERY = 5
EARLY_KILLS = float(os.environ.get("CDCSIM_CRASH_EARLY", "0.12"))  # share of kills during start-up
SLOTS = ("dml", "task", "refresh", "checkpoint")
KEY_COLUMNS = ("customer_id", "movie_id", "booking_date", "status", "ticket_count", "ticket_price")

Model = dict[str, tuple[Any, ...]]


# ---------------------------------------------------------------------------- the journal model
def _row(values: list[Any]) -> tuple[str, tuple[Any, ...]]:
    booking_id, customer, movie, when, status, tickets, price = values
    return booking_id, (customer, movie, datetime.fromisoformat(when), status, tickets, Decimal(price))


def apply_op(model: Model, op: dict[str, Any]) -> None:
    kind = op["kind"]
    if kind == "txn":
        for part in op["parts"]:
            apply_op(model, part)
    elif kind == "insert":
        for values in op["rows"]:
            k, v = _row(values)
            model[k] = v
    elif kind == "cancel":
        for k in op["rows"]:
            if k in model and model[k][3] == "BOOKED":
                model[k] = model[k][:3] + ("CANCELLED",) + model[k][4:]
    elif kind == "delete":
        for k in op["rows"]:
            model.pop(k, None)


def read_journal(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any] | None, bool, str | None]:
    """(committed ops in order, the op in flight or None, ready seen, worker error)."""
    intents: dict[int, dict[str, Any]] = {}
    committed: list[dict[str, Any]] = []
    ready, error = False, None
    last_done = 0
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines():
        if line == "R":
            ready = True
        elif line.startswith("P "):
            _, seq, payload = line.split(" ", 2)
            intents[int(seq)] = json.loads(payload)
        elif line.startswith("C "):
            seq = int(line.split()[1])
            committed.append(intents.pop(seq))
            last_done = seq
        elif line.startswith("E "):
            error = line
    pending = [intents[s] for s in sorted(intents) if s > last_done]
    assert len(pending) <= 1, f"more than one statement in flight: {pending}"
    return committed, (pending[0] if pending else None), ready, error


def source_keys(con: cdcsim.Connection) -> Model:
    cols = ", ".join(KEY_COLUMNS)
    return {r[0]: tuple(r[1:]) for r in rows(con, f"SELECT booking_id, {cols} FROM raw_movie_bookings")}


# ---------------------------------------------------------------------------- processes
class Zygote:
    def __init__(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen([sys.executable, str(CHILD), "zygote"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)

    def spawn(self, cfg: dict[str, Any]) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(cfg) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line.strip(), "the zygote died"
        return int(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def kill_and_wait(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} survived SIGKILL"
        time.sleep(0.005)


def wait_ready(journal: Path, pid: int) -> None:
    deadline = time.monotonic() + 120
    while True:
        _, _, ready, error = read_journal(journal)
        assert error is None, f"worker failed: {error}"
        if ready:
            return
        assert alive(pid), "worker exited before it was ready"
        assert time.monotonic() < deadline, "worker never became ready"
        time.sleep(0.01)


# ---------------------------------------------------------------------------- the test
def setup_database(path: Path) -> None:
    con = cdcsim.connect(str(path), limits="relaxed")
    try:
        con.execute_string(PIPELINE.read_text())
        # Gold also refreshes on its own (the DT scheduler), besides the refresh task.
        con.cursor().execute(f"ALTER DYNAMIC TABLE {GOLD} SET TARGET_LAG = '2 seconds'")
    finally:
        con.close()


def check_after_crash(path: Path, model: Model, pending: dict[str, Any] | None, catch_up: bool) -> None:
    con = cdcsim.connect(str(path), limits="relaxed")
    try:
        # 1. durability: exactly the committed changes (the one in flight: all or nothing)
        got = source_keys(con)
        if got != model:
            alt = dict(model)
            assert pending is not None, f"source lost committed changes: {first_difference(got, model)}"
            apply_op(alt, pending)
            assert got == alt, (f"source is neither before nor after the statement in flight: "
                                f"{first_difference(got, model)} / {first_difference(got, alt)}")
            model.clear()
            model.update(alt)
        # 2. no run left in flight, nothing failed
        assert executing_runs(con) == 0
        assert failed_runs(con) == []
        # 3. bronze + stream == source, before any catch-up
        source = {k: v for k, v in (
            (r[0], tuple(r[1:])) for r in rows(
                con, "SELECT booking_id, customer_id, movie_id, booking_date, status, ticket_count, "
                     "ticket_price, total_amount, created_at, updated_at FROM raw_movie_bookings"))}
        replayed = replay_bronze(con, with_stream=True)
        assert replayed == source, f"bronze + stream != source: {first_difference(replayed, source)}"
        if not catch_up:
            return
        # 4. catch up, then everything agrees
        cur = con.cursor()
        cur.execute("EXECUTE TASK consume_stream_task")
        cur.execute(f"ALTER DYNAMIC TABLE {GOLD} REFRESH")
        assert rows(con, f"SELECT count(*) FROM {STREAM}")[0][0] == 0
        replayed = replay_bronze(con)
        assert replayed == source, f"bronze != source after catch-up: {first_difference(replayed, source)}"
        assert duplicate_new_bookings(con) == 0
        assert table_equals_query(con, SILVER, query_of(SILVER)) == (0, 0), "silver != its query over bronze"
        assert table_equals_query(con, GOLD, query_of(GOLD)) == (0, 0), "gold != its query over silver"
        assert failed_runs(con) == []
    finally:
        con.close()


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.duckdb"
    setup_database(db)
    rng = random.Random(int(os.environ.get("CDCSIM_CRASH_SEED", "7")))
    model: Model = {}
    interrupted: collections.Counter[str] = collections.Counter()
    committed_total = in_flight = checkpoints = 0
    phases: collections.Counter[str] = collections.Counter()
    zygote = Zygote()
    try:
        for i in range(ROUNDS):
            journal, activity = tmp_path / f"journal_{i}.log", tmp_path / f"activity_{i}.bin"
            pid = zygote.spawn({"database": str(db), "journal": str(journal), "activity": str(activity),
                                "seed": i, "prefix": f"K{i:03d}-"})
            t0 = time.monotonic()
            early = rng.random() < EARLY_KILLS
            try:
                if early:
                    # during start-up: opening the file (WAL replay), ALTER TASK ... SET SCHEDULE
                    time.sleep(rng.uniform(0.0, 1.0))
                else:
                    wait_ready(journal, pid)
                    phases["start"] += time.monotonic() - t0
                    # Mostly short runs (kills near task runs and refreshes), some long ones.
                    time.sleep(rng.choice([rng.uniform(0.0, 0.5), rng.uniform(0.3, 2.0), rng.uniform(0.3, 2.0)]))
                _, _, ready, error = read_journal(journal)
                assert error is None, f"worker failed: {error}"
                assert alive(pid), "worker died before the kill"
            finally:
                if alive(pid):
                    kill_and_wait(pid)
            flags = activity.read_bytes() if activity.exists() else bytes(len(SLOTS))
            busy = [name for name, b in zip(SLOTS, flags, strict=True) if b] or ([] if ready else ["start-up"])
            interrupted.update(busy or ["idle"])
            committed, pending, _, _ = read_journal(journal)
            for op in committed:
                apply_op(model, op)
            committed_total += len(committed)
            checkpoints += journal.read_text().splitlines().count("K")
            in_flight += pending is not None
            t0 = time.monotonic()
            check_after_crash(db, model, pending, catch_up=i % CATCH_UP_EVERY == CATCH_UP_EVERY - 1 or i == ROUNDS - 1)
            phases["check"] += time.monotonic() - t0
    finally:
        zygote.close()
    print(f"\ncrash test: {ROUNDS} SIGKILLs survived; {committed_total} committed source statements, "
          f"{in_flight} in flight at a kill, {len(model)} bookings, {checkpoints} forced checkpoints; "
          "kills landed during "
          + ", ".join(f"{k}: {v}" for k, v in sorted(interrupted.items()))
          + "; seconds spent " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items()))
    assert len(model) > ROUNDS  # the workers really wrote
