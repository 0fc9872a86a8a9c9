"""Snowflake Scripting: blocks (anonymous, in task bodies and in stored procedures).

``parse`` reads a block into statements; ``run`` interprets it against a session; ``blocks``
registers anonymous blocks (``[DECLARE ...] BEGIN ... END`` and ``EXECUTE IMMEDIATE``) as
statements of their own.
"""

from .run import ResultSet, run_block

__all__ = ["ResultSet", "run_block"]
