"""Tasks: scheduled, triggered and graph (DAG) tasks with Snowflake's documented semantics.

One concept per module:
* ``cron`` — USING CRON expressions and their next match (zoneinfo);
* ``schedule`` — SCHEDULE strings, their limits, the next slot;
* ``body`` — the task body: one statement, CALL, or a BEGIN ... END block (supported subset);
* ``model`` — the task record (definition + runtime state) and its JSON form;
* ``props`` — parsing CREATE / ALTER clauses and each property's bounds;
* ``store`` — the per-engine task catalog, persisted in ``_cdcsim.tasks``;
* ``graph`` — roots, run order, cycles, the "root must be suspended" rule;
* ``runner`` — one run: WHEN, body, transaction, timeout, outcome;
* ``provider`` — the scheduler provider: due times, graph runs, retries, auto-suspend;
* ``history`` — TASK_HISTORY records, their table and the table function;
* ``statements`` — CREATE / ALTER / DROP / EXECUTE / SHOW / DESCRIBE TASK;
* ``sysfuncs`` — SYSTEM$TASK_DEPENDENTS_ENABLE and the in-run SYSTEM$ functions.
"""

from __future__ import annotations

from ..engine import HOOKS
from . import provider, statements, store, sysfuncs  # noqa: F401  (register commands, hooks, provider)
from .history import task_history

HOOKS.table_functions["TASK_HISTORY"] = task_history
