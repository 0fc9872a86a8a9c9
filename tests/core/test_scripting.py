"""Snowflake Scripting blocks and stored procedures (cdcsim/scripting, cdcsim/procedures.py).

Anonymous blocks answer one column "anonymous block" with the RETURN value; a procedure's CALL
answers a column named after it, its RETURN value cast to the declared type.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim


@pytest.fixture
def con() -> Iterator[cdcsim.Connection]:
    c = cdcsim.connect()
    c.execute_string("CREATE TABLE t (id INT, v STRING); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');")
    yield c
    c.close()


def one(q, sql: str):
    (row,) = q(sql)
    return row[0]


def test_an_anonymous_block_answers_its_return_value(q):
    assert q("BEGIN RETURN 1 + 2; END") == [(3,)]
    assert [d[0] for d in q.cur.description] == ["anonymous block"]
    assert q("BEGIN INSERT INTO t VALUES (4, 'd'); END") == [(None,)]
    assert one(q, "SELECT count(*) FROM t") == 4


def test_variables_bare_in_expressions_and_with_a_colon_in_sql(q):
    assert one(q, "DECLARE x INT DEFAULT 5; y STRING; BEGIN LET z := x * 2; y := 'v' || z; "
                  "INSERT INTO t VALUES (:z, :y); RETURN y; END") == "v10"
    assert q("SELECT id, v FROM t WHERE id = 10") == [(10, "v10")]


def test_a_colon_after_a_name_is_a_variant_path_not_a_variable(q):
    q("CREATE TABLE j (doc VARIANT)")
    q("""INSERT INTO j SELECT PARSE_JSON('{"a": 7}')""")
    assert one(q, "DECLARE a INT DEFAULT 99; BEGIN LET got INT := 0; "
                  "SELECT doc:a::INT INTO :got FROM j; RETURN got; END") == 7


def test_select_into_and_the_row_count_of_the_last_statement(q):
    assert one(q, "BEGIN LET n INT := 0; LET m STRING := ''; SELECT count(*), max(v) INTO :n, :m FROM t; "
                  "RETURN n || m; END") == "3c"
    assert one(q, "BEGIN UPDATE t SET v = 'z' WHERE id >= 2; RETURN SQLROWCOUNT; END") == 2
    assert one(q, "BEGIN DELETE FROM t WHERE id > 100; IF (SQLNOTFOUND) THEN RETURN 'none'; END IF; "
                  "RETURN 'some'; END") == "none"


@pytest.mark.parametrize(("n", "want"), [(0, "zero"), (1, "one"), (5, "many"), (-1, "negative")])
def test_if_elseif_else(q, n, want):
    assert one(q, f"DECLARE n INT DEFAULT {n}; BEGIN IF (n = 0) THEN RETURN 'zero'; ELSEIF (n = 1) THEN "
                  f"RETURN 'one'; ELSEIF (n > 1) THEN RETURN 'many'; ELSE RETURN 'negative'; END IF; END") == want


def test_case_statements(q):
    assert one(q, "BEGIN LET x := 3; CASE (x) WHEN 1 THEN RETURN 'one'; WHEN 3 THEN RETURN 'three'; "
                  "END CASE; END") == "three"
    assert one(q, "BEGIN LET x := 3; CASE WHEN x > 5 THEN RETURN 'big'; ELSE RETURN 'small'; END; END") == "small"
    with pytest.raises(cdcsim.ProgrammingError, match="Case not found"):
        q("BEGIN LET x := 3; CASE (x) WHEN 1 THEN RETURN 'one'; END CASE; END")


def test_loops_break_continue_and_labels(q):
    assert one(q, "DECLARE s INT DEFAULT 0; BEGIN FOR i IN REVERSE 1 TO 4 DO s := s * 10 + i; END FOR; "
                  "RETURN s; END") == 4321
    assert one(q, "DECLARE i INT DEFAULT 0; BEGIN WHILE (i < 10) DO i := i + 1; IF (i = 3) THEN BREAK; END IF; "
                  "END WHILE; RETURN i; END") == 3
    assert one(q, "DECLARE i INT DEFAULT 0; BEGIN REPEAT i := i + 2; UNTIL (i >= 7) END REPEAT; RETURN i; END") == 8
    assert one(q, "DECLARE i INT DEFAULT 0; j INT DEFAULT 0; BEGIN LOOP i := i + 1; IF (i > 4) THEN BREAK; "
                  "END IF; IF (i = 2) THEN CONTINUE; END IF; j := j + i; END LOOP; RETURN j; END") == 8
    # BREAK with the outer loop's label leaves both loops
    assert one(q, "DECLARE n INT DEFAULT 0; BEGIN FOR i IN 1 TO 3 DO FOR k IN 1 TO 3 DO n := n + 1; "
                  "IF (k = 2 AND i = 2) THEN BREAK outer; END IF; END FOR; END FOR outer; RETURN n; END") == 5


def test_cursors_and_resultsets(q):
    assert one(q, "DECLARE c CURSOR FOR SELECT id, v FROM t ORDER BY id; s STRING DEFAULT ''; BEGIN "
                  "FOR r IN c DO s := s || r.v || :r.id; END FOR; RETURN s; END") == "a1b2c3"
    assert one(q, "DECLARE c CURSOR FOR SELECT id FROM t ORDER BY id DESC; a INT; b INT; BEGIN OPEN c; "
                  "FETCH c INTO a; FETCH c INTO b; CLOSE c; RETURN a * 10 + b; END") == 32
    assert q("DECLARE rs RESULTSET DEFAULT (SELECT id, v FROM t WHERE id < 3 ORDER BY id); BEGIN "
             "RETURN TABLE(rs); END") == [(1, "a"), (2, "b")]
    assert [d[0] for d in q.cur.description] == ["ID", "V"]
    assert one(q, "BEGIN LET rs RESULTSET := (SELECT id FROM t); LET n INT := 0; FOR r IN rs DO n := n + r.id; "
                  "END FOR; RETURN n; END") == 6


def test_exceptions(q):
    assert one(q, "DECLARE e EXCEPTION (-20002, 'bad thing'); BEGIN RAISE e; EXCEPTION WHEN e THEN "
                  "RETURN SQLCODE || ': ' || SQLERRM; END") == "-20002: bad thing"
    assert one(q, "BEGIN SELECT * FROM nope; EXCEPTION WHEN STATEMENT_ERROR THEN RETURN SQLCODE; END") == 2003
    assert one(q, "BEGIN LET x := 1 / 0; EXCEPTION WHEN EXPRESSION_ERROR THEN RETURN 'expr'; END") == "expr"
    assert one(q, "BEGIN BEGIN SELECT * FROM nope; END; EXCEPTION WHEN OTHER THEN RETURN 'outer'; END") == "outer"
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("DECLARE e EXCEPTION (-20005, 'not handled'); BEGIN RAISE e; END")
    assert (e.value.errno, e.value.msg) == (-20005, "not handled")
    with pytest.raises(cdcsim.ProgrammingError) as e:  # RAISE in a handler re-raises
        q("BEGIN INSERT INTO nope VALUES (1); EXCEPTION WHEN OTHER THEN INSERT INTO t VALUES (8, 'h'); RAISE; END")
    assert e.value.errno == 2003
    assert one(q, "SELECT count(*) FROM t WHERE id = 8") == 1  # a block is not a transaction


def test_a_block_is_not_a_transaction_unless_it_opens_one(q):
    q("BEGIN BEGIN TRANSACTION; INSERT INTO t VALUES (20, 'x'); COMMIT; END")
    assert one(q, "SELECT count(*) FROM t WHERE id = 20") == 1
    with pytest.raises(cdcsim.ProgrammingError, match="ended inside a transaction"):
        q("BEGIN BEGIN TRANSACTION; INSERT INTO t VALUES (21, 'x'); END")
    assert one(q, "SELECT count(*) FROM t WHERE id = 21") == 0


def test_syntax_errors_name_the_problem(q):
    with pytest.raises(cdcsim.ProgrammingError, match="expected IF"):
        q("BEGIN IF (1 = 1) THEN RETURN 1; END")
    with pytest.raises(cdcsim.ProgrammingError, match="invalid identifier 'NOPE'"):
        q("BEGIN nope := 1; END")


PROC = """CREATE OR REPLACE PROCEDURE add_row(id INT, v STRING DEFAULT 'dflt')
RETURNS VARCHAR LANGUAGE SQL COMMENT = 'adds a row' AS $$
BEGIN
  INSERT INTO t VALUES (:id, :v);
  RETURN 'added ' || id;
