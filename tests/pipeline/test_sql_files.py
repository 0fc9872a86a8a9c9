"""The example SQL files: valid Snowflake SQL, the linter's view of the seed's flaws, sample data."""

from __future__ import annotations

import pytest
import sqlglot
from pipeline_helpers import EXAMPLES, statements
from sqlglot import exp

from cdcsim.lint import lint_file

FILES = ["seed.sql", "pipeline.sql", "sample_data.sql", "sample_updates.sql", "monitoring.sql", "procedure.sql"]


@pytest.mark.parametrize("name", FILES)
def test_every_statement_parses_as_snowflake(name: str) -> None:
    texts = statements(name)
    assert texts
    for text in texts:
        # CREATE STREAM / TASK / DYNAMIC TABLE and SHOW come back as Command: sqlglot has no
        # grammar for them, which is fine; everything else must parse cleanly.
        parsed = sqlglot.parse(text, read="snowflake")
        assert len(parsed) == 1 and parsed[0] is not None


def test_pipeline_is_lint_clean_and_seed_shows_its_flaws() -> None:
    assert lint_file(str(EXAMPLES / "pipeline.sql")) == []
    rules = {f.rule for f in lint_file(str(EXAMPLES / "seed.sql"))}
    assert rules == {"CDC001", "CDC002"}  # 'UPDATE' never matches; DOWNSTREAM with no consumer


def test_sample_data_is_the_seeds_five_bookings() -> None:
    insert = sqlglot.parse_one(statements("sample_data.sql")[0], read="snowflake")
    rows = list(insert.find(exp.Values).expressions)
    ids = [r.expressions[0].name for r in rows]
    assert ids == ["B001", "B002", "B003", "B004", "B005"]
    assert all(r.expressions[3].name.startswith("2025-09") for r in rows)
    prices = [float(r.expressions[6].name) for r in rows]
    assert min(prices) >= 10 and max(prices) <= 25  # the seed's $10-$25 range


def test_both_pipelines_define_the_same_objects() -> None:
    def names(script: str) -> set[str]:
        out = set()
        for text in statements(script):
            words = text.replace("\n", " ").split()
            if words[:3] == ["CREATE", "OR", "REPLACE"]:
                kind = words[3] if words[3] != "DYNAMIC" else "DYNAMIC TABLE"
                out.add((kind, words[5] if kind == "DYNAMIC TABLE" else words[4]))
        return out

    seed, fixed = names("seed.sql"), names("pipeline.sql")
    assert seed <= fixed  # the corrected one only adds the refresh task
    assert fixed - seed == {("TASK", "refresh_insights_task")}


def test_the_procedure_example_consumes_the_stream_and_reports(caplog) -> None:
    """procedure.sql on the corrected pipeline: the task CALLs the procedure, which moves the
    stream's five sample rows in one transaction, logs it and reports it; lint follows the CALL
    (no CDC012 for a WHEN task whose body is a CALL), and the files together stay lint clean."""
    import logging
    from datetime import datetime

    import cdcsim

    both = (EXAMPLES / "pipeline.sql").read_text() + "\n" + (EXAMPLES / "procedure.sql").read_text()
    from cdcsim.lint import lint_text

    assert lint_text(both) == []
    con = cdcsim.connect(clock=cdcsim.ManualClock(datetime(2025, 9, 1)))
    try:
        for name in ("pipeline.sql", "procedure.sql", "sample_data.sql"):
            con.execute_string((EXAMPLES / name).read_text())
        with caplog.at_level(logging.INFO, logger="cdcsim.log"):
            con.advance(minutes=1)
        cur = con.cursor()
        assert cur.execute("SELECT count(*) FROM movie_booking_cdc_events").fetchone()[0] == 5
        assert cur.execute("SELECT count(*) FROM movie_bookings_stream").fetchone()[0] == 0
        runs = cur.execute("SELECT state, return_value FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) "
                           "WHERE name = 'CONSUME_STREAM_TASK' AND state <> 'SCHEDULED'").fetchall()
        assert runs == [("SUCCEEDED", "moved 5")]
        assert any("consume_bookings moved 5 change rows" in r.getMessage() for r in caplog.records)
        assert cur.execute("CALL consume_bookings()").fetchall() == [(0,)]  # nothing left to move
    finally:
        con.close()
