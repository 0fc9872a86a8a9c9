"""Static checks for Snowflake CDC pipeline scripts (``cdcsim lint``).

This module owns the lint rules: it reads a Snowflake SQL script without running it, builds a
small model of its streams, tasks and dynamic tables, and reports the pitfalls Snowflake users
hit (reference section 5 and issue 6). Each :class:`Finding` carries a rule id, the 1-based line,
an explanation and the fix.

Ordinary SQL (SELECT, INSERT, MERGE, dynamic-table queries) is parsed with sqlglot's Snowflake
dialect; CREATE STREAM / TASK / DYNAMIC TABLE and ALTER TASK / DYNAMIC TABLE headers are read with
regular expressions over comment-blanked text, because sqlglot leaves them as opaque commands.

Rules (id, name):

- CDC001 ``update-action``: ``METADATA$ACTION = 'UPDATE'`` can never be true.
- CDC002 ``downstream-no-consumer``: a ``TARGET_LAG = DOWNSTREAM`` dynamic table that nothing
  downstream refreshes never refreshes on its own.
- CDC003 ``target-lag-too-low``: a TARGET_LAG under 60 seconds fails on Snowflake (002755).
- CDC004 ``nondeterministic-select``: CURRENT_TIMESTAMP() & co. in a dynamic table's SELECT list
  force FULL refresh (or fail under REFRESH_MODE = INCREMENTAL).
- CDC005 ``task-never-resumed``: a task created (or re-created) but never resumed never runs.
- CDC006 ``shared-stream``: two tasks reading one stream each see only part of the changes.
- CDC007 ``stream-select-only``: a stream only ever read by SELECT never advances.
- CDC008 ``child-task-schedule``: a child task (AFTER) cannot have a SCHEDULE.
- CDC009 ``task-schedule-too-short``: a task SCHEDULE under 10 seconds.
- CDC010 ``stream-source-replaced``: CREATE OR REPLACE of a table or view that a stream already tracks
  makes the stream stale.
- CDC011 ``lag-below-upstream``: a dynamic table whose TARGET_LAG is shorter than an upstream
  dynamic table's fails on Snowflake.
- CDC012 ``when-stream-not-consumed``: a task whose WHEN checks SYSTEM$STREAM_HAS_DATA('s') but that
  (with its child tasks) never consumes ``s`` in DML runs on every schedule once ``s`` has data.
- CDC013 ``stream-reread-in-block``: a BEGIN ... END task body (or stored procedure) reads a stream
  after a DML in the block consumed it: a block is not a transaction, so the later statement sees
  the stream empty.
- CDC014 ``merge-update-pair``: a MERGE from a (not append-only) stream whose WHEN MATCHED clauses
  can update one target row from both rows of an UPDATE's DELETE + INSERT pair, or update it from
  one and delete it from the other: Snowflake refuses it (100090 "Duplicate row detected during DML
  action") the first time a source row is updated.

Choices where Snowflake documents nothing ([INFER]): the 10-second task minimum follows the
reference's inferred floor; a top-level ``ALTER DYNAMIC TABLE ... REFRESH`` in the script runs once
and so does not count as a consumer of a DOWNSTREAM table, while one inside a task body does;
tasks count as stream consumers (CDC006) but one-off top-level DML does not, since draining a
stream once at deploy time is a common and intended idiom. A task's ``CALL`` of a procedure the
script creates counts as the procedure's statements (its stream reads and DML). The statements
inside a block's IF / CASE branches, loops and exception handlers count in source order, as if
each ran once.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field

import sqlglot
from sqlglot import exp

from cdcsim.sql.split import end_of_quoted, split_statements

RULES: dict[str, str] = {
    "CDC001": "update-action",
    "CDC002": "downstream-no-consumer",
    "CDC003": "target-lag-too-low",
    "CDC004": "nondeterministic-select",
    "CDC005": "task-never-resumed",
    "CDC006": "shared-stream",
    "CDC007": "stream-select-only",
    "CDC008": "child-task-schedule",
    "CDC009": "task-schedule-too-short",
    "CDC010": "stream-source-replaced",
    "CDC011": "lag-below-upstream",
    "CDC012": "when-stream-not-consumed",
    "CDC013": "stream-reread-in-block",
    "CDC014": "merge-update-pair",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    message: str
    fix: str
    file: str = ""

    @property
    def name(self) -> str:
        return RULES[self.rule]

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.file else f"line {self.line}"
        return f"{where}: {self.rule} {self.name}: {self.message}\n    fix: {self.fix}"

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["name"] = self.name
        return d


# ---------------------------------------------------------------------------------------------
# Text helpers

_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))*'
_WORD = re.compile(r"[A-Za-z_][\w$]*")


def blank_comments(sql: str) -> str:
    """``sql`` with comments replaced by spaces, same length and newlines, strings kept."""
    out = list(sql)
    i, n = 0, len(sql)
    while i < n:
        if sql.startswith("--", i) or sql.startswith("//", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif sql[i] in "'\"":
            i = end_of_quoted(sql, i)
        elif sql.startswith("$$", i):
            j = sql.find("$$", i + 2)
            i = n if j < 0 else j + 2
        else:
            i += 1
    return "".join(out)


def _top_level_as(text: str, start: int) -> int:
    """Offset of the first ``AS`` keyword at parenthesis depth 0 outside strings, or -1."""
    i, n, depth = start, len(text), 0
    while i < n:
        c = text[i]
        if c in "'\"":
            i = end_of_quoted(text, i)
        elif text.startswith("$$", i):
            j = text.find("$$", i + 2)
            i = n if j < 0 else j + 2
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c.isalpha() or c == "_":
            m = _WORD.match(text, i)
            assert m is not None
            if depth == 0 and m.group(0).upper() == "AS":
                return i
            i = m.end()
        else:
            i += 1
    return -1


def norm(name: str) -> str:
    """Object key: last part of a possibly qualified name; unquoted names fold to lower case for display."""
    part = re.split(r"\s*\.\s*(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", name.strip())[-1]
    if part.startswith('"') and part.endswith('"'):
        return part[1:-1]
    return part.lower()


def _duration_seconds(text: str) -> float | None:
    """Seconds in a Snowflake interval string such as '5 minutes', '10 SECONDS', '1 m'."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*", text)
    if not m:
        return None
    unit = m.group(2).lower()
    scale = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
             "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
             "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
             "d": 86400, "day": 86400, "days": 86400}.get(unit)
    return None if scale is None else float(m.group(1)) * scale


# ---------------------------------------------------------------------------------------------
# SQL units: what one statement (or one statement of a task body) reads and whether it is DML