END
$$"""


def test_create_and_call_a_procedure(q):
    assert q(PROC) == [("Function ADD_ROW successfully created.",)]
    assert q("CALL add_row(10, 'x')") == [("added 10",)]
    assert [d[0] for d in q.cur.description] == ["ADD_ROW"]
    assert q("CALL add_row(11)") == [("added 11",)]
    assert q("CALL add_row(v => 'named', id => 12)") == [("added 12",)]
    assert q("SELECT id, v FROM t WHERE id >= 10 ORDER BY id") == [(10, "x"), (11, "dflt"), (12, "named")]
    (row,) = q("SHOW PROCEDURES LIKE 'ADD%'")
    assert (row[1], row[6], row[7], row[8], row[9]) == (
        "ADD_ROW", 1, 2, "ADD_ROW(INT, STRING) RETURN VARCHAR", "adds a row")
    desc = dict(q("DESCRIBE PROCEDURE add_row(INT, STRING)"))
    assert desc["signature"] == "(ID INT, V STRING)" and desc["returns"] == "VARCHAR" and "INSERT" in desc["body"]
    with pytest.raises(cdcsim.ProgrammingError):
        q("CALL add_row()")  # ID has no default


def test_return_values_are_cast_to_the_declared_type_and_tables_come_back(q):
    q("CREATE PROCEDURE p() RETURNS VARCHAR LANGUAGE SQL AS $$ BEGIN RETURN 5; END $$")
    assert q("CALL p()") == [("5",)]
    q("CREATE PROCEDURE top2() RETURNS TABLE (id INT) LANGUAGE SQL AS "
      "'DECLARE r RESULTSET DEFAULT (SELECT id FROM t ORDER BY id DESC LIMIT 2); BEGIN RETURN TABLE(r); END'")
    assert q("CALL top2()") == [(3,), (2,)]


def test_overloads_replace_and_drop(q):
    q("CREATE PROCEDURE f(a INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN a; END $$")
    q("CREATE PROCEDURE f(a INT, b INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN a + b; END $$")
    assert (one(q, "CALL f(1)"), one(q, "CALL f(1, 2)")) == (1, 3)
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE PROCEDURE f(a INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 0; END $$")
    assert e.value.errno == 2002
    q("CREATE OR REPLACE PROCEDURE f(a INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN -a; END $$")
    assert one(q, "CALL f(4)") == -4
    q("DROP PROCEDURE f(INT)")
    assert one(q, "CALL f(1, 1)") == 2
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CALL f(1)")
    assert "no overload" in e.value.msg
    q("DROP PROCEDURE f(INT, INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CALL f(1)")
    assert e.value.errno == 2003
    assert q("DROP PROCEDURE IF EXISTS f(INT)") == [("Drop statement executed successfully (procedure already dropped).",)]


def test_other_languages_and_bad_bodies_fail_at_create(q):
    with pytest.raises(cdcsim.NotSupportedError) as e:
        q("CREATE PROCEDURE py() RETURNS INT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' PACKAGES = ('snowflake-snowpark-python') "
          "HANDLER = 'h' AS $$\ndef h(session):\n    return 1\n$$")
    assert e.value.sqlstate == "0A000"
    with pytest.raises(cdcsim.ProgrammingError):
        q("CREATE PROCEDURE broken() RETURNS INT LANGUAGE SQL AS $$ BEGIN IF (1 = 1) THEN RETURN 1; END $$")
    assert q("SHOW PROCEDURES") == []


def test_a_procedure_consumes_a_stream_once(q):
    """The classic CDC procedure: merge a stream's changes, report how many."""
    q("CREATE TABLE target (id INT, v STRING)")
    q("CREATE STREAM s ON TABLE t")
    q("INSERT INTO t VALUES (5, 'e')")
    q("UPDATE t SET v = 'A' WHERE id = 1")
    q("""CREATE PROCEDURE apply_changes() RETURNS INT LANGUAGE SQL AS $$
    BEGIN
      BEGIN TRANSACTION;
      MERGE INTO target USING (SELECT id, v FROM s WHERE METADATA$ACTION = 'INSERT') src ON target.id = src.id
        WHEN MATCHED THEN UPDATE SET v = src.v WHEN NOT MATCHED THEN INSERT VALUES (src.id, src.v);
      LET n INT := SQLROWCOUNT;
      COMMIT;
      RETURN n;
    END $$""")
    assert one(q, "CALL apply_changes()") == 2
    assert q("SELECT id, v FROM target ORDER BY id") == [(1, "A"), (5, "e")]
    assert one(q, "SELECT count(*) FROM s") == 0
    assert one(q, "CALL apply_changes()") == 0


