"""SYSTEM$ functions about tasks [DOC T1, T2, T4, T7]:

* ``SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('<task>')`` interrupts its graph's run in flight
  (CANCELLED in TASK_HISTORY; the rest of that graph run does not start).
* ``SYSTEM$TASK_DEPENDENTS_ENABLE('<root>')`` resumes the root and every task of its graph
  (children first, then the root, the order Snowflake requires).
* Inside a task run: ``SYSTEM$GET_TASK_GRAPH_CONFIG(['<key>'])``, ``SYSTEM$SET_RETURN_VALUE('<v>')``
  (shown as RETURN_VALUE in TASK_HISTORY), ``SYSTEM$GET_PREDECESSOR_RETURN_VALUE(['<task>'])`` and
  ``SYSTEM$CURRENT_USER_TASK_NAME()``; outside a run they return NULL [INFER].
* ``SYSTEM$TASK_RUNTIME_INFO('<arg_name>')``: see ``task_runtime_info``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING

from ..engine import HOOKS
from ..errors import ProgrammingError, compilation_error, not_found
from ..names import parse_parts, qualify
from . import graph
from .store import store_of

if TYPE_CHECKING:
    from ..session import Session
    from .runner import RunContext


def _lit(v: object) -> str:
    if v is None:
        return "NULL"
    if not isinstance(v, str):
        v = json.dumps(v)
    return "'" + str(v).replace("'", "''") + "'"


def task_dependents_enable(s: Session, args: list) -> str:
    from .statements import _persist, ddl_lock, resume

    if len(args) != 1 or not isinstance(args[0], str):
        raise compilation_error("SYSTEM$TASK_DEPENDENTS_ENABLE expects one string argument", 1_044, "42P13")
    st = store_of(s.engine)
    qn = s.qualify(parse_parts(args[0]))
    with ddl_lock(s, st, commit=False):  # called inside a running statement: never commit here
        root = st.get(qn.fqn)
        if root is None:
            raise not_found("Task", qn.fqn)
        members = graph.members(st, root)
        fin = st.finalizer(root.fqn)
        changed = [t for t in members[1:] + ([fin] if fin else []) + [root] if t.state != "started"]
        for t in changed:
            resume(s, st, t)
        _persist(s, st, changed)
    return "''"


def cancel_ongoing_executions(s: Session, args: list) -> str:
    """SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS('<task>'): cancel the graph run in flight [DOC T2]."""
    if len(args) != 1 or not isinstance(args[0], str):
        raise compilation_error("SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS expects one string argument",
                                1_044, "42P13")
    st = store_of(s.engine)
    qn = s.qualify(parse_parts(args[0]))
    with st.lock:
        t = st.get(qn.fqn)
        if t is None:
            raise not_found("Task", qn.fqn)
        roots = {r.fqn for r in graph.roots_of(st, t)} or {t.fqn}
        running = {f for f in st.executing}
        members = {m.fqn for r in roots if (rt := st.get(r)) for m in graph.members(st, rt)}
        if not (running & (members | roots)):
            return "'No ongoing executions to cancel.'"
        st.cancel |= roots
    sch = s.engine.scheduler
    if sch is not None and sch._session is not None:
        sch._session.duck.interrupt()
    return "'Cancellation requested.'"


def _run(s: Session):  # noqa: ANN202
    return getattr(s, "task_run", None)


_PATH_STEP = re.compile(r"""\.?(?:"(?P<q>[^"]*)"|(?P<key>[A-Za-z_$][\w$]*)|\[\s*(?P<idx>\d+)\s*\]|\[\s*'(?P<sq>[^']*)'\s*\])""")


def _config_path(value: object, path: str) -> object:
    """The value at ``path`` in the CONFIG, in GET_PATH's syntax (``a.b``, ``a[0]``, ``a['b']``,
    ``"A b"``) [DOC: sql-reference/functions/system_get_task_graph_config]; NULL where it leads
    nowhere. [INFER] Keys match as written (JSON keys are case-sensitive)."""
    pos = 0
    while pos < len(path):
        m = _PATH_STEP.match(path, pos)
        if m is None or m.end() == pos:
            return None
        pos = m.end()
        if m.group("idx") is not None:
            i = int(m.group("idx"))
            value = value[i] if isinstance(value, list) and i < len(value) else None
        else:
            key = next(g for g in (m.group("q"), m.group("key"), m.group("sq")) if g is not None)
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def get_task_graph_config(s: Session, args: list) -> str:
    run = _run(s)
    if run is None or run.config is None:
        return "NULL"
    cfg = json.loads(run.config)
    if not args:
        return _lit(cfg)
    return _lit(_config_path(cfg, str(args[0]).strip()))


def set_return_value(s: Session, args: list) -> str:
    run = _run(s)
    if run is not None and args:
        run.return_value = None if args[0] is None else str(args[0])
    return "''"


def _ancestors(s: Session, run: RunContext) -> set[str]:
    """The tasks whose return values a run may read: its predecessors and theirs, up to the root;
    for a finalizer, every task of its graph (it runs after all of them) [INFER]."""
    st = store_of(s.engine)
    with st.lock:
        if run.task.finalize is not None:
            return {t.fqn for t in graph.members(st, run.root)}
        out: set[str] = set()
        stack = list(run.task.predecessors)
        while stack:
            f = stack.pop()
            if f not in out:
                out.add(f)
                t = st.get(f)
                stack.extend(t.predecessors if t is not None else [])
        return out


