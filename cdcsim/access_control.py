"""Roles and grants: the statements Snowflake scripts and tutorials open with
(``USE ROLE ACCOUNTADMIN``, ``CREATE ROLE``, ``GRANT EXECUTE TASK ON ACCOUNT TO ROLE ...``).
Session parameters (``ALTER SESSION SET ...``) are ``parameters.py``'s.

[INFER] cdcsim has one user holding every privilege, so access control has nothing to decide: these
statements are accepted with Snowflake's status messages and change nothing. The same script then
runs here and deploys to Snowflake (``cdcsim deploy``), where they take effect. CURRENT_ROLE()
stays 'SYSADMIN'.
"""

from __future__ import annotations

import re

from .commands import Result, command
from .names import IDENT_RE, parse_parts
from .session import Session

_DONE = "Statement executed successfully."


@command(rf"USE\s+(?:SECONDARY\s+ROLES\s+.*|ROLE\s+{IDENT_RE})")
def _use_role(_s: Session, _m: re.Match[str], _p: object) -> Result:
    return Result.status(_DONE)


@command(rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DATABASE\s+)?ROLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{IDENT_RE})(?:\s+.*)?")
def _create_role(_s: Session, m: re.Match[str], _p: object) -> Result:
    return Result.status(f"Role {parse_parts(m.group('name'))[0]} successfully created.")


@command(rf"DROP\s+(?:DATABASE\s+)?ROLE\s+(?:IF\s+EXISTS\s+)?(?P<name>{IDENT_RE})")
def _drop_role(_s: Session, m: re.Match[str], _p: object) -> Result:
    return Result.status(f"{parse_parts(m.group('name'))[0]} successfully dropped.")


@command(r"(?:GRANT|REVOKE)\s+.+\s+(?:TO|FROM)\s+.+")
def _grant(_s: Session, _m: re.Match[str], _p: object) -> Result:
    return Result.status(_DONE)

