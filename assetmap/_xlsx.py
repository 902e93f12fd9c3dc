"""Spreadsheet writing shared by the board pack and the change report.

Every text cell is a string cell; text a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or carriage return) also gets Excel's quote prefix, so it
is shown as typed and never evaluated. Money is formatted as pounds, fractions as
percentages, dates day first; header rows are bold and frozen, filters are on. Workbook
properties and zip timestamps are fixed, so the same tables give the same bytes, and the
file is moved into place atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ._io import atomic_path

MONEY = '"£"#,##0'
MONEY_PENCE = '"£"#,##0.00'
PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
DATE = "dd/mm/yyyy"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: Columns holding fractions shown as percentages (besides ``*_share`` and ``*utilisation*``).
_PERCENT_COLUMNS = {"target_ceiling", "well_used", "donor_max_utilisation"}


def number_format(column: str) -> str | None:
    """The number format of a column, from its name."""
    if column == "cost_per_m2_gbp":
        return MONEY_PENCE
    if column.endswith("_gbp"):
        return MONEY
    if column in _PERCENT_COLUMNS or column.endswith("_share") or "utilisation" in column:
        return PERCENT
    return None


def clean_value(value: object) -> object:
    """A Python value openpyxl can write: None for missing, plain numbers, naive datetimes."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:32_767]


def cell(ws: object, value: object, fmt: str | None = None, bold: bool = False) -> WriteOnlyCell:
    """One cell: text always as text (quote prefix for formula-like text), numbers formatted."""
    value = clean_value(value)
    out = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        out.data_type = "s"
        if value.startswith(_FORMULA_START):
            out.quotePrefix = True
    elif isinstance(value, (dt.datetime, dt.date)):
        out.number_format = DATE
    elif fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        out.number_format = fmt
    if bold:
        out.font = Font(bold=True)
    return out


def new_workbook(title: str) -> Workbook:
    """A write-only workbook with fixed properties."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "assetmap"
    wb.properties.title = clean_value(title)
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    return wb


def add_table(wb: Workbook, name: str, frame: pd.DataFrame) -> None:
    """A sheet holding ``frame``: bold frozen header, filters on, formats from column names."""
    ws = wb.create_sheet(name[:31])
    columns = [str(c) for c in frame.columns]
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(len(col) + 2, 10), 60)
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame), 1) + 1}"
    header = [cell(ws, c, bold=True) for c in columns]
    for h in header:
        h.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append(header)
    formats = [number_format(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        ws.append([cell(ws, v, f) for v, f in zip(row, formats, strict=True)])


def save(wb: Workbook, path: Path) -> None:
    """Save reproducibly (fixed zip timestamps) and atomically."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    with atomic_path(Path(path)) as tmp:
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(fixed, src.read(info.filename))


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], *, title: str = "") -> None:
    """Write one table sheet per frame.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` to write; replaced atomically.
    sheets : dict of DataFrame
        Sheet name (at most 31 characters are kept) to table.
    title : str
        The workbook's title property.
    """
    wb = new_workbook(title)
    for name, frame in sheets.items():
        add_table(wb, name, frame)
    save(wb, path)
