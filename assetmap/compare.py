"""What changed between two runs: the change report for a quarterly asset board.

Assets are matched across the two runs one-to-one (:mod:`assetmap._compare_match`): the same
partner and asset id; the same id once case, spaces and punctuation are set aside; the same
stable reference with a new ending (``09/00002/Land and Building`` and ``09/00002/BLDG``);
the same UPRN, with several assets sharing one paired by location then name or address; then
a location within ``within_m`` metres and a similar name or address. Every matched pair says
how it was matched (``matched_by``) and how sure that is (``confidence``).

A field that one of the two registers does not have at all (a name column dropped) is not a
change: the report says once, at the top, which columns appeared or disappeared
(:mod:`assetmap._compare_notes`), and never reports hundreds of names "changed to nothing".
Ids re-cased or re-suffixed across a register are said once there too.

The report lists assets added, removed, moved more than ``moved_m`` metres, whose
utilisation changed by at least ``utilisation_points`` percentage points, whose rating
changed (when both runs have one), and those renamed or given a new id; then, when the runs
have ``opportunities.csv``, which opportunities are new, continuing, dropped or carried out
(the building to be vacated is gone), and the savings realised against those planned.

Everything is read from the run directories' files (``estate.gpkg`` layer ``assets``,
``opportunities.csv``, ``run.json``), never from objects in memory, so any two runs can be
compared, including runs made by an older version. Sensitive sites' locations are never
written: the report gives distances, not coordinates.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ._compare_match import (
    CONFIDENCE_LEVELS,
    MATCH_METHODS,
    clean_text,
    id_key_and_stem,
    match_assets,
    norm_words,
)
from ._compare_notes import (
    COLUMN_CHANGE_COLUMNS,
    Presence,
    column_changes,
    column_notes,
    field_presence,
    id_notes,
)
from ._compare_opps import opportunity_changes, savings_summary
from ._errors import CompareError
from ._xlsx import write_sheets
from .config import MOVED_M, UTILISATION_POINTS
from .outputs import write_csv

#: Columns of ``changes.csv``, one row per change to one asset.
CHANGE_COLUMNS: tuple[str, ...] = (
    "change", "partner", "asset_id", "name", "previous_partner", "previous_asset_id", "previous_name",
    "matched_by", "confidence", "distance_m", "previous_value", "value", "detail",
)  # fmt: skip
#: Kinds of change, in the order the report lists them.
CHANGE_KINDS: tuple[str, ...] = (
    "added", "removed", "moved", "utilisation_fell", "utilisation_rose", "rating_changed", "renamed",
    "reidentified",
)  # fmt: skip


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
    """The change report between two runs (see :func:`compare_runs`).

    Attributes
    ----------
    previous, current : str
        The two periods (or run directory names).
    matches : DataFrame
        One row per asset in both runs (:data:`assetmap._compare_match.MATCH_COLUMNS`).
    changes : DataFrame
        One row per change to one asset (:data:`CHANGE_COLUMNS`).
    opportunities : DataFrame or None
        Opportunity changes, when either run has opportunities.
    savings : dict
        Savings realised against planned.
    counts : dict
        Changes by kind, ``continuing`` (assets in both runs), and matches by method.
    columns : DataFrame
        Fields a partner's register gained or lost between the runs
        (:data:`assetmap._compare_notes.COLUMN_CHANGE_COLUMNS`).
    notes : tuple of str
        What changed in the registers themselves (columns, id schemes), said once for the
        top of the report.
    moved_m, utilisation_points : float
        The thresholds the report was made with (metres; percentage points).
    """

    previous: str
    current: str
    matches: pd.DataFrame
    changes: pd.DataFrame
    opportunities: pd.DataFrame | None
    savings: dict[str, object]
    counts: dict[str, int]
    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(COLUMN_CHANGE_COLUMNS)))
    notes: tuple[str, ...] = ()
    moved_m: float = MOVED_M
    utilisation_points: float = UTILISATION_POINTS


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
        If the directory or its ``estate.gpkg`` is missing or unreadable, or its ``run.json``
        is damaged.
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
    record = _run_record(path / "run.json") if (path / "run.json").is_file() else {}
    return RunData(path=path, label=_label(path), assets=assets, opportunities=opps, record=record)


def _run_record(path: Path) -> dict[str, object]:
    """A run's ``run.json``; a damaged one stops the comparison, naming the file."""
    try:
        record = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise CompareError(f"{path}: the run record is damaged (not valid JSON at {where})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CompareError(f"{path}: cannot read the run record: {exc}") from None
    if not isinstance(record, dict):
        raise CompareError(f"{path}: not a run record (a JSON object as assetmap run writes)")
    return record


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


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def _side_frame(assets: pd.DataFrame) -> pd.DataFrame:
    """What the change rows need of each asset; ``_label`` is its name, else its address."""
    blank = pd.Series("", index=assets.index, dtype="string")
    name = clean_text(assets["name"]) if "name" in assets else blank
    address = clean_text(assets["address"]) if "address" in assets else blank
    ids = assets["asset_id"].astype(object)
    keys = [id_key_and_stem(_str(v)) for v in ids.tolist()]
    return pd.DataFrame(
        {
            "partner": assets["partner"].astype(object),
            "asset_id": ids,
            "_key": [k for k, _ in keys],
            "_stem": [st for _, st in keys],
            "_name": name.astype(object),
            "_label": name.where(name != "", address).astype(object),
            "utilisation": pd.to_numeric(assets.get("utilisation", np.nan), errors="coerce"),
            "rating": clean_text(assets["rating"]).astype(object) if "rating" in assets else "",
        },
        index=assets.index,
    )


def _rows(kind: str, prev: pd.DataFrame | None, cur: pd.DataFrame | None, **values: object) -> pd.DataFrame:
    """Change rows of one kind; ``name`` is the current label (the previous one for a removal)."""
    n = len(prev) if prev is not None else len(cur) if cur is not None else 0
    out = pd.DataFrame({c: pd.Series([pd.NA] * n, dtype=object) for c in CHANGE_COLUMNS})
    out["change"] = kind

    def col(frame: pd.DataFrame, name: str) -> np.ndarray:
        v = frame[name].to_numpy(object)
        return np.where(pd.isna(v) | (v == ""), pd.NA, v) if name == "_label" else v

    if prev is not None:
        out["previous_partner"], out["previous_asset_id"] = col(prev, "partner"), col(prev, "asset_id")
        out["previous_name"] = out["name"] = col(prev, "_label")
        out["partner"] = col(prev, "partner")
    if cur is not None:
        out["partner"], out["asset_id"], out["name"] = (
            col(cur, "partner"),
            col(cur, "asset_id"),
            col(cur, "_label"),
        )
    for key, value in values.items():
        out[key] = value
    return out


def _has(presence: Presence | None, partner: object, fld: str) -> bool:
    """Whether the partner's register has ``fld`` (True when not known)."""
    if presence is None or str(partner) not in presence:
        return True
    return presence[str(partner)][fld][0]


def _identity(p: dict[str, object], c: dict[str, object], *, names_comparable: bool) -> str:
    """What changed in a pair's identity: name, asset id (beyond case, punctuation and ending), partner."""
    out = []
    pn, cn = str(p["_name"] or ""), str(c["_name"] or "")
    if names_comparable and pn and cn and norm_words(pn) != norm_words(cn):
        out.append(f"name {pn} to {cn}")
    pid, cid = _str(p["asset_id"]), _str(c["asset_id"])
    same_stem = p["_stem"] != "" and p["_stem"] == c["_stem"]
    if p["_key"] != c["_key"] and not same_stem:
        out.append(f"asset id {pid or '(none)'} to {cid or '(none)'}")
    if _str(p["partner"]) != _str(c["partner"]):
        out.append(f"partner {p['partner']} to {c['partner']}")
    return "; ".join(out)


def _str(v: object) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _matched_changes(
    p: pd.DataFrame,
    c: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    moved_m: float,
    points: float,
    names: np.ndarray,
) -> list[pd.DataFrame]:
    """Change rows for the matched pairs (``p`` and ``c`` aligned with ``matches``), by kind."""
    base = {k: matches[k].to_numpy(object) for k in ("matched_by", "confidence")}
    dist = pd.to_numeric(matches["distance_m"], errors="coerce").to_numpy(float)
    base["distance_m"] = dist

    def rows(kind: str, mask: np.ndarray, **values: object) -> pd.DataFrame:
        picked = {k: v[mask] if isinstance(v, np.ndarray) else v for k, v in (base | values).items()}
        return _rows(kind, p[mask], c[mask], **picked)

    moved = ~np.isnan(dist) & (dist > moved_m)
    detail = np.array(
        [f"{d:,.0f} m from where it was" if m else "" for d, m in zip(dist, moved, strict=True)]
    )
    pu, cu = p["utilisation"].to_numpy(float), c["utilisation"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        util = ~np.isnan(pu) & ~np.isnan(cu) & (np.abs(np.round((cu - pu) * 100, 6)) >= points)
        fell = util & (cu < pu)
    util_detail = np.array(
        [
            f"{_pct(a)} to {_pct(b)} ({(b - a) * 100:+.0f} points)" if u else ""
            for a, b, u in zip(pu, cu, util, strict=True)
        ]
    )
    pr, cr = p["rating"].to_numpy(object), c["rating"].to_numpy(object)
    rated = (pr != "") & (cr != "") & (pr != cr)
    rating_detail = np.array([f"{a} to {b}" for a, b in zip(pr, cr, strict=True)], dtype=object)
    cols = ("_name", "asset_id", "_key", "_stem", "partner")
    pa, ca = ({k: f[k].to_numpy(object) for k in cols} for f in (p, c))
    ident = np.array(
        [
            _identity({k: pa[k][i] for k in cols}, {k: ca[k][i] for k in cols}, names_comparable=bool(n))
            for i, n in enumerate(names)
        ],
        dtype=object,
    )
    renamed = np.array([t.startswith("name ") for t in ident], dtype=bool)
    util_values = {"previous_value": pu.astype(object), "value": cu.astype(object), "detail": util_detail}
    return [
        rows("moved", moved, detail=detail),
        rows("utilisation_fell", fell, **util_values),
        rows("utilisation_rose", util & ~fell, **util_values),
        rows("rating_changed", rated, previous_value=pr, value=cr, detail=rating_detail),
        rows("renamed", renamed, detail=ident),
        rows("reidentified", (ident != "") & ~renamed, detail=ident),
    ]


def asset_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    moved_m: float = MOVED_M,
    utilisation_points: float = UTILISATION_POINTS,
    previous_presence: Presence | None = None,
    current_presence: Presence | None = None,
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
    previous_presence, current_presence : dict, optional
        Which fields each partner's register has (:func:`field_presence`); names and
        utilisation are compared only where both registers have them, and a name never to or
        from a blank one.

    Returns
    -------
    DataFrame
        Sorted by kind (:data:`CHANGE_KINDS`), partner and asset id. An id that differs only in
        case, punctuation or its ending is not a change here (the report says so once).
    """
    prev, cur = _side_frame(previous), _side_frame(current)
    gone = prev.index.difference(matches["previous_index"], sort=False)
    new = cur.index.difference(matches["current_index"], sort=False)
    p = prev.loc[matches["previous_index"]].reset_index(drop=True)
    c = cur.loc[matches["current_index"]].reset_index(drop=True)
    both = {
        fld: np.array(
            [
                _has(previous_presence, a, fld) and _has(current_presence, b, fld)
                for a, b in zip(p["partner"], c["partner"], strict=True)
            ],
            dtype=bool,
        )
        for fld in ("name", "utilisation")
    }
    p.loc[~both["utilisation"], "utilisation"] = np.nan  # a field one register lacks is not compared
    names = both["name"]
    parts = [_rows("removed", prev.loc[gone], None), _rows("added", None, cur.loc[new])]
    parts += _matched_changes(p, c, matches, moved_m=moved_m, points=utilisation_points, names=names)
    filled = [f for f in parts if len(f)]
    out = pd.concat(filled, ignore_index=True) if filled else parts[0]
    out["change"] = pd.Categorical(out["change"], categories=list(CHANGE_KINDS), ordered=True)
    out = out.sort_values(["change", "partner", "asset_id", "previous_asset_id"], kind="mergesort")
    out["change"] = out["change"].astype(str)
    out["distance_m"] = pd.to_numeric(out["distance_m"], errors="coerce")
    return out.reset_index(drop=True)


def compare_runs(
    previous_dir: str | Path | RunData,
    current_dir: str | Path | RunData,
    *,
    moved_m: float = MOVED_M,
    utilisation_points: float = UTILISATION_POINTS,
) -> ChangeReport:
    """Compare two run directories.

    Parameters
    ----------
    previous_dir, current_dir : str, Path or RunData
        Run directories (``runs/2026-Q2``, ``runs/2026-Q3``), or runs already loaded (such as
        periods read from a database by :func:`assetmap.postgis.load_period`).
    moved_m : float
        Distance beyond which a matched asset has moved (metres); default the config's
        ``compare.moved_m`` default, 50.
    utilisation_points : float
        Least change of utilisation reported (percentage points); default
        ``compare.utilisation_points``'s, 10.

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
    presence = field_presence(prev.assets, prev.record), field_presence(cur.assets, cur.record)
    changes = asset_changes(
        prev.assets, cur.assets, matches, moved_m=moved_m, utilisation_points=utilisation_points,
        previous_presence=presence[0], current_presence=presence[1],
    )  # fmt: skip
    columns = column_changes(*presence)
    notes = column_notes(columns, prev.label, cur.label) + id_notes(prev.assets, cur.assets, matches)
    opps = None
    if prev.opportunities is not None or cur.opportunities is not None:
        opps = opportunity_changes(prev.opportunities, cur.opportunities, prev.assets, cur.assets, matches)
    savings = savings_summary(prev.assets, cur.assets, opps, prev.record, cur.record)
    counts = {k: int((changes["change"] == k).sum()) for k in CHANGE_KINDS}
    counts["continuing"] = len(matches)
    counts |= {f"matched_by_{m}": int((matches["matched_by"] == m).sum()) for m in MATCH_METHODS}
    if opps is not None:
        counts |= {
            f"opportunities_{s}": int((opps["status"] == s).sum()) for s in sorted(set(opps["status"]))
        }
    return ChangeReport(
        prev.label, cur.label, matches, changes, opps, savings, counts, columns=columns, notes=tuple(notes),
        moved_m=moved_m, utilisation_points=utilisation_points,
    )  # fmt: skip


def summary_frame(report: ChangeReport) -> pd.DataFrame:
    """The report's notes on the registers, counts and savings as a table (``figure``, ``value``)."""
    rows = [("previous period", report.previous), ("current period", report.current)]
    rows += [("register change", note) for note in report.notes]
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
    "CHANGE_COLUMNS", "CHANGE_KINDS", "CONFIDENCE_LEVELS", "MATCH_METHODS", "ChangeReport", "CompareError",
    "RunData", "asset_changes", "assets_with_xy", "compare_runs", "field_presence", "load_run",
    "match_assets", "read_opportunities", "summary_frame", "write_changes",
]  # fmt: skip