_DML_TYPES: tuple[type[exp.Expression], ...] = (exp.Insert, exp.Merge, exp.Update, exp.Delete, exp.Copy)
_DML_FIRST = {"INSERT", "MERGE", "UPDATE", "DELETE", "COPY"}


@dataclass
class Unit:
    text: str  # comment-blanked text of the unit
    offset: int  # offset of the unit inside its statement's text
    dml: bool
    tables: set[str]
    tree: exp.Expression | None


def _parse(text: str) -> exp.Expression | None:
    log = logging.getLogger("sqlglot")
    level = log.level
    # sqlglot warns on every CDC statement it cannot parse; the regexes handle those, so stay quiet.
    log.setLevel(logging.ERROR)
    try:
        tree = sqlglot.parse_one(text, read="snowflake", error_level=sqlglot.ErrorLevel.IGNORE)
    except Exception:  # sqlglot raises several error types on exotic input; regexes take over
        return None
    finally:
        log.setLevel(level)
    if tree is None or isinstance(tree, exp.Command):
        return None
    return tree


def _block_sql(block: str) -> list[str] | None:
    """The SQL statements of a Snowflake Scripting block in source order (None if it does not parse)."""
    from cdcsim.errors import Error
    from cdcsim.scripting.parse import Block, Case, For, If, Loop, Stmt, parse_block

    try:
        tree = parse_block(block)
    except Error:
        return None
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, Stmt):
            if node.kind == "sql" or node.kind == "let" and node.type in ("RESULTSET", "CURSOR") \
                    or node.kind in ("let", "assign") and re.match(r"^\(?\s*(SELECT|WITH)\b", node.text, re.I):
                out.append(node.text.strip().strip("()").strip() if node.kind != "sql" else node.text)
        elif isinstance(node, Block):
            for d in node.decls:
                if d.kind in ("cursor", "resultset") and d.text:
                    out.append(d.text.strip().strip("()").strip())
            for x in node.body:
                walk(x)
            for _, body in node.handlers:
                for x in body:
                    walk(x)
        elif isinstance(node, (If, Case)):
            for _, body in node.arms:
                for x in body:
                    walk(x)
            for x in node.otherwise or []:
                walk(x)
        elif isinstance(node, (For, Loop)):
            for x in node.body:
                walk(x)

    walk(tree)
    return out


