"""Imports every feature module so its statements, hooks and scheduler providers register."""

from . import session_commands, show, streams, tasks  # noqa: F401
from . import dynamic_tables  # noqa: F401
