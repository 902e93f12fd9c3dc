"""Offline geocoding cascade: coordinates, then UPRN, then postcode.

Every asset ends up either placed, with ``geocode_method`` (``coordinates``, ``uprn`` or
``postcode``) and ``geocode_precision_m``, or with a ``reject_reason`` in plain words.
Coordinates outside Great Britain and coordinates typed the wrong way round are noticed:
swapped ones are fixed with a warning, foreign ones fall through to the next method. A row
whose postcode cell has no usable postcode takes the last one written in its address, with
a warning. Postcodes in Northern Ireland are placed from the Irish Grid; those in the
Channel Islands and the Isle of Man, which the ONS Postcode Directory gives no grid
reference for, are rejected saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from ._by_postcode import (
    POSTCODE_PRECISION_M,
    address_postcodes,
    place_by_postcode,
    reject_reasons,
    unusable_postcodes,
)
from ._coords import degree_precision_m, in_bng, in_gb_degrees, looks_like_degrees, wgs84_to_bng
from ._postcodes import PostcodeLookup, postcode_key
from ._state import Cascade, fmt_pair
from ._uprn import UprnLookup, uprn_key

#: Precision of OS Open UPRN coordinates and of BNG coordinates given to the metre.
METRE_PRECISION_M: Final = 1.0

__all__ = [
    "POSTCODE_PRECISION_M",
    "GeocodeResult",
    "PostcodeLookup",
    "UprnLookup",
    "geocode",
    "postcode_key",
    "uprn_key",
]


@dataclass
class GeocodeResult:
    """Where each asset was placed, or why it could not be.

    ``placed`` has the input's index and columns ``x``, ``y`` (EPSG:27700),
    ``geocode_method``, ``geocode_precision_m``, ``reject_reason`` (None when placed),
    ``postcode`` (the postcode used: the register's, else one written in the address) and
    ``district_code`` (the postcode's local authority district in the ONSPD).
    ``warnings`` has columns ``row`` (input index), ``field``, ``value``, ``warning``.
    """

    placed: pd.DataFrame
    warnings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "field", "value", "warning"])
    )


def _xy_columns(state: Cascade, x: pd.Series, y: pd.Series, crs: str) -> None:
    """Easting/northing columns (or GeoX/GeoY holding degrees)."""
    xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    given = ~np.isnan(xv) & ~np.isnan(yv)
    zero = given & (xv == 0) & (yv == 0)
    state.warning(zero, "easting/northing", fmt_pair(x, y), "coordinates 0, 0 are a placeholder: ignored")
    given &= ~zero
    state.had_coords |= given
    crs_l = crs.lower()
    as_deg = given & (
        np.full(len(xv), crs_l in ("epsg:4326", "wgs84")) | ((crs_l == "auto") & looks_like_degrees(xv, yv))
    )
    as_bng = given & ~as_deg
    text = fmt_pair(x, y)
    # British National Grid metres
    ok = as_bng & in_bng(xv, yv)
    state.grid_xy |= ok & state.unplaced
    state.place(ok, xv, yv, "coordinates", METRE_PRECISION_M)
    swapped = as_bng & ~ok & in_bng(yv, xv)
    state.warning(
        swapped & state.unplaced, "easting/northing", text,
        "easting and northing were the wrong way round: swapped",
    )  # fmt: skip
    state.grid_xy |= swapped & state.unplaced
    state.place(swapped, yv, xv, "coordinates", METRE_PRECISION_M)
    bad = as_bng & ~ok & ~swapped
    state.note(bad, "easting/northing ", text, " are outside Great Britain")
    state.warning(bad, "easting/northing", text, "easting/northing are outside Great Britain: not used")
    # degrees in x/y columns: x is longitude unless the values say otherwise
    _degrees(state, as_deg, lon=x, lat=y, fld="easting/northing")


def _to_bng_where(mask: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 to British National Grid for the rows in ``mask`` only (NaN elsewhere)."""
    x, y = np.full(len(lon), np.nan), np.full(len(lon), np.nan)
    if mask.any():
        x[mask], y[mask] = wgs84_to_bng(lon[mask], lat[mask])
    return x, y


def _degrees(state: Cascade, mask: np.ndarray, lon: pd.Series, lat: pd.Series, fld: str) -> None:
    """Place the rows in ``mask`` by their degrees (or warn and note why not).

    Only those rows are read: a register without degrees (most) costs nothing here, and the
    precision implied by the decimals written is worked out for those rows alone (it is a
    value's own, whatever the other rows hold).
    """
    rows = np.flatnonzero(mask)
    if not len(rows):  # nothing to place, warn about or note
        return
    lonv, latv = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    text = fmt_pair(lat, lon) if fld == "latitude/longitude" else fmt_pair(lon, lat)
    precision = np.full(len(mask), np.nan)
    precision[rows] = degree_precision_m(lon.iloc[rows], lat.iloc[rows])
    ok = mask & in_gb_degrees(lonv, latv)
    ex, ny = _to_bng_where(ok, lonv, latv)
    state.place(ok, ex, ny, "coordinates", precision)
    swapped = mask & ~ok & in_gb_degrees(latv, lonv)
    state.warning(
        swapped & state.unplaced, fld, text, "latitude and longitude were the wrong way round: swapped"
    )
    sx, sy = _to_bng_where(swapped, latv, lonv)
    state.place(swapped, sx, sy, "coordinates", precision)
    bad = mask & ~ok & ~swapped
    state.note(bad, f"{fld} ", text, " are outside Great Britain")
    state.warning(bad, fld, text, f"{fld} are outside Great Britain: not used")


def _by_coordinates(state: Cascade, col: object, crs: str) -> None:
    """Geometry from a vector file, then easting/northing, then latitude/longitude."""
    gx, gy = col("geom_easting").to_numpy(dtype=float), col("geom_northing").to_numpy(dtype=float)
    has_geom = ~np.isnan(gx) & ~np.isnan(gy)
    state.had_coords |= has_geom
    state.place(has_geom & in_bng(gx, gy), gx, gy, "coordinates", METRE_PRECISION_M)
    state.note(has_geom & ~in_bng(gx, gy), "the file's geometry is outside Great Britain")
    _xy_columns(state, col("easting"), col("northing"), crs)
    lat, lon = col("latitude"), col("longitude")
    has_ll = lat.notna().to_numpy() & lon.notna().to_numpy()
    state.had_coords |= has_ll
    _degrees(state, has_ll & state.unplaced, lon=lon, lat=lat, fld="latitude/longitude")


def _by_uprn(state: Cascade, uprn: pd.Series, uprns: UprnLookup | None) -> None:
    has_uprn = uprn.notna().to_numpy()
    if uprns is not None and has_uprn.any():
        hit = uprns.lookup(uprn)
        found = hit["found"].to_numpy() & hit["easting"].notna().to_numpy()
        state.place(has_uprn & found, hit["easting"].to_numpy(), hit["northing"].to_numpy(), "uprn", 1.0)
        state.note(has_uprn & ~found, "UPRN ", uprn_key(uprn), " is not in the UPRN lookup")
    elif uprns is None:
        state.note(has_uprn, "UPRN ", uprn, " given but no uprn_lookup file is configured")


def geocode(
    assets: pd.DataFrame,
    *,
    postcodes: PostcodeLookup,
    uprns: UprnLookup | None = None,
    crs: str = "auto",
    raw_postcodes: pd.Series | None = None,
    postcode_problems: pd.Series | None = None,
) -> GeocodeResult:
    """Place every asset: geometry or coordinates, then UPRN, then postcode.

    Parameters
    ----------
    assets : pandas.DataFrame
        Cleaned register rows with the canonical columns ``easting``, ``northing``,
        ``latitude``, ``longitude`` (float), ``uprn``, ``postcode``, ``address`` (text) and,
        from vector files, ``geom_easting``/``geom_northing`` (EPSG:27700). Missing columns
        count as empty. Where ``postcode`` is empty, the last full postcode written in
        ``address`` is used, with a warning.
    postcodes : PostcodeLookup
        The ONS Postcode Directory.
    uprns : UprnLookup, optional
        UPRN coordinates, when the config names a lookup file.
    crs : str
        CRS of the ``easting``/``northing`` columns: ``auto`` tells British National Grid
        metres from WGS84 degrees row by row.
    raw_postcodes : pandas.Series, optional
        The postcodes as written in the register, to quote in reject reasons when the
        cleaned postcode is empty (a placeholder such as ``TBC``).
    postcode_problems : pandas.Series, optional
        What cleaning said about each unusable postcode (``'postcode "M41" is only a partial
        postcode'``), used as the reject reason when nothing else places the asset.

    Returns
    -------
    GeocodeResult
    """
    index = assets.index
    state = Cascade(index)

    def col(name: str, kind: str = "float") -> pd.Series:
        if name in assets:
            return assets[name].reset_index(drop=True)
        return pd.Series(np.nan if kind == "float" else None, index=range(len(index)))

    _by_coordinates(state, col, crs)
    _by_uprn(state, col("uprn", "str"), uprns)
    step = address_postcodes(state, col("postcode", "str"), col("address", "str"))
    place_by_postcode(state, step, postcodes)
    raw_given = unusable_postcodes(state, step, raw_postcodes, postcode_problems)
    placed = pd.DataFrame(
        {
            "x": state.x,
            "y": state.y,
            "geocode_method": state.method,
            "geocode_precision_m": state.precision,
            "reject_reason": reject_reasons(state, step, raw_given),
            "postcode": step.postcode.to_numpy(dtype=object),
            "district_code": step.district_code,
        },
        index=index,
    )
    warnings = pd.DataFrame(state.warn, columns=["row", "field", "value", "warning"])
    return GeocodeResult(placed=placed, warnings=warnings)
