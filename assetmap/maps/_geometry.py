"""Shapes shared by the HTML map and the pictures: the place outline and cluster hulls.

Both are drawn from the assets that may be shown (never from sensitive sites), in metres on
British National Grid, so neither can mark where a sensitive site is.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import ConvexHull, QhullError
from shapely.geometry.base import BaseGeometry

from ..config import Config
from ..schema import BNG


def shown_mask(assets: gpd.GeoDataFrame) -> np.ndarray:
    """Rows that may appear on a map: not sensitive and with a usable point."""
    if "sensitive" in assets.columns:
        sens = assets["sensitive"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        sens = np.zeros(len(assets), dtype=bool)
    geom = assets.geometry
    ok = ~(geom.isna().to_numpy() | geom.is_empty.to_numpy())
    return ~sens & ok


def outline_path(config: Config) -> Path | None:
    """The boundary file named by ``map.outline``, resolved against the config's folder."""
    path = getattr(config.map, "outline", None)
    if path is None:
        return None
    path = Path(path).expanduser()
    return path if path.is_absolute() else Path(config.base_dir) / path


def place_outline(shown: gpd.GeoDataFrame, config: Config) -> BaseGeometry | None:
    """The place's outline in EPSG:27700.

    Parameters
    ----------
    shown : GeoDataFrame
        Assets that may be shown (no sensitive sites), any CRS.
    config : Config
        ``map.outline`` (a boundary file any GDAL reader opens) is used when given.

    Returns
    -------
    shapely geometry or None
        The boundary file's shapes dissolved, else the convex hull of the assets buffered
        by 3% of their extent (at least 500 m), simplified to 50 m.
    """
    path = outline_path(config)
    if path is not None:
        frame = gpd.read_file(path)
        if frame.crs is None:
            frame = frame.set_crs(BNG)
        return shapely.make_valid(frame.to_crs(BNG).union_all())
    if len(shown) == 0:
        return None
    pts = shown.to_crs(BNG).geometry
    xy = np.unique(np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]).round(0), axis=0)
    hull = shapely.convex_hull(shapely.multipoints(_hull_candidates(xy)))
    (minx, miny), (maxx, maxy) = xy.min(axis=0), xy.max(axis=0)
    pad = max(500.0, 0.03 * max(maxx - minx, maxy - miny))
    return hull.buffer(pad).simplify(50)


def _hull_candidates(xy: np.ndarray) -> np.ndarray:
    """The points that can be on the convex hull of ``xy`` (Qhull's vertices; all when degenerate).

    GEOS then draws the hull from these few instead of from every asset, with the same result.
    """
    if len(xy) < 4:
        return xy
    try:
        return xy[np.sort(ConvexHull(xy).vertices)]
    except QhullError:  # all on a line, or a single point
        return xy


def cluster_hulls(shown: gpd.GeoDataFrame, buffer_m: float) -> dict[str, BaseGeometry]:
    """Buffered convex hull of each cluster's shown members, in EPSG:27700.

    Parameters
    ----------
    shown : GeoDataFrame
        Assets that may be shown, with ``cluster_id``.
    buffer_m : float
        Metres to buffer each hull by (``clustering.hull_buffer_m``).

    Returns
    -------
    dict
        ``cluster_id`` -> polygon; clusters with no shown member are absent.
    """
    if "cluster_id" not in shown.columns or len(shown) == 0:
        return {}
    member = shown.loc[shown["cluster_id"].notna()]
    if len(member) == 0:
        return {}
    pts = member.to_crs(BNG).geometry
    ids = member["cluster_id"].astype(str).to_numpy()
    codes, uniques = pd.factorize(ids, sort=True)
    order = np.argsort(codes, kind="stable")
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])[order]
    multi = shapely.multipoints(xy, indices=codes[order])
    hulls = shapely.convex_hull(multi)
    if buffer_m > 0:
        hulls = shapely.buffer(hulls, max(buffer_m, 1.0))
    else:
        hulls = shapely.buffer(hulls, 1.0)
    return dict(zip(uniques.tolist(), hulls.tolist(), strict=True))
