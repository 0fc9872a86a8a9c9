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
* ``graph_functions`` — the TASK_DEPENDENTS, COMPLETE_TASK_GRAPHS and CURRENT_TASK_GRAPHS table
  functions;
* ``statements`` — CREATE / ALTER / DROP / EXECUTE / SHOW / DESCRIBE TASK;
* ``create_or_alter`` — CREATE OR ALTER TASK (create, or alter into the given definition);
* ``sysfuncs`` — SYSTEM$TASK_DEPENDENTS_ENABLE, SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS and the
  in-run SYSTEM$ functions (GET_TASK_GRAPH_CONFIG, SET_RETURN_VALUE, GET_PREDECESSOR_RETURN_VALUE,
  CURRENT_USER_TASK_NAME).

Accepted and recorded but not emulated: warehouses and serverless sizing
(USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE, SERVERLESS_TASK_*_STATEMENT_SIZE,
TARGET_COMPLETION_INTERVAL only gate creation), ERROR/SUCCESS_INTEGRATION notifications, LOG_LEVEL,
EXECUTE AS USER, tags, and session parameters other than STATEMENT_TIMEOUT_IN_SECONDS. Graph runs
execute one at a time on the scheduler thread, so OVERLAP_POLICY = ALLOW_*_OVERLAP does not start
overlapping runs. Stored procedures in languages other than SQL are refused at CREATE PROCEDURE.
"""

from __future__ import annotations

from ..engine import HOOKS
from . import create_or_alter, provider, statements, store, sysfuncs  # noqa: F401  (register commands, hooks)
from .graph_functions import complete_task_graphs, current_task_graphs, task_dependents
from .history import task_history

HOOKS.table_functions["TASK_HISTORY"] = task_history
HOOKS.table_functions["TASK_DEPENDENTS"] = task_dependents
HOOKS.table_functions["COMPLETE_TASK_GRAPHS"] = complete_task_graphs
HOOKS.table_functions["CURRENT_TASK_GRAPHS"] = current_task_graphs
