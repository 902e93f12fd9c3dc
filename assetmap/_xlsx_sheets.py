"""A small XLSX writer for table sheets: reproducible bytes, formulas defused, written atomically."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ._io import atomic_path
from .outputs import defuse_formula

_FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_MONEY = '"£"#,##0'
_PERCENT = "0%"


def _value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if isinstance(value, str):
        return defuse_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _format(column: str) -> str | None:
    if column.endswith("_gbp"):
        return _MONEY
    if "utilisation" in column or column.endswith("_share"):
        return _PERCENT
    return None


def write_sheets(path: Path, sheets: dict[str, pd.DataFrame], *, title: str = "") -> None:
    """Write one sheet per frame (header row bold and frozen, filters on).

    Parameters
    ----------
    path : Path
        The ``.xlsx`` to write; replaced atomically.
    sheets : dict of DataFrame
        Sheet name (at most 31 characters are kept) to table.
    title : str
        The workbook's title property.
    """
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "assetmap"
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    for name, frame in sheets.items():
        ws = wb.create_sheet(name[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_value(v) for v in row])
        for j, col in enumerate(frame.columns, start=1):
            letter = get_column_letter(j)
            fmt = _format(str(col))
            if fmt:
                for cell in ws[letter][1:]:
                    cell.number_format = fmt
            width = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))]) + 2
            ws.column_dimensions[letter].width = min(width, 60)
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(len(frame) + 1, 1)}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    with atomic_path(Path(path)) as tmp:
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(fixed, src.read(info.filename))


__all__ = ["write_sheets"]
