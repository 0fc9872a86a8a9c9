"""The SQL shell behind ``cdcsim sql``: statement buffering, meta-commands and result tables.

This module owns how text typed or sourced by a user becomes statements on a cdcsim connection
and how results are shown: SnowSQL-like aligned tables, row counts and timings, errors with the
line they came from, and the meta-commands ``!advance <duration>``, ``!clock``,
``!source <file>``, ``!timing on|off``, ``!help`` and ``!quit``. A line starting with ``!`` at a
statement boundary is a meta-command in interactive input and in sourced files alike, as in
SnowSQL.

A statement is complete when it ends with ``;`` outside strings, comments and scripting blocks;
completeness is decided by the same splitter the engine uses (a sentinel appended to the buffer
must come out as a statement of its own).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from cdcsim.sql.split import split_statements, strip_comments

_SENTINEL = "__cdcsim_end_of_buffer__"
HELP = """meta-commands:
  !advance <duration>   move the manual clock forward (e.g. 30s, 5m, 2h, 1d) and run what falls due
  !clock                show the current (virtual or wall) time
  !source <file>        run the statements of a file
  !status               streams, tasks and dynamic tables at a glance (as `cdcsim status`)
  !timing on|off        show elapsed time after each statement
  !help                 this text
  !quit / !exit         leave the shell"""


META_COMMANDS = ("advance", "clock", "source", "status", "timing", "help", "quit", "exit")
KEYWORDS = (
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "HAVING", "QUALIFY", "LIMIT", "INSERT", "INTO",
    "VALUES", "UPDATE", "SET", "DELETE", "MERGE", "USING", "MATCHED", "CREATE", "REPLACE", "TABLE",
    "STREAM", "TASK", "DYNAMIC", "ALTER", "RESUME", "SUSPEND", "REFRESH", "EXECUTE", "SHOW", "STREAMS",
    "TASKS", "TABLES", "DESCRIBE", "DROP", "TARGET_LAG", "DOWNSTREAM", "WAREHOUSE", "SCHEDULE", "AFTER",
    "WHEN", "APPEND_ONLY", "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID",
    "SYSTEM$STREAM_HAS_DATA", "TASK_HISTORY", "DYNAMIC_TABLE_REFRESH_HISTORY", "INFORMATION_SCHEMA",
    "CURRENT_TIMESTAMP", "BEGIN", "COMMIT", "ROLLBACK", "TRUNCATE",
)


class ShellExit(Exception):
    """Raised by !quit."""


class ScriptError(Exception):
    """A statement failed in a non-interactive run; carries the message already printed."""


def parse_duration(text: str) -> timedelta:
    """'30s', '5m', '2h', '1d', '90' (seconds), '5 minutes', '1h30m' -> timedelta."""
    t = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return timedelta(seconds=float(t))
    units = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60,
             "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
             "d": 86400, "day": 86400, "days": 86400}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", t)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([a-z]+)", "", t).strip():
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 2h, 1d)")
    total = 0.0
    for num, unit in parts:
        if unit not in units:
            raise ValueError(f"unknown time unit {unit!r} in {text!r}")
        total += float(num) * units[unit]
    return timedelta(seconds=total)


# ---------------------------------------------------------------------------------------------
# Formatting


def fmt_value(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="microseconds" if v.microsecond else "seconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def format_table(columns: list[str], rows: Iterable[tuple[Any, ...]]) -> str:
    """A SnowSQL-style boxed table; numbers right-aligned."""
    rows = list(rows)
    cells = [[fmt_value(v).replace("\n", "\\n") for v in r] for r in rows]
    widths = [len(c) for c in columns]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    sep = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [sep, "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + " |", sep]
    for raw, r in zip(rows, cells, strict=True):
        parts = [c.rjust(w) if _numeric(v) else c.ljust(w) for v, c, w in zip(raw, r, widths, strict=True)]
        out.append("| " + " | ".join(parts) + " |")
    out.append(sep)
    return "\n".join(out)


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "table":
        return format_table(columns, rows)
    if fmt == "json":
        return json.dumps([dict(zip(columns, (fmt_value(v) if not _json_native(v) else v for v in r), strict=True))
                           for r in rows], indent=2)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if v is None else fmt_value(v) for v in r])
    return buf.getvalue().rstrip("\n")


def _json_native(v: Any) -> bool:
    return v is None or isinstance(v, bool | int | float | str)


# ---------------------------------------------------------------------------------------------
# The shell


@dataclass
class Shell:
    con: Any
    out: TextIO = sys.stdout
    err: TextIO = sys.stderr
    timing: bool = True
    fmt: str = "table"
    on_advance: Callable[[Any, datetime, datetime], None] | None = None  # prints what ran
    on_status: Callable[[Any], str] | None = None  # renders the status screen
    label: str = ""  # the database file, for the banner
    _matches: list[str] = field(default_factory=list)

    # -- statements ---------------------------------------------------------------------------
    def execute(self, sql: str, where: str = "") -> bool:
        """Run one statement and print its result. False (after printing the error) on failure."""
        start = time.perf_counter()
        try:
            cur = self.con.cursor()
            cur.execute(sql)
            desc = cur.description
            rows = cur.fetchall() if desc else []
        except Exception as e:  # every engine error is shown, the shell decides whether to go on
            msg = str(e) or type(e).__name__
            self.err.write(f"{where + ': ' if where else ''}Error: {msg}\n")
            self.err.flush()
            return False
        elapsed = time.perf_counter() - start
        if desc:
            cols = [d[0] for d in desc]
            self.out.write(format_rows(cols, rows, self.fmt) + "\n")
            summary = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
        else:
            n = getattr(cur, "rowcount", -1)
            summary = f"{n} row{'s' if n != 1 else ''} affected" if n is not None and n >= 0 else "done"
        if self.fmt == "table":
            self.out.write(f"{summary} in {elapsed:.3f}s\n" if self.timing else summary + "\n")
        self.out.flush()
        return True

    def run_text(self, text: str, source: str = "", stop_on_error: bool = True) -> bool:
        seg: list[str] = []
        seg_start = 1
        lines = text.splitlines()
        for lineno, line in enumerate(lines, 1):
            if line.lstrip().startswith("!") and is_complete("\n".join(seg)):
                if seg and not self._run_segment("\n".join(seg), source, seg_start, stop_on_error):
                    return False
                seg = []
                where = f"{source}:{lineno}" if source else f"line {lineno}"
                if not self.meta(line.strip(), where) and stop_on_error:
                    return False
                seg_start = lineno + 1
                continue
            if not seg:
                seg_start = lineno
            seg.append(line)
        if seg:
            return self._run_segment("\n".join(seg), source, seg_start, stop_on_error)
        return True

    def _run_segment(self, text: str, source: str, first_line: int, stop_on_error: bool) -> bool:
        ok = True
        for st in split_statements(text):
            n = first_line + st.line - 1
            if not self.execute(st.text, f"{source}:{n}" if source else f"line {n}"):
                ok = False
                if stop_on_error:
                    return False
        return ok

    # -- meta-commands ------------------------------------------------------------------------
    def meta(self, line: str, where: str = "") -> bool:
        parts = line[1:].split(None, 1)
        cmd = parts[0].lower() if parts else ""
        arg = parts[1].strip() if len(parts) > 1 else ""
        try:
            if cmd in {"quit", "exit", "q"}:
                raise ShellExit()
            if cmd == "help":
                self.out.write(HELP + "\n")
            elif cmd == "clock":
                self.out.write(fmt_value(self.now()) + (" (manual clock)" if self.manual() else "") + "\n")
            elif cmd == "advance":
                if not self.manual():
                    raise ValueError("!advance needs a manual clock: start with --manual-clock START")
                delta = parse_duration(arg)
                before = self.now()
                self.con.advance(seconds=delta.total_seconds())
                after = self.now()
                self.out.write(f"clock: {fmt_value(before)} -> {fmt_value(after)}\n")
                if self.on_advance:
                    self.on_advance(self.con, before, after)
            elif cmd == "source":
                path = Path(os.path.expanduser(arg.strip("'\"")))
                text = path.read_text(encoding="utf-8")
                return self.run_text(text, str(path))
            elif cmd == "status" and self.on_status is not None:
                self.out.write(self.on_status(self.con) + "\n")
            elif cmd == "timing":
                self.timing = arg.lower() in {"on", "true", "1", ""}
            else:
                raise ValueError(f"unknown meta-command !{cmd} (try !help)")
        except ShellExit:
            raise
        except Exception as e:
            self.err.write(f"{where + ': ' if where else ''}Error: {e}\n")
            self.err.flush()
            return False
        self.out.flush()
        return True

    def completions(self, prefix: str) -> list[str]:
        """Keywords, meta-commands and object names (tables, streams, tasks...) starting with ``prefix``."""
        if prefix.startswith("!"):
            return sorted(f"!{m}" for m in META_COMMANDS if f"!{m}".startswith(prefix.lower()))
        words = set(KEYWORDS)
        try:
            cur = self.con.cursor()
            # One query for every object the current schema holds; names come back upper-case.
            for sql in ("SHOW TABLES", "SHOW STREAMS", "SHOW TASKS", "SHOW DYNAMIC TABLES"):
                try:
                    cur.execute(sql)
                    idx = [d[0].lower() for d in cur.description].index("name")
                    words.update(str(r[idx]) for r in cur.fetchall())
                except Exception:  # an unsupported SHOW just contributes nothing
                    continue
        except Exception:
            pass
        upper = prefix.upper()
        out = sorted(w for w in words if w.upper().startswith(upper))
        # Answer in the case the user is typing in.
        return [w.lower() if prefix.islower() else w for w in out]

    def complete(self, text: str, state: int) -> str | None:
        if state == 0:
            self._matches = self.completions(text)
        return self._matches[state] if state < len(self._matches) else None

    def manual(self) -> bool:
        clock = getattr(self.con, "clock", None)
        return bool(getattr(clock, "manual", False))

    def now(self) -> datetime:
        clock = getattr(self.con, "clock", None)
        if clock is not None:
            return clock.now()
        cur = self.con.cursor()
        cur.execute("SELECT CURRENT_TIMESTAMP()")
        return cur.fetchone()[0]

    # -- interactive ---------------------------------------------------------------------------
    def interactive(self, history: str | None = None) -> int:
        try:
            import readline
        except ImportError:  # pragma: no cover - readline is missing on some platforms
            readline = None  # type: ignore[assignment]
        if readline is not None and history:
            try:
                readline.read_history_file(history)
            except OSError:
                pass
            readline.set_history_length(1000)
        if readline is not None:
            readline.set_completer(self.complete)
            readline.set_completer_delims(" \t\n(),;=")
            # libedit (macOS) and GNU readline spell the binding differently
            readline.parse_and_bind("bind ^I rl_complete" if "libedit" in (readline.__doc__ or "")
                                    else "tab: complete")
        where = self.label or "in-memory database"
        clock = f"manual clock at {fmt_value(self.now())}" if self.manual() else "wall clock"
        self.out.write(f"cdcsim SQL shell ({where}, {clock}). End statements with ';'. "
                       "!help for meta-commands, !quit to leave.\n")
        buf: list[str] = []
        try:
            while True:
                try:
                    line = input("cdcsim> " if not buf else "     -> ")
                except EOFError:
                    self.out.write("\n")
                    break
                except KeyboardInterrupt:
                    self.out.write("^C\n")
                    buf = []
                    continue
                if not buf and line.strip().startswith("!"):
                    try:
                        self.meta(line.strip())
                    except ShellExit:
                        break
                    continue
                if not buf and not line.strip():
                    continue
                buf.append(line)
                text = "\n".join(buf)
                if is_complete(text):
                    buf = []
                    for st in split_statements(text):
                        self.execute(st.text)
        finally:
            if readline is not None and history:
                try:
                    readline.write_history_file(history)
                except OSError:
                    pass
        return 0


def is_complete(text: str) -> bool:
    """True when ``text`` holds only whole statements (each ended by ``;``) or nothing."""
    if not strip_comments(text):
        return True
    if not strip_comments(text).rstrip().endswith(";"):
        return False
    stmts = split_statements(text + "\n" + _SENTINEL)
    return bool(stmts) and strip_comments(stmts[-1].text) == _SENTINEL
