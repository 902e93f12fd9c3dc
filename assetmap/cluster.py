"""Proximity clusters of the combined estate, people estimates and the cluster profile.

Clusters are found in metres on British National Grid (EPSG:27700), in two steps.

1. **Neighbours** (``clustering.method``):

   * ``dbscan`` (default): DBSCAN with ``eps = clustering.radius_m`` and ``min_samples =
     clustering.min_assets``. Assets stacked on one coordinate (many assets at one
     postcode centroid) are collapsed to one point weighted by their count, so work grows
     with distinct locations, not with the stack. It is computed from the pairs of
     locations within the radius (``scipy.spatial.cKDTree.query_pairs``, on two threads
     above 20,000 locations, each half of the country's locations by easting: the same
     pairs), kept sorted so that they are a sparse graph as they stand, and its connected
     groups: the same clusters as scikit-learn's ``DBSCAN`` with ``sample_weight``
     (tested against it), in a fraction of one scikit-learn DBSCAN's time at 10^6
     assets, width bound included. At two assets (the default) every location with a
     neighbour is a core point, so the clusters are simply the connected groups (no core
     and border pass).
   * ``hdbscan``: the ``hdbscan`` package (measured about ten times faster than
     scikit-learn's ``HDBSCAN`` at 10^5 points, see BENCHMARKS.md; scikit-learn's is used
     if the package is missing, without the epsilon) with ``min_cluster_size =
     min_samples = min_assets`` and ``cluster_selection_epsilon = radius_m``. It needs the
     ``hdbscan`` package in the install requirements.

2. **Width bound** (``clustering.max_diameter_m``, default five times the radius: 2,000 m).
   At national density DBSCAN chains whole cities into one cluster (a chain of buildings
   each within 400 m of the next can run for kilometres). A cluster that fits inside a
   circle ``max_diameter_m`` across is kept exactly as found. A wider one is divided into
   walkable groups:

   a. centres are chosen farthest-first among its locations (the first the location
      farthest from their mean, each next the location farthest from every centre so far;
      ties to the lower easting, then northing) until every location is within
      ``max_diameter_m / 2`` of a centre, and each location joins its nearest centre
      (the earlier one on a tie): every group fits inside the circle;
   b. a group that is not walkable (connected by steps of at most ``radius_m`` between its
      own buildings) is split into its walkable parts;
   c. a part with fewer than ``min_assets`` assets joins the part of the same cluster
      holding its nearest neighbour within the radius, among those it can join without
      leaving their circle; one that can join none is left out of clusters (10^6
      assets at random GB postcodes: 137 assets, 0.01%).

   So every cluster fits inside a circle ``max_diameter_m`` across and is walkable at
   ``radius_m``, and estates whose clusters are all narrower (a county: the demos' widest
   is 840 m) are clustered exactly as by DBSCAN alone.

In both, an asset with no other asset within ``radius_m`` is never in a cluster, assets
at one location share a cluster, and a cluster always has at least ``min_assets`` assets.
Clusters are numbered ``C001``, ``C002``, ... by total running cost (largest first), ties
by the position of their first asset, so the same estate always gives the same numbers.

People: where a register gives no capacity it is estimated from floor area as
``gia_m2 / density`` (``clustering.m2_per_person``, default 10 m² GIA per workplace, or a
``clustering.use_densities`` entry matching the asset's use); where it gives no occupancy
but a utilisation, occupancy is ``utilisation * capacity``. Every estimate is flagged.
"""

from __future__ import annotations

import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .config import ClusteringConfig

#: Columns :func:`estimate_people` adds.
PEOPLE_COLUMNS = (
    "plan_capacity",
    "plan_occupancy",
    "plan_utilisation",
    "capacity_estimated",
    "occupancy_estimated",
    "utilisation_estimated",
    "density_m2_per_person",
    "utilisation_band",
)

#: Columns of the estate layer :func:`profile_clusters` reads.
_PROFILE_READS = (
    "cluster_id",
    "partner",
    "gia_m2",
    "running_cost_gbp",
    "sensitive",
    "plan_occupancy",
    "plan_capacity",
    "plan_utilisation",
    "occupancy_estimated",
    "capacity_estimated",
)

#: Columns of the ``clusters`` layer, in order (geometry last).
CLUSTER_COLUMNS = (
    "cluster_id",
    "assets",
    "partners",
    "partner_count",
    "cross_partner",
    "gia_m2",
    "running_cost_gbp",
    "cost_per_m2_gbp",
    "utilisation",
    "occupancy",
    "capacity",
    "spare_capacity",
    "utilisation_band",
    "occupancy_estimated",
    "capacity_estimated",
    "utilisation_unknown",
    "sensitive_assets",
)


def _require(assets: pd.DataFrame, columns: tuple[str, ...]) -> None:
    if not isinstance(assets, gpd.GeoDataFrame):
        msg = f"expected a GeoDataFrame of assets, got {type(assets).__name__}"
        raise TypeError(msg)
    missing = [c for c in columns if c not in assets.columns]
    if missing:
        msg = f"the estate layer lacks the column(s) {', '.join(missing)}"
        raise ValueError(msg)
    if len(assets) and assets.crs is not None and not assets.crs.is_projected:
        msg = f"the estate layer must be in metres (EPSG:27700), got {assets.crs.to_string()}"
        raise ValueError(msg)


