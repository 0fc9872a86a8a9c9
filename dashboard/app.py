"""Movie Booking Analytics: the Streamlit app (``streamlit run dashboard/app.py`` or ``cdcsim demo``).

Owns the layout: sidebar (page, filters, refresh, live updates) and which page renders. Every
number comes through ``dashboard.data`` over the connection chosen by ``dashboard.connection``.
Live mode re-renders the page body in an ``st.fragment(run_every=...)`` so only the body
refreshes (no full-page flicker) while sidebar widgets keep their state.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import streamlit as st

if __package__ in (None, ""):
    # `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard import data as d  # noqa: E402
from dashboard import views_analytics, views_pipeline  # noqa: E402
from dashboard.connection import get_backend  # noqa: E402
from dashboard.sqlguard import writes_enabled  # noqa: E402

PAGES = ["Overview", "Trends", "Pipeline", "Booking console", "SQL console", "Seed vs corrected"]
INTERVALS = [1, 2, 5, 10, 30]


def sidebar(db: d.DataAccess) -> tuple[str, d.Filters, bool, int]:
    st.sidebar.title("Movie bookings")
    page = st.sidebar.radio("Page", PAGES, key="page")
    st.sidebar.markdown("### Filters")
    today = db.now().date()
    lo, hi = db.date_bounds() or (date(2025, 9, 1), date(2025, 9, 30))
    # Up to today, so bookings made after the page opened (traffic, the console) are in range.
    bounds = (lo, max(hi, today))
    picked = st.sidebar.date_input("Date range", value=bounds, key="date_range")
    start, end = picked if isinstance(picked, tuple | list) and len(picked) == 2 else (bounds[0], bounds[1])
    status = st.sidebar.selectbox("Status", ["All", "BOOKED", "CANCELLED"], key="status")
    movie = st.sidebar.selectbox("Movie", ["All", *db.movie_ids()], key="movie")
    st.sidebar.button("Refresh data", key="refresh")  # a click reruns the script: fresh queries
    st.sidebar.markdown("### Live updates")
    live = st.sidebar.toggle("Live", value=True, key="live", help="Pause to freeze the page while you read.")
    interval = st.sidebar.selectbox("Every (seconds)", INTERVALS, index=1, key="interval")
    filters = d.Filters(start, end, None if status == "All" else status, None if movie == "All" else movie)
    return page, filters, live, int(interval)


def main() -> None:
    st.set_page_config(page_title="Movie Booking Analytics", page_icon="🎬", layout="wide")
    backend = get_backend()
    db = d.DataAccess(backend.connection, backend.paramstyle)
    if backend.drive_scheduler:
        backend.connection.run_pending()
    page, filters, live, interval = sidebar(db)
    st.title("Movie Booking Analytics Dashboard")
    st.caption(f"Backend: {backend.kind} · page: {page}")

    def body() -> None:
        if backend.drive_scheduler:
            backend.connection.run_pending()  # each live tick moves the standalone pipeline
        if page in ("Overview", "Pipeline"):
            views_analytics.freshness_banner(db)
        if page == "Overview":
            views_analytics.overview(db, filters)
        elif page == "Trends":
            views_analytics.trends(db, filters)
        elif page == "Pipeline":
            views_pipeline.pipeline(db)
        elif page == "Seed vs corrected":
            views_pipeline.seed_vs_corrected(db)

    if page == "Booking console":
        # Forms and text inputs must not be re-rendered under the user's fingers: only the
        # tracker refreshes live.
        views_pipeline.booking_console(db, backend, interval if live else None)
    elif page == "SQL console":
        views_pipeline.sql_console(db, writes_enabled(backend.sql_write))
    else:
        st.fragment(body, run_every=interval if live else None)()


main()