def test_procedures_call_procedures_and_recursion_is_bounded(q):
    q("CREATE PROCEDURE fact(n INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN IF (n <= 1) THEN RETURN 1; END IF; "
      "LET r INT := 0; CALL fact(:n - 1) INTO :r; RETURN n * r; END $$")
    assert one(q, "CALL fact(5)") == 120
    q("CREATE PROCEDURE forever(n INT) RETURNS INT LANGUAGE SQL AS $$ BEGIN CALL forever(:n); RETURN 0; END $$")
    with pytest.raises(cdcsim.ProgrammingError, match="nested more than"):
        q("CALL forever(1)")


def test_procedures_persist_in_a_file_database_and_go_with_their_schema(tmp_path):
    path = str(tmp_path / "p.duckdb")
    with cdcsim.connect(path) as c:
        c.execute_string("CREATE SCHEMA ops; CREATE PROCEDURE ops.hello(who STRING) RETURNS STRING LANGUAGE SQL "
                         "AS $$ BEGIN RETURN 'hi ' || who; END $$;")
    with cdcsim.connect(path) as c:
        cur = c.cursor()
        assert cur.execute("CALL ops.hello('you')").fetchall() == [("hi you",)]
        cur.execute("DROP SCHEMA ops")
        cur.execute("CREATE SCHEMA ops")
        assert cur.execute("SHOW PROCEDURES IN SCHEMA ops").fetchall() == []


