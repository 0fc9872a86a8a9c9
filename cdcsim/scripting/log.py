"""SYSTEM$LOG(level, message) and SYSTEM$LOG_TRACE / _DEBUG / _INFO / _WARN / _ERROR / _FATAL(message).

Snowflake [DOC: developer-guide/logging-tracing/logging-snowflake-scripting] writes these messages
to the account's event table. cdcsim has none: each message goes to Python's ``logging`` (logger
``cdcsim.log``, at the matching level), where a test can capture it and a workshop can print it.
The function returns NULL.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ..engine import HOOKS
from ..errors import compilation_error

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger("cdcsim.log")
_LEVELS = {"TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
           "WARNING": logging.WARNING, "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


def _emit(s: Session, level: str, message: object) -> str:
    if level.upper() not in _LEVELS:
        raise compilation_error(f"SYSTEM$LOG: unknown level '{level}' (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).",
                                1044, "42P13")
    task = getattr(s, "task_run", None)
    where = f"task {task.task.fqn}" if task is not None else "session"
    log.log(_LEVELS[level.upper()], "%s: %s", where, message)
    return "NULL"


def _system_log(s: Session, args: list) -> str:
    if len(args) != 2:
        raise compilation_error("SYSTEM$LOG expects a level and a message.", 1044, "42P13")
    return _emit(s, str(args[0]), args[1])


HOOKS.system_functions["SYSTEM$LOG"] = _system_log
for _level in ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"):
    HOOKS.system_functions[f"SYSTEM$LOG_{_level}"] = \
        lambda s, args, _lv=_level: _emit(s, _lv, args[0] if args else "")
