"""Property-testing toolkit for users' own pipelines: DML strategies and a stream oracle.

This module owns :class:`StreamOracle`, a small pure-Python model of what a Snowflake stream must
show between its offset and now (reference §1.4), and hypothesis strategies that generate DML
sequences for a table schema, so a property test of a pipeline is a few lines::

    from hypothesis import given, settings
    from cdcsim.testing import Schema, StreamOracle, dml_sequences, run_ops, stream_rows

    SCHEMA = Schema("bookings", {"id": "INT", "status": "STRING", "seats": "INT"}, key="id")

    @settings(max_examples=50, deadline=None)
    @given(ops=dml_sequences(SCHEMA))
    def test_stream_shows_net_changes(ops):
        con = cdcsim.connect()
        con.cursor().execute(SCHEMA.create_sql())
        con.cursor().execute("CREATE STREAM s ON TABLE bookings")
        oracle = StreamOracle(SCHEMA)
        run_ops(con, SCHEMA, ops, oracle)
        assert stream_rows(con, "s", SCHEMA) == oracle.expected()

Net-change rules the oracle implements (per row, identified by a hidden row id):

- absent at the offset, present now: INSERT with the current values, ISUPDATE FALSE (so insert
  then update is one INSERT with the final values);
- present at the offset, absent now: DELETE with the values at the offset, ISUPDATE FALSE (this
  covers DELETE, update-then-delete and TRUNCATE);
- present at both with different values: DELETE(old) + INSERT(new), both ISUPDATE TRUE;
- present at both with equal values (an update back to the original values): nothing [INFER];
- inserted and deleted within the window: nothing.
- A deleted row that is re-inserted with identical values is a new row (new row id), so the stream
  shows DELETE + INSERT, both ISUPDATE FALSE [INFER, reference §1.4].

Append-only streams show every row inserted since the offset, as originally inserted, whatever
happened to it afterwards. ``consume()`` moves the offset to now, like a committed DML that reads
the stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as e:  # hypothesis is a test-time dependency, not a runtime one
    raise ImportError("cdcsim.testing needs hypothesis: pip install 'cdcsim[test]' (or pip install hypothesis)") from e

ACTION = "METADATA$ACTION"
ISUPDATE = "METADATA$ISUPDATE"

Row = dict[str, Any]


@dataclass(frozen=True)
class Schema:
    """A table for generated DML: column name -> Snowflake type.

    Value domains exist for integers, NUMBER(p,s), FLOAT, BOOLEAN, TIMESTAMP and DATE; any other type
    gets short strings.
    """

    table: str
    columns: dict[str, str]
    key: str | None = None  # updates and deletes target rows by this column (default: first column)
    nullable: bool = True  # non-key columns may be NULL

    @property
    def key_column(self) -> str:
        return self.key or next(iter(self.columns))

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @classmethod
    def from_table(cls, con: Any, table: str, key: str | None = None, columns: Sequence[str] | None = None,
                   nullable: bool = True) -> Schema:
        """The schema of an existing table (``DESCRIBE TABLE``), for generating DML against it.

        Computed (virtual) columns are left out, and so are columns with a DEFAULT unless named in
        ``columns``: they are the table's to fill (``created_at DEFAULT CURRENT_TIMESTAMP()``).
        """
        cur = con.cursor()
        cur.execute(f"DESCRIBE TABLE {table}")
        names = [d[0].lower() for d in cur.description]
        cols: dict[str, str] = {}
        wanted = {c.upper() for c in columns} if columns is not None else None
        for row in cur.fetchall():
            r = dict(zip(names, row, strict=False))
            name, kind, default = str(r["name"]), str(r.get("kind") or "COLUMN"), r.get("default")
            if kind.upper() == "VIRTUAL":
                continue
            if wanted is not None and name.upper() not in wanted:
                continue
            if wanted is None and default not in (None, "NULL"):
                continue
            cols[name] = str(r["type"])
        if not cols:
            raise ValueError(f"no insertable columns found in {table}")
        return cls(table, cols, key=key.upper() if key and key.upper() in cols else key, nullable=nullable)

    def create_sql(self, or_replace: bool = False) -> str:
        cols = ", ".join(f"{c} {t}" for c, t in self.columns.items())
        return f"CREATE {'OR REPLACE ' if or_replace else ''}TABLE {self.table} ({cols})"


# ---------------------------------------------------------------------------------------------
# Operations


def sql_literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, datetime):
        return f"'{v.isoformat(sep=' ')}'::TIMESTAMP_NTZ"
    if isinstance(v, date):
        return f"'{v.isoformat()}'::DATE"
    if isinstance(v, int | float | Decimal):
        return repr(v) if isinstance(v, float) else str(v)
    return "'" + str(v).replace("'", "''") + "'"


@dataclass(frozen=True)
class Insert:
    rows: tuple[tuple[Any, ...], ...]  # values in schema column order

    def sql(self, s: Schema) -> str:
        values = ", ".join("(" + ", ".join(sql_literal(v) for v in r) + ")" for r in self.rows)
        return f"INSERT INTO {s.table} ({', '.join(s.names)}) VALUES {values}"


@dataclass(frozen=True)
class Update:
    key: Any
    changes: tuple[tuple[str, Any], ...]

    def sql(self, s: Schema) -> str:
        sets = ", ".join(f"{c} = {sql_literal(v)}" for c, v in self.changes)
        return f"UPDATE {s.table} SET {sets} WHERE {s.key_column} = {sql_literal(self.key)}"


@dataclass(frozen=True)
class Delete:
    key: Any

    def sql(self, s: Schema) -> str:
        return f"DELETE FROM {s.table} WHERE {s.key_column} = {sql_literal(self.key)}"


@dataclass(frozen=True)
class Truncate:
    def sql(self, s: Schema) -> str:
        return f"TRUNCATE TABLE {s.table}"


@dataclass(frozen=True)
class Consume:
    """Consume the stream (a committed DML reading it): the offset moves to now."""

    def sql(self, s: Schema) -> str:  # the statement is the harness's; see run_ops
        return ""


@dataclass(frozen=True)
class Advance:
    """Move the manual clock forward (``con.advance``): scheduled tasks and refreshes run."""

    seconds: float

    def sql(self, s: Schema) -> str:  # not a statement; see run_ops
        return ""


Op = Insert | Update | Delete | Truncate | Consume | Advance


# ---------------------------------------------------------------------------------------------
# The oracle


@dataclass
class StreamOracle:
    """What a stream on ``schema.table`` must show; mirror every DML with :meth:`apply`."""

    schema: Schema
    append_only: bool = False
    _rows: dict[int, Row] = field(default_factory=dict)  # row id -> current values
    _at_offset: dict[int, Row] = field(default_factory=dict)  # row id -> values at the offset
    _appended: list[Row] = field(default_factory=list)  # rows inserted since the offset, as inserted
    _next_id: int = 0

    def __init__(self, schema: Schema, rows: Iterable[Row] = (), append_only: bool = False) -> None:
        """``rows``: the table's contents when the stream was created (or last consumed)."""
        self.schema, self.append_only = schema, append_only
        self._rows, self._appended, self._next_id = {}, [], 0
        for r in rows:
            self._rows[self._new_id()] = dict(r)
        self._at_offset = {i: dict(r) for i, r in self._rows.items()}

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    @property
    def table(self) -> list[Row]:
        """The table's current contents."""
        return [dict(r) for r in self._rows.values()]

    def apply(self, op: Op) -> None:
        key = self.schema.key_column
        if isinstance(op, Insert):
            for values in op.rows:
                row = dict(zip(self.schema.names, values, strict=True))
                self._rows[self._new_id()] = row
                self._appended.append(dict(row))
        elif isinstance(op, Update):
            for r in self._rows.values():
                if r[key] is not None and r[key] == op.key:
                    r.update(dict(op.changes))
        elif isinstance(op, Delete):
            self._rows = {i: r for i, r in self._rows.items() if not (r[key] is not None and r[key] == op.key)}
        elif isinstance(op, Truncate):
            self._rows = {}
        elif isinstance(op, Consume):
            self.consume()
        # Advance: time alone changes no stream; a pipeline whose task consumes the stream tells
        # the oracle through run_ops(on_advance=...).

    def consume(self) -> None:
        self._at_offset = {i: dict(r) for i, r in self._rows.items()}
        self._appended = []

    def changes(self) -> list[Row]:
        """The stream's rows: source columns plus METADATA$ACTION and METADATA$ISUPDATE."""
        out: list[Row] = []
        if self.append_only:
            return [{**r, ACTION: "INSERT", ISUPDATE: False} for r in self._appended]
        for i in sorted(self._at_offset.keys() | self._rows.keys()):
            old, new = self._at_offset.get(i), self._rows.get(i)
            if old is None and new is not None:
                out.append({**new, ACTION: "INSERT", ISUPDATE: False})
            elif old is not None and new is None:
                out.append({**old, ACTION: "DELETE", ISUPDATE: False})
            elif old is not None and new is not None and old != new:
                out.append({**old, ACTION: "DELETE", ISUPDATE: True})
                out.append({**new, ACTION: "INSERT", ISUPDATE: True})
        return out

    def expected(self) -> list[tuple[Any, ...]]:
        """:meth:`changes` as sorted tuples, comparable with :func:`stream_rows`."""
        return normalize(self.changes(), self.schema.names + [ACTION, ISUPDATE])

    def has_data(self) -> bool:
        return bool(self.changes())


