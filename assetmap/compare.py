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

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from ._compare_match import (
    CONFIDENCE_LEVELS,
    MATCH_METHODS,
    clean_text,
    id_key,
    id_stem,
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
    geom = frame.geometry
    assets = pd.DataFrame(frame.drop(columns=[geom.name]))
    has = geom.notna() & ~geom.is_empty
    assets["x"] = np.where(has, geom.x.where(has), pd.to_numeric(assets.get("easting"), errors="coerce"))
    assets["y"] = np.where(has, geom.y.where(has), pd.to_numeric(assets.get("northing"), errors="coerce"))
    opps = None
    if (path / "opportunities.csv").is_file():
        opps = pd.read_csv(path / "opportunities.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for col in ("rank", "people_moved", "annual_saving_gbp", "capital_receipt_gbp"):
            if col in opps.columns:
                opps[col] = pd.to_numeric(opps[col], errors="coerce")
    record: dict[str, object] = {}
    if (path / "run.json").is_file():
        record = json.loads((path / "run.json").read_text("utf-8"))
    return RunData(path=path, label=_label(path), assets=assets, opportunities=opps, record=record)


def _row(kind: str, prev: pd.Series | None, cur: pd.Series | None, **values: object) -> dict[str, object]:
    """A change row; ``name`` is the asset's name, or its address where the register has no name."""
    row: dict[str, object] = dict.fromkeys(CHANGE_COLUMNS, pd.NA)
    row["change"] = kind
    if prev is not None:
        row |= {"previous_partner": prev["partner"], "previous_asset_id": prev["asset_id"]}
        label = prev["_label"] or pd.NA
        row |= {"previous_name": label, "partner": prev["partner"], "name": label}
    if cur is not None:
        row |= {"partner": cur["partner"], "asset_id": cur["asset_id"], "name": cur["_label"] or pd.NA}
    return row | values


def _pct(v: float) -> str:
    return f"{v * 100:.0f}%"


def _labelled(assets: pd.DataFrame) -> pd.DataFrame:
    """Assets with ``_name`` (blank for none or a placeholder) and ``_label`` (name, else address)."""
    out = assets.copy()
    blank = pd.Series("", index=out.index, dtype="string")
    name = clean_text(out["name"]) if "name" in out else blank
    address = clean_text(out["address"]) if "address" in out else blank
    out["_name"] = name
    out["_label"] = name.where(name != "", address)
    return out


def _has(presence: Presence | None, partner: object, fld: str) -> bool:
    """Whether the partner's register has ``fld`` (True when not known)."""
    if presence is None or str(partner) not in presence:
        return True
    return presence[str(partner)][fld][0]


def _identity(p: pd.Series, c: pd.Series, *, names_comparable: bool) -> list[str]:
    """What changed in the pair's identity: name, asset id (beyond case, punctuation and ending), partner."""
    out = []
    if names_comparable and p["_name"] and c["_name"] and norm_words(p["_name"]) != norm_words(c["_name"]):
        out.append(f"name {p['_name']} to {c['_name']}")
    pid, cid = str(p["asset_id"] or ""), str(c["asset_id"] or "")
    same_stem = id_stem(pid) != "" and id_stem(pid) == id_stem(cid)
    if id_key(pid) != id_key(cid) and not same_stem:
        out.append(f"asset id {pid or '(none)'} to {cid or '(none)'}")
    if str(p["partner"]) != str(c["partner"]):
        out.append(f"partner {p['partner']} to {c['partner']}")
    return out


def _pair_changes(
    p: pd.Series, c: pd.Series, base: dict[str, object], *, moved_m: float, points: float, names: bool
) -> list[dict[str, object]]:
    """The change rows for one matched pair."""
    rows = []
    dist = base["distance_m"]
    if pd.notna(dist) and float(dist) > moved_m:  # type: ignore[arg-type]
        rows.append(_row("moved", p, c, **base, detail=f"{float(dist):,.0f} m from where it was"))  # type: ignore[arg-type]
    pu, cu = pd.to_numeric(p.get("utilisation")), pd.to_numeric(c.get("utilisation"))
    if pd.notna(pu) and pd.notna(cu) and abs(round((cu - pu) * 100, 6)) >= points:
        kind = "utilisation_fell" if cu < pu else "utilisation_rose"
        detail = f"{_pct(pu)} to {_pct(cu)} ({(cu - pu) * 100:+.0f} points)"
        rows.append(_row(kind, p, c, **base, previous_value=float(pu), value=float(cu), detail=detail))
    pr, cr = p.get("rating"), c.get("rating")
    if pd.notna(pr) and pd.notna(cr) and str(pr) and str(cr) and str(pr) != str(cr):
        rows.append(_row("rating_changed", p, c, **base, previous_value=pr, value=cr, detail=f"{pr} to {cr}"))
    identity = _identity(p, c, names_comparable=names)
    if identity:
        kind = "renamed" if identity[0].startswith("name") else "reidentified"
        rows.append(_row(kind, p, c, **base, detail="; ".join(identity)))
    return rows


def asset_changes(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    matches: pd.DataFrame,
    *,
    moved_m: float = 50.0,
    utilisation_points: float = 10.0,
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
        Which fields each partner's register has (:func:`field_presence`); names are compared
        only where both registers have a name column, and never to or from a blank name.

    Returns
    -------
    DataFrame
        Sorted by kind (:data:`CHANGE_KINDS`), partner and asset id. An id that differs only in
        case, punctuation or its ending is not a change here (the report says so once).
    """
    previous, current = _labelled(previous), _labelled(current)
    rows: list[dict[str, object]] = []
    for i in previous.index.difference(matches["previous_index"], sort=False):
        rows.append(_row("removed", previous.loc[i], None))
    for i in current.index.difference(matches["current_index"], sort=False):
        rows.append(_row("added", None, current.loc[i]))
    for m in matches.itertuples(index=False):
        p, c = previous.loc[m.previous_index], current.loc[m.current_index]
        names = _has(previous_presence, p["partner"], "name") and _has(current_presence, c["partner"], "name")
        base = {"matched_by": m.matched_by, "confidence": m.confidence, "distance_m": m.distance_m}
        rows += _pair_changes(p, c, base, moved_m=moved_m, points=utilisation_points, names=names)
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    out["change"] = pd.Categorical(out["change"], categories=list(CHANGE_KINDS), ordered=True)
    out = out.sort_values(["change", "partner", "asset_id", "previous_asset_id"], kind="mergesort")
    out["change"] = out["change"].astype(str)
    out["distance_m"] = pd.to_numeric(out["distance_m"], errors="coerce")
    return out.reset_index(drop=True)


def compare_runs(
    previous_dir: str | Path,
    current_dir: str | Path,
    *,
    moved_m: float = 50.0,
    utilisation_points: float = 10.0,
) -> ChangeReport:
    """Compare two run directories.

    Parameters
    ----------
    previous_dir, current_dir : str or Path
        Run directories (``runs/2026-Q2``, ``runs/2026-Q3``).
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
    prev, cur = load_run(previous_dir), load_run(current_dir)
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
        prev.label, cur.label, matches, changes, opps, savings, counts, columns=columns, notes=tuple(notes)
    )


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
    "RunData", "asset_changes", "compare_runs", "field_presence", "load_run", "match_assets", "summary_frame",
    "write_changes",
]  # fmt: skip
