"""Property test: random interleavings of DML, consuming DML and transactions against a small
pure-Python model of Snowflake's net-change rules (reference 1.4, 1.5).

The model keeps rows with their own identities. A standard stream's expected contents are the
diff between the committed table at its offset and the committed table now (inside a transaction:
at the transaction's start); an append-only stream's are the rows inserted since the offset, as
inserted. A consuming DML inside a transaction moves the offset, at commit, to the transaction's
start; a rollback discards it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st
from net_rows import net_rows

import cdcsim

Rows = dict[int, tuple[int, int]]  # identity -> (k, v)


@dataclass
class Model:
    committed: Rows = field(default_factory=dict)
    txn: Rows | None = None  # working copy inside a transaction
    txn_start: Rows | None = None
    next_id: int = 0
    # per stream: committed table at offset (standard) / inserted rows since offset (append-only)
    std_offset: Rows = field(default_factory=dict)
    app_since: list[tuple[int, tuple[int, int]]] = field(default_factory=list)  # (identity, values)
    txn_inserts: list[tuple[int, tuple[int, int]]] = field(default_factory=list)
    pending_consume: set[str] = field(default_factory=set)

    @property
    def cur(self) -> Rows:
        return self.txn if self.txn is not None else self.committed

    def insert(self, k: int, v: int) -> None:
        self.next_id += 1
        self.cur[self.next_id] = (k, v)
        rec = (self.next_id, (k, v))
        (self.txn_inserts if self.txn is not None else self.app_since).append(rec)

    def update(self, k: int, v: int) -> None:
        for i, (kk, _) in list(self.cur.items()):
            if kk == k:
                self.cur[i] = (kk, v)

    def delete(self, k: int) -> None:
        for i in [i for i, (kk, _) in self.cur.items() if kk == k]:
            del self.cur[i]

    def truncate(self) -> None:
        self.cur.clear()

    def visible(self) -> Rows:
        return self.txn_start if self.txn is not None else self.committed

    def standard(self) -> Counter:
        return net_rows(self.std_offset, self.visible())

    def append_only(self) -> Counter:
        return Counter((*vals, "INSERT", False) for _, vals in self.app_since)

    def consume(self, which: str) -> None:
        if self.txn is None:
            self._apply(which)
        else:
            self.pending_consume.add(which)

    def _apply(self, which: str) -> None:
        if which == "std":
            self.std_offset = dict(self.visible())
        else:
            self.app_since = []

    def begin(self) -> None:
        if self.txn is None:
            self.txn = dict(self.committed)
            self.txn_start = dict(self.committed)
            self.txn_inserts = []

    def commit(self) -> None:
        if self.txn is None:
            return
        for which in self.pending_consume:
            self._apply(which)  # uses txn_start as the visible state
        self.committed = self.txn
        self.app_since.extend(self.txn_inserts)
        self.txn = self.txn_start = None
        self.pending_consume = set()

    def rollback(self) -> None:
        self.txn = self.txn_start = None
        self.pending_consume = set()
        self.txn_inserts = []


keys = st.integers(0, 4)
vals = st.integers(0, 3)
ops = st.one_of(
    st.tuples(st.just("insert"), keys, vals),
    st.tuples(st.just("update"), keys, vals),
    st.tuples(st.just("delete"), keys, st.just(0)),
    st.tuples(st.just("truncate"), st.just(0), st.just(0)),
    st.tuples(st.just("consume_std"), st.booleans(), st.just(0)),
    st.tuples(st.just("consume_app"), st.booleans(), st.just(0)),
    st.tuples(st.just("begin"), st.just(0), st.just(0)),
    st.tuples(st.just("commit"), st.just(0), st.just(0)),
    st.tuples(st.just("rollback"), st.just(0), st.just(0)),
)


def stream(cur, name: str) -> Counter:
    return Counter(cur.execute(f"select k, v, metadata$action, metadata$isupdate from {name}").fetchall())


@settings(max_examples=150, deadline=None)
@given(st.lists(ops, max_size=30))
def test_streams_match_model(program):
    con = cdcsim.connect()
    cur = con.cursor()
    cur.execute("create table t (k int, v int)")
    cur.execute("create table sink (k int, v int)")
    cur.execute("create stream s on table t")
    cur.execute("create stream a on table t append_only = true")
    m = Model()
    try:
        for op, x, y in program:
            if op == "insert":
                cur.execute("insert into t values (?, ?)", [x, y])
                m.insert(x, y)
            elif op == "update":
                cur.execute("update t set v = ? where k = ?", [y, x])
                m.update(x, y)
            elif op == "delete":
                cur.execute("delete from t where k = ?", [x])
                m.delete(x)
            elif op == "truncate":
                cur.execute("truncate table t")
                m.truncate()
            elif op in ("consume_std", "consume_app"):
                src = "s" if op == "consume_std" else "a"
                where = " where 1 = 0" if x else ""
                cur.execute(f"insert into sink select k, v from {src}{where}")
                m.consume("std" if src == "s" else "app")
            else:  # begin | commit | rollback: the same statement on both sides
                cur.execute(op)
                getattr(m, op)()
            assert stream(cur, "s") == m.standard(), op
            assert stream(cur, "a") == m.append_only(), op
            assert Counter(cur.execute("select k, v from t").fetchall()) == Counter(m.cur.values())
    finally:
        con.close()
