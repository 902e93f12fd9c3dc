"""Coordinates given in a register: which system they are in, whether they are in Great
Britain (or Northern Ireland, the Isle of Man and the Channel Islands), whether they were
typed the wrong way round; and the Irish Grid, which the ONS Postcode Directory uses for
Northern Ireland."""

from __future__ import annotations

import functools
from typing import Final

import numpy as np
import pandas as pd
from pyproj import Transformer

from ..schema import BNG, WGS84

#: British National Grid's extent (metres).
BNG_EXTENT: Final = (0.0, 0.0, 700_000.0, 1_300_000.0)
#: Great Britain in WGS84 degrees: longitude -8.7 to 1.8, latitude 49.8 to 61.
GB_LON: Final = (-8.7, 1.8)
GB_LAT: Final = (49.8, 61.0)
#: The Channel Islands (Jersey, Guernsey, Alderney, Sark), south of that box. British
#: National Grid northings there are negative, but the projection still holds.
CHANNEL_ISLANDS_LON: Final = (-2.75, -1.98)
CHANNEL_ISLANDS_LAT: Final = (49.15, 49.8)
#: The Irish Grid on the TM75 datum, as Northern Ireland's grid references are (OSNI).
IRISH_GRID: Final = "EPSG:29903"


@functools.cache
def _transformer(source: str, target: str) -> Transformer:
    """A transformer from ``source`` to ``target`` (x, y order), made when first used: making
    the three this module needs takes about 0.15 s, which ``assetmap --help`` need not wait for.
    ``_transformer(BNG, WGS84)`` is the transformation ``GeoSeries.to_crs`` uses."""
    return Transformer.from_crs(source, target, always_xy=True)


def in_bng(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where (x, y) is inside the British National Grid's extent (and not 0, 0)."""
    x0, y0, x1, y1 = BNG_EXTENT
    return (x > x0) & (x <= x1) & (y > y0) & (y <= y1)


def in_gb_degrees(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where (lon, lat) is inside Great Britain's latitude/longitude box (which holds
    Northern Ireland and the Isle of Man too) or the Channel Islands'."""
    gb = (lon >= GB_LON[0]) & (lon <= GB_LON[1]) & (lat >= GB_LAT[0]) & (lat <= GB_LAT[1])
    ci_lon, ci_lat = CHANNEL_ISLANDS_LON, CHANNEL_ISLANDS_LAT
    ci = (lon >= ci_lon[0]) & (lon <= ci_lon[1]) & (lat >= ci_lat[0]) & (lat <= ci_lat[1])
    return gb | ci


def looks_like_degrees(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where both values are small enough to be degrees rather than metres."""
    return (np.abs(x) <= 180) & (np.abs(y) <= 180)


def wgs84_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transform WGS84 degrees to British National Grid metres.

    Uses pyproj's default pipeline (a Helmert transform without the OSTN15 grid, good to a
    few metres: fine for maps).
    """
    if len(lon) == 0:
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = _transformer(WGS84, BNG).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def bng_to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres to WGS84 longitude and latitude, as ``GeoSeries.to_crs`` gives them."""
    if len(x) == 0:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    lon, lat = _transformer(BNG, WGS84).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def irish_grid_to_bng(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transform Irish Grid metres (TM75, EPSG:29903) to British National Grid metres.

    The ONS Postcode Directory gives Northern Ireland's postcodes on the Irish Grid. pyproj
    goes through WGS84 with the published Helmert transforms (no grids offline): good to a
    few metres. PROJ's TM65 and TM75 Irish Grid transforms use the same parameters, so
    which of the two a file means makes no difference here.
    """
    if len(x) == 0:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ex, ny = _transformer(IRISH_GRID, BNG).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(ex), np.asarray(ny)


def degree_precision_m(lon: pd.Series, lat: pd.Series) -> np.ndarray:
    """Metres implied by the number of decimal places given (5 d.p. ~ 1 m), at least 1 m."""
    out = np.full(len(lon), 1.0)
    for values in (lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)):
        values = np.where(np.abs(values) <= 180, values, 0.0)  # not degrees: no precision to read
        decimals = np.full(len(values), 8)
        for d in range(7, -1, -1):
            scaled = values * 10**d
            exact = np.isclose(scaled, np.round(scaled), rtol=0, atol=1e-6)
            decimals = np.where(exact, d, decimals)
        out = np.maximum(out, 111_000.0 * 10.0 ** (-decimals.astype(float)))
    return np.where(np.isnan(lon.to_numpy(dtype=float)), np.nan, np.round(out, 1))
