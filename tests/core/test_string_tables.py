"""SPLIT_TO_TABLE / STRTOK_SPLIT_TO_TABLE (cdcsim/sql/string_tables.py): one row per part with
SEQ, INDEX (from 1) and VALUE, laterally per input row or over a constant."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_split_to_table_keeps_empty_parts(q):
    # [DOC: sql-reference/functions/split_to_table]
    assert q("SELECT index, value FROM TABLE(SPLIT_TO_TABLE('a.b..c', '.')) ORDER BY index") == [
        (1, "a"), (2, "b"), (3, ""), (4, "c")]


def test_lateral_per_booking_row(con, q):
    con.execute_string("CREATE TABLE b (id INT, seats VARCHAR); "
                       "INSERT INTO b VALUES (1, 'A1,A2'), (2, 'B7'), (3, NULL);")
    assert q("SELECT b.id, s.index, s.value FROM b, LATERAL SPLIT_TO_TABLE(b.seats, ',') s ORDER BY 1, 2") == [
        (1, 1, "A1"), (1, 2, "A2"), (2, 1, "B7")]
    assert q("SELECT id, COUNT(*) FROM b, TABLE(SPLIT_TO_TABLE(b.seats, ',')) GROUP BY id ORDER BY id") == [(1, 2), (2, 1)]


def test_strtok_split_to_table_drops_empty_tokens(q):
    # [DOC: sql-reference/functions/strtok_split_to_table]
    assert q("SELECT value FROM TABLE(STRTOK_SPLIT_TO_TABLE('a  b,c', ' ,')) ORDER BY index") == [("a",), ("b",), ("c",)]
    assert q("SELECT value FROM TABLE(STRTOK_SPLIT_TO_TABLE('x y')) ORDER BY index") == [("x",), ("y",)]


TEXT = st.text(alphabet="ab,. ", max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, delim=st.sampled_from([",", ".", ", ", "ab"]), chars=st.sampled_from([" ", ",.", "a"]))
def test_parts_match_a_reference_model(q, text, delim, chars):
    q("CREATE OR REPLACE TABLE src (s VARCHAR)")
    q("INSERT INTO src VALUES (%s)", (text,))
    got = q(f"SELECT value FROM src, LATERAL SPLIT_TO_TABLE(src.s, '{delim}') ORDER BY index")
    assert [v for (v,) in got] == text.split(delim)
    got = q(f"SELECT value FROM src, LATERAL STRTOK_SPLIT_TO_TABLE(src.s, '{chars}') ORDER BY index")
    assert [v for (v,) in got] == [p for p in re.split("[" + re.escape(chars) + "]", text) if p]
