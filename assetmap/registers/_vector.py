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
from ._arrow_csv import PY_SPACE
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
    points = pts.to_crs(BNG).to_numpy()  # shapely geometries (None where missing)
    points[missing.to_numpy()] = None
    return gpd.GeoSeries(points, crs=BNG).reset_index(drop=True)


def _text_cells(column: pd.Series) -> np.ndarray:
    """A column's cells as :func:`cell_text` makes them, one by one: whole columns of text, of
    floating-point numbers, of integers and of booleans at once, anything else cell by cell."""
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "f":
        return _float_cells(values.astype(np.float64))
    if kind in "iu":
        return np.array(list(map(str, values.tolist())), dtype=object)
    if kind == "b":
        return np.where(values, "TRUE", "FALSE").astype(object)
    if isinstance(column.dtype, pd.StringDtype) or (
        kind == "O" and pd.api.types.infer_dtype(values, skipna=True) in {"string", "empty"}
    ):
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
        blank = pc.equal(pc.binary_length(pc.utf8_trim(text, characters=PY_SPACE)), 0)
        return pc.if_else(blank, pa.scalar(None, pa.large_string()), text).to_numpy(zero_copy_only=False)
    return np.array([cell_text(v) for v in column.tolist()], dtype=object)


def _float_cells(values: np.ndarray) -> np.ndarray:
    """Floats as :func:`assetmap.registers._raw._float_text` writes them (whole numbers without ``.0``)."""
    out = np.full(len(values), None, dtype=object)
    given = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        whole = given & (np.abs(values) < 1e15) & (np.floor(values) == values)
    out[whole] = np.array(list(map(str, values[whole].astype(np.int64).tolist())), dtype=object)
    rest = given & ~whole
    out[rest] = [f"{v:.15g}" for v in values[rest].tolist()]
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
    data = {name: _text_cells(gdf[col]) for name, col in zip(names, attrs, strict=True)}
    frame = pd.DataFrame(data, columns=names, dtype=object, index=pd.RangeIndex(len(gdf)))
    geometry = points_27700(gdf.geometry.reset_index(drop=True))
    keep = frame.notna().any(axis=1).to_numpy() | geometry.notna().to_numpy()
    source_row = np.arange(1, len(gdf) + 1, dtype=np.int64)[keep]
    frame = frame[keep].reset_index(drop=True)
    geometry = geometry[keep].reset_index(drop=True)
    return RawRegister(path, frame, source_row, geometry, None, None, None)
