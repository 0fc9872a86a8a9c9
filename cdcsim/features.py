"""Imports every feature module so its statements, hooks and scheduler providers register."""

from . import (  # noqa: F401
    access_control,
    change_tracking,
    create_or_alter,
    dynamic_tables,
    functions,
    get_ddl,
    multi_insert,
    parameters,
    procedures,
    session_commands,
    session_variables,
    show,
    streams,
    table_copies,
    table_swap,
    tasks,
    undrop,
)
from .scripting import log as scripting_log  # noqa: F401
