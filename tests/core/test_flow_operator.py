"""The pipe flow operator ``->>`` [DOC: sql-reference/operators-flow]: statements run in order,
``$n`` in a FROM clause reads the result of the statement n places back, the chain answers with
its last statement's result (``->>`` was a syntax error)."""

from __future__ import annotations

import pytest

from cdcsim import ProgrammingError


@pytest.fixture
def data(q):
    q("CREATE TABLE t (a INT, s STRING)")
    q("INSERT INTO t VALUES (1, 'x->>y'), (2, 'z'), (3, 'w')")
    q("CREATE TABLE empty_one (a INT)")
    return q


def test_show_output_filtered_by_a_piped_select(data):
    """The page's use: SHOW's output narrowed by the next statement (lower-case, quoted columns)."""
    assert data('SHOW TABLES ->> SELECT "name", "rows" FROM $1 WHERE "rows" > 0') == [("T", 3)]
    assert [d[0] for d in data.cur.description] == ["name", "rows"]


def test_pipe_numbers_count_back_from_the_current_statement(data):
    """$1 is the statement just before, $2 the one before it: each SELECT may read any earlier one."""
    got = data("SELECT a, s FROM t WHERE a > 1 "
               "->> SELECT count(*) AS n FROM $1 "
               "->> SELECT s FROM $2 JOIN $1 ON true WHERE n = 2 ORDER BY s")
    assert got == [("w",), ("z",)]


def test_an_arrow_inside_a_string_is_not_a_pipe(data):
    assert data("SELECT a FROM t WHERE s = 'x->>y'") == [(1,)]
    assert data("SELECT s FROM t WHERE s LIKE '%->>%' ->> SELECT upper(s) FROM $1") == [("X->>Y",)]


def test_any_statement_may_be_chained(data):
    """"any valid SQL statement": a write whose count the next one reads."""
    got = data("INSERT INTO empty_one SELECT a FROM t ->> SELECT * FROM $1")
    assert got == [(3,)]
    assert data("SELECT count(*) FROM empty_one") == [(3,)]


def test_a_reference_before_the_chain_and_a_failing_statement(data):
    with pytest.raises(ProgrammingError, match=r"Pipe reference \$2 does not name an earlier statement"):
        data("SELECT 1 AS one ->> SELECT * FROM $2")
    with pytest.raises(ProgrammingError):
        data("INSERT INTO empty_one VALUES (9) ->> SELECT * FROM missing_table ->> INSERT INTO empty_one VALUES (10)")
    assert data("SELECT a FROM empty_one ORDER BY a") == [(9,)]  # the chain stopped at the failure


def test_a_chain_in_a_script(con, data):
    """A semicolon ends the chain: a script may hold chains among other statements."""
    cur = con.execute_string("SELECT a FROM t ->> SELECT sum(a) AS total FROM $1; SELECT 42;")
    assert [c.fetchall() for c in cur] == [[(6,)], [(42,)]]