def test_execute_immediate(q):
    assert q("EXECUTE IMMEDIATE $$ BEGIN RETURN 'imm'; END $$") == [("imm",)]
    assert q("EXECUTE IMMEDIATE 'SELECT 42'") == [(42,)]


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.integers(-50, 50), max_size=12), lo=st.integers(-60, 60), stop=st.integers(0, 8),
       reverse=st.booleans())
def test_loops_agree_with_a_python_model(values, lo, stop, reverse):
    """A cursor loop that sums the rows above a bound, and a range loop that folds its counter in
    order, give what the same loops give in Python."""
    c = cdcsim.connect()
    try:
        cur = c.cursor()
        cur.execute("CREATE TABLE n (x INT)")
        if values:
            cur.execute("INSERT INTO n VALUES " + ", ".join(f"({v})" for v in values))
        cur.execute(f"DECLARE c CURSOR FOR SELECT x FROM n; s INT DEFAULT 0; k INT DEFAULT 0; BEGIN "
                    f"FOR r IN c DO IF (r.x > {lo}) THEN s := s + r.x; k := k + 1; END IF; END FOR; "
                    f"RETURN s * 1000 + k; END")
        above = [v for v in values if v > lo]
        assert cur.fetchone()[0] == sum(above) * 1000 + len(above)
        cur.execute(f"DECLARE f INT DEFAULT 0; BEGIN FOR i IN {'REVERSE ' if reverse else ''}1 TO {stop} DO "
                    f"f := f * 3 + i; END FOR; RETURN f; END")
        f = 0
        for i in (range(stop, 0, -1) if reverse else range(1, stop + 1)):
            f = f * 3 + i
        assert cur.fetchone()[0] == f
    finally:
        c.close()


