"""Proximity clusters and the cluster profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from support import DEMO

from assetmap.cluster import CLUSTER_COLUMNS, cluster_assets, estimate_people, profile_clusters
from assetmap.config import ClusteringConfig
from assetmap.testing import ORIGIN, office
from assetmap.testing import make_estate as estate

CFG = ClusteringConfig(radius_m=400, min_assets=2)
X0, Y0 = ORIGIN


def test_lone_building_never_in_a_cluster() -> None:
    out = cluster_assets(estate(office(), office(x=300, partner="NHS"), office(x=3_000)), CFG)
    assert out["cluster_id"].iloc[:2].tolist() == ["C001", "C001"]
    assert pd.isna(out["cluster_id"].iloc[2])
    assert out["cluster_partners"].tolist() == [2, 2, 0]
    assert str(out["cluster_id"].dtype) == "string"


def test_radius_is_the_neighbour_distance() -> None:
    assets = estate(office(), office(x=450))
    assert cluster_assets(assets, CFG)["cluster_id"].isna().all()
    assert cluster_assets(assets, ClusteringConfig(radius_m=500))["cluster_id"].notna().all()


def test_chains_join_within_the_radius() -> None:
    out = cluster_assets(estate(office(), office(x=350), office(x=700), office(x=1_050)), CFG)
    assert out["cluster_id"].nunique() == 1


def test_stacked_duplicates_counted_with_sample_weight() -> None:
    # Two assets share one postcode centroid; a third stands 300 m away. With min_assets=3
    # the stacked point weighs 2, so with its neighbour it makes a core point of 3.
    cfg = ClusteringConfig(radius_m=400, min_assets=3)
    out = cluster_assets(estate(office(), office(partner="NHS"), office(x=300)), cfg)
    assert out["cluster_id"].notna().all()
    # Two stacked and nothing near: 2 < 3, no cluster.
    out = cluster_assets(estate(office(), office(partner="NHS"), office(x=3_000)), cfg)
    assert out["cluster_id"].isna().all()
    # Many stacked on one point form one cluster; a lone asset far away stays alone.
    rows = [office(partner=f"P{i % 3}") for i in range(50)] + [office(x=9_000)]
    out = cluster_assets(estate(*rows), cfg)
    assert out["cluster_id"].iloc[:50].eq("C001").all()
    assert pd.isna(out["cluster_id"].iloc[50])
    assert out["cluster_partners"].iloc[0] == 3


def test_numbered_by_running_cost_then_position() -> None:
    out = cluster_assets(
        estate(
            office(running_cost_gbp=10.0),
            office(x=100, running_cost_gbp=10.0),
            office(x=5_000, running_cost_gbp=1e6),
            office(x=5_100, running_cost_gbp=np.nan),
            office(x=10_000, running_cost_gbp=10.0),
            office(x=10_100, running_cost_gbp=10.0),
        ),
        CFG,
    )
    assert out["cluster_id"].tolist() == ["C002", "C002", "C001", "C001", "C003", "C003"]


def test_missing_geometry_is_alone() -> None:
    assets = estate(office(), office(x=100), office(x=100))
    assets.loc[assets.index[2], "geometry"] = None
    out = cluster_assets(assets, CFG)
    assert pd.isna(out["cluster_id"].iloc[2])
    assert out["cluster_id"].iloc[:2].notna().all()


def test_hdbscan_method_finds_groups_and_leaves_lone_buildings() -> None:
    rng = np.random.default_rng(1)
    rows = [office(x=float(rng.uniform(0, 200)), y=float(rng.uniform(0, 200))) for _ in range(10)]
    rows += [office(x=20_000 + float(rng.uniform(0, 200)), y=float(rng.uniform(0, 200))) for _ in range(10)]
    rows += [office(x=50_000)]
    out = cluster_assets(estate(*rows), ClusteringConfig(method="hdbscan", radius_m=400, min_assets=2))
    assert out["cluster_id"].iloc[:10].nunique() == 1
    assert out["cluster_id"].iloc[10:20].nunique() == 1
    assert out["cluster_id"].iloc[0] != out["cluster_id"].iloc[10]
    assert pd.isna(out["cluster_id"].iloc[20])


def test_asset_id_not_assumed_unique() -> None:
    out = cluster_assets(estate(office(asset_id="1"), office(x=100, asset_id="1", partner="NHS")), CFG)
    assert out["cluster_partners"].tolist() == [2, 2]


def test_deterministic_and_input_untouched() -> None:
    rng = np.random.default_rng(7)
    rows = [office(x=float(rng.uniform(0, 5000)), y=float(rng.uniform(0, 5000))) for _ in range(300)]
    assets = estate(*rows)
    before = assets.copy()
    one, two = cluster_assets(assets, CFG), cluster_assets(assets.copy(), CFG)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(assets, before)
    assert "cluster_id" not in assets.columns


def test_profile_figures_and_polygons() -> None:
    assets = estate(
        office(partner="Council", occupancy=30.0, capacity=100.0, gia_m2=1000.0, running_cost_gbp=100_000.0),
        office(
            x=150,
            partner="NHS",
            occupancy=np.nan,
            utilisation=0.5,
            capacity=np.nan,
            gia_m2=2000.0,
            running_cost_gbp=300_000.0,
        ),
        office(x=300, partner="Police", sensitive=True, occupancy=10.0, capacity=10.0),
        office(x=9_000),
    )
    prof = profile_clusters(cluster_assets(assets, CFG), CFG)
    assert list(prof.columns) == [*CLUSTER_COLUMNS, "geometry"]
    assert len(prof) == 1
    row = prof.iloc[0]
    assert row["assets"] == 3 and row["partner_count"] == 3 and row["cross_partner"]
    assert row["partners"] == "Council; NHS; Police"
    assert row["gia_m2"] == pytest.approx(4000)
    assert row["running_cost_gbp"] == pytest.approx(600_000)
    # Capacity 100 + 2000/10 + 10 = 310; occupancy 30 + 0.5*200 + 10 = 140.
    assert row["capacity"] == pytest.approx(310)
    assert row["occupancy"] == pytest.approx(140)
    assert row["spare_capacity"] == pytest.approx(170)
    assert row["utilisation"] == pytest.approx(140 / 310)
    assert row["utilisation_band"] == "low"
    assert row["capacity_estimated"] == 1 and row["occupancy_estimated"] == 1
    assert row["sensitive_assets"] == 1
    poly = row["geometry"]
    assert poly.geom_type == "Polygon"
    assert poly.contains(shapely.Point(X0, Y0)) and poly.contains(shapely.Point(X0 + 150, Y0))
    # The sensitive building is left out of the hull: only the 50 m buffer reaches towards it.
    assert not poly.contains(shapely.Point(X0 + 300, Y0))
    assert prof.crs == assets.crs


def test_profile_of_estate_without_clusters_is_empty() -> None:
    prof = profile_clusters(cluster_assets(estate(office(), office(x=5_000)), CFG), CFG)
    assert len(prof) == 0 and "cluster_id" in prof.columns


def test_use_density_matches_words() -> None:
    cfg = ClusteringConfig(use_densities={"library": 25, "office": 8})
    out = estimate_people(
        estate(
            office(use="Central Library", capacity=np.nan),
            office(use="Offices", capacity=np.nan),
            office(use="Depot", capacity=np.nan),
        ),
        cfg,
    )
    assert out["density_m2_per_person"].tolist() == pytest.approx([25, 8, 10])
    assert out["plan_capacity"].tolist() == pytest.approx([40, 125, 100])


# -- DBSCAN from radius pairs, and the width bound ---------------------------------------

UNBOUNDED = ClusteringConfig(radius_m=400, min_assets=2, max_diameter_m=1e9)


def _partition(labels: pd.Series | np.ndarray) -> set[frozenset[int]]:
    """The groups of positions sharing a label (missing / -1 labels left out)."""
    s = pd.Series(np.asarray(labels, dtype=object))
    s = s[s.notna() & (s != -1)]
    return {frozenset(idx) for idx in s.groupby(s.astype(str)).groups.values()}


def _walkable(xy: np.ndarray, radius_m: float) -> bool:
    """Whether the points are connected by steps of at most ``radius_m``."""
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if len(xy) < 2:
        return True
    return (
        connected_components(cKDTree(xy).sparse_distance_matrix(cKDTree(xy), radius_m), directed=False)[0]
        == 1
    )


@pytest.mark.parametrize("seed", range(6))
def test_dbscan_from_pairs_matches_scikit_learn(seed: int) -> None:
    from sklearn.cluster import DBSCAN

    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 300))
    # An 80 m lattice: many pairs exactly 400 m apart (5 steps, or 3 by 4), and stacks.
    cells = rng.integers(0, 30, size=(n, 2)) * 80.0
    min_assets = int(rng.integers(2, 6))
    cfg = ClusteringConfig(radius_m=400, min_assets=min_assets, max_diameter_m=1e9)
    out = cluster_assets(estate(*[office(x=x, y=y) for x, y in cells]), cfg)
    uniq, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    ref = DBSCAN(eps=400, min_samples=min_assets).fit(uniq, sample_weight=counts).labels_[inverse.ravel()]
    assert _partition(out["cluster_id"]) == _partition(ref)


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), min_size=1, max_size=120),
    min_assets=st.sampled_from([2, 2, 3, 4]),
)
def test_dbscan_shortcut_and_general_rule_match_scikit_learn(
    cells: list[tuple[int, int]], min_assets: int
) -> None:
    # Points on a 100 m lattice (pairs exactly 400 m apart, stacks of one location): at two
    # assets the labels come from the connected groups alone, above from core and border
    # points; both are scikit-learn's DBSCAN with sample weights.
    from sklearn.cluster import DBSCAN

    from assetmap.cluster import _labels_dbscan, _radius_pairs, _unique_points

    xy = np.asarray(cells, dtype=float) * 100.0
    points, inverse, counts = _unique_points(xy)
    labels = _labels_dbscan(points, counts, _radius_pairs(points, 400.0), min_assets)
    ref = DBSCAN(eps=400, min_samples=min_assets).fit(points, sample_weight=counts).labels_
    assert _partition(labels[inverse]) == _partition(ref[inverse])
    assert ((labels >= 0) == (ref >= 0)).all()


@pytest.mark.parametrize("seed", range(3))
def test_bound_changes_nothing_when_every_cluster_fits(seed: int) -> None:
    # Groups of buildings within 600 m of their middle, 5 km apart: all narrower than 2 km.
    rng = np.random.default_rng(seed)
    rows = [
        office(x=5_000.0 * g + float(dx), y=float(dy), partner=f"P{i % 4}", running_cost_gbp=float(i))
        for g in range(8)
        for i, (dx, dy) in enumerate(rng.uniform(-420, 420, size=(int(rng.integers(1, 25)), 2)))
    ]
    assets = estate(*rows)
    pd.testing.assert_frame_equal(cluster_assets(assets, CFG), cluster_assets(assets, UNBOUNDED))


def test_chain_across_10km_split_into_walkable_pieces() -> None:
    # 34 buildings 300 m apart in a line: DBSCAN at 400 m chains all 9.9 km into one cluster.
    assets = estate(*[office(x=300.0 * i, partner=f"P{i % 3}") for i in range(34)])
    assert cluster_assets(assets, UNBOUNDED)["cluster_id"].nunique() == 1
    for width in (2_000.0, 3_000.0):
        out = cluster_assets(assets, ClusteringConfig(radius_m=400, max_diameter_m=width))
        assert out["cluster_id"].notna().all()  # nobody is dropped
        ids = out["cluster_id"].tolist()
        # Pieces are runs of neighbours along the chain, each walkable and no wider than the bound.
        assert [ids[i] for i in range(34) if i == 0 or ids[i] != ids[i - 1]] == list(dict.fromkeys(ids))
        for _, piece in out.groupby("cluster_id"):
            x = piece.geometry.x.to_numpy()
            assert x.max() - x.min() <= width
            assert np.all(np.diff(np.sort(x)) <= 400)
        assert out["cluster_id"].nunique() >= int(np.ceil(9_900 / width))


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_every_cluster_fits_the_bound_and_is_walkable(method: str) -> None:
    # A sparse random estate (8 km square): long chains at 400 m, some far wider than 2 km.
    rng = np.random.default_rng(0)
    rows = [office(x=float(x), y=float(y)) for x, y in rng.uniform(0, 8_000, size=(400, 2))]
    assets = estate(*rows)
    cfg = ClusteringConfig(radius_m=400, method=method)
    out = cluster_assets(assets, cfg)
    wide = cluster_assets(assets, cfg.model_copy(update={"max_diameter_m": 1e9}))
    assert out["cluster_id"].nunique() > wide["cluster_id"].nunique()
    for _, piece in out.groupby("cluster_id"):
        xy = shapely.get_coordinates(piece.geometry.to_numpy())
        assert len(piece) >= cfg.min_assets
        assert 2 * shapely.minimum_bounding_radius(shapely.multipoints(xy)) <= cfg.diameter_m + 1e-6
        # DBSCAN's clusters are walkable by construction, and so are the pieces of a split
        # one; HDBSCAN's own clusters (kept when they fit) need not be.
        assert _walkable(xy, cfg.radius_m) or method == "hdbscan"
    # Only assets already clustered are grouped; none joins a cluster it was not near.
    assert set(out.index[out["cluster_id"].notna()]) <= set(wide.index[wide["cluster_id"].notna()])


def test_default_width_is_five_radii_and_at_least_two() -> None:
    assert ClusteringConfig().diameter_m == 2_000
    assert ClusteringConfig(radius_m=250).diameter_m == 1_250
    assert ClusteringConfig(max_diameter_m=3_000).diameter_m == 3_000
    with pytest.raises(ValueError, match="at least twice radius_m"):
        ClusteringConfig(radius_m=400, max_diameter_m=700)


@pytest.fixture(scope="module")
def demo_estates() -> dict[str, object]:
    from assetmap.config import load_config
    from assetmap.estate import build_estate
    from assetmap.geocode import PostcodeLookup

    out = {}
    for place in ("kent", "worcestershire"):
        cfg = load_config(DEMO / place / "assetmap.yaml")
        out[place] = (
            cfg,
            build_estate(cfg, postcodes=PostcodeLookup(cfg.postcodes), progress=lambda _m: None),
        )
    return out


@pytest.mark.parametrize("place", ["kent", "worcestershire"])
def test_demo_clusters_exactly_as_unbounded_dbscan(place: str, demo_estates: dict[str, object]) -> None:
    from sklearn.cluster import DBSCAN

    cfg, estate_ = demo_estates[place]
    assets = estate_.assets
    bounded = cluster_assets(assets, cfg.clustering)
    pd.testing.assert_frame_equal(bounded, cluster_assets(assets, UNBOUNDED))
    # And the same groups as scikit-learn's DBSCAN itself.
    xy = shapely.get_coordinates(assets.geometry.to_numpy())
    ref = DBSCAN(eps=cfg.clustering.radius_m, min_samples=cfg.clustering.min_assets).fit(xy).labels_
    assert _partition(bounded["cluster_id"]) == _partition(ref)
    assert bounded["cluster_id"].nunique() >= 10


# -- fast paths give the same answers as the simple ones -----------------------------------


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=150),
    jitter=st.booleans(),
)
def test_radius_pairs_on_two_threads_are_every_pair_within_the_radius(
    cells: list[tuple[int, int]], jitter: bool
) -> None:
    # A 100 m lattice (pairs exactly 400 m apart, many points on one easting), or jittered
    # off it: the split search gives the very pairs of one search, sorted, and they are the
    # pairs of scikit-learn's radius neighbours.
    from sklearn.neighbors import NearestNeighbors

    from assetmap.cluster import _radius_pairs, _unique_points

    xy = np.asarray(cells, dtype=float) * 100.0
    if jitter:
        xy += np.random.default_rng(len(cells)).uniform(-30, 30, size=xy.shape)
    points = _unique_points(xy)[0]
    one = _radius_pairs(points, 400.0, workers=1)
    two = _radius_pairs(points, 400.0, workers=2)
    assert np.array_equal(one.first, two.first) and np.array_equal(one.second, two.second)
    graph = NearestNeighbors(radius=400.0).fit(points).radius_neighbors_graph(points).tocoo()
    upper = graph.row < graph.col
    expected = sorted(zip(graph.row[upper].tolist(), graph.col[upper].tolist(), strict=True))
    assert list(zip(two.first.tolist(), two.second.tolist(), strict=True)) == expected


def _gonzalez(points: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Farthest-first centres the plain way: every point measured against every new centre."""
    start = int(np.argmax(np.hypot(*(points - points.mean(axis=0)).T)))
    dist = np.hypot(*(points - points[start]).T)
    assign = np.zeros(len(points), dtype=np.int64)
    centres = [start]
    while dist.max() > reach_m:
        c = int(np.argmax(dist))
        d_new = np.hypot(*(points - points[c]).T)
        assign[d_new < dist] = len(centres)
        dist = np.minimum(dist, d_new)
        centres.append(c)
    return assign, np.asarray(centres)