def _units(text: str, offset: int = 0) -> list[Unit]:
    """Split a (possibly scripting-block) SQL body into analysable units."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    first = _WORD.match(stripped)
    word = first.group(0).upper() if first else ""
    if word in {"BEGIN", "DECLARE"} and not re.match(r"BEGIN\s*(;|$|TRANSACTION|WORK)", stripped, re.I):
        # Scripting block: its SQL statements in order, inside IF / CASE / loop bodies and handlers too
        sql = _block_sql(stripped)
        if sql is not None:
            units: list[Unit] = []
            cursor = 0
            for st in sql:
                pos = stripped.find(st, cursor)
                if pos < 0:
                    continue
                cursor = pos + len(st)
                units += _units(st, offset + lead + pos)
            return units
        # (a block the scripting parser cannot read: its top-level statements, ignoring DECLARE)
        inner_start = re.search(r"\bBEGIN\b", stripped, re.I)
        inner_end = list(re.finditer(r"\bEND\b", stripped, re.I))
        if inner_start and inner_end:
            body_from = inner_start.end()
            body_to = inner_end[-1].start()
            inner = stripped[body_from:body_to]
            units: list[Unit] = []
            for st in split_statements(inner):
                pos = inner.find(st.text)
                units += _units(st.text, offset + lead + body_from + max(pos, 0))
            return units
    if word in {"BEGIN", "COMMIT", "ROLLBACK", "RETURN", "LET", "IF", "FOR", "END", "CALL"}:
        return [Unit(stripped, offset + lead, False, set(), None)]
    tree = _parse(stripped)
    tables: set[str] = set()
    if tree is not None:
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            if t.name and t.name.lower() not in ctes:
                quoted = isinstance(t.this, exp.Identifier) and bool(t.this.args.get("quoted"))
                tables.add(t.name if quoted else t.name.lower())
        dml = isinstance(tree, _DML_TYPES) or (isinstance(tree, exp.Create) and tree.expression is not None
                                               and isinstance(tree.expression, exp.Query))
    else:
        for m in re.finditer(rf"\b(?:FROM|JOIN|USING|INTO)\s+({_NAME})", stripped, re.I):
            tables.add(norm(m.group(1)))
        dml = word in _DML_FIRST or (word == "CREATE" and _top_level_as(stripped, 0) >= 0)
    return [Unit(stripped, offset + lead, dml, tables, tree)]


# ---------------------------------------------------------------------------------------------
# The model built from the script


@dataclass
class Stream:
    name: str
    line: int
    source: str
    append_only: bool = False


@dataclass
class Task:
    name: str
    line: int
    schedule: str | None
    schedule_line: int
    after: list[str]
    when: str | None
    body: str
    body_offset: int
    stmt_text: str
    stmt_line: int
    resumed: bool = False
    suspended_explicitly: bool = False
    executed: bool = False
    units: list[Unit] = field(default_factory=list)


@dataclass
class Procedure:
    name: str
    line: int
    stmt_text: str
    stmt_line: int
    units: list[Unit] = field(default_factory=list)


@dataclass
class DynamicTable:
    name: str
    line: int
    lag: str | None  # 'DOWNSTREAM', a duration string, or None (SCHEDULER = DISABLE)
    refresh_mode: str
    query: str
    reads: set[str]


_CREATE_STREAM = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?STREAM\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})"
    rf"(?P<rest>.*?)\bON\s+(?:TABLE|VIEW|DYNAMIC\s+TABLE|EXTERNAL\s+TABLE|EVENT\s+TABLE|STAGE)\s+(?P<src>{_NAME})",
    re.I | re.S,
)
_CREATE_PROC = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SECURE\s+)?PROCEDURE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})",
    re.I | re.S,
)
_PROC_BODY = re.compile(r"\bAS\s+(?:\$\$(?P<dollar>.*)\$\$|'(?P<quoted>.*)'|(?P<raw>(?:DECLARE|BEGIN)\b.*?))\s*;?\s*$",
                        re.I | re.S)
_CALL = re.compile(rf"^\s*CALL\s+(?P<name>{_NAME})\s*\(", re.I)
_CREATE_TASK = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?TASK\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})", re.I | re.S
)
_CREATE_DT = re.compile(
    rf"^\s*CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?(?:TRANSIENT\s+)?DYNAMIC\s+(?:ICEBERG\s+)?TABLE\s+"
    rf"(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{_NAME})",
    re.I | re.S,
)
_ALTER_TASK = re.compile(rf"^\s*ALTER\s+TASK\s+(?:IF\s+EXISTS\s+)?(?P<name>{_NAME})\s+(?P<rest>.*)$", re.I | re.S)
_ALTER_DT = re.compile(
    rf"^\s*ALTER\s+DYNAMIC\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)\s+(?P<rest>.*)$",
    re.I | re.S,
)
_DROP = re.compile(rf"^\s*DROP\s+(?P<kind>STREAM|TASK|DYNAMIC\s+TABLE)\s+(?:IF\s+EXISTS\s+)?(?P<name>{_NAME})",
                   re.I | re.S)
_EXECUTE_TASK = re.compile(rf"^\s*EXECUTE\s+TASK\s+(?P<name>{_NAME})", re.I | re.S)
_DEPENDENTS_ENABLE = re.compile(r"SYSTEM\$TASK_DEPENDENTS_ENABLE\s*\(\s*'(?P<name>[^']+)'", re.I)
_SCHEDULE = re.compile(r"\bSCHEDULE\s*=\s*'(?P<value>[^']*)'", re.I)
_TARGET_LAG = re.compile(r"\bTARGET_LAG\s*=\s*(?:'(?P<value>[^']*)'|(?P<downstream>DOWNSTREAM\b))", re.I)
_REPLACE_TABLE = re.compile(
    rf"^\s*CREATE\s+OR\s+REPLACE\s+(?:(?:LOCAL|GLOBAL)\s+)?(?:TRANSIENT\s+|TEMP(?:ORARY)?\s+|SECURE\s+)?"
    rf"(?P<kind>TABLE|VIEW)\s+(?P<name>{_NAME})",
    re.I | re.S,
)
_REFRESH_MODE = re.compile(r"\bREFRESH_MODE\s*=\s*'?(?P<value>\w+)", re.I)
_SCHEDULER_DISABLE = re.compile(r"\bSCHEDULER\s*=\s*'?DISABLE", re.I)
_AFTER = re.compile(rf"\bAFTER\s+(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", re.I)
_WHEN = re.compile(r"\bWHEN\b(?P<expr>.*)$", re.I | re.S)
_REFRESH_IN_BODY = re.compile(
    rf"\bALTER\s+DYNAMIC\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)\s+REFRESH\b", re.I
)
_UPDATE_ACTION = re.compile(
    r"METADATA\$ACTION\s*(?:=|<>|!=)\s*'UPDATE'"
    r"|'UPDATE'\s*(?:=|<>|!=)\s*METADATA\$ACTION"
    r"|METADATA\$ACTION\s+(?:NOT\s+)?IN\s*\([^)]*'UPDATE'"
    r"|CASE\s+METADATA\$ACTION\s+WHEN\s+'UPDATE'"
    r"|METADATA\$ACTION\s+(?:I?LIKE)\s+'UPDATE'",
    re.I,
)
_NONDET_NAMES = {"SYSDATE", "GETDATE", "LOCALTIMESTAMP", "SYSTIMESTAMP", "NOW", "RANDOM", "UUID_STRING",
                 "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIME", "SEQ4", "SEQ8"}
_NONDET_TYPES: tuple[type[exp.Expression], ...] = (
    exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Rand, exp.Uuid,
) + tuple(t for t in (getattr(exp, "Localtime", None), getattr(exp, "Localtimestamp", None),
                      getattr(exp, "CurrentDatetime", None)) if t is not None)


def _meta_status(cond: exp.Expression | None, row: dict[str, object]) -> str:
    """Does ``cond`` hold for a stream row with these METADATA$ACTION / METADATA$ISUPDATE values:
    "yes", "no", or "maybe" (it also tests other columns, or in a way this does not read)."""
    if cond is None:
        return "yes"
    status = "yes"
    for c in cond.flatten() if isinstance(cond, exp.And) else [cond]:
        c = c.unnest()
        verdict = _meta_term(c, row)
        if verdict is False:
            return "no"
        if verdict is None:
            status = "maybe"
    return status


def _meta_term(c: exp.Expression, row: dict[str, object]) -> bool | None:
    """One conjunct on the row's metadata: True / False, or None when it is about anything else."""
    def col(e: exp.Expression) -> str | None:
        return e.name.upper() if isinstance(e, exp.Column) and e.name.upper().startswith("METADATA$") else None

    if isinstance(c, exp.Not) and col(c.this) == "METADATA$ISUPDATE":
        return not row["isupdate"]
    if col(c) == "METADATA$ISUPDATE":
        return bool(row["isupdate"])
    if isinstance(c, (exp.EQ, exp.NEQ)):
        for a, b in ((c.this, c.expression), (c.expression, c.this)):
            value: object = None
            if col(a) == "METADATA$ACTION" and isinstance(b, exp.Literal) and b.is_string:
                value = row["action"] == b.this.upper()
            elif col(a) == "METADATA$ISUPDATE" and isinstance(b, exp.Boolean):
                value = row["isupdate"] == b.this
            if value is not None:
                return value if isinstance(c, exp.EQ) else not value
    return None