def test_scopes_blocks_hide_their_variables_but_if_does_not(q):
    assert one(q, "BEGIN IF (TRUE) THEN LET x := 4; END IF; RETURN x; END") == 4
    assert one(q, "DECLARE x INT DEFAULT 1; BEGIN BEGIN LET x := 2; END; RETURN x; END") == 1
    assert one(q, "DECLARE x INT DEFAULT 1; BEGIN BEGIN x := 2; END; RETURN x; END") == 2
    with pytest.raises(cdcsim.ProgrammingError, match="invalid identifier 'Y'"):
        q("BEGIN BEGIN LET y := 2; END; RETURN y; END")


class _Prog:
    """A random structured program, as Snowflake Scripting text and as a Python model."""

    @staticmethod
    def stmts(draw, depth: int) -> list[tuple]:
        n = draw(st.integers(1, 3))
        out = []
        for _ in range(n):
            kinds = ["add", "mul"] + (["if", "for", "while"] if depth < 2 else [])
            k = draw(st.sampled_from(kinds))
            if k in ("add", "mul"):
                out.append((k, draw(st.sampled_from(["x", "y"])), draw(st.integers(-3, 3))))
            elif k == "if":
                out.append(("if", draw(st.integers(-5, 5)), _Prog.stmts(draw, depth + 1),
                            _Prog.stmts(draw, depth + 1) if draw(st.booleans()) else None))
            elif k == "for":
                out.append(("for", draw(st.integers(0, 3)), draw(st.integers(-1, 4)), _Prog.stmts(draw, depth + 1)))
            else:
                out.append(("while", draw(st.integers(0, 4)), _Prog.stmts(draw, depth + 1)))
        return out

    @staticmethod
    def text(stmts: list[tuple], depth: int = 0) -> str:
        parts = []
        for s in stmts:
            if s[0] == "add":
                parts.append(f"{s[1]} := {s[1]} + ({s[2]});")
            elif s[0] == "mul":
                parts.append(f"{s[1]} := MOD({s[1]} * ({s[2]}), 1000);")
            elif s[0] == "if":
                other = f" ELSE {_Prog.text(s[3], depth + 1)}" if s[3] is not None else ""
                parts.append(f"IF (x > {s[1]}) THEN {_Prog.text(s[2], depth + 1)}{other} END IF;")
            elif s[0] == "for":
                parts.append(f"FOR i{depth} IN {s[1]} TO {s[2]} DO y := y + i{depth}; {_Prog.text(s[3], depth + 1)} "
                             "END FOR;")
            else:  # a bounded WHILE with a BREAK on its counter
                parts.append(f"LET w{depth} INT := 0; WHILE (TRUE) DO w{depth} := w{depth} + 1; "
                             f"IF (w{depth} > {s[1]}) THEN BREAK; END IF; {_Prog.text(s[2], depth + 1)} END WHILE;")
        return " ".join(parts)

    @staticmethod
    def run(stmts: list[tuple], env: dict[str, int]) -> None:
        def mod(a: int, b: int) -> int:  # SQL's MOD keeps the dividend's sign
            r = abs(a) % b
            return r if a >= 0 else -r

        for s in stmts:
            if s[0] == "add":
                env[s[1]] += s[2]
            elif s[0] == "mul":
                env[s[1]] = mod(env[s[1]] * s[2], 1000)
            elif s[0] == "if":
                if env["x"] > s[1]:
                    _Prog.run(s[2], env)
                elif s[3] is not None:
                    _Prog.run(s[3], env)
            elif s[0] == "for":
                for i in range(s[1], s[2] + 1):
                    env["y"] += i
                    _Prog.run(s[3], env)
            else:
                for _ in range(s[1]):
                    _Prog.run(s[2], env)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), x0=st.integers(-5, 5))
def test_control_flow_agrees_with_a_python_model(data, x0):
    prog = _Prog.stmts(data.draw, 0)
    c = cdcsim.connect()
    try:
        cur = c.cursor()
        cur.execute(f"DECLARE x INT DEFAULT {x0}; y INT DEFAULT 0; BEGIN {_Prog.text(prog)} "
                    "RETURN x || ',' || y; END")
        env = {"x": x0, "y": 0}
        _Prog.run(prog, env)
        assert cur.fetchone()[0] == f"{env['x']},{env['y']}"
    finally:
        c.close()


