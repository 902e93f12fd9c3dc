"""Build the board map's page data (format: :mod:`assetmap.maps._payload`) in named steps.

1. split the estate into the assets shown and the sensitive sites (never shown);
2. place the shown assets on the document's integer grid;
3. encode the assets' columns (partner, use, rating, popup facts, reasons);
4. the plan's parts: opportunities that touch no sensitive site, cluster shapes and figures;
5. the areas' choropleth and the clusters across a boundary;
6. the summary panel and the fixed tables (kinds, ratings, uses...).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from .._known import known_money
from ..areas import AreaRun
from ..config import Config
from ..schema import BNG, WGS84
from ._areas import areas_payload, cross_border
from ._base import base_map
from ._escape import is_missing
from ._geometry import place_outline, shown_mask
from ._payload import (
    DECIMALS,
    POPUP_FIELDS,
    SCALE,
    Border,
    Clu,
    Col,
    Doc,
    Grid,
    Partner,
    delta_rings,
    encode_numbers,
    encode_phrases,
    encode_text,
)
from ._plan import ACTIONS, keys, positions
from ._plan import clusters as plan_clusters
from ._plan import opportunities as plan_opportunities
from ._style import (
    CLUSTER_CATEGORIES,
    KIND_COLOURS,
    KIND_LABELS,
    NOT_RATED,
    RATING_COLOURS,
    RATING_LABELS,
    RATINGS,
    USE_CATEGORIES,
    money,
    rating_index,
    use_category,
)

if TYPE_CHECKING:
    from ._early import EarlyMap


@dataclass
class Estate:
    """The estate split for the page: what is shown, what is not, and where."""

    #: Every asset (sensitive sites included), index reset.
    everything: gpd.GeoDataFrame
    #: The assets that may be shown: not sensitive, with a usable point.
    shown: gpd.GeoDataFrame
    #: The others (sensitive sites, assets with no point).
    hidden: gpd.GeoDataFrame
    #: Names of sensitive sites (three characters or more), replaced in other assets' text.
    hidden_names: list[str]
    #: WGS84 latitude and longitude of the shown assets.
    lat: np.ndarray
    lon: np.ndarray

    def reordered(self, order: np.ndarray) -> Estate:
        """The same estate with the shown assets in ``order`` (positions of the shown assets)."""
        shown = self.shown.iloc[order].reset_index(drop=True)
        return Estate(
            self.everything, shown, self.hidden, self.hidden_names, self.lat[order], self.lon[order]
        )


def prepared(assets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The estate layer in British National Grid when it says no CRS, numbered from 0."""
    if assets.crs is None:
        assets = assets.set_crs(BNG)
    return assets.reset_index(drop=True)


def split_estate(
    assets: gpd.GeoDataFrame,
    rows: np.ndarray | None = None,
    points: tuple[np.ndarray, np.ndarray] | None = None,
) -> Estate:
    """Step 1: the assets shown and the sensitive sites, and the names never to print.

    ``rows`` (of :func:`prepared` assets) are the assets shown in the page's order (a national
    page's chunks); by default, those :func:`shown_mask` keeps, in the estate's order.
    ``points``: their latitudes and longitudes when already worked out (else transformed here).
    """
    assets = prepared(assets)
    mask = shown_mask(assets)
    shown = assets.iloc[np.flatnonzero(mask) if rows is None else rows].reset_index(drop=True)
    hidden = assets.loc[~mask]
    names = hidden.get("name", pd.Series(dtype=object)).dropna().astype(str)
    hidden_names = sorted({v for v in names if len(v) >= 3}, key=len, reverse=True)
    lat, lon = wgs84_points(shown.geometry) if points is None else points
    return Estate(assets, shown, hidden, hidden_names, lat, lon)