_GROUPS = st.lists(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=60, unique=True),
    min_size=1,
    max_size=8,
)


@settings(max_examples=100, deadline=None)
@given(groups=_GROUPS, jitter=st.booleans(), reach=st.sampled_from([150.0, 400.0, 1000.0]))
def test_farthest_first_one_group_and_many_at_once_as_the_plain_way(
    groups: list[list[tuple[int, int]]], jitter: bool, reach: float
) -> None:
    # Groups on a 100 m lattice (ties of distance everywhere) or jittered off it: the
    # searched centres (one group at a time) and the centres of all groups at once are
    # those of the plain traversal, and so is every assignment.
    from assetmap.cluster import _farthest_first, _farthest_first_many

    rng = np.random.default_rng(len(groups))
    xy = [np.asarray(g, dtype=float) * 100.0 for g in groups]
    if jitter:
        xy = [g + rng.uniform(-20, 20, size=g.shape) for g in xy]
    expected = [_gonzalez(g, reach) for g in xy]
    for g, (assign, centres) in zip(xy, expected, strict=True):
        got = _farthest_first(g, reach)
        assert np.array_equal(got[0], assign) and np.array_equal(got[1], centres)
    assign, chosen = _farthest_first_many(np.vstack(xy), np.array([len(g) for g in xy]), reach)
    assert np.array_equal(assign, np.concatenate([a for a, _ in expected]))
    assert [c.tolist() for c in chosen] == [c.tolist() for _, c in expected]


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.tuples(st.integers(0, 120), st.integers(0, 40)), min_size=2, max_size=300),
    min_assets=st.sampled_from([2, 3]),
)
def test_fast_clustering_steps_as_the_simple_ones(cells: list[tuple[int, int]], min_assets: int) -> None:
    # Sparse lattice estates 12 km wide (chains far wider than the 2 km bound): the groups
    # from the sorted pairs are scipy's connected components of the same pairs, and the
    # oversized clusters are cut the same whether together or one at a time.
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    from assetmap.cluster import (
        _components,
        _labels_dbscan,
        _oversized,
        _pieces,
        _radius_pairs,
        _unique_points,
    )

    points, _, counts = _unique_points(np.asarray(cells, dtype=float) * 100.0)
    pairs = _radius_pairs(points, 400.0, workers=2)
    n = len(points)
    graph = sparse.coo_array((np.ones(len(pairs.first)), (pairs.first, pairs.second)), shape=(n, n))
    assert np.array_equal(_components(n, pairs), connected_components(graph, directed=False)[1])
    labels = _labels_dbscan(points, counts, pairs, min_assets)
    big = _oversized(points, labels, 2_000.0)
    if len(big):
        together, centres = _pieces(points, labels, big, 1_000.0)
        alone, alone_centres = _pieces(points, labels, big, 1_000.0, many_up_to=0)
        assert np.array_equal(together, alone) and np.array_equal(centres, alone_centres)


