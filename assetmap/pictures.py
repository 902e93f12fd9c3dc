"""Pictures for board papers: ``map.png`` and one PNG per top cluster, drawn with matplotlib.

They show the same things as the HTML map, from the same data and rules: the place's outline,
cluster shapes coloured by opportunity, assets coloured by partner kind and ringed by rating,
planned moves as arrows. Sensitive sites are never drawn and shapes are hulls of the assets
shown; in a cluster picture the red and amber assets are named. Text is drawn literally (no
mathtext, so ``$`` in a name stays a ``$``). The output is byte-for-byte the same for the same
input: no pyplot state, no timestamp or version in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from shapely.geometry.base import BaseGeometry

from ._io import atomic_path
from .config import Config
from .maps._geometry import cluster_hulls, place_outline, shown_mask
from .maps._style import CLUSTER_CATEGORIES, KIND_COLOURS, KIND_LABELS, RATING_COLOURS, money
from .schema import BNG

DPI = 150
#: Above this many assets the points are drawn as markers, one line per colour pair, which
#: Agg stamps from one rendered marker (about 7 times faster than a scatter at 1,000,000).
MARKERS_ABOVE = 20_000
_TEXT = {"parse_math": False}
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
    moves = set(c[opps["action"].isin(["relocate", "dispose"])])
    share = set(c[opps["action"] == "share"])
    return {i: 0 if i in moves else 1 if i in share else 2 for i in ids}


def _moves(opps: pd.DataFrame | None, shown: gpd.GeoDataFrame) -> np.ndarray:
    """Donor and receiver coordinates of relocations between shown assets: rows x0, y0, x1, y1."""
    need = {"action", "partner", "asset_id", "into_partner", "into_asset_id"}
    if opps is None or len(opps) == 0 or not need <= set(opps.columns):
        return np.empty((0, 4))
    key = (shown["partner"].astype(str) + "\x1f" + shown["asset_id"].astype(str)).to_numpy(dtype=object)
    xy = np.column_stack([shown.geometry.x.to_numpy(), shown.geometry.y.to_numpy()])
    first = ~pd.Index(key).duplicated()
    index = pd.Index(key[first])
    xy = xy[first]
    rel = opps.loc[opps["action"] == "relocate"]
    a = index.get_indexer(
        (rel["partner"].astype(str) + "\x1f" + rel["asset_id"].astype(str)).to_numpy(dtype=object)
    )
    b = index.get_indexer(
        (rel["into_partner"].astype(str) + "\x1f" + rel["into_asset_id"].astype(str)).to_numpy(dtype=object)
    )
    ok = (a >= 0) & (b >= 0)
    if not ok.any():
        return np.empty((0, 4))
    return np.column_stack([xy[a[ok]], xy[b[ok]]])


def _draw(ax: Any, shown: gpd.GeoDataFrame, hulls: dict[str, BaseGeometry], cats: dict[str, int],
          moves: np.ndarray, size: float) -> None:  # fmt: skip
    ids = sorted(hulls)
    colours = [CLUSTER_CATEGORIES[cats.get(cid, 2)][2] for cid in ids]
    _polys(ax, [hulls[cid] for cid in ids], colours, alpha=0.35, linewidths=1, zorder=2)
    if len(moves):
        ax.quiver(moves[:, 0], moves[:, 1], moves[:, 2] - moves[:, 0], moves[:, 3] - moves[:, 1],
                  angles="xy", scale_units="xy", scale=1, color="#6a3d9a", width=0.0025,
                  zorder=3)  # fmt: skip
    kinds = shown.get("partner_kind", pd.Series("other", index=shown.index)).astype(str)
    fill = kinds.map(KIND_COLOURS).fillna(KIND_COLOURS["other"])
    rating = shown.get("rating", pd.Series(None, index=shown.index, dtype=object)).astype(str).str.lower()
    edge = rating.map(RATING_COLOURS).fillna("#ffffff")
    x, y, width = shown.geometry.x.to_numpy(), shown.geometry.y.to_numpy(), max(0.6, size / 25)
    if len(shown) > MARKERS_ABOVE:
        _markers(ax, x, y, fill, edge, size=size, width=width)
    else:
        ax.scatter(x, y, s=size, c=_rgba(fill), edgecolors=_rgba(edge), linewidths=width, zorder=4)


def _markers(ax: Any, x: np.ndarray, y: np.ndarray, fill: pd.Series, edge: pd.Series, *, size: float,
             width: float) -> None:  # fmt: skip
    """Points as round markers, one line artist per (fill, edge) colour pair, in a fixed order.

    Looks like the scatter (``size`` is its area in points squared), drawn far faster.
    """
    pair = fill.astype(str).to_numpy(dtype=object) + "|" + edge.astype(str).to_numpy(dtype=object)
    codes, pairs = pd.factorize(pair, sort=True)
    for code, name in enumerate(pairs):
        face, ring = name.split("|")
        rows = np.flatnonzero(codes == code)
        ax.add_line(Line2D(x[rows], y[rows], linestyle="none", marker="o", markersize=float(np.sqrt(size)),
                           markerfacecolor=face, markeredgecolor=ring, markeredgewidth=width,
                           zorder=4))  # fmt: skip


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


def _legend(ax: Any, shown: gpd.GeoDataFrame, has_moves: bool, has_clusters: bool) -> None:
    handles: list[Any] = []
    kinds = sorted(set(shown.get("partner_kind", pd.Series(dtype=object)).astype(str)) & set(KIND_COLOURS))
    for kind in kinds:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=KIND_COLOURS[kind],
                              markeredgecolor="#ffffff", markersize=8, label=KIND_LABELS[kind]))  # fmt: skip
    if "rating" in shown.columns:
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
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        # zlib level 1: about half the encoding time of the default 6, for files about 10% larger.
        fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    return path


def _figure(title: str, footer: str) -> tuple[Figure, Any]:
    # A fixed layout: a layout engine draws the whole figure once more to measure it.
    fig = Figure(figsize=(10.0, 7.5))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.035, top=0.95)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_facecolor("#dfe6ec")
    fig.set_facecolor("#ffffff")
    # A fixed title position: the automatic one measures every artist in the axes on each draw.
    ax.set_title(title, fontsize=12, loc="left", y=1.0, pad=6, **_TEXT)
    fig.text(0.01, 0.005, footer, fontsize=7, color="#555555", **_TEXT)
    return fig, ax


def _rank(clusters: gpd.GeoDataFrame | None, opps: pd.DataFrame | None, shown: gpd.GeoDataFrame,
          ids: list[str]) -> list[str]:  # fmt: skip
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
    member = shown.loc[shown["cluster_id"].notna()]
    cost = (
        pd.to_numeric(member["running_cost_gbp"], errors="coerce")
        .groupby(member["cluster_id"].astype(str))
        .sum()
    )
    # Where savings and costs tie (registers without running costs), the clusters of most
    # partners, then most assets, come first: a board's co-location candidates.
    by = member["cluster_id"].astype(str)
    order = pd.DataFrame(
        {
            "saving": saving,
            "cost": cost.reindex(ids).fillna(0.0),
            "partners": member["partner"].groupby(by).nunique().reindex(ids).fillna(0),
            "assets": by.value_counts().reindex(ids).fillna(0),
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
    outline = place_outline(shown, config)
    hulls = cluster_hulls(shown, config.clustering.hull_buffer_m)
    ids = sorted(hulls)
    cats = _categories(opportunities, ids)
    moves = _moves(opportunities, shown)
    n = len(shown)
    partners = shown["partner"].nunique() if "partner" in shown.columns else 0
    note = f"{hidden:,} sensitive site(s) not shown. " if hidden else ""
    footer = (
        f"{n:,} assets of {partners} partners. {note}British National Grid (EPSG:27700). Made by assetmap."
    )
    fig, ax = _figure(f"{config.title}: public estate", footer)
    _outline(ax, outline)
    _draw(ax, shown, hulls, cats, moves, size=28 if n < 2000 else 10 if n < 20_000 else 3)
    if outline is not None:
        minx, miny, maxx, maxy = outline.bounds
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
    _scale_bar(ax)
    _legend(ax, shown, len(moves) > 0, bool(hulls))
    written = [_save(fig, out / "map.png")]

    top = getattr(config.map, "pictures_top_clusters", 10)
    chosen = _rank(clusters, opportunities, shown, ids)[:top]
    hull_ids = list(hulls)
    hull_geoms = np.array([hulls[c] for c in hull_ids], dtype=object)
    report(1, len(chosen) + 1)
    shapes = (hull_ids, hull_geoms, cats, moves)
    for rank, cid in enumerate(chosen, start=1):
        fig = _cluster_figure(cid, hulls[cid], shown, opportunities, shapes, outline, footer)
        safe = re.sub(r"[^A-Za-z0-9_-]+", "_", cid)
        written.append(_save(fig, out / f"cluster-{rank:02d}-{safe}.png"))
        report(rank + 1, len(chosen) + 1)
    # Pictures of clusters from an earlier run into the same folder would now be wrong.
    for stale in sorted(set(out.glob("cluster-*.png")) - set(written)):
        stale.unlink()
    return written


def _cluster_figure(
    cid: str,
    hull: BaseGeometry,
    shown: gpd.GeoDataFrame,
    opportunities: pd.DataFrame | None,
    shapes: tuple[list[str], np.ndarray, dict[str, int], np.ndarray],
    outline: BaseGeometry | None,
    footer: str,
) -> Figure:
    """One cluster's picture: its shape outlined, its neighbours, the red and amber assets named."""
    hull_ids, hull_geoms, cats, moves = shapes
    minx, miny, maxx, maxy = hull.bounds
    pad = max(maxx - minx, maxy - miny) * 0.25 + 100
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    near = shown.cx[box[0] : box[2], box[1] : box[3]]
    member = shown.loc[shown["cluster_id"].astype(str) == cid]
    saving = ""
    if opportunities is not None and len(opportunities) and "annual_saving_gbp" in opportunities.columns:
        total = pd.to_numeric(
            opportunities.loc[opportunities["cluster_id"].astype(str) == cid, "annual_saving_gbp"],
            errors="coerce",
        ).sum()
        saving = f"; saving {money(float(total))} a year" if total else ""
    title = f"Cluster {cid}: {len(member)} assets, {member['partner'].nunique()} partner(s){saving}"
    fig, ax = _figure(title, footer)
    _outline(ax, outline)
    close = np.flatnonzero(shapely.intersects(hull_geoms, shapely.box(*box)))
    _draw(ax, near, {hull_ids[i]: hull_geoms[i] for i in close}, cats, moves[_in_box(moves, box)], size=60)
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
    _legend(ax, near, len(moves) > 0, True)
    return fig


def _rgba(colours: pd.Series) -> np.ndarray:
    """Colour names as an RGBA array, converting each distinct colour once (not once per asset)."""
    codes, names = pd.factorize(colours.astype(str))
    table = to_rgba_array(list(names)) if len(names) else np.empty((0, 4))
    return table[codes] if len(codes) else np.empty((0, 4))


def _in_box(moves: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Moves with either end inside ``box`` (the rest cannot show in a cluster picture)."""
    x0, y0, x1, y1 = box
    ends = [(moves[:, i] >= x0) & (moves[:, i] <= x1) & (moves[:, i + 1] >= y0) & (moves[:, i + 1] <= y1)
            for i in (0, 2)]  # fmt: skip
    return ends[0] | ends[1]


def _outline(ax: Any, outline: BaseGeometry | None) -> None:
    _polys(ax, [outline], "#ffffff", edgecolor="#4a5560", linewidths=1.2, linestyles="--", zorder=1)
