"""Lint rules: one script that must be flagged and one that must be clean, per rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdcsim.lint import RULES, lint_text, render
from cdcsim.sql.split import split_statements

BASE = """
CREATE TABLE src (id INT, v STRING);
CREATE TABLE sink (id INT, v STRING, action STRING, is_update BOOLEAN);
CREATE STREAM s ON TABLE src;
"""

CASES: dict[str, tuple[str, str, int]] = {
    # rule: (flagged script, clean script, line of the finding in the flagged script)
    "CDC001": (
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS\n"
        "  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s\n"
        "  WHERE METADATA$ACTION = 'UPDATE';\nALTER TASK t RESUME;\n",
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS\n"
        "  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s\n"
        "  WHERE METADATA$ACTION = 'INSERT' AND METADATA$ISUPDATE;\nALTER TASK t RESUME;\n",
        7,
    ),
    "CDC002": (
        BASE + "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh\n  AS SELECT id FROM src;\n",
        BASE + "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE TASK r SCHEDULE = '5 MINUTES' AS ALTER DYNAMIC TABLE gold REFRESH;\nALTER TASK r RESUME;\n",
        5,
    ),
    "CDC003": (
        BASE + "CREATE DYNAMIC TABLE d\n  TARGET_LAG = '30 seconds' WAREHOUSE = wh AS SELECT id FROM src;\n",
        BASE + "CREATE DYNAMIC TABLE d TARGET_LAG = '60 seconds' WAREHOUSE = wh AS SELECT id FROM src;\n",
        6,
    ),
    "CDC004": (
        BASE + "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS\n"
        "SELECT id,\n  CURRENT_TIMESTAMP() AS seen_at FROM src;\n",
        BASE + "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS\n"
        "SELECT id FROM src WHERE CURRENT_TIMESTAMP() > '2020-01-01';\n",
        7,
    ),
    "CDC005": (
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS INSERT INTO sink SELECT id, v, METADATA$ACTION, "
        "METADATA$ISUPDATE FROM s;\n",
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS INSERT INTO sink SELECT id, v, METADATA$ACTION, "
        "METADATA$ISUPDATE FROM s;\nALTER TASK t RESUME;\n",
        5,
    ),
    "CDC006": (
        BASE + "CREATE TASK a SCHEDULE = '1 MINUTE' AS INSERT INTO sink SELECT id, v, 'x', FALSE FROM s;\n"
        "CREATE TASK b SCHEDULE = '1 MINUTE' AS\n  INSERT INTO sink SELECT id, v, 'y', FALSE FROM s;\n"
        "ALTER TASK a RESUME;\nALTER TASK b RESUME;\n",
        BASE + "CREATE STREAM s2 ON TABLE src;\n"
        "CREATE TASK a SCHEDULE = '1 MINUTE' AS INSERT INTO sink SELECT id, v, 'x', FALSE FROM s;\n"
        "CREATE TASK b SCHEDULE = '1 MINUTE' AS INSERT INTO sink SELECT id, v, 'y', FALSE FROM s2;\n"
        "ALTER TASK a RESUME;\nALTER TASK b RESUME;\n",
        6,
    ),
    "CDC007": (
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS\n  SELECT COUNT(*) FROM s;\nALTER TASK t RESUME;\n",
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' AS\n  INSERT INTO sink SELECT id, v, 'x', FALSE FROM s;\n"
        "ALTER TASK t RESUME;\nSELECT COUNT(*) FROM s;\n",
        6,
    ),
    "CDC008": (
        BASE + "CREATE TASK root SCHEDULE = '1 MINUTE' AS SELECT 1;\n"
        "CREATE TASK child\n  SCHEDULE = '5 MINUTES'\n  AFTER root AS SELECT 2;\n"
        "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root');\n",
        BASE + "CREATE TASK root SCHEDULE = '1 MINUTE' AS SELECT 1;\n"
        "CREATE TASK child AFTER root AS SELECT 2;\nSELECT SYSTEM$TASK_DEPENDENTS_ENABLE('root');\n",
        7,
    ),
    "CDC009": (
        BASE + "CREATE TASK t\n  SCHEDULE = '5 SECONDS' AS SELECT 1;\nALTER TASK t RESUME;\n",
        BASE + "CREATE TASK t SCHEDULE = '10 SECONDS' AS SELECT 1;\nALTER TASK t RESUME;\n",
        6,
    ),
    "CDC010": (
        BASE + "CREATE OR REPLACE TABLE src (id INT, v STRING, extra INT);\n",
        "CREATE OR REPLACE TABLE src (id INT);\nCREATE OR REPLACE STREAM s ON TABLE src;\n"
        "CREATE TABLE IF NOT EXISTS src (id INT);\n",
        5,
    ),
    "CDC011": (
        BASE + "CREATE DYNAMIC TABLE up TARGET_LAG = '1 hour' WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE DYNAMIC TABLE down TARGET_LAG = '10 minutes' WAREHOUSE = wh AS SELECT id FROM up;\n",
        BASE + "CREATE DYNAMIC TABLE up TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE DYNAMIC TABLE down TARGET_LAG = '10 minutes' WAREHOUSE = wh AS SELECT id FROM up;\n",
        6,
    ),
    "CDC012": (
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s')\n"
        "  AS INSERT INTO sink SELECT id, v, 'x', FALSE FROM src;\nALTER TASK t RESUME;\n",
        BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s') AS SELECT 1;\n"
        "CREATE TASK c AFTER t AS INSERT INTO sink SELECT id, v, 'x', FALSE FROM s;\n"
        "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('t');\n",
        5,
    ),
    "CDC013": (
        BASE + "CREATE TABLE audit (n INT);\nCREATE TASK t SCHEDULE = '1 MINUTE' AS\nBEGIN\n"
        "  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
        "  INSERT INTO audit SELECT count(*) FROM s;\nEND;\nALTER TASK t RESUME;\n",
        BASE + "CREATE TABLE audit (n INT);\nCREATE TASK t SCHEDULE = '1 MINUTE' AS\nBEGIN\n"
        "  BEGIN TRANSACTION;\n  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
        "  INSERT INTO audit SELECT count(*) FROM s;\n  COMMIT;\nEND;\nALTER TASK t RESUME;\n",
        9,
    ),
    "CDC014": (
        BASE + "INSERT INTO src VALUES (1, 'a');\nINSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
        "UPDATE src SET v = 'b';\nMERGE INTO sink k USING s ON k.id = s.id\n  WHEN MATCHED THEN UPDATE SET v = s.v;\n",
        BASE + "INSERT INTO src VALUES (1, 'a');\nINSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
        "UPDATE src SET v = 'b';\nMERGE INTO sink k USING s ON k.id = s.id\n"
        "  WHEN MATCHED AND s.METADATA$ACTION = 'INSERT' THEN UPDATE SET v = s.v;\n",
        8,
    ),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_flags_bad_script(rule: str) -> None:
    bad, _, line = CASES[rule]
    found = [f for f in lint_text(bad) if f.rule == rule]
    assert found, f"{rule} not raised:\n{bad}"
    assert found[0].line == line
    assert found[0].message and found[0].fix


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_passes_clean_script(rule: str) -> None:
    _, good, _ = CASES[rule]
    assert lint_text(good) == [], render(lint_text(good))


def test_update_action_through_copied_column() -> None:
    script = BASE + (
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS INSERT INTO sink (id, v, action, is_update)\n"
        "  SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\nALTER TASK t RESUME;\n"
        "CREATE DYNAMIC TABLE g TARGET_LAG = '1 minute' WAREHOUSE = wh AS\n"
        "SELECT COUNT(CASE WHEN action = 'INSERT' THEN 1 END) AS ins,\n"
        "       COUNT(CASE WHEN action = 'UPDATE' THEN 1 END) AS upd FROM sink;\n"
    )
    found = lint_text(script)
    assert [(f.rule, f.line) for f in found] == [("CDC001", 10)]
    assert "action" in found[0].message


def test_copied_column_with_real_update_label_is_clean() -> None:
    script = BASE + (
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS INSERT INTO sink (id, v, action, is_update)\n"
        "  SELECT id, v, CASE WHEN METADATA$ISUPDATE THEN 'UPDATE' ELSE METADATA$ACTION END, METADATA$ISUPDATE\n"
        "  FROM s;\nALTER TASK t RESUME;\n"
        "CREATE DYNAMIC TABLE g TARGET_LAG = '1 minute' WAREHOUSE = wh AS\n"
        "SELECT COUNT(CASE WHEN action = 'UPDATE' THEN 1 END) AS upd FROM sink;\n"
    )
    assert lint_text(script) == []


def test_recreated_task_must_be_resumed_again() -> None:
    script = BASE + (
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS SELECT 1;\nALTER TASK t RESUME;\n"
        "CREATE OR REPLACE TASK t SCHEDULE = '2 MINUTES' AS SELECT 2;\n"
    )
    assert [(f.rule, f.line) for f in lint_text(script)] == [("CDC005", 7)]


def test_downstream_chain_reports_the_leaf_and_its_stalled_upstream() -> None:
    script = BASE + (
        "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE DYNAMIC TABLE gold TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT COUNT(*) c FROM silver;\n"
    )
    found = lint_text(script)
    assert [(f.rule, f.line) for f in found] == [("CDC002", 6)]
    assert "silver" in found[0].message


def test_downstream_with_timed_consumer_is_clean() -> None:
    script = BASE + (
        "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE DYNAMIC TABLE gold TARGET_LAG = '5 minutes' WAREHOUSE = wh AS SELECT COUNT(*) c FROM silver;\n"
    )
    assert lint_text(script) == []


def test_incremental_mode_with_current_timestamp_says_create_fails() -> None:
    script = BASE + (
        "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh REFRESH_MODE = INCREMENTAL AS\n"
        "SELECT id, SYSDATE() AS t FROM src;\n"
    )
    (f,) = lint_text(script)
    assert f.rule == "CDC004" and "002711" in f.message and f.line == 6


def test_alter_sets_too_low_lag_and_schedule() -> None:
    script = BASE + (
        "CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT id FROM src;\n"
        "ALTER DYNAMIC TABLE d SET TARGET_LAG = '10 seconds';\n"
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS SELECT 1;\nALTER TASK t RESUME;\n"
        "ALTER TASK t SET SCHEDULE = '1 SECONDS';\n"
    )
    assert sorted((f.rule, f.line) for f in lint_text(script)) == [("CDC003", 6), ("CDC009", 9)]


def test_comments_do_not_trigger_and_lines_survive_block_comments() -> None:
    script = (
        "/* a block comment\n   METADATA$ACTION = 'UPDATE'\n*/\n"
        "-- METADATA$ACTION = 'UPDATE'\n"
        "CREATE TABLE src (id INT);\nCREATE STREAM s ON TABLE src;\n"
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS /* note */ INSERT INTO x SELECT id FROM s\n"
        "WHERE METADATA$ACTION <> 'UPDATE';\nALTER TASK t RESUME;\n"
    )
    assert [(f.rule, f.line) for f in lint_text(script)] == [("CDC001", 8)]


def test_scripting_block_body_is_analysed() -> None:
    script = BASE + (
        "CREATE TASK t SCHEDULE = '1 MINUTE' AS\nBEGIN\n  SELECT COUNT(*) FROM s;\n"
        "  INSERT INTO sink SELECT id, v, 'x', FALSE FROM s;\nEND;\nALTER TASK t RESUME;\n"
    )
    assert lint_text(script) == []


def test_json_format() -> None:
    doc = json.loads(render(lint_text(CASES["CDC003"][0], "p.sql"), "json"))
    assert doc[0]["rule"] == "CDC003" and doc[0]["name"] == "target-lag-too-low"
    assert doc[0]["file"] == "p.sql" and doc[0]["line"] == 6 and doc[0]["fix"]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "movie_bookings"


def test_seed_pipeline_is_flagged() -> None:
    found = lint_text((EXAMPLES / "seed.sql").read_text())
    rules = {f.rule for f in found}
    assert "CDC001" in rules  # change_action = 'UPDATE' on a copy of METADATA$ACTION
    gold = [f for f in found if f.rule == "CDC002"]
    assert gold and "movie_booking_insights" in gold[0].message


def test_corrected_pipeline_is_clean() -> None:
    found = lint_text((EXAMPLES / "pipeline.sql").read_text())
    assert found == [], render(found)


# The engine enforces Snowflake's rules; the lint must agree with it on the rules it can check.
ENGINE_REJECTS = {"CDC003": "002755", "CDC008": "091405", "CDC009": "SCHEDULE", "CDC011": "002755",
                  "CDC014": "100090 (42P18): Duplicate row detected during DML action"}


def _run_script(script: str) -> Exception | None:
    import cdcsim

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        for st in split_statements(script):
            con.cursor().execute(st.text)
    except cdcsim.Error as e:
        return e
    finally:
        con.close()
    return None


@pytest.mark.parametrize("rule", sorted(ENGINE_REJECTS))
def test_engine_rejects_what_lint_flags(rule: str) -> None:
    bad, good, _ = CASES[rule]
    err = _run_script(bad)
    assert err is not None and ENGINE_REJECTS[rule] in str(err)
    assert _run_script(good) is None


def test_engine_resolves_flagged_dynamic_table_to_full() -> None:
    import cdcsim

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        for st in split_statements(CASES["CDC004"][0]):
            con.cursor().execute(st.text)
        rows = con.cursor(cdcsim.DictCursor).execute("SHOW DYNAMIC TABLES LIKE 'D'").fetchall()
        assert rows[0]["refresh_mode"] == "FULL"
    finally:
        con.close()


def test_engine_makes_stream_unreadable_after_source_replaced() -> None:
    err = _run_script(CASES["CDC010"][0] + "SELECT * FROM s;\n")
    assert err is not None and "cannot read from stream" in str(err)


def test_replacing_a_streamed_view_is_flagged_and_the_engine_agrees() -> None:
    script = ("CREATE TABLE src (id INT);\nCREATE VIEW v AS SELECT id FROM src;\nCREATE STREAM s ON VIEW v;\n"
              "CREATE OR REPLACE VIEW v AS SELECT id + 1 AS id FROM src;\n")
    found = [(f.rule, f.line) for f in lint_text(script)]
    assert ("CDC010", 4) in found
    assert not [f for f in lint_text(script.replace("CREATE OR REPLACE VIEW", "CREATE VIEW IF NOT EXISTS"))
                if f.rule == "CDC010"]
    err = _run_script(script + "SELECT * FROM s;\n")
    assert err is not None and "is stale" in str(err)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "CREATE ", "OR REPLACE ", "TASK ", "STREAM ", "DYNAMIC TABLE ", "t ", "s ", "AS ", "SELECT ", "* ",
    "FROM ", "ON TABLE ", "AFTER ", "SCHEDULE = '5 seconds' ", "TARGET_LAG = ", "DOWNSTREAM ", ";", "\n",
    "'", '"', "/*", "*/", "--", "$$", "BEGIN ", "END ", "(", ")", "METADATA$ACTION = 'UPDATE' ", "ALTER ",
    "RESUME ", "INSERT INTO x ", ",",
]), max_size=40).map("".join) | st.text(st.characters(max_codepoint=127), max_size=200))
def test_lint_never_crashes(text: str) -> None:
    for f in lint_text(text):
        assert f.rule in RULES and f.line >= 1


def test_non_ascii_identifier() -> None:
    assert lint_text("CREATE TABLE café (id INT);") == []


def test_downstream_consumed_through_a_view_is_clean() -> None:
    script = BASE + (
        "CREATE DYNAMIC TABLE silver TARGET_LAG = DOWNSTREAM WAREHOUSE = wh AS SELECT id FROM src;\n"
        "CREATE VIEW silver_v AS SELECT id FROM silver;\n"
        "CREATE DYNAMIC TABLE gold TARGET_LAG = '5 minutes' WAREHOUSE = wh AS SELECT COUNT(*) c FROM silver_v;\n"
    )
    assert lint_text(script) == []


def test_engine_keeps_running_a_task_whose_when_stream_is_never_consumed() -> None:
    import cdcsim

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        for st in split_statements(CASES["CDC012"][0] + "INSERT INTO src VALUES (1, 'a');\n"):
            con.cursor().execute(st.text)
        con.advance(minutes=3)
        states = [r[0] for r in con.cursor().execute(
            "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) WHERE STATE <> 'SCHEDULED'").fetchall()]
        assert states == ["SUCCEEDED"] * 3
        assert con.cursor().execute("SELECT SYSTEM$STREAM_HAS_DATA('s')").fetchone()[0] is True
    finally:
        con.close()


@pytest.mark.parametrize("case", [0, 1])
def test_engine_shows_what_cdc013_warns_of(case: int) -> None:
    """The flagged block's second statement counts an empty stream; the clean one counts the rows."""
    import cdcsim

    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        for st in split_statements(CASES["CDC013"][case] + "INSERT INTO src VALUES (1, 'a'), (2, 'b');\n"):
            con.cursor().execute(st.text)
        con.advance(minutes=1)
        assert con.cursor().execute("SELECT n FROM audit").fetchall() == [(0,) if case == 0 else (2,)]
        assert con.cursor().execute("SELECT count(*) FROM sink").fetchone()[0] == 2
    finally:
        con.close()



