"""A task's body (``AS <sql>``): one statement, a CALL, or a Snowflake Scripting block.

Owns classifying the body and splitting a block into the statements a run executes.

Supported Snowflake Scripting subset: ``BEGIN <stmt>; <stmt>; ... END`` where every statement is
a plain SQL statement the engine runs (DML, DDL, ``ALTER DYNAMIC TABLE ... REFRESH``, ``EXECUTE
TASK``, SELECT ...), transaction control (``BEGIN TRANSACTION`` / ``START TRANSACTION``,
``COMMIT``, ``ROLLBACK``), and a final ``RETURN <expression>``, which ends the block and is
otherwise ignored. As in Snowflake a block is not a transaction [DOC: snowflake-scripting/begin,
whose example groups statements "inside a transaction within that block" with BEGIN TRANSACTION
... COMMIT]: each statement outside an explicit transaction commits on its own, so a stream
consumed by one statement is empty for the next, and a failure leaves the statements before it
committed. Variables (``DECLARE``, ``LET``, ``:=``), control flow (``IF``, ``FOR``, ``WHILE``,
``LOOP``, ``CASE``), ``EXCEPTION`` handlers, nested blocks and cursors are rejected at CREATE time
with a clear error. ``CALL SYSTEM$...(...)`` runs the system function (e.g. SYSTEM$SET_RETURN_VALUE); any other
``CALL`` is accepted at CREATE (Snowflake does not resolve the procedure then) and a run fails
with a clear "stored procedures are not supported" error, since cdcsim has no procedures.
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
            return Body("statement", ("SELECT " + sysfn.group("call"),))
        return Body("call", (code,))
    m = _BLOCK.match(code)
    if m and not _TXN_BEGIN.match(code):
        if m.group("declare"):
            raise not_supported("DECLARE (Snowflake Scripting variables)")
        stmts = tuple(s.text.strip() for s in split_statements(m.group("inner")))
        if stmts and strip_comments(stmts[-1]).split(None, 1)[0].upper() == "RETURN":
            stmts = stmts[:-1]  # the block's result: a task has no caller to return it to
        for st in stmts:
            if _TXN_CONTROL.match(strip_comments(st)):
                continue
            word = strip_comments(st).split(None, 1)[0].upper()
            if word in _SCRIPTING or _ASSIGN.match(st):
                raise not_supported(f"'{word}' in a scripting block")
            if word == "CALL":
                raise not_supported("CALL (stored procedures)")
        if not stmts:
            raise syntax_error("Empty BEGIN ... END block in task body.")
        return Body("block", stmts)
    return Body("statement", (code,))