@settings(max_examples=150, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.sampled_from([0.0, -0.5, 3.25, 1e6, 7.0]), st.sampled_from([0.0, 2.0, -1.0, 5e5])),
        min_size=1,
        max_size=80,
    )
)
def test_unique_points_as_numpy_unique(cells: list[tuple[float, float]]) -> None:
    # Few distinct eastings and northings (ties everywhere, stacks of one place): the
    # locations, each row's location and the counts are numpy's own.
    from assetmap.cluster import _unique_points

    xy = np.asarray(cells, dtype=float)
    points, inverse, counts = _unique_points(xy)
    expected = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    assert np.array_equal(points, expected[0])
    assert np.array_equal(inverse, expected[1].ravel()) and np.array_equal(counts, expected[2])


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 4), st.sampled_from([0.0, -2.5, 1e6, 3.0]), st.sampled_from([1.0, -0.0, 7e5])
        ),
        max_size=60,
    )
)
def test_lex_order_as_numpy_lexsort(rows: list[tuple[int, float, float]]) -> None:
    # Ties in every key: the order of one sort of ranks is numpy's stable lexicographic one.
    from assetmap.cluster import _lex_order

    code = np.asarray([r[0] for r in rows], dtype=np.int64)
    x = np.asarray([r[1] for r in rows], dtype=float)
    y = np.asarray([r[2] for r in rows], dtype=float)
    assert np.array_equal(_lex_order([y, x, code]), np.lexsort((y, x, code)))
