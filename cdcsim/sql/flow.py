"""The pipe flow operator ``->>``: statements chained so that each may read the results of the
ones before it.

Snowflake [DOC: sql-reference/operators-flow]: ``<statement_1> ->> <statement_2> [->> ...]`` runs
the statements in order as one statement (a semicolon ends only the whole chain); in a FROM clause
``$n`` is the result of the statement ``n`` places back in the chain (``$1`` the one just before),
the same result set RESULT_SCAN of that statement's query id gives; the chain answers with its
last statement's result. Typical: ``SHOW TABLES ->> SELECT "name" FROM $1 WHERE "rows" > 0``.

Here each statement runs through the session as a statement of its own, with a query id of its
own, and ``$n`` in a FROM or JOIN becomes ``TABLE(RESULT_SCAN('<its id>'))``. [INFER] A failing
statement stops the chain with its error (the ones before it stay done, as statements of a script
do); ``$n`` reaching before the chain's start fails with a compilation error naming it.
"""

from __future__ import annotations

import re

from .split import end_of_quoted

PIPE = "->>"
_REF = re.compile(r"(?P<kw>\b(?:FROM|JOIN)\s+)\$(?P<n>\d+)\b", re.IGNORECASE)


def split_pipe(text: str) -> list[str]:
    """``text`` split at the ``->>`` outside quoted strings, identifiers and ``$$`` bodies; one
    part when there is none. Comments are already gone (``split.strip_comments``)."""
    if PIPE not in text:
        return [text]
    parts: list[str] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = end_of_quoted(text, i)
            continue
        if text.startswith("$$", i):
            j = text.find("$$", i + 2)
            i = n if j < 0 else j + 2
            continue
        if text.startswith(PIPE, i):
            parts.append(text[start:i].strip())
            i += len(PIPE)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def resolve_refs(statement: str, earlier: list[str]) -> str:
    """``statement`` with each ``FROM $n`` / ``JOIN $n`` reading the result of the statement ``n``
    places back (``earlier`` holds the chain's query ids so far, oldest first)."""
    def ref(m: re.Match[str]) -> str:
        n = int(m.group("n"))
        if not 1 <= n <= len(earlier):
            from ..errors import compilation_error

            raise compilation_error(f"Pipe reference ${n} does not name an earlier statement of the chain "
                                    f"(it has {len(earlier)} before this one).", 2000, "42601")
        return f"{m.group('kw')}TABLE(RESULT_SCAN('{earlier[-n]}'))"

    return _REF.sub(ref, statement)
