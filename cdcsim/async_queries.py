"""snowflake.connector's asynchronous-query API on cdcsim: ``Cursor.execute_async``,
``Cursor.get_results_from_sfqid`` / ``Cursor.query_result``, and ``Connection.get_query_status``,
``get_query_status_throw_if_error``, ``is_still_running`` and ``is_an_error``.

[INFER] cdcsim runs a statement when it is submitted: ``execute_async`` returns once the statement
has run (there is no warehouse queue to wait in), so a query's status is SUCCESS or
FAILED_WITH_ERROR at once, never RUNNING, and a polling loop ends on its first check. A failed
statement's error is kept under its query id and raised when its results, or its status with
``_throw_if_error``, are asked for, as the connector raises it. Results are the ones RESULT_SCAN
keeps (the session's last 16 that returned rows); a query id the session does not know fails
with 000709, as RESULT_SCAN does.

``QueryStatus`` is the connector's enum (``snowflake.connector.constants.QueryStatus``) when the
connector is installed, so application code may compare with either; cdcsim's own copy has the
same member names otherwise.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .errors import Error, ProgrammingError
from .result_scan import remember
from .session import Session

KEEP_ERRORS = 1000


class _QueryStatus(Enum):
    RUNNING = 0
    ABORTING = 1
    SUCCESS = 2
    FAILED_WITH_ERROR = 3
    ABORTED = 4
    QUEUED = 5
    FAILED_WITH_INCIDENT = 6
    DISCONNECTED = 7
    RESUMING_WAREHOUSE = 8
    QUEUED_REPARING_WAREHOUSE = 9
    RESTARTED = 10
    BLOCKED = 11
    NO_DATA = 12


def status_enum() -> Any:
    try:
        from snowflake.connector.constants import QueryStatus  # type: ignore[import-not-found]
    except ImportError:
        return _QueryStatus
    return QueryStatus


_RUNNING = {"RUNNING", "RESUMING_WAREHOUSE", "QUEUED", "QUEUED_REPARING_WAREHOUSE", "NO_DATA"}
_ERRORS = {"ABORTING", "FAILED_WITH_ERROR", "ABORTED", "FAILED_WITH_INCIDENT", "DISCONNECTED", "BLOCKED"}


def is_still_running(status: Any) -> bool:
    return status.name in _RUNNING


def is_an_error(status: Any) -> bool:
    return status.name in _ERRORS


def record_error(s: Session, query_id: str, error: Error) -> None:
    """Keep a failed asynchronous query's error under its id (and count the id as the session's)."""
    remember(s, query_id, None)  # the id counts as the session's (LAST_QUERY_ID), with no result
    errors = s.async_errors
    with s.lock:
        errors[query_id] = error
        for old in list(errors)[:-KEEP_ERRORS]:
            del errors[old]


def _unknown(query_id: str) -> ProgrammingError:
    return ProgrammingError(f"Statement {query_id} not found", 709, "02000")


def status(s: Session, query_id: str) -> Any:
    qs = status_enum()
    if query_id in s.async_errors:
        return qs.FAILED_WITH_ERROR
    if query_id in s.query_ids:
        return qs.SUCCESS
    raise _unknown(query_id)


def throw_if_error(s: Session, query_id: str) -> Any:
    err = s.async_errors.get(query_id)
    if err is not None:
        raise err
    return status(s, query_id)


def result_of(s: Session, query_id: str) -> Any:
    """The result kept for ``query_id``; its error if it failed."""
    throw_if_error(s, query_id)
    result = s.results.get(query_id)
    if result is None:
        raise _unknown(query_id)
    return result
