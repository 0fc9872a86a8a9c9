"""Task graphs (DAGs): roots, members in run order, cycles, and the "root must be suspended" rule.

A graph is a root (no predecessors), every task reachable through AFTER links, and at most one
finalizer (``FINALIZE = <root>``) [DOC T1, T4]. Modifying, recreating, adding or removing a graph
task, or suspending/resuming a child, needs the root suspended; otherwise Snowflake raises
091421 "Unable to update graph with root task <root> since that root task is not suspended." [DOC T5]
"""

from __future__ import annotations

from ..errors import ProgrammingError, compilation_error
from .model import Task
from .store import TaskStore

MAX_PREDECESSORS = 100
MAX_GRAPH_TASKS = 1000


def roots_of(store: TaskStore, task: Task) -> list[Task]:
    """The root(s) whose graph contains ``task`` (a child may hang under several predecessors)."""
    if task.finalize is not None:
        r = store.get(task.finalize)
        return [r] if r is not None else []
    seen: set[str] = set()
    out: dict[str, Task] = {}
    stack = [task]
    while stack:
        t = stack.pop()
        if t.fqn in seen:
            continue
        seen.add(t.fqn)
        preds = [p for p in (store.get(f) for f in t.predecessors) if p is not None]
        if not preds:
            out[t.fqn] = t
        stack.extend(preds)
    return list(out.values())


def members(store: TaskStore, root: Task) -> list[Task]:
    """The root and its descendants in run order (a task after all of its predecessors)."""
    reach: dict[str, Task] = {}
    stack = [root]
    while stack:
        t = stack.pop()
        if t.fqn in reach:
            continue
        reach[t.fqn] = t
        stack.extend(store.children(t.fqn))
    order: list[Task] = []
    done: set[str] = set()
    remaining = sorted(reach.values(), key=lambda t: t.fqn)
    while remaining:
        ready = [t for t in remaining if all(p in done or p not in reach for p in t.predecessors)]
        if not ready:  # pragma: no cover - cycles are refused on creation
            break
        for t in ready:
            order.append(t)
            done.add(t.fqn)
        remaining = [t for t in remaining if t.fqn not in done]
    return order


def descendants(store: TaskStore, fqn: str) -> set[str]:
    out: set[str] = set()
    stack = [fqn]
    while stack:
        for c in store.children(stack.pop()):
            if c.fqn not in out:
                out.add(c.fqn)
                stack.append(c.fqn)
    return out


def is_graph_task(store: TaskStore, task: Task) -> bool:
    return bool(task.predecessors) or task.finalize is not None or bool(store.children(task.fqn)) \
        or store.finalizer(task.fqn) is not None


def root_not_suspended(root: Task) -> ProgrammingError:
    return ProgrammingError(f"Unable to update graph with root task {root.fqn} since that root task is not "
                            "suspended.", 91_421, "22000")


def require_roots_suspended(store: TaskStore, task: Task, include_self: bool = True) -> None:
    for r in roots_of(store, task):
        if r.state == "started" and (include_self or r.fqn != task.fqn):
            raise root_not_suspended(r)


def check_predecessors(store: TaskStore, task: Task, preds: list[str]) -> None:
    """Validate a new AFTER list for ``task``: existing tasks, same schema, no cycle, no finalizer."""
    from ..errors import not_found

    if len(preds) > MAX_PREDECESSORS:
        raise compilation_error(f"A task can have at most {MAX_PREDECESSORS} predecessors.", 91_400)
    below = descendants(store, task.fqn) | {task.fqn}
    for p in preds:
        pt = store.get(p)
        if pt is None:
            raise not_found("Task", p)
        if (pt.database, pt.schema) != (task.database, task.schema):
            raise compilation_error("All tasks in a task graph must be in the same database and schema.", 91_401)
        if pt.finalize is not None:
            raise compilation_error(f"Finalizer task {pt.fqn} cannot have child tasks.", 91_402)
        if p in below:
            raise compilation_error(f"Adding predecessor {p} to task {task.fqn} would create a cycle.", 91_403)
    for r in {r.fqn: r for p in preds for r in roots_of(store, store.tasks[p])}.values():
        if len(members(store, r)) + 1 > MAX_GRAPH_TASKS:
            raise compilation_error(f"A task graph can have at most {MAX_GRAPH_TASKS} tasks.", 91_404)
