"""The ``cdcsim`` command: argument parsing and the subcommands' glue.

This module owns the command line: ``sql`` (shell, see :mod:`cdcsim.shell`), ``run`` (load a
pipeline and let its tasks and dynamic tables run, in real or virtual time), ``status`` (one
screen of streams, tasks and dynamic tables), ``lint`` (:mod:`cdcsim.lint`), ``deploy``
(:mod:`cdcsim.deploy`), ``demo`` (forwarded to :mod:`cdcsim.demo`) and ``bench`` (forwarded to
``python -m benchmarks``). Exit codes: 0 success, 1 a statement failed or lint found something,
2 usage errors. Errors go to stderr.

Everything talks to the engine through SQL on a public connection, so the command keeps working
while parts of the engine (tasks, dynamic tables) are missing: those sections show ``n/a``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from cdcsim.shell import Shell, ShellExit, fmt_value, format_table, parse_duration


def _connect(database: str | None, manual_clock: str | None = None, relaxed: bool = False) -> Any:
    import cdcsim

    kwargs: dict[str, Any] = {}
    if manual_clock is not None:
        start = datetime.now().replace(microsecond=0) if manual_clock == "now" else datetime.fromisoformat(manual_clock)
        kwargs["clock"] = cdcsim.ManualClock(start)
    if relaxed:
        kwargs["limits"] = "relaxed"
    return cdcsim.connect(database, **kwargs) if database else cdcsim.connect(**kwargs)


def _query(con: Any, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cur = con.cursor()
    cur.execute(sql)
    cols = [d[0].lower() for d in cur.description or []]
    return cols, cur.fetchall()


def _dicts(con: Any, sql: str) -> list[dict[str, Any]]:
    cols, rows = _query(con, sql)
    return [dict(zip(cols, r, strict=True)) for r in rows]


# ---------------------------------------------------------------------------------------------
# What ran (TASK_HISTORY + DYNAMIC_TABLE_REFRESH_HISTORY)


def what_ran(con: Any, start: datetime | None, end: datetime | None) -> tuple[list[tuple[Any, ...]], list[str]]:
    """Task runs and refreshes that finished in (start, end], oldest first, plus notes on gaps."""
    events: list[tuple[Any, ...]] = []
    notes: list[str] = []

    def within(t: Any) -> bool:
        return isinstance(t, datetime) and (start is None or t > start) and (end is None or t <= end)

    try:
        rows = _dicts(con, "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 10000))")
        # History is newest first; reversed, it is run order, which breaks ties at one instant
        # (a root and its children finish at the same virtual time).
        for i, r in enumerate(reversed(rows)):
            when = r.get("completed_time") or r.get("query_start_time")
            if r.get("state") in {"SCHEDULED", "EXECUTING"} or not within(when):
                continue
            detail = r.get("error_message") or ""
            events.append((when, "task", r.get("name"), r.get("state"), detail, i))
    except Exception as e:
        notes.append(f"task history n/a: {_short(e)}")
    try:
        sql = "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 10000))"
        rows = _dicts(con, sql)
        for i, r in enumerate(reversed(rows)):
            when = r.get("refresh_end_time") or r.get("refresh_start_time") or r.get("data_timestamp")
            if r.get("state") in {"SCHEDULED", "EXECUTING"} or not within(when):
                continue
            detail = " ".join(str(x) for x in (r.get("refresh_action"), r.get("refresh_trigger")) if x)
            if r.get("state_message"):
                detail += f" {r['state_message']}"
            events.append((when, "refresh", r.get("name"), r.get("state"), detail, i))
    except Exception as e:
        notes.append(f"refresh history n/a: {_short(e)}")
    # At one instant tasks come first: a refresh at that instant is usually one a task asked for.
    events.sort(key=lambda e: (e[0], e[1] != "task", e[5]))
    return [e[:5] for e in events], notes


def print_what_ran(con: Any, start: datetime | None, end: datetime | None, out: TextIO) -> int:
    events, notes = what_ran(con, start, end)
    for when, kind, name, state, detail in events:
        out.write(f"{fmt_value(when)}  {kind:<7}  {str(name):<32}  {str(state):<10}  {detail}".rstrip() + "\n")
    for n in notes:
        out.write(f"({n})\n")
    tasks = sum(1 for e in events if e[1] == "task")
    refreshes = len(events) - tasks
    out.write(f"{tasks} task run{'s' if tasks != 1 else ''}, {refreshes} refresh{'es' if refreshes != 1 else ''}\n")
    out.flush()
    return len(events)


def _short(e: Exception) -> str:
    return " ".join((str(e) or type(e).__name__).split())[:200]


# ---------------------------------------------------------------------------------------------
# Subcommands


def cmd_sql(args: argparse.Namespace) -> int:
    try:
        con = _connect(args.database, args.manual_clock, args.relaxed)
    except Exception as e:
        sys.stderr.write(f"Error: {e}\n")
        return 1
    interactive = not args.query and not args.file and sys.stdin.isatty()
    shell = Shell(con, timing=args.timing if args.timing is not None else interactive, fmt=args.format,
                  on_advance=lambda c, a, b: print_what_ran(c, a, b, sys.stdout), on_status=render_status,
                  label=args.database or "")
    try:
        if interactive:
            history = os.environ.get("CDCSIM_HISTORY", str(Path.home() / ".cdcsim_history"))
            return shell.interactive(history)
        ok = True
        try:
            for path in args.file or []:
                text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
                if not shell.run_text(text, "<stdin>" if path == "-" else path):
                    return 1
            for q in args.query or []:
                if not shell.run_text(q, "-q"):
                    return 1
            if not args.query and not args.file:
                ok = shell.run_text(sys.stdin.read(), "<stdin>")
        except ShellExit:
            return 0
        except OSError as e:
            sys.stderr.write(f"Error: {e}\n")
            return 1
        return 0 if ok else 1
    finally:
        _close(con)


def _close(con: Any) -> None:
    try:
        con.close()
    except Exception:  # closing must never mask the command's own exit status
        pass


def cmd_run(args: argparse.Namespace) -> int:
    if args.virtual and args.for_:
        sys.stderr.write("Error: use either --for (real time) or --virtual (manual clock), not both\n")
        return 2
    try:
        virtual = parse_duration(args.virtual) if args.virtual else None
        real = parse_duration(args.for_) if args.for_ else None
    except ValueError as e:
        sys.stderr.write(f"Error: {e}\n")
        return 2
    start = args.start or ("now" if virtual is not None else None)
    try:
        con = _connect(args.database, start, args.relaxed)
    except Exception as e:
        sys.stderr.write(f"Error: {e}\n")
        return 1
    try:
        # The script's own results are noise here unless asked for; errors still go to stderr.
        shell = Shell(con, timing=False, out=sys.stdout if args.verbose else io.StringIO())
        for script in args.scripts:
            if not shell.run_text(Path(script).read_text(encoding="utf-8"), script):
                return 1
        loaded_at = shell.now()
        print(f"loaded {', '.join(args.scripts)} at {fmt_value(loaded_at)}")
        if virtual is not None:
            # Step a minute at a time so long windows interleave runs in time order on screen.
            step = min(virtual.total_seconds(), 60.0)
            remaining = virtual.total_seconds()
            while remaining > 0:
                d = min(step, remaining)
                con.advance(seconds=d)
                remaining -= d
            end = shell.now()
            print(f"virtual time {fmt_value(loaded_at)} -> {fmt_value(end)}")
            print_what_ran(con, loaded_at, end, sys.stdout)
            if args.status:
                print("\n" + render_status(con))
            return 0
        con.start()
        deadline = time.monotonic() + real.total_seconds() if real is not None else None
        print("running in real time" + (f" for {args.for_}" if real else " (Ctrl-C to stop)"))
        seen = loaded_at

        def poll() -> None:
            nonlocal seen
            now = shell.now()
            events, notes = what_ran(con, seen, now)
            for when, kind, name, state, detail in events:
                print(f"{fmt_value(when)}  {kind:<7}  {str(name):<32}  {str(state):<10}  {detail}".rstrip(),
                      flush=True)
            if not notes:  # a history query that failed (e.g. busy) is retried over the same window
                seen = now

        try:
            while deadline is None or time.monotonic() < deadline:
                time.sleep(1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic())))
                poll()
        except KeyboardInterrupt:
            pass
        finally:
            con.stop()
        poll()  # runs that finished during the last interval
        if args.status:
            print("\n" + render_status(con))
        return 0
    except BrokenPipeError:
        raise
    except OSError as e:
        sys.stderr.write(f"Error: {e}\n")
        return 1
    finally:
        _close(con)


def cmd_status(args: argparse.Namespace) -> int:
    try:
        con = _connect(args.database, args.manual_clock, False)
    except Exception as e:
        sys.stderr.write(f"Error: {e}\n")
        return 1
    try:
        if args.file:
            shell = Shell(con, timing=False, out=io.StringIO())
            for f in args.file:
                if not shell.run_text(Path(f).read_text(encoding="utf-8"), f):
                    return 1
            if args.advance:
                con.advance(seconds=parse_duration(args.advance).total_seconds())
        sys.stdout.write(render_status(con) + "\n")
        return 0
    finally:
        _close(con)


def render_status(con: Any) -> str:
    """Streams with pending changes, tasks with state / last / next run, dynamic tables with lag."""
    out: list[str] = []
    try:
        now = _query(con, "SELECT CURRENT_TIMESTAMP()")[1][0][0]
        out.append(f"now: {fmt_value(now)}")
    except Exception as e:
        now = None
        out.append(f"now: n/a ({_short(e)})")

    out.append("\nStreams")
    try:
        streams = _dicts(con, "SHOW STREAMS")
        rows = []
        for s in streams:
            name = s.get("name")
            qualified = ".".join(f'"{p}"' for p in (s.get("database_name"), s.get("schema_name"), name) if p)
            try:
                has = _query(con, f"SELECT SYSTEM$STREAM_HAS_DATA('{qualified}')")[1][0][0]
            except Exception:
                has = "n/a"
            try:
                # Counting reads the stream without consuming it (only DML advances an offset).
                pending = _query(con, f"SELECT COUNT(*) FROM {qualified}")[1][0][0]
            except Exception:
                pending = "n/a"
            rows.append((name, s.get("table_name"), s.get("mode"), s.get("stale"), has, pending))
        out.append(format_table(["name", "table", "mode", "stale", "has_data", "pending rows"], rows)
                   if rows else "(none)")
    except Exception as e:
        out.append(f"n/a ({_short(e)})")

    out.append("\nTasks")
    try:
        tasks = _dicts(con, "SHOW TASKS")
        last: dict[str, dict[str, Any]] = {}
        nxt: dict[str, Any] = {}
        try:
            hist = _dicts(con, "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 10000))")
        except Exception:
            hist = []
        for h in hist:
            key = str(h.get("name")).upper()
            if h.get("state") == "SCHEDULED":
                nxt[key] = min(filter(None, [nxt.get(key), h.get("scheduled_time")]), default=None)
            elif h.get("state") != "EXECUTING":
                prev = last.get(key)
                if prev is None or (h.get("scheduled_time") or datetime.min) > (prev.get("scheduled_time") or datetime.min):
                    last[key] = h
        rows = []
        for t in tasks:
            key = str(t.get("name")).upper()
            lr = last.get(key)
            last_s = f"{lr.get('state')} @ {fmt_value(lr.get('completed_time') or lr.get('scheduled_time'))}" if lr else "-"
            rows.append((t.get("name"), t.get("state"), t.get("schedule") or "-", _names(t.get("predecessors")),
                         last_s, fmt_value(nxt.get(key)) if nxt.get(key) else "-"))
        out.append(format_table(["name", "state", "schedule", "after", "last run", "next run"], rows)
                   if rows else "(none)")
    except Exception as e:
        out.append(f"n/a ({_short(e)})")

    out.append("\nDynamic tables")
    try:
        dts = _dicts(con, "SHOW DYNAMIC TABLES")
        last_action: dict[str, str] = {}
        try:
            hist = _dicts(con, "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
                               "RESULT_LIMIT => 10000))")
            best: dict[str, Any] = {}
            for h in hist:
                key = str(h.get("name")).upper()
                when = h.get("refresh_start_time") or h.get("data_timestamp") or datetime.min
                if key not in best or when > best[key]:  # rows come newest first: keep the first on ties
                    best[key] = when
                    last_action[key] = f"{h.get('refresh_action') or '-'} ({h.get('state')})"
        except Exception:
            pass
        rows = []
        for d in dts:
            key = str(d.get("name")).upper()
            ts = d.get("data_timestamp")
            lag = _fmt_lag(now - ts) if isinstance(ts, datetime) and isinstance(now, datetime) else "-"
            rows.append((d.get("name"), d.get("target_lag"), lag, d.get("refresh_mode"), d.get("scheduling_state"),
                         last_action.get(key, "-")))
        out.append(format_table(["name", "target_lag", "lag", "refresh_mode", "state", "last action"], rows)
                   if rows else "(none)")
    except Exception as e:
        out.append(f"n/a ({_short(e)})")
    return "\n".join(out)


def _names(value: Any) -> str:
    """SHOW TASKS predecessors (a JSON array of qualified names) as 'A, B' or '-'."""
    try:
        names = json.loads(value) if isinstance(value, str) else list(value or [])
    except (ValueError, TypeError):
        return str(value)
    return ", ".join(str(n).split(".")[-1] for n in names) or "-"


def _fmt_lag(delta: Any) -> str:
    secs = int(delta.total_seconds())
    if secs < 0:
        return "0s"
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return (f"{h}h" if h else "") + (f"{m}m" if m or h else "") + f"{s}s"


def cmd_lint(args: argparse.Namespace) -> int:
    from cdcsim.lint import lint_file, render

    findings = []
    paths: list[str] = []
    for p in args.scripts:
        # A directory means every .sql file under it, in a stable order.
        paths += sorted(str(f) for f in Path(p).rglob("*.sql")) if Path(p).is_dir() else [p]
    for path in paths:
        try:
            findings += lint_file(path)
        except OSError as e:
            sys.stderr.write(f"Error: {e}\n")
            return 2
    text = render(findings, args.format)
    sys.stdout.write(text + "\n")
    return 1 if findings else 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from cdcsim import deploy as deploy_mod
    from cdcsim.deploy import DeployError, check_script, deploy

    try:
        text = Path(args.script).read_text(encoding="utf-8")
    except OSError as e:
        sys.stderr.write(f"Error: {e}\n")
        return 2
    bad = [c for c in check_script(text) if c.error]
    for c in bad:
        sys.stderr.write(f"{args.script}:{c.statement.line}: warning: {c.error}\n")
    from cdcsim.lint import lint_text

    # Deploying is the user's call; the lint only warns (run `cdcsim lint` for the details).
    for f in lint_text(text, args.script):
        sys.stderr.write(f"{args.script}:{f.line}: warning: {f.rule} {f.name}\n")
    try:
        n = deploy(text, dry_run=args.dry_run, connect=lambda: deploy_mod.snowflake_connect(args.connection),
                   suspend_tasks=args.suspend)
    except DeployError as e:
        sys.stderr.write(f"Error: {e}\n")
        return 1
    if not args.dry_run:
        print(f"deployed {n} statement{'s' if n != 1 else ''} to connection '{args.connection}'")
    return 0


def cmd_demo(argv: list[str]) -> int:
    try:
        demo = importlib.import_module("cdcsim.demo")
    except ModuleNotFoundError as e:
        if e.name != "cdcsim.demo":
            raise
        sys.stderr.write("Error: the demo is not available in this build (cdcsim.demo is missing)\n")
        return 2
    return int(demo.main(argv) or 0)


def cmd_bench(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    bench = root / "benchmarks"
    has_main = (bench / "__main__.py").exists()
    if not has_main:
        try:
            has_main = importlib.util.find_spec("benchmarks.__main__") is not None
        except (ImportError, ValueError):
            has_main = False
    if not has_main:
        sys.stderr.write("Error: benchmarks are not available: run `cdcsim bench` from a source checkout "
                         "that has benchmarks/__main__.py\n")
        return 2
    cwd = str(root) if (bench / "__main__.py").exists() else None
    return subprocess.call([sys.executable, "-m", "benchmarks", *argv], cwd=cwd)


# ---------------------------------------------------------------------------------------------
# Parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cdcsim",
        description="Snowflake change data capture on a laptop: streams, tasks and dynamic tables on DuckDB.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def db_opts(sp: argparse.ArgumentParser, clock: bool = True) -> None:
        sp.add_argument("--database", metavar="FILE", help="DuckDB database file (default: in memory)")
        if clock:
            sp.add_argument("--manual-clock", metavar="START",
                            help="virtual time starting at START (ISO date/time, or 'now'); see !advance")

    s = sub.add_parser("sql", help="interactive SQL shell, or run -q/-f non-interactively")
    db_opts(s)
    s.add_argument("-q", "--query", action="append", metavar="SQL", help="run SQL and exit (repeatable)")
    s.add_argument("-f", "--file", action="append", metavar="FILE", help="run a script and exit ('-' = stdin)")
    s.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table", help="result format")
    s.add_argument("--timing", action=argparse.BooleanOptionalAction, default=None,
                   help="print elapsed time per statement (default: on when interactive)")
    s.add_argument("--relaxed", action="store_true", help="lift Snowflake's limits (e.g. 60 s minimum TARGET_LAG)")
    s.set_defaults(func=cmd_sql)

    r = sub.add_parser("run", help="load a pipeline script and run its tasks and refreshes")
    r.add_argument("scripts", nargs="+", metavar="SCRIPT", help="scripts to load, in order (pipeline, data...)")
    db_opts(r, clock=False)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--for", dest="for_", metavar="DURATION", help="run in real time for DURATION (e.g. 10m)")
    g.add_argument("--virtual", metavar="DURATION", help="fast-forward a manual clock by DURATION and print what ran")
    r.add_argument("--start", metavar="START", help="manual clock start for --virtual (ISO; default: now)")
    r.add_argument("--relaxed", action="store_true", help="lift Snowflake's limits")
    r.add_argument("-v", "--verbose", action="store_true", help="show the output of the script's statements")
    r.add_argument("--status", action="store_true", help="finish with the status screen")
    r.set_defaults(func=cmd_run)

    st = sub.add_parser("status", help="streams, tasks and dynamic tables at a glance")
    db_opts(st)
    st.add_argument("-f", "--file", action="append", metavar="FILE", help="load a script first")
    st.add_argument("--advance", metavar="DURATION", help="with --manual-clock: advance after loading")
    st.set_defaults(func=cmd_status)

    li = sub.add_parser("lint", help="static checks for Snowflake CDC pitfalls (exit 1 on findings)")
    li.add_argument("scripts", nargs="+", metavar="SCRIPT", help="SQL files, or directories of them")
    li.add_argument("--format", choices=["text", "json"], default="text")
    li.set_defaults(func=cmd_lint)

    d = sub.add_parser("deploy", help="run a script on Snowflake (connections.toml)")
    d.add_argument("script")
    d.add_argument("--connection", "-c", metavar="NAME",
                   default=os.environ.get("SNOWFLAKE_DEFAULT_CONNECTION_NAME", "default"),
                   help="connection name in ~/.snowflake/connections.toml "
                        "(default: $SNOWFLAKE_DEFAULT_CONNECTION_NAME or 'default')")
    d.add_argument("--dry-run", action="store_true", help="print the statements in order, run nothing")
    d.add_argument("--suspend", action=argparse.BooleanOptionalAction, default=True,
                   help="first suspend the root/standalone tasks the script creates, so a redeploy can "
                        "replace a running graph (default: on)")
    d.set_defaults(func=cmd_deploy)

    sub.add_parser("demo", help="the movie-booking demo and dashboard (cdcsim demo --help)", add_help=False)
    sub.add_parser("bench", help="run the benchmarks (python -m benchmarks)", add_help=False)
    return p


# Subcommands that run statements for a while: worth a process restart under jemalloc
# (see cdcsim.allocator). lint, deploy and status stay on the allocator they started with.
_FAST_ALLOC = {"run", "demo", "sql"}


def entry() -> int:
    """The ``cdcsim`` console command: :func:`main`, under jemalloc for the subcommands that run
    statements when it is installed (:mod:`cdcsim.allocator`)."""
    if len(sys.argv) > 1 and sys.argv[1] in _FAST_ALLOC:
        from cdcsim import allocator

        allocator.reexec()
    return main()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # demo and bench own their arguments: forward everything after the subcommand untouched.
    if args_list and args_list[0] == "demo":
        return cmd_demo(args_list[1:])
    if args_list and args_list[0] == "bench":
        return cmd_bench(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, without a traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(entry())
