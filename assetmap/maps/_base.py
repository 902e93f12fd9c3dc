"""The offline base map: the land of Great Britain and its local authority districts.

``assetmap/data/gb_base.json`` (built by ``scripts/make_offline_base.py`` from ONS/OS
boundaries, Open Government Licence v3.0; see ``assetmap/data/gb_base.README.md``) holds the
land for the country view and the districts' borders simplified for two closer zoom bands,
with each district's name and label point. The page draws it whenever it has no base map
tiles (offline, or tiles that cannot load), under everything else; the pictures draw it in
British National Grid (:func:`base_shapes`), under the assets.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from ..schema import BNG, WGS84


@functools.cache
def _text() -> str:
    return resources.files("assetmap").joinpath("data", "gb_base.json").read_text(encoding="ascii")


def base_map() -> dict[str, Any]:
    """The base map's data (a fresh copy; the format is described in the building script)."""
    return json.loads(_text())


@functools.cache
def _transformer() -> Transformer:
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


def _to_bng(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x, y = _transformer().transform(lon, lat)
    return np.column_stack([x, y])


@dataclass(frozen=True)
class Band:
    """One zoom band's district borders in EPSG:27700: each arc once, and each district's rings."""

    #: Per arc, its points (x, y), the box [x0, y0, x1, y1] and whether it is coast.
    arcs: list[np.ndarray]
    arc_boxes: np.ndarray
    coast: np.ndarray
    #: Per ring of a district (all districts one after the other): its points, box and district.
    rings: list[np.ndarray]
    ring_boxes: np.ndarray
    ring_district: np.ndarray


@dataclass(frozen=True)
class BaseShapes:
    """The base map in EPSG:27700, for the pictures (same data as the page's)."""

    attribution: str
    #: The land of the country view: rings, and each ring's box.
    land: list[np.ndarray]
    land_boxes: np.ndarray
    #: The districts' borders, coarse (regional views) then fine (closer in).
    bands: tuple[Band, ...]
    #: Each district's name, label point (x, y) and box [x0, y0, x1, y1].
    names: list[str]
    labels: np.ndarray
    boxes: np.ndarray


def _boxes(parts: list[np.ndarray]) -> np.ndarray:
    if not parts:
        return np.zeros((0, 4))
    empty = [np.inf, np.inf, -np.inf, -np.inf]  # meets no view
    return np.array([[*p.min(axis=0), *p.max(axis=0)] if len(p) else empty for p in parts])


def _band(band: dict[str, Any], data: dict[str, Any]) -> Band:
    steps = np.asarray(band["steps"], dtype=np.int64).reshape(-1, 2).cumsum(axis=0) / band["scale"]
    xy = _to_bng(steps[:, 0], steps[:, 1])
    arcs = np.split(xy, np.cumsum(band["points"])[:-1])
    rings, owner = [], []
    every = data["districts"]["rings"]
    for district, refs in ((d, ring) for d, rings_of in enumerate(every) for ring in rings_of):
        pieces = [arcs[r] if r >= 0 else arcs[~r][::-1] for r in refs]
        ring = np.concatenate([pieces[0], *(p[1:] for p in pieces[1:])]) if pieces else np.zeros((0, 2))
        if len(ring) >= 4:
            rings.append(ring)
            owner.append(district)
    coast = np.zeros(len(arcs), dtype=bool)
    coast[np.asarray(data["coast"], dtype=np.int64)] = True
    return Band(arcs, _boxes(arcs), coast, rings, _boxes(rings), np.asarray(owner, dtype=np.int64))


@functools.cache
def base_shapes() -> BaseShapes:
    """The base map in British National Grid metres, decoded once."""
    data = json.loads(_text())
    land = data["land"]
    rings = []
    for ring in land["rings"]:
        steps = np.asarray(ring, dtype=np.int64).reshape(-1, 2).cumsum(axis=0) / land["scale"]
        rings.append(_to_bng(steps[:, 0], steps[:, 1]))
    districts, scale = data["districts"], data["scale"]
    label = np.asarray(districts["label"], dtype=float) / scale
    box = np.asarray(districts["box"], dtype=float) / scale  # south, west, north, east
    low, high = _to_bng(box[:, 0], box[:, 1]), _to_bng(box[:, 2], box[:, 3])
    return BaseShapes(
        attribution=data["attribution"],
        land=rings,
        land_boxes=_boxes(rings),
        bands=tuple(_band(band, data) for band in data["bands"]),
        names=list(districts["name"]),
        labels=_to_bng(label[:, 0], label[:, 1]),
        boxes=np.column_stack([low, high]),
    )


def district_at(x: float, y: float) -> str | None:
    """The name of the district (finest band) holding the point ``x``, ``y`` (EPSG:27700), if any."""
    shapes = base_shapes()
    band = shapes.bands[-1]
    boxes = band.ring_boxes
    near = np.flatnonzero((boxes[:, 0] <= x) & (boxes[:, 2] >= x) & (boxes[:, 1] <= y) & (boxes[:, 3] >= y))
    for ring in near.tolist():
        if shapely.contains_xy(shapely.Polygon(band.rings[ring]), x, y):
            return shapes.names[int(band.ring_district[ring])]
    return None


__all__ = ["Band", "BaseShapes", "base_map", "base_shapes", "district_at"]
