"""Read vector registers (GeoPackage, Shapefile, GeoJSON) with representative points in EPSG:27700."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .._errors import RegisterError
from ..schema import BNG, WGS84
from ._raw import RawRegister, cell_text, clean_heading, unique_names


def _layers(path: Path) -> list[str]:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # pyogrio raises several DataSourceError kinds
        msg = f"{path.name}: not a readable vector file ({exc})"
        raise RegisterError(msg) from None


def guess_crs(geoms: gpd.GeoSeries) -> str:
    """EPSG:4326 when every coordinate looks like degrees, else EPSG:27700 (BNG metres)."""
    present = geoms[~(geoms.isna() | geoms.is_empty)]
    if present.empty:
        return BNG
    minx, miny, maxx, maxy = present.total_bounds
    degrees = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    return WGS84 if degrees else BNG


def points_27700(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Representative points (points kept as they are) transformed to EPSG:27700; None for no geometry."""
    if geoms.crs is None:
        geoms = geoms.set_crs(guess_crs(geoms))
    missing = geoms.isna() | geoms.is_empty
    pts = geoms.copy()
    todo = ~missing & (geoms.geom_type != "Point")
    if todo.any():
        pts[todo] = geoms[todo].representative_point()
    pts = pts.to_crs(BNG)
    out = gpd.GeoSeries([None if m else g for m, g in zip(missing, pts, strict=True)], crs=BNG)
    return out.reset_index(drop=True)


def read_vector(path: Path, *, layer: str | None) -> RawRegister:
    """Read one layer of a vector file; attribute values become text, features are numbered from 1."""
    layers = _layers(path)
    if not layers:
        msg = f"{path.name}: the file has no layers"
        raise RegisterError(msg)
    if layer is None:
        layer = layers[0]
    elif layer not in layers:
        msg = f"{path.name}: there is no layer {layer!r}; its layers are: {layers}"
        raise RegisterError(msg)
    try:
        gdf = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio / GDAL errors
        msg = f"{path.name}: layer {layer!r} cannot be read ({exc})"
        raise RegisterError(msg) from None
    if len(gdf) == 0:
        msg = f"{path.name}: layer {layer!r} has no features"
        raise RegisterError(msg)
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    names = unique_names([clean_heading(str(c)) or f"Field {i + 1}" for i, c in enumerate(attrs)])
    data = {name: [cell_text(v) for v in gdf[col].tolist()] for name, col in zip(names, attrs, strict=True)}
    frame = pd.DataFrame(data, columns=names, dtype=object, index=pd.RangeIndex(len(gdf)))
    geometry = points_27700(gdf.geometry.reset_index(drop=True))
    keep = frame.notna().any(axis=1).to_numpy() | geometry.notna().to_numpy()
    source_row = np.arange(1, len(gdf) + 1, dtype=np.int64)[keep]
    frame = frame[keep].reset_index(drop=True)
    geometry = geometry[keep].reset_index(drop=True)
    return RawRegister(path, frame, source_row, geometry, None, None, None)
