"""Running one task once: evaluate WHEN, execute the body, and report the outcome.

Owns the per-run rules [DOC T1, T2]: WHEN false (or NULL) → SKIPPED with no SQL executed; the
body runs in the task's database and schema on the scheduler's own session, with
``CURRENT_TIMESTAMP()`` equal to the run's scheduled time under a ManualClock; a failure is FAILED
with ERROR_CODE / ERROR_MESSAGE. A single statement is atomic, so a stream it read is not consumed;
a block's statements commit one by one unless it opens a transaction (``body``), and a failure
rolls back only the statement that failed and the open transaction. [INFER] A block that ends
with its own transaction still open fails, and that transaction is rolled back. USER_TASK_TIMEOUT_MS (or a
lower non-zero STATEMENT_TIMEOUT_IN_SECONDS) interrupts a run under a wall clock and the run
counts as FAILED. SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS interrupts a run in flight: CANCELLED,
rolled back, not counted as a failure. [INFER] Under a ManualClock a run takes no virtual time, so a
timeout never fires there.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import Error, ProgrammingError
from .model import Task

if TYPE_CHECKING:
    from ..engine import Engine
    from ..session import Session

SUCCEEDED, FAILED, SKIPPED, CANCELLED = "SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED"
MAX_TIMEOUT_MS = 604_800_000
_NEVER = threading.Event()  # never set: under a ManualClock no timer is armed


@dataclass
class Outcome:
    state: str
    query_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    return_value: str | None = None


def timeout_s(task: Task) -> float:
    ms = task.timeout_ms or MAX_TIMEOUT_MS  # 0 means the maximum is enforced [DOC T1]
    st = task.session_params.get("STATEMENT_TIMEOUT_IN_SECONDS")
    if isinstance(st, (int, float)) and st > 0:
        ms = min(ms, st * 1000)
    return ms / 1000


def _error(e: BaseException) -> tuple[str, str]:
    if isinstance(e, Error):
        return (f"{e.errno:06d}" if e.errno is not None else "100000"), e.msg
    return "100000", str(e)


class RunContext:
    """What the SYSTEM$ functions a body may call need to know about the run in progress."""

    def __init__(self, task: Task, root: Task, config: str | None, returns: dict[str, str],
                 group: str | None = None, run_id: int | None = None,
                 last_success: tuple[str, int] | None = None):
        self.task, self.root, self.config, self.returns = task, root, config, returns
        # the graph run group, its RUN_ID (the original scheduled time, epoch ms) and the latest
        # successful group's, as the root's initial run found it (SYSTEM$TASK_RUNTIME_INFO)
        self.group, self.run_id, self.last_success = group, run_id, last_success
        self.return_value: str | None = None
        self.cancelled: Callable[[], bool] = lambda: False


def run_task(engine: Engine, sess: Session, task: Task, scheduled: datetime, ctx: RunContext) -> Outcome:
    clock = engine.clock
    sess.now_override = scheduled if clock.manual else None
    sess.task_run = ctx  # type: ignore[attr-defined]
    try:
        try:
            if (sess.database, sess.schema) != (task.database, task.schema):
                sess.use(task.database, task.schema)
            if task.condition:
                row = sess.execute("SELECT " + task.condition).rows
                if not (row and row[0][0]):
                    return Outcome(SKIPPED, None, None, clock.now())
        except Exception as e:
            code, msg = _error(e)
            return Outcome(FAILED, None, None, clock.now(), code, msg)
        qid = str(uuid.uuid4())
        start = clock.now()
        timer: threading.Timer | None = None
        fired = _NEVER
        if not clock.manual:
            fired = threading.Event()
            limit = timeout_s(task)

            def _interrupt() -> None:
                fired.set()
                sess.duck.interrupt()

            timer = threading.Timer(limit, _interrupt)
            timer.daemon = True
            timer.start()
        # a scripting loop that runs no SQL never meets DuckDB's interrupt: the interpreter asks
        sess.script_stop = lambda: fired.is_set() or ctx.cancelled()  # type: ignore[attr-defined]
        try:
            _execute(sess, task)
        except Exception as e:
            code, msg = _error(e)
            if ctx.cancelled():
                return Outcome(CANCELLED, qid, start, clock.now(), "000604", "SQL execution canceled")
            if fired.is_set():
                code, msg = "000630", (f"Statement reached its statement or warehouse timeout of "
                                       f"{timeout_s(task):g} second(s) and was canceled.")
            return Outcome(FAILED, qid, start, clock.now(), code, msg)
        finally:
            if timer is not None:
                timer.cancel()
        return Outcome(SUCCEEDED, qid, start, clock.now(), return_value=ctx.return_value)
    finally:
        sess.now_override = None
        sess.task_run = None  # type: ignore[attr-defined]
        sess.script_stop = None  # type: ignore[attr-defined]
        if sess.in_txn:
            sess.rollback()
        sess.end_temporary_tables()  # a task run is a session of its own in Snowflake


def _execute(sess: Session, task: Task) -> None:
    body = task.body()
    if body.kind == "script":
        from ..scripting import run_block

        run_block(sess, body.statements[0])
        return
    if body.kind in ("statement", "call"):
        sess.execute(body.statements[0])
        return
    from ..result_scan import remember

    for st in body.statements:
        # each statement is a query of the run's session: LAST_QUERY_ID() in the next one names it
        remember(sess, str(uuid.uuid4()), sess.execute(st))
    if sess.in_txn:
        sess.rollback()
        raise ProgrammingError("The task body's block ended inside a transaction it opened (BEGIN TRANSACTION "
                               "without COMMIT); the transaction was rolled back.", 2_000, "25000")
