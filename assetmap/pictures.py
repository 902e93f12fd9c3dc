"""Pictures for board papers: ``map.png`` and one PNG per top cluster, drawn with matplotlib.

They show the same things as the HTML map, from the same data and rules: the offline base map
of Great Britain (land, coast, district borders and names, ``maps._base``) under everything,
the place's outline, cluster shapes coloured by opportunity, assets coloured by partner kind
and ringed by rating, planned moves as arrows. Sensitive sites are never drawn and shapes are
hulls of the assets shown; in a cluster picture the red and amber assets are named. Text is
drawn literally (no mathtext, so ``$`` in a name stays a ``$``). Shapes of one kind are one
artist each (a collection, or one compound path per colour), never one per shape. The output
is byte-for-byte the same for the same input: no pyplot state, no timestamp or version in the
file.

For a national estate the work done once is shared by every picture: the shown assets' points
and colour codes, cluster members and shapes (made from the assets that can be their hulls'
corners), the moves; the cluster pictures are drawn one after another on one figure and
renderer, cleared between pictures, each byte for byte the picture drawn on a figure of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as DrawnPath
from PIL import Image
from shapely.geometry.base import BaseGeometry

from ._io import atomic_path
from .config import Config
from .maps._base import base_shapes, district_at
from .maps._geometry import cluster_hulls, outline_path, place_outline, shown_mask
from .maps._style import CLUSTER_CATEGORIES, KIND_COLOURS, KIND_LABELS, RATING_COLOURS, money
from .schema import BNG

DPI = 150
#: Above this many assets the points are drawn as markers, one line per colour pair, which
#: Agg stamps from one rendered marker (about 7 times faster than a scatter at 1,000,000).
MARKERS_ABOVE = 20_000
_TEXT = {"parse_math": False}
#: The base map's colours (as the page's, ``assetmap/data/map/base.js``): sea, land, coast,
#: district borders and district names.
_SEA, _LAND, _COAST, _BORDER, _PLACE = "#dfe6ec", "#f5f3ee", "#8aa0b4", "#bdb6aa", "#6b6459"
#: Where the view is on the small map of Great Britain.
CROSS = "#c51b7d"
#: Views wider than this (metres) show the land of the country view; narrower, the districts,
#: with their finer borders below :data:`_FINE_BELOW`.
_COUNTRY_ABOVE, _FINE_BELOW = 300_000, 60_000
#: The plot's size in pixels (10 by 7.5 inches at :data:`DPI`, less the margins).
_PLOT_PX = (10.0 * 0.98 * DPI, 7.5 * 0.915 * DPI)
#: The columns of the estate layer the pictures use.
_COLUMNS = ("partner", "partner_kind", "asset_id", "name", "cluster_id", "rating", "running_cost_gbp")


def _rings(geom: BaseGeometry | None) -> list[np.ndarray]:
    """The outer rings of a polygon or multipolygon, as arrays of x, y."""
    if geom is None or geom.is_empty:
        return []
    return [np.asarray(p.exterior.coords) for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]


def _polys(
    ax: Any, geoms: list[BaseGeometry | None], colours: list[str] | str, **style: Any
) -> PolyCollection:
    """Draw many polygons as one collection (one artist, not one per shape)."""
    rings, faces = [], []
    for i, geom in enumerate(geoms):
        parts = _rings(geom)
        rings.extend(parts)
        faces.extend([colours if isinstance(colours, str) else colours[i]] * len(parts))
    face = style.pop("facecolor", None)
    edge = style.pop("edgecolor", None)
    collection = PolyCollection(
        rings,
        facecolors=faces if face is None else face,
        edgecolors=faces if edge is None else edge,
        **style,
    )
    ax.add_collection(collection, autolim=True)
    if rings:
        ax.update_datalim(np.concatenate(rings))
        ax.autoscale_view()
    return collection


def _categories(opps: pd.DataFrame | None, ids: list[str]) -> dict[str, int]:
    if opps is None or len(opps) == 0 or not {"cluster_id", "action"} <= set(opps.columns):
        return dict.fromkeys(ids, 2)
    c = opps["cluster_id"].astype(str)
    moves = set(c[opps["action"].isin(["relocate", "dispose"])].unique().tolist())
    share = set(c[opps["action"] == "share"].unique().tolist())
    return {i: 0 if i in moves else 1 if i in share else 2 for i in ids}


def _text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column as Arrow text, as ``astype("string")`` gives it (a column of Python text read by
    Arrow where it is, without a conversion per value)."""
    if values.dtype == object:
        try:
            return pa.array(values.to_numpy(), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: numbers and the like
            pass
    return pa.array(values.astype("string").array)


def _key(frame: pd.DataFrame, partner: str, asset_id: str) -> pa.ChunkedArray:
    """Partner and asset id as one text (missing when either is), in Arrow."""
    parts = []
    for column in (partner, asset_id):
        text = _text(frame[column])
        chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
        parts.append(pa.chunked_array([c.cast(pa.large_string()) for c in chunks], type=pa.large_string()))
    return pc.binary_join_element_wise(*parts, pa.scalar("\x1f", pa.large_string()))


def _moves(opps: pd.DataFrame | None, shown: gpd.GeoDataFrame) -> np.ndarray:
    """Donor and receiver coordinates of relocations between shown assets: rows x0, y0, x1, y1."""
    need = {"action", "partner", "asset_id", "into_partner", "into_asset_id"}
    if opps is None or len(opps) == 0 or not need <= set(opps.columns):
        return np.empty((0, 4))
    rel = opps.loc[opps["action"] == "relocate", sorted(need - {"action"})]  # (not every column copied)
    # Only the shown assets a relocation names by id (a few of a national estate) are keyed.
    named = _text(pd.concat([rel["asset_id"], rel["into_asset_id"]]))
    named = named.combine_chunks() if isinstance(named, pa.ChunkedArray) else named
    found = pc.fill_null(pc.is_in(_text(shown["asset_id"]), value_set=named), False)
    rows = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    if len(rows) == 0:
        return np.empty((0, 4))
    geometry = shown.geometry.iloc[rows]
    shown = pd.DataFrame({"partner": shown["partner"].iloc[rows], "asset_id": shown["asset_id"].iloc[rows]})
    keys = [_key(shown, "partner", "asset_id"), _key(rel, "partner", "asset_id"),
            _key(rel, "into_partner", "into_asset_id")]  # fmt: skip
    codes = pc.dictionary_encode(pa.chunked_array([c for k in keys for c in k.chunks])).combine_chunks()
    code = pc.fill_null(codes.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    mine, donor, receiver = np.split(code, np.cumsum([len(k) for k in keys])[:2])
    first = np.full(len(codes.dictionary), -1, dtype=np.int64)  # each key's first shown asset
    rows = np.flatnonzero(mine >= 0)
    known, at = np.unique(mine[rows], return_index=True)
    first[known] = rows[at]
    a = np.where(donor >= 0, first[np.maximum(donor, 0)], -1)
    b = np.where(receiver >= 0, first[np.maximum(receiver, 0)], -1)
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return np.empty((0, 4))
    xy = np.column_stack([geometry.x.to_numpy(), geometry.y.to_numpy()])
    return np.column_stack([xy[a[ok]], xy[b[ok]]])


def _compound(geoms: list[BaseGeometry]) -> DrawnPath:
    """The outer rings of many polygons as one path (each ring counter-clockwise, so the
    overlaps of neighbours fill once)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    rings = shapely.get_exterior_ring(parts[shapely.get_type_id(parts) == 3])
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    if not len(xy):
        return DrawnPath(np.zeros((0, 2)))
    first = np.flatnonzero(np.r_[True, ring[1:] != ring[:-1]])
    xy = _counter_clockwise(xy, first)
    codes = np.full(len(xy), DrawnPath.LINETO, dtype=DrawnPath.code_type)
    codes[first] = DrawnPath.MOVETO
    codes[np.r_[first[1:] - 1, len(xy) - 1]] = DrawnPath.CLOSEPOLY
    return DrawnPath(xy, codes)


def _counter_clockwise(xy: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Closed rings (back to back in ``xy``, each starting at ``first``) with those turning clockwise
    reversed, as ``shapely.orient_polygons`` turns them: by their signed areas, in one pass."""
    last = np.r_[first[1:], len(xy)] - 1
    x, y = xy[:, 0] - xy[0, 0], xy[:, 1] - xy[0, 1]  # near the origin: fewer digits lost
    cross = np.r_[x[:-1] * y[1:] - x[1:] * y[:-1], 0.0]  # each point with the next (across rings too)
    area = np.add.reduceat(cross, first) - cross[last]  # less the step from one ring to the next
    ring = np.repeat(np.arange(len(first)), last - first + 1)
    turn = area[ring] < 0
    if not turn.any():
        return xy
    at = np.arange(len(xy))
    at[turn] = (first[ring] + last[ring] - at)[turn]
    return xy[at]


def _hulls(ax: Any, hulls: dict[str, BaseGeometry], cats: dict[str, int]) -> None:
    """Cluster shapes: one path per opportunity category, drawn as one collection."""
    ids = sorted(hulls)
    paths, colours = [], []
    for category, (_, _, colour) in enumerate(CLUSTER_CATEGORIES):
        chosen = [hulls[cid] for cid in ids if cats.get(cid, 2) == category]
        if chosen:
            paths.append(_compound(chosen))
            colours.append(colour)
    if paths:
        ax.add_collection(PathCollection(paths, facecolors=colours, edgecolors=colours, alpha=0.35,
                                         linewidths=1, zorder=2), autolim=False)  # fmt: skip


def _pieces(parts: np.ndarray, *, closed: bool) -> DrawnPath:
    """Many short lines (or triangles, ``closed``) of the same number of points as one path."""
    count, size = parts.shape[:2]
    codes = np.full((count, size + int(closed)), DrawnPath.LINETO, dtype=DrawnPath.code_type)
    codes[:, 0] = DrawnPath.MOVETO
    if closed:
        codes[:, -1] = DrawnPath.CLOSEPOLY
        parts = np.concatenate([parts, parts[:, :1]], axis=1)
    return DrawnPath(parts.reshape(-1, 2), codes.ravel())


def _arrows(ax: Any, moves: np.ndarray, head: float) -> None:
    """Planned moves as arrows (``head``: the longest head, in metres): one path of all the lines
    and one of all the heads."""
    start, end = moves[:, :2], moves[:, 2:]
    step = end - start
    length = np.hypot(step[:, 0], step[:, 1])
    keep = length > 0
    start, end, step, length = start[keep], end[keep], step[keep], length[keep]
    back = -step / length[:, None] * np.minimum(length * 0.3, head)[:, None]
    side = np.column_stack([-back[:, 1], back[:, 0]]) * 0.45
    heads = np.stack([end, end + back + side, end + back - side], axis=1)
    if not len(start):
        return
    lines = _pieces(np.stack([start, end], axis=1), closed=False)
    style = {"zorder": 3, "edgecolors": "#6a3d9a"}
    ax.add_collection(PathCollection([lines], facecolors="none", linewidths=1.2, **style), autolim=False)
    tips = _pieces(heads, closed=True)
    ax.add_collection(PathCollection([tips], facecolors="#6a3d9a", linewidths=0, **style), autolim=False)


@dataclass
class _Points:
    """The shown assets as drawn, prepared once for every picture: coordinates, each point's
    fill (partner kind) and ring (rating) as codes into colour tables, and the kinds present."""

    x: np.ndarray
    y: np.ndarray
    fill: np.ndarray
    fills: list[str]
    edge: np.ndarray
    edges: list[str]
    kind: np.ndarray
    kinds: list[str]
    rated: bool

    def take(self, rows: np.ndarray) -> _Points:
        """These points only (``rows``: positions or a mask)."""
        return _Points(self.x[rows], self.y[rows], self.fill[rows], self.fills, self.edge[rows], self.edges,
                       self.kind[rows], self.kinds, self.rated)  # fmt: skip

    def present(self) -> list[str]:
        """The partner kinds of these points, as text (as ``astype(str)`` gives them)."""
        return [self.kinds[code] for code in np.unique(self.kind) if code >= 0]


def _codes(
    values: pd.Series, *, table: dict[str, str], default: str, lower: bool,
    factorized: tuple[np.ndarray, Any] | None = None,
) -> tuple[np.ndarray, list[str]]:  # fmt: skip
    """Each value's colour from ``table`` (by its text, lower-cased when ``lower``; ``default`` for
    anything else, missing included), as codes into a list of colours: each distinct value is
    looked up once, not once per asset (``factorized``: the values' ``pd.factorize``, when made
    already; a missing value's own code there also takes the default)."""
    codes, uniques = factorized if factorized is not None else pd.factorize(values, use_na_sentinel=True)
    names = [str(u).lower() if lower else str(u) for u in uniques]
    colours = sorted({table.get(n, default) for n in names} | {default})
    lookup = np.array([colours.index(table.get(n, default)) for n in names] + [colours.index(default)])
    return lookup[codes], colours  # code -1 (missing) takes the last entry: the default


def _points(shown: gpd.GeoDataFrame) -> _Points:
    """:class:`_Points` of the shown assets (partner kinds and ratings as :func:`_draw` colours them)."""
    other = pd.Series("other", index=shown.index)
    kinds = shown.get("partner_kind", other)
    factorized = None
    if "partner_kind" in shown.columns:  # the legend's kinds: none without the column
        kind, uniques = factorized = pd.factorize(shown["partner_kind"], use_na_sentinel=False)
    else:
        kind, uniques = np.full(len(shown), -1), []
    fill, fills = _codes(kinds, table=KIND_COLOURS, default=KIND_COLOURS["other"], lower=False,
                         factorized=factorized)  # fmt: skip
    rating = shown.get("rating", pd.Series(None, index=shown.index, dtype=object))
    edge, edges = _codes(rating, table=RATING_COLOURS, default="#ffffff", lower=True)
    x, y = shown.geometry.x.to_numpy(), shown.geometry.y.to_numpy()
    return _Points(x, y, fill, fills, edge, edges, kind, [str(u) for u in uniques],
                   "rating" in shown.columns)  # fmt: skip


def _draw(ax: Any, points: _Points, hulls: dict[str, BaseGeometry], cats: dict[str, int],
          moves: np.ndarray, size: float, box: tuple[float, float, float, float]) -> None:  # fmt: skip
    _hulls(ax, hulls, cats)
    if len(moves):
        _arrows(ax, moves, head=(box[2] - box[0]) / 60)
    width = max(0.6, size / 25)
    if len(points.x) > MARKERS_ABOVE:
        _markers(ax, points, size=size, width=width)
    else:
        fill = to_rgba_array(points.fills)[points.fill] if len(points.x) else np.empty((0, 4))
        edge = to_rgba_array(points.edges)[points.edge] if len(points.x) else np.empty((0, 4))
        ax.scatter(points.x, points.y, s=size, c=fill, edgecolors=edge, linewidths=width, zorder=4)


def _markers(ax: Any, points: _Points, *, size: float, width: float) -> None:
    """Points as round markers, one line artist per (fill, edge) colour pair, in the order of the
    pairs' names ("fill|edge").

    Looks like the scatter (``size`` is its area in points squared), drawn far faster.
    """
    pair = points.fill.astype(np.int64) * len(points.edges) + points.edge
    order = np.argsort(pair, kind="stable")
    codes, starts = np.unique(pair[order], return_index=True)
    groups = np.split(order, starts[1:])
    names = [f"{points.fills[c // len(points.edges)]}|{points.edges[c % len(points.edges)]}" for c in codes]
    for at in sorted(range(len(names)), key=names.__getitem__):
        face, ring = names[at].split("|")
        rows = groups[at]
        ax.add_line(Line2D(points.x[rows], points.y[rows], linestyle="none", marker="o",
                           markersize=float(np.sqrt(size)), markerfacecolor=face, markeredgecolor=ring,
                           markeredgewidth=width, zorder=4))  # fmt: skip


def _meets(boxes: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Which of ``boxes`` ([x0, y0, x1, y1] rows) meet ``box``."""
    across = (boxes[:, 0] <= box[2]) & (boxes[:, 2] >= box[0])
    return across & (boxes[:, 1] <= box[3]) & (boxes[:, 3] >= box[1])


def _base_map(ax: Any, box: tuple[float, float, float, float]) -> None:
    """The offline base map of Great Britain under everything: only the shapes that meet the view
    ``box`` (the axes clip the rest), the land far out, the districts closer in, with names."""
    base = base_shapes()
    width = box[2] - box[0]
    if width > _COUNTRY_ABOVE:
        band = base.bands[0]
        land = [base.land[i] for i in np.flatnonzero(_meets(base.land_boxes, box))]
    else:
        band = base.bands[0 if width > _FINE_BELOW else 1]
        land = [band.rings[i] for i in np.flatnonzero(_meets(band.ring_boxes, box))]
    ax.add_collection(PolyCollection(land, facecolors=_LAND, edgecolors="none", zorder=0.2), autolim=False)
    arcs = np.flatnonzero(_meets(band.arc_boxes, box))
    for coast, colour, line in ((False, _BORDER, 0.5), (True, _COAST, 0.8)):
        chosen = [band.arcs[i] for i in arcs if band.coast[i] == coast]
        if width > _COUNTRY_ABOVE and not coast:
            line = 0.3
        ax.add_collection(LineCollection(chosen, colors=colour, linewidths=line, zorder=0.3), autolim=False)
    if not _place_names(ax, box):  # closer in than any district's name: say which district it is
        where = district_at((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        if where:
            plate = {"facecolor": "#ffffff", "edgecolor": "none", "alpha": 0.8}
            ax.text(0.5, 0.985, where, transform=ax.transAxes, fontsize=9, color=_PLACE, ha="center",
                    va="top", style="italic", zorder=6, bbox=plate, **_TEXT)  # fmt: skip
    if width <= _COUNTRY_ABOVE:
        _locator(ax.figure, box)


def _locator(fig: Figure, box: tuple[float, float, float, float]) -> None:
    """A small map of Great Britain in the top left corner, with where the view is (in a figure
    drawn again, the small map already there, with only where the view is drawn anew)."""
    inset = next((axes for axes in fig.axes if axes.get_label() == "locator"), None)
    if inset is None:
        inset = _locator_axes(fig)
    else:
        for mark in [*inset.lines, *inset.patches]:
            mark.remove()
    if box[2] - box[0] > 40_000:  # a county: its box; closer in, a dot
        inset.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False, edgecolor=CROSS,
                                  linewidth=1.0))  # fmt: skip
    else:
        inset.plot([(box[0] + box[2]) / 2], [(box[1] + box[3]) / 2], marker="o", markersize=4,
                   markerfacecolor=CROSS, markeredgecolor="#ffffff", markeredgewidth=0.6)  # fmt: skip


def _locator_axes(fig: Figure) -> Any:
    """The small map of Great Britain (without where the view is)."""
    base = base_shapes()
    inset = fig.add_axes((0.015, 0.70, 0.11, 0.24), label="locator")
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor(_SEA)
    for spine in inset.spines.values():
        spine.set_edgecolor("#8c8c8c")
        spine.set_linewidth(0.6)
    inset.add_collection(PolyCollection(base.land, facecolors=_LAND, edgecolors=_COAST, linewidths=0.3))
    low, high = base.land_boxes[:, :2].min(axis=0), base.land_boxes[:, 2:].max(axis=0)
    inset.set_xlim(low[0] - 20_000, high[0] + 20_000)
    inset.set_ylim(low[1] - 20_000, high[1] + 20_000)
    return inset


def _place_names(ax: Any, box: tuple[float, float, float, float]) -> int:
    """District names, closer in than the country view, whose district is wide enough in this
    view to hold them, biggest first, none over another; how many were drawn (-1 for the country)."""
    base = base_shapes()
    if box[2] - box[0] > _COUNTRY_ABOVE:
        return -1
    per_metre = min(_PLOT_PX[0] / (box[2] - box[0]), _PLOT_PX[1] / (box[3] - box[1]))
    inside = (
        (base.labels[:, 0] >= box[0]) & (base.labels[:, 0] <= box[2])
        & (base.labels[:, 1] >= box[1]) & (base.labels[:, 1] <= box[3])
    )  # fmt: skip
    wide = (base.boxes[:, 2] - base.boxes[:, 0]) * per_metre
    half = np.array([len(name) for name in base.names]) * 3.0  # pixels either side of the label point
    taken: list[tuple[float, float, float]] = []
    for i in sorted(np.flatnonzero(inside & (wide >= 2 * half)).tolist(), key=lambda i: (-wide[i], i)):
        x, y = base.labels[i] * per_metre
        if any(abs(x - tx) < half[i] + th and abs(y - ty) < 12 for tx, ty, th in taken):
            continue
        taken.append((x, y, half[i]))
        ax.text(*base.labels[i], base.names[i], fontsize=7, color=_PLACE, ha="center", va="center",
                zorder=1.5, clip_on=True, **_TEXT)  # fmt: skip
    return len(taken)


def _scale_bar(ax: Any) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    target = (x1 - x0) / 5
    length = max(
        v
        for v in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)
        if v <= max(target, 10)
    )
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="#222222", linewidth=3, zorder=6)
    text = f"{length // 1000} km" if length >= 1000 else f"{length} m"
    ax.text(
        bx + length / 2, by + 0.012 * (y1 - y0), text, ha="center", va="bottom", fontsize=8, zorder=6, **_TEXT
    )
    ax.annotate("N", xy=(0.96, 0.95), xytext=(0.96, 0.87), xycoords="axes fraction", ha="center", fontsize=10,
                arrowprops={"arrowstyle": "-|>", "color": "#222222"}, **_TEXT)  # fmt: skip


def _legend(ax: Any, points: _Points, has_moves: bool, has_clusters: bool) -> None:
    handles: list[Any] = []
    kinds = sorted(set(points.present()) & set(KIND_COLOURS))
    for kind in kinds:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=KIND_COLOURS[kind],
                              markeredgecolor="#ffffff", markersize=8, label=KIND_LABELS[kind]))  # fmt: skip
    if points.rated:
        for rating, colour in RATING_COLOURS.items():
            label = "Not rated" if rating == "unrated" else f"Rated {rating}"
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff",
                                  markeredgecolor=colour, markeredgewidth=2, markersize=8,
                                  label=label))  # fmt: skip
    if has_clusters:
        for _, label, colour in CLUSTER_CATEGORIES:
            handles.append(Patch(facecolor=colour, alpha=0.35, edgecolor=colour, label=label))
    if has_moves:
        handles.append(Line2D([], [], color="#6a3d9a", marker=">", label="Planned move"))
    if not handles:
        return
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    if (y1 - y0) / max(x1 - x0, 1e-9) > 1.1:  # a tall view (a country) leaves room on its right
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.02, 0.0), fontsize=7, framealpha=0.9)
    else:
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)


def _save(fig: Figure, path: Path) -> Path:
    """The figure as an RGB PNG (the picture is opaque: no alpha to encode), nothing else in it."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    fig.set_dpi(DPI)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    rgb = Image.frombuffer("RGBA", rgba.shape[1::-1], rgba, "raw", "RGBA", 0, 1).convert("RGB")  # (in C)
    with atomic_path(path) as tmp:
        # zlib level 1: about half the encoding time of the default 6, for files about 10% larger.
        rgb.save(tmp, format="png", compress_level=1, dpi=(DPI, DPI))
    return path


def _figure(title: str, footer: str) -> tuple[Figure, Any]:
    """A figure with one map axes, its title and its footer (with the base map's attribution)."""
    # A fixed layout: a layout engine draws the whole figure once more to measure it.
    fig = Figure(figsize=(10.0, 7.5))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.045, top=0.95)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_facecolor(_SEA)  # the sea, where the base map has no land
    fig.set_facecolor("#ffffff")
    _title(ax, title)
    FigureCanvasAgg(fig)  # the figure's canvas, kept: its renderer (and text sizes) serve every draw
    fig.text(0.01, 0.005, footer, fontsize=7, color="#555555", **_TEXT)
    fig.text(0.01, 0.022, f"Base map: {base_shapes().attribution}", fontsize=5.5, color="#777777", **_TEXT)
    return fig, ax


def _title(ax: Any, title: str) -> None:
    # A fixed title position: the automatic one measures every artist in the axes on each draw.
    ax.set_title(title, fontsize=12, loc="left", y=1.0, pad=6, **_TEXT)


def _again(fig: Figure, ax: Any, title: str) -> None:
    """A figure made by :func:`_figure` made ready for another picture: the map axes' artists
    removed (its frame, the figure's footer and the small map of Great Britain kept), a new
    title."""
    for artist in [*ax.collections, *ax.lines, *ax.texts, *ax.patches, *ax.artists, *ax.images]:
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)
    _title(ax, title)


def _rank(clusters: gpd.GeoDataFrame | None, opps: pd.DataFrame | None, shown: gpd.GeoDataFrame,
          ids: list[str], *,
          cluster_codes: tuple[np.ndarray, list[str]] | None = None) -> list[str]:  # fmt: skip
    if clusters is not None and "cluster_id" in clusters.columns:  # only the clusters asked for
        asked = set(clusters["cluster_id"].dropna().astype(str))
        ids = [cid for cid in ids if cid in asked]
    if not ids:
        return []
    saving = pd.Series(0.0, index=ids)
    if opps is not None and len(opps) and {"cluster_id", "annual_saving_gbp"} <= set(opps.columns):
        s = (
            pd.to_numeric(opps["annual_saving_gbp"], errors="coerce")
            .groupby(opps["cluster_id"].astype(str))
            .sum()
        )
        saving = s.reindex(ids).fillna(0.0)
    codes, names = cluster_codes or _cluster_codes(shown["cluster_id"])  # grouped by code, named after
    member = shown.loc[codes >= 0, ["running_cost_gbp", "partner"]]  # (not a copy of every column)
    by, named = codes[codes >= 0], pd.Index(names)
    # Partners as numbers (missing: NaN, not counted): counted without a Python object per asset.
    partner = pd.factorize(member["partner"])[0].astype(float)
    partner[partner < 0] = np.nan

    def per_cluster(grouped: pd.Series) -> pd.Series:
        return grouped.set_axis(named[grouped.index]).reindex(ids).fillna(0)

    # Where savings and costs tie (registers without running costs), the clusters of most
    # partners, then most assets, come first: a board's co-location candidates.
    order = pd.DataFrame(
        {
            "saving": saving,
            "cost": per_cluster(pd.to_numeric(member["running_cost_gbp"], errors="coerce").groupby(by).sum()),
            "partners": per_cluster(pd.Series(partner).groupby(by).nunique()),
            "assets": per_cluster(pd.Series(np.bincount(by, minlength=len(names)))),
            "id": ids,
        },
        index=ids,
    )
    return order.sort_values(
        ["saving", "cost", "partners", "assets", "id"],
        ascending=[False, False, False, False, True],
        kind="mergesort",
    ).index.tolist()


def write_pictures(
    out_dir: Path | str,
    *,
    assets: gpd.GeoDataFrame,
    clusters: gpd.GeoDataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    config: Config,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write ``map.png`` and ``cluster-NN-<id>.png`` for the top clusters.

    Parameters
    ----------
    out_dir : Path or str
        Folder for the pictures.
    assets : GeoDataFrame
        The estate layer, with the plan's columns when it has run.
    clusters : GeoDataFrame, optional
        The clusters to draw pictures of (their ``cluster_id``; shapes are redrawn from the
        shown assets): the plan's, or a selection of them. Default: every cluster.
    opportunities : DataFrame, optional
        The plan's opportunities: clusters are ranked by their annual saving, then by
        running cost, then partners and assets (registers without costs); relocations are
        drawn as arrows.
    config : Config
        ``title``, ``map.outline``, ``map.pictures_top_clusters`` and ``clustering.hull_buffer_m``.
    progress : callable, optional
        ``progress(done, total)`` after each picture.

    Returns
    -------
    list of Path
        The files written, ``map.png`` first.
    """
    out = Path(out_dir)
    report = progress or (lambda _done, _total: None)
    assets = assets if assets.crs is not None else assets.set_crs(BNG)
    keep = [c for c in _COLUMNS if c in assets.columns] + [assets.geometry.name]
    shown = assets.loc[shown_mask(assets), keep]  # only what is drawn: far less to copy per picture
    shown = shown if shown.crs.equals(BNG) else shown.to_crs(BNG)
    hidden = len(assets) - len(shown)
    points = _points(shown)
    outline = _outline_shape(shown, points, config)
    # Each shown asset's cluster as a number, found once for the hulls, the scene and the ranking.
    codes = _cluster_codes(shown["cluster_id"]) if "cluster_id" in shown.columns else None
    candidates = _hull_candidates(shown, points, codes=None if codes is None else codes[0])
    hulls = cluster_hulls(shown.iloc[candidates], config.clustering.hull_buffer_m)
    ids = sorted(hulls)
    cats, moves = _categories(opportunities, ids), _moves(opportunities, shown)
    scene = _Scene(shown, points, hulls, cats, moves, outline, _footer(shown, hidden), opportunities, codes)
    n = len(shown)
    fig, ax = _figure(f"{config.title}: public estate", scene.footer)
    box = _view(points, outline)
    _base_map(ax, box)
    _outline(ax, outline)
    _draw(ax, points, hulls, cats, moves, size=28 if n < 2000 else 10 if n < 20_000 else 3, box=box)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    _scale_bar(ax)
    _legend(ax, points, len(moves) > 0, bool(hulls))
    written = [_save(fig, out / "map.png")]

    top = getattr(config.map, "pictures_top_clusters", 10)
    chosen = _rank(clusters, opportunities, shown, ids, cluster_codes=codes)[:top]
    report(1, len(chosen) + 1)
    again = None  # one figure for every cluster picture: made once, cleared between pictures
    for rank, cid in enumerate(chosen, start=1):
        again = _cluster_figure(cid, scene, again)
        fig = again[0]
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", cid)
        written.append(_save(fig, out / f"cluster-{rank:02d}-{safe}.png"))
        report(rank + 1, len(chosen) + 1)
    # Pictures of clusters from an earlier run into the same folder would now be wrong.
    for stale in sorted(set(out.glob("cluster-*.png")) - set(written)):
        stale.unlink()
    return written


#: Directions in which each cluster's extreme assets are found (:func:`_hull_candidates`).
_TURNS = np.linspace(0, 2 * np.pi, 8, endpoint=False)


def _cluster_codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each asset's cluster as a code (-1 for none) into the clusters' names, as ``astype(str)``
    names them: values are hashed once, only the distinct ones turned into text."""
    raw, uniques = pd.factorize(values)
    names = [str(u) for u in uniques]
    same, distinct = pd.factorize(np.array(names, dtype=object))
    codes = np.where(raw >= 0, same[np.maximum(raw, 0)] if len(same) else 0, -1)
    return codes, [str(name) for name in distinct]


def _hull_candidates(
    shown: gpd.GeoDataFrame, points: _Points, *, codes: np.ndarray | None = None
) -> np.ndarray:
    """Positions of the assets that can be corners of their cluster's convex hull, in order.

    Each cluster's extreme assets in eight directions make a polygon inside its hull; an asset
    strictly inside that polygon (by more than a micrometre) cannot be a corner, so the hull
    of the rest is the same shape (Akl and Toussaint's heuristic): at national density about
    nine in ten assets are left out before GEOS makes a point of each.
    """
    if "cluster_id" not in shown.columns or len(shown) < 64:
        return np.arange(len(shown))
    codes = _cluster_codes(shown["cluster_id"])[0] if codes is None else codes
    order = np.argsort(codes, kind="stable")
    group, x, y = codes[order], points.x[order], points.y[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    which = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(group)]))
    corners = []
    for turn in _TURNS:  # each group's first asset furthest that way
        reach = x * np.cos(turn) + y * np.sin(turn)
        top = np.flatnonzero(reach >= np.maximum.reduceat(reach, starts)[which])
        corners.append(top[np.unique(which[top], return_index=True)[1]])
    inside = np.ones(len(group), dtype=bool)
    for here, there in zip(corners, corners[1:] + corners[:1], strict=True):
        dx, dy = x[there] - x[here], y[there] - y[here]  # each group's edge, left of it inside
        edge = np.hypot(dx, dy)
        left = dx[which] * (y - y[here][which]) - dy[which] * (x - x[here][which])
        inside &= (edge == 0)[which] | (left > (edge * 1e-6)[which])
    inside[np.concatenate(corners)] = False  # (all of a cluster at one place: its first asset)
    return np.sort(order[~inside & (group >= 0)])  # (assets of no cluster have no hull)