# ---------------------------------------------------------------------------------------------
# Comparing with a real connection


def _norm_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _sort_key(t: tuple[Any, ...]) -> tuple[Any, ...]:
    # NULLs sort first and mixed types never compare directly.
    return tuple((v is not None, type(v).__name__, v if v is not None else 0) for v in t)


def normalize(rows: Iterable[Row | Sequence[Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    """Rows (dicts or sequences in ``columns`` order) as a sorted list of tuples of plain values."""
    out = []
    for r in rows:
        vals = [r[c] for c in columns] if isinstance(r, dict) else list(r)
        out.append(tuple(_norm_value(v) for v in vals))
    return sorted(out, key=_sort_key)


def stream_rows(con: Any, stream: str, schema: Schema) -> list[tuple[Any, ...]]:
    """What ``stream`` shows now, in the oracle's comparable shape (does not consume it)."""
    cols = schema.names + [ACTION, ISUPDATE]
    cur = con.cursor()
    cur.execute(f"SELECT {', '.join(cols)} FROM {stream}")
    return normalize(cur.fetchall(), cols)


def assert_stream_matches(con: Any, stream: str, oracle: StreamOracle) -> None:
    """Assert ``stream`` shows exactly what ``oracle`` expects; the message lists the differences."""
    got = stream_rows(con, stream, oracle.schema)
    want = oracle.expected()
    if got == want:
        return
    missing, unexpected = list(want), []
    for row in got:
        if row in missing:
            missing.remove(row)
        else:
            unexpected.append(row)
    cols = ", ".join(oracle.schema.names + [ACTION, ISUPDATE])
    lines = [f"stream {stream} differs from the oracle ({cols}):"]
    lines += [f"  missing:    {r}" for r in missing]
    lines += [f"  unexpected: {r}" for r in unexpected]
    raise AssertionError("\n".join(lines))


def table_rows(con: Any, schema: Schema) -> list[tuple[Any, ...]]:
    cur = con.cursor()
    cur.execute(f"SELECT {', '.join(schema.names)} FROM {schema.table}")
    return normalize(cur.fetchall(), schema.names)


def run_ops(
    con: Any,
    schema: Schema,
    ops: Iterable[Op],
    oracle: StreamOracle | None = None,
    stream: str | None = None,
    sink: str | None = None,
    on_advance: Callable[[Any, Advance], None] | None = None,
) -> None:
    """Execute ``ops`` on ``con`` and mirror them into ``oracle``.

    A :class:`Consume` op consumes ``stream`` with ``INSERT INTO <sink> SELECT ... FROM <stream>
    WHERE 1 = 0`` (Snowflake's documented way to advance an offset without keeping the rows); the
    sink table ``<stream>_sink`` is created on first use unless ``sink`` is given. An
    :class:`Advance` op calls ``con.advance(seconds=...)`` and then ``on_advance(con, op)``.
    """
    cur = con.cursor()
    for op in ops:
        if isinstance(op, Advance):
            con.advance(seconds=op.seconds)
            if on_advance is not None:
                on_advance(con, op)
        elif isinstance(op, Consume):
            if stream is None:
                raise ValueError("a Consume op needs stream=")
            target = sink or f"{stream}_sink"
            cur.execute(f"CREATE TABLE IF NOT EXISTS {target} AS SELECT {', '.join(schema.names)} "
                        f"FROM {schema.table} WHERE 1 = 0")
            cur.execute(f"INSERT INTO {target} SELECT {', '.join(schema.names)} FROM {stream} WHERE 1 = 0")
        else:
            cur.execute(op.sql(schema))
        if oracle is not None:
            oracle.apply(op)


# ---------------------------------------------------------------------------------------------
# Strategies


def _scale(sql_type: str) -> int:
    m = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", sql_type)
    return int(m.group(1)) if m else 0


def values_for(sql_type: str, nullable: bool = False) -> st.SearchStrategy[Any]:
    """A small value domain per type, so updates often collide with (or restore) earlier values."""
    t = sql_type.upper().split("(")[0].strip()
    if t in {"NUMBER", "NUMERIC", "DECIMAL"} and _scale(sql_type) > 0:
        base: st.SearchStrategy[Any] = st.sampled_from([Decimal("0.50"), Decimal("10.00"), Decimal("12.75")])
    elif t in {"INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "NUMBER", "NUMERIC", "DECIMAL"}:
        base = st.integers(min_value=0, max_value=5)
    elif t in {"BOOLEAN", "BOOL"}:
        base = st.booleans()
    elif t in {"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"}:
        base = st.sampled_from([0.0, 0.5, 1.25, -2.0])
    elif t.startswith("TIMESTAMP") or t == "DATETIME":
        base = st.sampled_from([datetime(2025, 9, 1, 10), datetime(2025, 9, 1, 18, 30), datetime(2025, 9, 2, 9)])
    elif t == "DATE":
        base = st.sampled_from([date(2025, 9, 1), date(2025, 9, 2)])
    else:
        base = st.sampled_from(["a", "b", "c", "it's"])
    return st.one_of(st.none(), base) if nullable else base


def key_values(sql_type: str, max_keys: int = 8) -> st.SearchStrategy[Any]:
    t = sql_type.upper().split("(")[0].strip()
    if t in {"INT", "INTEGER", "BIGINT", "SMALLINT", "NUMBER", "NUMERIC", "DECIMAL"} and _scale(sql_type) == 0:
        return st.integers(min_value=1, max_value=max_keys)
    return st.sampled_from([f"K{i}" for i in range(1, max_keys + 1)])


@st.composite
def dml_sequences(
    draw: st.DrawFn,
    schema: Schema,
    min_ops: int = 1,
    max_ops: int = 12,
    max_keys: int = 8,
    consume: bool = False,
    truncate: bool = True,
    advance: Sequence[float] = (),
) -> list[Op]:
    """A list of DML operations on ``schema.table``.

    Inserts use keys not currently present (so the key stays unique and updates/deletes hit one
    row); updates and deletes mostly target live keys, sometimes a missing one (a no-op). With
    ``consume=True`` the sequence may contain :class:`Consume` steps; with ``advance=(30, 60)``
    it may contain :class:`Advance` steps of those many seconds.
    """
    key = schema.key_column
    others = [c for c in schema.names if c != key]
    live: set[Any] = set()
    ops: list[Op] = []
    n = draw(st.integers(min_value=min_ops, max_value=max_ops))
    kinds = ["insert", "insert", "update", "update", "delete"]
    if truncate:
        kinds.append("truncate")
    if consume:
        kinds.append("consume")
    if advance:
        kinds.append("advance")
    for _ in range(n):
        kind = draw(st.sampled_from(kinds))
        if kind != "insert" and not live and kind not in {"consume", "advance"}:
            kind = "insert"
        if kind == "insert":
            count = draw(st.integers(min_value=1, max_value=3))
            rows = []
            for _ in range(count):
                free = draw(key_values(schema.columns[key], max_keys).filter(lambda k: k not in live))
                live.add(free)
                row = [free if c == key else draw(values_for(schema.columns[c], schema.nullable))
                       for c in schema.names]
                rows.append(tuple(row))
            ops.append(Insert(tuple(rows)))
        elif kind == "update":
            k = draw(st.sampled_from(sorted(live, key=str)))
            cols = draw(st.lists(st.sampled_from(others), min_size=1, max_size=len(others), unique=True)) \
                if others else []
            if not cols:
                continue
            ops.append(Update(k, tuple((c, draw(values_for(schema.columns[c], schema.nullable))) for c in cols)))
        elif kind == "delete":
            k = draw(st.sampled_from(sorted(live, key=str)))
            live.discard(k)
            ops.append(Delete(k))
        elif kind == "truncate":
            live.clear()
            ops.append(Truncate())
        elif kind == "advance":
            ops.append(Advance(float(draw(st.sampled_from(list(advance))))))
        else:
            ops.append(Consume())
    return ops


def initial_rows(schema: Schema, max_rows: int = 5, max_keys: int = 8) -> st.SearchStrategy[list[Row]]:
    """Rows present before the stream is created (unique keys)."""
    key = schema.key_column
    row = st.fixed_dictionaries({c: (key_values(t, max_keys) if c == key else values_for(t, schema.nullable))
                                 for c, t in schema.columns.items()})
    return st.lists(row, max_size=max_rows, unique_by=lambda r: r[key])
