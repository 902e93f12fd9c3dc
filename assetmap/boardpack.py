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
the same bytes. A table longer than an Excel sheet (1,048,575 rows under the header)
continues on sheets named ``assets 2``, ``assets 3``..., and the summary sheet says so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._known import NOT_KNOWN, coverage, is_known
from ._xlsx import COUNT, DECIMAL, MAX_ROWS, Workbook, cell_xml, number_format
from .plan import PlanResult

#: Withheld for sensitive sites; a ward is small enough to point at one.
_LOCATION = (
    "address", "postcode", "uprn", "easting", "northing", "latitude", "longitude", "ward_code", "ward_name",
)  # fmt: skip

#: Summary keys: label and how the figure is worked out.
SUMMARY_LABELS: dict[str, tuple[str, str]] = {
    "as_of": ("As of", "date lease expiries are measured from"),
    "assets": ("Assets", "rows in the combined estate layer"),
    "partners": ("Partners", "distinct partners"),
    "estate_running_cost_gbp": ("Estate running cost a year", "sum of running_cost_gbp where known"),
    "assets_with_running_cost": ("Assets with a running cost", "the estate total covers these"),
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
    "released_without_running_cost": (
        "Buildings released with no running cost",
        "their saving is not known and not in the released total",
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
    "released_not_valued": (
        "Buildings released not valued",
        "tenure, or a freehold's book value and floor area, not known: not in the receipts",
    ),
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
    "rated_unrated": ("Not rated", "no running cost per m² or utilisation known: not called green"),
    "sensitive_assets": ("Sensitive sites", "kept out of moves and disposal; locations withheld here"),
    "people_estimated_assets": ("Assets with estimated people", "occupancy or capacity from floor area"),
    "optimiser": ("Optimiser", ""),
    "subproblems": ("Optimisation sub-problems", ""),
    "subproblems_optimal": ("Solved to proven optimum", ""),
    "subproblems_node_limit": ("Stopped at the node limit", "better of best found and greedy kept"),
    "subproblems_lp_fix": ("Sub-problems rounded from the LP", "or where the fast answer beat the solver"),
    "subproblems_fast_answer": ("Sub-problems left with the fast answer", "the work budget ran out"),
    "subproblems_time_limited": ("Cut by the time limit", "figures may vary by machine"),
    "moves_saving_gbp": ("Running cost released by moves a year", "sum over sub-problems"),
    "moves_saving_bound_gbp": ("Most any set of moves could release", "HiGHS bound, else capacity bound"),
    "moves_saving_gap_share": ("Gap to the bound", "share of the bound not reached (an upper estimate)"),
    "optimiser_time_limit_s": ("Optimiser time limit (s)", "config plan.time_limit_s"),
    "optimiser_work_limit": ("Optimiser work budget", "config plan.work_limit"),
    "optimiser_work_used": ("Optimiser work used", "move choices x (1 + branch-and-bound nodes)"),
    "plan_repeatable": ("Same figures on any machine", "false only when the time limit cut the plan"),
    "people_follow_share": ("Share of running cost that follows people", "config plan.people_follow_share"),
    "target_ceiling": ("Receiver utilisation ceiling", "config plan.target_ceiling"),
    "well_used": ("Well used from (never disposed)", "config plan.well_used"),
    "donor_max_utilisation": ("Moves considered below utilisation", "config plan.donor_max_utilisation"),
    "capital_value_per_m2_gbp": (
        "Capital value per m² without book value",
        "config plan.capital_value_per_m2_gbp",
    ),
}


#: Summary keys that are settings from the config: left blank when not set.
_SETTINGS = frozenset({"capital_value_per_m2_gbp", "optimiser_time_limit_s", "optimiser_work_limit"})
#: Why a summary figure can be not known.
_NOT_KNOWN_WHY: dict[str, str] = {
    "estate_running_cost_gbp": "no register gives a running cost",
    "released_running_cost_gbp": "no register gives a running cost, so nothing released can be costed",
    "share_of_running_cost": "the estate's running cost or the running cost released is not known",
    "cost_following_people_gbp": "no register gives a running cost",
    "lease_exit_saving_gbp": "no register gives a running cost",
    "capital_receipts_gbp": "no running cost, tenure, book value or floor area to cost or value a release",
    "capital_receipts_book_value_gbp": "no running cost, tenure, book value or floor area",
    "capital_receipts_estimated_gbp": "no running cost, tenure, book value or floor area",
}


def _not_known(key: str, value: object) -> bool:
    """A figure from the registers that is not known (a setting left out is not one)."""
    figure = key.endswith(("_gbp", "_share")) or key.startswith("share_of_")
    return figure and key not in _SETTINGS and not is_known(value)


def _summary_note(key: str, value: object, summary: dict[str, object], note: str) -> str:
    """How a figure is worked out, with how many assets a sum over partly known values covers."""
    if _not_known(key, value):
        return f"{NOT_KNOWN}: " + _NOT_KNOWN_WHY.get(key, "no register gives the values it needs")
    if key == "estate_running_cost_gbp":
        cover = coverage(summary.get("assets_with_running_cost"), summary.get("assets"))
        return f"{note}: {cover}" if cover else note
    if key == "released_running_cost_gbp" and summary.get("released_without_running_cost"):
        n = int(summary["released_without_running_cost"])  # type: ignore[arg-type]
        return f"{note}; {n:,} building(s) released have no running cost: their saving is not known"
    if key == "rated_green" and summary.get("rated_unrated"):
        return f"{int(summary['rated_unrated']):,} asset(s) not rated (no running cost or utilisation known)"  # type: ignore[arg-type]
    return note


def _summary(wb: Workbook, title: str, summary: dict[str, object], notes: list[str]) -> None:
    rows = [[cell_xml("A1", title, bold=True)], []]
    heads = ("Figure", "Value", "How it is worked out")
    rows.append([cell_xml(f"{c}3", h, bold=True) for c, h in zip("ABC", heads, strict=True)])
    for r, (key, value) in enumerate(summary.items(), start=4):
        label, note = SUMMARY_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))
        note = _summary_note(key, value, summary, note)
        if _not_known(key, value):
            value = NOT_KNOWN
        fmt = number_format(key) or (COUNT if isinstance(value, (int, np.integer)) else DECIMAL)
        rows.append([cell_xml(f"A{r}", label), cell_xml(f"B{r}", value, fmt), cell_xml(f"C{r}", note)])
    for note in notes:
        rows.append([cell_xml(f"A{len(rows) + 1}", "Note"), "", cell_xml(f"C{len(rows) + 1}", note)])
    wb.add_rows("summary", rows, widths=[46, 22, 80], freeze_row=3)


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