def _footer(shown: gpd.GeoDataFrame, hidden: int) -> str:
    """Every picture's footer: how many assets of how many partners, sensitive sites left out."""
    partners = shown["partner"].nunique() if "partner" in shown.columns else 0
    note = f"{hidden:,} sensitive site(s) not shown. " if hidden else ""
    where = "British National Grid (EPSG:27700). Made by assetmap."
    return f"{len(shown):,} assets of {partners} partners. {note}{where}"


class _Scene:
    """What every cluster picture draws from, found once: the shown assets and their points,
    the cluster shapes (with their boxes) and categories, the moves, the outline and footer,
    and which assets and opportunities belong to which cluster."""

    def __init__(self, shown: gpd.GeoDataFrame, points: _Points, hulls: dict[str, BaseGeometry],
                 cats: dict[str, int], moves: np.ndarray, outline: BaseGeometry | None, footer: str,
                 opportunities: pd.DataFrame | None,
                 cluster_codes: tuple[np.ndarray, list[str]] | None = None) -> None:  # fmt: skip
        self.shown, self.points, self.hulls, self.cats, self.moves = shown, points, hulls, cats, moves
        self.outline, self.footer = outline, footer
        self.hull_ids = list(hulls)
        self.hull_geoms = np.array([hulls[c] for c in self.hull_ids], dtype=object)
        self.hull_boxes = shapely.bounds(self.hull_geoms).reshape(-1, 4)
        if "cluster_id" in shown.columns:
            codes, names = cluster_codes or _cluster_codes(shown["cluster_id"])
        else:
            codes, names = np.full(len(shown), -1), []
        self._cluster_codes, self._clusters = codes, {name: code for code, name in enumerate(names)}
        self.savings: pd.Series | None = None
        if opportunities is not None and len(opportunities) and "annual_saving_gbp" in opportunities.columns:
            saving = pd.to_numeric(opportunities["annual_saving_gbp"], errors="coerce")
            self.savings = saving.set_axis(opportunities["cluster_id"].astype(str).to_numpy())

    def members(self, cid: str) -> np.ndarray:
        """Positions (in :attr:`shown`) of the cluster's shown assets."""
        return np.flatnonzero(self._cluster_codes == self._clusters.get(cid, -2))

    def saving(self, cid: str) -> float:
        """The cluster's annual saving (0 without a plan)."""
        if self.savings is None:
            return 0.0
        return float(self.savings.loc[self.savings.index == cid].sum())

    def near(self, box: tuple[float, ...]) -> tuple[_Points, dict[str, BaseGeometry], np.ndarray]:
        """The points, cluster shapes and moves that can show in ``box``."""
        x, y = self.points.x, self.points.y
        inside = (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])
        maybe = np.flatnonzero(_meets(self.hull_boxes, box))
        close = maybe[shapely.intersects(self.hull_geoms[maybe], shapely.box(*box))]
        shapes = {self.hull_ids[i]: self.hull_geoms[i] for i in close}
        return self.points.take(inside), shapes, self.moves[_in_box(self.moves, box)]