class Linter:
    """Builds the model statement by statement, then evaluates the rules."""

    def __init__(self, text: str, file: str = ""):
        self.text = text
        self.file = file
        self.findings: list[Finding] = []
        self.streams: dict[str, Stream] = {}
        self.tasks: dict[str, Task] = {}
        self.procs: dict[str, Procedure] = {}
        self.dts: dict[str, DynamicTable] = {}
        # every top-level statement's units with their statement's line and text
        self.top_units: list[tuple[int, str, Unit]] = []
        # every unit anywhere (top level, task bodies, dynamic-table queries): (stmt text, line, unit)
        self.all_units: list[tuple[str, int, Unit]] = []
        self.schemas: dict[str, list[str]] = {}  # table -> column names, from CREATE TABLE
        self.views: dict[str, set[str]] = {}  # view -> what it reads, so DTs over views see through them

    # -- helpers --------------------------------------------------------------------------------
    def add(self, rule: str, line: int, message: str, fix: str) -> None:
        self.findings.append(Finding(rule, line, message, fix, self.file))

    @staticmethod
    def line_at(stmt_text: str, stmt_line: int, pos: int) -> int:
        return stmt_line + stmt_text.count("\n", 0, max(pos, 0))

    # -- pass 1: model ----------------------------------------------------------------------------
    def run(self) -> list[Finding]:
        for st in split_statements(self.text):
            text = blank_comments(st.text)
            self.statement(text, st.line)
        self.evaluate()
        self.findings.sort(key=lambda f: (f.line, f.rule))
        return self.findings

    def statement(self, text: str, line: int) -> None:
        self.check_update_action(text, line)
        if m := _CREATE_STREAM.match(text):
            name = norm(m.group("name"))
            append_only = bool(re.search(r"\b(?:APPEND_ONLY|INSERT_ONLY)\s*=\s*TRUE\b", text, re.I))
            self.streams[name] = Stream(name, line, norm(m.group("src")), append_only)
            return
        if m := _REPLACE_TABLE.match(text):
            table = norm(m.group("name"))
            kind = m.group("kind").upper()
            for st in self.streams.values():
                if st.source == table:
                    self.add("CDC010", line,
                             f"CREATE OR REPLACE {kind} {table} replaces the {kind.lower()} that stream {st.name} "
                             f"(line {st.line}) tracks: the new {kind.lower()} has no change history, so the stream "
                             "goes stale and cannot be read again; it is not re-linked to the new one.",
                             f"Create or replace {table} before CREATE STREAM {st.name}, use CREATE {kind} IF NOT "
                             f"EXISTS{' / ALTER TABLE' if kind == 'TABLE' else ''} for changes, or recreate the "
                             f"stream right after (CREATE OR REPLACE STREAM {st.name} ON {kind} {table}).")
        if m := _CREATE_DT.match(text):
            self.create_dt(text, line, m)
            return
        if m := _CREATE_TASK.match(text):
            self.create_task(text, line, m)
            return
        if m := _CREATE_PROC.match(text):
            self.create_proc(text, line, m)
            return
        if m := _ALTER_TASK.match(text):
            self.alter_task(text, line, m)
            return
        if m := _ALTER_DT.match(text):
            self.alter_dt(text, line, m)
            return
        if m := _DROP.match(text):
            kind = re.sub(r"\s+", " ", m.group("kind").upper())
            store: dict = {"STREAM": self.streams, "TASK": self.tasks, "DYNAMIC TABLE": self.dts}[kind]
            store.pop(norm(m.group("name")), None)
            return
        if m := _EXECUTE_TASK.match(text):
            if t := self.tasks.get(norm(m.group("name"))):
                t.executed = True
            return
        for m in _DEPENDENTS_ENABLE.finditer(text):
            self.enable_dependents(norm(m.group("name")))
        for u in _units(text):
            self.top_units.append((line, text, u))
            self.all_units.append((text, line, u))
            tree = u.tree
            if isinstance(tree, exp.Create) and isinstance(tree.this, exp.Schema) and tree.this.this:
                cols = [c.name.upper() for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
                self.schemas[norm(tree.this.this.name)] = cols
            if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "VIEW" and tree.this:
                view = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
                self.views[norm(view.name)] = u.tables - {norm(view.name)}

    def create_dt(self, text: str, line: int, m: re.Match[str]) -> None:
        name = norm(m.group("name"))
        as_pos = _top_level_as(text, m.end())
        header = text[: as_pos if as_pos >= 0 else len(text)]
        query = text[as_pos + 2:] if as_pos >= 0 else ""
        lag: str | None = None
        if lm := _TARGET_LAG.search(header):
            lag = "DOWNSTREAM" if lm.group("downstream") else lm.group("value")
            self.check_lag(lag, self.line_at(text, line, lm.start()), name)
        if _SCHEDULER_DISABLE.search(header):
            lag = None
        mode_m = _REFRESH_MODE.search(header)
        mode = mode_m.group("value").upper() if mode_m else "AUTO"
        units = _units(query, as_pos + 2) if query.strip() else []
        reads: set[str] = set()
        for u in units:
            reads |= u.tables
            self.all_units.append((text, line, u))
        self.dts[name] = DynamicTable(name, line, lag, mode, query, reads)
        if mode != "FULL" and units and units[0].tree is not None:
            self.check_nondeterministic(units[0], text, line, name, mode)

    def create_task(self, text: str, line: int, m: re.Match[str]) -> None:
        name = norm(m.group("name"))
        as_pos = _top_level_as(text, m.end())
        header = text[m.end(): as_pos if as_pos >= 0 else len(text)]
        hoff = m.end()
        body = text[as_pos + 2:] if as_pos >= 0 else ""
        sched = _SCHEDULE.search(header)
        when_m = _WHEN.search(header)
        after_m = _AFTER.search(header[: when_m.start()] if when_m else header)
        after = [norm(a) for a in re.split(r"\s*,\s*", after_m.group("names"))] if after_m else []
        task = Task(
            name=name, line=line,
            schedule=sched.group("value") if sched else None,
            schedule_line=self.line_at(text, line, hoff + sched.start()) if sched else line,
            after=after, when=when_m.group("expr").strip() if when_m else None,
            body=body, body_offset=as_pos + 2, stmt_text=text, stmt_line=line,
        )
        task.units = _units(body, as_pos + 2) if body.strip() else []
        self.all_units += [(text, line, u) for u in task.units]
        self.tasks[name] = task  # CREATE OR REPLACE leaves the task suspended again
        if task.schedule is not None:
            self.check_schedule(task.schedule, task.schedule_line, name)
            if after:
                self.add("CDC008", task.schedule_line,
                         f"Task {name} has both AFTER ({', '.join(after)}) and SCHEDULE = '{task.schedule}'. "
                         "Only a root or standalone task may have a schedule; Snowflake rejects a child task "
                         "with one.",
                         f"Remove the SCHEDULE from {name}: it runs when its predecessors finish. Put the "
                         "schedule on the root task instead.")

    def create_proc(self, text: str, line: int, m: re.Match[str]) -> None:
        """A stored procedure's body, kept to follow a task's CALL into it (its stream reads count as
        the task's) and checked like a task's block (CDC013)."""
        body = _PROC_BODY.search(text, m.end())
        proc = Procedure(norm(m.group("name")), line, text, line)
        if body is not None:
            group = next(g for g in ("dollar", "quoted", "raw") if body.group(g) is not None)
            proc.units = _units(body.group(group), body.start(group))
            self.all_units += [(text, line, u) for u in proc.units]
        self.procs[proc.name] = proc

    def effective_units(self, units: list[Unit], depth: int = 0) -> list[Unit]:
        """``units`` with each CALL of a procedure defined in the script replaced by the procedure's
        units (placed at the CALL, so findings point to it)."""
        out: list[Unit] = []
        for u in units:
            call = _CALL.match(u.text)
            proc = self.procs.get(norm(call.group("name"))) if call else None
            if proc is None or depth > 8:
                out.append(u)
                continue
            out += [Unit(p.text, u.offset, p.dml, p.tables, p.tree)
                    for p in self.effective_units(proc.units, depth + 1)]
        return out

    def alter_task(self, text: str, line: int, m: re.Match[str]) -> None:
        name = norm(m.group("name"))
        rest = m.group("rest").strip()
        task = self.tasks.get(name)
        word = rest.split(None, 1)[0].upper() if rest else ""
        if word == "RESUME" and task:
            task.resumed, task.suspended_explicitly = True, False
        elif word == "SUSPEND" and task:
            task.resumed, task.suspended_explicitly = False, True
        elif word == "SET":
            if sched := _SCHEDULE.search(rest):
                sline = self.line_at(text, line, m.start("rest") + sched.start())
                self.check_schedule(sched.group("value"), sline, name)
                if task:
                    task.schedule = sched.group("value")
                    if task.after:
                        self.add("CDC008", sline,
                                 f"ALTER TASK sets a SCHEDULE on child task {name} (AFTER "
                                 f"{', '.join(task.after)}); Snowflake rejects a schedule on a child task.",
                                 "Schedule the root task instead.")
        elif word == "UNSET" and task and re.search(r"\bSCHEDULE\b", rest, re.I):
            task.schedule = None
        elif word == "MODIFY" and task:
            if mm := re.match(r"MODIFY\s+AS\b", rest, re.I):
                boff = m.start("rest") + (len(m.group("rest")) - len(m.group("rest").lstrip())) + mm.end()
                task.body = text[boff:]
                task.units = _units(task.body, boff)
                self.all_units += [(text, line, u) for u in task.units]
                task.stmt_text, task.stmt_line = text, line
            elif mw := re.match(r"MODIFY\s+WHEN\b", rest, re.I):
                task.when = rest[mw.end():].strip()
        elif word == "ADD" and task:
            if am := re.match(rf"ADD\s+AFTER\s+(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", rest, re.I):
                task.after += [norm(a) for a in re.split(r"\s*,\s*", am.group("names"))]
        elif word == "REMOVE" and task:
            if am := re.match(rf"REMOVE\s+AFTER\s+(?P<names>{_NAME}(?:\s*,\s*{_NAME})*)", rest, re.I):
                gone = {norm(a) for a in re.split(r"\s*,\s*", am.group("names"))}
                task.after = [a for a in task.after if a not in gone]

    def alter_dt(self, text: str, line: int, m: re.Match[str]) -> None:
        rest = m.group("rest")
        names = [norm(n) for n in re.split(r"\s*,\s*", m.group("names"))]
        if lm := _TARGET_LAG.search(rest):
            lag = "DOWNSTREAM" if lm.group("downstream") else lm.group("value")
            self.check_lag(lag, self.line_at(text, line, m.start("rest") + lm.start()), names[0])
            for n in names:
                if n in self.dts:
                    self.dts[n].lag = lag
        elif _SCHEDULER_DISABLE.search(rest):
            for n in names:
                if n in self.dts:
                    self.dts[n].lag = None

    def enable_dependents(self, root: str) -> None:
        todo = [root]
        seen: set[str] = set()
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in self.tasks:
                self.tasks[n].resumed = True
                self.tasks[n].suspended_explicitly = False
            todo += [t.name for t in self.tasks.values() if n in t.after]

    # -- per-statement rules ----------------------------------------------------------------------
    def check_update_action(self, text: str, line: int) -> None:
        for m in _UPDATE_ACTION.finditer(text):
            self.add("CDC001", self.line_at(text, line, m.start()),
                     "METADATA$ACTION is only ever 'INSERT' or 'DELETE'; this predicate on 'UPDATE' can never "
                     "be true, so updates are silently dropped (or always counted as not-updates). A stream "
                     "shows an UPDATE as a DELETE of the old values plus an INSERT of the new ones, both "
                     "with METADATA$ISUPDATE = TRUE.",
                     "Test METADATA$ISUPDATE instead, e.g. METADATA$ACTION = 'INSERT' AND METADATA$ISUPDATE "
                     "for the new values of updated rows, or label them with CASE WHEN METADATA$ISUPDATE THEN "
                     "'UPDATE' ELSE METADATA$ACTION END.")

    def check_lag(self, lag: str, line: int, name: str) -> None:
        if lag == "DOWNSTREAM":
            return
        secs = _duration_seconds(lag)
        if secs is not None and secs < 60:
            self.add("CDC003", line,
                     f"TARGET_LAG = '{lag}' on {name} is under the 60-second minimum: Snowflake rejects it with "
                     f"002755 (Dynamic Tables do not support lag values under 60 second(s)).",
                     "Use TARGET_LAG = '1 minute' or more; for sub-minute freshness use a stream and a task "
                     "instead of a dynamic table.")

    def check_schedule(self, schedule: str, line: int, name: str) -> None:
        if schedule.strip().upper().startswith("USING CRON"):
            return
        secs = _duration_seconds(schedule)
        if secs is not None and secs < 10:
            self.add("CDC009", line,
                     f"Task {name} has SCHEDULE = '{schedule}', under the 10-second minimum interval; "
                     "Snowflake's shortest documented task schedule is 10 SECONDS.",
                     "Use SCHEDULE = '10 SECONDS' or longer, or make it a triggered task (no SCHEDULE, "
                     "WHEN SYSTEM$STREAM_HAS_DATA('<stream>')).")

    def check_nondeterministic(self, unit: Unit, text: str, line: int, name: str, mode: str) -> None:
        assert unit.tree is not None
        found: str | None = None
        for sel in unit.tree.find_all(exp.Select):
            for proj in sel.expressions:
                for node in proj.walk():
                    if isinstance(node, _NONDET_TYPES) or (
                        isinstance(node, exp.Anonymous) and str(node.name).upper() in _NONDET_NAMES
                    ):
                        found = node.sql("snowflake")
                        break
                if found:
                    break
            if found:
                break
        if not found:
            return
        fname = re.match(r"[A-Za-z_]+", found)
        pos = unit.offset
        if fname:
            # Point at the first spelling of the function that sqlglot normalised (SYSDATE, GETDATE...).
            alts = {fname.group(0).upper()} | ({"SYSDATE", "GETDATE", "SYSTIMESTAMP", "LOCALTIMESTAMP", "NOW"}
                                               if fname.group(0).upper() == "CURRENT_TIMESTAMP" else set())
            pat = re.compile(r"\b(" + "|".join(sorted(alts)) + r")\b", re.I)
            if fm := pat.search(text, unit.offset):
                pos = fm.start()
        if mode in {"INCREMENTAL", "ADAPTIVE"}:
            effect = (f"with REFRESH_MODE = {mode} the CREATE fails (002711: the query is not supported for "
                      "incremental refresh)")
        else:
            effect = ("REFRESH_MODE = AUTO silently resolves to FULL, so every refresh recomputes the whole "
                      "table")
        self.add("CDC004", self.line_at(text, line, pos),
                 f"Dynamic table {name} calls the non-deterministic {found} in its SELECT list: {effect}. "
                 "The value is also the refresh time, not the time of the change.",
                 "Move time-dependent logic to WHERE/HAVING/QUALIFY (allowed incrementally), carry a timestamp "
                 "column from the source (e.g. updated_at, or METADATA$ROW_LAST_COMMIT_TIME), or compute it "
                 "when reading the table.")

    # -- whole-script rules -----------------------------------------------------------------------
    def evaluate(self) -> None:
        self.rule_when_stream()
        self.rule_lag_order()
        self.rule_action_columns()
        self.rule_never_resumed()
        self.rule_stream_consumers()
        self.rule_downstream()
        self.rule_stream_in_block()
        self.rule_merge_update_pair()

    def action_columns(self) -> dict[str, tuple[str, int]]:
        """Columns that only ever hold a copy of METADATA$ACTION: name -> (stmt text, line) of a copy."""
        copies: dict[str, tuple[str, int]] = {}
        other: set[str] = set()

        def is_action(e: exp.Expression | None, known: set[str]) -> bool:
            return isinstance(e, exp.Column) and (e.name.upper() == "METADATA$ACTION" or e.name.upper() in known)

        for _ in range(4):  # fixpoint over pass-through renames (bronze -> silver -> gold)
            known = set(copies) - other
            for text, line, u in self.all_units:
                if u.tree is None:
                    continue
                for ins in u.tree.find_all(exp.Insert):
                    target = ins.this
                    cols: list[str] = []
                    if isinstance(target, exp.Schema):
                        cols = [c.name.upper() for c in target.expressions]
                    elif isinstance(target, exp.Table):
                        cols = self.schemas.get(norm(target.name), [])
                    src = ins.expression
                    values: list[exp.Expression] = []
                    if isinstance(src, exp.Select):
                        values = list(src.expressions)
                    elif isinstance(src, exp.Tuple):
                        values = list(src.expressions)
                    elif isinstance(src, exp.Values) and src.expressions:
                        first = src.expressions[0]
                        values = list(first.expressions) if isinstance(first, exp.Tuple) else []
                    for col, val in zip(cols, values, strict=False):
                        val = val.this if isinstance(val, exp.Alias) else val
                        if is_action(val, known):
                            copies.setdefault(col, (text, line))
                        else:
                            other.add(col)
                for sel in u.tree.find_all(exp.Select):
                    for proj in sel.expressions:
                        if isinstance(proj, exp.Alias):
                            if is_action(proj.this, known):
                                copies.setdefault(proj.alias.upper(), (text, line))
                            else:
                                other.add(proj.alias.upper())
                for upd in u.tree.find_all(exp.Update):
                    for eq in upd.expressions:
                        if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
                            (copies.setdefault(eq.this.name.upper(), (text, line)) if is_action(eq.expression, known)
                             else other.add(eq.this.name.upper()))
        return {c: v for c, v in copies.items() if c not in other and c != "METADATA$ACTION"}

    def rule_action_columns(self) -> None:
        cols = self.action_columns()
        if not cols:
            return
        flagged = {f.line for f in self.findings if f.rule == "CDC001"}

        def is_update(e: exp.Expression | None) -> bool:
            return isinstance(e, exp.Literal) and e.is_string and e.this.upper() == "UPDATE"

        for text, line, u in self.all_units:
            if u.tree is None:
                continue
            hits: list[str] = []
            for node in u.tree.walk():
                if isinstance(node, exp.EQ | exp.NEQ):
                    for a, b in ((node.this, node.expression), (node.expression, node.this)):
                        if isinstance(a, exp.Column) and a.name.upper() in cols and is_update(b):
                            hits.append(a.name)
                elif isinstance(node, exp.In) and isinstance(node.this, exp.Column):
                    if node.this.name.upper() in cols and any(is_update(x) for x in node.expressions):
                        hits.append(node.this.name)
                elif isinstance(node, exp.Case) and isinstance(node.this, exp.Column):
                    if node.this.name.upper() in cols and any(is_update(i.this) for i in node.args.get("ifs", [])):
                        hits.append(node.this.name)
            for col in hits:
                c = re.escape(col)
                pat = re.compile(rf"\b{c}\s*(?:=|<>|!=)\s*'UPDATE'|'UPDATE'\s*(?:=|<>|!=)\s*(?:\w+\.)?{c}\b"
                                 rf"|\b{c}\s+(?:NOT\s+)?IN\s*\([^)]*'UPDATE'|\bCASE\s+{c}\s+WHEN\s+'UPDATE'",
                                 re.I | re.S)
                fm = pat.search(text, u.offset)
                at = self.line_at(text, line, fm.start() if fm else u.offset)
                if at in flagged:
                    continue
                flagged.add(at)
                src_text, src_line = cols[col.upper()]
                self.add("CDC001", at,
                         f"Column {col} only ever holds a copy of METADATA$ACTION (statement at line "
                         f"{src_line}), which is 'INSERT' or 'DELETE', never 'UPDATE'; this comparison with "
                         "'UPDATE' can never be true, so updates are never counted. A stream shows an UPDATE as "
                         "a DELETE + INSERT pair, both with METADATA$ISUPDATE = TRUE.",
                         f"Count updates from the ISUPDATE flag that was copied alongside it (e.g. {col} = "
                         "'INSERT' AND <is_update column>), or store CASE WHEN METADATA$ISUPDATE THEN 'UPDATE' "
                         f"ELSE METADATA$ACTION END into {col} when consuming the stream.")

    def rule_stream_in_block(self) -> None:
        """A DML that reads a stream consumes it when it commits: at once outside a transaction, at
        COMMIT inside one. A later statement of the same block then reads an empty stream."""
        bodies = [("Task", t.name, t.units, t.stmt_text, t.stmt_line) for t in self.tasks.values()]
        bodies += [("Procedure", p.name, p.units, p.stmt_text, p.stmt_line) for p in self.procs.values()]
        for kind, name, units, stmt_text, stmt_line in bodies:
            consumed: dict[str, int] = {}  # stream -> line of the DML that consumed it
            pending: dict[str, int] = {}
            in_txn = False
            for u in units:
                head = u.text.lstrip().upper()
                if re.match(r"(BEGIN|START)\s+(TRANSACTION|WORK)\b", head):
                    in_txn = True
                    continue
                if re.match(r"(COMMIT|ROLLBACK)\b", head):
                    if head.startswith("COMMIT"):
                        consumed.update(pending)
                    pending, in_txn = {}, False
                    continue
                line = self.line_at(stmt_text, stmt_line, u.offset)
                for s in sorted(u.tables & self.streams.keys()):
                    if s in consumed:
                        self.add("CDC013", line,
                                 f"{kind} {name} reads stream {s} here after the statement at line "
                                 f"{consumed[s]} consumed it. The statements of a BEGIN ... END block commit "
                                 "one by one (a block is not a transaction), so this one sees the stream empty.",
                                 "Put the statements that read the stream between BEGIN TRANSACTION; and COMMIT; "
                                 "inside the block: they then all see the same changes, consumed at COMMIT.")
                    elif u.dml:
                        (pending if in_txn else consumed).setdefault(s, line)

    def rule_merge_update_pair(self) -> None:
        """A stream shows an UPDATE as a DELETE row (before) and an INSERT row (after) with one key,
        both METADATA$ISUPDATE = TRUE. A MERGE joining the stream to its target by key matches the
        target row twice; if the WHEN MATCHED clauses may send both rows to an UPDATE, or one to an
        UPDATE and the other to a DELETE, the MERGE is nondeterministic and Snowflake refuses it.
        Conditions on other columns count as "may hold"; a filter on METADATA$ACTION in USING or ON
        that drops one row of the pair, or a dedup (QUALIFY, GROUP BY, DISTINCT), clears it."""
        pair = ({"action": "DELETE", "isupdate": True}, {"action": "INSERT", "isupdate": True})
        for text, line, u in self.all_units:
            tree = u.tree
            if not isinstance(tree, exp.Merge):
                continue
            stream, filters = self._merge_stream(tree.args.get("using"))
            if stream is None:
                continue
            filters.append(tree.args.get("on"))
            rows = [r for r in pair if all(_meta_status(f, r) != "no" for f in filters)]
            if len(rows) < 2:
                continue
            whens = tree.args.get("whens")
            clauses = [w for w in (whens.expressions if whens is not None else []) if w.args.get("matched")]
            acts = [self._possible_actions(clauses, r) for r in rows]
            if not ({"UPDATE"} <= acts[0] & acts[1] or "UPDATE" in acts[0] and "DELETE" in acts[1]
                    or "DELETE" in acts[0] and "UPDATE" in acts[1]):
                continue
            self.add("CDC014", self.line_at(text, line, u.offset),
                     f"This MERGE reads stream {stream.name}, which shows an UPDATE of a source row as a DELETE "
                     "row and an INSERT row with the same key (both METADATA$ISUPDATE = TRUE). Both match the "
                     "same target row, and these WHEN MATCHED clauses can update it from both, or update it "
                     "from one and delete it from the other: Snowflake refuses such a MERGE with 100090 "
                     "\"Duplicate row detected during DML action\" the first time a source row is updated.",
                     "Tell the pair apart: WHEN MATCHED AND s.METADATA$ACTION = 'DELETE' AND NOT "
                     "s.METADATA$ISUPDATE THEN DELETE, and WHEN MATCHED AND s.METADATA$ACTION = 'INSERT' THEN "
                     "UPDATE (or filter USING to METADATA$ACTION = 'INSERT' when deletes need no clause).")

    def _merge_stream(self, using: exp.Expression | None) -> tuple[Stream | None, list[exp.Expression | None]]:
        """The non-append-only stream a MERGE's USING reads row for row, and the filters on the way."""
        if isinstance(using, exp.Table):
            st = self.streams.get(norm(using.this.sql(dialect="snowflake")) if using.name else "")
            return (st if st is not None and not st.append_only else None), []
        if isinstance(using, exp.Subquery) and isinstance(using.this, exp.Select):
            sel = using.this
            if sel.args.get("qualify") or sel.args.get("group") or sel.args.get("distinct") or sel.args.get("joins"):
                return None, []
            src = sel.args.get("from_") or sel.args.get("from")
            inner = src.this if src is not None else None
            if not isinstance(inner, exp.Table):
                return None, []
            st, _ = self._merge_stream(inner)
            where = sel.args.get("where")
            return st, [where.this if where is not None else None]
        return None, []

    @staticmethod
    def _possible_actions(clauses: list[exp.Expression], row: dict[str, object]) -> set[str]:
        """The actions the WHEN MATCHED clauses may take for ``row`` (first clause that surely holds ends it)."""
        out: set[str] = set()
        for w in clauses:
            status = _meta_status(w.args.get("condition"), row)
            if status == "no":
                continue
            then = w.args.get("then")
            out.add("UPDATE" if isinstance(then, exp.Update) else "DELETE")
            if status == "yes":
                break
        return out

    def rule_never_resumed(self) -> None:
        for t in self.tasks.values():
            if t.resumed or t.suspended_explicitly:
                continue
            manual = t.schedule is None and t.when is None and not t.after
            if manual and t.executed:
                continue  # a task kept for EXECUTE TASK only is intended
            how = (f"SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('{self.root_of(t.name)}') to resume the whole graph"
                   if t.after else f"ALTER TASK {t.name} RESUME")
            self.add("CDC005", t.line,
                     f"Task {t.name} is created but never resumed in this script. New and re-created "
                     "(CREATE OR REPLACE) tasks start SUSPENDED, so it never runs"
                     + (" and neither does its graph." if not t.after else "; its predecessors skip it."),
                     f"Add {how} after creating it (resume child tasks before their root).")

    def root_of(self, name: str) -> str:
        seen: set[str] = set()
        while name in self.tasks and self.tasks[name].after and name not in seen:
            seen.add(name)
            name = self.tasks[name].after[0]
        return name

    def rule_stream_consumers(self) -> None:
        dml_readers: dict[str, list[str]] = {s: [] for s in self.streams}
        select_lines: dict[str, int] = {}
        task_readers: dict[str, list[Task]] = {s: [] for s in self.streams}
        for line, text, u in self.top_units:
            for s in u.tables & self.streams.keys():
                if u.dml:
                    dml_readers[s].append(f"statement at line {line}")
                else:
                    select_lines.setdefault(s, self.line_at(text, line, 0))
        for t in self.tasks.values():
            read: set[str] = set()
            for u in self.effective_units(t.units):
                for s in u.tables & self.streams.keys():
                    read.add(s)
                    if u.dml:
                        dml_readers[s].append(f"task {t.name}")
                    else:
                        select_lines.setdefault(s, self.line_at(t.stmt_text, t.stmt_line, u.offset))
            for s in read:
                task_readers[s].append(t)
        for s, readers in task_readers.items():
            if len(readers) > 1:
                names = ", ".join(t.name for t in readers)
                self.add("CDC006", readers[1].line,
                         f"Stream {s} is read by {len(readers)} tasks ({names}). A stream has one offset: "
                         "whichever task commits first consumes the changes, and the others see only what "
                         "arrived after, so each gets a different, partial share.",
                         f"Create one stream per consumer (CREATE STREAM {s}_2 ON TABLE "
                         f"{self.streams[s].source} ...), or consume the stream once into a staging table "
                         "that several tasks read.")
        for s, line in select_lines.items():
            if not dml_readers[s]:
                self.add("CDC007", line,
                         f"Stream {s} is only read by SELECT, never by a DML statement. Querying a stream "
                         "does not advance its offset (not even inside a transaction), so it keeps returning "
                         "the same changes, grows, and eventually goes stale.",
                         f"Consume it in DML, e.g. INSERT INTO <target> SELECT ... FROM {s} (or MERGE), in a "
                         "task; a DML that reads the stream advances the offset when it commits.")

    def rule_downstream(self) -> None:
        readers: dict[str, list[str]] = {n: [] for n in self.dts}
        for d in self.dts.values():
            for r in self.reads(d):
                if r in readers and r != d.name:
                    readers[r].append(d.name)
        task_refreshed: set[str] = set()
        for t in self.tasks.values():
            for m in _REFRESH_IN_BODY.finditer(t.body):
                task_refreshed |= {norm(n) for n in re.split(r"\s*,\s*", m.group("names"))}

        memo: dict[str, bool] = {}

        def refreshes(name: str, stack: frozenset[str] = frozenset()) -> bool:
            """True when something keeps ``name`` refreshed: its own lag, a task, or a live consumer."""
            if name in memo:
                return memo[name]
            d = self.dts[name]
            ok = (d.lag is not None and d.lag != "DOWNSTREAM") or name in task_refreshed or any(
                refreshes(c, stack | {name}) for c in readers[name] if c not in stack)
            memo[name] = ok
            return ok

        for d in self.dts.values():
            if d.lag != "DOWNSTREAM" or readers[d.name] or d.name in task_refreshed:
                continue
            stalled = sorted(u for u in self.upstream_dts(d.name) if not refreshes(u) and u != d.name)
            extra = (f" Its upstream dynamic table(s) {', '.join(stalled)} then never refresh either."
                     if stalled else "")
            self.add("CDC002", d.line,
                     f"Dynamic table {d.name} has TARGET_LAG = DOWNSTREAM but no consumer: no other dynamic "
                     "table reads it and no task refreshes it, so it never refreshes on its own and Snowflake "
                     f"gives no warning.{extra}",
                     f"Give it a time-based lag (TARGET_LAG = '1 minute' or more), or refresh it from a task: "
                     f"CREATE TASK ... SCHEDULE = '1 MINUTE' AS ALTER DYNAMIC TABLE {d.name} REFRESH.")

    def rule_when_stream(self) -> None:
        children: dict[str, list[str]] = {}
        for t in self.tasks.values():
            for a in t.after:
                children.setdefault(a, []).append(t.name)
        for t in self.tasks.values():
            if not t.when:
                continue
            graph, todo = [], [t.name]
            while todo:  # the task and everything that runs after it
                n = todo.pop()
                if n in graph or n not in self.tasks:
                    continue
                graph.append(n)
                todo += children.get(n, [])
            consumed = {s for n in graph for u in self.effective_units(self.tasks[n].units) if u.dml
                        for s in u.tables}
            for m in re.finditer(r"SYSTEM\$STREAM_HAS_DATA\s*\(\s*'(?P<name>[^']+)'", t.when, re.I):
                stream = norm(m.group("name"))
                if stream in self.streams and stream not in consumed:
                    self.add("CDC012", t.line,
                             f"Task {t.name} runs WHEN SYSTEM$STREAM_HAS_DATA('{m.group('name')}') but neither it "
                             f"nor its child tasks consume {stream} in DML. Once the stream has data, the "
                             "condition stays TRUE: the task runs (and bills) on every schedule and the stream "
                             "eventually goes stale.",
                             f"Consume {stream} in the task body (INSERT/MERGE ... FROM {stream}); to discard "
                             f"changes, INSERT INTO <t> SELECT ... FROM {stream} WHERE 1 = 0.")

    def rule_lag_order(self) -> None:
        def secs(d: DynamicTable) -> float | None:
            if d.lag is None or d.lag == "DOWNSTREAM":
                return None
            return _duration_seconds(d.lag)

        for d in self.dts.values():
            mine = secs(d)
            if mine is None:
                continue
            for up in sorted(self.reads(d) & self.dts.keys()):
                theirs = secs(self.dts[up])
                if theirs is not None and theirs > mine and up != d.name:
                    self.add("CDC011", d.line,
                             f"Dynamic table {d.name} has TARGET_LAG = '{d.lag}' but reads {up} whose TARGET_LAG "
                             f"is '{self.dts[up].lag}'. A dynamic table cannot be fresher than its inputs: "
                             "Snowflake rejects a target lag shorter than an upstream dynamic table's.",
                             f"Give {d.name} a lag of at least '{self.dts[up].lag}', or set {up} to TARGET_LAG = "
                             "DOWNSTREAM so it refreshes whenever its consumers need it.")

    def reads(self, d: DynamicTable) -> set[str]:
        """What ``d`` reads, looking through views to the tables and dynamic tables under them."""
        out: set[str] = set()
        todo = list(d.reads)
        while todo:
            n = todo.pop()
            if n in out:
                continue
            out.add(n)
            todo += list(self.views.get(n, ()))
        return out

    def upstream_dts(self, name: str) -> set[str]:
        out: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            for r in self.reads(self.dts[n]):
                if r in self.dts and r not in out:
                    out.add(r)
                    todo.append(r)
        return out


def lint_text(text: str, file: str = "") -> list[Finding]:
    """Lint a Snowflake SQL script given as text."""
    return Linter(text, file).run()


def lint_file(path: str) -> list[Finding]:
    """Lint the script at ``path``."""
    with open(path, encoding="utf-8") as fh:
        return lint_text(fh.read(), path)


def render(findings: list[Finding], fmt: str = "text") -> str:
    """Findings as human text or as a JSON document."""
    if fmt == "json":
        return json.dumps([f.to_dict() for f in findings], indent=2)
    if not findings:
        return "no findings"
    lines = [f.format() for f in findings]
    lines.append(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}")
    return "\n".join(lines)
