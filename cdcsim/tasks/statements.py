"""Task statements: CREATE [OR REPLACE] TASK [IF NOT EXISTS] (and ... CLONE), ALTER TASK (RESUME,
SUSPEND, SET, UNSET, MODIFY AS / WHEN, REMOVE WHEN, ADD / REMOVE AFTER, SET / UNSET FINALIZE), DROP
TASK, EXECUTE TASK (USING CONFIG, RETRY LAST, RETRY GRAPH RUN GROUP), SHOW TASKS and DESCRIBE TASK
[DOC T1, T5, T6, T8]; CREATE OR ALTER TASK (in ``create_or_alter``) reuses its parsing, checks and
storage.

Choices [INFER]:
* EXECUTE TASK ... RETRY LAST re-runs the failed tasks of the latest graph run and what depends on
  them (same RUN_ID and GRAPH_RUN_GROUP_ID, ATTEMPT_NUMBER + 1, SCHEDULED_FROM 'MANUAL RETRY').
* EXECUTE TASK runs the graph before the statement returns (under either clock) when issued from a
  user session outside an explicit transaction; from inside a transaction or a task body it is
  queued and the scheduler runs it at the next step (``advance``/``run_pending``/background).
* A task must be suspended before ALTER ... SET / UNSET / MODIFY / ADD AFTER / REMOVE AFTER, and a
  graph's root before any of its tasks is changed, recreated, resumed or suspended (091421).
  CREATE OR REPLACE of a started standalone task is allowed (the new task is suspended), so a
  pipeline script can be re-run.
* A triggered serverless task needs TARGET_COMPLETION_INTERVAL, as documented [DOC T1].
* DROP TASK of a predecessor makes a child with no predecessor left a suspended root
  (CHILD_BECAME_ROOT); dropping a root makes its finalizer a suspended standalone task
  (FINALIZER_BECAME_ROOT).
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..commands import TEXT, TIMESTAMP_NTZ, Result, command
from ..engine import HOOKS
from ..errors import ProgrammingError, already_exists, compilation_error, not_found
from ..names import QNAME_RE, QName, like_to_regex, parse_parts, qualify
from ..session import Session
from ..streams import LIMIT_FROM, STARTS_WITH, page, scope_re, show_scope
from . import graph, props
from .body import parse_body
from .history import runs_sql
from .model import DEFINITION_FIELDS, Task
from .props import Scanner
from .provider import AUTO_SUSPENDED, HEALTH_CHECK, PASSED, slot_after
from .runner import CANCELLED, FAILED
from .store import LastRun, Request, TaskStore, store_of

SHOW_COLUMNS = ["created_on", "name", "id", "database_name", "schema_name", "owner", "comment", "warehouse",
                "schedule", "scheduling_mode", "target_completion_interval", "predecessors", "state", "definition",
                "condition", "allow_overlapping_execution", "error_integration", "success_integration",
                "last_committed_on", "last_suspended_on", "owner_role_type", "config", "last_suspended_reason",
                "task_relations", "execute_as_user"]
_SHOW_TYPES = [TIMESTAMP_NTZ] + [TEXT] * 17 + [TIMESTAMP_NTZ, TIMESTAMP_NTZ] + [TEXT] * 5


# ---------------------------------------------------------------------------- helpers
@contextmanager
def ddl_lock(s: Session, st: TaskStore, commit: bool = True) -> Iterator[None]:
    """The engine's write lock, then the task store's lock — always in this order.

    A task body inside a transaction holds the write lock when it reaches the store (EXECUTE TASK,
    SYSTEM$ functions), so taking them the other way round here could deadlock. DDL commits an open
    transaction first, as in Snowflake."""
    if commit and s.in_txn:
        s.commit()
    s.acquire_write()
    try:
        with st.lock:
            yield
    finally:
        if not s.in_txn:
            s.engine.lock.release(s, all_levels=True)


def _persist(s: Session, st: TaskStore, tasks: list[Task], delete: list[str] | None = None) -> None:
    """Write task documents in one transaction (the caller holds ``ddl_lock``)."""
    st.touch()
    own = not s.in_txn
    if own:
        s.duck.execute("BEGIN TRANSACTION")
    try:
        for f in delete or []:
            st.delete(s.duck, f)
        st.save(s.duck, tasks)
        if own:
            s.duck.execute("COMMIT")
    except Exception:
        if own:
            s.duck.execute("ROLLBACK")
        raise
    sch = s.engine.scheduler
    if sch is not None:
        sch.wake()


def _lookup(s: Session, st: TaskStore, name: str) -> Task:
    qn = s.qualify(parse_parts(name))
    t = st.get(qn.fqn)
    if t is None:
        raise not_found("Task", qn.fqn)
    return t


def _validate(s: Session, st: TaskStore, t: Task) -> None:
    """Rules that hold for any task definition [DOC T1]."""
    if t.warehouse and t.initial_warehouse_size:
        raise compilation_error("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE cannot be set together with "
                                "WAREHOUSE.", 2_043, "22023")
    if (t.predecessors or t.finalize) and t.schedule:
        raise compilation_error(f"Task {t.fqn} cannot have a SCHEDULE: child tasks (AFTER) and finalizer tasks "
                                "run as part of their graph.", 91_405)
    if t.predecessors and t.finalize:
        raise compilation_error(f"Finalizer task {t.fqn} cannot have predecessors.", 91_406)
    if (t.predecessors or t.finalize) and t.retry_attempts:
        raise compilation_error("TASK_AUTO_RETRY_ATTEMPTS can only be set on a root task.", 91_407)
    if t.is_triggered and not t.warehouse and not t.target_completion_interval:
        raise compilation_error("A serverless triggered task needs TARGET_COMPLETION_INTERVAL (or give it a "
                                "WAREHOUSE).", 91_408)
    sizes = props.SIZES
    if t.min_statement_size and t.max_statement_size and \
            sizes.index(t.min_statement_size) > sizes.index(t.max_statement_size):
        raise compilation_error("SERVERLESS_TASK_MIN_STATEMENT_SIZE must not exceed "
                                "SERVERLESS_TASK_MAX_STATEMENT_SIZE.", 2_043, "22023")
    if t.finalize:
        r = st.get(t.finalize)
        if r is None:
            raise not_found("Task", t.finalize)
        if not r.is_root:
            raise compilation_error(f"Task {r.fqn} is not a root task and cannot be finalized.", 91_409)
        other = st.finalizer(r.fqn)
        if other is not None and other.fqn != t.fqn:
            raise compilation_error(f"Root task {r.fqn} already has a finalizer task {other.fqn}.", 91_410)
        if (r.database, r.schema) != (t.database, t.schema):
            raise compilation_error("All tasks in a task graph must be in the same database and schema.", 91_401)
        if st.children(t.fqn):
            raise compilation_error(f"Finalizer task {t.fqn} cannot have child tasks.", 91_402)
        if r.state == "started":
            raise graph.root_not_suspended(r)
    t.body()  # the body parses (scripting subset)
    t.parsed_schedule(s.engine.relaxed)


def _mark_modified(st: TaskStore, t: Task) -> None:
    for r in graph.roots_of(st, t) or [t]:
        r.modified = True


def resume(s: Session, st: TaskStore, t: Task) -> None:
    now = s.now()
    t.state = "started"
    t.resumed_on = now
    if t.is_root:
        if t.modified or t.graph_version == 0:
            t.graph_version += 1
            t.modified = False
        t.last_committed_on = t.last_committed_on or now
        t.base = now
        for m in graph.members(st, t):
            m.failures = 0
        st.observed.pop(t.fqn, None)
        if t.is_triggered:
            t.next_due = now + HEALTH_CHECK  # a triggered task's 12-hour health check
        else:
            t.next_due = slot_after(s.engine, t, now)
    else:
        t.next_due = None


def suspend(s: Session, t: Task, reason: str) -> None:
    t.state = "suspended"
    t.next_due = None
    t.last_suspended_on = s.now()
    t.last_suspended_reason = reason


# ---------------------------------------------------------------------------- CREATE
def parse_definition(s: Session, qn: QName, rest: str, statement: str | None = None) -> Task:
    """A new task from the clauses after its name in CREATE [OR ALTER] TASK: what the text leaves
    out stays at its default. ``statement`` names a statement that refuses tag, contact and
    COPY GRANTS clauses (CREATE OR ALTER TASK)."""
    sc = Scanner(rest)
    t = Task(qn.database, qn.schema, qn.name, str(uuid.uuid4()), s.now(), "")
    preds: list[str] = []
    while True:
        for key, val in props.props_list(sc, {"AFTER", "WHEN", "AS", "EXECUTE"}, statement):
            props.apply(t, key, val, s.engine.relaxed, qn.database, qn.schema)
        w = sc.peek_word()
        if w == "AFTER":
            sc.word()
            preds += [qualify(p, qn.database, qn.schema).fqn for p in sc.name_list()]
        elif w == "EXECUTE":
            sc.word()
            if sc.word() != "AS" or sc.word() != "USER":
                raise sc.error("EXECUTE AS USER <name>")
            t.execute_as_user = ".".join(sc.qname())
        elif w == "WHEN":
            sc.word()
            t.condition = sc.until_top_level("AS")
            if not t.condition:
                raise sc.error("a WHEN condition")
        elif w == "AS":
            sc.word()
            t.definition = rest[sc.pos:].strip().rstrip(";").strip()
            break
        else:
            raise sc.error("AS <sql>")
    t.predecessors = list(dict.fromkeys(preds))
    parse_body(t.definition)
    return t


def add_task(s: Session, st: TaskStore, t: Task) -> None:
    """Store a new (or recreated) task after the checks every definition passes (the caller
    holds ``ddl_lock``)."""
    graph.check_predecessors(st, t, t.predecessors)
    for p in t.predecessors:
        graph.require_roots_suspended(st, st.tasks[p])
    _validate(s, st, t)
    st.tasks[t.fqn] = t
    st.touch()
    st.observed.pop(t.fqn, None)
    _mark_modified(st, t)
    _persist(s, st, [t])


@command(rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?TASK\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})"
         r"(?P<rest>\s.*)")
def create_task(s: Session, m: re.Match[str], _p: object) -> Result:
    if m.group("replace") and m.group("ine"):
        raise compilation_error("OR REPLACE and IF NOT EXISTS are incompatible.", 2_016)
    qn = s.qualify(parse_parts(m.group("name")))
    st = store_of(s.engine)
    clone = _CLONE.match(m.group("rest"))
    t = _clone(s, st, qn, clone.group("src")) if clone else parse_definition(s, qn, m.group("rest"))
    if not s.schema_exists(qn.database, qn.schema):
        raise not_found("Schema", f"{qn.database}.{qn.schema}")
    with ddl_lock(s, st):
        old = st.get(qn.fqn)
        if old is not None:
            if m.group("ine"):
                return Result.status(f"{qn.name} already exists, statement succeeded.")
            if not m.group("replace"):
                raise already_exists("Task", qn.name)
            if graph.is_graph_task(st, old):
                graph.require_roots_suspended(st, old)
            t.predecessors = [p for p in t.predecessors if p != qn.fqn]
        add_task(s, st, t)
    return Result.status(f"Task {qn.name} successfully created.")


_CLONE = re.compile(rf"^\s+CLONE\s+(?P<src>{QNAME_RE})\s*;?\s*$", re.I)


def _clone(s: Session, st: TaskStore, qn: QName, source: str) -> Task:
    """CREATE TASK <name> CLONE <source> [DOC T1]: "a new task with the same parameter values",
    suspended like every new task, with its own id. [INFER] As for a clone made by the task's
    owner (cdcsim has one user), the clone keeps the source's predecessors (the same predecessor
    then runs both) and its FINALIZE, which fails as a second finalizer of the same root would."""
    src = _lookup(s, st, source)
    t = Task(qn.database, qn.schema, qn.name, str(uuid.uuid4()), s.now(), src.definition)
    for f in DEFINITION_FIELDS:
        setattr(t, f, copy.deepcopy(getattr(src, f)))
    t.owner = src.owner
    return t


# ---------------------------------------------------------------------------- ALTER
@command(rf"ALTER\s+TASK\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+(?P<rest>.+)")
def alter_task(s: Session, m: re.Match[str], _p: object) -> Result:
    st = store_of(s.engine)
    qn = s.qualify(parse_parts(m.group("name")))
    rest = m.group("rest").strip()
    ok = Result.status("Statement executed successfully.")
    with ddl_lock(s, st):
        t = st.get(qn.fqn)
        if t is None:
            if m.group("ie"):
                return ok
            raise not_found("Task", qn.fqn)
        sc = Scanner(rest)
        op = sc.word()
        changed = [t]
        if op in ("RESUME", "SUSPEND"):
            if not sc.at_end():
                raise sc.error("end of statement")
            if not t.is_root:
                graph.require_roots_suspended(st, t)
            if op == "RESUME":
                if t.state != "started":
                    resume(s, st, t)
            elif t.state != "suspended":
                suspend(s, t, "USER_SUSPENDED")
            _persist(s, st, changed)
            return ok
        if re.match(r"(SET|UNSET)\s+TAG\b", rest, re.I):
            return ok  # tags are accepted and not modelled
        graph.require_roots_suspended(st, t)
        new = t.snapshot()
        if op == "SET":
            for key, val in props.props_list(sc, set()):
                props.apply(new, key, val, s.engine.relaxed, t.database, t.schema)
        elif op == "UNSET":
            keys = [sc.word()]
            while sc.accept(","):
                keys.append(sc.word())
            for k in keys:
                props.unset(new, k)
            if "FINALIZE" in keys and t.finalize:
                suspend(s, new, "FINALIZER_BECAME_ROOT")
        elif op == "MODIFY":
            what = sc.word()
            text = rest[sc.pos:].strip().rstrip(";").strip()
            if what == "AS":
                parse_body(text)
                new.definition = text
            elif what == "WHEN":
                if not text:
                    raise sc.error("a WHEN condition")
                new.condition = text
            else:
                raise sc.error("MODIFY AS | MODIFY WHEN")
            sc.pos = len(rest)
        elif op == "REMOVE" and sc.peek_word() == "WHEN":
            sc.word()
            new.condition = None
        elif op in ("ADD", "REMOVE"):
            if sc.word() != "AFTER":
                raise sc.error("AFTER")
            names = [qualify(p, t.database, t.schema).fqn for p in sc.name_list()]
            if op == "ADD":
                added = [p for p in names if p not in new.predecessors]
                graph.check_predecessors(st, t, added)
                for p in added:
                    graph.require_roots_suspended(st, st.tasks[p])
                new.predecessors = new.predecessors + added
            else:
                new.predecessors = [p for p in new.predecessors if p not in names]
                if not new.predecessors and t.predecessors:
                    suspend(s, new, "CHILD_BECAME_ROOT")
        else:
            raise sc.error("RESUME | SUSPEND | SET | UNSET | MODIFY | REMOVE | ADD")
        if not sc.at_end():
            raise sc.error("end of statement")
        _validate(s, st, new)
        new.modified = True
        st.tasks[t.fqn] = new
        st.touch()
        _mark_modified(st, new)
        changed = [new] + [r for r in graph.roots_of(st, new) if r.fqn != new.fqn]
        _persist(s, st, changed)
    return ok


# ---------------------------------------------------------------------------- DROP
@command(rf"DROP\s+TASK\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})")
def drop_task(s: Session, m: re.Match[str], _p: object) -> Result:
    st = store_of(s.engine)
    qn = s.qualify(parse_parts(m.group("name")))
    with ddl_lock(s, st):
        t = st.get(qn.fqn)
        if t is None:
            if m.group("ie"):
                return Result.status(f"Drop statement executed successfully ({qn.name} already dropped).")
            raise not_found("Task", qn.fqn)
        changed = _forget(s, st, {qn.fqn})
        _persist(s, st, changed, delete=[qn.fqn])
    return Result.status(f"{qn.name} successfully dropped.")


def _forget(s: Session, st: TaskStore, fqns: set[str]) -> list[Task]:
    """Remove dropped tasks from the store's memory (their history stays, as in Snowflake) and
    unlink the tasks that named them; returns the tasks it changed (the caller holds ``ddl_lock``)."""
    for f in fqns:
        st.tasks.pop(f, None)
        st.observed.pop(f, None)
    st.touch()
    st.requests = [r for r in st.requests if r.fqn not in fqns]
    changed = []
    for c in list(st.tasks.values()):
        if any(p in fqns for p in c.predecessors):
            c.predecessors = [p for p in c.predecessors if p not in fqns]
            if not c.predecessors:
                suspend(s, c, "CHILD_BECAME_ROOT")
            changed.append(c)
        if c.finalize in fqns:
            c.finalize = None
            suspend(s, c, "FINALIZER_BECAME_ROOT")
            changed.append(c)
    return changed


def _drop_schemas(s: Session, schemas: list[tuple[str, str]]) -> Callable[[], None] | None:
    """DROP SCHEMA / DATABASE drops the tasks in those schemas: their documents go in the dropping
    transaction, the scheduler forgets them once it committed (the caller holds the write lock).
    A task graph lies in one schema [DOC T1], so no task outside is left with a dropped link."""
    st = store_of(s.engine)
    dropped = set(schemas)
    with st.lock:
        fqns = {t.fqn for t in st.tasks.values() if (t.database, t.schema) in dropped}
    if not fqns:
        return None
    for f in sorted(fqns):
        st.delete(s.duck, f)

    def forget() -> None:
        with st.lock:
            changed = _forget(s, st, fqns)
            if changed:  # none while a graph stays in one schema; written should that rule change
                _persist(s, st, changed)
            else:
                sch = s.engine.scheduler
                if sch is not None:
                    sch.wake()

    return forget


HOOKS.schema_drop.append(_drop_schemas)


# ---------------------------------------------------------------------------- EXECUTE
@command(rf"EXECUTE\s+TASK\s+(?P<name>{QNAME_RE})(?P<rest>\s+.*)?")
def execute_task(s: Session, m: re.Match[str], _p: object) -> Result:
    st = store_of(s.engine)
    t = _lookup(s, st, m.group("name"))
    rest = (m.group("rest") or "").strip()
    config = None
    retry = None
    group = re.fullmatch(r"RETRY\s+GRAPH\s+RUN\s+GROUP\s+'(?P<g>[^']*)'\s*;?", rest, re.I)
    if re.fullmatch(r"RETRY\s+LAST", rest, re.I):
        retry = _retry_last(st, t)
    elif group:
        retry = _retry_group(s, st, t, group.group("g"))
    elif rest:
        cm = re.match(r"USING\s+CONFIG\s*=\s*(.+)$", rest, re.I | re.S)
        if not cm:
            raise Scanner(rest).error("USING CONFIG = '<json>' | RETRY LAST | RETRY GRAPH RUN GROUP '<id>'")
        val = Scanner(cm.group(1)).value()
        try:
            json.loads(val.value)
        except (TypeError, ValueError):
            raise compilation_error(f"Invalid CONFIG: {val.text} is not valid JSON.", 2_043, "22023") from None
        config = val.value
    if not t.is_root:
        raise ProgrammingError(f"Cannot execute task {t.fqn}: EXECUTE TASK can only be used on a standalone or "
                               "root task.", 91_411, "22000")
    with st.lock:
        st.requests.append(Request(s.now(), t.fqn, "MANUAL RETRY" if retry else "EXECUTE_TASK", config, retry))
    sch = s.engine.scheduler
    assert sch is not None
    if s is not sch._session and not s.in_txn:
        sch.run_pending()
    else:
        sch.wake()
    return Result.status(f"Task {t.name} is scheduled to run immediately.")


def _retry_last(st: TaskStore, t: Task) -> LastRun:
    """RETRY LAST needs the latest graph run FAILED and the graph unchanged since [DOC T6].
    [INFER] The latest runs are kept in memory, so a reopened database has nothing to retry."""
    last = st.last_runs.get(t.fqn)
    if last is None or not {FAILED, CANCELLED} & set(last.outcomes.values()):
        raise ProgrammingError(f"Cannot retry task graph {t.fqn}: its last graph run did not fail.", 91_412, "22000")
    if t.modified or t.graph_version != last.version:
        raise ProgrammingError(f"Cannot retry task graph {t.fqn}: the graph was modified after its last run.",
                               91_413, "22000")
    return last


def _retry_group(s: Session, st: TaskStore, t: Task, group: str) -> LastRun:
    """RETRY GRAPH RUN GROUP '<id>' [DOC T6]: the group's latest attempt must be complete with a task
    run FAILED or CANCELLED, belong to this task's graph, and the graph be unchanged since. The
    group's outcome is read back from TASK_HISTORY (each task's row of its latest attempt), so any
    group still in the history can be retried. [INFER] A graph task with no row that no failed task
    leads to was passed over (suspended) and counts as such; the errors are cdcsim's (091416-8)."""
    with st.lock:
        pending, busy = list(st.pending), group in st.graph_runs
    rows = s.duck.execute(
        f"""SELECT "NAME", "DATABASE_NAME", "SCHEMA_NAME", arg_max("STATE", "ATTEMPT_NUMBER"),
                   max("ATTEMPT_NUMBER"), any_value("RUN_ID"), arg_max("CONFIG", "ATTEMPT_NUMBER"),
                   max("GRAPH_VERSION"), any_value("ROOT_TASK_ID")
            FROM {runs_sql(s, pending, '_cdcsim_task_retry_group')} AS _h
            WHERE "GRAPH_RUN_GROUP_ID" = ? GROUP BY ALL""", [group]).fetchall()
    if not rows or any(r[8] != t.id for r in rows):
        raise ProgrammingError(f"Cannot retry task graph {t.fqn}: graph run group '{group}' is not one of its runs.",
                               91_416, "22000")
    outcomes = {f"{r[1]}.{r[2]}.{r[0]}": {AUTO_SUSPENDED: FAILED}.get(r[3], r[3]) for r in rows}
    if busy or "EXECUTING" in outcomes.values() or not {FAILED, CANCELLED} & set(outcomes.values()):
        raise ProgrammingError(f"Cannot retry graph run group '{group}' of task {t.fqn}: its latest run is still "
                               "running or has no failed or cancelled task.", 91_417, "22000")
    version = max(int(r[7]) for r in rows)
    if t.modified or t.graph_version != version:
        raise ProgrammingError(f"Cannot retry task graph {t.fqn}: the graph was modified after that run.",
                               91_418, "22000")
    failed = {f for f, o in outcomes.items() if o in (FAILED, CANCELLED)}
    below = set().union(*(graph.descendants(st, f) for f in failed))
    with st.lock:
        for m in graph.members(st, t):
            if m.fqn not in outcomes and m.fqn not in below:
                outcomes[m.fqn] = PASSED
    attempt = max(int(r[4]) for r in rows)
    config = next(r[6] for r in rows if int(r[4]) == attempt)
    return LastRun(group, int(rows[0][5]), attempt, outcomes, config, version)


