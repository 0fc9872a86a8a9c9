"""The stream oracle against the documented net-change table (reference §1.4)."""

from __future__ import annotations

from hypothesis import given, settings

from cdcsim.testing import (
    Consume,
    Delete,
    Insert,
    Schema,
    StreamOracle,
    Truncate,
    Update,
    dml_sequences,
    initial_rows,
)

S = Schema("t", {"id": "INT", "v": "STRING"}, key="id")


def changes(oracle: StreamOracle) -> list[tuple]:
    return [(r["id"], r["v"], r["METADATA$ACTION"], r["METADATA$ISUPDATE"]) for r in oracle.changes()]


def test_insert() -> None:
    o = StreamOracle(S)
    o.apply(Insert(((1, "a"),)))
    assert changes(o) == [(1, "a", "INSERT", False)]


def test_insert_then_update_is_one_insert_with_final_values() -> None:
    o = StreamOracle(S)
    o.apply(Insert(((1, "a"),)))
    o.apply(Update(1, (("v", "b"),)))
    assert changes(o) == [(1, "b", "INSERT", False)]


def test_insert_then_delete_is_nothing() -> None:
    o = StreamOracle(S)
    o.apply(Insert(((1, "a"),)))
    o.apply(Delete(1))
    assert changes(o) == []


def test_update_of_existing_row_is_delete_insert_pair() -> None:
    o = StreamOracle(S, [{"id": 1, "v": "a"}])
    o.apply(Update(1, (("v", "b"),)))
    o.apply(Update(1, (("v", "c"),)))
    assert changes(o) == [(1, "a", "DELETE", True), (1, "c", "INSERT", True)]


def test_update_back_to_original_is_nothing() -> None:
    o = StreamOracle(S, [{"id": 1, "v": "a"}])
    o.apply(Update(1, (("v", "b"),)))
    o.apply(Update(1, (("v", "a"),)))
    assert changes(o) == []


def test_delete_and_update_then_delete() -> None:
    o = StreamOracle(S, [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    o.apply(Delete(1))
    o.apply(Update(2, (("v", "z"),)))
    o.apply(Delete(2))
    assert changes(o) == [(1, "a", "DELETE", False), (2, "b", "DELETE", False)]


def test_truncate_deletes_preexisting_rows_only() -> None:
    o = StreamOracle(S, [{"id": 1, "v": "a"}])
    o.apply(Insert(((2, "b"),)))
    o.apply(Truncate())
    assert changes(o) == [(1, "a", "DELETE", False)]


def test_delete_then_reinsert_identical_is_a_new_row() -> None:
    o = StreamOracle(S, [{"id": 1, "v": "a"}])
    o.apply(Delete(1))
    o.apply(Insert(((1, "a"),)))
    assert sorted(changes(o)) == [(1, "a", "DELETE", False), (1, "a", "INSERT", False)]


def test_append_only_shows_inserts_as_inserted() -> None:
    o = StreamOracle(S, [{"id": 9, "v": "x"}], append_only=True)
    o.apply(Insert(((1, "a"), (2, "b"))))
    o.apply(Update(1, (("v", "changed"),)))
    o.apply(Delete(2))
    o.apply(Delete(9))
    assert changes(o) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]


def test_consume_moves_offset() -> None:
    o = StreamOracle(S)
    o.apply(Insert(((1, "a"),)))
    o.apply(Consume())
    assert not o.has_data()
    o.apply(Update(1, (("v", "b"),)))
    assert changes(o) == [(1, "a", "DELETE", True), (1, "b", "INSERT", True)]


@settings(max_examples=200, deadline=None)
@given(rows=initial_rows(S), ops=dml_sequences(S, consume=True))
def test_applying_stream_to_offset_state_gives_current_table(rows: list[dict], ops: list) -> None:
    """Replaying the standard stream's delta on the table at the offset yields the table now."""
    o = StreamOracle(S, rows)
    for op in ops:
        o.apply(op)
    at_offset = [dict(r) for r in o._at_offset.values()]
    for ch in o.changes():
        row = {k: ch[k] for k in S.names}
        if ch["METADATA$ACTION"] == "DELETE":
            at_offset.remove(row)
        else:
            at_offset.append(row)
    key = lambda r: (r["id"], str(r["v"]))  # noqa: E731
    assert sorted(at_offset, key=key) == sorted(o.table, key=key)


@given(ops=dml_sequences(S, max_ops=20))
def test_generated_keys_stay_unique(ops: list) -> None:
    o = StreamOracle(S)
    for op in ops:
        o.apply(op)
    ids = [r["id"] for r in o.table]
    assert len(ids) == len(set(ids))


def test_sql_rendering_quotes_strings() -> None:
    ins = Insert(((1, "it's"), (2, None)))
    assert ins.sql(S) == "INSERT INTO t (id, v) VALUES (1, 'it''s'), (2, NULL)"
    assert Update(1, (("v", True),)).sql(S) == "UPDATE t SET v = TRUE WHERE id = 1"


def test_assert_stream_matches_lists_differences() -> None:
    import pytest

    import cdcsim
    from cdcsim.testing import assert_stream_matches, run_ops

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        con.cursor().execute(S.create_sql())
        con.cursor().execute("CREATE STREAM s ON TABLE t")
        o = StreamOracle(S)
        run_ops(con, S, [Insert(((1, "a"),))], o)
        assert_stream_matches(con, "s", o)
        o.apply(Insert(((2, "b"),)))  # the oracle sees a change the database never got
        with pytest.raises(AssertionError, match=r"missing:    \(2, 'b', 'INSERT', False\)"):
            assert_stream_matches(con, "s", o)
    finally:
        con.close()


def test_advance_ops_are_generated_and_run() -> None:
    from hypothesis import find

    import cdcsim
    from cdcsim.testing import Advance, run_ops

    ops = find(dml_sequences(S, advance=(30,)), lambda ops: any(isinstance(o, Advance) for o in ops))
    assert Advance(30.0) in ops
    con = cdcsim.connect(clock=cdcsim.ManualClock())
    seen: list[Advance] = []
    try:
        con.cursor().execute(S.create_sql())
        t0 = con.clock.now()
        run_ops(con, S, [Advance(90)], on_advance=lambda c, op: seen.append(op))
        assert (con.clock.now() - t0).total_seconds() == 90 and seen == [Advance(90)]
    finally:
        con.close()
