"""The movie-booking Streamlit dashboard: ``app.py`` (UI) over a small data-access layer.

Modules: ``connection`` (which DB-API connection the app uses: one handed over in-process by
``cdcsim demo``, a cdcsim file, or a Snowflake account), ``data`` (every query, parameterised
Snowflake SQL), ``export`` (CSV/Parquet with spreadsheet formulas neutralised), ``sqlguard`` (the
SQL console's read-only rule), ``booking`` (the booking console's validation and writes).
"""
