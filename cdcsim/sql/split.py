"""Splitting a Snowflake script into statements.

Handles ``--`` and ``//`` line comments, ``/* */`` block comments, single- and double-quoted
strings and identifiers, and ``$$ ... $$`` strings. A Snowflake Scripting block
(``BEGIN ... END``, optionally after ``DECLARE``) that is the body of ``CREATE TASK ... AS`` or a
statement of its own is kept whole, so its inner ``;`` do not split it. A trailing statement
without ``;`` is kept. Each statement records the 1-based line it starts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    text: str  # the statement without its terminating ';', comments kept, stripped
    line: int  # 1-based line where the statement's first token starts


_WORD = re.compile(r"[^\W\d][\w$]*")  # Snowflake identifiers may use any Unicode letter
_BLOCK_OPENERS = {"BEGIN", "DECLARE"}
# After these words BEGIN is a transaction, not a block.
_TXN_FOLLOWERS = {"TRANSACTION", "WORK", "NAME"}


def _skip_ws_and_comments(sql: str, i: int) -> int:
    n = len(sql)
    while i < n:
        if sql[i].isspace():
            i += 1
        elif sql.startswith("--", i) or sql.startswith("//", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            break
    return i


def strip_comments(sql: str) -> str:
    """The statement with comments removed and strings kept intact (for keyword matching)."""
    if "--" not in sql and "//" not in sql and "/*" not in sql:
        return sql.strip()  # nothing to remove (the common case): skip the character-by-character scan
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if sql.startswith("--", i) or sql.startswith("//", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            out.append(" ")
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
        elif c in "'\"":
            j = end_of_quoted(sql, i)
            out.append(sql[i:j])
            i = j
        elif sql.startswith("$$", i):
            j = sql.find("$$", i + 2)
            j = n if j < 0 else j + 2
            out.append(sql[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out).strip()


def end_of_quoted(sql: str, i: int) -> int:
    """Offset just past the quoted string or identifier starting at ``i`` (doubled quotes and
    backslash escapes in strings stay inside)."""
    q = sql[i]
    j = i + 1
    n = len(sql)
    while j < n:
        if sql[j] == "\\" and q == "'":
            j += 2
            continue
        if sql[j] == q:
            if j + 1 < n and sql[j + 1] == q:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _is_block_start(sql: str, i: int, word: str) -> bool:
    """BEGIN opens a block unless it is a transaction start (BEGIN; BEGIN TRANSACTION ...)."""
    if word == "DECLARE":
        return True
    j = _skip_ws_and_comments(sql, i)
    if j >= len(sql) or sql[j] == ";":
        return False
    m = _WORD.match(sql, j)
    return not (m and m.group(0).upper() in _TXN_FOLLOWERS)


def split_statements(script: str) -> list[Statement]:
    """Split ``script`` into statements (see module docstring)."""
    stmts: list[Statement] = []
    i, n = 0, len(script)
    start: int | None = None
    depth = 0  # BEGIN/END nesting of scripting blocks
    prev_words: list[str] = []

    def flush(end: int) -> None:
        nonlocal start
        if start is not None:
            text = script[start:end].strip()
            if strip_comments(text):
                stmts.append(Statement(text, script.count("\n", 0, start) + 1))
        start = None

    while i < n:
        i2 = _skip_ws_and_comments(script, i)
        if i2 != i:
            i = i2
            continue
        c = script[i]
        if start is None and c != ";":
            start = i
        if c in "'\"":
            i = end_of_quoted(script, i)
        elif script.startswith("$$", i):
            j = script.find("$$", i + 2)
            i = n if j < 0 else j + 2
        elif c == ";":
            if depth == 0:
                flush(i)
                prev_words = []
            i += 1
        elif c.isalpha() or c == "_":
            m = _WORD.match(script, i)
            assert m is not None
            word = m.group(0).upper()
            i = m.end()
            is_stmt_start = not prev_words
            after_as = bool(prev_words) and prev_words[-1] == "AS"
            if word in _BLOCK_OPENERS and (is_stmt_start or after_as or depth > 0):
                if word == "DECLARE" or _is_block_start(script, i, word):
                    # DECLARE ... BEGIN ... END counts once: DECLARE opens, its BEGIN does not.
                    if not (word == "BEGIN" and prev_words and "DECLARE" in prev_words[-50:] and depth > 0
                            and _declare_open(prev_words)):
                        depth += 1
            elif word == "END" and depth > 0:
                j = _skip_ws_and_comments(script, i)
                m2 = _WORD.match(script, j)
                follower = m2.group(0).upper() if m2 else ""
                if follower not in {"IF", "FOR", "LOOP", "WHILE", "CASE", "REPEAT"}:
                    depth -= 1
                elif m2:
                    i = m2.end()
            elif word == "CASE" and depth > 0:
                pass
            prev_words.append(word)
        else:
            i += 1
    flush(n)
    return stmts


def _declare_open(prev_words: list[str]) -> bool:
    """True when the innermost open block is a DECLARE section still waiting for its BEGIN."""
    for w in reversed(prev_words):
        if w == "BEGIN":
            return False
        if w == "DECLARE":
            return True
    return False


def split_commas(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses and quotes, each part stripped (a list of
    arguments, names or values)."""
    out: list[str] = []
    depth, start, i, n = 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = end_of_quoted(text, i)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
        i += 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out
