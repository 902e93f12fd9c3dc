"""Offline geocoding cascade: coordinates, then UPRN, then postcode.

Every asset ends up either placed, with ``geocode_method`` (``coordinates``, ``uprn`` or
``postcode``) and ``geocode_precision_m``, or with a ``reject_reason`` in plain words.
Coordinates outside Great Britain and coordinates typed the wrong way round are noticed:
swapped ones are fixed with a warning, foreign ones fall through to the next method.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from ._coords import degree_precision_m, in_bng, in_gb_degrees, looks_like_degrees, wgs84_to_bng
from ._postcodes import PostcodeLookup, postcode_key
from ._uprn import UprnLookup, uprn_key

#: Precision recorded for a postcode centroid: a postcode unit covers about 15 addresses,
#: and most buildings stand within about 100 m of its ONSPD grid reference.
POSTCODE_PRECISION_M: Final = 100.0
#: Coordinates further than this from their own postcode are warned about (metres).
FAR_FROM_POSTCODE_M: Final = 5_000.0
#: ...and swapped when the swapped point is within this distance of the postcode.
NEAR_POSTCODE_M: Final = 1_000.0
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
    ``geocode_method``, ``geocode_precision_m`` and ``reject_reason`` (None when placed).
    ``warnings`` has columns ``row`` (input index), ``field``, ``value``, ``warning``.
    """

    placed: pd.DataFrame
    warnings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["row", "field", "value", "warning"])
    )


class _Cascade:
    """State of one geocoding pass: filled step by step, best method first."""

    def __init__(self, index: pd.Index) -> None:
        n = len(index)
        self.index = index
        self.x = np.full(n, np.nan)
        self.y = np.full(n, np.nan)
        self.method = np.full(n, None, dtype=object)
        self.precision = np.full(n, np.nan)
        self.notes: list[list[str]] = [[] for _ in range(n)]
        self.had_coords = np.zeros(n, dtype=bool)
        self.warn: list[tuple[object, str, str, str]] = []

    @property
    def unplaced(self) -> np.ndarray:
        return pd.isna(self.method)

    def place(self, mask: np.ndarray, x: np.ndarray, y: np.ndarray, method: str, precision: object) -> None:
        take = mask & self.unplaced
        self.x[take] = x[take]
        self.y[take] = y[take]
        self.method[take] = method
        self.precision[take] = np.broadcast_to(np.asarray(precision, dtype=float), take.shape)[take]

    def note(self, mask: np.ndarray, texts: pd.Series | list[str]) -> None:
        for i in np.flatnonzero(mask & self.unplaced):
            self.notes[i].append(texts[i] if isinstance(texts, list) else str(texts.iloc[i]))

    def warning(self, mask: np.ndarray, fld: str, values: pd.Series, text: pd.Series | str) -> None:
        for i in np.flatnonzero(mask):
            msg = text if isinstance(text, str) else str(text.iloc[i])
            self.warn.append((self.index[i], fld, str(values.iloc[i]), msg))


def _fmt(a: pd.Series, b: pd.Series) -> pd.Series:
    return "(" + a.map("{:g}".format) + ", " + b.map("{:g}".format) + ")"


def _xy_columns(state: _Cascade, x: pd.Series, y: pd.Series, crs: str) -> None:
    """Easting/northing columns (or GeoX/GeoY holding degrees)."""
    xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
    given = ~np.isnan(xv) & ~np.isnan(yv)
    zero = given & (xv == 0) & (yv == 0)
    state.warning(zero, "easting/northing", _fmt(x, y), "coordinates 0, 0 are a placeholder: ignored")
    given &= ~zero
    state.had_coords |= given
    crs_l = crs.lower()
    as_deg = given & (
        np.full(len(xv), crs_l in ("epsg:4326", "wgs84")) | ((crs_l == "auto") & looks_like_degrees(xv, yv))
    )
    as_bng = given & ~as_deg
    text = _fmt(x, y)
    # British National Grid metres
    ok = as_bng & in_bng(xv, yv)
    state.place(ok, xv, yv, "coordinates", METRE_PRECISION_M)
    swapped = as_bng & ~ok & in_bng(yv, xv)
    state.warning(
        swapped & state.unplaced, "easting/northing", text,
        "easting and northing were the wrong way round: swapped",
    )  # fmt: skip
    state.place(swapped, yv, xv, "coordinates", METRE_PRECISION_M)
    bad = as_bng & ~ok & ~swapped
    state.note(bad, "easting/northing " + text + " are outside Great Britain")
    state.warning(bad, "easting/northing", text, "easting/northing are outside Great Britain: not used")
    # degrees in x/y columns: x is longitude unless the values say otherwise
    _degrees(state, as_deg, lon=x, lat=y, fld="easting/northing")


def _degrees(state: _Cascade, mask: np.ndarray, lon: pd.Series, lat: pd.Series, fld: str) -> None:
    lonv, latv = lon.to_numpy(dtype=float), lat.to_numpy(dtype=float)
    text = _fmt(lat, lon) if fld == "latitude/longitude" else _fmt(lon, lat)
    precision = degree_precision_m(lon, lat)
    ok = mask & in_gb_degrees(lonv, latv)
    ex, ny = wgs84_to_bng(lonv, latv)
    state.place(ok, ex, ny, "coordinates", precision)
    swapped = mask & ~ok & in_gb_degrees(latv, lonv)
    state.warning(
        swapped & state.unplaced, fld, text, "latitude and longitude were the wrong way round: swapped"
    )
    sx, sy = wgs84_to_bng(latv, lonv)
    state.place(swapped, sx, sy, "coordinates", precision)
    bad = mask & ~ok & ~swapped
    state.note(bad, f"{fld} " + text + " are outside Great Britain")
    state.warning(bad, fld, text, f"{fld} are outside Great Britain: not used")