# ---------------------------------------------------------------------------- SHOW / DESCRIBE
def _relations(st: TaskStore, t: Task) -> str:
    d: dict[str, object] = {}
    if t.finalize:
        d["FinalizedRootTask"] = t.finalize
    d["Predecessors"] = list(t.predecessors)
    fin = st.finalizer(t.fqn)
    if fin is not None:
        d["FinalizerTask"] = fin.fqn
    return json.dumps(d, separators=(",", ":"))


def show_row(st: TaskStore, t: Task) -> tuple:
    overlap = None
    if t.is_root:
        overlap = "false" if t.overlap_policy == "NO_OVERLAP" else "true"
    return (t.created_on, t.name, t.id, t.database, t.schema, t.owner, t.comment, t.warehouse, t.schedule,
            None, t.target_completion_interval, json.dumps(t.predecessors, indent=2), t.state, t.definition,
            t.condition, overlap, t.error_integration, t.success_integration, t.last_committed_on,
            t.last_suspended_on, "ROLE", t.config, t.last_suspended_reason, _relations(st, t), t.execute_as_user)


# IN <schema> without the SCHEMA keyword, as in the page's own ``SHOW TASKS IN tpch.public`` [DOC T8]
_TASK_SCOPE = scope_re(bare=True)


@command(rf"SHOW\s+(?P<terse>TERSE\s+)?TASKS(?:\s+LIKE\s+'(?P<like>[^']*)')?{_TASK_SCOPE}"
         rf"{STARTS_WITH}(?P<ro>\s+ROOT\s+ONLY)?{LIMIT_FROM}")