def _cluster_figure(cid: str, scene: _Scene, again: tuple[Figure, Any] | None = None) -> tuple[Figure, Any]:
    """One cluster's picture: its shape outlined, its neighbours, the red and amber assets named
    (on the figure and axes ``again``, when given: the figure of the cluster before)."""
    hull = scene.hulls[cid]
    minx, miny, maxx, maxy = hull.bounds
    pad = max(maxx - minx, maxy - miny) * 0.25 + 100
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    near, shapes, moves = scene.near(box)
    member = scene.shown.iloc[scene.members(cid)]
    total = scene.saving(cid)
    saving = f"; saving {money(total)} a year" if total else ""
    title = f"Cluster {cid}: {len(member)} assets, {member['partner'].nunique()} partner(s){saving}"
    if again is None:
        fig, ax = _figure(title, scene.footer)
    else:
        fig, ax = again
        _again(fig, ax, title)
    _base_map(ax, box)
    _outline(ax, scene.outline)
    _draw(ax, near, shapes, scene.cats, moves, size=60, box=box)
    _polys(ax, [hull], "none", edgecolor="#222222", linewidths=2, zorder=3)
    names = member["asset_id"].astype(str)
    if "name" in member.columns:
        names = member["name"].astype(object).where(member["name"].notna(), names).astype(str)
    labelled = (
        member["rating"].astype(str).str.lower().isin(["red", "amber"])
        if "rating" in member.columns
        else names.notna()
    )
    spots = zip(member.geometry.x[labelled], member.geometry.y[labelled], names[labelled], strict=True)
    for x, y, name in list(spots)[:25]:
        ax.text(x, y, f"  {name}", fontsize=7, va="center", zorder=5, clip_on=True, **_TEXT)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    _scale_bar(ax)
    _legend(ax, near, len(scene.moves) > 0, True)
    return fig, ax