@pytest.mark.parametrize("merge, flagged", [
    # a DELETE clause that also takes the pair's DELETE row, beside an UPDATE for its INSERT row
    ("WHEN MATCHED AND s.METADATA$ACTION = 'DELETE' THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v", True),
    # ISUPDATE is TRUE on both rows of the pair: it tells nothing apart
    ("WHEN MATCHED AND s.METADATA$ISUPDATE THEN UPDATE SET v = s.v", True),
    ("WHEN MATCHED AND s.METADATA$ACTION = 'DELETE' AND NOT s.METADATA$ISUPDATE THEN DELETE "
     "WHEN MATCHED AND s.METADATA$ACTION = 'INSERT' THEN UPDATE SET v = s.v", False),
    ("WHEN MATCHED THEN DELETE", False),  # several deletes of one row are deterministic
])
def test_merge_update_pair_reads_the_clauses(merge: str, flagged: bool) -> None:
    """CDC014 follows the pair through the WHEN MATCHED clauses, and the engine agrees with it."""
    script = (BASE + "INSERT INTO src VALUES (1, 'a');\nINSERT INTO sink SELECT id, v, METADATA$ACTION, "
              f"METADATA$ISUPDATE FROM s;\nUPDATE src SET v = 'b';\nMERGE INTO sink k USING s ON k.id = s.id {merge};\n")
    assert any(f.rule == "CDC014" for f in lint_text(script)) == flagged
    err = _run_script(script)
    assert (err is not None and "Duplicate row detected" in str(err)) == flagged


