"""``cdcsim demo``: the movie-booking pipeline, live traffic and the dashboard, in one process.

Owns the demo's lifecycle: open (or create) the demo database file, load the corrected pipeline
(or the seed's, ``--pipeline seed``) and the sample bookings, set the cadence, start the scheduler
and the traffic generator, serve the Streamlit dashboard in-process on 127.0.0.1, stop cleanly
on Ctrl-C.

Why one process: DuckDB lets a single process own a database file, so the dashboard cannot be a
separate ``streamlit run``; Streamlit's bootstrap runs here instead and the app receives this
process's engine through ``dashboard.connection.register``.

Cadence: by default the demo is live. It uses ``limits="relaxed"`` and shortens both task
schedules to half a second, so a booking reaches gold within about one second. ``--faithful`` keeps the
pipeline file's one-minute schedules under Snowflake's limits. The pipeline's dynamic tables stay
``TARGET_LAG = DOWNSTREAM``: the refresh task is what keeps them fresh, as on Snowflake.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import cdcsim
from cdcsim.traffic import BookingGenerator, TrafficRunner

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "movie_bookings"
PIPELINES = {"corrected": "pipeline.sql", "seed": "seed.sql"}
TASKS = ("consume_stream_task", "refresh_insights_task")
LIVE_SCHEDULE = "0.5 SECONDS"  # relaxed limits only; two hops stay under 2 s
FAITHFUL_SCHEDULE = "1 MINUTE"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="cdcsim demo",
        description="Movie-booking CDC pipeline + live traffic + Streamlit dashboard on one local database.",
    )
    p.add_argument(
        "--database", default="cdcsim-demo.duckdb", help="demo database file (default: %(default)s)"
    )
    p.add_argument("--port", type=int, default=8501, help="dashboard port (default: %(default)s)")
    p.add_argument(
        "--address", default="127.0.0.1", help="address to bind (default: %(default)s, local only)"
    )
    p.add_argument("--rate", type=float, default=2.0, help="bookings per second (default: %(default)s)")
    p.add_argument("--seed", type=int, default=42, help="traffic generator seed (default: %(default)s)")
    p.add_argument("--no-traffic", action="store_true", help="no generated traffic: only your own bookings")
    p.add_argument(
        "--pipeline", choices=sorted(PIPELINES), default="corrected", help="which pipeline to load"
    )
    p.add_argument("--faithful", action="store_true", help="keep the 1-minute cadence and Snowflake's limits")
    p.add_argument(
        "--reset", action="store_true", help="drop and reload the pipeline (loses the file's data)"
    )
    p.add_argument("--sql-write", action="store_true", help="let the dashboard's SQL console run writes")
    p.add_argument(
        "--setup-only", action="store_true", help="load the pipeline and exit (no server, no traffic)"
    )
    return p.parse_args(argv)


def _exists(con: Any, table: str) -> bool:
    cur = con.cursor()
    try:
        cur.execute("SHOW TABLES")
        cols = [d[0].lower() for d in cur.description]
        return any(str(r[cols.index("name")]).lower() == table for r in cur.fetchall())
    finally:
        cur.close()


def loaded_pipeline(con: Any) -> str | None:
    """Which pipeline a database holds: the corrected one has the refresh task, the seed's not."""
    if not _exists(con, "raw_movie_bookings"):
        return None
    cur = con.cursor()
    try:
        cur.execute("SHOW TASKS")
        cols = [d[0].lower() for d in cur.description]
        names = {str(r[cols.index("name")]).lower() for r in cur.fetchall()}
    finally:
        cur.close()
    return "corrected" if "refresh_insights_task" in names else "seed"


