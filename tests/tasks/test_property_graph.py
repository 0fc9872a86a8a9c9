"""Property: for random task graphs (random AFTER links, suspended children, failing or WHEN-false
tasks, an optional finalizer) one EXECUTE TASK of the root runs exactly the tasks the graph rules
allow, in an order that respects every AFTER link."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from taskdb import DB, T0

import cdcsim

BODY = {"ok": "SELECT 1", "fail": "SELECT CAST('boom' AS INT)", "skip": "SELECT 1"}
STATE = {"ok": "SUCCEEDED", "fail": "FAILED", "skip": "SKIPPED"}


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[tuple[str, list[int], bool]], str, str | None]:
    """(children as (behaviour, predecessor indexes, suspended)), root behaviour, finalizer behaviour."""
    n = draw(st.integers(0, 6))
    kids = []
    for i in range(n):
        preds = draw(st.lists(st.integers(0, i), min_size=1, max_size=3, unique=True))  # 0 = root
        kids.append((draw(st.sampled_from(list(BODY))), preds, draw(st.booleans())))
    return kids, draw(st.sampled_from(list(BODY))), draw(st.none() | st.sampled_from(["ok", "fail"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs())
def test_graph_run_matches_rules(g: tuple[list[tuple[str, list[int], bool]], str, str | None]) -> None:
    kids, root_b, fin_b = g
    con = cdcsim.connect(clock=cdcsim.ManualClock(T0))
    db = DB(con)
    try:
        def create(name: str, b: str, extra: str = "") -> None:
            when = "WHEN 1 = 0" if b == "skip" else ""
            db.x(f"CREATE TASK {name} WAREHOUSE = wh {extra} {when} AS {BODY[b]}")

        names = ["T0"] + [f"T{i + 1}" for i in range(len(kids))]
        create("T0", root_b)
        for i, (b, preds, _) in enumerate(kids):
            create(names[i + 1], b, "AFTER " + ", ".join(names[p] for p in preds))
        if fin_b:
            create("FIN", fin_b, "FINALIZE = T0")
            db.x("ALTER TASK FIN RESUME")
        for i, (_, _, suspended) in enumerate(kids):
            if not suspended:
                db.x(f"ALTER TASK {names[i + 1]} RESUME")
        db.x("EXECUTE TASK T0")

        outcome = {"T0": STATE[root_b]}
        for i, (b, preds, suspended) in enumerate(kids):
            if any(outcome[names[p]] not in ("SUCCEEDED", "PASSED") for p in preds):
                outcome[names[i + 1]] = "NOT_RUN"
            else:
                outcome[names[i + 1]] = "PASSED" if suspended else STATE[b]
        expected = {n: s for n, s in outcome.items() if s not in ("NOT_RUN", "PASSED")}
        if fin_b and root_b != "skip":
            expected["FIN"] = STATE[fin_b]
        hist = db.history()
        assert {h["NAME"]: h["STATE"] for h in hist} == expected
        assert len(hist) == len(expected)  # each task ran at most once
        pos = {h["NAME"]: i for i, h in enumerate(hist)}
        for i, (_, preds, _) in enumerate(kids):
            if names[i + 1] in pos:
                assert all(pos[names[p]] < pos[names[i + 1]] for p in preds if names[p] in pos)
        if "FIN" in pos:
            assert pos["FIN"] == len(hist) - 1
    finally:
        con.close()