def _in_box(moves: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Moves with either end inside ``box`` (the rest cannot show in a cluster picture)."""
    x0, y0, x1, y1 = box
    ends = [(moves[:, i] >= x0) & (moves[:, i] <= x1) & (moves[:, i + 1] >= y0) & (moves[:, i + 1] <= y1)
            for i in (0, 2)]  # fmt: skip
    return ends[0] | ends[1]


def _outline_shape(shown: gpd.GeoDataFrame, points: _Points, config: Config) -> BaseGeometry | None:
    """The place's outline: the boundary file's, or the assets' buffered hull; no hull for a
    national estate or one spread over the country (the base map shows the country, as the
    national page does, and a hull would cut across the sea)."""
    if outline_path(config) is None:
        box = _view(points, None)
        if len(shown) > config.map.pyramid_above or box[2] - box[0] > _COUNTRY_ABOVE:
            return None
    return place_outline(shown, config)


def _view(points: _Points, outline: BaseGeometry | None) -> tuple[float, float, float, float]:
    """The box ``map.png`` shows: the outline's, else the assets' with a margin (Great Britain's
    when there is neither)."""
    if outline is not None and not outline.is_empty:
        return tuple(outline.bounds)
    if len(points.x) == 0:
        return (0.0, 0.0, 700_000.0, 1_250_000.0)
    x, y = points.x, points.y
    pad = max(500.0, 0.03 * max(x.max() - x.min(), y.max() - y.min()))
    return (x.min() - pad, y.min() - pad, x.max() + pad, y.max() + pad)


def _outline(ax: Any, outline: BaseGeometry | None) -> None:
    """The place's outline, dashed over the base map."""
    _polys(ax, [outline], "none", edgecolor="#4a5560", linewidths=1.2, linestyles="--", zorder=1)
