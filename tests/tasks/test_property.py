"""Property: random schedules, WHEN conditions, failures, suspends and clock advances give exactly
the history a simple model predicts — runs at the due instants only, SKIPPED / FAILED /
FAILED_AND_AUTO_SUSPENDED states, automatic retries, auto-suspend after N consecutive failed runs,
and no stream consumed by a failed run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taskdb import DB, T0

import cdcsim


@dataclass
class Model:
    interval: int  # seconds
    when: bool
    suspend_after: int
    retries: int = 0
    state: str = "suspended"
    next_due: datetime | None = None
    failures: int = 0
    pending: int = 0
    delivered: int = 0
    fail: bool = False
    history: list[tuple[datetime, str]] = field(default_factory=list)
    reason: str | None = None  # last_suspended_reason

    def resume(self, now: datetime) -> None:
        if self.state != "started":
            self.state, self.failures = "started", 0
            self.next_due = now + timedelta(seconds=self.interval)

    def suspend(self, reason: str = "USER_SUSPENDED") -> None:
        if self.state != "suspended":  # suspending a suspended task changes nothing
            self.reason = reason
        self.state, self.next_due = "suspended", None

    def advance(self, now: datetime, to: datetime) -> None:
        while self.state == "started" and self.next_due is not None and self.next_due <= to:
            slot = self.next_due
            if self.when and self.pending == 0:
                self.history.append((slot, "SKIPPED"))
            elif self.fail:
                # Retries happen at once (no virtual time passes) and the run counts as one failure.
                self.history += [(slot, "FAILED")] * self.retries
                self.failures += 1
                if self.suspend_after and self.failures >= self.suspend_after:
                    self.history.append((slot, "FAILED_AND_AUTO_SUSPENDED"))
                    self.suspend("SUSPENDED_DUE_TO_ERRORS")
                    break
                self.history.append((slot, "FAILED"))
            else:
                self.history.append((slot, "SUCCEEDED"))
                self.delivered += self.pending
                self.pending, self.failures = 0, 0
            self.next_due = slot + timedelta(seconds=self.interval)


ops = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.integers(1, 3)),
    st.tuples(st.just("fail"), st.booleans()),
    st.tuples(st.just("advance"), st.integers(0, 400)),
    st.tuples(st.just("suspend"), st.just(0)),
    st.tuples(st.just("resume"), st.just(0)),
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interval=st.sampled_from([10, 15, 30, 60, 120]), when=st.booleans(), suspend_after=st.integers(0, 3),
       retries=st.integers(0, 2), ops=ops)
def test_history_matches_model(interval: int, when: bool, suspend_after: int, retries: int,
                               ops: list[tuple[str, int]]) -> None:
    con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    db = DB(con)
    try:
        db.x("CREATE TABLE src (a INT)")
        db.x("CREATE STREAM s ON TABLE src")
        db.x("CREATE TABLE dst (a INT)")
        db.x("CREATE TABLE ctl (fail BOOLEAN)")
        db.x("INSERT INTO ctl VALUES (FALSE)")
        db.x("CREATE TABLE probe (x INT)")
        cond = "WHEN SYSTEM$STREAM_HAS_DATA('s')" if when else ""
        db.x(f"CREATE TASK t WAREHOUSE = wh SCHEDULE = '{interval} SECONDS' "
             f"SUSPEND_TASK_AFTER_NUM_FAILURES = {suspend_after} TASK_AUTO_RETRY_ATTEMPTS = {retries} "
             f"{cond} AS BEGIN BEGIN TRANSACTION; "  # one transaction: a failed run consumes nothing
             "INSERT INTO dst SELECT a FROM s; "
             "INSERT INTO probe SELECT CAST(CASE WHEN fail THEN 'boom' ELSE '1' END AS INT) FROM ctl; COMMIT; END")
        m = Model(interval, when, suspend_after, retries)
        now = T0
        n = 0
        for op, arg in ops:
            if op == "insert":
                db.x("INSERT INTO src VALUES " + ", ".join(f"({n + i})" for i in range(arg)))
                n += arg
                m.pending += arg
            elif op == "fail":
                db.x(f"UPDATE ctl SET fail = {arg}")
                m.fail = arg
            elif op == "advance":
                to = now + timedelta(seconds=arg)
                m.advance(now, to)
                db.advance(seconds=arg)
                now = to
            elif op == "suspend":
                db.x("ALTER TASK t SUSPEND")
                m.suspend()
            else:
                db.x("ALTER TASK t RESUME")
                m.resume(now)
        got = [(r["SCHEDULED_TIME"], r["STATE"]) for r in db.history("t")]
        assert got == m.history
        assert db.one("SELECT count(*) FROM dst") == m.delivered
        assert db.one("SELECT count(*) FROM s") == m.pending  # failed runs consumed nothing
        assert db.dicts("SHOW TASKS")[0]["state"] == m.state
        if m.state == "suspended" and m.reason is not None:  # resumed, then suspended: the user's reason
            assert db.dicts("SHOW TASKS")[0]["last_suspended_reason"] == m.reason
    finally:
        con.close()
