"""Session variables: SET (one or several), $name / GETVARIABLE, UNSET, SHOW VARIABLES."""

from __future__ import annotations

import pytest

import cdcsim


def test_set_read_show_and_unset(q):
    assert q("SET (a, b) = (1, 'two')") == [("Statement executed successfully.",)]
    q("SET total = (SELECT 40 + 2)")
    assert q("SELECT $a, $b, $total, GETVARIABLE('TOTAL')") == [(1, "two", 42, 42)]
    shown = {r[3]: (r[4], r[5]) for r in q("SHOW VARIABLES")}
    assert shown == {"A": ("1", "fixed"), "B": ("two", "text"), "TOTAL": ("42", "fixed")}
    assert [r[3] for r in q("SHOW VARIABLES LIKE 't%'")] == ["TOTAL"]
    q("SET a = 5")  # SET again replaces the value
    assert q("SELECT $a") == [(5,)]
    with pytest.raises(cdcsim.ProgrammingError) as e:  # one missing name: nothing is unset
        q("UNSET (a, nope)")
    assert e.value.errno == 2211 and "'NOPE'" in e.value.msg
    assert q("SELECT $a") == [(5,)]
    q("UNSET (a, b)")
    assert [r[3] for r in q("SHOW VARIABLES")] == ["TOTAL"]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT $a")
    assert e.value.errno == 2211


def test_variables_belong_to_their_session(tmp_path):
    """Two connections to one database are two sessions: a variable one sets, the other cannot see."""
    path = str(tmp_path / "v.duckdb")
    with cdcsim.connect(path) as c1, cdcsim.connect(path) as c2:
        c1.cursor().execute("SET mine = 1")
        assert [r[3] for r in c1.cursor().execute("SHOW VARIABLES").fetchall()] == ["MINE"]
        assert c2.cursor().execute("SHOW VARIABLES").fetchall() == []
        with pytest.raises(cdcsim.ProgrammingError):
            c2.cursor().execute("SELECT $mine")


def test_identifier_of_a_session_variable(q):
    q("CREATE TABLE target_t (a INT)")
    q("SET tn = 'target_t'")
    q("INSERT INTO IDENTIFIER($tn) VALUES (7)")
    assert q("SELECT a FROM IDENTIFIER($tn)") == [(7,)]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("SELECT * FROM IDENTIFIER($nope)")
    assert e.value.errno == 2211
