"""The clauses of CREATE TASK / ALTER TASK: a small scanner over the text after the task name, and
each property's value type, documented bounds and default [DOC T1, T5].

Owns: ``KEY = value`` lists (quoted strings, ``$$...$$``, identifiers, numbers, booleans),
``AFTER a, b``, ``WHEN <expr>`` (up to the top-level ``AS``), ``WITH TAG (...)``, and applying or
unsetting a property on a task. Snowflake session parameters (a known list plus the documented
name families CLIENT_*, *_OUTPUT_FORMAT, *_TIMEOUT_IN_SECONDS) are recorded and have no effect
except STATEMENT_TIMEOUT_IN_SECONDS; SEARCH_PATH and AUTOCOMMIT = FALSE are refused as documented;
any other key is an "invalid property" error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import compilation_error, syntax_error
from ..names import QNAME_RE, parse_parts
from .model import DEFAULT_SUSPEND_AFTER, DEFAULT_TIMEOUT_MS, DEFAULT_TRIGGER_INTERVAL_S, Task
from .schedule import invalid, parse_duration, parse_schedule

_WS = re.compile(r"\s*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_NUM = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")
_QNAME = re.compile(QNAME_RE)
SIZES = ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE"]
OVERLAP = {"NO_OVERLAP", "ALLOW_CHILD_OVERLAP", "ALLOW_ALL_OVERLAP"}


@dataclass(frozen=True)
class Value:
    kind: str  # str | ident | num | bool
    value: Any
    text: str


class Scanner:
    def __init__(self, text: str, pos: int = 0):
        self.text, self.pos = text, pos

    def ws(self) -> None:
        self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def at_end(self) -> bool:
        self.ws()
        return self.pos >= len(self.text)

    def peek_word(self) -> str:
        self.ws()
        m = _WORD.match(self.text, self.pos)
        return m.group(0).upper() if m else ""

    def word(self) -> str:
        w = self.peek_word()
        if not w:
            raise self.error("a keyword")
        self.pos += len(w)
        return w

    def accept(self, ch: str) -> bool:
        self.ws()
        if self.text.startswith(ch, self.pos):
            self.pos += len(ch)
            return True
        return False

    def error(self, expected: str) -> Exception:
        near = self.text[self.pos:self.pos + 30]
        return syntax_error(f"Syntax error: expected {expected} near '{near}'")

    def qname(self) -> list[str]:
        self.ws()
        if self.text.startswith("'", self.pos):  # AFTER / FINALIZE also take string names
            return parse_parts(self.value().value)
        m = _QNAME.match(self.text, self.pos)
        if not m:
            raise self.error("a task name")
        self.pos = m.end()
        return parse_parts(m.group(0))

    def value(self) -> Value:
        self.ws()
        t, i = self.text, self.pos
        if t.startswith("$$", i):
            j = t.find("$$", i + 2)
            if j < 0:
                raise self.error("closing $$")
            self.pos = j + 2
            return Value("str", t[i + 2:j], t[i:j + 2])
        if t.startswith("'", i):
            j, out = i + 1, []
            while j < len(t):
                if t[j] == "\\" and j + 1 < len(t):
                    out.append(t[j + 1])
                    j += 2
                    continue
                if t[j] == "'":
                    if t.startswith("''", j):
                        out.append("'")
                        j += 2
                        continue
                    break
                out.append(t[j])
                j += 1
            if j >= len(t):
                raise self.error("closing quote")
            self.pos = j + 1
            return Value("str", "".join(out), t[i:j + 1])
        m = _NUM.match(t, i)
        if m:
            self.pos = m.end()
            s = m.group(0)
            return Value("num", float(s) if "." in s else int(s), s)
        m = _QNAME.match(t, i)
        if m:
            self.pos = m.end()
            s = m.group(0)
            if s.upper() in ("TRUE", "FALSE"):
                return Value("bool", s.upper() == "TRUE", s)
            return Value("ident", ".".join(parse_parts(s)), s)
        raise self.error("a value")

    def skip_parens(self) -> None:
        self.ws()
        if not self.accept("("):
            raise self.error("(")
        depth = 1
        while self.pos < len(self.text) and depth:
            c = self.text[self.pos]
            if c == "'":
                self.value()
                continue
            depth += {"(": 1, ")": -1}.get(c, 0)
            self.pos += 1

    def until_top_level(self, keyword: str) -> str:
        """Text up to the next top-level ``keyword`` (outside quotes and parentheses)."""
        t, i, depth = self.text, self.pos, 0
        rx = re.compile(rf"\b{keyword}\b", re.IGNORECASE)
        while i < len(t):
            c = t[i]
            if c == "'" or t.startswith("$$", i):
                save, self.pos = self.pos, i
                self.value()
                i, self.pos = self.pos, save
                continue
            if c == '"':
                j = t.find('"', i + 1)
                i = len(t) if j < 0 else j + 1
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0 and rx.match(t, i) and (i == 0 or not (t[i - 1].isalnum() or t[i - 1] in "_$")):
                out = t[self.pos:i]
                self.pos = i
                return out.strip()
            i += 1
        raise self.error(keyword)

    def name_list(self) -> list[list[str]]:
        out = [self.qname()]
        while self.accept(","):
            out.append(self.qname())
        return out


def props_list(sc: Scanner, stop: set[str], refuse: str | None = None) -> list[tuple[str, Value]]:
    """``KEY = value [,] KEY = value ...`` until a word in ``stop`` or the end.

    Tag, contact and COPY GRANTS clauses are skipped (accepted, not modelled), or refused with an
    error naming the statement ``refuse`` (CREATE OR ALTER TASK does not take them)."""
    out: list[tuple[str, Value]] = []
    while not sc.at_end():
        w = sc.peek_word()
        if not w or w in stop:
            break
        sc.word()
        if refuse and w in ("WITH", "TAG", "CONTACT", "COPY"):
            clause = f"{w} {sc.peek_word()}" if w in ("WITH", "COPY") else w
            raise compilation_error(f"{refuse} does not support {clause}.", 2_000, "0A000")
        if w in ("WITH", "TAG", "CONTACT"):
            if w == "WITH":
                sc.word()
            sc.skip_parens()
            continue
        if w == "COPY":
            sc.word()  # GRANTS
            continue
        if not sc.accept("="):
            raise sc.error(f"'=' after {w}")
        out.append((w, sc.value()))
        sc.accept(",")
    return out


def _int(key: str, v: Value, lo: int, hi: int | None) -> int:
    if v.kind != "num" or not isinstance(v.value, int) or v.value < lo or (hi is not None and v.value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise invalid(key, v.text, f"must be an integer {bound}")
    return v.value


def _text(v: Value) -> str:
    return str(v.value) if v.kind != "bool" else v.text.upper()


def apply(task: Task, key: str, v: Value, relaxed: bool, current_db: str, current_schema: str) -> None:
    """Set one property on ``task`` (validated against its documented bounds)."""
    if key == "WAREHOUSE":
        task.warehouse = _text(v)
    elif key == "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE":
        size = _text(v).upper().replace("-", "")
        if size not in SIZES:
            raise invalid(key, v.text, f"must be one of {', '.join(SIZES)}")
        task.initial_warehouse_size = size
    elif key == "SCHEDULE":
        if v.kind != "str":
            raise invalid(key, v.text, "must be a string")
        parse_schedule(v.value, relaxed)
        task.schedule = v.value.strip()
    elif key == "CONFIG":
        import json

        try:
            json.loads(v.value)
        except (TypeError, ValueError):
            raise invalid(key, v.text, "must be a JSON string") from None
        task.config = v.value
    elif key == "OVERLAP_POLICY":
        p = _text(v).upper()
        if p not in OVERLAP:
            raise invalid(key, v.text, f"must be one of {', '.join(sorted(OVERLAP))}")
        task.overlap_policy = p
    elif key == "ALLOW_OVERLAPPING_EXECUTION":
        if v.kind != "bool":
            raise invalid(key, v.text, "must be TRUE or FALSE")
        # The deprecated form: TRUE maps to ALLOW_CHILD_OVERLAP, FALSE to NO_OVERLAP [DOC T1].
        task.overlap_policy = "ALLOW_CHILD_OVERLAP" if v.value else "NO_OVERLAP"
    elif key == "USER_TASK_TIMEOUT_MS":
        task.timeout_ms = _int(key, v, 0, 604_800_000)
    elif key == "SUSPEND_TASK_AFTER_NUM_FAILURES":
        task.suspend_after = _int(key, v, 0, None)
    elif key == "TASK_AUTO_RETRY_ATTEMPTS":
        task.retry_attempts = _int(key, v, 0, 30)
    elif key == "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS":
        if v.kind != "num" or v.value <= 0:
            raise invalid(key, v.text, "must be a positive number")
        if not relaxed:
            _int(key, v, 10, 604_800)
        task.min_trigger_interval_s = float(v.value)
    elif key == "TARGET_COMPLETION_INTERVAL":
        if v.kind != "str":
            raise invalid(key, v.text, "must be a string")
        parse_duration(key, v.value, relaxed, 10, 86_400)
        task.target_completion_interval = v.value
    elif key in ("SERVERLESS_TASK_MIN_STATEMENT_SIZE", "SERVERLESS_TASK_MAX_STATEMENT_SIZE"):
        size = _text(v).upper().replace("-", "")
        if size not in SIZES:
            raise invalid(key, v.text, f"must be one of {', '.join(SIZES)}")
        if key.endswith("MIN_STATEMENT_SIZE"):
            task.min_statement_size = size
        else:
            task.max_statement_size = size
    elif key in ("ERROR_INTEGRATION", "SUCCESS_INTEGRATION"):
        setattr(task, key.lower(), _text(v))
    elif key == "LOG_LEVEL":
        task.log_level = _text(v).upper()
    elif key == "COMMENT":
        task.comment = _text(v)
    elif key == "FINALIZE":
        parts = parse_parts(v.text) if v.kind == "ident" else parse_parts(str(v.value))
        from ..names import qualify

        task.finalize = qualify(parts, current_db, current_schema).fqn
    elif key == "SEARCH_PATH":
        raise compilation_error("Session parameter SEARCH_PATH cannot be set on a task.", 2_043, "22023")
    elif key == "AUTOCOMMIT" and v.kind == "bool" and not v.value:
        raise compilation_error("AUTOCOMMIT must be TRUE for a task.", 2_043, "22023")
    elif is_session_parameter(key):
        task.session_params = {**task.session_params, key: v.value}
    else:
        # A misspelt SCHEDULE must not become a silently ignored "parameter" (Snowflake refuses it too).
        raise compilation_error(f"invalid property '{key}' for 'TASK'", 2_029, "42601")


SESSION_PARAMETERS = {
    "ABORT_DETACHED_QUERY", "AUTOCOMMIT", "BINARY_INPUT_FORMAT", "BINARY_OUTPUT_FORMAT", "DATE_INPUT_FORMAT",
    "DATE_OUTPUT_FORMAT", "ERROR_ON_NONDETERMINISTIC_MERGE", "ERROR_ON_NONDETERMINISTIC_UPDATE",
    "GEOGRAPHY_OUTPUT_FORMAT", "GEOMETRY_OUTPUT_FORMAT", "JSON_INDENT", "LOCK_TIMEOUT", "MULTI_STATEMENT_COUNT",
    "QUERY_TAG", "QUOTED_IDENTIFIERS_IGNORE_CASE", "ROWS_PER_RESULTSET", "SEARCH_PATH",
    "SIMULATED_DATA_SHARING_CONSUMER", "STRICT_JSON_OUTPUT", "TIMESTAMP_DAY_IS_ALWAYS_24H",
    "TIMESTAMP_INPUT_FORMAT", "TIMESTAMP_TYPE_MAPPING", "TIMEZONE", "TIME_INPUT_FORMAT", "TIME_OUTPUT_FORMAT",
    "TRACE_LEVEL", "TRANSACTION_ABORT_ON_ERROR", "TRANSACTION_DEFAULT_ISOLATION_LEVEL", "TWO_DIGIT_CENTURY_START",
    "UNSUPPORTED_DDL_ACTION", "USE_CACHED_RESULT", "WEEK_OF_YEAR_POLICY", "WEEK_START", "METRIC_LEVEL",
    "ENABLE_UNLOAD_PHYSICAL_TYPE_OPTIMIZATION", "CSV_TIMESTAMP_FORMAT", "S3_STAGE_VPCE_DNS_NAME",
}
_PARAM_SHAPES = re.compile(r"^(CLIENT_|JDBC_|ODBC_|PYTHON_|TIMESTAMP_\w+_OUTPUT_FORMAT$|\w+_TIMEOUT_IN_SECONDS$)")


def is_session_parameter(key: str) -> bool:
    return key in SESSION_PARAMETERS or bool(_PARAM_SHAPES.match(key))


_DEFAULTS: dict[str, tuple[str, Any]] = {
    "WAREHOUSE": ("warehouse", None), "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE": ("initial_warehouse_size", None),
    "SCHEDULE": ("schedule", None), "CONFIG": ("config", None), "OVERLAP_POLICY": ("overlap_policy", "NO_OVERLAP"),
    "ALLOW_OVERLAPPING_EXECUTION": ("overlap_policy", "NO_OVERLAP"),
    "USER_TASK_TIMEOUT_MS": ("timeout_ms", DEFAULT_TIMEOUT_MS),
    "SUSPEND_TASK_AFTER_NUM_FAILURES": ("suspend_after", DEFAULT_SUSPEND_AFTER),
    "TASK_AUTO_RETRY_ATTEMPTS": ("retry_attempts", 0),
    "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS": ("min_trigger_interval_s", DEFAULT_TRIGGER_INTERVAL_S),
    "TARGET_COMPLETION_INTERVAL": ("target_completion_interval", None),
    "SERVERLESS_TASK_MIN_STATEMENT_SIZE": ("min_statement_size", None),
    "SERVERLESS_TASK_MAX_STATEMENT_SIZE": ("max_statement_size", None),
    "ERROR_INTEGRATION": ("error_integration", None), "SUCCESS_INTEGRATION": ("success_integration", None),
    "LOG_LEVEL": ("log_level", None), "COMMENT": ("comment", None), "FINALIZE": ("finalize", None),
}


def unset(task: Task, key: str) -> None:
    if key in _DEFAULTS:
        attr, default = _DEFAULTS[key]
        setattr(task, attr, default)
    else:
        task.session_params = {k: v for k, v in task.session_params.items() if k != key}
