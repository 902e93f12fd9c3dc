"""The board report's areas: a table of what the estate costs per district, and a choropleth picture.

Both read a run directory's files (``areas.csv`` and the ``areas`` layer of ``estate.gpkg``),
so the report works for any run that wrote them and skips them for one that did not.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._known import NOT_KNOWN, coverage, is_known
from ._boundaries import OUTSIDE

#: The level the report shows: districts, else wards.
_LEVELS = ("district", "ward")


def _money(v: object) -> str:
    x = pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
    return NOT_KNOWN if pd.isna(x) else f"{'-' if x < 0 else ''}£{abs(x):,.0f}"


def _cost_text(rows: pd.DataFrame) -> list[str]:
    """Each area's running cost, with how many of its assets it covers when not all."""
    known = rows["assets_with_running_cost"] if "assets_with_running_cost" in rows else rows["assets"]
    return [
        _money(v) + (f" ({cover})" if (cover := coverage(k, n)) and is_known(v) else "")
        for v, k, n in zip(rows["running_cost_gbp"], known, rows["assets"], strict=True)
    ]


def _ratings_text(rows: pd.DataFrame) -> list[str]:
    """``red / amber``, and how many assets are not rated when some are."""
    unrated = rows["unrated"] if "unrated" in rows else pd.Series(0, index=rows.index)
    return [
        f"{r:.0f} / {a:.0f}" + (f" ({u:,.0f} not rated)" if u else "")
        for r, a, u in zip(rows["red"], rows["amber"], unrated.fillna(0), strict=True)
    ]


def _read_csv(run_dir: Path) -> pd.DataFrame | None:
    path = Path(run_dir) / "areas.csv"
    if not path.is_file():
        return None
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype={"code": str, "name": str, "level": str})
    return frame if len(frame) else None


def area_table(run_dir: str | Path) -> pd.DataFrame | None:
    """What the estate holds and costs in each district, as display strings (None without ``areas.csv``).

    Parameters
    ----------
    run_dir : str or Path
        A run directory.

    Returns
    -------
    DataFrame or None
        One row per district with assets (and the ``outside`` row): area, assets, partners,
        running cost, cost per m², utilisation, red/amber, savings and receipts, clusters
        across the border; ``role`` too when the run had a focus area.
    """
    frame = _read_csv(Path(run_dir))
    if frame is None:
        return None
    level = next((lv for lv in _LEVELS if (frame["level"] == lv).any()), None)
    rows = frame[(frame["level"] == level) & (frame["assets"] > 0)]
    area = [
        f"{n} ({c})" if isinstance(n, str) and c != OUTSIDE else n if isinstance(n, str) else c
        for c, n in zip(rows["code"], rows["name"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "area": area,
            "assets": rows["assets"].map("{:,.0f}".format),
            "partners": rows["partners"].map("{:,.0f}".format),
            "running cost a year": _cost_text(rows),
            "cost per m²": rows["cost_per_m2_gbp"].map(_money),
            "utilisation": rows["utilisation"].map(lambda v: NOT_KNOWN if pd.isna(v) else f"{v * 100:.0f}%"),
            "red / amber": _ratings_text(rows),
            "savings a year": rows["annual_saving_gbp"].map(_money),
            "capital receipts": rows["capital_receipt_gbp"].map(_money),
            "clusters across the border": rows["cross_boundary_clusters"].map("{:,.0f}".format),
        }
    )
    if "role" in rows.columns and rows["role"].notna().any():
        out.insert(1, "role", rows["role"].fillna("").to_numpy())
    return out.reset_index(drop=True)


def area_figure(run_dir: str | Path) -> Figure | None:
    """Running cost a year per district (else ward), drawn as a choropleth; None without polygons."""
    from ..maps._areas import MEASURES, classes

    gpkg = Path(run_dir) / "estate.gpkg"
    if not gpkg.is_file() or "areas" not in pyogrio.list_layers(gpkg)[:, 0]:
        return None
    areas = pyogrio.read_dataframe(gpkg, layer="areas")
    areas = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    level = next((lv for lv in _LEVELS if (areas["level"] == lv).any()), None)
    if level is None:
        return None
    areas = gpd.GeoDataFrame(areas[areas["level"] == level]).reset_index(drop=True)
    _, label, _, column, colours = MEASURES[0]
    values = pd.to_numeric(areas[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).any():
        return None  # no area's running cost is known: nothing to draw
    limits, index = classes(values)
    fill = [colours[i] if i >= 0 else "#ffffff" for i in index]
    fig = Figure(figsize=(8.0, 6.0), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    areas.plot(ax=ax, color=fill, edgecolor="#56616b", linewidth=0.5)
    if level == "district":
        for name, point in zip(areas["name"], areas.geometry.representative_point(), strict=True):
            if isinstance(name, str):
                ax.annotate(name, (point.x, point.y), ha="center", fontsize=7, color="#1b1b1b")
    handles = [Patch(facecolor=colours[k], edgecolor="#56616b", label=f"{_money(lo)} to {_money(hi)}")
               for k, (lo, hi) in enumerate(limits)]  # fmt: skip
    blank = "no assets, or running cost not known"
    handles.append(Patch(facecolor="#ffffff", edgecolor="#56616b", label=blank))
    ax.legend(handles=handles, loc="lower left", fontsize=7, title=label, title_fontsize=8, frameon=True)
    ax.set_title(f"{label} by {level}", fontsize=11)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig if np.isfinite(areas.total_bounds).all() else None
