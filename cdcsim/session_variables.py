"""Session variables: SET, UNSET and SHOW VARIABLES.

Snowflake [DOC: sql-reference/sql/set, sql-reference/sql/unset, sql-reference/sql/show-variables]:
``SET name = expr`` and ``SET (a, b) = (expr, expr)`` keep values for the session, read back as
``$name`` or ``GETVARIABLE('NAME')``; ``UNSET name`` / ``UNSET (a, b)`` removes them (a name that
is not set fails: 002211); SHOW VARIABLES [LIKE] lists them with their type. The values live in
DuckDB's own session variables (``SET VARIABLE``), which sqlglot's translation of ``$name`` reads.

[INFER] SHOW VARIABLES' ``type`` follows Snowflake's names for the value's type (fixed, real,
text, boolean, date, timestamp_ntz, time, variant); its ``session_id`` is the session's number in
this process.
"""

from __future__ import annotations

import re

from .commands import FIXED, TEXT, TIMESTAMP_NTZ, Result, command
from .errors import compilation_error
from .names import IDENT_RE, like_to_regex, parse_parts
from .session import Session
from .sql.split import split_commas

_TYPES = {"INTEGER": "fixed", "BIGINT": "fixed", "HUGEINT": "fixed", "SMALLINT": "fixed", "TINYINT": "fixed",
          "DOUBLE": "real", "FLOAT": "real", "VARCHAR": "text", "BOOLEAN": "boolean", "DATE": "date",
          "TIMESTAMP": "timestamp_ntz", "TIMESTAMP WITH TIME ZONE": "timestamp_ltz", "TIME": "time", "JSON": "variant"}


def _times(s: Session) -> dict[str, tuple]:
    times = getattr(s, "variable_times", None)
    if times is None:
        times = s.variable_times = {}  # type: ignore[attr-defined]
    return times


def _set(s: Session, name: str, expr: str) -> None:
    s.run(s.translate(f"SET {name} = {expr}"))
    key = parse_parts(name)[0]
    now = s.engine.clock.now()
    created = _times(s).get(key, (now,))[0]
    _times(s)[key] = (created, now)


@command(r"SET\s+\((?P<names>[^)]*)\)\s*=\s*\((?P<values>.*)\)")
def _set_many(s: Session, m: re.Match[str], _p: object) -> Result:
    names, values = split_commas(m.group("names")), split_commas(m.group("values"))
    if len(names) != len(values):
        raise compilation_error(f"SET: {len(names)} variables and {len(values)} values.", 2000, "42601")
    for name, value in zip(names, values, strict=True):
        _set(s, name, value)
    return Result.status("Statement executed successfully.")


@command(rf"SET\s+(?P<name>{IDENT_RE})\s*=\s*(?P<expr>.+)")
def _set_one(s: Session, m: re.Match[str], _p: object) -> Result:
    _set(s, m.group("name"), m.group("expr"))
    return Result.status("Statement executed successfully.")


@command(rf"UNSET\s+(?:\((?P<names>[^)]*)\)|(?P<name>{IDENT_RE}))")
def _unset(s: Session, m: re.Match[str], _p: object) -> Result:
    names = [parse_parts(n)[0] for n in (split_commas(m.group("names")) if m.group("names") else [m.group("name")])]
    have = {r[0] for r in s.duck.execute("SELECT name FROM duckdb_variables()").fetchall()}
    for name in names:  # all or nothing: check every name first
        if name not in have:
            raise compilation_error(f"Session variable '{name}' does not exist", 2211, "02000")
    for name in names:
        s.duck.execute(f'RESET VARIABLE "{name}"')
        _times(s).pop(name, None)
    return Result.status("Statement executed successfully.")


@command(r"SHOW\s+VARIABLES(?:\s+LIKE\s+'(?P<like>[^']*)')?")
def _show(s: Session, m: re.Match[str], _p: object) -> Result:
    like = like_to_regex(m.group("like")) if m.group("like") else None
    rows = []
    for name, value, vtype in s.duck.execute(
            "SELECT name, value, type FROM duckdb_variables() WHERE NOT starts_with(name, 'cdcsim_') "
            "ORDER BY name").fetchall():  # (cdcsim_now: the engine's virtual clock)
        if like is not None and not like.fullmatch(name):
            continue
        created, updated = _times(s).get(name, (None, None))
        kind = _TYPES.get(str(vtype).upper(), "fixed" if str(vtype).upper().startswith("DECIMAL") else "text")
        rows.append((id(s) % 1_000_000, created, updated, name, value, kind, ""))
    return Result.table(["session_id", "created_on", "updated_on", "name", "value", "type", "comment"], rows,
                        [FIXED, TIMESTAMP_NTZ, TIMESTAMP_NTZ, TEXT, TEXT, TEXT, TEXT])
