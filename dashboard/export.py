"""Exports of dashboard data (CSV, Parquet) with spreadsheet formula injection neutralised.

A cell a spreadsheet would evaluate as a formula (text starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return, per OWASP's CSV-injection guidance) gets a leading ``'``; numbers and
dates are left alone because spreadsheets never evaluate them.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) can't be read as formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return neutralise(frame).to_csv(index=False).encode("utf-8")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    neutralise(frame).to_parquet(buf, index=False)
    return buf.getvalue()


def export_file_name(stem: str, extension: str, when: datetime | None = None) -> str:
    """``<stem>_YYYYMMDD_HHMMSS.<extension>``, the seed's timestamped download name."""
    when = when or datetime.now()
    return f"{stem}_{when:%Y%m%d_%H%M%S}.{extension}"
