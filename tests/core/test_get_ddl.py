"""GET_DDL (cdcsim/get_ddl.py): each kind's DDL, and the round trip that matters: a schema's DDL
run in an empty database recreates what the schema held."""

from __future__ import annotations

from datetime import datetime

import pytest

import cdcsim

SCHEMA = """
CREATE TABLE t (id INT AUTOINCREMENT START 10 INCREMENT 5, v STRING NOT NULL DEFAULT 'x',
                ts TIMESTAMP_NTZ DEFAULT CURRENT_TIMESTAMP(), amt NUMBER(10,2));
CREATE VIEW v AS SELECT id, v FROM t WHERE id > 1;
CREATE SEQUENCE sq START = 5 INCREMENT = 2;
CREATE STREAM s ON TABLE t APPEND_ONLY = TRUE COMMENT = 'it''s';
CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT v, count(*) AS n FROM t GROUP BY v;
CREATE TASK k WAREHOUSE = wh SCHEDULE = '5 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s')
  AS INSERT INTO t (v) SELECT v FROM s;
CREATE TASK k2 AFTER k AS SELECT 1;
CREATE PROCEDURE p(a INT, b STRING DEFAULT 'z') RETURNS VARCHAR LANGUAGE SQL AS $$ BEGIN RETURN b || a; END $$;
"""


def ddl(cur, kind: str, name: str, *more: str) -> str:
    extra = "".join(f", {m}" for m in more)
    return cur.execute(f"SELECT GET_DDL('{kind}', '{name}'{extra})").fetchone()[0]


def snapshot(cur) -> dict:
    """What the schema holds, as SHOW and DESCRIBE tell it (times and ids left out)."""
    return {
        "table": cur.execute("DESCRIBE TABLE t").fetchall(),
        "views": [r[1] for r in cur.execute("SHOW VIEWS").fetchall()],
        "view rows": cur.execute("SELECT * FROM v ORDER BY id").fetchall(),
        "streams": [(r[1], r[5], r[6].split(".")[-1], r[9]) for r in cur.execute("SHOW STREAMS").fetchall()],
        "tasks": [(r[1], r[7], r[8], r[9], r[11], r[12]) for r in cur.execute("SHOW TASKS").fetchall()],
        "dynamic tables": [(r[1], r[5], r[6]) for r in cur.execute("SHOW DYNAMIC TABLES").fetchall()],
        "procedure": cur.execute("CALL p(1)").fetchall(),
        "sequence": cur.execute("SELECT sq.NEXTVAL").fetchall(),
        "identity": (cur.execute("INSERT INTO t (amt) VALUES (1)"),
                     cur.execute("SELECT max(id) FROM t").fetchall())[1],
    }


def test_a_schemas_ddl_recreates_it_in_an_empty_database():
    with cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 1, 1))) as a, \
            cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 1, 1))) as b:
        a.execute_string(SCHEMA)
        text = ddl(a.cursor(), "SCHEMA", "public")
        b.execute_string(text)
        assert snapshot(b.cursor()) == snapshot(a.cursor())


def test_each_kind():
    with cdcsim.connect() as c:
        c.execute_string(SCHEMA)
        cur = c.cursor()
        table = ddl(cur, "TABLE", "t")
        assert table.startswith("create or replace TABLE T (\n\tID NUMBER(38,0) AUTOINCREMENT START 10 INCREMENT 5")
        assert "\tV VARCHAR(16777216) DEFAULT 'x' NOT NULL," in table and "__CDCSIM" not in table
        assert ddl(cur, "VIEW", "v") == "create or replace VIEW v AS SELECT id, v FROM t WHERE id > 1;\n"
        assert ddl(cur, "STREAM", "s") == "create or replace stream S on table T append_only = true comment = 'it''s';\n"
        assert ddl(cur, "TASK", "k2", "TRUE") == "create or replace task CDCSIM.PUBLIC.K2\n\tafter CDCSIM.PUBLIC.K\n\tas SELECT 1;\n"
        assert ddl(cur, "DYNAMIC_TABLE", "d").startswith("create or replace DYNAMIC TABLE d TARGET_LAG = '1 minute'")
        assert ddl(cur, "TABLE", "d") == ddl(cur, "DYNAMIC_TABLE", "d")
        assert ddl(cur, "PROCEDURE", "p(INT, STRING)").startswith(
            "CREATE OR REPLACE PROCEDURE P(\"A\" INT, \"B\" STRING DEFAULT 'z')\nRETURNS VARCHAR\nLANGUAGE SQL")
        assert ddl(cur, "SEQUENCE", "sq") == "create or replace sequence SQ start with 5 increment by 2;\n"
        assert ddl(cur, "DATABASE", "cdcsim").startswith("create or replace database CDCSIM;\n\ncreate or replace schema PUBLIC;")


def test_views_keep_their_text_through_rename_and_drop(q):
    q("CREATE TABLE base (a INT)")
    q("CREATE VIEW w AS SELECT a FROM base")
    q("ALTER VIEW w RENAME TO w2")
    assert q("SELECT GET_DDL('VIEW', 'w2')") == [("create or replace VIEW w AS SELECT a FROM base;\n",)]
    q("DROP VIEW w2")
    q("CREATE VIEW w2 AS SELECT a + 1 AS b FROM base")
    assert q("SELECT GET_DDL('VIEW', 'w2')") == [("create or replace VIEW w2 AS SELECT a + 1 AS b FROM base;\n",)]


@pytest.mark.parametrize(("args", "errno"), [("'TABLE', 'nope'", 2003), ("'VIEW', 'nope'", 2003),
                                              ("'FILE_FORMAT', 'x'", 2000), ("'TABLE'", 1044)])
def test_bad_arguments(q, args, errno):
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q(f"SELECT GET_DDL({args})")
    assert e.value.errno == errno


def test_show_views_says_when_a_view_was_made_and_its_text():
    """(Tables keep no creation time: recording one cost a CREATE TABLE 1.4 ms, +70%.)"""
    with cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 3, 1, 12, 0))) as c:
        cur = c.cursor()
        c.execute_string("CREATE TABLE base (a INT); CREATE VIEW w AS SELECT a FROM base;")
        (view,) = cur.execute("SHOW VIEWS").fetchall()
        assert (view[0], view[7]) == (datetime(2025, 3, 1, 12, 0), "CREATE VIEW w AS SELECT a FROM base")


def test_quotes_and_backslashes_survive_the_round_trip():
    """A view's text and a procedure's body with quotes and backslashes: the DDL recreates objects
    that answer as the originals do (a quoted body is a Snowflake string: its backslashes escape)."""
    with cdcsim.connect() as a, cdcsim.connect() as b:
        a.execute_string(r"""
            CREATE VIEW rv AS SELECT REGEXP_REPLACE('a.b', '\\.', '-') AS x, 'it''s' AS y;
            CREATE PROCEDURE bs() RETURNS STRING LANGUAGE SQL AS $$ BEGIN RETURN 'a\\b' || 'it''s'; END $$;
        """)
        cur = a.cursor()
        b.execute_string(cur.execute("SELECT GET_DDL('SCHEMA', 'public')").fetchone()[0])
        for sql in ("SELECT * FROM rv", "CALL bs()"):
            assert b.cursor().execute(sql).fetchall() == cur.execute(sql).fetchall()
        assert cur.execute("CALL bs()").fetchall() == [("a\\bit's",)]
