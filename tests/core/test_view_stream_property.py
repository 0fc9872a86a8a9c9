"""Property test: streams on views (filter and projection, inner join, UNION ALL) against a small
pure-Python model, under random DML on two tables, consuming DML and transactions.

The model keeps each table as ``id -> values`` (ids are never reused or updated, so they stand for
the base rows' identities) and evaluates each view in Python. A standard stream's expected rows
are the view at its offset and the view now (inside a transaction: at the transaction's start)
matched by the view row's identity, the ids of the base rows it came from: at both ends with other
values -> DELETE + INSERT with ISUPDATE; at one end -> DELETE or INSERT; unchanged -> nothing
(``cdcsim.view_streams``). An append-only stream's are the view rows that involve a row inserted
since the offset, computed over the inserted rows as inserted and the other rows as of the offset
or inserted since. Every view row's METADATA$ROW_ID must be one per identity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st
from net_rows import net_rows

import cdcsim

Table = dict[int, tuple[int, int]]  # id -> (k, v)
State = dict[str, Table]  # "t" / "u" -> table
ViewRows = dict[tuple, tuple]  # identity -> the view row


def filtered(st_: State) -> ViewRows:
    return {("t", i): (i, k, v * 2) for i, (k, v) in st_["t"].items() if v > 0}


def joined(st_: State) -> ViewRows:
    return {(i, j): (i, j, k, v, w) for i, (k, v) in st_["t"].items() for j, (kk, w) in st_["u"].items()
            if k == kk}


def unioned(st_: State) -> ViewRows:
    out = {("t", i): (i, k, v) for i, (k, v) in st_["t"].items() if k < 3}
    out.update({("u", j): (j, k, w) for j, (k, w) in st_["u"].items()})
    return out


VIEWS: dict[str, tuple[str, Callable[[State], ViewRows], str]] = {
    "vf": ("select id, k, v * 2 as v2 from t where v > 0", filtered, "id, k, v2"),
    # (the join's left side through a WITH clause, which the stream inlines)
    "vj": ("with tt as (select id, k, v from t) select tt.id as tid, u.id as uid, tt.k, tt.v, u.w "
           "from tt join u on tt.k = u.k", joined,
           "tid, uid, k, v, w"),
    "vu": ("select id, k, v from t where k < 3 union all select id, k, w from u", unioned, "id, k, v"),
}
STANDARD = {"sf": "vf", "sj": "vj", "su": "vu"}
APPEND_ONLY = {"af": "vf", "aj": "vj"}


def copy(s: State) -> State:
    return {name: dict(rows) for name, rows in s.items()}


@dataclass
class Model:
    committed: State = field(default_factory=lambda: {"t": {}, "u": {}})
    txn: State | None = None
    txn_start: State | None = None
    txn_inserts: State = field(default_factory=lambda: {"t": {}, "u": {}})
    next_id: int = 0
    offset: dict[str, State] = field(default_factory=dict)  # stream -> visible state at its offset
    inserted: dict[str, State] = field(default_factory=dict)  # append-only stream -> inserts since
    pending: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for s in (*STANDARD, *APPEND_ONLY):
            self.offset[s] = copy(self.committed)
        for s in APPEND_ONLY:
            self.inserted[s] = {"t": {}, "u": {}}

    @property
    def cur(self) -> State:
        return self.txn if self.txn is not None else self.committed

    def visible(self) -> State:
        return self.txn_start if self.txn_start is not None else self.committed

    def insert(self, table: str, k: int, v: int) -> int:
        self.next_id += 1
        self.cur[table][self.next_id] = (k, v)
        if self.txn is not None:
            self.txn_inserts[table][self.next_id] = (k, v)
        else:
            for ins in self.inserted.values():
                ins[table][self.next_id] = (k, v)
        return self.next_id

    def update(self, table: str, k: int, v: int) -> None:
        rows = self.cur[table]
        for i, (kk, _) in list(rows.items()):
            if kk == k:
                rows[i] = (kk, v)

    def delete(self, table: str, k: int) -> None:
        rows = self.cur[table]
        for i in [i for i, (kk, _) in rows.items() if kk == k]:
            del rows[i]

    def standard(self, stream: str) -> Counter:
        view = VIEWS[STANDARD[stream]][1]
        return net_rows(view(self.offset[stream]), view(self.visible()))

    def append_only(self, stream: str) -> Counter:
        view = VIEWS[APPEND_ONLY[stream]][1]
        lo, ins = self.offset[stream], self.inserted[stream]
        every = {name: {**lo[name], **ins[name]} for name in lo}
        new_ids = set(ins["t"]) | set(ins["u"])
        rows = view(every)
        return Counter((*row, "INSERT", False) for ident, row in rows.items()
                       if any(isinstance(i, int) and i in new_ids and _from_inserted(ident, i, ins)
                              for i in ident))

    def consume(self, stream: str) -> None:
        if self.txn is None:
            self._apply(stream)
        else:
            self.pending.add(stream)

    def _apply(self, stream: str) -> None:
        self.offset[stream] = copy(self.visible())
        if stream in self.inserted:
            self.inserted[stream] = {"t": {}, "u": {}}

    def begin(self) -> None:
        if self.txn is None:
            self.txn = copy(self.committed)
            self.txn_start = copy(self.committed)
            self.txn_inserts = {"t": {}, "u": {}}

    def commit(self) -> None:
        if self.txn is None:
            return
        for s in self.pending:
            self._apply(s)  # the offset moves to the transaction's start
        self.committed = self.txn
        for ins in self.inserted.values():
            for name in ins:
                ins[name].update(self.txn_inserts[name])
        self.txn = self.txn_start = None
        self.pending = set()

    def rollback(self) -> None:
        self.txn = self.txn_start = None
        self.pending = set()


def _from_inserted(ident: tuple, i: int, ins: State) -> bool:
    """Is id ``i`` of view identity ``ident`` a row inserted since the offset (in the right table)?"""
    if ident[0] in ("t", "u"):
        return i in ins[ident[0]]
    # a join identity is (t id, u id)
    return (ident.index(i) == 0 and i in ins["t"]) or (ident.index(i) == 1 and i in ins["u"])


tables = st.sampled_from(["t", "u"])
keys = st.integers(0, 2)
vals = st.integers(0, 2)
inserts = st.tuples(st.just("insert"), tables, keys, vals)
updates = st.tuples(st.just("update"), tables, keys, vals)
consumes = st.tuples(st.just("consume"), st.sampled_from(["*", *STANDARD, *APPEND_ONLY]), st.booleans(),
                     st.just(0))
txn = st.tuples(st.sampled_from(["begin", "commit", "rollback"]), st.just(""), st.just(0), st.just(0))
# inserts, updates and consumption weighted up, programs not too short: an update only shows as
# one once a stream has consumed the row's insert
ops = st.one_of(inserts, inserts, inserts, updates, updates, updates, consumes, consumes,
                st.tuples(st.just("delete"), tables, keys, st.just(0)), txn)


def read(cur, stream: str, cols: str) -> Counter:
    rows = cur.execute(f"select {cols}, metadata$action, metadata$isupdate, metadata$row_id from {stream}").fetchall()
    n = len(cols.split(","))
    ids: dict[tuple, str] = {}
    for r in rows:
        # one ROW_ID per view row: the DELETE and INSERT of an update share it, two rows never do
        assert ids.setdefault(r[:2] if stream.endswith("j") else r[:1], r[-1]) == r[-1], (stream, rows)
    assert len(set(ids.values())) == len(ids), (stream, rows)
    return Counter(r[: n + 2] for r in rows)


@settings(max_examples=120, deadline=None)
@given(st.lists(ops, min_size=8, max_size=30))
def test_view_streams_match_model(program):
    con = cdcsim.connect()
    cur = con.cursor()
    cur.execute("create table t (id int, k int, v int)")
    cur.execute("create table u (id int, k int, w int)")
    cur.execute("create table sink (x int)")
    for name, (sql, _f, _c) in VIEWS.items():
        cur.execute(f"create view {name} as {sql}")
    for s, v in STANDARD.items():
        cur.execute(f"create stream {s} on view {v}")
    for s, v in APPEND_ONLY.items():
        cur.execute(f"create stream {s} on view {v} append_only = true")
    m = Model()
    try:
        for op, a, b, c in program:
            if op == "insert":
                i = m.insert(a, b, c)
                cur.execute(f"insert into {a} values (?, ?, ?)", [i, b, c])
            elif op == "update":
                cur.execute(f"update {a} set {'v' if a == 't' else 'w'} = ? where k = ?", [c, b])
                m.update(a, b, c)
            elif op == "delete":
                cur.execute(f"delete from {a} where k = ?", [b])
                m.delete(a, b)
            elif op == "consume":  # "*": one statement consumes every stream
                where = " where 1 = 0" if b else ""
                streams = [*STANDARD, *APPEND_ONLY] if a == "*" else [a]
                cur.execute("insert into sink " + " union all ".join(f"select 1 from {x}{where}" for x in streams))
                for x in streams:
                    m.consume(x)
            else:  # begin | commit | rollback: the same statement on both sides
                cur.execute(op)
                getattr(m, op)()
            for s, v in STANDARD.items():
                assert read(cur, s, VIEWS[v][2]) == m.standard(s), (op, s)
            for s, v in APPEND_ONLY.items():
                assert read(cur, s, VIEWS[v][2]) == m.append_only(s), (op, s)
    finally:
        con.close()
