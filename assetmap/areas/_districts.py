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
import pyarrow as pa
import pyarrow.compute as pc
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
    # The postcodes inside that box (as :func:`postcode_points` gives them), as bare arrays: the
    # tree needs their coordinates side by side, and nothing else of them is copied.
    table = _all_points(lookup)
    east, north = table["easting"].to_numpy(), table["northing"].to_numpy()
    inside = (east >= lo[0]) & (east <= hi[0]) & (north >= lo[1]) & (north <= hi[1])
    if not inside.any():
        return codes
    coords = np.column_stack((east[inside], north[inside]))
    # An unbalanced, non-compact tree builds twice as fast and queries as fast on postcode points.
    tree = cKDTree(coords, balanced_tree=False, compact_nodes=False)
    nearest = nearest_points(tree, pts)
    district = table["district_code"].array  # categorical: each point's code into its categories
    codes[use] = np.asarray(district.categories, dtype=object)[district.codes[inside][nearest]]
    return codes


#: Side of the grid squares whose Z-order the nearest-postcode queries are put in (m).
_ORDER_CELL_M: Final = 500.0


def spatial_order(xy: np.ndarray, *, cell_m: float = _ORDER_CELL_M) -> np.ndarray:
    """The rows of ``xy`` (finite points, metres) in Z-order of the ``cell_m`` grid square each lies in.

    Neighbours come one after another, so a search tree queried in this order finds its
    branches already in the processor's cache (about six times faster for a national
    estate's points than in register order).
    """
    if not len(xy):
        return np.empty(0, dtype=np.intp)
    cells = np.clip((xy - xy.min(axis=0)) // cell_m, 0, 0xFFFF).astype(np.uint64)
    return np.argsort(_spread_bits(cells[:, 0]) | (_spread_bits(cells[:, 1]) << np.uint64(1)), kind="stable")


def _spread_bits(v: np.ndarray) -> np.ndarray:
    """Each of the low 16 bits of ``v`` moved to twice its place (``0b111`` -> ``0b10101``)."""
    for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def nearest_points(tree: cKDTree, xy: np.ndarray) -> np.ndarray:
    """Index of the point of ``tree`` nearest each row of ``xy``: ``tree.query(xy, k=1)``'s answer
    (each query is answered on its own, so the order they are asked in changes nothing), asked in
    :func:`spatial_order`."""
    order = spatial_order(xy)
    _, found = tree.query(xy[order], k=1, workers=-1)
    nearest = np.empty(len(xy), dtype=np.intp)
    nearest[order] = found
    return nearest


def _given(assets: gpd.GeoDataFrame, by_postcode: np.ndarray) -> pa.Array | None:
    """The postcode districts the geocoder found (:func:`assetmap.estate.place_partner`), where used
    (null elsewhere), as Arrow text.

    None when the estate has no ``district_code`` column (its postcodes are then looked up).
    """
    if "district_code" not in assets.columns:
        return None
    given = pa.array(assets["district_code"].astype("string").array, type=pa.large_string())
    if isinstance(given, pa.ChunkedArray):
        given = given.combine_chunks()
    return pc.if_else(pa.array(by_postcode), given, pa.scalar(None, pa.large_string()))


def _placed_by_postcode(assets: gpd.GeoDataFrame) -> np.ndarray:
    """Which assets the geocoder placed by their postcode and have one written (more than spaces)."""
    n = len(assets)
    if "geocode_method" not in assets.columns or "postcode" not in assets.columns:
        return np.zeros(n, dtype=bool)
    method = assets["geocode_method"].astype("string").reset_index(drop=True)
    postcode = assets["postcode"].astype("string").reset_index(drop=True)
    # a postcode is there when something but spaces is written (its key, without spaces, is not empty)
    written = postcode.str.strip(" ").fillna("") != ""
    return ((method == "postcode").fillna(False) & written).to_numpy(dtype=bool)


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
    by_postcode = _placed_by_postcode(assets)
    codes = _given(assets, by_postcode)
    if codes is None:  # an estate the geocoder did not make: look its postcodes up
        # The estate's postcodes are cleaned (``ME14 1AA``): a literal replace makes the key.
        postcode = assets["postcode"].astype("string").reset_index(drop=True)
        keys = postcode.str.upper().str.replace(" ", "", regex=False).fillna("").astype(str)
        codes = pa.array(_by_postcode(lookup, keys, by_postcode), type=pa.large_string(), from_pandas=True)
    xy = _xy(assets)
    by_code = codes.is_valid().to_numpy(zero_copy_only=False)
    rest = ~by_code & np.isfinite(xy).all(axis=1)
    near = _by_nearest(lookup, xy, rest)
    found = rest & pd.notna(near)
    rows = np.flatnonzero(found)  # each takes its nearest postcode's district, put after the others
    pick = np.arange(len(codes))
    pick[rows] = len(codes) + np.arange(len(rows))
    more = pa.array(near[rows], type=pa.large_string())
    codes = pa.concat_arrays([codes, more]).take(pa.array(pick))
    source = np.where(by_code, "postcode", np.where(found, "nearest postcode", "unknown"))
    out = assets.copy(deep=False)  # the new columns are the copy's own (copy on write)
    out["district_code"] = _string(codes)
    out["district_name"] = _string(_names(codes))
    out["district_source"] = _string(pa.array(source, type=pa.large_string()))
    return out


def _names(codes: pa.Array) -> pa.Array:
    """The district name of each code (:func:`names_for`), looked up once per distinct code."""
    encoded = pc.dictionary_encode(codes)
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    names = pa.array(names_for(distinct), type=pa.large_string(), from_pandas=True)
    return names.take(encoded.indices)


def _string(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow text as the ``string`` dtype (``pd.array(..., dtype="string")``), NA where null."""
    return pd.StringDtype().__from_arrow__(values)