def get_predecessor_return_value(s: Session, args: list) -> str:
    """SYSTEM$GET_PREDECESSOR_RETURN_VALUE(['<task>']) [DOC: sql-reference/functions/
    system_get_predecessor_return_value]: a named task may be a predecessor or an ancestor further
    up ("the return value of the matching ancestor is returned"); a name that matches neither fails
    the call, as documented. Without a name the task must have only one enabled predecessor (the
    argument "is required" with several). [INFER] The errors are cdcsim's (091414, 091415): the
    page gives no text; a predecessor is enabled when it is started or is the run's root (a root
    run by EXECUTE TASK may be suspended); an unquoted name is upper-cased as an identifier is (the
    task-graphs page reads ``'task_c'`` from a task created as ``task_c``, though its note calls
    these names case-sensitive)."""
    run = _run(s)
    if run is None:
        return "NULL"
    if args:
        want = qualify(parse_parts(str(args[0])), run.task.database, run.task.schema).fqn
        if want not in _ancestors(s, run):
            raise ProgrammingError(f"SYSTEM$GET_PREDECESSOR_RETURN_VALUE: task {want} is not a predecessor of task "
                                   f"{run.task.fqn}.", 91_414, "22023")
        return _lit(run.returns.get(want))
    preds = run.task.predecessors
    st = store_of(s.engine)
    with st.lock:
        enabled = [p for p in preds if p == run.root.fqn or ((t := st.get(p)) is not None and t.state == "started")]
    if len(enabled) > 1:
        raise ProgrammingError(f"SYSTEM$GET_PREDECESSOR_RETURN_VALUE: task {run.task.fqn} has several enabled "
                               "predecessors; name the one to read.", 91_415, "22023")
    target = enabled[0] if enabled else (preds[0] if preds else None)
    return _lit(run.returns.get(target)) if target is not None else "NULL"


_RUNTIME_INFO = ("CURRENT_TASK_NAME", "CURRENT_ROOT_TASK_NAME", "CURRENT_ROOT_TASK_UUID",
                 "CURRENT_TASK_GRAPH_RUN_GROUP_ID", "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP",
                 "LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID", "LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP")


def _ms_text(ms: int) -> str:
    """A RUN_ID back as the naive time it was made from (store.epoch_ms reads naive as local)."""
    return datetime.fromtimestamp(ms / 1000).isoformat(sep=" ", timespec="milliseconds")


def task_runtime_info(s: Session, args: list) -> str:
    """SYSTEM$TASK_RUNTIME_INFO('<arg_name>') [DOC: sql-reference/functions/system_task_runtime_info]:
    about the run in progress, as a string; outside a task run it fails. The two LAST_SUCCESSFUL_
    values are those of the root's latest graph run in which no task failed or was cancelled, as
    the current graph run found it when it started; NULL before the first.
    [INFER] A timestamp is written in the engine's clock without an offset (cdcsim's timestamps
    are TIMESTAMP_NTZ), so it casts to any timestamp type. The last successful graph run is kept
    while the database is open and read back from TASK_HISTORY after a reopen. The error outside a run is cdcsim's (091098):
    the page does not give Snowflake's."""
    name = str(args[0]).upper() if args and isinstance(args[0], str) else None
    if len(args) != 1 or name not in _RUNTIME_INFO:
        raise compilation_error(f"Invalid argument for SYSTEM$TASK_RUNTIME_INFO: expected one of {', '.join(_RUNTIME_INFO)}",
                                1_044, "42P13")
    run = _run(s)
    if run is None:
        raise ProgrammingError("SYSTEM$TASK_RUNTIME_INFO can only be called from within a task run.", 91_098,
                               "22000")
    last = run.last_success
    value = {
        "CURRENT_TASK_NAME": run.task.name,
        "CURRENT_ROOT_TASK_NAME": run.root.name,
        "CURRENT_ROOT_TASK_UUID": run.root.id,
        "CURRENT_TASK_GRAPH_RUN_GROUP_ID": run.group,
        "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": None if run.run_id is None else _ms_text(run.run_id),
        "LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID": None if last is None else last[0],
        "LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": None if last is None else _ms_text(last[1]),
    }[name]
    return _lit(value)


def current_user_task_name(s: Session, args: list) -> str:
    run = _run(s)
    return "NULL" if run is None else _lit(run.task.name)


HOOKS.system_functions.update({
    "SYSTEM$TASK_DEPENDENTS_ENABLE": task_dependents_enable,
    "SYSTEM$GET_TASK_GRAPH_CONFIG": get_task_graph_config,
    "SYSTEM$SET_RETURN_VALUE": set_return_value,
    "SYSTEM$GET_PREDECESSOR_RETURN_VALUE": get_predecessor_return_value,
    "SYSTEM$CURRENT_USER_TASK_NAME": current_user_task_name,
    "SYSTEM$TASK_RUNTIME_INFO": task_runtime_info,
    "SYSTEM$USER_TASK_CANCEL_ONGOING_EXECUTIONS": cancel_ongoing_executions,
})