def show_tasks(s: Session, m: re.Match[str], _p: object) -> Result:
    st = store_of(s.engine)
    rx = like_to_regex(m.group("like")) if m.group("like") else None
    scope = show_scope(s, m)
    with st.lock:
        tasks = sorted(st.tasks.values(), key=lambda t: (t.database, t.schema, t.name))
        rows = []
        for t in tasks:
            if rx and not rx.match(t.name):
                continue
            if scope and (scope[0] != t.database or (scope[1] != "*" and scope[1] != t.schema)):
                continue
            if m.group("ro") and not t.is_root:
                continue
            rows.append(show_row(st, t))
    rows = page(rows, m)
    if m.group("terse"):
        return Result.table(["created_on", "name", "kind", "database_name", "schema_name", "schedule"],
                            [(r[0], r[1], None, r[3], r[4], r[8]) for r in rows],
                            [TIMESTAMP_NTZ, TEXT, TEXT, TEXT, TEXT, TEXT])
    return Result.table(SHOW_COLUMNS, rows, _SHOW_TYPES)


@command(rf"DESC(?:RIBE)?\s+TASK\s+(?P<name>{QNAME_RE})")
def describe_task(s: Session, m: re.Match[str], _p: object) -> Result:
    st = store_of(s.engine)
    t = _lookup(s, st, m.group("name"))
    with st.lock:
        return Result.table(SHOW_COLUMNS, [show_row(st, t)], _SHOW_TYPES)

