"""The data the page draws: one compact, column-wise JSON document.

Positions are integers in units of 1e-5 degree (about a metre) counted from an origin, so
the file holds no coordinate as a decimal literal; text columns that repeat are stored
once with integer codes; reasons are split into phrases stored once. Sensitive sites are
left out before anything is encoded, and so are moves and opportunities that touch them.
"""

from __future__ import annotations

import math
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from .._known import known_money
from ..areas import AreaRun
from ..config import Config
from ..schema import BNG, WGS84
from ._areas import areas_payload, cross_border
from ._escape import is_missing
from ._geometry import place_outline, shown_mask
from ._plan import ACTIONS, _delta, keys
from ._plan import clusters as plan_clusters
from ._plan import opportunities as plan_opportunities
from ._style import (
    CLUSTER_CATEGORIES,
    KIND_COLOURS,
    KIND_LABELS,
    RATING_COLOURS,
    RATING_LABELS,
    RATINGS,
    USE_CATEGORIES,
    money,
    use_category,
)

SCALE: Final = 100_000
SENSITIVE_TEXT: Final = "a sensitive site"

#: Popup rows: column, label, format (text, int, gbp, pct, m2, num, date).
POPUP_FIELDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("address", "Address", "text"),
    ("postcode", "Postcode", "text"),
    ("asset_id", "Asset id", "text"),
    ("uprn", "UPRN", "text"),
    ("use", "Use", "text"),
    ("tenure", "Tenure", "text"),
    ("condition", "Condition", "text"),
    ("gia_m2", "Floor area", "m2"),
    ("running_cost_gbp", "Running cost a year", "gbp"),
    ("utilisation", "Utilisation", "pct"),
    ("occupancy", "Occupancy (people)", "num"),
    ("capacity", "Capacity (people)", "num"),
    ("book_value_gbp", "Book value", "gbp"),
    ("lease_expiry", "Lease expiry", "date"),
    ("cluster_id", "Cluster", "text"),
    ("action", "Action", "text"),
)
_DECIMALS: Final = {
    "gia_m2": 0, "running_cost_gbp": 0, "utilisation": 2, "occupancy": 0, "capacity": 0,
    "book_value_gbp": 0, "score": 0, "geocode_precision_m": 0, "source_row": 0,
}  # fmt: skip


def _num(values: pd.Series, decimals: int, delta: bool = False) -> Any:
    """Numbers rounded; ``{"d", "i"}`` when few distinct values, ``{"delta"}`` for runs of rows."""
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float).round(decimals)
    finite = ~np.isnan(arr)
    if delta and finite.all() and len(arr):
        ints = arr.astype(np.int64)
        return {"delta": np.diff(ints, prepend=0).tolist()}
    uniq = np.unique(arr[finite])
    if len(arr) >= 16 and len(uniq) <= 64:
        codes = np.where(
            finite, np.searchsorted(uniq, np.where(finite, arr, uniq[0] if len(uniq) else 0)), -1
        )
        d = [int(v) for v in uniq] if decimals == 0 else uniq.tolist()
        return {"d": d, "i": codes.astype(int).tolist()}
    if decimals == 0:
        return [None if v != v else int(v) for v in arr.tolist()]
    return [None if v != v else v for v in arr.tolist()]


