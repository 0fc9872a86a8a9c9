"""Property: a triggered task runs when its stream has data, never sooner than
USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS after its previous run, batching what arrives in
between, and delivers every change exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taskdb import DB, T0

import cdcsim

ops = st.lists(st.one_of(st.tuples(st.just("insert"), st.integers(1, 3)),
                         st.tuples(st.just("advance"), st.integers(0, 90))), min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interval=st.sampled_from([10, 30, 45]), ops=ops)
def test_triggered_runs_match_model(interval: int, ops: list[tuple[str, int]]) -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    db = DB(con)
    try:
        db.x("CREATE TABLE src (a INT)")
        db.x("CREATE STREAM s ON TABLE src")
        db.x("CREATE TABLE dst (a INT, ts TIMESTAMP)")
        db.x(f"CREATE TASK t WAREHOUSE = wh USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = {interval} "
             "WHEN SYSTEM$STREAM_HAS_DATA('s') AS INSERT INTO dst SELECT a, CURRENT_TIMESTAMP() FROM s")
        db.x("ALTER TASK t RESUME")
        now, last = T0, None
        arrived: datetime | None = None  # first change not yet delivered
        pending, runs, n = 0, [], 0
        for op, arg in ops:
            if op == "insert":
                db.x("INSERT INTO src VALUES " + ", ".join(f"({n + i})" for i in range(arg)))
                n += arg
                pending += arg
                arrived = arrived or now
            else:
                to = now + timedelta(seconds=arg)
                if arrived is not None:
                    due = max(arrived, last + timedelta(seconds=interval)) if last else arrived
                    if due <= to:
                        runs.append((due, pending))
                        last, arrived, pending = due, None, 0
                db.advance(seconds=arg)
                now = to
        hist = db.history("t")
        assert [h["SCHEDULED_TIME"] for h in hist] == [r[0] for r in runs]
        assert {h["SCHEDULED_FROM"] for h in hist} <= {"TRIGGER"}
        per_run = dict(db.x("SELECT ts, count(*) FROM dst GROUP BY ts"))
        assert [per_run.get(t, 0) for t, _ in runs] == [k for _, k in runs]
        assert db.one("SELECT count(*) FROM s") == pending
    finally:
        con.close()