def wgs84_points(points: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of points, transformed as arrays (no geometry made on the way)."""
    xy = shapely.get_coordinates(points.to_numpy())
    if len(xy) != len(points):
        pts = points.to_crs(WGS84)  # an empty or multi-part geometry: let geopandas sort it out
        return pts.y.to_numpy(), pts.x.to_numpy()
    lon, lat = _to_wgs84_transformer(points.crs.to_wkt()).transform(xy[:, 0], xy[:, 1])
    return np.asarray(lat), np.asarray(lon)


@functools.cache
def _to_wgs84_transformer(crs: str) -> Transformer:
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def _to_wgs84(geom: BaseGeometry | None) -> BaseGeometry | None:
    if geom is None:
        return None
    return gpd.GeoSeries([geom], crs=BNG).to_crs(WGS84).iloc[0]


def partner_table(shown: gpd.GeoDataFrame) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Each shown asset's partner index, and the partners (name, kind, count) in first-seen order."""
    partner = shown["partner"].astype(str) if "partner" in shown else pd.Series("Unknown", index=shown.index)
    codes, names = pd.factorize(partner)
    kinds = shown.get("partner_kind", pd.Series("other", index=shown.index)).astype(str).to_numpy()
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy() if len(codes) else []
    counts = np.bincount(codes, minlength=len(names)) if len(codes) else []
    partners = []
    for i, name in enumerate(names):
        kind = kinds[first[i]]
        partners.append(
            {
                Partner.NAME: name,
                Partner.KIND: kind if kind in KIND_COLOURS else "other",
                Partner.COUNT: int(counts[i]),
            }
        )
    return codes, partners


def rating_codes(shown: gpd.GeoDataFrame) -> np.ndarray:
    """Index into :data:`RATINGS` per shown asset: red, amber, green, or :data:`NOT_RATED`
    (``unrated``, or no plan), the same index as the clusters' counts by rating."""
    if "rating" not in shown:
        return np.full(len(shown), NOT_RATED, dtype=np.int64)
    return rating_index(shown["rating"]).astype(np.int64)


def popup_columns(
    shown: gpd.GeoDataFrame,
    hidden_names: list[str],
    leave: tuple[str, ...] = (),
    *,
    arrays: bool = False,
    texts: dict[str, Any] | None = None,
) -> tuple[list[list[str]], dict[str, Any]]:
    """The popup rows present in the register, and the encoded columns behind them (but not
    those in ``leave``, which a national page carries in its search index, as templates or
    as numbers of its own; ``arrays``: text codes as numpy arrays, see :func:`encode_text`;
    ``texts``: text columns already encoded, :meth:`~assetmap.maps._early.EarlyMap.texts`)."""
    texts = texts or {}
    fields: list[list[str]] = []
    cols: dict[str, Any] = {}
    for col, label, fmt in POPUP_FIELDS:
        if col in shown.columns:
            fields.append([col, label, fmt])
            if col in leave:
                continue
            cols[col] = (
                encode_numbers(shown[col], DECIMALS[col])
                if col in DECIMALS
                else texts[col]
                if col in texts
                else encode_text(shown[col], arrays=arrays)
            )
    for col in (Col.SCORE, Col.SOURCE_ROW, Col.PRECISION):
        if col in shown.columns and col not in leave:
            cols[col] = encode_numbers(shown[col], DECIMALS[col], delta=col == Col.SOURCE_ROW)
    for col in (Col.SOURCE_FILE, Col.METHOD):
        if col in shown.columns:
            cols[col] = texts[col] if col in texts else encode_text(shown[col], arrays=arrays)
    if Col.REASONS in shown.columns and Col.REASONS not in leave:
        cols[Col.REASONS] = encode_phrases(shown[Col.REASONS], hidden_names)
    return fields, cols


def asset_columns(
    estate: Estate,
    grid: Grid,
    partner_codes: np.ndarray,
    leave: tuple[str, ...] = (),
    *,
    arrays: bool = False,
    texts: dict[str, Any] | None = None,
) -> tuple[list[list[str]], dict[str, Any]]:
    """Step 3: position, partner, use, rating and name of each shown asset, and its popup facts
    (text columns in ``leave`` are left out: a national page's search index holds them).

    ``arrays``: integers as numpy arrays rather than lists (a national page stores them in
    binary: no Python number is made for each asset); ``texts``: text columns already encoded.
    """
    texts = texts or {}
    shown = estate.shown
    ilat, ilon = grid.integers(estate.lat, estate.lon) if arrays else grid.points(estate.lat, estate.lon)
    listed = (lambda a: a) if arrays else (lambda a: a.tolist())
    cols: dict[str, Any] = {
        Col.LAT: ilat,
        Col.LON: ilon,
        Col.PARTNER: listed(partner_codes),
        Col.USE: listed(use_category(shown.get("use", pd.Series(None, index=shown.index, dtype=object)))),
        Col.RATING: listed(rating_codes(shown)),
    }
    if Col.NAME in texts and Col.NAME not in leave:
        cols[Col.NAME] = texts[Col.NAME]
    elif Col.NAME not in leave:
        cols[Col.NAME] = encode_text(shown.get("name", pd.Series(None, index=shown.index, dtype=object)))
    fields, popup = popup_columns(shown, estate.hidden_names, leave, arrays=arrays, texts=texts)
    cols.update(popup)
    return fields, cols


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
    crossing = sum(border[Border.CROSS]) if border else 0
    if crossing:
        rows.append(["Clusters across a boundary", f"{crossing:,}"])
    return rows


def fixed_tables() -> dict[str, Any]:
    """Step 6: the tables that do not depend on the estate (colours, labels, glyphs)."""
    return {
        Doc.KINDS: [[k, KIND_LABELS[k], KIND_COLOURS[k]] for k in KIND_COLOURS],
        Doc.RATINGS: [[r, RATING_LABELS[r], RATING_COLOURS[r]] for r in RATINGS],
        Doc.USES: [[label, glyph] for _, label, glyph, _ in USE_CATEGORIES],
        Doc.CLUSTER_CATEGORIES: [[label, colour] for _, label, colour in CLUSTER_CATEGORIES],
        Doc.ACTIONS: list(ACTIONS),
    }


@dataclass
class Parts:
    """The page's parts for an estate, before they are put into a document."""

    estate: Estate
    grid: Grid
    outline: BaseGeometry | None
    partners: list[dict[str, Any]]
    fields: list[list[str]]
    columns: dict[str, Any]
    #: The opportunities kept (with ``_donor`` and ``_into`` positions) and their columns.
    opportunities: pd.DataFrame
    opportunity_columns: dict[str, Any]
    clusters: dict[str, Any]
    areas: dict[str, Any] | None
    summary: list[list[str]]


def page_parts(
    estate: Estate,
    *,
    clusters: gpd.GeoDataFrame | None,
    opportunities: pd.DataFrame | None,
    summary: dict[str, Any] | None,
    config: Config,
    areas: AreaRun | None,
    planned: tuple[pd.DataFrame, dict[str, Any]] | None = None,
    shapes: bool = True,
    leave: tuple[str, ...] = (),
    outline: bool = True,
    arrays: bool = False,
    early: EarlyMap | None = None,
    order: np.ndarray | None = None,
) -> Parts:
    """Steps 2 to 5 for an estate already split (and, for a national page, put in its order).

    ``planned``: the opportunities kept and their columns, when already worked out for this
    order of the shown assets; ``shapes=False``: no cluster shapes, and ``leave``: text columns
    not encoded, and ``outline=False``: no outline unless ``map.outline`` gives one (a national
    page, whose offline base map has the coast); ``arrays``: the assets' integers as numpy
    arrays (:func:`asset_columns`); ``early``: parts worked out before the plan, fitting the
    estate (:mod:`~assetmap.maps._early`), whose shown assets are here in ``order`` (positions
    among them; None: as they are).
    """
    shown = estate.shown
    if not (outline or config.map.outline):
        outline = None
    elif early is not None and early.outlined:
        outline = early.outline
    else:
        outline = _to_wgs84(place_outline(shown, config))
    grid = Grid.around(estate.lat, estate.lon, outline)
    partner_codes, partners = partner_table(shown)
    texts = early.texts(order, arrays=arrays) if early is not None else None
    fields, cols = asset_columns(estate, grid, partner_codes, leave, arrays=arrays, texts=texts)
    del texts
    if planned is None:
        index = positions(keys(shown, "partner", "asset_id"))
        planned = plan_opportunities(opportunities, index, keys(estate.hidden, "partner", "asset_id"))
    opps, opp_cols = planned
    cluster_cols = (
        plan_clusters(clusters, shown, estate.everything, opps, config, grid, shapes=shapes)
        if "cluster_id" in shown
        else {Clu.ID: []}
    )
    border = cross_border(areas, shown, cluster_cols[Clu.ID])
    if border is not None:
        cluster_cols[Clu.BORDER] = border
    summary_rows = _summary(summary, estate.everything, len(shown), config.map.sensitive)
    summary_rows += _area_rows(summary, border)
    area_cols = areas_payload(
        areas, vis=shown, all_assets=estate.everything, opportunities=opps, sensitive=config.map.sensitive,
        grid=grid,
    )  # fmt: skip
    return Parts(
        estate, grid, outline, partners, fields, cols, opps, opp_cols, cluster_cols, area_cols, summary_rows
    )


def _bounds(lat: Any, lon: Any) -> list[list[int]]:
    """``[[south, west], [north, east]]`` on the grid (positions as lists or arrays)."""
    return [[int(np.min(lat)), int(np.min(lon))], [int(np.max(lat)), int(np.max(lon))]]


def document(parts: Parts, config: Config) -> dict[str, Any]:
    """Step 6: the document's keys (a county page: every asset's columns in it)."""
    lat, lon = parts.columns[Col.LAT], parts.columns[Col.LON]
    n = len(parts.estate.shown)
    return {
        Doc.TITLE: config.title,
        Doc.OFFLINE: bool(config.map.offline),
        Doc.ORIGIN: [parts.grid.lat0, parts.grid.lon0],
        Doc.SCALE: SCALE,
        Doc.BOUNDS: _bounds(lat, lon) if n else None,
        Doc.COUNT: n,
        Doc.PARTNERS: parts.partners,
        **fixed_tables(),
        Doc.FIELDS: parts.fields,
        Doc.COLUMNS: parts.columns,
        Doc.OPPORTUNITIES: parts.opportunity_columns,
        Doc.CLUSTERS: parts.clusters,
        Doc.AREAS: parts.areas,
        Doc.OUTLINE: [delta_rings(poly) for poly in parts.grid.rings(parts.outline)],
        Doc.SUMMARY: parts.summary,
        Doc.SENSITIVE: config.map.sensitive,
        Doc.BASE: base_map(),
    }


def build_payload(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None,
    opportunities: pd.DataFrame | None,
    summary: dict[str, Any] | None,
    config: Config,
    areas: AreaRun | None = None,
    early: EarlyMap | None = None,
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
    early : EarlyMap, optional
        Parts worked out before the plan (:mod:`~assetmap.maps._early`): used where they fit.

    Returns
    -------
    dict
        The document described in :mod:`assetmap.maps._payload`.
    """
    if early is not None:
        drawn = prepared(assets)
        if not early.fits(drawn, shown_mask(drawn)):
            early = None
    points = None if early is None else (early.lat, early.lon)
    parts = page_parts(
        split_estate(assets, points=points), clusters=clusters, opportunities=opportunities, summary=summary,
        config=config, areas=areas, early=early,
    )  # fmt: skip
    return document(parts, config)
