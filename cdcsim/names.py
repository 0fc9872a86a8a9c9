"""Snowflake object names and their DuckDB homes.

A Snowflake ``DATABASE.SCHEMA`` pair lives in one DuckDB schema named ``DATABASE__SCHEMA``
(the default is ``CDCSIM.PUBLIC`` → ``CDCSIM__PUBLIC``), so a single DuckDB file holds every
database and schema and survives restarts. Unquoted identifiers are upper-cased, as Snowflake
resolves them; quoted identifiers keep their case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DATABASE = "CDCSIM"
DEFAULT_SCHEMA = "PUBLIC"
META_SCHEMA = "_cdcsim"

_PART = re.compile(r'"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$]*)')


def duck_schema(database: str, schema: str) -> str:
    return f"{database}__{schema}"


def ambiguous_database(name: str) -> bool:
    """Would ``DATABASE__SCHEMA`` not say where the database name ends? A database named ``A_``
    with schema ``B`` and database ``A`` with schema ``_B`` both live in ``A___B``, and DROP
    DATABASE ``A`` would take ``A_``'s schemas with it. A database name without ``__`` that does
    not end in ``_`` keeps the first ``__`` the separator, whatever the schema is called."""
    return "__" in name or name.endswith("_")


def split_duck_schema(name: str) -> tuple[str, str] | None:
    if "__" not in name:
        return None
    db, _, sch = name.partition("__")
    return db, sch


def quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


@dataclass(frozen=True)
class QName:
    """A fully qualified Snowflake name."""

    database: str
    schema: str
    name: str

    @property
    def fqn(self) -> str:
        return f"{self.database}.{self.schema}.{self.name}"

    @property
    def sql(self) -> str:
        """The quoted Snowflake reference ``"DB"."SCH"."NAME"``, for statements that go through
        translation as a user's would."""
        return ".".join(quote(p) for p in (self.database, self.schema, self.name))

    @property
    def duck(self) -> str:
        """The quoted DuckDB reference ``"DB__SCH"."NAME"``."""
        return f"{quote(duck_schema(self.database, self.schema))}.{quote(self.name)}"

    @property
    def duck_schema(self) -> str:
        return duck_schema(self.database, self.schema)

    def __str__(self) -> str:
        return self.fqn


def parse_parts(text: str) -> list[str]:
    """Split ``a."b".c`` into normalised parts (unquoted upper-cased)."""
    parts: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _PART.match(text, pos)
        if not m:
            raise ValueError(f"invalid identifier: {text!r}")
        parts.append(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2).upper())
        pos = m.end()
        if pos < len(text):
            if text[pos] != ".":
                raise ValueError(f"invalid identifier: {text!r}")
            pos += 1
    if not parts or len(parts) > 3:
        raise ValueError(f"invalid identifier: {text!r}")
    return parts


def qualify(parts: list[str], database: str, schema: str) -> QName:
    if len(parts) == 1:
        return QName(database, schema, parts[0])
    if len(parts) == 2:
        return QName(database, parts[0], parts[1])
    return QName(parts[0], parts[1], parts[2])


IDENT_RE = r'(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)'
QNAME_RE = rf"{IDENT_RE}(?:\s*\.\s*{IDENT_RE}){{0,2}}"


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """Snowflake LIKE (case-insensitive in SHOW commands) as a compiled regex."""
    out = []
    for ch in pattern:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE | re.DOTALL)
