"""CREATE OR ALTER TASK: create a task, or turn an existing one into the task the statement
defines while keeping its identity (id, created_on, owner, TASK_HISTORY), its state and its place
in a graph where the new AFTER / FINALIZE allow.

Documented rules [DOC T1 "CREATE OR ALTER TASK" and its usage notes; DOC create-or-alter,
https://docs.snowflake.com/en/sql-reference/sql/create-or-alter]:
* The syntax is CREATE TASK's without OR REPLACE, IF NOT EXISTS, CLONE and tags ("This parameter is
  not supported by the CREATE OR ALTER variant syntax"); existing tags stay as they are.
* A missing task is created as by CREATE TASK, so it is suspended.
* An existing task is altered into the definition: a property or session parameter set before and
  absent now is unset, i.e. back to its default (e.g. the SCHEDULE of a task that gets AFTER, as
  in the page's example); predecessors, WHEN and the body change like any property.
* "All limitations of the ALTER TASK command apply": a standalone task, or the root of the task's
  graph (before and after the change, and of each predecessor added), must be suspended — else
  091421. Removing every predecessor suspends the former child (CHILD_BECAME_ROOT) and dropping
  FINALIZE suspends the former finalizer (FINALIZER_BECAME_ROOT), as ALTER ... REMOVE AFTER /
  UNSET FINALIZE do [DOC T5].
* It neither resumes nor suspends otherwise: the task keeps its state.
* A task that already matches the definition is left unchanged.

Choices [INFER]:
* "Matches" compares each defined property as stored (the body and WHEN text exactly, after
  trimming; AFTER as a set of tasks), so re-running the same statement is a no-op — also on a
  started task, where any real change is refused. A body that differs only in spacing counts as
  a change.
* Every CREATE TASK property is accepted (the variant's syntax block lists fewer, e.g. not
  LOG_LEVEL or TARGET_COMPLETION_INTERVAL, yet the page says it "follows the syntax rules of a
  CREATE TASK statement"); WITH CONTACT and COPY GRANTS are refused like WITH TAG, since the
  variant's syntax omits them and they are associations, not properties.
* The answer is "Task <name> successfully created." when it creates the task, else "Statement
  executed successfully." (also for an unchanged task).
* An altered task marks the graphs it leaves and the graphs it joins as modified, so EXECUTE TASK
  ... RETRY LAST refuses to retry a run of their previous version.
* Errors are raised before anything is stored: a refused statement leaves the task as it was.
"""

from __future__ import annotations

import re

from ..commands import Result, command
from ..errors import compilation_error, not_found, syntax_error
from ..names import QNAME_RE, parse_parts
from ..session import Session
from . import graph
from .model import DEFINITION_FIELDS, Task
from .statements import _persist, _validate, add_task, ddl_lock, parse_definition, suspend
from .store import TaskStore, store_of

_STATEMENT = "CREATE OR ALTER TASK"
_NAME = re.compile(QNAME_RE)


def _refused(clause: str) -> Exception:
    # The codes cdcsim/create_or_alter.py (TABLE, SCHEMA, DATABASE) gives a variant it does not take.
    return compilation_error(f"{_STATEMENT} does not support {clause}.", 2_000, "0A000")


@command(r"CREATE\s+OR\s+ALTER\s+TASK\b(?P<rest>.*)")
def create_or_alter_task(s: Session, m: re.Match[str], _p: object) -> Result:
    text = m.group("rest").strip()
    # Name the clause Snowflake's variant leaves out rather than fail on it as a property.
    if re.match(r"IF\s+NOT\s+EXISTS\b", text, re.I):
        raise _refused("IF NOT EXISTS")
    nm = _NAME.match(text)
    if nm is None or (nm.end() < len(text) and not text[nm.end()].isspace()):
        raise syntax_error(f"Syntax error: expected a task name after {_STATEMENT} near '{text[:30]}'")
    rest = text[nm.end():]
    if re.match(r"\s+CLONE\b", rest, re.I):
        raise _refused("the CLONE variant")
    qn = s.qualify(parse_parts(nm.group(0)))
    st = store_of(s.engine)
    t = parse_definition(s, qn, rest, _STATEMENT)
    if not s.schema_exists(qn.database, qn.schema):
        raise not_found("Schema", f"{qn.database}.{qn.schema}")
    with ddl_lock(s, st):
        old = st.get(qn.fqn)
        if old is None:
            add_task(s, st, t)
            return Result.status(f"Task {qn.name} successfully created.")
        if not old.same_definition(t):
            _alter(s, st, old, t)
    return Result.status("Statement executed successfully.")


def _alter(s: Session, st: TaskStore, old: Task, t: Task) -> None:
    """Give ``old`` the definition of ``t`` (the caller holds ``ddl_lock``): every check runs on
    a copy, and the store changes only once they all passed."""
    graph.require_roots_suspended(st, old)
    new = old.snapshot()
    for f in DEFINITION_FIELDS:
        setattr(new, f, getattr(t, f))
    added = [p for p in new.predecessors if p not in old.predecessors]
    graph.check_predecessors(st, old, added)
    for p in added:
        graph.require_roots_suspended(st, st.tasks[p])
    if old.predecessors and not new.predecessors:
        suspend(s, new, "CHILD_BECAME_ROOT")
    if old.finalize and not new.finalize:
        suspend(s, new, "FINALIZER_BECAME_ROOT")
    _validate(s, st, new)
    left = [r.fqn for r in graph.roots_of(st, old)]
    new.modified = True
    st.tasks[new.fqn] = new
    st.touch()
    # Look the roots up after the swap: the task may be its own root, and the old copy must not
    # be written back over the new one.
    roots = {f: st.tasks[f] for f in left if f in st.tasks}
    roots |= {r.fqn: r for r in graph.roots_of(st, new)}
    for r in roots.values():
        r.modified = True
    _persist(s, st, [new] + [r for f, r in roots.items() if f != new.fqn])
