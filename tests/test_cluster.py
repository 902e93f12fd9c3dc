"""Proximity clusters and the cluster profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from test_plan import X0, Y0, estate, office

from assetmap.cluster import CLUSTER_COLUMNS, cluster_assets, estimate_people, profile_clusters
from assetmap.config import ClusteringConfig

CFG = ClusteringConfig(radius_m=400, min_assets=2)


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
