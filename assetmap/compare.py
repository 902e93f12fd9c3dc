"""What changed between two runs: the change report for a quarterly asset board.

Assets are matched across the two runs in three passes, each on what the earlier passes
left: the same partner and asset id; then the same UPRN (when it is unique among the
unmatched on both sides); then a location within ``within_m`` metres and a similar name.
Every matched pair records which pass matched it (``matched_by``). The report lists assets
added, removed, moved more than ``moved_m`` metres, whose utilisation changed by at least
``utilisation_points`` percentage points, whose rating changed (when both runs have one),
and those renamed or given a new id; then, when the runs have ``opportunities.csv``, which
opportunities are new, continuing, dropped or carried out (the building to be vacated is
gone), and the savings realised against those planned.

Everything is read from the run directories' files (``estate.gpkg`` layer ``assets``,
``opportunities.csv``, ``run.json``), never from objects in memory, so any two runs can be
compared, including runs made by an older version. Sensitive sites' locations are never
written: the report gives distances, not coordinates.
"""

from __future__ import annotations

import difflib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from scipy.spatial import cKDTree

from ._compare_opps import opportunity_changes, savings_summary
from ._errors import CompareError
from ._xlsx import write_sheets
from .outputs import write_csv

#: Columns of ``changes.csv``, one row per change to one asset.
CHANGE_COLUMNS: tuple[str, ...] = (
    "change", "partner", "asset_id", "name", "previous_partner", "previous_asset_id", "previous_name",
    "matched_by", "distance_m", "previous_value", "value", "detail",
)  # fmt: skip
#: Kinds of change, in the order the report lists them.
CHANGE_KINDS: tuple[str, ...] = (
    "added", "removed", "moved", "utilisation_fell", "utilisation_rose", "rating_changed", "renamed",
    "reidentified",
)  # fmt: skip
#: How a pair of assets was matched, in the order the passes run.
MATCH_METHODS: tuple[str, ...] = ("asset_id", "uprn", "location+name")


@dataclass(frozen=True)
class RunData:
    """What a run directory holds, as frames.

    Attributes
    ----------
    path : Path
        The run directory.
    label : str
        The period (``2026-Q3``) when the run is a period run, else the directory name.
    assets : DataFrame
        The ``assets`` layer without geometry, plus ``x`` and ``y`` (EPSG:27700 metres).
    opportunities : DataFrame or None
        ``opportunities.csv`` when the run has one.
    record : dict
        ``run.json`` (empty when absent).
    """

    path: Path
    label: str
    assets: pd.DataFrame
    opportunities: pd.DataFrame | None
    record: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeReport:
    """The change report between two runs (see :func:`compare_runs`)."""

    previous: str
    current: str
    matches: pd.DataFrame
    changes: pd.DataFrame
    opportunities: pd.DataFrame | None
    savings: dict[str, object]
    counts: dict[str, int]


def _label(path: Path) -> str:
    """The period from ``quarter.json`` (written by a quarterly run), else the directory's name."""
    try:
        return str(json.loads((path / "quarter.json").read_text("utf-8"))["period"])
    except (OSError, ValueError, KeyError, TypeError):
        return path.resolve().name


def load_run(run_dir: str | Path) -> RunData:
    """Read a run directory's assets, opportunities and run record.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by ``assetmap run`` or ``assetmap quarter``.

    Returns
    -------
    RunData

    Raises
    ------
    CompareError
        If the directory or its ``estate.gpkg`` is missing or unreadable.
    """
    path = Path(run_dir)
    gpkg = path / "estate.gpkg"
    if not gpkg.is_file():
        raise CompareError(f"{path}: not a run directory (no estate.gpkg)")
    try:
        frame = pyogrio.read_dataframe(gpkg, layer="assets")
    except Exception as exc:  # pyogrio raises several kinds for a damaged file
        raise CompareError(f"{gpkg}: cannot read the assets layer: {exc}") from exc
    assets = assets_with_xy(frame)
    opps = None
    if (path / "opportunities.csv").is_file():
        opps = read_opportunities(path / "opportunities.csv")
    record: dict[str, object] = {}
    if (path / "run.json").is_file():
        record = json.loads((path / "run.json").read_text("utf-8"))
    return RunData(path=path, label=_label(path), assets=assets, opportunities=opps, record=record)


