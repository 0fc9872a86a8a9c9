"""Imports every feature module so its statements, hooks and scheduler providers register."""

from . import change_tracking, dynamic_tables, session_commands, show, streams, table_copies, tasks  # noqa: F401