def setup(con: Any, pipeline: str, *, reset: bool = False, schedule: str = LIVE_SCHEDULE) -> bool:
    """Load the pipeline and the sample bookings unless the file already has them; set the cadence.

    Returns True when the pipeline was (re)loaded. Schedules are set on every start, so a file
    last used live can be reopened faithful and vice versa (Snowflake requires suspend first).
    """
    loaded = False
    if reset or not _exists(con, "raw_movie_bookings"):
        # Drop the dynamic tables first: replacing their base tables under them leaves them
        # pointing at the old tables' change logs (engine gap, see the issue report).
        for dt in ("movie_booking_insights", "movie_bookings_filtered"):
            con.cursor().execute(f"DROP DYNAMIC TABLE IF EXISTS {dt}")
        # The seed has no refresh task: one left from the corrected pipeline would hide its flaw.
        for task in TASKS:
            con.cursor().execute(f"DROP TASK IF EXISTS {task}")
        con.execute_string((EXAMPLES / PIPELINES[pipeline]).read_text())
        con.execute_string((EXAMPLES / "sample_data.sql").read_text())
        loaded = True
    cur = con.cursor()
    try:
        cur.execute("SHOW TASKS")
        cols = [d[0].lower() for d in cur.description]
        present = {str(r[cols.index("name")]).lower() for r in cur.fetchall()}
        for task in TASKS:
            if task in present:
                cur.execute(f"ALTER TASK {task} SUSPEND")
                cur.execute(f"ALTER TASK {task} SET SCHEDULE = '{schedule}'")
                cur.execute(f"ALTER TASK {task} RESUME")
    finally:
        cur.close()
    return loaded


def serve(port: int, address: str) -> None:
    """Run the Streamlit server for dashboard/app.py in this process until it stops (Ctrl-C)."""
    from streamlit import config as st_config
    from streamlit.web import bootstrap

    import dashboard

    app = str(Path(dashboard.__file__).resolve().parent / "app.py")
    flags = {
        "server_port": port,
        "server_address": address,
        "server_headless": True,
        "server_fileWatcherType": "none",  # reloading modules would drop the registered engine
        "server_runOnSave": False,
        "browser_gatherUsageStats": False,
        "client_toolbarMode": "minimal",  # no "Deploy" button: this is a local demo
        "global_developmentMode": False,
    }
    st_config._main_script_path = app
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(app, False, [], flags)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limits = "snowflake" if args.faithful else "relaxed"
    try:
        con = cdcsim.connect(args.database, limits=limits)
    except cdcsim.OperationalError as exc:
        # Usually a second demo on the same file: say who holds it, no traceback.
        print(f"cdcsim demo: {exc.msg}", file=sys.stderr)
        return 1
    extra: list[Any] = []
    traffic: TrafficRunner | None = None
    try:
        try:
            loaded = setup(
                con,
                args.pipeline,
                reset=args.reset,
                schedule=FAITHFUL_SCHEDULE if args.faithful else LIVE_SCHEDULE,
            )
        except cdcsim.Error as exc:
            print(f"cdcsim demo: could not load the {args.pipeline} pipeline: {exc}", file=sys.stderr)
            return 1
        held = loaded_pipeline(con) or args.pipeline
        if held != args.pipeline:
            print(
                f"cdcsim demo: {args.database} holds the {held} pipeline; add --reset to load the "
                f"{args.pipeline} one (drops the file's data)",
                file=sys.stderr,
            )
        state = "loaded" if loaded else "reusing the pipeline already in"
        print(
            f"cdcsim demo: {state} {args.database} ({held} pipeline, "
            f"{'faithful 1-minute' if args.faithful else 'live half-second'} cadence)"
        )
        if args.setup_only:
            return 0
        con.start()
        if not args.no_traffic and args.rate > 0:
            traffic_con = cdcsim.connect(args.database, limits=limits)
            extra.append(traffic_con)
            # A per-run id prefix keeps generated booking ids unique across restarts on one file.
            prefix = f"T{int(time.time()) % 1_000_000:06d}-"
            # Cancellations within 0.5-10 minutes so lost revenue shows early in a demo.
            gen = BookingGenerator(args.seed, id_prefix=prefix, cancel_after_minutes=(0.5, 10.0))
            traffic = TrafficRunner(traffic_con, gen, rate=args.rate, interval=0.5).start()
        from dashboard import connection as dash_connection

        dash_con = cdcsim.connect(args.database, limits=limits)
        extra.append(dash_con)
        dash_connection.register(dash_con, kind="cdcsim", paramstyle="pyformat", sql_write=args.sql_write)
        print(f"cdcsim demo: dashboard at http://{args.address}:{args.port}  (Ctrl-C to stop)", flush=True)
        try:
            serve(args.port, args.address)
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        if traffic is not None:
            traffic.stop()
        con.stop()
        for c in extra:
            c.close()
        con.close()
        print("cdcsim demo: stopped", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
