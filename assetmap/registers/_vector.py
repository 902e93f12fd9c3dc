"""Read vector registers (GeoPackage, Shapefile, GeoJSON) with representative points in EPSG:27700."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import RegisterError
from ..schema import BNG, WGS84
from ._arrow_csv import blank_text
from ._raw import DeferredFrame, RawRegister, cell_text, clean_heading, unique_names


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
    points = pts.to_crs(BNG).to_numpy()  # shapely geometries (None where missing)
    points[missing.to_numpy()] = None
    return gpd.GeoSeries(points, crs=BNG).reset_index(drop=True)


def _text_cells(column: pd.Series) -> pa.Array:
    """A column's cells as :func:`cell_text` makes them, as Arrow text (``None`` -> null): whole
    columns of text, of floating-point numbers, of integers and of booleans at once, anything
    else cell by cell."""
    if isinstance(column.array, pd.arrays.ArrowStringArray):  # text read through Arrow: no objects
        arrow = pa.array(column.array)
        return _blank_null(arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow)
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "f":
        return _float_cells(values.astype(np.float64))
    if kind in "iu":  # Arrow's decimal digits are Python's for every integer
        return pc.cast(pa.array(values), pa.large_string())
    if kind == "b":
        return pa.array(np.where(values, "TRUE", "FALSE"), pa.large_string())
    if isinstance(column.dtype, pd.StringDtype) or (
        kind == "O" and pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}
    ):
        return _blank_null(pa.array(values, type=pa.large_string(), from_pandas=True))
    return pa.array([cell_text(v) for v in column.tolist()], pa.large_string())


def _blank_null(text: pa.Array) -> pa.Array:
    """Text with blank cells (empty, or only what ``str.strip`` removes) null."""
    text = text.cast(pa.large_string())
    return pc.if_else(blank_text(text), pa.scalar(None, pa.large_string()), text)


def _float_cells(values: np.ndarray) -> pa.Array:
    """Floats as :func:`assetmap.registers._raw._float_text` writes them (whole numbers without
    ``.0``, by Arrow's integer digits; the others as ``f"{v:.15g}"``), NaN null."""
    given = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        whole = given & (np.abs(values) < 1e15) & (np.floor(values) == values)
    out = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64), mask=~whole), pa.large_string())
    rest = np.flatnonzero(given & ~whole)
    if len(rest):  # fractions (and huge numbers): Python's formatting, value by value
        texts = pa.array([f"{v:.15g}" for v in values[rest].tolist()], pa.large_string())
        mask = np.zeros(len(values), dtype=bool)
        mask[rest] = True
        out = pc.replace_with_mask(out, pa.array(mask), texts)
    return out


def _read_layer(path: Path, layer: str) -> gpd.GeoDataFrame:
    """The layer as a GeoDataFrame: through Arrow for a GeoPackage whose fields are all text and
    real numbers (read alike either way, and much faster), else as pyogrio reads it by default."""
    import pyogrio

    use_arrow = False
    if path.suffix.lower() == ".gpkg":
        info = pyogrio.read_info(path, layer=layer)
        use_arrow = all(str(d) in {"object", "float64"} for d in info["dtypes"])
    return gpd.read_file(path, layer=layer, use_arrow=use_arrow)


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
        gdf = _read_layer(path, layer)
    except Exception as exc:  # pyogrio / GDAL errors
        msg = f"{path.name}: layer {layer!r} cannot be read ({exc})"
        raise RegisterError(msg) from None
    if len(gdf) == 0:
        msg = f"{path.name}: layer {layer!r} has no features"
        raise RegisterError(msg)
    attrs = [c for c in gdf.columns if c != gdf.geometry.name]
    names = unique_names([clean_heading(str(c)) or f"Field {i + 1}" for i, c in enumerate(attrs)])
    text = {name: _text_cells(gdf[col]) for name, col in zip(names, attrs, strict=True)}
    geometry = points_27700(gdf.geometry.reset_index(drop=True))
    keep = geometry.notna().to_numpy(dtype=bool, copy=True)
    for cells in text.values():
        keep |= cells.is_valid().to_numpy(zero_copy_only=False)
    source_row = np.arange(1, len(gdf) + 1, dtype=np.int64)[keep]
    if not keep.all():
        mask = pa.array(keep)
        text = {name: cells.filter(mask) for name, cells in text.items()}
    geometry = geometry[keep].reset_index(drop=True)
    # the object frame is built only if asked for: cleaning reads the Arrow text
    frame = DeferredFrame(text, len(source_row))
    return RawRegister(path, frame, source_row, geometry, None, None, None, text=text)