def assets_with_xy(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The assets layer without geometry, plus ``x`` and ``y`` (the point, else easting/northing)."""
    geom = frame.geometry
    assets = pd.DataFrame(frame.drop(columns=[geom.name]))
    has = geom.notna() & ~geom.is_empty
    assets["x"] = np.where(has, geom.x.where(has), pd.to_numeric(assets.get("easting"), errors="coerce"))
    assets["y"] = np.where(has, geom.y.where(has), pd.to_numeric(assets.get("northing"), errors="coerce"))
    return assets


def read_opportunities(source: str | Path | io.StringIO) -> pd.DataFrame:
    """``opportunities.csv`` as text, with the rank, people and savings as numbers."""
    opps = pd.read_csv(source, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for col in ("rank", "people_moved", "annual_saving_gbp", "capital_receipt_gbp"):
        if col in opps.columns:
            opps[col] = pd.to_numeric(opps[col], errors="coerce")
    return opps


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().fillna("")


def _norm_name(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold()))


def _uprn(series: pd.Series) -> pd.Series:
    return _text(series).str.lstrip("0")


def match_assets(
    previous: pd.DataFrame, current: pd.DataFrame, *, within_m: float = 50.0, min_similarity: float = 0.6
) -> pd.DataFrame:
    """Match assets of two runs one-to-one: partner and asset id, then UPRN, then location and name.

    Parameters
    ----------
    previous, current : DataFrame
        Assets with ``partner``, ``asset_id``, ``name``, ``uprn``, ``x`` and ``y``.
    within_m : float
        Greatest distance for the location pass.
    min_similarity : float
        Least name similarity (0-1, :class:`difflib.SequenceMatcher` on lower-case words) for the
        location pass.

    Returns
    -------
    DataFrame
        ``previous_index``, ``current_index`` (row labels), ``matched_by`` and ``distance_m``,
        sorted by ``current_index``.
    """
    pairs: list[tuple[object, object, str]] = []
    # Pass 1: partner + asset id (repeated ids are paired in register order).
    keys = []
    for frame in (previous, current):
        key = pd.DataFrame({"p": _text(frame["partner"]), "a": _text(frame["asset_id"])}, index=frame.index)
        key = key[key["a"] != ""]
        key["n"] = key.groupby(["p", "a"]).cumcount()
        keys.append(key.reset_index(names="i"))
    both = keys[0].merge(keys[1], on=["p", "a", "n"], suffixes=("_prev", "_cur"))
    pairs += [(p, c, "asset_id") for p, c in zip(both["i_prev"], both["i_cur"], strict=True)]
    left_p = previous.index.difference(both["i_prev"], sort=False)
    left_c = current.index.difference(both["i_cur"], sort=False)
    # Pass 2: UPRN, when unique among the unmatched on each side.
    up = _uprn(previous.loc[left_p, "uprn"]) if "uprn" in previous else pd.Series(dtype="string")
    uc = _uprn(current.loc[left_c, "uprn"]) if "uprn" in current else pd.Series(dtype="string")
    up, uc = up[up != ""], uc[uc != ""]
    up, uc = up[~up.duplicated(keep=False)], uc[~uc.duplicated(keep=False)]
    by_uprn = (
        pd.Series(up.index, index=up.values)
        .to_frame("i_prev")
        .join(pd.Series(uc.index, index=uc.values).to_frame("i_cur"), how="inner")
    )
    pairs += [(p, c, "uprn") for p, c in zip(by_uprn["i_prev"], by_uprn["i_cur"], strict=True)]
    left_p = left_p.difference(by_uprn["i_prev"], sort=False)
    left_c = left_c.difference(by_uprn["i_cur"], sort=False)
    # Pass 3: within ``within_m`` and a similar name; best similarity, then nearest, first.
    pairs += _location_pairs(previous.loc[left_p], current.loc[left_c], within_m, min_similarity)
    out = pd.DataFrame(pairs, columns=["previous_index", "current_index", "matched_by"])
    p_xy = previous.loc[out["previous_index"], ["x", "y"]].to_numpy(float)
    c_xy = current.loc[out["current_index"], ["x", "y"]].to_numpy(float)
    out["distance_m"] = np.round(np.hypot(*(p_xy - c_xy).T), 1) if len(out) else pd.Series(dtype=float)
    return out.sort_values("current_index", kind="mergesort").reset_index(drop=True)


def _location_pairs(
    previous: pd.DataFrame, current: pd.DataFrame, within_m: float, min_similarity: float
) -> list[tuple[object, object, str]]:
    prev = previous[previous["x"].notna() & previous["y"].notna()]
    cur = current[current["x"].notna() & current["y"].notna()]
    if prev.empty or cur.empty:
        return []
    p_xy, c_xy = prev[["x", "y"]].to_numpy(float), cur[["x", "y"]].to_numpy(float)
    near = cKDTree(p_xy).query_ball_tree(cKDTree(c_xy), r=within_m)
    p_names = [_norm_name(n) for n in _text(prev["name"])]
    c_names = [_norm_name(n) for n in _text(cur["name"])]
    cands = []
    for i, js in enumerate(near):
        for j in js:
            sim = difflib.SequenceMatcher(None, p_names[i], c_names[j]).ratio() if p_names[i] else 0.0
            if sim >= min_similarity:
                cands.append((-round(sim, 6), float(np.hypot(*(p_xy[i] - c_xy[j]))), i, j))
    used_p: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[object, object, str]] = []
    for _, _, i, j in sorted(cands):
        if i not in used_p and j not in used_c:
            used_p.add(i)
            used_c.add(j)
            pairs.append((prev.index[i], cur.index[j], "location+name"))
    return pairs


def _row(kind: str, prev: pd.Series | None, cur: pd.Series | None, **values: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(CHANGE_COLUMNS, pd.NA)
    row["change"] = kind
    if prev is not None:
        row |= {"previous_partner": prev["partner"], "previous_asset_id": prev["asset_id"]}
        row |= {"previous_name": prev["name"], "partner": prev["partner"], "name": prev["name"]}
    if cur is not None:
        row |= {"partner": cur["partner"], "asset_id": cur["asset_id"], "name": cur["name"]}
    return row | values


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def asset_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    moved_m: float = 50.0,
    utilisation_points: float = 10.0,
) -> pd.DataFrame:
    """The changes to assets between two runs, one row per change (:data:`CHANGE_COLUMNS`).

    Parameters
    ----------
    previous, current : DataFrame
        The two runs' assets (as :attr:`RunData.assets`).
    matches : DataFrame
        From :func:`match_assets`.
    moved_m : float
        A matched asset further than this from where it was has ``moved``.
    utilisation_points : float
        A change of utilisation of at least this many percentage points is reported.

    Returns
    -------
    DataFrame
        Sorted by kind (:data:`CHANGE_KINDS`), partner and asset id.
    """
    rows: list[dict[str, object]] = []
    for i in previous.index.difference(matches["previous_index"], sort=False):
        rows.append(_row("removed", previous.loc[i], None))
    for i in current.index.difference(matches["current_index"], sort=False):
        rows.append(_row("added", None, current.loc[i]))
    for m in matches.itertuples(index=False):
        p, c = previous.loc[m.previous_index], current.loc[m.current_index]
        base = {"matched_by": m.matched_by, "distance_m": m.distance_m}
        if pd.notna(m.distance_m) and m.distance_m > moved_m:
            rows.append(_row("moved", p, c, **base, detail=f"{m.distance_m:,.0f} m from where it was"))
        pu, cu = pd.to_numeric(p.get("utilisation")), pd.to_numeric(c.get("utilisation"))
        if pd.notna(pu) and pd.notna(cu) and abs(round((cu - pu) * 100, 6)) >= utilisation_points:
            kind = "utilisation_fell" if cu < pu else "utilisation_rose"
            detail = f"{_pct(pu)} to {_pct(cu)} ({(cu - pu) * 100:+.0f} points)"
            rows.append(_row(kind, p, c, **base, previous_value=float(pu), value=float(cu), detail=detail))
        pr, cr = p.get("rating"), c.get("rating")
        if pd.notna(pr) and pd.notna(cr) and str(pr) and str(cr) and str(pr) != str(cr):
            rows.append(
                _row("rating_changed", p, c, **base, previous_value=pr, value=cr, detail=f"{pr} to {cr}")
            )
        identity = []
        if _norm_name(str(p["name"] or "")) != _norm_name(str(c["name"] or "")):
            identity.append(f"name {p['name']} to {c['name']}")
        if str(p["asset_id"]) != str(c["asset_id"]):
            identity.append(f"asset id {p['asset_id']} to {c['asset_id']}")
        if str(p["partner"]) != str(c["partner"]):
            identity.append(f"partner {p['partner']} to {c['partner']}")
        if identity:
            kind = "renamed" if identity[0].startswith("name") else "reidentified"
            rows.append(_row(kind, p, c, **base, detail="; ".join(identity)))
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    out["change"] = pd.Categorical(out["change"], categories=list(CHANGE_KINDS), ordered=True)
    out = out.sort_values(["change", "partner", "asset_id", "previous_asset_id"], kind="mergesort")
    out["change"] = out["change"].astype(str)
    for col in ("distance_m",):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out.reset_index(drop=True)


def compare_runs(
    previous_dir: str | Path | RunData,
    current_dir: str | Path | RunData,
    *,
    moved_m: float = 50.0,
    utilisation_points: float = 10.0,
) -> ChangeReport:
    """Compare two run directories.

    Parameters
    ----------
    previous_dir, current_dir : str, Path or RunData
        Run directories (``runs/2026-Q2``, ``runs/2026-Q3``), or runs already loaded (such as
        periods read from a database by :func:`assetmap.postgis.load_period`).
    moved_m : float
        Distance beyond which a matched asset has moved (metres).
    utilisation_points : float
        Least change of utilisation reported (percentage points).

    Returns
    -------
    ChangeReport

    Raises
    ------
    CompareError
        If either directory is not a readable run directory.
    """
    if moved_m <= 0 or utilisation_points <= 0:
        raise CompareError("the distance and utilisation thresholds must be positive")
    prev, cur = (r if isinstance(r, RunData) else load_run(r) for r in (previous_dir, current_dir))
    matches = match_assets(prev.assets, cur.assets, within_m=moved_m)
    changes = asset_changes(
        prev.assets, cur.assets, matches, moved_m=moved_m, utilisation_points=utilisation_points
    )
    opps = None
    if prev.opportunities is not None or cur.opportunities is not None:
        opps = opportunity_changes(prev.opportunities, cur.opportunities, prev.assets, cur.assets, matches)
    savings = savings_summary(prev.assets, cur.assets, opps, prev.record, cur.record)
    counts = {k: int((changes["change"] == k).sum()) for k in CHANGE_KINDS}
    counts |= {f"matched_by_{m}": int((matches["matched_by"] == m).sum()) for m in MATCH_METHODS}
    if opps is not None:
        counts |= {
            f"opportunities_{s}": int((opps["status"] == s).sum()) for s in sorted(set(opps["status"]))
        }
    return ChangeReport(prev.label, cur.label, matches, changes, opps, savings, counts)


def summary_frame(report: ChangeReport) -> pd.DataFrame:
    """The report's counts and savings as a two-column table (``figure``, ``value``)."""
    rows = [("previous period", report.previous), ("current period", report.current)]
    rows += [(k.replace("_", " "), v) for k, v in report.counts.items()]
    rows += [(k.replace("_", " "), v) for k, v in report.savings.items()]
    return pd.DataFrame(rows, columns=["figure", "value"]).astype({"value": object})


def change_sheets(report: ChangeReport) -> dict[str, pd.DataFrame]:
    """The change report as spreadsheet tables: summary, changes, opportunity changes."""
    sheets = {"change summary": summary_frame(report), "changes": report.changes}
    if report.opportunities is not None:
        sheets["opportunity changes"] = report.opportunities
    return sheets


def write_changes(
    report: ChangeReport, out_dir: str | Path, *, extra_sheets: dict[str, pd.DataFrame] | None = None
) -> dict[str, Path]:
    """Write ``changes.csv``, ``opportunity_changes.csv`` (when there are opportunities) and ``changes.xlsx``.

    Parameters
    ----------
    report : ChangeReport
    out_dir : str or Path
        Directory to write into (created if needed).
    extra_sheets : dict of DataFrame, optional
        More sheets for ``changes.xlsx`` (such as the data-quality table).

    Returns
    -------
    dict
        ``changes``, ``opportunity_changes`` and ``changes_xlsx`` paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"changes": out / "changes.csv", "changes_xlsx": out / "changes.xlsx"}
    write_csv(report.changes, paths["changes"])
    if report.opportunities is not None:
        paths["opportunity_changes"] = out / "opportunity_changes.csv"
        write_csv(report.opportunities, paths["opportunity_changes"])
    sheets = change_sheets(report) | (extra_sheets or {})
    write_sheets(paths["changes_xlsx"], sheets, title=f"Changes {report.previous} to {report.current}")
    return paths


__all__ = [
    "CHANGE_COLUMNS", "CHANGE_KINDS", "MATCH_METHODS", "ChangeReport", "CompareError", "RunData",
    "asset_changes", "assets_with_xy", "compare_runs", "load_run", "match_assets", "read_opportunities",
    "summary_frame", "write_changes",
]  # fmt: skip