def write_board_pack(
    path: Path,
    result: PlanResult,
    rejects: pd.DataFrame,
    *,
    title: str,
    extra_sheets: dict[str, pd.DataFrame] | None = None,
    max_asset_rows: int | None = None,
) -> None:
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
    extra_sheets : dict of DataFrame, optional
        More table sheets after the standard ones (a quarterly run adds the change report).
    max_asset_rows : int, optional
        With more assets than this, the ``assets`` sheet is left out (every asset is in
        ``estate.gpkg``) and the summary sheet says so. Default: always written, continued on
        ``assets 2``... past Excel's row limit.
    """
    wb = Workbook(title)
    notes = []
    omit_assets = max_asset_rows is not None and len(result.assets) > max_asset_rows
    if omit_assets:
        notes.append(
            f"The assets table ({len(result.assets):,} rows) is not in this workbook: "
            "it is in estate.gpkg, layer assets (open it in QGIS, or in Excel through Get Data)"
        )
    tables = {
        "clusters": pd.DataFrame(
            result.clusters.drop(columns=[result.clusters.geometry.name], errors="ignore")
        ),
        "opportunities": result.opportunities,
        "assets": None if omit_assets else _assets_sheet(result.assets),
        "rejects": pd.DataFrame(rejects),
    } | dict(extra_sheets or {})
    tables = {name: frame for name, frame in tables.items() if frame is not None}
    notes += [
        f"The {name} table has {len(frame):,} rows, more than one Excel sheet holds "
        f"({MAX_ROWS:,} under the header): it continues on the sheets named '{name} 2' and on"
        + ("; every asset is also in estate.gpkg" if name == "assets" else "")
        for name, frame in tables.items()
        if len(frame) > MAX_ROWS
    ]
    _summary(wb, title, result.summary, notes)
    for name, frame in tables.items():
        wb.add_table(name, frame)
    wb.save(Path(path))


__all__ = ["SUMMARY_LABELS", "write_board_pack"]
