"""Analytics pages: the seed's overview (filters, KPI cards, charts, insights, raw data, exports)
and the trends page (time patterns, top movies, size/price breakdowns, data quality)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.express as px
import streamlit as st

from cdcsim.traffic import MOVIES
from dashboard import data as d
from dashboard.export import export_file_name, to_csv_bytes, to_parquet_bytes

DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]  # DAYOFWEEK: 0 = Sunday
TITLES = {m.movie_id: m.title for m in MOVIES}
RAW_ROWS_SHOWN = 1_000


def money(value: float) -> str:
    return f"${value:,.2f}"


def freshness_banner(db: d.DataAccess) -> None:
    """'Data as of' and each dynamic table's lag against its target, with a stale warning."""
    try:
        now = db.now()
        rows = d.freshness(db.show("DYNAMIC TABLES"), db.show("TASKS"), now)
    except Exception as exc:  # pipeline objects missing or backend lacks SHOW: say so, keep going
        st.caption(f"Freshness unavailable: {exc}")
        return
    cols = st.columns(len(rows) + 1 if rows else 1)
    cols[0].caption(f"Data as of **{now:%Y-%m-%d %H:%M:%S}**")
    for col, f in zip(cols[1:], rows, strict=False):
        lag = "never refreshed" if f.lag_seconds is None else f"lag {f.lag_seconds:,.0f} s"
        col.caption(f"`{f.name}`: {lag} · {f.note}")
    for f in rows:
        if f.stale:
            st.warning(f"{f.name} is stale: {f.note}; last data timestamp {f.data_timestamp or 'none'}.")


def overview(db: d.DataAccess, filters: d.Filters) -> None:
    st.subheader("Key metrics")
    frame = db.bookings(filters)
    k = d.kpis(frame)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Total Bookings", f"{k['total_bookings']:,}")
    c2.metric("Total Revenue", money(k["total_revenue"]))
    c3.metric("Active Revenue", money(k["active_revenue"]))
    c4.metric("Lost Revenue", money(k["lost_revenue"]))
    if frame.empty:
        st.info("No bookings match the filters yet.")
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Revenue by status**")
        rev = d.revenue_by_status(frame)
        st.plotly_chart(px.bar(rev, x="status", y="revenue", color="status"), key="rev_by_status")
    with right:
        st.markdown("**Booking distribution**")
        dist = d.status_distribution(frame)
        st.plotly_chart(px.pie(dist, names="status", values="bookings"), key="status_pie")
    st.subheader("Movie performance")
    perf = d.movie_performance(frame)
    perf.insert(1, "title", perf["movie_id"].map(TITLES).fillna(""))
    st.dataframe(perf, hide_index=True, key="movie_performance")
    st.subheader("Real-time insights (gold: movie_booking_insights)")
    gold = db.insights()
    if not gold.empty:
        total = float(gold["total_bookings"].sum())
        cancelled = float(gold["cancelled_bookings"].sum())
        g1, g2, g3 = st.columns(3)
        g1.metric("Bookings (gold)", f"{int(total):,}")
        g2.metric("Cancellation rate", f"{(100 * cancelled / total if total else 0):.1f}%")
        g3.metric("Active revenue (gold)", money(float(gold["total_active_revenue"].sum())))
    st.dataframe(gold, hide_index=True, key="gold_insights")
    with st.expander("Raw data (silver rows in the filter)"):
        # The page re-renders every second when live: show the newest rows, export them all.
        if len(frame) > RAW_ROWS_SHOWN:
            st.caption(f"Newest {RAW_ROWS_SHOWN:,} of {len(frame):,} rows; the downloads have them all.")
        st.dataframe(frame.head(RAW_ROWS_SHOWN), hide_index=True, key="raw_rows")
    exports(frame)


def exports(frame: pd.DataFrame) -> None:
    """CSV and Parquet of the filtered rows, built when clicked (live pages re-render every second)."""
    now = datetime.now()
    c1, c2 = st.columns(2)
    c1.download_button(
        "Download CSV",
        lambda: to_csv_bytes(frame),
        file_name=export_file_name("movie_bookings", "csv", now),
        mime="text/csv",
        key="dl_csv",
    )
    c2.download_button(
        "Download Parquet",
        lambda: to_parquet_bytes(frame),
        file_name=export_file_name("movie_bookings", "parquet", now),
        mime="application/octet-stream",
        key="dl_parquet",
    )


def trends(db: d.DataAccess, filters: d.Filters) -> None:
    frame = db.bookings(filters)
    if frame.empty:
        st.info("No bookings match the filters yet.")
        return
    score = d.data_quality_score(frame)
    c1, c2, c3 = st.columns(3)
    c1.metric("Data quality score", f"{score:.1f}%" if score is not None else "-")
    c2.metric("Invalid bookings", f"{int((~frame['is_valid_booking'].fillna(False).astype(bool)).sum()):,}")
    c3.metric("Tickets", f"{int(frame['ticket_count'].fillna(0).sum()):,}")
    st.markdown("**Bookings over time**")
    per_hour = (
        frame.assign(hour=pd.to_datetime(frame["booking_date"]).dt.floor("h"))
        .groupby("hour")
        .size()
        .reset_index(name="bookings")
    )
    st.plotly_chart(px.line(per_hour, x="hour", y="bookings", markers=True), key="over_time")
    left, right = st.columns(2)
    with left:
        st.markdown("**Booking hour**")
        hours = d.counts_by(frame, "booking_hour", list(range(24)))
        st.plotly_chart(px.bar(hours, x="booking_hour", y="bookings"), key="hour_pattern")
    with right:
        st.markdown("**Day of week**")
        days = d.counts_by(frame, "day_of_week", list(range(7)))
        days["day"] = [DAY_NAMES[i] for i in days["day_of_week"]]
        st.plotly_chart(px.bar(days, x="day", y="bookings"), key="dow_pattern")
    st.markdown("**Top movies by active revenue**")
    top = d.movie_performance(frame).sort_values("active_revenue", ascending=False).head(10)
    top["title"] = top["movie_id"].map(TITLES).fillna(top["movie_id"])
    st.plotly_chart(px.bar(top, x="title", y="active_revenue"), key="top_movies")
    left, right = st.columns(2)
    with left:
        st.markdown("**Size categories**")
        size = d.counts_by(frame, "booking_size_category", ["SINGLE", "GROUP", "LARGE_GROUP"])
        st.plotly_chart(px.bar(size, x="booking_size_category", y="bookings"), key="size_categories")
    with right:
        st.markdown("**Price categories**")
        price = d.counts_by(frame, "price_category", ["BUDGET", "STANDARD", "PREMIUM"])
        st.plotly_chart(px.bar(price, x="price_category", y="bookings"), key="price_categories")
    invalid = frame[~frame["is_valid_booking"].fillna(False).astype(bool)]
    with st.expander(f"Invalid bookings ({len(invalid)})"):
        st.dataframe(invalid, hide_index=True, key="invalid_rows")
