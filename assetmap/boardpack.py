"""The board pack: one XLSX an asset board opens in Excel.

Sheets: ``summary`` (the figures with how each is worked out), ``clusters``,
``opportunities``, ``assets`` and ``rejects``. Money is formatted as pounds, fractions as
percentages, dates day first; header rows are frozen and filters are on. Text that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is stored as a string cell with Excel's quote prefix, so it is shown
as typed and never evaluated. Sensitive sites keep their row in ``assets`` but their
location fields (address, postcode, UPRN, coordinates) are written as ``withheld``.

The file is written to a temporary file beside the target and moved into place with
``os.replace``; workbook properties and zip timestamps are fixed, so the same plan gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .plan import PlanResult

MONEY = '"£"#,##0'
MONEY_PENCE = '"£"#,##0.00'
PERCENT = "0.0%"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
DATE = "dd/mm/yyyy"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_LOCATION = ("address", "postcode", "uprn", "easting", "northing", "latitude", "longitude")
_PERCENT_COLUMNS = {
    "utilisation",
    "plan_utilisation",
    "into_utilisation_before",
    "into_utilisation_after",
    "share_of_running_cost",
    "pilot_reference_share",
    "people_follow_share",
    "target_ceiling",
    "well_used",
    "donor_max_utilisation",
}

#: Summary keys: label and how the figure is worked out.
SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    "as_of": ("As of", "date lease expiries are measured from"),
    "assets": ("Assets", "rows in the combined estate layer"),
    "partners": ("Partners", "distinct partners"),
    "estate_running_cost_gbp": ("Estate running cost a year", "sum of running_cost_gbp where known"),
    "assets_without_running_cost": ("Assets without a running cost", "left out of the estate total"),
    "clusters": ("Clusters", "assets within the clustering radius of each other"),
    "cross_partner_clusters": ("Clusters of two or more partners", "where sharing is possible"),
    "assets_in_clusters": ("Assets in clusters", ""),
    "moves": ("Moves", "opportunities with action relocate"),
    "people_moved": ("People moved", "sum of people_moved"),
    "buildings_vacated": ("Buildings released", "relocated out or vacant and disposed"),
    "vacant_disposals": ("Vacant buildings to dispose", "no occupants recorded"),
    "share_offers": ("Buildings with places to share", "spare places in clusters of two or more partners"),
    "released_running_cost_gbp": (
        "Running cost released a year",
        "vacated: running cost less the share that follows the people; vacant: whole running cost",
    ),
    "cost_following_people_gbp": (
        "Running cost that follows the people",
        "running cost x people_follow_share",
    ),
    "capital_receipts_gbp": (
        "Capital receipts",
        "freeholds released: book value, else floor area x value/m²",
    ),
    "capital_receipts_book_value_gbp": ("of which from book values", ""),
    "capital_receipts_estimated_gbp": ("of which estimated from floor area", "capital_value_per_m2_gbp"),
    "lease_exits": ("Lease exits", "leaseholds released; saving runs from the lease expiry"),
    "lease_exit_saving_gbp": (
        "Running cost released by lease exits a year",
        "included in the released total",
    ),
    "share_of_running_cost": ("Released as a share of estate running cost", "released / estate running cost"),
    "pilot_reference_share": ("Pilots' reference figure", "Kent Total Place: up to 10% a year"),
    "pilot_reference": ("Pilots' reference", ""),
    "rated_red": ("Rated red (disposal)", ""),
    "rated_amber": ("Rated amber (shared use)", ""),
    "rated_green": ("Rated green (retain)", ""),
    "sensitive_assets": ("Sensitive sites", "kept out of moves and disposal; locations withheld here"),
    "people_estimated_assets": ("Assets with estimated people", "occupancy or capacity from floor area"),
    "optimiser": ("Optimiser", ""),
    "subproblems": ("Optimisation sub-problems", ""),
    "subproblems_optimal": ("Solved to proven optimum", ""),
    "subproblems_node_limit": ("Stopped at the node limit", "better of best found and greedy kept"),
    "subproblems_lp_fix": ("Large sub-problems rounded from the LP", "within the bound below"),
    "moves_saving_gbp": ("Running cost released by moves a year", "sum over sub-problems"),
    "moves_saving_bound_gbp": ("Most any set of moves could release", "LP relaxation upper bound"),
    "people_follow_share": ("Share of running cost that follows people", "config plan.people_follow_share"),
    "target_ceiling": ("Receiver utilisation ceiling", "config plan.target_ceiling"),
    "well_used": ("Well used from (never disposed)", "config plan.well_used"),
    "donor_max_utilisation": ("Moves considered below utilisation", "config plan.donor_max_utilisation"),
    "capital_value_per_m2_gbp": (
        "Capital value per m² without book value",
        "config plan.capital_value_per_m2_gbp",
    ),
}


def _format_for(column: str) -> str | None:
    if column == "cost_per_m2_gbp":
        return MONEY_PENCE
    if column.endswith("_gbp"):
        return MONEY
    if column in _PERCENT_COLUMNS:
        return PERCENT
    return None


def _clean(value: object) -> object:
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


def _cell(ws: object, value: object, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    value = _clean(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Always text, never a formula: an inline string with Excel's quote prefix.
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    elif isinstance(value, (dt.datetime, dt.date)):
        cell.number_format = DATE
    elif number_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _table(wb: Workbook, name: str, frame: pd.DataFrame) -> None:
    ws = wb.create_sheet(name)
    columns = [str(c) for c in frame.columns]
    widths = [min(max(len(c) + 2, 10), 60) for c in columns]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    if columns:
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A1:{last}{max(len(frame), 1) + 1}"
    header = [_cell(ws, c, bold=True) for c in columns]
    for cell in header:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append(header)
    formats = [_format_for(c) for c in columns]
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(ws, v, f) for v, f in zip(row, formats, strict=True)])


def _summary(wb: Workbook, title: str, summary: dict[str, object]) -> None:
    ws = wb.create_sheet("summary")
    ws.column_dimensions["A"].width = 46
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 80
    ws.freeze_panes = "A4"
    ws.append([_cell(ws, title, bold=True)])
    ws.append([])
    ws.append([_cell(ws, h, bold=True) for h in ("Figure", "Value", "How it is worked out")])
    for key, value in summary.items():
        label, note = SUMMARY_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
        fmt = _format_for(key) or (COUNT if isinstance(value, (int, np.integer)) else DECIMAL)
        ws.append([_cell(ws, label), _cell(ws, value, fmt), _cell(ws, note)])


def _assets_sheet(assets: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(assets.drop(columns=[assets.geometry.name], errors="ignore"))
    if "sensitive" in frame.columns:
        hide = frame["sensitive"].fillna(False).astype(bool)
        if hide.any():
            for col in _LOCATION:
                if col in frame.columns:
                    frame[col] = frame[col].astype(object)
                    frame.loc[hide, col] = "withheld"
    return frame


def _fixed_zip(data: bytes, out: Iterable[str] | str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, zin.read(info.filename))


def write_board_pack(path: Path, result: PlanResult, rejects: pd.DataFrame, *, title: str) -> None:
    """Write the board pack XLSX.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` to write (replaced atomically if it exists).
    result : PlanResult
        From :func:`assetmap.plan.plan_estate`.
    rejects : DataFrame
        Rows that could not be used (``schema.REJECT_COLUMNS``), written as they are.
    title : str
        Shown at the top of the summary sheet.
    """
    path = Path(path)
    wb = Workbook(write_only=True)
    wb.properties.creator = "assetmap"
    wb.properties.title = _clean(title)
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    _summary(wb, title, result.summary)
    clusters = pd.DataFrame(result.clusters.drop(columns=[result.clusters.geometry.name], errors="ignore"))
    _table(wb, "clusters", clusters)
    _table(wb, "opportunities", result.opportunities)
    _table(wb, "assets", _assets_sheet(result.assets))
    _table(wb, "rejects", pd.DataFrame(rejects))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        _fixed_zip(buf.getvalue(), tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["SUMMARY_LABELS", "write_board_pack"]