def test_dynamic_sql(q):
    """Procedures build statements: IDENTIFIER(:name), EXECUTE IMMEDIATE of a variable or of a
    concatenation, a RESULTSET from EXECUTE IMMEDIATE."""
    assert one(q, "BEGIN LET tn := 't'; INSERT INTO IDENTIFIER(:tn) VALUES (7, 'g'); "
                  "RETURN (SELECT count(*) FROM t); END") == 4
    assert one(q, "BEGIN LET stmt := 'DELETE FROM t WHERE id = 7'; EXECUTE IMMEDIATE :stmt; "
                  "RETURN SQLROWCOUNT; END") == 1
    assert one(q, "BEGIN EXECUTE IMMEDIATE 'INSERT INTO t VALUES (' || 8 || ', ''h'')'; RETURN SQLROWCOUNT; END") == 1
    assert q("BEGIN LET stmt := 'SELECT id FROM t WHERE id > 2 ORDER BY id'; "
             "LET rs RESULTSET := (EXECUTE IMMEDIATE :stmt); RETURN TABLE(rs); END") == [(3,), (8,)]
    with pytest.raises(cdcsim.ProgrammingError, match="needs a string"):
        q("EXECUTE IMMEDIATE 1 + 1")


def test_execute_immediate_binds_variables_with_using(q):
    """USING (v1, v2, ...) gives the statement's ? placeholders the variables' values, in order,
    whatever holds the statement (a literal, a variable, a concatenation); SQLROWCOUNT counts it."""
    assert q("DECLARE lo INT DEFAULT 1; hi INT DEFAULT 2; rs RESULTSET; "
             "BEGIN rs := (EXECUTE IMMEDIATE 'SELECT id, v FROM t WHERE id BETWEEN ? AND ? ORDER BY id' "
             "USING (lo, hi)); RETURN TABLE(rs); END") == [(1, "a"), (2, "b")]
    assert one(q, "DECLARE v STRING DEFAULT 'it''s'; i INT DEFAULT 3; stmt STRING DEFAULT 'UPDATE t SET v = ? "
                  "WHERE id = ?'; BEGIN EXECUTE IMMEDIATE :stmt USING (v, i); RETURN SQLROWCOUNT; END") == 1
    assert q("SELECT v FROM t WHERE id = 3") == [("it's",)]
    # a value is bound, never spliced into the text: quotes and SQL in it stay data
    assert one(q, "DECLARE x STRING DEFAULT '1; DROP TABLE t'; BEGIN "
                  "LET rs RESULTSET := (EXECUTE IMMEDIATE 'SELECT ' || '?::STRING AS s' USING (x)); "
                  "FOR r IN rs DO RETURN r.s; END FOR; END") == "1; DROP TABLE t"
    assert q("SELECT count(*) FROM t") == [(3,)]
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("BEGIN LET x := 1; EXECUTE IMMEDIATE 'SELECT ?' USING (y); END")
    assert e.value.errno == 904 and "'y'" in str(e.value)
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("BEGIN LET x := 1; EXECUTE IMMEDIATE 'SELECT ?, ?' USING (x); END")
    assert e.value.errno == 252001
    with pytest.raises(cdcsim.NotSupportedError, match="block"):
        q("EXECUTE IMMEDIATE 'SELECT ?' USING (x)")


def test_system_log_goes_to_python_logging(q, caplog):
    import logging

    with caplog.at_level(logging.DEBUG, logger="cdcsim.log"):
        q("BEGIN CALL SYSTEM$LOG('info', 'rows: ' || (SELECT count(*) FROM t)); "
          "SELECT SYSTEM$LOG_WARN('careful'); RETURN 1; END")
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "cdcsim.log"] == [
        ("INFO", "session: rows: 3"), ("WARNING", "session: careful")]
    with pytest.raises(cdcsim.ProgrammingError, match="unknown level"):
        q("SELECT SYSTEM$LOG('loud', 'x')")
