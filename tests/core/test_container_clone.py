"""CREATE SCHEMA / DATABASE ... CLONE (cdcsim/container_clone.py), and CREATE OR REPLACE of a
container that exists (it is emptied first)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

import cdcsim

PROD = """
CREATE SCHEMA prod;
CREATE TABLE t (id INT AUTOINCREMENT, v STRING);
INSERT INTO t (v) VALUES ('a'), ('b');
CREATE VIEW v AS SELECT id, v FROM t WHERE id > 1;
CREATE VIEW vfull AS SELECT count(*) AS n FROM cdcsim.prod.t;
CREATE SEQUENCE sq START = 5 INCREMENT = 2;
CREATE STREAM s ON TABLE t;
INSERT INTO t (v) VALUES ('c');
CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT v, count(*) AS n FROM t GROUP BY v;
CREATE STREAM sd ON DYNAMIC TABLE d;
CREATE TASK k WAREHOUSE = wh SCHEDULE = '5 MINUTE' AS INSERT INTO t (v) SELECT v FROM s;
CREATE TASK k2 AFTER k AS SELECT 1;
ALTER TASK k2 RESUME;
ALTER TASK k RESUME;
CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN (SELECT count(*) FROM t); END $$;
SELECT sq.NEXTVAL;
"""


@pytest.fixture
def prod():
    c = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 1, 1)))
    c.execute_string(PROD)
    cur = c.cursor()

    def run(sql: str) -> list[tuple]:
        return cur.execute(sql).fetchall()
    run.cur = cur  # type: ignore[attr-defined]
    yield run
    c.close()


def show(q, sql: str) -> list[dict]:
    rows = q(sql)
    names = [d[0] for d in q.cur.description]
    return [dict(zip(names, r, strict=True)) for r in rows]


def test_a_schema_clone_holds_copies_that_resolve_inside_it(prod):
    q = prod
    assert q("CREATE SCHEMA dev CLONE prod") == [("Schema DEV successfully created.",)]
    assert q("SELECT current_schema()") == [("DEV",)]
    assert q("SELECT id, v FROM dev.t ORDER BY id") == [(1, "a"), (2, "b"), (3, "c")]
    q("INSERT INTO dev.t (v) VALUES ('new')")  # the identity goes on; the source is untouched
    assert q("SELECT max(id) FROM dev.t") == [(4,)]
    assert q("SELECT count(*) FROM prod.t") == [(3,)]
    assert q("SELECT count(*) FROM dev.v") == [(3,)]  # unqualified: the clone's table
    assert q("SELECT n FROM dev.vfull") == [(3,)]  # fully qualified: still the original
    assert q("SELECT id, v, METADATA$ACTION FROM dev.s") == [(4, "new", "INSERT")]  # only what came after
    assert q("SELECT count(*) FROM prod.s") == [(1,)]  # the source stream keeps its pending row
    assert q("SELECT sq.NEXTVAL FROM dev.t LIMIT 1") == [(7,)]  # after the source's 5
    assert q("SELECT v, n FROM dev.d ORDER BY v") == [("a", 1), ("b", 1), ("c", 1)]
    streams = {r[1]: r[6] for r in q("SHOW STREAMS IN SCHEMA dev")}
    assert streams == {"S": "CDCSIM.DEV.T", "SD": "CDCSIM.DEV.D"}
    tasks = {r["name"]: (r["state"], json.loads(r["predecessors"])) for r in show(q, "SHOW TASKS IN SCHEMA dev")}
    assert tasks == {"K": ("suspended", []), "K2": ("suspended", ["CDCSIM.DEV.K"])}
    assert q("CALL dev.p()") == [(4,)]


def test_a_database_clone_resolves_schema_qualified_names_in_the_clone(prod):
    q = prod
    q("CREATE SCHEMA other")
    q("CREATE VIEW other.w AS SELECT count(*) AS n FROM prod.t")
    assert q("CREATE DATABASE db2 CLONE cdcsim") == [("Database DB2 successfully created.",)]
    q("INSERT INTO db2.prod.t (v) VALUES ('x')")
    assert q("SELECT n FROM db2.other.w") == [(4,)]  # db2.prod.t
    assert q("SELECT n FROM db2.prod.vfull") == [(3,)]  # cdcsim.prod.t, named in full
    assert q("SELECT n FROM cdcsim.other.w") == [(3,)]


def test_replace_if_not_exists_and_errors(prod):
    q = prod
    q("CREATE SCHEMA dev")
    q("CREATE TABLE dev.junk (a INT)")
    with pytest.raises(cdcsim.ProgrammingError) as e:
        q("CREATE SCHEMA dev CLONE prod")
    assert e.value.errno == 2002
    assert q("CREATE SCHEMA IF NOT EXISTS dev CLONE prod") == [("DEV already exists, statement succeeded.",)]
    q("CREATE OR REPLACE SCHEMA dev CLONE prod")
    # JUNK went with the old one (D is the cloned dynamic table, listed by SHOW TABLES as dynamic)
    assert sorted(r[1] for r in q("SHOW TABLES IN SCHEMA dev")) == ["D", "T"]
    assert [r[1] for r in q("SHOW DYNAMIC TABLES IN SCHEMA dev")] == ["D"]
    for stmt, errno in [("CREATE SCHEMA x CLONE nope", 2003), ("CREATE OR REPLACE SCHEMA prod CLONE prod", 2000),
                        ("CREATE SCHEMA x CLONE prod AT(OFFSET => -60)", 2000),
                        ("CREATE DATABASE y CLONE nope", 2003)]:
        with pytest.raises(cdcsim.ProgrammingError) as e:
            q(stmt)
        assert e.value.errno == errno, stmt
    assert not any(r[1] in ("X", "Y") for r in q("SHOW SCHEMAS IN ACCOUNT"))


def test_a_failing_clone_leaves_no_schema(prod, monkeypatch):
    from cdcsim import container_clone

    real = container_clone.clone_schema_objects

    def fail_after_tables(s, pairs):
        real(s, pairs)
        raise cdcsim.ProgrammingError("injected", 1, "XX000")

    monkeypatch.setattr(container_clone, "clone_schema_objects", fail_after_tables)
    with pytest.raises(cdcsim.ProgrammingError, match="injected"):
        prod("CREATE SCHEMA dev CLONE prod")
    assert not any(r[1] == "DEV" for r in prod("SHOW SCHEMAS"))
    assert not any(r[3] == "DEV" for r in prod("SHOW STREAMS IN ACCOUNT"))
    assert not any(r[4] == "DEV" for r in prod("SHOW TASKS IN ACCOUNT"))


def test_create_or_replace_empties_an_existing_container(q):
    q("CREATE SCHEMA s1")
    q("CREATE TABLE s1.t (a INT)")
    q("CREATE OR REPLACE SCHEMA s1")
    assert q("SHOW TABLES IN SCHEMA s1") == []
    q("CREATE DATABASE d1")
    q("CREATE TABLE d1.public.t (a INT)")
    q("CREATE OR REPLACE DATABASE d1")
    assert q("SHOW TABLES IN DATABASE d1") == []
