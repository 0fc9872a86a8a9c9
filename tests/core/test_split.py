"""Script splitting: comments, strings, $$ blocks and scripting bodies."""

from __future__ import annotations

from cdcsim.sql.split import split_statements, strip_comments


def test_comments_strings_and_trailing_statement():
    script = """-- header; not a statement
create table t (a int); // line comment; still comment
insert into t values (1); /* block ; comment */ select 'a;b', "x;y" from t;
select $$ dollar ; quoted $$
"""
    stmts = split_statements(script)
    assert [s.text.split()[0].lower() for s in stmts] == ["create", "insert", "select", "select"]
    assert [s.line for s in stmts] == [2, 3, 3, 4]
    assert stmts[2].text == "select 'a;b', \"x;y\" from t"


def test_task_body_block_is_one_statement():
    script = ("create task k schedule = '1 minute' as begin insert into t values (1); delete from t; end;\n"
              "begin; insert into t values (2); commit;")
    stmts = [s.text for s in split_statements(script)]
    assert stmts[0].startswith("create task k") and stmts[0].endswith("end")
    assert stmts[1:] == ["begin", "insert into t values (2)", "commit"]


def test_declare_block_with_if():
    script = "create task x as declare v int; begin v := 1; if (v = 1) then select 1; end if; end; select 2"
    assert [s.text[-5:] for s in split_statements(script)] == ["; end", "ect 2"]


def test_strip_comments_keeps_strings():
    assert strip_comments("select '--x' -- y\n, 1 /* z */") == "select '--x'  \n, 1"