@pytest.mark.parametrize("using", [
    "(SELECT * FROM s WHERE METADATA$ACTION = 'INSERT') AS s",  # the pair's DELETE row filtered out
    "(SELECT * FROM s QUALIFY row_number() OVER (PARTITION BY id ORDER BY METADATA$ACTION DESC) = 1) AS s",
])
def test_merge_update_pair_cleared_by_the_source(using: str) -> None:
    script = (BASE + f"MERGE INTO sink k USING {using} ON k.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;\n")
    assert not [f for f in lint_text(script) if f.rule == "CDC014"]
    assert [f.rule for f in lint_text(script.replace("USING " + using, "USING s"))] == ["CDC014"]


def test_merge_from_an_append_only_stream_is_clean() -> None:
    script = (BASE.replace("ON TABLE src", "ON TABLE src APPEND_ONLY = TRUE")
              + "MERGE INTO sink k USING s ON k.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v;\n")
    assert lint_text(script) == []


PROC = (BASE + "CREATE TABLE audit (n INT);\n"
        "CREATE PROCEDURE drain() RETURNS INT LANGUAGE SQL AS $$\nBEGIN\n{body}\n  RETURN 1;\nEND\n$$;\n"
        "CREATE TASK t SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s') AS CALL drain();\n"
        "ALTER TASK t RESUME;\n")
