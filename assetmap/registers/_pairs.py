"""One register column holding both coordinates: ``"51.89, -2.07"``, ``"(395265, 222126)"``,
``POINT (-2.07 51.89)``, ``"435123,356789"``, or an address ending ``(51.38, -2.36)``.

Which number is which is read from the values, row by row: British National Grid metres
are easting then northing (the geocode stage swaps them back, with a warning, when they are
the wrong way round); degrees are latitude then longitude unless the values only make sense
the other way round (or the text is WKT or GeoJSON, which give x before y). The parsed
numbers feed the ordinary easting/northing and latitude/longitude fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from ..geocode._coords import in_bng, in_gb_degrees, looks_like_degrees
from ._clean_base import NONE_WORDS, as_text, problems_where, quoted

#: Smallest easting or northing taken for a grid reference when recognising a pair column by
#: its values (the Isles of Scilly are at about 80,000 / 8,000).
MIN_GRID_M: Final = 1000.0
#: The field a config names a coordinate-pair column with (``columns: {coordinates: ...}``).
PAIR_FIELD: Final = "coordinates"

_N = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
#: The whole cell is a pair: ``51.89, -2.07``, ``(395265, 222126)``, ``[x; y]``, ``POINT (x y)``.
_WHOLE = (
    rf"^(?P<wkt>POINT\s*(?:Z\s*|M\s*|ZM\s*)?)?[\(\[]?\s*(?P<a>{_N})\s*(?:[,;]\s*|\s+)(?P<b>{_N})"
    rf"(?:\s+{_N})*\s*[\)\]]?$"
)
#: A pair in brackets at the end of longer text (an address, then ``(51.38, -2.36)``).
_TRAILING = rf"\((?P<a>{_N})\s*,\s*(?P<b>{_N})\)$"
#: A GeoJSON point: ``{"type": "Point", "coordinates": [-2.37, 51.38]}``.
_GEOJSON = rf"(?i)\"type\"\s*:\s*\"point\".*\"coordinates\"\s*:\s*\[\s*(?P<a>{_N})\s*,\s*(?P<b>{_N})"


@dataclass(frozen=True)
class Pairs:
    """Coordinate pairs split into fields, NaN where a row gave none; problems per row."""

    easting: pd.Series
    northing: pd.Series
    latitude: pd.Series
    longitude: pd.Series
    problems: pd.Series


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two numbers of each cell (NaN when not a pair) and whether they are given x first."""
    t = as_text(s).str.replace("−", "-", regex=False)
    whole = t.str.extract(_WHOLE, flags=re.IGNORECASE)
    trailing = t.str.extract(_TRAILING)
    geojson = t.str.extract(_GEOJSON)
    a = whole["a"].fillna(geojson["a"]).fillna(trailing["a"])
    b = whole["b"].fillna(geojson["b"]).fillna(trailing["b"])
    xy_first = (whole["wkt"].notna() | (whole["a"].isna() & geojson["a"].notna())).to_numpy()
    av = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
    bv = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(av) & np.isfinite(bv)
    return np.where(finite, av, np.nan), np.where(finite, bv, np.nan), xy_first


def parse_pairs(s: pd.Series) -> Pairs:
    """Split a column of coordinate pairs into easting/northing or latitude/longitude.

    Parameters
    ----------
    s : pandas.Series
        Register text.

    Returns
    -------
    Pairs
        float64 Series with the input's index; a row fills either easting and northing
        (metres) or latitude and longitude (degrees). Text that is not a pair of numbers is
        a problem (a warning), never a lost row.
    """
    a, b, xy_first = _numbers(s)
    given = ~np.isnan(a)
    degrees = given & looks_like_degrees(a, b)
    lat_first = degrees & ~xy_first & (in_gb_degrees(b, a) | ~in_gb_degrees(a, b))
    lon_first = degrees & ~lat_first
    metres = given & ~degrees
    nan = np.full(len(a), np.nan)
    index = s.index
    t = as_text(s)
    blank = (t.isna() | t.str.lower().isin(NONE_WORDS)).to_numpy()
    bad = pd.Series(~blank & ~given, index=index)
    problems = problems_where(
        s, bad, lambda v: f"coordinates {quoted(v)} are not a pair of numbers such as \"51.89, -2.07\" "
        "or \"435123, 356789\": not used",
    )  # fmt: skip
    return Pairs(
        easting=pd.Series(np.where(metres, a, nan), index=index),
        northing=pd.Series(np.where(metres, b, nan), index=index),
        latitude=pd.Series(np.where(lat_first, a, np.where(lon_first, b, nan)), index=index),
        longitude=pd.Series(np.where(lat_first, b, np.where(lon_first, a, nan)), index=index),
        problems=problems,
    )


def pair_share(s: pd.Series) -> float:
    """Share of a column's non-blank values that are coordinate pairs in Great Britain (0 when empty).

    A pair counts when it is British National Grid metres or Great Britain degrees, either
    way round; used to recognise a pair column whose heading does not say so for certain.
    """
    a, b, _ = _numbers(s)
    t = as_text(s)
    present = t.notna().to_numpy()
    if not present.any():
        return 0.0
    with np.errstate(invalid="ignore"):
        big = np.minimum(a, b) >= MIN_GRID_M  # "(1, 2)" is not a place
        ok = (big & (in_bng(a, b) | in_bng(b, a))) | in_gb_degrees(a, b) | in_gb_degrees(b, a)
    return float(ok[present].mean())
