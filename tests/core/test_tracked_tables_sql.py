"""Ordinary Snowflake SQL over tables with and without change tracking gives the same results:
qualified SET targets, NATURAL JOIN, CREATE TABLE ... LIKE / CLONE. Each case runs twice, once
before and once after streams turn tracking on (the hidden row-id column must stay invisible)."""

from __future__ import annotations

import pytest

from cdcsim import IntegrityError, ProgrammingError

SETUP = """
CREATE TABLE tgt (id INT NOT NULL, name STRING DEFAULT 'none', twice INT AS (id * 2));
CREATE TABLE src (id INT, name STRING);
INSERT INTO tgt (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO src VALUES (1, 'x'), (3, 'z');
"""


@pytest.fixture(params=[False, True], ids=["untracked", "tracked"])
def tracked(request, con):
    con.execute_string(SETUP)
    if request.param:
        con.execute_string("CREATE STREAM tgt_s ON TABLE tgt; CREATE STREAM src_s ON TABLE src;")
    return request.param


def test_merge_with_qualified_set_targets(q, tracked):
    q("MERGE INTO tgt t USING src sc ON t.id = sc.id "
      "WHEN MATCHED THEN UPDATE SET t.name = sc.name "
      "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (sc.id, sc.name)")
    assert q("SELECT id, name, twice FROM tgt ORDER BY id") == [(1, "x", 2), (2, "b", 4), (3, "z", 6)]
    if tracked:
        assert q("SELECT id, name, METADATA$ACTION, METADATA$ISUPDATE FROM tgt_s ORDER BY id, 3") == [
            (1, "a", "DELETE", True), (1, "x", "INSERT", True), (3, "z", "INSERT", False)]


@pytest.mark.parametrize("sql", [
    "UPDATE tgt t SET t.name = 'y' WHERE t.id = 1",
    "UPDATE tgt SET tgt.name = 'y' WHERE tgt.id = 1",
    "UPDATE tgt AS t SET t.name = 'y' FROM src s WHERE s.id = t.id",
])
def test_update_with_qualified_set_target(q, tracked, sql):
    assert q(sql) == [(1,)]
    assert q("SELECT id, name FROM tgt ORDER BY id") == [(1, "y"), (2, "b")]


def test_natural_join_ignores_the_hidden_row_id(q, tracked):
    q("UPDATE src SET name = 'a' WHERE id = 1")
    assert q("SELECT * FROM tgt NATURAL JOIN src") == [(1, "a", 2)]  # on ID and NAME
    q("CREATE TABLE names (id INT, label STRING)")
    q("INSERT INTO names VALUES (1, 'one'), (3, 'three')")
    if tracked:
        q("CREATE STREAM names_s ON TABLE names")
    assert q("SELECT * FROM tgt NATURAL JOIN names") == [(1, "a", 2, "one")]
    assert q("SELECT n.label, t.name FROM names AS n NATURAL LEFT JOIN tgt t ORDER BY 1") == [
        ("one", "a"), ("three", None)]
    assert q("SELECT id FROM public.tgt NATURAL FULL JOIN names ORDER BY id") == [(1,), (2,), (3,)]


def test_create_table_like_copies_columns_not_rows_or_tracking(q, tracked):
    assert q("CREATE TABLE copy LIKE tgt") == [("Table COPY successfully created.",)]
    assert q("SELECT * FROM copy") == []
    assert [r[0] for r in q("DESCRIBE TABLE copy")] == ["ID", "NAME", "TWICE"]
    q("INSERT INTO copy (id) VALUES (5)")
    assert q("SELECT * FROM copy") == [(5, "none", 10)]  # default and computed column kept
    with pytest.raises(IntegrityError):
        q("INSERT INTO copy (name) VALUES ('no id')")  # NOT NULL kept
    q("INSERT INTO copy SELECT id, name FROM tgt")
    assert q("SELECT count(*) FROM copy") == [(3,)]
    assert q("SHOW STREAMS LIKE 'COPY%'") == []


def test_create_table_clone_copies_rows(q, tracked):
    q("CREATE TABLE twin CLONE tgt")
    q("UPDATE tgt SET name = 'changed'")
    assert q("SELECT * FROM twin ORDER BY id") == [(1, "a", 2), (2, "b", 4)]
    q("CREATE OR REPLACE TABLE twin CLONE src")
    assert q("SELECT * FROM twin ORDER BY id") == [(1, "x"), (3, "z")]
    assert q("CREATE TABLE IF NOT EXISTS twin CLONE tgt") == [("TWIN already exists, statement succeeded.",)]
    q("CREATE STREAM twin_s ON TABLE twin")
    q("DELETE FROM twin WHERE id = 1")
    assert q("SELECT id, METADATA$ACTION FROM twin_s") == [(1, "DELETE")]


def test_copy_errors_name_the_object_and_change_nothing(q, tracked):
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE copy LIKE nosuch")
    assert e.value.errno == 2003 and "NOSUCH" in e.value.msg
    q("CREATE TABLE copy LIKE tgt")
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE copy CLONE tgt")
    assert e.value.errno == 2002 and "Object 'COPY' already exists." in e.value.msg
    with pytest.raises(ProgrammingError) as e:
        q("CREATE TABLE other CLONE tgt AT(OFFSET => -60)")
    assert "Time Travel" in e.value.msg
    with pytest.raises(ProgrammingError):
        q("SELECT * FROM other")
    assert q("SELECT count(*) FROM copy") == [(0,)]