def asset_xy(assets: gpd.GeoDataFrame) -> np.ndarray:
    """Point coordinates as an (n, 2) array, NaN where the geometry is missing or empty.

    Points are read directly; any other geometry gives its centroid.
    """
    geom = np.asarray(assets.geometry.values, dtype=object)
    xy = np.full((len(assets), 2), np.nan)
    kind = shapely.get_type_id(geom)
    point = kind == 0
    if point.any():
        xy[point, 0] = shapely.get_x(geom[point])
        xy[point, 1] = shapely.get_y(geom[point])
    other = kind > 0
    if other.any():
        other[other] = ~shapely.is_empty(geom[other])
    if other.any():
        xy[other] = shapely.get_coordinates(shapely.centroid(geom[other]))
    return xy


def _dense_rank(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values (equal values, equal ranks), by one sort."""
    order = np.argsort(values)
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.cumsum(np.r_[False, np.diff(values[order]) != 0])
    return rank


def _lex_order(keys: list[np.ndarray]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key first; stable), by one sort of one whole-number key
    made of the keys' ranks (several times faster at 10^6 rows), where that key fits."""
    ranks = [_dense_rank(k) for k in keys]
    sizes = [int(r.max()) + 1 if len(r) else 1 for r in ranks]
    if float(np.prod(np.asarray(sizes, dtype=float))) >= 2.0**62:
        return np.lexsort(keys)
    key = np.zeros(len(keys[0]), dtype=np.int64)
    for rank, size in zip(reversed(ranks), reversed(sizes), strict=True):
        key *= size
        key += rank
    return np.argsort(key, kind="stable")


def _unique_points(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct locations (sorted by easting then northing), each row's location, and counts.

    The same as ``np.unique(xy, axis=0, return_inverse=True, return_counts=True)``, by one
    sort of a whole-number key: the easting's rank among the eastings (equal eastings, equal
    ranks) times the row count, plus the northing's place in order (the order of equal
    rows among themselves does not matter). Several times faster than a lexicographic
    sort at 10^6 rows, itself several times faster than ``np.unique``.
    """
    if not len(xy):
        return xy.reshape(0, 2), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n = len(xy)
    by_x = np.argsort(xy[:, 0])
    east = np.empty(n, dtype=np.int64)
    east[by_x] = np.cumsum(np.r_[False, np.diff(xy[by_x, 0]) != 0])
    north = np.empty(n, dtype=np.int64)
    north[np.argsort(xy[:, 1])] = np.arange(n)
    order = np.argsort(east * n + north)
    ordered = xy[order]
    new = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    ids = np.cumsum(new) - 1
    inverse = np.empty(len(xy), dtype=np.int64)
    inverse[order] = ids
    return ordered[new], inverse, np.bincount(ids)


class _Pairs(NamedTuple):
    """Pairs ``(first[k], second[k])`` of point numbers, ``first < second``, sorted by both."""

    first: np.ndarray
    second: np.ndarray


#: Distinct locations from which the pair search runs on two threads (cKDTree releases the GIL).
_THREADED_FROM = 20_000


def _pairs_in(
    points: np.ndarray, *, start: int, stop: int, keep: tuple[int, int], radius_m: float
) -> np.ndarray:
    """Sorted keys ``i << 32 | j`` of the pairs among ``points[start:stop]``, ``keep[0] <= i < keep[1]``."""
    found = cKDTree(points[start:stop]).query_pairs(radius_m, output_type="ndarray")
    keys = found[:, 0] << 32
    keys |= found[:, 1]
    del found
    if start:
        keys += (start << 32) | start  # no carry: j + start < 2**31
    if keep != (start, stop):
        keys = keys[(keys >= keep[0] << 32) & (keys < keep[1] << 32)]
    keys.sort()
    return keys


def _radius_pairs(points: np.ndarray, radius_m: float, *, workers: int = 1) -> _Pairs:
    """Every pair ``i < j`` of distinct points at most ``radius_m`` apart, sorted by ``i`` then ``j``.

    Each pair is decided by cKDTree's own distance test, so the pairs do not depend on how
    the search is split. With two ``workers`` and points sorted by easting (as
    :func:`_unique_points` gives them), the search runs on two threads: one finds the pairs
    whose ``i`` is in the first half of the points, among the points up to one radius
    (and a margin) east of that half, the other the pairs within the second half. The
    halves' sorted pairs, one after the other, are all the pairs in order.
    """
    n = len(points)
    empty = np.zeros(0, dtype=np.int32)
    if n < 2:
        return _Pairs(empty, empty)
    if n >= 2**31:  # pragma: no cover - beyond any machine's memory at this density
        msg = f"too many distinct locations to cluster ({n:,})"
        raise ValueError(msg)
    radius = float(radius_m)
    x = points[:, 0]
    if workers < 2 or n < 4 or not (np.diff(x) >= 0).all():
        parts = [_pairs_in(points, start=0, stop=n, keep=(0, n), radius_m=radius)]
    else:
        half = n // 2
        margin = radius * (1 + 1e-6) + 1e-6
        east = int(np.searchsorted(x, x[half - 1] + margin, side="right"))
        west = int(np.searchsorted(x, x[half] - margin, side="left"))
        jobs = [
            {"start": 0, "stop": east, "keep": (0, half), "radius_m": radius},
            {"start": west, "stop": n, "keep": (half, n), "radius_m": radius},
        ]
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(lambda job: _pairs_in(points, **job), jobs))
    # Each key is i << 32 | j: its high 32-bit word is i, its low word j.
    high, low = (1, 0) if sys.byteorder == "little" else (0, 1)
    pairs = _Pairs(*(np.empty(sum(len(k) for k in parts), dtype=np.int32) for _ in range(2)))
    at = 0
    for keys in parts:
        words = keys.view(np.int32).reshape(-1, 2)
        pairs.first[at : at + len(keys)] = words[:, high]
        pairs.second[at : at + len(keys)] = words[:, low]
        at += len(keys)
    return pairs


def _components(n: int, pairs: _Pairs, *, ones: np.ndarray | None = None) -> np.ndarray:
    """Connected component of each of ``n`` nodes joined by ``pairs`` (sorted, as from :func:`_radius_pairs`).

    The sorted pairs are the rows of a compressed sparse graph as they stand (no sort, no
    duplicate sum, 32-bit indices: at 10^6 assets, 2.3 x 10^7 pairs, three times faster than
    building it from coordinates); its weak components are the groups (the same groups and
    numbers as ``directed=False``: numbered in order of their lowest node). ``ones``: an
    array of at least as many ones as pairs to use for the edges' values (one array serves
    every graph of a clustering: at 10^6 assets each is 180 MB of fresh memory).
    """
    index = np.int32 if len(pairs.first) < 2**31 else np.int64
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum(np.bincount(pairs.first, minlength=n), out=indptr[1:])
    indices = pairs.second.astype(index, copy=False)
    values = np.ones(len(indices)) if ones is None or len(ones) < len(indices) else ones[: len(indices)]
    graph = sparse.csr_array((values, indices, indptr), shape=(n, n))
    return connected_components(graph, directed=True, connection="weak")[1]


def _labels_dbscan(
    points: np.ndarray,
    weights: np.ndarray,
    pairs: _Pairs,
    min_samples: int,
    *,
    ones: np.ndarray | None = None,
) -> np.ndarray:
    """DBSCAN labels of weighted points from their neighbour pairs (``eps`` is the pairs' radius).

    Gives the same clusters as scikit-learn's ``DBSCAN(eps, min_samples).fit(points,
    sample_weight=weights)`` (tested), in a fraction of the time and memory: a point is core
    when the weights within the radius, its own included, reach ``min_samples``; clusters
    are the connected groups of core points; a border point (not core, a core point within
    the radius) joins, as scikit-learn's expansion order does, the cluster whose lowest
    numbered core point comes first. Label numbers differ from scikit-learn's (clusters are
    renumbered by running cost afterwards anyway).
    """
    n = len(points)
    if min_samples <= 2:
        # Every point with a neighbour reaches two assets, so it is core, as is a stack
        # of two or more: clusters are the connected groups, with no border points.
        core = weights >= min_samples
        core[pairs.first] = True
        core[pairs.second] = True
        return np.where(core, _components(n, pairs, ones=ones), -1)
    w = weights.astype(float)
    a, b = pairs
    reach = w + np.bincount(a, weights=w[b], minlength=n) + np.bincount(b, weights=w[a], minlength=n)
    core = reach >= min_samples
    both = core[a] & core[b]
    comp = _components(n, _Pairs(a[both], b[both]), ones=ones)
    labels = np.where(core, comp, -1)
    mixed = core[a] != core[b]
    if mixed.any():
        border = np.where(core[a[mixed]], b[mixed], a[mixed])
        via = np.where(core[a[mixed]], a[mixed], b[mixed])
        seed = np.full(n, n, dtype=np.int64)
        np.minimum.at(seed, comp[core], np.flatnonzero(core))
        key = seed[comp[via]]
        order = np.lexsort((key, border))
        first = np.r_[True, border[order][1:] != border[order][:-1]]
        labels[border[order][first]] = comp[via[order][first]]
    return labels


def _labels_hdbscan(xy: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    try:
        import hdbscan

        model = hdbscan.HDBSCAN(
            min_cluster_size=config.min_assets,
            min_samples=config.min_assets,
            cluster_selection_epsilon=float(config.radius_m),
            core_dist_n_jobs=1,
        )
    except ImportError:  # pragma: no cover - depends on the environment
        from sklearn.cluster import HDBSCAN

        # No selection epsilon here: scikit-learn 1.9 fails with one (TypeError in
        # epsilon_search); lone assets are still unlabelled by _drop_lone.
        model = HDBSCAN(min_cluster_size=config.min_assets, min_samples=config.min_assets, copy=True)
    if len(xy) < 2:
        return np.full(len(xy), -1)
    return np.asarray(model.fit(xy).labels_)


def _drop_lone(xy: np.ndarray, labels: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    """Unlabel assets with no other asset of their cluster within the radius; drop small clusters."""
    labels = labels.copy()
    member = np.flatnonzero(labels >= 0)
    if len(member):
        tree = cKDTree(xy[member])
        dist, idx = tree.query(xy[member], k=2, distance_upper_bound=config.radius_m)
        # Only an asset with no other asset at all within the radius is unlabelled (HDBSCAN
        # can attach such outliers; for DBSCAN this never happens).
        labels[member[~np.isfinite(dist[:, 1])]] = -1
        del idx
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    small = ids[counts < config.min_assets]
    if len(small):
        labels[np.isin(labels, small)] = -1
    return labels


def _oversized(points: np.ndarray, labels: np.ndarray, diameter_m: float) -> np.ndarray:
    """Labels of the clusters that do not fit inside a circle ``diameter_m`` across.

    The bounding box settles most clusters (its diagonal fits, or one side is already too
    wide); the rest are measured exactly with GEOS's minimum bounding circle.
    """
    member = labels >= 0
    if not member.any():
        return np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({"label": labels[member], "x": points[member, 0], "y": points[member, 1]})
    box = frame.groupby("label", sort=True).agg(
        x0=("x", "min"), x1=("x", "max"), y0=("y", "min"), y1=("y", "max")
    )
    dx, dy = (box["x1"] - box["x0"]).to_numpy(), (box["y1"] - box["y0"]).to_numpy()
    limit = diameter_m * (1 + 1e-9)
    big = np.maximum(dx, dy) > limit
    unsure = ~big & (np.hypot(dx, dy) > limit)
    if unsure.any():
        ids = box.index.to_numpy()[unsure]
        sel = np.isin(frame["label"].to_numpy(), ids)
        order = np.argsort(frame["label"].to_numpy()[sel], kind="stable")
        _, dense = np.unique(frame["label"].to_numpy()[sel][order], return_inverse=True)
        xy = frame[["x", "y"]].to_numpy()[sel][order]
        radius = shapely.minimum_bounding_radius(shapely.multipoints(xy, indices=dense.ravel()))
        big[np.flatnonzero(unsure)] = 2 * radius > limit
    return box.index.to_numpy()[big]


def _farthest_first(points: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres chosen farthest-first until every point is within ``reach_m`` of one.

    The first centre is the point farthest from the points' mean; each next one is the
    point farthest from every centre so far (Gonzalez's k-centre traversal; ties go to
    the lower index). Returns each point's nearest centre (the earlier one on a tie) as
    a 0-based centre number, and the centres' indices into ``points``.
    """
    tree = cKDTree(points)
    x, y = points[:, 0], points[:, 1]
    wide = float(np.ptp(x) + np.ptp(y)) / 4
    start = int(np.argmax(np.hypot(*(points - points.mean(axis=0)).T)))
    dist = np.hypot(x - x[start], y - y[start])
    assign = np.zeros(len(points), dtype=np.int64)
    centres = [start]
    while True:
        c = int(np.argmax(dist))
        far = float(dist[c])
        if far <= reach_m:
            break
        if far > wide:  # the ball holds much of the group: every point, without a search
            d_new = np.hypot(x - x[c], y - y[c])
            closer = d_new < dist
            dist[closer] = d_new[closer]
            assign[closer] = len(centres)
            centres.append(c)
            continue
        # Only points within `far` of the new centre can be nearer to it than to their own.
        near = np.asarray(tree.query_ball_point(points[c], far * (1 + 1e-9) + 1e-6), dtype=np.int64)
        d_new = np.hypot(x[near] - x[c], y[near] - y[c])
        closer = d_new < dist[near]
        dist[near[closer]] = d_new[closer]
        assign[near[closer]] = len(centres)
        centres.append(c)
    return assign, np.asarray(centres, dtype=np.int64)


