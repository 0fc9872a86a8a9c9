"""Session, account and task parameters: ALTER SESSION | ACCOUNT SET | UNSET and SHOW PARAMETERS
(cdcsim/parameters.py). What the parameters cdcsim acts on do is tested with MERGE and UPDATE in
test_merge_duplicates.py."""

from __future__ import annotations

import pytest

import cdcsim


def test_show_parameters_reports_levels(con):
    c = con.cursor()

    def show(sql):
        return {r[0]: r[1:4] for r in c.execute(sql).fetchall()}

    assert show("SHOW PARAMETERS")["ERROR_ON_NONDETERMINISTIC_MERGE"] == ("true", "true", "")
    c.execute("ALTER ACCOUNT SET QUERY_TAG = 'acct'")
    c.execute("ALTER SESSION SET ERROR_ON_NONDETERMINISTIC_MERGE = FALSE")
    got = show("SHOW PARAMETERS LIKE '%merge%' IN SESSION")
    assert got == {"ERROR_ON_NONDETERMINISTIC_MERGE": ("false", "true", "SESSION")}
    assert show("SHOW PARAMETERS IN ACCOUNT")["ERROR_ON_NONDETERMINISTIC_MERGE"] == ("true", "true", "")
    assert show("SHOW PARAMETERS")["QUERY_TAG"] == ("acct", "", "ACCOUNT")
    c.execute("CREATE TASK k ERROR_ON_NONDETERMINISTIC_UPDATE = TRUE AS SELECT 1")
    task = show("SHOW PARAMETERS IN TASK k")
    assert task["ERROR_ON_NONDETERMINISTIC_UPDATE"] == ("true", "false", "TASK")
    assert task["ERROR_ON_NONDETERMINISTIC_MERGE"] == ("true", "true", "")  # not the session's
    with pytest.raises(cdcsim.ProgrammingError, match="does not exist"):
        c.execute("SHOW PARAMETERS IN TASK nope")
