"""A task's body (``AS <sql>``): one statement, a CALL, or a Snowflake Scripting block.

Owns classifying the body and splitting a block into the statements a run executes.

A block ``BEGIN <stmt>; <stmt>; ... END`` of plain SQL statements the engine runs (DML, DDL,
``ALTER DYNAMIC TABLE ... REFRESH``, ``EXECUTE TASK``, SELECT, CALL ...), transaction control
(``BEGIN TRANSACTION`` / ``START TRANSACTION``, ``COMMIT``, ``ROLLBACK``), and a final ``RETURN
<expression>``, which ends the block and is otherwise ignored, runs statement by statement. A
block with a DECLARE section, variables or control flow runs in the Snowflake Scripting
interpreter (``cdcsim/scripting``); its RETURN value is ignored too (a task reports a value with
SYSTEM$SET_RETURN_VALUE). As in Snowflake a block is not a transaction [DOC: snowflake-scripting/begin,
whose example groups statements "inside a transaction within that block" with BEGIN TRANSACTION
... COMMIT]: each statement outside an explicit transaction commits on its own, so a stream
consumed by one statement is empty for the next, and a failure leaves the statements before it
committed. ``CALL SYSTEM$...(...)`` runs the system function (e.g. SYSTEM$SET_RETURN_VALUE); any
other ``CALL`` runs a stored procedure (``cdcsim/procedures.py``). It is accepted at CREATE
(Snowflake does not resolve the procedure then), and a run fails if the procedure is missing.
``EXECUTE IMMEDIATE $$ ... $$`` runs the block it quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import NotSupportedError, syntax_error
from ..sql.split import split_statements, strip_comments

_BLOCK = re.compile(r"^\s*(?P<declare>DECLARE\b.*?)?\bBEGIN\b(?P<inner>.*)\bEND\s*;?\s*$", re.I | re.S)
_TXN_BEGIN = re.compile(r"^\s*BEGIN\s+(TRANSACTION|WORK|NAME)\b|^\s*BEGIN\s*;?\s*$", re.I)
_SCRIPTING = {"LET", "IF", "FOR", "WHILE", "REPEAT", "LOOP", "CASE", "RETURN", "EXCEPTION", "RAISE",
              "DECLARE", "BEGIN", "OPEN", "FETCH", "CLOSE", "BREAK", "CONTINUE", "AWAIT", "CANCEL"}
# transaction control a block may hold (the session runs these statements itself)
_TXN_CONTROL = re.compile(r"^\s*(BEGIN\s+(TRANSACTION|WORK)|START\s+TRANSACTION|COMMIT|ROLLBACK)\b", re.I)
_IMMEDIATE = re.compile(r"^\s*EXECUTE\s+IMMEDIATE\s+\$\$(?P<inner>.*)\$\$\s*$", re.I | re.S)
_CALL_SYSTEM = re.compile(r"^\s*CALL\s+(?P<call>SYSTEM\$\w+\s*\(.*\))\s*$", re.I | re.S)
_ASSIGN = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_$]*\s*:=")


@dataclass(frozen=True)
class Body:
    kind: str  # "statement" | "call" | "block"
    statements: tuple[str, ...]


def not_supported(what: str) -> NotSupportedError:
    return NotSupportedError(
        f"{what} is not supported in a cdcsim task body. Supported: one SQL statement, or "
        "BEGIN <statement>; ... END with plain SQL statements and BEGIN TRANSACTION ... COMMIT.", 2_080, "0A000")


def parse_body(text: str) -> Body:
    code = strip_comments(text).strip().rstrip(";").strip()
    if not code:
        raise syntax_error("A task needs a body: AS <sql>.")
    immediate = _IMMEDIATE.match(code)
    if immediate:  # EXECUTE IMMEDIATE $$ <block> $$: the block itself
        return parse_body(immediate.group("inner"))
    first = code.split(None, 1)[0].upper()
    if first == "CALL":
        sysfn = _CALL_SYSTEM.match(code)
        if sysfn:  # a system function, not a procedure: CALL SYSTEM$SET_RETURN_VALUE('x')
            # run as the CALL it is: the CALL command works out an expression argument first
            # (CALL SYSTEM$SET_RETURN_VALUE(SYSTEM$GET_TASK_GRAPH_CONFIG('k')::STRING))
            return Body("statement", (code,))
        return Body("call", (code,))
    m = _BLOCK.match(code)
    if m and not _TXN_BEGIN.match(code):
        if m.group("declare"):
            return _script(code)
        stmts = tuple(s.text.strip() for s in split_statements(m.group("inner")))
        if stmts and strip_comments(stmts[-1]).split(None, 1)[0].upper() == "RETURN":
            stmts = stmts[:-1]  # the block's result: a task has no caller to return it to
        for st in stmts:
            if _TXN_CONTROL.match(strip_comments(st)):
                continue
            word = strip_comments(st).split(None, 1)[0].upper()
            if word in _SCRIPTING or _ASSIGN.match(st):
                return _script(code)
        if not stmts:
            raise syntax_error("Empty BEGIN ... END block in task body.")
        return Body("block", stmts)
    return Body("statement", (code,))


def _script(code: str) -> Body:
    """A block with variables or control flow: the scripting interpreter runs it whole. It is
    parsed now, so a block that does not parse fails CREATE TASK."""
    from ..scripting.parse import parse_block

    parse_block(code)
    return Body("script", (code,))