def _text(values: pd.Series) -> list[str | None] | dict[str, list[Any]]:
    """Text column: a plain list, or ``{"d": distinct values, "i": codes}`` when values repeat."""
    if pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime("%Y-%m-%d")
    s = values.astype("string").str.strip()
    s = s.where(s != "")
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) <= max(1, len(s) // 2):
        return {"d": [str(v) for v in uniques], "i": codes.tolist()}
    return s.astype(object).where(s.notna(), None).tolist()


def _phrases(values: pd.Series, scrub: list[str]) -> dict[str, list[Any]]:
    """Reasons (``"; "``-joined phrases): distinct phrases once, a list of codes per asset."""
    table: dict[str, int] = {}
    rows: list[list[int]] = []
    for text in values.tolist():
        codes: list[int] = []
        if not is_missing(text):
            for phrase in _scrub(str(text), scrub).split("; "):
                if phrase.strip():
                    codes.append(table.setdefault(phrase.strip(), len(table)))
        rows.append(codes)
    return {"d": list(table), "i": rows}


def _scrub(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, SENSITIVE_TEXT)
    return text


class _Grid:
    """WGS84 <-> integer grid from an origin."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0

    def points(self, lat: np.ndarray, lon: np.ndarray) -> tuple[list[int], list[int]]:
        return (
            np.rint((lat - self.lat0) * SCALE).astype(np.int64).tolist(),
            np.rint((lon - self.lon0) * SCALE).astype(np.int64).tolist(),
        )

    def rings(self, geom: BaseGeometry | None) -> list[list[list[int]]]:
        """Polygons (EPSG:4326) as lists of rings, each a flat ``[lat, lon, lat, lon, ...]``."""
        if geom is None or geom.is_empty:
            return []
        out: list[list[list[int]]] = []
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon":
                continue
            rings = []
            for ring in (poly.exterior, *poly.interiors):
                xy = np.asarray(ring.coords)
                lat, lon = self.points(xy[:, 1], xy[:, 0])
                rings.append([v for pair in zip(lat, lon, strict=True) for v in pair])
            out.append(rings)
        return out


def _to_wgs84(geom: BaseGeometry | None) -> BaseGeometry | None:
    if geom is None:
        return None
    return gpd.GeoSeries([geom], crs=BNG).to_crs(WGS84).iloc[0]


def _summary(
    summary: dict[str, Any] | None, assets: gpd.GeoDataFrame, shown: int, mode: str
) -> list[list[str]]:
    s = dict(summary or {})
    costs = pd.to_numeric(assets.get("running_cost_gbp", pd.Series(dtype=float)), errors="coerce")
    n_assets = int(s.get("assets", len(assets)))
    cost = s.get("running_cost_gbp", s.get("estate_running_cost_gbp"))
    known = s.get("assets_with_running_cost")
    if "estate_running_cost_gbp" not in s and "running_cost_gbp" not in s:
        cost = float(costs.sum()) if costs.notna().any() else None
        known = int(costs.notna().sum())
    partners = int(s.get("partners", assets["partner"].nunique() if "partner" in assets.columns else 0))
    rows = [["Assets", f"{n_assets:,}"], ["Partners", f"{partners:,}"]]
    # Not known reads "not known", never £0; a sum over some assets says how many.
    rows.append(["Running cost a year", known_money(cost, known, n_assets)])
    released = s.get("released_running_cost_gbp")
    if "released_running_cost_gbp" in s:
        rows.append(["Running cost released a year", known_money(released, known, n_assets)])
    receipts = s.get("capital_receipts_gbp")
    if receipts is not None and not is_missing(receipts):
        rows.append(["Capital receipts", money(float(receipts))])
    share = s.get("share_of_running_cost")
    if share is not None and not is_missing(share) and math.isfinite(float(share)):
        rows.append(["Share of running cost", f"{float(share):.1%}"])
    hidden = n_assets - shown
    if hidden > 0:
        where = "left off the map" if mode == "omit" else "counted in cluster figures only"
        rows.append(["Not shown", f"{hidden:,} ({where})"])
    return rows


def _area_rows(summary: dict[str, Any] | None, border: dict[str, list[Any]] | None) -> list[list[str]]:
    """Summary rows for the areas: the focus area and the clusters across a boundary (shown ones)."""
    s, rows = summary or {}, []
    if s.get("focus_area"):
        rows.append(["Focus area", str(s["focus_area"])])
        rows.append(["Assets across its border", f"{int(s.get('across_border_assets') or 0):,}"])
    crossing = sum(border["cross"]) if border else 0
    if crossing:
        rows.append(["Clusters across a boundary", f"{crossing:,}"])
    return rows


def build_payload(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None,
    opportunities: pd.DataFrame | None,
    summary: dict[str, Any] | None,
    config: Config,
    areas: AreaRun | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (no sensitive site in it).

    Parameters
    ----------
    assets : GeoDataFrame
        The estate layer, optionally with the plan's columns.
    clusters, opportunities, summary
        The plan's outputs, each optional.
    config : Config
        ``title``, ``map`` and ``clustering.hull_buffer_m``.
    areas : AreaRun, optional
        The run's areas (:func:`assetmap.areas.prepare_areas`): the choropleth and the
        clusters across a border.

    Returns
    -------
    dict
    """
    if assets.crs is None:
        assets = assets.set_crs(BNG)
    assets = assets.reset_index(drop=True)
    mask = shown_mask(assets)
    vis = assets.loc[mask].reset_index(drop=True)
    hidden_rows = assets.loc[~mask]
    scrub = sorted(
        {str(v) for v in hidden_rows.get("name", pd.Series(dtype=object)).dropna() if len(str(v)) >= 3},
        key=len,
        reverse=True,
    )
    pts = vis.geometry.to_crs(WGS84)
    lat, lon = pts.y.to_numpy(), pts.x.to_numpy()
    outline = _to_wgs84(place_outline(vis, config))
    if len(vis):
        lat0, lon0 = math.floor(lat.min() * 10) / 10, math.floor(lon.min() * 10) / 10
    elif outline is not None:
        lon0, lat0 = (math.floor(v * 10) / 10 for v in outline.bounds[:2])
    else:
        lat0, lon0 = 52.0, -2.0
    grid = _Grid(lat0, lon0)
    ilat, ilon = grid.points(lat, lon)

    partner = vis["partner"].astype(str) if "partner" in vis else pd.Series("Unknown", index=vis.index)
    p_codes, p_names = pd.factorize(partner)
    kinds = vis.get("partner_kind", pd.Series("other", index=vis.index)).astype(str)
    partners = [
        {"name": name, "kind": kinds[p_codes == i].iloc[0], "count": int((p_codes == i).sum())}
        for i, name in enumerate(p_names)
    ]
    for p in partners:
        p["kind"] = p["kind"] if p["kind"] in KIND_COLOURS else "other"
    rating = vis["rating"].astype(str).str.lower() if "rating" in vis else pd.Series("", index=vis.index)
    r_codes = rating.map({r: i for i, r in enumerate(RATINGS)}).fillna(-1).astype(int)

    index = dict(zip(keys(vis, "partner", "asset_id"), range(len(vis)), strict=True)) if len(vis) else {}
    hidden_keys = set(keys(hidden_rows, "partner", "asset_id")) if len(hidden_rows) else set()
    opps, opp_cols = plan_opportunities(opportunities, index, hidden_keys)

    cols: dict[str, Any] = {
        "lat": ilat,
        "lon": ilon,
        "p": p_codes.tolist(),
        "u": use_category(vis.get("use", pd.Series(None, index=vis.index, dtype=object))).tolist(),
        "r": r_codes.tolist(),
        "name": _text(vis.get("name", pd.Series(None, index=vis.index, dtype=object))),
    }
    fields = []
    for col, label, fmt in POPUP_FIELDS:
        if col in vis.columns:
            fields.append([col, label, fmt])
            cols[col] = _num(vis[col], _DECIMALS[col]) if col in _DECIMALS else _text(vis[col])
    for col in ("score", "source_row", "geocode_precision_m"):
        if col in vis.columns:
            cols[col] = _num(vis[col], _DECIMALS[col], delta=col == "source_row")
    for col in ("source_file", "geocode_method"):
        if col in vis.columns:
            cols[col] = _text(vis[col])
    if "reasons" in vis.columns:
        cols["reasons"] = _phrases(vis["reasons"], scrub)

    bounds = [[min(ilat), min(ilon)], [max(ilat), max(ilon)]] if len(vis) else None
    cluster_cols = (
        plan_clusters(clusters, vis, assets, opps, config, grid.rings) if "cluster_id" in vis else {"id": []}
    )
    border = cross_border(areas, vis, cluster_cols["id"])
    if border is not None:
        cluster_cols["border"] = border
    summary_rows = _summary(summary, assets, len(vis), config.map.sensitive)
    summary_rows += _area_rows(summary, border)
    area_cols = areas_payload(
        areas, vis=vis, all_assets=assets, opportunities=opps, sensitive=config.map.sensitive,
        rings=grid.rings, delta=_delta,
    )  # fmt: skip
    return {
        "title": config.title,
        "offline": bool(config.map.offline),
        "origin": [lat0, lon0],
        "scale": SCALE,
        "bounds": bounds,
        "n": len(vis),
        "partners": partners,
        "kinds": [[k, KIND_LABELS[k], KIND_COLOURS[k]] for k in KIND_COLOURS],
        "ratings": [[r, RATING_LABELS[r], RATING_COLOURS[r]] for r in RATINGS],
        "uses": [[label, glyph] for _, label, glyph, _ in USE_CATEGORIES],
        "clusterCats": [[label, colour] for _, label, colour in CLUSTER_CATEGORIES],
        "actions": list(ACTIONS),
        "fields": fields,
        "cols": cols,
        "opps": opp_cols,
        "clusters": cluster_cols,
        "areas": area_cols,
        "outline": [[_delta([ring])[0] for ring in poly] for poly in grid.rings(outline)],
        "summary": summary_rows,
        "sensitive": config.map.sensitive,
    }