READS = ("  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
         "  INSERT INTO audit SELECT count(*) FROM s;")


@pytest.mark.parametrize("quoted", [True, False])  # the body in $$ quotes, or bare as Snowsight takes it
@pytest.mark.parametrize(("body", "rules"), [
    (READS, {"CDC013"}),  # the procedure re-reads the stream its first statement consumed
    ("  BEGIN TRANSACTION;\n" + READS + "\n  COMMIT;", set()),
    ("  INSERT INTO audit SELECT count(*) FROM src;", {"CDC012"}),  # nothing consumes s
])
def test_a_task_calling_a_procedure_is_judged_by_the_procedure(body: str, rules: set[str], quoted: bool) -> None:
    """A task whose body is CALL drain() consumes what drain() consumes (no CDC012 when it does), and
    a procedure's block is checked as a task's is (CDC013, at the procedure's line). The engine runs
    each script and agrees: the re-reading procedure counts an empty stream."""
    import cdcsim

    script = PROC.format(body=body)
    if not quoted:
        script = script.replace("AS $$\nBEGIN", "AS\nBEGIN").replace("END\n$$;", "END;")
    found = {f.rule: f.line for f in lint_text(script)}
    assert set(found) == rules
    if "CDC013" in rules:
        assert found["CDC013"] == 9
    con = cdcsim.connect(clock=cdcsim.ManualClock())
    try:
        for st in split_statements(script + "INSERT INTO src VALUES (1, 'a'), (2, 'b');\n"):
            con.cursor().execute(st.text)
        con.advance(minutes=1)
        audit = con.cursor().execute("SELECT n FROM audit").fetchall()
        assert audit == {frozenset({"CDC013"}): [(0,)], frozenset(): [(2,)],
                         frozenset({"CDC012"}): [(2,)]}[frozenset(rules)]
        pending = con.cursor().execute("SELECT SYSTEM$STREAM_HAS_DATA('s')").fetchone()[0]
        assert pending is ("CDC012" in rules)
    finally:
        con.close()


