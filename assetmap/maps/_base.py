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
import hashlib
import json
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from pyproj import Transformer

from .._cache import cache_dir
from .._io import atomic_path
from ..schema import BNG, WGS84

#: Bump when the cached arrays' layout changes (:func:`base_shapes`).
_CACHE_SCHEMA = 1


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
    """The base map in British National Grid metres, decoded once.

    Decoding (the JSON parsed, every point projected) takes about half a second, so the arrays
    are kept in the user's cache folder (``_cache.cache_dir()/base``), keyed by the base map's
    text and the PROJ version, and read back on later runs: the same numbers, bit for bit.
    Deleting the folder is always safe.
    """
    text = _text()
    path = _cache_file(text)
    if path is not None and path.exists():
        try:
            with np.load(path, allow_pickle=False) as arrays:
                return _unpack({name: arrays[name] for name in arrays.files})
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # unreadable: decoded afresh
            pass
    shapes = _decode(text)
    if path is not None:
        try:
            with atomic_path(path) as tmp, tmp.open("wb") as handle:
                np.savez(handle, **_pack(shapes))
        except OSError:  # a read-only cache: decoded again next time
            pass
    return shapes


def _cache_file(text: str) -> Path | None:
    """Where the decoded base map of ``text`` is kept (none when there is no cache folder)."""
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    ident = f"{digest}|{pyproj.__version__}|{pyproj.proj_version_str}|s{_CACHE_SCHEMA}"
    try:
        folder = cache_dir() / "base"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"gb_base-{hashlib.sha256(ident.encode()).hexdigest()[:16]}.npz"


def _decode(text: str) -> BaseShapes:
    """The base map's JSON ``text`` decoded and projected to British National Grid."""
    data = json.loads(text)
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


def _joined(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Many (n, 2) arrays as one, and where each ends."""
    ends = np.cumsum([len(p) for p in parts], dtype=np.int64)
    return (np.concatenate(parts) if parts else np.zeros((0, 2))), ends


def _split(points: np.ndarray, ends: np.ndarray) -> list[np.ndarray]:
    return np.split(points, ends[:-1]) if len(ends) else []


def _pack(shapes: BaseShapes) -> dict[str, np.ndarray]:
    """The shapes as plain arrays, for :func:`numpy.savez` (no pickled objects)."""
    land, land_ends = _joined(shapes.land)
    arrays = {
        "attribution": np.array(shapes.attribution), "land": land, "land_ends": land_ends,
        "land_boxes": shapes.land_boxes, "names": np.array(shapes.names, dtype=str),
        "labels": shapes.labels, "boxes": shapes.boxes, "bands": np.array(len(shapes.bands)),
    }  # fmt: skip
    for i, band in enumerate(shapes.bands):
        (arcs, arc_ends), (rings, ring_ends) = _joined(band.arcs), _joined(band.rings)
        arrays |= {
            f"b{i}_arcs": arcs, f"b{i}_arc_ends": arc_ends, f"b{i}_arc_boxes": band.arc_boxes,
            f"b{i}_coast": band.coast, f"b{i}_rings": rings, f"b{i}_ring_ends": ring_ends,
            f"b{i}_ring_boxes": band.ring_boxes, f"b{i}_ring_district": band.ring_district,
        }  # fmt: skip
    return arrays


def _unpack(arrays: dict[str, np.ndarray]) -> BaseShapes:
    """:class:`BaseShapes` from :func:`_pack`'s arrays."""
    bands = tuple(
        Band(
            _split(arrays[f"b{i}_arcs"], arrays[f"b{i}_arc_ends"]), arrays[f"b{i}_arc_boxes"],
            arrays[f"b{i}_coast"], _split(arrays[f"b{i}_rings"], arrays[f"b{i}_ring_ends"]),
            arrays[f"b{i}_ring_boxes"], arrays[f"b{i}_ring_district"],
        )
        for i in range(int(arrays["bands"]))
    )
    return BaseShapes(
        attribution=str(arrays["attribution"]),
        land=_split(arrays["land"], arrays["land_ends"]),
        land_boxes=arrays["land_boxes"],
        bands=bands,
        names=[str(name) for name in arrays["names"]],
        labels=arrays["labels"],
        boxes=arrays["boxes"],
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
