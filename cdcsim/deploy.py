"""Deploying a pipeline script to a real Snowflake account (``cdcsim deploy``).

This module owns the path from a local script to Snowflake: it splits the script exactly as the
engine does, checks that each statement is Snowflake SQL we recognise (sqlglot's Snowflake dialect,
or our own patterns for the CDC statements sqlglot leaves unparsed), and runs the statements in
order through snowflake-connector-python (``pip install 'cdcsim[snowflake]'``) with a named
connection from the standard ``connections.toml``. ``--dry-run`` prints the statements instead.

The connection object is injectable, so tests drive :func:`deploy` with a fake connection.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import sqlglot
from sqlglot import exp

from cdcsim.lint import _top_level_as
from cdcsim.sql.split import Statement, split_statements, strip_comments

_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))*'
# Statements sqlglot keeps as opaque commands that cdcsim's own parsers understand.
CDC_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("CREATE STREAM", re.compile(rf"^CREATE\s+(OR\s+(REPLACE|ALTER)\s+)?STREAM\s+(IF\s+NOT\s+EXISTS\s+)?{_NAME}\s", re.I)),
    ("CREATE TASK", re.compile(rf"^CREATE\s+(OR\s+(REPLACE|ALTER)\s+)?TASK\s+(IF\s+NOT\s+EXISTS\s+)?{_NAME}\s", re.I)),
    ("CREATE DYNAMIC TABLE", re.compile(
        rf"^CREATE\s+(OR\s+(REPLACE|ALTER)\s+)?(TRANSIENT\s+)?DYNAMIC\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.I)),
    ("ALTER TASK", re.compile(rf"^ALTER\s+TASK\s+(IF\s+EXISTS\s+)?{_NAME}\s+"
                              r"(RESUME|SUSPEND|SET|UNSET|ADD|REMOVE|MODIFY)\b", re.I)),
    ("ALTER DYNAMIC TABLE", re.compile(rf"^ALTER\s+DYNAMIC\s+TABLE\s+(IF\s+EXISTS\s+)?{_NAME}(\s*,\s*{_NAME})*\s+"
                                       r"(REFRESH|SUSPEND|RESUME|SET|UNSET|RENAME|SWAP)\b", re.I)),
    ("ALTER STREAM", re.compile(rf"^ALTER\s+STREAM\s+(IF\s+EXISTS\s+)?{_NAME}\s+(SET|UNSET)\b", re.I)),
    ("EXECUTE TASK", re.compile(rf"^EXECUTE\s+TASK\s+{_NAME}", re.I)),
    ("DROP", re.compile(rf"^DROP\s+(STREAM|TASK|DYNAMIC\s+TABLE)\s+(IF\s+EXISTS\s+)?{_NAME}", re.I)),
    ("SHOW", re.compile(r"^SHOW\s+(TERSE\s+)?(STREAMS|TASKS|DYNAMIC\s+TABLES|TABLES|VIEWS|SCHEMAS|DATABASES)\b", re.I)),
    ("DESCRIBE", re.compile(rf"^DESC(RIBE)?\s+(STREAM|TASK|DYNAMIC\s+TABLE|TABLE)\s+{_NAME}", re.I)),
    ("USE", re.compile(rf"^USE\s+(WAREHOUSE|DATABASE|SCHEMA|ROLE)\s+{_NAME}", re.I)),
    ("CALL", re.compile(rf"^CALL\s+{_NAME}\s*\(", re.I)),
    ("EXECUTE IMMEDIATE", re.compile(r"^EXECUTE\s+IMMEDIATE\b", re.I)),
    # an anonymous Snowflake Scripting block (BEGIN TRANSACTION is sqlglot's)
    ("SCRIPTING BLOCK", re.compile(r"^(DECLARE\b|BEGIN\s+(?!(TRANSACTION|WORK|NAME)\b))", re.I)),
]


class DeployError(Exception):
    """A deployment problem the user can act on (missing connector, connection, failing statement)."""


@dataclass(frozen=True)
class Checked:
    statement: Statement
    kind: str  # sqlglot expression class name, a CDC pattern name, or "UNPARSED"
    error: str | None = None


def check_statement(st: Statement) -> Checked:
    """Classify one statement as sqlglot-parsed, CDC-pattern matched, or not understood."""
    text = strip_comments(st.text)
    for name, pat in CDC_PATTERNS:
        if pat.match(text):
            if name == "SCRIPTING BLOCK":
                from .errors import Error
                from .scripting.parse import parse_block

                try:
                    parse_block(text.rstrip().rstrip(";"))
                except Error as e:
                    return Checked(st, "UNPARSED", e.msg.splitlines()[-1])
            if name in {"CREATE TASK", "CREATE DYNAMIC TABLE"}:
                # The header is ours to parse; the body / query must still be valid Snowflake SQL.
                as_pos = _top_level_as(text, pat.match(text).end())  # type: ignore[union-attr]
                if as_pos < 0:
                    return Checked(st, "UNPARSED", f"{name} without AS <body>")
                body = text[as_pos + 2:].strip()
                if name == "CREATE TASK" and re.match(r"(BEGIN|DECLARE|CALL|EXECUTE\s+IMMEDIATE)\b", body, re.I):
                    return Checked(st, name)
                inner = check_statement(Statement(body, st.line))
                if inner.error:
                    return Checked(st, "UNPARSED", f"{name} body: {inner.error}")
            return Checked(st, name)
    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # a fallback to Command is reported below, not as a log warning
    try:
        tree = sqlglot.parse_one(text, read="snowflake")
    except sqlglot.errors.ParseError as e:
        return Checked(st, "UNPARSED", str(e).splitlines()[0])
    finally:
        log.setLevel(level)
    if isinstance(tree, exp.Command):
        return Checked(st, "UNPARSED", f"not understood by sqlglot or cdcsim: {text.split()[0:3]}")
    return Checked(st, type(tree).__name__)


def check_script(text: str) -> list[Checked]:
    """Every statement of ``text`` with its classification (see :func:`check_statement`)."""
    return [check_statement(st) for st in split_statements(text)]


def connections_file() -> Path:
    """Where snowflake-connector-python looks for connections.toml ($SNOWFLAKE_HOME or ~/.snowflake)."""
    home = os.environ.get("SNOWFLAKE_HOME")
    return Path(home) / "connections.toml" if home else Path.home() / ".snowflake" / "connections.toml"


def connection_params(name: str, path: Path | None = None) -> dict[str, Any]:
    """The ``[name]`` table of connections.toml, with a clear error when it is missing."""
    path = path or connections_file()
    if not path.exists():
        raise DeployError(f"{path} not found: create it with a [{name}] section "
                          "(account, user, authenticator/password, warehouse, database, schema)")
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    if name not in doc:
        known = ", ".join(sorted(doc)) or "none"
        raise DeployError(f"connection '{name}' not found in {path} (known: {known})")
    return dict(doc[name])


def snowflake_connect(name: str) -> Any:
    """Open a real Snowflake connection by connections.toml name."""
    connection_params(name)  # fail early with a readable message
    try:
        import snowflake.connector as sfc
    except ImportError as e:
        raise DeployError("snowflake-connector-python is not installed: pip install 'cdcsim[snowflake]'") from e
    if getattr(sfc, "__cdcsim_fake__", False):
        raise DeployError("snowflake.connector is cdcsim's stand-in (patch_snowflake is active), not the real "
                          "connector: pip install 'cdcsim[snowflake]'")
    return sfc.connect(connection_name=name)


def _where(st: Statement) -> str:
    return f"line {st.line}" if st.line else "added: suspend before replacing"


def format_dry_run(statements: list[Statement]) -> str:
    lines = []
    for i, st in enumerate(statements, 1):
        lines.append(f"-- [{i}/{len(statements)}] {_where(st)}")
        lines.append(st.text.rstrip().rstrip(";") + ";")
        lines.append("")
    return "\n".join(lines)


_TASK_HEADER = re.compile(
    rf"^CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?TASK\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})", re.I)


def suspend_statements(statements: list[Statement]) -> list[Statement]:
    """``ALTER TASK IF EXISTS <root> SUSPEND`` for every root or standalone task the script creates.

    Snowflake refuses to replace or modify a task of a graph whose root is running ("the root must
    be suspended"), so a second deploy of the same pipeline fails half-way without this. The
    script's own ``ALTER TASK ... RESUME`` statements start the tasks again afterwards.
    """
    out: list[Statement] = []
    seen: set[str] = set()
    for st in statements:
        text = strip_comments(st.text)
        m = _TASK_HEADER.match(text)
        if not m:
            continue
        as_pos = _top_level_as(text, m.end())
        header = text[m.end(): as_pos if as_pos >= 0 else len(text)]
        if re.search(r"\bAFTER\b", header, re.I) or re.search(r"\bFINALIZE\s*=", header, re.I):
            continue  # a child or finalizer: suspending its root is what counts
        name = m.group("name")
        if name.upper() not in seen:
            seen.add(name.upper())
            # line 0 marks a statement cdcsim added (it is not in the script)
            out.append(Statement(f"ALTER TASK IF EXISTS {name} SUSPEND", 0))
    return out


def deploy(
    text: str,
    connection: Any | None = None,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    connect: Callable[[], Any] | None = None,
    suspend_tasks: bool = True,
) -> int:
    """Run every statement of ``text`` on ``connection`` (or ``connect()``), in order.

    With ``suspend_tasks`` (the default) the root and standalone tasks the script creates are
    suspended first (see :func:`suspend_statements`). Returns the number of statements run (or
    printed with ``dry_run``). Stops at the first failing statement with a :class:`DeployError`
    naming its number and line; statements before it stay applied, as they would with SnowSQL,
    since Snowflake DDL commits implicitly.
    """
    out = out or sys.stdout
    statements = split_statements(text)
    if suspend_tasks:
        statements = suspend_statements(statements) + statements
    if dry_run:
        out.write(format_dry_run(statements))
        out.flush()
        return len(statements)
    if connection is None:
        if connect is None:
            raise DeployError("no connection given")
        connection = connect()
    cur = connection.cursor()
    try:
        for i, st in enumerate(statements, 1):
            first = " ".join(strip_comments(st.text).split())[:70]
            out.write(f"[{i}/{len(statements)}] {_where(st)}: {first}\n")
            out.flush()
            try:
                cur.execute(st.text)
            except Exception as e:
                raise DeployError(f"statement {i} ({_where(st)}) failed: {e}") from e
    finally:
        close = getattr(cur, "close", None)
        if close:
            close()
    return len(statements)
