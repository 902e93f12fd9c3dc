"""Boundary files (districts, wards) and the area each asset lies in.

A level is read from any file GDAL opens (GeoJSON, TopoJSON, GeoPackage, Shapefile), in
any CRS, and kept in EPSG:27700 with one row per area code (features sharing a code are
dissolved). A file with no CRS whose coordinates look like longitude/latitude (TopoJSON read
by GDAL comes that way) is read as EPSG:4326, and the run says so. Each asset's area is a
point-in-polygon test against the polygons' spatial index (``STRtree``), vectorised; a
point on a shared border goes to the area that comes first by code, and a point outside
every polygon has no area.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import BoundaryError
from ..config import AreaLevelConfig
from ..schema import BNG, WGS84

#: Where the outside row of a level's summary is keyed.
OUTSIDE = "outside"
_AREA_COLUMNS = ["code", "name", "population", "geometry"]


@dataclass(frozen=True)
class AreaLevel:
    """One level of areas: its polygons (when a boundary file is given) and where they came from.

    Attributes
    ----------
    level : str
        ``district`` or ``ward``: the asset columns are ``<level>_code`` and ``<level>_name``.
    areas : GeoDataFrame
        One row per area, sorted by code: ``code``, ``name``, ``population`` (float, NaN
        when not given) and the polygon in EPSG:27700 (None when the level has no file).
    source : str
        The boundary file, or ``ONS Postcode Directory`` for districts without one.
    notes : tuple of str
        What was assumed while reading (a file with no CRS read as longitude/latitude).
    """

    level: str
    areas: gpd.GeoDataFrame
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def has_polygons(self) -> bool:
        """Whether the level has polygons (a boundary file), not only codes."""
        return bool(len(self.areas)) and bool(self.areas.geometry.notna().any())


def _resolve(path: Path, base_dir: Path) -> Path:
    path = Path(path).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def _read(path: Path, layer: str | None, where: str) -> gpd.GeoDataFrame:
    if not path.exists():
        raise BoundaryError(
            f"{where}: boundary file {str(path)!r} not found (paths are relative to the config file)"
        )
    if path.is_dir() and not any(path.glob("*.shp")):
        raise BoundaryError(f"{where}: {str(path)!r} is a folder, not a boundary file")
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio/GDAL raise several kinds for an unreadable file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BoundaryError(
            f"{where}: boundary file {str(path)!r} cannot be read ({first}); give a GeoJSON, TopoJSON, "
            "GeoPackage or Shapefile of polygons"
        ) from None


def _column(frame: pd.DataFrame, name: str | None, key: str, where: str, path: Path) -> str | None:
    if name is None:
        return None
    if name in frame.columns:
        return name
    folded = {str(c).casefold(): c for c in frame.columns}
    if name.casefold() in folded:
        return str(folded[name.casefold()])
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    near = difflib.get_close_matches(name, columns, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise BoundaryError(
        f"{where}.{key}: boundary file {str(path)!r} has no column {name!r}{hint} "
        f"(its columns are {', '.join(columns[:20])})"
    )


def _crs(frame: gpd.GeoDataFrame, path: Path, where: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    if frame.crs is not None:
        return frame, []
    minx, miny, maxx, maxy = frame.total_bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        note = (
            f"{where}: {path.name} has no CRS; its coordinates look like longitude/latitude, "
            "so they are read as EPSG:4326 (WGS84)"
        )
        return frame.set_crs(WGS84), [note]
    if 0 <= minx and maxx <= 700_000 and 0 <= miny and maxy <= 1_300_000:
        note = (
            f"{where}: {path.name} has no CRS; its coordinates look like British National Grid metres, "
            "so they are read as EPSG:27700"
        )
        return frame.set_crs(BNG), [note]
    raise BoundaryError(
        f"{where}: boundary file {str(path)!r} has no CRS and its coordinates are neither longitude/latitude "
        "nor British National Grid; save it with its CRS (a .prj beside a Shapefile)"
    )


def read_level(config: AreaLevelConfig, *, level: str, base_dir: Path) -> AreaLevel:
    """Read one level's boundary file into areas in EPSG:27700.

    Parameters
    ----------
    config : AreaLevelConfig
        ``file``, ``code`` and optionally ``name``, ``population`` and ``layer``.
    level : str
        ``district`` or ``ward`` (names the config key in messages).
    base_dir : Path
        The config file's folder; ``file`` is relative to it.

    Returns
    -------
    AreaLevel

    Raises
    ------
    BoundaryError
        If the file is missing or unreadable, has no polygons, lacks a named column, or
        has no CRS and coordinates that are not recognisably lon/lat or British grid.
    """
    where = f"areas.{level}"
    path = _resolve(config.file, base_dir)
    frame = _read(path, config.layer, f"{where}.file")
    if frame.empty or frame.geometry.isna().all():
        raise BoundaryError(f"{where}.file: boundary file {str(path)!r} holds no shapes")
    kinds = set(frame.geometry.dropna().geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise BoundaryError(
            f"{where}.file: boundary file {str(path)!r} holds {', '.join(sorted(kinds))} shapes, not only "
            "polygons; give the areas' boundaries"
        )
    code = _column(frame, config.code, "code", where, path)
    name = _column(frame, config.name, "name", where, path)
    pop = _column(frame, config.population, "population", where, path)
    frame, notes = _crs(frame, path, where)
    codes = frame[code].astype("string").str.strip()
    keep = codes.notna() & (codes != "") & frame.geometry.notna()
    if not keep.any():
        raise BoundaryError(f"{where}.code: column {code!r} of {str(path)!r} is empty in every row")
    if (~keep).any():
        notes.append(f"{where}: {int((~keep).sum())} shape(s) of {path.name} with no {code} left out")
    areas = _dissolve(frame.loc[keep], codes[keep], name, pop, level)
    return AreaLevel(level=level, areas=areas, source=str(path), notes=tuple(notes))


def _dissolve(
    frame: gpd.GeoDataFrame, codes: pd.Series, name: str | None, pop: str | None, level: str
) -> gpd.GeoDataFrame:
    from ._names import names_for

    geoms = frame.to_crs(BNG).geometry.to_numpy()
    # Quantised TopoJSON often has self-touching rings: repair only what is invalid, by ring structure.
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    work = pd.DataFrame(
        {
            "code": codes.astype(str).to_numpy(),
            "name": frame[name].astype("string").str.strip().to_numpy() if name else None,
            "population": pd.to_numeric(frame[pop], errors="coerce").to_numpy() if pop else np.nan,
            "geometry": geoms,
        }
    )
    g = work.groupby("code", sort=True)
    merged = g["geometry"].agg(lambda s: shapely.union_all(s.to_numpy()) if len(s) > 1 else s.iloc[0])
    out = pd.DataFrame(
        {
            "code": merged.index.astype(str),
            "name": g["name"].first().to_numpy() if name else None,
            "population": g["population"].sum(min_count=1).to_numpy(dtype=float) if pop else np.nan,
        }
    )
    if not name and level == "district":
        out["name"] = names_for(out["code"])
    out["name"] = out["name"].astype("string")
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(merged.to_numpy(), crs=BNG), crs=BNG)


def locate(points: gpd.GeoSeries, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Position in ``areas`` of the polygon each point lies in, -1 outside every polygon.

    Parameters
    ----------
    points : GeoSeries
        Points in EPSG:27700 (or with a CRS to convert from); missing points are outside.
    areas : GeoDataFrame
        Polygons in EPSG:27700, as :attr:`AreaLevel.areas`.

    Returns
    -------
    numpy.ndarray
        Integer positions; a point on a border shared by two areas goes to the first.
    """
    if points.crs is not None and not points.crs.equals(BNG):
        points = points.to_crs(BNG)
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(areas) == 0:
        return out
    geoms = points.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(ok)
    # The tree holds the points and each polygon queries it: GEOS then prepares the polygon once
    # (a point-in-area index) instead of testing every point against its raw rings.
    tree = shapely.STRtree(geoms[idx])
    pairs = tree.query(areas.geometry.to_numpy(), predicate="intersects")
    if pairs.shape[1]:
        first = pd.Series(pairs[0]).groupby(pairs[1]).min()
        out[idx[first.index.to_numpy()]] = first.to_numpy()
    return out


def assign_level(assets: gpd.GeoDataFrame, level: AreaLevel) -> gpd.GeoDataFrame:
    """Give every asset the ``<level>_code`` and ``<level>_name`` of the polygon it lies in.

    Parameters
    ----------
    assets : GeoDataFrame
        Points, any CRS.
    level : AreaLevel
        A level with polygons (:func:`read_level`).

    Returns
    -------
    GeoDataFrame
        A copy with the two columns (None outside every polygon); for the district level also
        ``district_source`` (``boundary file`` or ``outside the boundary file``).
    """
    pos = locate(assets.geometry, level.areas)
    inside = pos >= 0
    codes = np.where(inside, level.areas["code"].to_numpy(dtype=object)[np.maximum(pos, 0)], None)
    names = level.areas["name"].astype(object).where(level.areas["name"].notna(), None).to_numpy()
    out = assets.copy()
    out[f"{level.level}_code"] = pd.array(codes, dtype="string")
    out[f"{level.level}_name"] = pd.array(np.where(inside, names[np.maximum(pos, 0)], None), dtype="string")
    if level.level == "district":
        source = np.where(inside, "boundary file", "outside the boundary file")
        out["district_source"] = pd.array(source.astype(object), dtype="string")
    return out