def _check_against_postcode(
    state: _Cascade,
    assets: pd.DataFrame,
    has_grid: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    pcd: pd.Series,
) -> None:
    """Compare placed coordinates with the postcode's grid reference.

    Easting and northing can both lie inside the grid's extent the wrong way round; when
    the swapped point is near the postcode and the given one is far, swap them. Any other
    point far from its postcode is kept but warned about.
    """
    by_coords = (state.method == "coordinates") & has_grid
    if not by_coords.any():
        return
    dist = np.hypot(state.x - px, state.y - py)
    swapped_dist = np.hypot(state.y - px, state.x - py)
    swap = by_coords & (dist > FAR_FROM_POSTCODE_M) & (swapped_dist < NEAR_POSTCODE_M)
    e = pd.Series(state.x).round(0)
    n = pd.Series(state.y).round(0)
    state.warning(
        swap, "easting/northing", _fmt(e, n),
        "easting and northing were the wrong way round (the postcode is at the swapped point): swapped",
    )  # fmt: skip
    state.x[swap], state.y[swap] = state.y[swap].copy(), state.x[swap].copy()
    far = by_coords & ~swap & (dist > FAR_FROM_POSTCODE_M)
    km = pd.Series(dist / 1000).round(1).astype(str)
    state.warning(
        far, "easting/northing", _fmt(e, n),
        "coordinates are " + km + ' km from postcode "' + pcd.astype(str) + '": kept, please check',
    )  # fmt: skip


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
        ``latitude``, ``longitude`` (float), ``uprn``, ``postcode`` (text) and, from vector
        files, ``geom_easting``/``geom_northing`` (EPSG:27700). Missing columns count as empty.
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
    state = _Cascade(index)

    def col(name: str, kind: str = "float") -> pd.Series:
        if name in assets:
            return assets[name].reset_index(drop=True)
        return pd.Series(np.nan if kind == "float" else None, index=range(len(index)))

    gx, gy = col("geom_easting").to_numpy(dtype=float), col("geom_northing").to_numpy(dtype=float)
    has_geom = ~np.isnan(gx) & ~np.isnan(gy)
    state.had_coords |= has_geom
    state.place(has_geom & in_bng(gx, gy), gx, gy, "coordinates", METRE_PRECISION_M)
    state.note(has_geom & ~in_bng(gx, gy), ["the file's geometry is outside Great Britain"] * len(index))

    _xy_columns(state, col("easting"), col("northing"), crs)

    lat, lon = col("latitude"), col("longitude")
    has_ll = lat.notna().to_numpy() & lon.notna().to_numpy()
    state.had_coords |= has_ll
    _degrees(state, has_ll & state.unplaced, lon=lon, lat=lat, fld="latitude/longitude")

    uprn = col("uprn", "str")
    has_uprn = uprn.notna().to_numpy()
    if uprns is not None and has_uprn.any():
        hit = uprns.lookup(uprn)
        found = hit["found"].to_numpy() & hit["easting"].notna().to_numpy()
        state.place(has_uprn & found, hit["easting"].to_numpy(), hit["northing"].to_numpy(), "uprn", 1.0)
        state.note(has_uprn & ~found, "UPRN " + uprn_key(uprn).astype(str) + " is not in the UPRN lookup")
    elif uprns is None:
        state.note(has_uprn, "UPRN " + uprn.astype(str) + " given but no uprn_lookup file is configured")

    pcd = col("postcode", "str")
    has_pcd = pcd.notna().to_numpy()
    hit = postcodes.lookup(pcd)
    found = hit["found"].to_numpy()
    has_grid = found & hit["easting"].notna().to_numpy()
    px, py = hit["easting"].to_numpy(), hit["northing"].to_numpy()
    _check_against_postcode(state, assets, has_grid, px, py, pcd)
    state.place(has_pcd & has_grid, px, py, "postcode", POSTCODE_PRECISION_M)
    quoted = '"' + pcd.astype(str) + '"'
    state.note(has_pcd & ~found, "postcode " + quoted + " not found")
    state.note(has_pcd & found & ~has_grid, "postcode " + quoted + " has no grid reference in the ONSPD")
    raw = (
        raw_postcodes.reset_index(drop=True) if raw_postcodes is not None else pd.Series([None] * len(index))
    )
    raw_text = raw.astype(str).str.strip()
    raw_given = raw.notna().to_numpy() & (raw_text != "").to_numpy()
    unusable = 'postcode "' + raw_text + '" is not a usable postcode'
    if postcode_problems is not None:
        problems = postcode_problems.reset_index(drop=True)
        unusable = problems.where(problems.notna(), unusable)
    state.note(~has_pcd & raw_given, unusable)

    reasons = np.full(len(index), None, dtype=object)
    for i in np.flatnonzero(state.unplaced):
        notes = state.notes[i]
        if not notes and not state.had_coords[i]:
            reasons[i] = "no postcode, UPRN or coordinates to place it by"
            continue
        text = ", ".join(notes) if notes else "no usable location"
        if not state.had_coords[i]:
            text += " and no coordinates"
        elif not has_pcd[i] and not raw_given[i]:
            text += " and no postcode"
        reasons[i] = text
    placed = pd.DataFrame(
        {
            "x": state.x,
            "y": state.y,
            "geocode_method": state.method,
            "geocode_precision_m": state.precision,
            "reject_reason": reasons,
        },
        index=index,
    )
    warnings = pd.DataFrame(state.warn, columns=["row", "field", "value", "warning"])
    return GeocodeResult(placed=placed, warnings=warnings)
