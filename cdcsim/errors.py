"""PEP 249 exception hierarchy shaped like snowflake.connector's errors.

Every error carries ``errno`` (Snowflake's numeric code where Snowflake documents one),
``sqlstate`` and ``msg``; ``str(err)`` reads like the connector's: ``002003 (42S02): ...``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DUPLICATE_ROW = 100_090


class Warning(Exception):  # noqa: A001 - PEP 249 name
    """PEP 249 Warning."""


class Error(Exception):
    """Base of all cdcsim errors (PEP 249)."""

    def __init__(self, msg: str = "", errno: int | None = None, sqlstate: str | None = None):
        self.msg = msg
        self.errno = errno
        self.sqlstate = sqlstate
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.errno is None:
            return self.msg
        state = f" ({self.sqlstate})" if self.sqlstate else ""
        return f"{self.errno:06d}{state}: {self.msg}"


class InterfaceError(Error):
    """Misuse of the interface (closed cursor, bad parameters)."""


class DatabaseError(Error):
    """Errors raised by the database."""


class DataError(DatabaseError):
    """Bad data: numeric overflow, invalid cast, division by zero."""


class OperationalError(DatabaseError):
    """Errors in the database's operation (locked file, lost connection)."""


class IntegrityError(DatabaseError):
    """Constraint violations."""


class InternalError(DatabaseError):
    """Internal engine errors."""


class ProgrammingError(DatabaseError):
    """SQL errors: syntax, unknown objects, invalid options."""


class NotSupportedError(DatabaseError):
    """A feature Snowflake has that cdcsim does not emulate."""


# Snowflake's documented codes used across the engine.
SYNTAX_ERROR = 1003
OBJECT_NOT_FOUND = 2003
ALREADY_EXISTS = 2002
INVALID_IDENTIFIER = 904
TARGET_LAG_TOO_LOW = 2755
INCREMENTAL_NOT_SUPPORTED = 2711
DUPLICATE_COLUMN = 2025


def not_found(kind: str, name: str) -> ProgrammingError:
    """Snowflake's 002003 'does not exist or not authorized' error."""
    return ProgrammingError(
        f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.",
        OBJECT_NOT_FOUND,
        "02000",
    )


def already_exists(kind: str, name: str) -> ProgrammingError:
    """Snowflake's 002002 'already exists' error."""
    return ProgrammingError(
        f"SQL compilation error:\nObject '{name}' already exists.", ALREADY_EXISTS, "42710"
    )


def wrong_kind(found: str, specified: str) -> ProgrammingError:
    """Snowflake's 002203 for a statement naming an object by the wrong kind [DOC: user-guide/
    dynamic-tables streams, "Object found is of type 'DYNAMIC_TABLE', not specified type 'TABLE'."];
    kinds as Snowflake spells them (TABLE, VIEW, DYNAMIC_TABLE)."""
    return ProgrammingError(
        f"SQL compilation error:\nObject found is of type '{found}', not specified type '{specified}'.", 2203, "42601"
    )


def syntax_error(msg: str) -> ProgrammingError:
    """Snowflake's 001003 syntax error."""
    return ProgrammingError(f"SQL compilation error:\n{msg}", SYNTAX_ERROR, "42000")


def duplicate_column(name: str) -> ProgrammingError:
    """Snowflake's 002025 error for a table whose columns would repeat a name (CREATE TABLE AS,
    dynamic tables): ``002025 (42S21): SQL compilation error: duplicate column name 'ID'``."""
    return ProgrammingError(
        f"SQL compilation error:\nduplicate column name '{name}'", DUPLICATE_COLUMN, "42S21"
    )


def compilation_error(msg: str, errno: int = 2000, sqlstate: str = "42601") -> ProgrammingError:
    """A generic SQL compilation error."""
    return ProgrammingError(f"SQL compilation error:\n{msg}", errno, sqlstate)


def _shown(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, (int, float, Decimal)):
        return str(v)
    return '"' + str(v) + '"'


def duplicate_row(values: tuple[Any, ...] | list[Any]) -> ProgrammingError:
    """Snowflake's 100090 for a nondeterministic MERGE or UPDATE (ERROR_ON_NONDETERMINISTIC_MERGE /
    _UPDATE). [INFER] ``values`` are the target row's. It is raised before the statement changes
    anything, so an open transaction goes on, as Snowflake's does after a failed statement."""
    err = ProgrammingError("Duplicate row detected during DML action\nRow Values: ["
                           + ", ".join(_shown(v) for v in values) + "]", DUPLICATE_ROW, "42P18")
    err.before_any_change = True  # type: ignore[attr-defined]
    return err


def no_current(command: str, what: str) -> ProgrammingError:
    """Snowflake's 090105 / 090106: an unqualified name in a session whose current database
    (``what`` = "database") or schema was dropped."""
    errno = 90_105 if what == "database" else 90_106
    return ProgrammingError(f"Cannot perform {command}. This session does not have a current {what}. "
                            f"Call 'USE {what.upper()}', or use a qualified name.", errno, "22000")
