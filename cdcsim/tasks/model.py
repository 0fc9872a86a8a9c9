"""The task record: a task's definition (what CREATE / ALTER set) and its runtime state (what
RESUME, SUSPEND and runs change), and their JSON form in the ``_cdcsim.tasks`` table.

A run works on a snapshot (``copy``) taken when it starts, so a concurrent ALTER changes the next
run, not the current one [DOC T2: runs use the version current at their start].
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from .body import Body, parse_body
from .schedule import Schedule, parse_schedule

DEFAULT_TIMEOUT_MS = 3_600_000
DEFAULT_SUSPEND_AFTER = 10
DEFAULT_TRIGGER_INTERVAL_S = 30.0
_STREAM_ARG = re.compile(r"SYSTEM\$STREAM_HAS_DATA\s*\(\s*'((?:[^']|'')+)'\s*\)", re.IGNORECASE)
# What a CREATE TASK statement defines. CREATE OR ALTER TASK sets exactly these from its text (an
# omitted one goes back to its default); the other fields are the task's identity (name, id,
# created_on, owner) and runtime state, which it keeps.
DEFINITION_FIELDS = ("definition", "condition", "warehouse", "initial_warehouse_size", "schedule", "config",
                     "overlap_policy", "session_params", "timeout_ms", "suspend_after", "error_integration",
                     "success_integration", "log_level", "comment", "finalize", "retry_attempts",
                     "min_trigger_interval_s", "target_completion_interval", "min_statement_size",
                     "max_statement_size", "predecessors", "execute_as_user")
_DATETIMES = {"created_on", "last_committed_on", "last_suspended_on", "base", "next_due", "last_trigger_run",
              "resumed_on"}


@dataclass
class Task:
    database: str
    schema: str
    name: str
    id: str
    created_on: datetime
    definition: str
    condition: str | None = None
    warehouse: str | None = None
    initial_warehouse_size: str | None = None
    schedule: str | None = None
    config: str | None = None
    overlap_policy: str = "NO_OVERLAP"
    session_params: dict[str, Any] = field(default_factory=dict)
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    suspend_after: int = DEFAULT_SUSPEND_AFTER
    error_integration: str | None = None
    success_integration: str | None = None
    log_level: str | None = None
    comment: str | None = None
    finalize: str | None = None  # fqn of the root this task finalizes
    retry_attempts: int = 0
    min_trigger_interval_s: float = DEFAULT_TRIGGER_INTERVAL_S
    target_completion_interval: str | None = None
    min_statement_size: str | None = None
    max_statement_size: str | None = None
    predecessors: list[str] = field(default_factory=list)  # fqns
    execute_as_user: str | None = None
    owner: str = "SYSADMIN"
    # ---- runtime state
    state: str = "suspended"  # started | suspended
    resumed_on: datetime | None = None
    last_committed_on: datetime | None = None
    last_suspended_on: datetime | None = None
    last_suspended_reason: str | None = None
    base: datetime | None = None  # interval slots are base + k * interval (base = RESUME time)
    next_due: datetime | None = None  # next scheduled (or health-check) run of a started root
    last_trigger_run: datetime | None = None
    failures: int = 0  # consecutive FAILED runs
    graph_version: int = 0
    modified: bool = True  # changed since its graph version was fixed

    @property
    def fqn(self) -> str:
        return f"{self.database}.{self.schema}.{self.name}"

    def snapshot(self) -> Task:
        return copy.copy(self)

    def same_definition(self, other: Task) -> bool:
        """Whether ``other`` defines this task; AFTER lists are compared as sets, since a child
        waits for all of its predecessors whatever their order."""
        return all(getattr(self, f) == getattr(other, f) for f in DEFINITION_FIELDS if f != "predecessors") \
            and set(self.predecessors) == set(other.predecessors)

    # ---- derived (cached per definition text; never persisted)
    def parsed_schedule(self, relaxed: bool) -> Schedule | None:
        if self.schedule is None:
            return None
        key = (self.schedule, relaxed)
        cached = self.__dict__.get("_sched")
        if cached is None or cached[0] != key:
            cached = (key, parse_schedule(self.schedule, relaxed))
            self.__dict__["_sched"] = cached
        return cached[1]

    def body(self) -> Body:
        cached = self.__dict__.get("_body")
        if cached is None or cached[0] != self.definition:
            cached = (self.definition, parse_body(self.definition))
            self.__dict__["_body"] = cached
        return cached[1]

    def query_hash(self) -> str:
        return _md5(self.definition)

    @property
    def trigger_streams(self) -> list[str]:
        return [m.group(1).replace("''", "'") for m in _STREAM_ARG.finditer(self.condition or "")]

    @property
    def is_root(self) -> bool:
        return not self.predecessors and self.finalize is None

    @property
    def is_triggered(self) -> bool:
        """A triggered task: no schedule, no predecessors, WHEN SYSTEM$STREAM_HAS_DATA(...) [DOC T3]."""
        return self.schedule is None and self.is_root and bool(self.trigger_streams)

    # ---- persistence
    def to_json(self) -> str:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for k in _DATETIMES:
            if d[k] is not None:
                d[k] = d[k].isoformat()
        return json.dumps(d)

    @staticmethod
    def from_json(text: str) -> Task:
        d = json.loads(text)
        known = {f.name for f in fields(Task)}
        d = {k: v for k, v in d.items() if k in known}
        for k in _DATETIMES:
            if d.get(k) is not None:
                d[k] = datetime.fromisoformat(d[k])
        return Task(**d)


@functools.lru_cache(maxsize=4096)
def _md5(text: str) -> str:
    # Runs work on snapshots, so a per-object cache would be recomputed on every run.
    return hashlib.md5(text.encode()).hexdigest()


def as_dict(task: Task) -> dict[str, Any]:
    return asdict(task)