def test_statements_inside_scripting_control_flow_are_seen() -> None:
    """A block's SQL inside IF branches and loops counts: the consuming DML in a FOR body clears
    CDC012, and a re-read in an IF branch after a consuming statement is CDC013 (at its line)."""
    consume_in_loop = (BASE + "CREATE TASK t SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('s') AS\n"
                       "DECLARE n INT DEFAULT 1; BEGIN\n  FOR i IN 1 TO n DO\n"
                       "    INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
                       "  END FOR;\nEND;\nALTER TASK t RESUME;\n")
    assert [f.rule for f in lint_text(consume_in_loop)] == []
    reread_in_if = (BASE + "CREATE TABLE audit (n INT);\nCREATE TASK t SCHEDULE = '1 MINUTE' AS\n"
                    "DECLARE n INT DEFAULT 1; BEGIN\n"
                    "  INSERT INTO sink SELECT id, v, METADATA$ACTION, METADATA$ISUPDATE FROM s;\n"
                    "  IF (n > 0) THEN\n    INSERT INTO audit SELECT count(*) FROM s;\n  END IF;\nEND;\n"
                    "ALTER TASK t RESUME;\n")
    found = [(f.rule, f.line) for f in lint_text(reread_in_if)]
    assert found == [("CDC013", 10)]
