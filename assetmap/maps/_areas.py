"""The board map's areas: a choropleth per area level and the clusters that cross a border.

Each level with polygons (a boundary file under ``areas:``) goes to the page with its
areas' figures and, for each measure (running cost, cost per m², utilisation, savings, and
cost per head where the level has a population column), up to five classes by quantile with
their colours. The figures are those of the assets the map shows: with ``map.sensitive:
omit`` a sensitive site counts nowhere, so no area's figures reveal one.
"""

from __future__ import annotations

import itertools
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..areas import OUTSIDE, AreaRun, summarise_areas
from ..areas._border import area_keys, area_labels
from ..schema import BNG, WGS84
from ._payload import Area, Border, Enc, Grid

#: Measures: key, label, number format (as the page's ``fmt``), column, five colours (light to dark).
MEASURES: Final[tuple[tuple[str, str, str, str, tuple[str, ...]], ...]] = (
    ("cost", "Running cost a year", "gbp", "running_cost_gbp",
     ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")),
    ("cost_m2", "Running cost per m²", "gbp", "cost_per_m2_gbp",
     ("#feedde", "#fdbe85", "#fd8d3c", "#e6550d", "#a63603")),
    ("util", "Utilisation (occupancy / capacity)", "pct", "utilisation",
     ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")),
    ("saving", "Savings a year (plan)", "gbp", "annual_saving_gbp",
     ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")),
    ("per_head", "Running cost per head", "gbp", "running_cost_per_head_gbp",
     ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")),
)  # fmt: skip
LEVEL_LABELS: Final = {"district": "Districts", "ward": "Wards"}
#: Figures in an area's popup: column, label, format.
AREA_FIGURES: Final[tuple[tuple[str, str, str], ...]] = (
    ("assets", "Assets", "int"),
    ("partners", "Partners", "int"),
    ("running_cost_gbp", "Running cost a year", "gbp"),
    ("gia_m2", "Floor area", "m2"),
    ("cost_per_m2_gbp", "Running cost per m²", "gbp"),
    ("utilisation", "Utilisation", "pct"),
    ("spare_places", "Spare places", "num"),
    ("red", "Rated red", "int"),
    ("amber", "Rated amber", "int"),
    ("opportunities", "Opportunities", "int"),
    ("annual_saving_gbp", "Savings a year (plan)", "gbp"),
    ("capital_receipt_gbp", "Capital receipts", "gbp"),
    ("cross_boundary_clusters", "Clusters across the border", "int"),
    ("population", "Population", "int"),
    ("running_cost_per_head_gbp", "Running cost per head", "gbp"),
)
_SIMPLIFY_M: Final = 15.0
_CLASSES: Final = 5


def classes(values: np.ndarray, k: int = _CLASSES) -> tuple[list[list[float]], list[int]]:
    """Up to ``k`` classes by quantile, and each value's class (-1 when unknown).

    Areas at exactly 0 while others are above (no savings planned there) get a class of
    their own, and the rest are split into the remaining classes.

    Parameters
    ----------
    values : numpy.ndarray
        The measure per area; NaN for areas with no value (no assets).
    k : int
        Most classes.

    Returns
    -------
    limits : list of [low, high]
        Each class's lowest and highest value, ascending.
    index : list of int
        Class of each value.
    """
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return [], [-1] * len(v)
    zero = finite & (v == 0)
    if zero.any() and (v[finite] > 0).any() and k > 1:
        limits, idx = classes(np.where(v > 0, v, np.nan), k - 1)
        index = np.where(zero, 0, np.asarray(idx) + 1)
        return [[0.0, 0.0], *limits], np.where(finite, index, -1).astype(int).tolist()
    breaks = np.unique(np.quantile(v[finite], np.linspace(0, 1, k + 1)))
    if len(breaks) == 1:
        breaks = np.array([breaks[0], breaks[0]])
    idx = np.searchsorted(breaks[1:-1], v, side="right")
    limits = [[float(lo), float(hi)] for lo, hi in itertools.pairwise(breaks)]
    return limits, np.where(finite, idx, -1).astype(int).tolist()


def _nums(values: pd.Series) -> list[float | None]:
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    return [None if not np.isfinite(x) else round(float(x), 4) for x in arr]


def _level(table: pd.DataFrame, areas: gpd.GeoDataFrame, level: str, grid: Grid) -> dict[str, Any]:
    rows = table[(table["level"] == level) & (table["code"] != OUTSIDE)].reset_index(drop=True)
    shapes = dict(zip(areas["code"].astype(str), areas.geometry, strict=True))
    geoms = gpd.GeoSeries([shapes[c] for c in rows["code"]], crs=BNG)
    geoms = geoms.simplify(_SIMPLIFY_M, preserve_topology=True).to_crs(WGS84)
    has_pop = rows["population"].notna().any()
    cls = {}
    for key, _, _, col, _ in MEASURES:
        if key == "per_head" and not has_pop:
            continue
        limits, index = classes(rows[col].to_numpy(dtype=float))
        cls[key] = {Area.LIMITS: limits, Enc.CODES: index}
    return {
        Area.KEY: level,
        Area.LABEL: LEVEL_LABELS.get(level, level),
        Area.CODE: rows["code"].astype(str).tolist(),
        Area.NAME: [None if pd.isna(n) else str(n) for n in rows["name"]],
        Area.RINGS: grid.polygons(geoms.to_numpy()),
        Area.FIG: {col: _nums(rows[col]) for col, _, _ in AREA_FIGURES if col != "population" or has_pop},
        Area.CLASSES: cls,
    }


def areas_payload(
    run: AreaRun | None,
    *,
    vis: gpd.GeoDataFrame,
    all_assets: gpd.GeoDataFrame,
    opportunities: pd.DataFrame,
    sensitive: str,
    grid: Grid,
) -> dict[str, Any] | None:
    """The choropleth's data: levels with polygons, their areas' figures and classes.

    Parameters
    ----------
    run : AreaRun or None
        The run's areas; None (or no level with polygons) gives None.
    vis, all_assets : GeoDataFrame
        The assets shown, and all of them (``cluster_only`` counts sensitive sites too).
    opportunities : DataFrame
        The opportunities the map shows (none touches a sensitive site).
    sensitive : str
        ``map.sensitive``.
    grid : Grid
        The page's grid (polygons are encoded on it).
    """
    if run is None or not any(lv.has_polygons for lv in run.levels.values()):
        return None
    counted = vis if sensitive == "omit" else all_assets
    levels = {k: lv for k, lv in run.levels.items() if lv.has_polygons}
    table = summarise_areas(counted, opportunities, levels)
    return {
        Area.LEVELS: [_level(table, lv.areas, key, grid) for key, lv in levels.items()],
        Area.MEASURES: [[key, label, fmt, list(colours)] for key, label, fmt, _, colours in MEASURES],
        Area.FIGURES: [list(f) for f in AREA_FIGURES],
    }


def cross_border(run: AreaRun | None, vis: gpd.GeoDataFrame, ids: list[str]) -> dict[str, list[Any]] | None:
    """Which of the map's clusters cross a border, and the areas they span (shown assets only)."""
    if run is None or not ids or "cluster_id" not in vis.columns:
        return None
    cross, areas = cluster_area_names(vis, run.border_level, ids)
    return {Border.CROSS: cross.tolist(), Border.AREAS: areas}


def cluster_area_names(vis: pd.DataFrame, level: str, ids: list[str]) -> tuple[np.ndarray, list[str | None]]:
    """Per cluster of ``ids``: whether its members in ``vis`` lie in two or more areas of
    ``level``, and those areas' names sorted and joined with ``"; "`` (None: no member).

    The same as :func:`assetmap.areas.cluster_areas` of ``vis`` put in the order of ``ids``,
    with the areas counted by numpy and joined by Arrow instead of a Python join per cluster
    (each distinct cluster and area is labelled once).
    """
    vis = pd.DataFrame(vis[[c for c in ("cluster_id", f"{level}_code", f"{level}_name") if c in vis]])
    member = np.flatnonzero(vis["cluster_id"].notna().to_numpy())
    which = pd.Index(ids).get_indexer(vis["cluster_id"].iloc[member].astype(str).to_numpy(dtype=object))
    rows, which = member[which >= 0], which[which >= 0]
    key, _ = pd.factorize(area_keys(vis.iloc[rows], level))
    _, first = np.unique(which * np.int64(max(int(key.max(initial=0)) + 1, 1)) + key, return_index=True)
    cluster = which[first]  # one row per cluster and area, the first asset of each
    labels = area_labels(vis.iloc[rows[first]], level)
    rank, _ = pd.factorize(labels, sort=True)
    order = np.lexsort((rank, cluster))
    count = np.bincount(cluster, minlength=len(ids))
    offsets = pa.array(np.concatenate([[0], np.cumsum(count)]), type=pa.int64())
    lists = pa.LargeListArray.from_arrays(offsets, pa.array(labels[order].tolist(), type=pa.large_string()))
    joined = pc.binary_join(lists, pa.scalar("; ", pa.large_string())).to_pylist()
    areas = [text if n else None for text, n in zip(joined, count.tolist(), strict=True)]
    return count > 1, areas
