"""Pipeline pages: the CDC flow with task/refresh history, the booking console (the workshop
moment: one change travelling stream -> bronze -> silver -> gold), the SQL console and the
seed-vs-corrected comparison."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from cdcsim.traffic import MOVIES
from dashboard import data as d
from dashboard.booking import ID_PATTERN, validate_booking
from dashboard.sqlguard import ReadOnlyViolation, check_read_only


def _safe(fn: Any, *args: Any) -> pd.DataFrame | None:
    try:
        return fn(*args)
    except Exception as exc:  # a backend without the function still shows the rest of the page
        st.caption(f"Unavailable: {exc}")
        return None


def pipeline(db: d.DataAccess) -> None:
    st.subheader("Source → stream → task → bronze → silver → gold")
    counts = db.stage_counts()
    cols = st.columns(5)
    cols[0].metric("raw_movie_bookings", f"{counts['source_rows']:,}", help="rows in the source table")
    cols[1].metric(
        "stream pending", f"{counts['stream_pending']:,}", help="changes not yet consumed by the task"
    )
    cols[2].metric("bronze events", f"{counts['bronze_events']:,}", help="movie_booking_cdc_events")
    cols[3].metric("silver bookings", f"{counts['silver_rows']:,}", help="movie_bookings_filtered")
    cols[4].metric(
        "gold bookings", f"{counts['gold_bookings']:,}", help="SUM(total_bookings) in movie_booking_insights"
    )
    st.markdown("**Tasks**")
    tasks = _safe(db.show, "TASKS")
    if tasks is not None:
        keep = [c for c in ("name", "state", "schedule", "predecessors", "definition") if c in tasks.columns]
        st.dataframe(tasks[keep], hide_index=True, key="tasks")
    st.markdown("**Last task runs (TASK_HISTORY)**")
    hist = _safe(db.task_history, 20)
    if hist is not None:
        st.dataframe(hist, hide_index=True, key="task_history")
    st.markdown("**Dynamic tables**")
    dts = _safe(db.show, "DYNAMIC TABLES")
    if dts is not None:
        keep = [
            c
            for c in (
                "name",
                "target_lag",
                "refresh_mode",
                "refresh_mode_reason",
                "scheduling_state",
                "data_timestamp",
                "rows",
            )
            if c in dts.columns
        ]
        st.dataframe(dts[keep], hide_index=True, key="dynamic_tables")
    st.markdown("**Lag (DYNAMIC_TABLES())**")
    lag = _safe(db.lag_metrics)
    if lag is not None:
        st.dataframe(lag, hide_index=True, key="lag_metrics")
    for name in d.DYNAMIC_TABLES:
        st.markdown(f"**Refresh history: {name}**")
        rh = _safe(db.refresh_history, name)
        if rh is not None:
            st.dataframe(rh, hide_index=True, key=f"refresh_history_{name}")


def _pipeline_buttons(db: d.DataAccess, backend: Any) -> None:
    c1, c2, c3 = st.columns(3)
    if c1.button("Run consume_stream_task now", key="run_task"):
        db.run_consume_task()
        st.toast("EXECUTE TASK consume_stream_task")
    if c2.button("Refresh gold now", key="refresh_gold"):
        db.refresh_gold()
        st.toast("ALTER DYNAMIC TABLE movie_booking_insights REFRESH")
    con = backend.connection
    clock = getattr(con, "clock", None)
    if clock is not None and getattr(clock, "manual", False) and hasattr(con, "advance"):
        # Workshop mode (ManualClock): time only moves when someone moves it.
        if c3.button("Advance clock 1 minute", key="advance"):
            con.advance(minutes=1)


def booking_console(db: d.DataAccess, backend: Any, run_every: int | None = None) -> None:
    st.subheader("Booking console")
    st.caption(
        "Make a change, then watch it travel: source → stream → bronze (task) → silver → gold (refresh)."
    )
    now = db.now()
    catalogue = ", ".join(f"{m.movie_id} {m.title}" for m in MOVIES)
    with st.form("new_booking", clear_on_submit=False):
        st.markdown("**New booking**")
        c1, c2, c3 = st.columns(3)
        booking_id = c1.text_input("Booking id", value=f"W{now:%H%M%S}", key="f_booking_id")
        customer_id = c2.text_input("Customer id", value="C9001", key="f_customer_id")
        movie_id = c3.text_input("Movie id", value="M001", key="f_movie_id", help=catalogue)
        c4, c5, c6, c7 = st.columns(4)
        day = c4.date_input("Date", value=now.date(), key="f_date")
        at = c5.time_input("Time", value=time(now.hour, now.minute), key="f_time")
        tickets = c6.number_input("Tickets", value=2, step=1, key="f_tickets")
        price = c7.number_input("Ticket price", value=12.50, step=0.5, format="%.2f", key="f_price")
        submitted = st.form_submit_button("Book")
    if submitted:
        when = datetime.combine(day, at) if day and at else None
        req, errors = validate_booking(booking_id, customer_id, movie_id, when, tickets, price, now=now)
        if req is not None and db.booking_exists(req.booking_id):
            errors = [f"Booking {req.booking_id} already exists."]
        if errors:
            for e in errors:
                st.error(e)
        else:
            db.create_booking(
                req.booking_id,
                req.customer_id,
                req.movie_id,
                req.booking_date,
                req.ticket_count,
                req.ticket_price,
            )
            st.session_state["tracked_booking"] = req.booking_id
            st.session_state["change_id"] = req.booking_id  # ready to cancel/delete it next
            st.success(
                f"Booked {req.booking_id}: {req.ticket_count} × {req.ticket_price} for {req.movie_id}."
            )
    st.markdown("**Cancel or delete a booking**")
    c1, c2, c3 = st.columns([2, 1, 1])
    target = c1.text_input("Booking id", key="change_id").strip()
    cancel, delete = c2.button("Cancel booking", key="cancel"), c3.button("Delete booking", key="delete")
    if cancel or delete:
        if not ID_PATTERN.match(target):
            st.error("Enter a booking id (letters, digits, '-' or '_').")
        else:
            n = db.cancel_booking(target) if cancel else db.delete_booking(target)
            if n:
                st.session_state["tracked_booking"] = target
                st.success(f"{'Cancelled' if cancel else 'Deleted'} {target}.")
            else:
                st.error(
                    f"No {'BOOKED ' if cancel else ''}booking {target} to {'cancel' if cancel else 'delete'}."
                )
    _pipeline_buttons(db, backend)
    tracked = st.session_state.get("tracked_booking")
    if tracked:

        def tracker() -> None:
            track(db, tracked)

        st.fragment(tracker, run_every=run_every)()


def track(db: d.DataAccess, booking_id: str) -> None:
    st.markdown(f"**Where is {booking_id} now?**")
    stages = db.trace_booking(booking_id)
    labels = {
        "source": "1 · source table",
        "stream": "2 · stream (pending)",
        "bronze": "3 · bronze change log",
        "silver": "4 · silver (current state)",
        "gold": "5 · gold (its movie)",
    }
    cols = st.columns(5)
    for col, (key, label) in zip(cols, labels.items(), strict=True):
        frame = stages[key]
        if key == "gold":
            # Gold is per movie: show how many bookings gold counts for this booking's movie.
            n = int(frame["total_bookings"].sum()) if not frame.empty else 0
            col.metric(label, f"{n} booking{'s' if n != 1 else ''}")
        else:
            col.metric(label, f"{len(frame)} row{'s' if len(frame) != 1 else ''}")
    for key, label in labels.items():
        st.caption(label)
        st.dataframe(stages[key], hide_index=True, key=f"trace_{key}")


def sql_console(db: d.DataAccess, writes: bool) -> None:
    st.subheader("SQL console")
    st.caption(
        "Snowflake SQL against the pipeline. "
        + (
            "Writes are ENABLED."
            if writes
            else "Read-only: SELECT, SHOW and DESCRIBE (start with --sql-write to change)."
        )
    )
    examples = [
        "SHOW TASKS",
        "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY()) ORDER BY SCHEDULED_TIME DESC LIMIT 10",
        "SELECT * FROM movie_bookings_stream",
        "SELECT COUNT(*) AS pending_changes FROM movie_bookings_stream",
        "SHOW DYNAMIC TABLES",
        "SELECT * FROM movie_booking_cdc_events ORDER BY change_timestamp DESC LIMIT 10",
        "SELECT * FROM movie_booking_insights ORDER BY movie_id",
    ]
    example = st.selectbox("Examples", examples, key="sql_example")
    sql = st.text_area("SQL", value=example, height=120, key="sql_text")
    if st.button("Run", key="sql_run"):
        try:
            if writes and hasattr(db.con, "execute_string"):
                for cur in db.con.execute_string(sql):
                    _show_cursor(cur)
            else:
                text = sql if writes else check_read_only(sql)
                st.dataframe(db.query(text), hide_index=True, key="sql_result")
        except ReadOnlyViolation as exc:
            st.error(str(exc))
        except Exception as exc:  # engine errors are the answer the user asked for
            st.error(f"{type(exc).__name__}: {exc}")


def _show_cursor(cur: Any) -> None:
    if cur.description:
        cols = [c[0] for c in cur.description]
        st.dataframe(pd.DataFrame.from_records(cur.fetchall(), columns=cols), hide_index=True)
    else:
        st.caption(
            f"{cur.rowcount if cur.rowcount is not None and cur.rowcount >= 0 else 'OK'} rows affected"
        )


def seed_vs_corrected(db: d.DataAccess) -> None:
    st.subheader("Seed pipeline vs corrected pipeline, on the same bronze change log")
    st.markdown(
        "The seed builds silver from change **events**: an updated booking appears three times "
        "(its INSERT, then the DELETE + INSERT pair a stream emits for an UPDATE), so gold counts events. "
        "Its `change_action = 'UPDATE'` never matches: streams emit only INSERT and DELETE. "
        "The corrected silver keeps the **latest change per booking** and drops deleted bookings."
    )
    truth = db.truth()
    corrected = db.insights()
    try:
        seed = db.seed_insights()
    except Exception as exc:
        st.error(f"Seed query failed: {exc}")
        return

    def overall(frame: pd.DataFrame, total: str, cancelled: str) -> tuple[int, float]:
        t = float(frame[total].sum()) if not frame.empty else 0.0
        c = float(frame[cancelled].sum()) if not frame.empty else 0.0
        return int(t), round(100 * c / t, 2) if t else 0.0

    rows = [
        ("Source table (truth)", *overall(truth, "bookings", "cancelled")),
        ("Corrected gold", *overall(corrected, "total_bookings", "cancelled_bookings")),
        ("Seed gold", *overall(seed, "total_bookings", "cancelled_bookings")),
    ]
    summary = pd.DataFrame(rows, columns=["pipeline", "bookings", "cancellation_rate_percent"])
    summary["status_changes"] = [
        None,
        int(corrected["status_changes"].sum()) if not corrected.empty else 0,
        int(seed["status_changes"].sum()) if not seed.empty else 0,
    ]
    st.dataframe(summary, hide_index=True, key="seed_summary")
    both = pd.concat(
        [
            corrected[["movie_id", "cancellation_rate_percent"]].assign(pipeline="corrected"),
            seed[["movie_id", "cancellation_rate_percent"]].assign(pipeline="seed"),
        ]
    )
    if not both.empty:
        st.plotly_chart(
            px.bar(both, x="movie_id", y="cancellation_rate_percent", color="pipeline", barmode="group"),
            key="seed_vs_corrected_chart",
        )
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**Corrected gold**")
        st.dataframe(corrected, hide_index=True, key="corrected_gold")
    with c2:
        st.markdown("**Seed gold**")
        st.dataframe(seed, hide_index=True, key="seed_gold")