def _first_max(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Position of the first largest value of each run of ``sizes`` values (runs not empty)."""
    starts = np.cumsum(sizes) - sizes
    hit = np.flatnonzero(values == np.repeat(np.maximum.reduceat(values, starts), sizes))
    run = np.searchsorted(starts, hit, side="right")
    return hit[np.r_[True, run[1:] != run[:-1]]]


def _farthest_first_many(
    points: np.ndarray, sizes: np.ndarray, reach_m: float
) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`_farthest_first` of many groups at once, each step over all unfinished groups.

    ``points`` holds the groups one after another (``sizes`` points each). The same
    centres and assignment as one group at a time (every point is compared with each new
    centre of its group, rather than those within reach of it: the same answers, as a
    farther point cannot be nearer), for small groups without a loop per group. Returns
    each point's centre number within its group and each group's centres (indices into
    its own points).
    """
    first = np.cumsum(sizes) - sizes
    means = np.array([points[a : a + n].mean(axis=0) for a, n in zip(first, sizes, strict=True)])
    owner = np.repeat(np.arange(len(sizes)), sizes)
    start = _first_max(np.hypot(*(points - means[owner]).T), sizes)
    dist = np.hypot(*(points - points[start][owner]).T)
    assign = np.zeros(len(points), dtype=np.int64)
    found = [(np.arange(len(sizes)), start)]
    pos, group, size = np.arange(len(points)), np.arange(len(sizes)), sizes
    step = 0
    while len(group):
        centre = _first_max(dist, size)
        going = dist[centre] > reach_m
        if not going.all():
            keep = np.repeat(going, size)
            pos, dist, group, size, centre = (
                pos[keep],
                dist[keep],
                group[going],
                size[going],
                pos[centre[going]],
            )
        else:
            centre = pos[centre]
        if not len(group):
            break
        step += 1
        found.append((group, centre))
        d_new = np.hypot(*(points[pos] - np.repeat(points[centre], size, axis=0)).T)
        closer = d_new < dist
        dist[closer] = d_new[closer]
        assign[pos[closer]] = step
    group, centre = (np.concatenate(column) for column in zip(*found, strict=True))
    order = np.argsort(group, kind="stable")  # each group's centres in the order chosen
    chosen = np.split(
        centre[order] - first[group[order]], np.cumsum(np.bincount(group, minlength=len(sizes)))[:-1]
    )
    return assign, chosen


#: Oversized clusters of at most this many distinct locations are cut all at once.
_MANY_UP_TO = 2_000


def _pieces(
    points: np.ndarray, labels: np.ndarray, big: np.ndarray, reach_m: float, *, many_up_to: int = _MANY_UP_TO
) -> tuple[np.ndarray, np.ndarray]:
    """Cut each oversized cluster around farthest-first centres; returns piece ids and centres.

    Clusters of at most ``many_up_to`` locations are cut together
    (:func:`_farthest_first_many`), larger ones one at a time.
    """
    piece = np.full(len(points), -1, dtype=np.int32)
    members = np.flatnonzero(np.isin(labels, big))
    members = members[np.argsort(labels[members], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(labels[members]) != 0])
    groups = np.split(members, starts[1:])
    sizes = np.diff(np.r_[starts, len(members)])
    many = sizes <= many_up_to
    chosen: list[np.ndarray | None] = [None] * len(groups)
    if many.any():
        at = np.concatenate([groups[i] for i in np.flatnonzero(many)])
        assign, each = _farthest_first_many(points[at], sizes[many], reach_m)
        for i, c in zip(np.flatnonzero(many), each, strict=True):
            chosen[i] = c
        piece[at] = assign
    for i in np.flatnonzero(~many):
        assign, chosen[i] = _farthest_first(points[groups[i]], reach_m)
        piece[groups[i]] = assign
    centres: list[np.ndarray] = []
    taken = 0
    for group, c in zip(groups, chosen, strict=True):
        piece[group] += taken
        centres.append(points[group][c])
        taken += len(c)
    return piece, np.vstack(centres)


def _join_fragments(
    points: np.ndarray,
    weights: np.ndarray,
    pairs: _Pairs,
    labels: np.ndarray,
    part: np.ndarray,
    centre: np.ndarray,
    reach_m: float,
    min_assets: int,
) -> np.ndarray:
    """Fold parts with fewer than ``min_assets`` assets into a neighbouring part, or drop them.

    ``part`` is each point's part (-1 outside), ``centre`` each part's centre. A small part
    joins the part of the same cluster holding its nearest neighbour within the radius
    (ties: lower part number) among those whose centre all its points are within
    ``reach_m`` of, so the bound holds; a small part with no such neighbour is dropped
    (its assets are left out of clusters).
    """
    inside = part >= 0
    size = np.bincount(part[inside], weights=weights[inside], minlength=len(centre))
    small = size < min_assets
    if not small.any():
        return part
    # Only pairs with an end in a small part matter (at 10^6 assets a few thousand of 2 x 10^7).
    in_small = inside & small[np.maximum(part, 0)]
    touch = in_small[pairs.first] | in_small[pairs.second]
    a, b = pairs.first[touch], pairs.second[touch]
    pa, pb = part[a], part[b]
    ok = (pa >= 0) & (pb >= 0) & (labels[a] == labels[b])
    to_b = ok & small[np.maximum(pa, 0)] & ~small[np.maximum(pb, 0)]
    to_a = ok & small[np.maximum(pb, 0)] & ~small[np.maximum(pa, 0)]
    cand = pd.DataFrame(
        {
            "frag": np.r_[pa[to_b], pb[to_a]],
            "into": np.r_[pb[to_b], pa[to_a]],
            "dist": np.hypot(*(points[np.r_[a[to_b], b[to_a]]] - points[np.r_[b[to_b], a[to_a]]]).T),
        }
    )
    frag_pts = np.flatnonzero(in_small)
    spread = (
        cand[["frag", "into"]]
        .drop_duplicates()
        .merge(pd.DataFrame({"frag": part[frag_pts], "pt": frag_pts}), on="frag")
    )
    spread["far"] = np.hypot(*(points[spread["pt"].to_numpy()] - centre[spread["into"].to_numpy()]).T)
    fits = spread.groupby(["frag", "into"])["far"].max() <= reach_m * (1 + 1e-9)
    cand = cand.join(fits.rename("fits"), on=["frag", "into"])
    best = cand[cand["fits"]].sort_values(["frag", "dist", "into"], kind="mergesort").drop_duplicates("frag")
    target = np.full(len(centre), -1, dtype=np.int64)
    target[~small] = np.flatnonzero(~small)
    target[best["frag"].to_numpy()] = best["into"].to_numpy()
    return np.where(inside, target[np.maximum(part, 0)], -1)


def _bound_extent(
    points: np.ndarray,
    weights: np.ndarray,
    pairs: _Pairs,
    labels: np.ndarray,
    config: ClusteringConfig,
    *,
    ones: np.ndarray | None = None,
) -> np.ndarray:
    """Divide every cluster wider than ``config.diameter_m`` into walkable groups that fit.

    See the module docstring for the rule. Clusters that fit keep their labels.
    """
    big = _oversized(points, labels, config.diameter_m)
    if not len(big):
        return labels
    reach = config.diameter_m / 2
    piece, centre = _pieces(points, labels, big, reach)
    # Pairs within one piece (a subset of sorted pairs is sorted).
    piece_a = piece[pairs.first]
    same = piece_a == piece[pairs.second]
    same &= piece_a >= 0
    del piece_a
    comp = _components(len(points), _Pairs(pairs.first[same], pairs.second[same]), ones=ones)
    del same
    inside = piece >= 0
    _, part_in = np.unique(comp[inside], return_inverse=True)
    part = np.full(len(points), -1, dtype=np.int64)
    part[inside] = part_in.ravel()
    part_centre = np.zeros((int(part.max()) + 1, 2))
    part_centre[part[inside]] = centre[piece[inside]]
    part = _join_fragments(points, weights, pairs, labels, part, part_centre, reach, config.min_assets)
    out = labels.copy()
    out[inside] = np.where(part[inside] >= 0, int(labels.max()) + 1 + part[inside], -1)
    return out


def _labels(xy: np.ndarray, config: ClusteringConfig) -> np.ndarray:
    """Cluster label of each located asset (-1 alone): the method, then the width bound."""
    points, inverse, counts = _unique_points(xy)
    workers = 2 if len(points) >= _THREADED_FROM and (os.cpu_count() or 1) >= 2 else 1
    pairs = _radius_pairs(points, config.radius_m, workers=workers)
    ones = np.ones(len(pairs.first))  # the edges' values of every graph below
    if config.method == "dbscan":
        labels = _labels_dbscan(points, counts, pairs, config.min_assets, ones=ones)
    else:
        found = _drop_lone(xy, np.asarray(_labels_hdbscan(xy, config), dtype=np.int64), config)
        # Assets at one location share its cluster.
        labels = np.full(len(points), -1, dtype=np.int64)
        np.maximum.at(labels, inverse, found)
    return _bound_extent(points, counts, pairs, labels, config, ones=ones)[inverse]


def _codes(values: pd.Series) -> np.ndarray:
    """A number per distinct value, NaN where missing."""
    codes = pd.factorize(values.astype("string"))[0].astype(float)
    codes[codes < 0] = np.nan
    return codes


def _names(out: gpd.GeoDataFrame, labels: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """Cluster ids ``C001``... by running cost then first position, and partners per cluster."""
    n = len(out)
    partners = np.zeros(n, dtype=np.int64)
    member = labels >= 0
    if not member.any():
        return pd.Series(pd.NA, index=out.index, dtype="string"), partners
    frame = pd.DataFrame(
        {
            "label": labels[member],
            "cost": np.nan_to_num(pd.to_numeric(out["running_cost_gbp"], errors="coerce").to_numpy()[member]),
            "pos": np.flatnonzero(member),
            # Partners as numbers (missing: NaN, not counted), counted per cluster.
            "partner": _codes(out["partner"])[member],
        }
    )
    totals = frame.groupby("label", sort=True).agg(
        cost=("cost", "sum"), first=("pos", "min"), partners=("partner", "nunique")
    )
    totals = totals.sort_values(["cost", "first"], ascending=[False, True], kind="mergesort")
    width = max(3, len(str(len(totals))))
    names = np.array([None] + [f"C{i:0{width}d}" for i in range(1, len(totals) + 1)], dtype=object)
    rank = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    rank[totals.index.to_numpy()] = np.arange(1, len(totals) + 1)
    ids = names[np.where(member, rank[np.maximum(labels, 0)], 0)]
    cluster_id = pd.Series(pd.array(ids, dtype="string"), index=out.index)
    partners[member] = totals["partners"].reindex(labels[member]).to_numpy()
    return cluster_id, partners


def cluster_assets(assets: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Group assets that stand within walking distance of each other.

    Parameters
    ----------
    assets : GeoDataFrame
        The combined estate layer (EPSG:27700 points) with at least ``partner`` and
        ``running_cost_gbp``.
    config : ClusteringConfig
        ``radius_m``, ``min_assets``, ``method`` and ``max_diameter_m``.

    Returns
    -------
    GeoDataFrame
        A copy with ``cluster_id`` (string ``C001``..., ``<NA>`` for an asset standing
        alone or without a location) and ``cluster_partners`` (number of distinct partners
        in the asset's cluster, 0 when alone).
    """
    _require(assets, ("partner", "running_cost_gbp"))
    out = assets.copy(deep=False)  # copy on write: the register columns are shared, the new ones its own
    xy = asset_xy(out)
    ok = np.isfinite(xy).all(axis=1)
    labels = np.full(len(out), -1, dtype=np.int64)
    if ok.sum() >= config.min_assets:
        labels[ok] = _labels(xy[ok], config)
    out["cluster_id"], out["cluster_partners"] = _names(out, labels)
    return out


def _density(use: pd.Series, config: ClusteringConfig) -> np.ndarray:
    if not config.use_densities:
        return np.full(len(use), float(config.m2_per_person))
    codes, uniques = pd.factorize(use.astype("string").str.lower().fillna(""))
    text = pd.Series(np.asarray(uniques, dtype=object), dtype="string")
    density = np.full(len(text), float(config.m2_per_person))
    done = np.zeros(len(text), dtype=bool)
    for key in sorted(config.use_densities, key=lambda k: (-len(k), k)):
        pattern = r"\b" + re.escape(key.lower().strip()) + r"(?:s|es)?\b"
        hit = text.str.contains(pattern, regex=True).to_numpy(dtype=bool) & ~done
        density[hit] = float(config.use_densities[key])
        done |= hit
    return density[codes]


def band(utilisation: pd.Series | np.ndarray, config: ClusteringConfig) -> np.ndarray:
    """Utilisation band: ``low``, ``medium``, ``high`` or ``unknown`` (see ``ClusteringConfig``)."""
    u = np.asarray(utilisation, dtype=float)
    return np.where(
        np.isnan(u),
        "unknown",
        np.where(u < config.band_low, "low", np.where(u >= config.band_high, "high", "medium")),
    ).astype(object)


def estimate_people(assets: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Add the people figures the plan works with, estimating and flagging what is missing.

    Parameters
    ----------
    assets : GeoDataFrame
        The estate layer (``gia_m2``, ``occupancy``, ``capacity``, ``utilisation``, ``use``).
    config : ClusteringConfig
        ``m2_per_person`` and ``use_densities`` (m² GIA per person), bands.

    Returns
    -------
    GeoDataFrame
        A copy with ``plan_capacity`` (register capacity, else ``gia_m2 / density``),
        ``plan_occupancy`` (register occupancy, else ``utilisation * plan_capacity``),
        ``plan_utilisation`` (register utilisation, else ``plan_occupancy / plan_capacity``),
        the flags ``capacity_estimated``, ``occupancy_estimated``,
        ``utilisation_estimated``, ``density_m2_per_person`` (the density assumed, NaN where
        none was) and ``utilisation_band``. Register columns are left as they were.
    """
    _require(assets, ("gia_m2", "occupancy", "capacity", "utilisation", "use"))
    out = assets.copy(deep=False)  # copy on write: the register columns are shared, the new ones its own
    gia = pd.to_numeric(out["gia_m2"], errors="coerce").to_numpy(dtype=float)
    cap = pd.to_numeric(out["capacity"], errors="coerce").to_numpy(dtype=float).copy()
    occ = pd.to_numeric(out["occupancy"], errors="coerce").to_numpy(dtype=float).copy()
    util = pd.to_numeric(out["utilisation"], errors="coerce").to_numpy(dtype=float).copy()
    density = _density(out["use"], config)

    cap_est = np.isnan(cap) & (gia > 0)
    cap[cap_est] = gia[cap_est] / density[cap_est]
    cap[cap <= 0] = np.nan
    occ_est = np.isnan(occ) & ~np.isnan(util) & ~np.isnan(cap)
    occ[occ_est] = util[occ_est] * cap[occ_est]
    util_est = np.isnan(util) & ~np.isnan(occ) & ~np.isnan(cap)
    util[util_est] = occ[util_est] / cap[util_est]

    out["plan_capacity"] = cap
    out["plan_occupancy"] = occ
    out["plan_utilisation"] = util
    out["capacity_estimated"] = cap_est
    out["occupancy_estimated"] = occ_est
    out["utilisation_estimated"] = util_est & cap_est
    out["density_m2_per_person"] = np.where(cap_est, density, np.nan)
    out["utilisation_band"] = band(util, config)
    return out


def profile_clusters(assets_with_clusters: gpd.GeoDataFrame, config: ClusteringConfig) -> gpd.GeoDataFrame:
    """Describe each cluster: the ``clusters`` layer.

    Parameters
    ----------
    assets_with_clusters : GeoDataFrame
        Output of :func:`cluster_assets` (people columns are estimated here if absent).
    config : ClusteringConfig
        ``hull_buffer_m``, densities and bands.

    Returns
    -------
    GeoDataFrame
        One row per cluster in ``cluster_id`` order with :data:`CLUSTER_COLUMNS`:
        ``assets`` (count), ``partners`` (names joined by ``"; "``), ``partner_count``,
        ``cross_partner``, ``gia_m2`` and ``running_cost_gbp`` (sums of known values),
        ``cost_per_m2_gbp`` (over assets with both), ``utilisation`` (total occupancy over
        total capacity of assets with both), ``occupancy``, ``capacity``,
        ``spare_capacity`` (capacity minus occupancy over those assets),
        ``utilisation_band``, counts of estimated occupancy and capacity, of unknown
        utilisation and of sensitive assets. The geometry is the convex hull of the
        members, buffered by ``hull_buffer_m``; sensitive assets are left out of the hull
        so it never marks them, and a cluster of only sensitive assets has no geometry.
    """
    df = assets_with_clusters
    _require(df, ("cluster_id", "partner", "gia_m2", "running_cost_gbp", "sensitive"))
    if "plan_capacity" not in df.columns:
        df = estimate_people(df, config)
    crs = df.crs
    member = df["cluster_id"].notna().to_numpy()
    if not member.any():
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in CLUSTER_COLUMNS})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    # Only the columns the profile reads: copying every column of 10^6 rows took seconds.
    m = df.loc[member, [c for c in _PROFILE_READS if c in df.columns]]
    codes, uniques = pd.factorize(m["cluster_id"].astype("string"), sort=True)
    ids = np.asarray(uniques.astype(str), dtype=object)
    prof = pd.DataFrame({"cluster_id": ids})
    prof = prof.assign(**_profile_figures(m, codes, len(ids)), **_partner_lists(m, codes, len(ids)))
    prof["cross_partner"] = prof["partner_count"] >= 2
    prof["utilisation_band"] = band(prof["utilisation"].to_numpy(), config)
    sensitive = m["sensitive"].fillna(False).to_numpy(dtype=bool)
    geoms = _hulls(asset_xy(df)[member], codes, ~sensitive, len(ids), config.hull_buffer_m)
    prof = prof[list(CLUSTER_COLUMNS)]
    return gpd.GeoDataFrame(prof, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _profile_figures(m: pd.DataFrame, codes: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """The summed figures of each of ``k`` clusters (``codes``: each member's cluster number)."""

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=values.astype(float), minlength=k)

    def known_total(values: np.ndarray) -> np.ndarray:
        known = ~np.isnan(values)
        return np.where(total(known) > 0, total(np.where(known, values, 0.0)), np.nan)

    occ = m["plan_occupancy"].to_numpy(dtype=float)
    cap = m["plan_capacity"].to_numpy(dtype=float)
    both = ~np.isnan(occ) & ~np.isnan(cap)
    gia = pd.to_numeric(m["gia_m2"], errors="coerce").to_numpy(dtype=float)
    cost = pd.to_numeric(m["running_cost_gbp"], errors="coerce").to_numpy(dtype=float)
    costed = ~np.isnan(gia) & ~np.isnan(cost) & (gia > 0)
    cgia, ccost = total(np.where(costed, gia, 0.0)), total(np.where(costed, cost, 0.0))
    occupancy, capacity = total(np.where(both, occ, 0.0)), total(np.where(both, cap, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cost_per_m2 = np.where(cgia > 0, ccost / np.where(cgia > 0, cgia, 1.0), np.nan)
        utilisation = np.where(capacity > 0, occupancy / capacity, np.nan)
    counts = {
        "assets": np.bincount(codes, minlength=k),
        "occupancy_estimated": total(m["occupancy_estimated"].to_numpy(dtype=bool)),
        "capacity_estimated": total(m["capacity_estimated"].to_numpy(dtype=bool)),
        "utilisation_unknown": total(np.isnan(m["plan_utilisation"].to_numpy(dtype=float))),
        "sensitive_assets": total(m["sensitive"].fillna(False).to_numpy(dtype=bool)),
    }
    return {
        **{key: value.astype(np.int64) for key, value in counts.items()},
        "gia_m2": known_total(gia),
        "running_cost_gbp": known_total(cost),
        "cost_per_m2_gbp": cost_per_m2,
        "utilisation": utilisation,
        "occupancy": occupancy,
        "capacity": capacity,
        "spare_capacity": capacity - occupancy,
    }


def _partner_lists(m: pd.DataFrame, codes: np.ndarray, k: int) -> dict[str, object]:
    """Each cluster's partners, sorted and joined by ``"; "``, and how many there are."""
    pairs = pd.DataFrame({"code": codes, "partner": m["partner"].astype(str).to_numpy(dtype=object)})
    pairs = pairs.drop_duplicates().sort_values(["code", "partner"], kind="mergesort")
    code, names = pairs["code"].to_numpy(), pairs["partner"].tolist()
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]).tolist()
    joined = ["; ".join(names[a:b]) for a, b in zip(starts, [*starts[1:], len(names)], strict=True)]
    return {"partners": joined, "partner_count": np.bincount(code, minlength=k).astype(np.int64)}


def _hulls(xy: np.ndarray, codes: np.ndarray, shown: np.ndarray, k: int, buffer_m: float) -> np.ndarray:
    """Buffered convex hull of each cluster's shown members (None for a cluster with none).

    One point per distinct location of a cluster is enough for its hull (its first, in
    row order). The hull of two or more is taken of a line through them (the hull of the
    same coordinates as a multipoint's, without making a point object per location), of
    one the point itself.
    """
    geoms = np.full(k, None, dtype=object)
    keep = np.flatnonzero(shown & np.isfinite(xy).all(axis=1))
    if not len(keep):
        return geoms
    code, x, y = codes[keep], xy[keep, 0], xy[keep, 1]
    order = _lex_order([y, x, code])  # (stable: of one location, the first in row order first)
    new = np.r_[True, (np.diff(code[order]) != 0) | (np.diff(x[order]) != 0) | (np.diff(y[order]) != 0)]
    is_first = np.zeros(len(keep), dtype=bool)
    is_first[order[new]] = True
    first = np.flatnonzero(is_first)
    first = first[np.argsort(code[first], kind="stable")]
    present, start, count = np.unique(code[first], return_index=True, return_counts=True)
    coords = np.column_stack([x[first], y[first]])
    wide = count >= 2
    hulls = np.empty(len(present), dtype=object)
    lines = shapely.linestrings(
        coords[np.repeat(wide, count)], indices=np.repeat(np.arange(int(wide.sum())), count[wide])
    )
    hulls[wide] = shapely.convex_hull(lines)
    hulls[~wide] = shapely.points(coords[start[~wide]])
    geoms[present] = shapely.buffer(hulls, buffer_m) if buffer_m > 0 else hulls
    return geoms


__all__ = [
    "CLUSTER_COLUMNS",
    "PEOPLE_COLUMNS",
    "asset_xy",
    "cluster_assets",
    "estimate_people",
    "profile_clusters",
]
