"""Local authority district of every asset, from the ONS Postcode Directory (no config needed).

The directory gives each postcode its district (``laua``: ``E07000110``). An asset placed by
its postcode takes that postcode's district; an asset placed by coordinates or UPRN takes
the district of the nearest postcode point (a :class:`scipy.spatial.cKDTree` over the
postcodes inside the assets' bounding box, so a million assets is one vectorised query).

The postcode tables are the lookup's own (decoded once per run and cached as Parquet).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..geocode._postcodes import _LETTERS, PostcodeLookup
from ..schema import BNG
from ._names import names_for

#: Postcodes this far beyond the assets' bounding box are considered for the nearest one (m).
_MARGIN_M: Final = 5_000.0
_points: dict[Path, pd.DataFrame] = {}


def district_table(lookup: PostcodeLookup, letter: str) -> pd.DataFrame:
    """Postcodes of one area letter with their grid reference and district.

    Parameters
    ----------
    lookup : PostcodeLookup
        The run's postcode directory (packaged or a configured ONSPD file).
    letter : str
        First letter of the postcodes (``"M"``).

    Returns
    -------
    DataFrame
        ``key`` (postcode without spaces), ``easting``, ``northing``, ``district_code``.
    """
    return lookup.table(letter)


def _all_points(lookup: PostcodeLookup) -> pd.DataFrame:
    """Every postcode point with a district, kept in memory per postcode directory (about 50 MB).

    In the order of the directory's tables, letter by letter (:meth:`PostcodeLookup.district_points`).
    """
    where = lookup._cache_file("districts-points").parent
    if where not in _points:
        table = lookup.district_points()
        _points.clear()  # one directory at a time
        _points[where] = table
    return _points[where]


def postcode_points(lookup: PostcodeLookup, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    """Every postcode with a grid reference and a district inside ``bounds`` (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bounds
    t = _all_points(lookup)
    inside = t["easting"].between(minx, maxx) & t["northing"].between(miny, maxy)
    if inside.all():  # a national estate's box holds every postcode: no copy to make
        return t
    return t.loc[inside].reset_index(drop=True)


def _xy(assets: gpd.GeoDataFrame) -> np.ndarray:
    geom = assets.geometry
    if assets.crs is not None and not assets.crs.equals(BNG):
        geom = geom.to_crs(BNG)
    ok = geom.notna().to_numpy() & ~geom.is_empty.to_numpy()
    xy = np.full((len(assets), 2), np.nan)
    if ok.any():
        points = geom.array[ok]
        xy[ok, 0] = shapely.get_x(points)
        xy[ok, 1] = shapely.get_y(points)
    return xy


def _by_postcode(lookup: PostcodeLookup, keys: pd.Series, use: np.ndarray) -> np.ndarray:
    codes = np.full(len(keys), None, dtype=object)
    if not use.any():
        return codes
    letters = sorted({k[0] for k in keys[use] if k and k[0] in _LETTERS})
    table = pd.concat([district_table(lookup, ltr)[["key", "district_code"]] for ltr in letters])
    left = pd.DataFrame({"key": keys[use].to_numpy()})
    merged = left.merge(table, on="key", how="left", sort=False)
    found = merged["district_code"].astype(object).where(merged["district_code"].notna(), None)
    codes[use] = found.to_numpy()
    return codes


def _by_nearest(lookup: PostcodeLookup, xy: np.ndarray, use: np.ndarray) -> np.ndarray:
    codes = np.full(len(xy), None, dtype=object)
    if not use.any():
        return codes
    pts = xy[use]
    lo, hi = pts.min(axis=0) - _MARGIN_M, pts.max(axis=0) + _MARGIN_M
    table = postcode_points(lookup, (lo[0], lo[1], hi[0], hi[1]))
    if table.empty:
        return codes
    # An unbalanced, non-compact tree builds twice as fast and queries as fast on postcode points.
    tree = cKDTree(table[["easting", "northing"]].to_numpy(), balanced_tree=False, compact_nodes=False)
    _, nearest = tree.query(pts, k=1, workers=-1)
    district = table["district_code"].array  # categorical: each point's code into its categories
    codes[use] = np.asarray(district.categories, dtype=object)[district.codes[nearest]]
    return codes


def _given(assets: gpd.GeoDataFrame, by_postcode: np.ndarray) -> np.ndarray | None:
    """The postcode districts the geocoder found (:func:`assetmap.estate.place_partner`), where used.

    None when the estate has no ``district_code`` column (its postcodes are then looked up).
    """
    if "district_code" not in assets.columns:
        return None
    given = assets["district_code"].astype("string").to_numpy(dtype=object, na_value=None)
    return np.where(by_postcode, given, None).astype(object)


def assign_districts(assets: gpd.GeoDataFrame, lookup: PostcodeLookup) -> gpd.GeoDataFrame:
    """Give every placed asset its local authority district from the ONS Postcode Directory.

    Parameters
    ----------
    assets : GeoDataFrame
        The estate layer (points; any CRS, EPSG:27700 expected) with ``postcode`` and
        ``geocode_method`` where known.
    lookup : PostcodeLookup
        The run's postcode directory.

    Returns
    -------
    GeoDataFrame
        A copy with ``district_code`` (``E07000110``; None where no postcode could tell:
        an asset placed by postcode keeps the district the geocoder gave it in
        ``district_code``, others take the nearest postcode's),
        ``district_name`` (from the shipped ONS list; None for a code not in it) and
        ``district_source``: ``postcode`` (the asset's own postcode, when it was placed by
        it), ``nearest postcode`` (placed by coordinates or UPRN, or its own postcode has
        no district) or ``unknown``.
    """
    n = len(assets)
    postcode = (
        assets["postcode"].astype("string").reset_index(drop=True)
        if "postcode" in assets.columns
        else pd.Series([pd.NA] * n, dtype="string")
    )
    method = (
        assets["geocode_method"].astype("string").fillna("").to_numpy()
        if "geocode_method" in assets.columns
        else np.full(n, "", dtype=object)
    )
    # a postcode is there when something but spaces is written (its key, without spaces, is not empty)
    written = (postcode.str.strip(" ").fillna("") != "").to_numpy()
    by_postcode = (method == "postcode") & written
    codes = _given(assets, by_postcode)
    if codes is None:  # an estate the geocoder did not make: look its postcodes up
        # The estate's postcodes are cleaned (``ME14 1AA``): a literal replace makes the key.
        keys = postcode.str.upper().str.replace(" ", "", regex=False).fillna("").astype(str)
        codes = _by_postcode(lookup, keys, by_postcode)
    source = np.where(pd.notna(codes), "postcode", "unknown").astype(object)
    xy = _xy(assets)
    rest = pd.isna(codes) & np.isfinite(xy).all(axis=1)
    near = _by_nearest(lookup, xy, rest)
    found = rest & pd.notna(near)
    codes[found] = near[found]
    source[found] = "nearest postcode"
    out = assets.copy(deep=False)  # the new columns are the copy's own (copy on write)
    out["district_code"] = pd.array(codes, dtype="string")
    out["district_name"] = pd.array(names_for(codes), dtype="string")
    out["district_source"] = pd.array(source, dtype="string")
    return out
