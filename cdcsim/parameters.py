"""Session and account parameters: ``ALTER SESSION | ACCOUNT SET | UNSET``, ``SHOW PARAMETERS``
and the value a statement sees.

A statement sees, first found [DOC: sql-reference/parameters]: the running task's own session
parameters (``CREATE TASK ... ERROR_ON_NONDETERMINISTIC_MERGE = FALSE``), then the session's,
then the account's, then Snowflake's default.

cdcsim acts on ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE: ``merge.py`` refuses a MERGE that
would update a target row from several source rows) and ERROR_ON_NONDETERMINISTIC_UPDATE (default
FALSE: TRUE makes the session refuse an UPDATE ... FROM that joins a target row to several source
rows). Every other parameter is accepted and kept and changes nothing: timestamps are TIMESTAMP_NTZ in the engine's clock, whatever TIMEZONE says.
[INFER] Account parameters live in the engine's memory: they hold while a process has the database
open, not after it is reopened. SHOW PARAMETERS [LIKE ...] [IN SESSION | ACCOUNT | TASK t] lists
the parameters cdcsim acts on and every parameter set at that level (Snowflake lists all of its
own, about a hundred, whose defaults cdcsim does not keep).
"""

from __future__ import annotations

import re
from typing import Any

from .commands import Result, command
from .errors import not_found
from .names import QNAME_RE, like_to_regex, parse_parts
from .session import Session
from .tasks.props import Scanner, Value
from .tasks.schedule import invalid

DEFAULTS: dict[str, Any] = {
    "ERROR_ON_NONDETERMINISTIC_MERGE": True,
    "ERROR_ON_NONDETERMINISTIC_UPDATE": False,
}
_BOOLEAN = {"ERROR_ON_NONDETERMINISTIC_MERGE", "ERROR_ON_NONDETERMINISTIC_UPDATE"}
_DESCRIPTIONS = {
    "ERROR_ON_NONDETERMINISTIC_MERGE": "Whether to error when a MERGE would update or delete one target row "
                                       "from several source rows.",
    "ERROR_ON_NONDETERMINISTIC_UPDATE": "Whether to error when an UPDATE joins one target row to several "
                                        "source rows.",
}


def account_params(s: Session) -> dict[str, Any]:
    return s.engine.state.setdefault("account_params", {})


def parameter(s: Session, name: str) -> Any:
    """The value of parameter ``name`` for the statement ``s`` is running."""
    run = getattr(s, "task_run", None)
    if run is not None and name in run.task.session_params:
        return run.task.session_params[name]
    for scope in (s.params, account_params(s)):
        if name in scope:
            return scope[name]
    return DEFAULTS.get(name)


def _value(key: str, v: Value) -> Any:
    if key not in _BOOLEAN:
        return v.value
    if v.kind == "bool":
        return v.value
    if v.kind == "str" and v.value.upper() in ("TRUE", "FALSE"):
        return v.value.upper() == "TRUE"
    raise invalid(key, v.text, "must be a boolean")


@command(r"ALTER\s+(SESSION|ACCOUNT)\s+(SET|UNSET)\s+(.+)")
def _alter_parameters(s: Session, m: re.Match[str], _p: object) -> Result:
    """``SET k = v [,] k2 = v2`` and ``UNSET k [, k2]``. All values are checked before any is kept,
    so a bad one leaves every parameter as it was."""
    scope = s.params if m.group(1).upper() == "SESSION" else account_params(s)
    sc = Scanner(m.group(3))
    if m.group(2).upper() == "UNSET":
        keys = []
        while not sc.at_end():
            keys.append(sc.word())
            sc.accept(",")
        for key in keys:
            scope.pop(key, None)
        return Result.status("Statement executed successfully.")
    pending: dict[str, Any] = {}
    while not sc.at_end():
        key = sc.word()
        if not sc.accept("="):
            raise sc.error("'='")
        pending[key] = _value(key, sc.value())
        sc.accept(",")
    scope.update(pending)
    return Result.status("Statement executed successfully.")


def _shown(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _type(v: Any) -> str:
    return "BOOLEAN" if isinstance(v, bool) else "NUMBER" if isinstance(v, (int, float)) else "STRING"


@command(rf"SHOW\s+PARAMETERS(?:\s+LIKE\s+'(?P<like>[^']*)')?"
         rf"(?:\s+(?:IN|FOR)\s+(?P<level>SESSION|ACCOUNT|USER|TASK\s+(?P<task>{QNAME_RE})))?")
def _show_parameters(s: Session, m: re.Match[str], _p: object) -> Result:
    """Columns key, value, default, level, description, type. A value shows where it was set: a
    session's over the account's; for a task, its own over the account's (its runs do not see the
    session that created it)."""
    level = (m.group("level") or "SESSION").split()[0].upper()
    levels: list[tuple[str, dict[str, Any]]] = [("ACCOUNT", account_params(s))]
    if level in ("SESSION", "USER"):
        levels.append(("SESSION", s.params))
    if level == "TASK":
        from .tasks.store import store_of

        qn = s.qualify(parse_parts(m.group("task")))
        task = store_of(s.engine).get(qn.fqn)
        if task is None:
            raise not_found("Task", qn.fqn)
        levels.append(("TASK", task.session_params))
    rx = like_to_regex(m.group("like")) if m.group("like") else None
    keys = sorted(set(DEFAULTS).union(*(scope for _lvl, scope in levels)))
    rows = []
    for key in keys:
        if rx and not rx.match(key):
            continue
        value, where = DEFAULTS.get(key), ""
        for lvl, scope in levels:
            if key in scope:
                value, where = scope[key], lvl
        default = DEFAULTS.get(key)
        rows.append((key, _shown(value), "" if default is None else _shown(default), where,
                     _DESCRIPTIONS.get(key, ""), _type(value if value is not None else default)))
    return Result.table(["key", "value", "default", "level", "description", "type"], rows)
