"""The partitioned pipeline on a local Dask cluster gives what ``assetmap run`` gives.

A small estate in Maidstone and Tonbridge and Malling is run both ways. The only
legitimate difference is the region rule: a cluster never crosses a district's edge. The
estate has one cluster that does (ME16 9FA and ME16 9ES in Maidstone, 70 m apart, and
ME16 9FB, 40 m away over the boundary in Tonbridge and Malling), and the test checks that
exactly that cluster, its move and its ratings change, and nothing else.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from assetmap._errors import AssetmapError
from assetmap.cluster import cluster_assets
from assetmap.config import parse_config
from assetmap.geocode import PostcodeLookup
from assetmap.partition import (
    _cluster_by_district,
    cluster_members,
    dask_mapper,
    group_regions,
    local_map,
    run_partitioned,
)
from assetmap.pipeline import run

distributed = pytest.importorskip(
    "dask.distributed", reason="needs the dask extra: pip install assetmap[dask]"
)

HEADER = ["Ref", "Name", "Post Code", "Use", "GIA (sq m)", "Utilisation %", "Annual Running Cost", "Tenure"]
#: Ref, name, postcode, use, floor area, utilisation %, running cost, tenure.
COUNCIL = [
    ["K1", "Maidstone House", "ME14 1AB", "office", 1500, 30, 240000, "Freehold"],
    ["K2", "Town Hall", "ME14 1AD", "office", 900, 95, 150000, "Freehold"],
    ["K3", "West Annexe", "ME16 9FA", "office", 600, 25, 90000, "Leasehold"],
    ["K4", "Depot", "ME16 9ES", "depot", 400, 88, 30000, "Freehold"],
    ["K5", "Tonbridge office", "TN9 1AA", "office", 700, 50, 80000, "Freehold"],
]
PARTNER = [
    ["N1", "Health Centre", "ME14 1AF", "office", 4000, 40, 300000, "Freehold"],
    ["N2", "Clinic", "ME15 6JQ", "office", 800, 20, 70000, "Leasehold"],
    ["N3", "Boundary House", "ME16 9FB", "office", 3000, 45, 200000, "Freehold"],
    ["N4", "West Malling Surgery", "ME19 4AA", "office", 1200, 35, 110000, "Freehold"],
    ["N5", "Malling Health", "ME19 4AB", "office", 2500, 50, 150000, "Freehold"],
    ["N6", "Kings Hill", "ME19 4AD", "office", 1000, 80, 60000, "Freehold"],
    ["N7", "Lone clinic", "ME19 4BJ", "office", 500, 30, 40000, "Freehold"],
    ["N8", "Nowhere", "ZZ99 9ZZ", "office", 100, 10, 1000, "Freehold"],
]
CROSSING = {("Kent County Council", "K3"), ("Kent County Council", "K4"), ("NHS Kent", "N3")}


def _write(path: Path, rows: list[list[object]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def estate_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dask-estate")
    _write(folder / "council.csv", COUNCIL)
    _write(folder / "nhs.csv", PARTNER)
    config = {
        "title": "Two districts",
        "as_of": "2026-09-30",
        "partners": [
            {"name": "Kent County Council", "kind": "council", "register": "council.csv"},
            {"name": "NHS Kent", "kind": "nhs", "register": "nhs.csv"},
        ],
        "map": {"pictures_top_clusters": 1},
    }
    path = folder / "assetmap.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def both(estate_config: Path, client, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out")
    single = run(estate_config, out / "single")
    dask = run_partitioned(estate_config, out / "dask", mapper=dask_mapper(client), partitions=2)
    return single, dask


def _keys(assets: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(assets["partner"], assets["asset_id"], strict=True))


@pytest.mark.slow
def test_placements_rejects_and_warnings_are_the_same(both) -> None:
    single, dask = both
    a, b = single.plan.assets, dask.plan.assets
    assert _keys(a) == _keys(b)
    assert a.geometry.geom_equals_exact(b.geometry, 0).all()
    pd.testing.assert_frame_equal(single.estate.rejects, dask.estate.rejects)
    pd.testing.assert_frame_equal(single.estate.warnings, dask.estate.warnings)
    assert [p.placed for p in single.estate.partners] == [p.placed for p in dask.estate.partners] == [5, 7]


@pytest.mark.slow
def test_only_the_cluster_crossing_a_district_edge_changes(both) -> None:
    single, dask = both
    a = single.plan.assets
    keys = _keys(a)
    # Districts from the ONS Postcode Directory, independently of assetmap.partition.
    district = PostcodeLookup().lookup(a["postcode"])["district_code"].tolist()
    one = cluster_members(a)
    crossing = [m for m in one if len({district[i] for i in m}) > 1]
    assert [{keys[i] for i in m} for m in crossing] == [CROSSING]
    # The region rule: the crossing cluster is split by district, and a piece with fewer
    # than min_assets (2) assets is no cluster. K3 and K4 (70 m apart) stay together.
    split = set()
    for m in crossing:
        for code in {district[i] for i in m}:
            piece = frozenset(i for i in m if district[i] == code)
            if len(piece) >= 2:
                split.add(piece)
    assert cluster_members(dask.plan.assets) == (one - set(crossing)) | split
    assert len(one) == 3  # Maidstone centre, West Malling, and the crossing one


@pytest.mark.slow
def test_moves_and_ratings_change_only_in_that_cluster(both) -> None:
    single, dask = both
    keys = _keys(single.plan.assets)

    def moves(result) -> set[tuple[tuple[str, str], tuple[str, str]]]:
        m = result.plan.moves
        return {(keys[d], keys[r]) for d, r in zip(m["donor"], m["receiver"], strict=True)}

    one, other = moves(single), moves(dask)
    touching = {mv for mv in one if mv[0] in CROSSING or mv[1] in CROSSING}
    assert touching == {(("Kent County Council", "K3"), ("NHS Kent", "N3"))}  # over the boundary
    assert other == one - touching
    assert len(other) >= 2  # the plan still moves people elsewhere

    outside = ~pd.Series([k in CROSSING for k in keys]).to_numpy()
    for col in (
        "score",
        "rating",
        "action",
        "reasons",
        "plan_capacity",
        "plan_occupancy",
        "cluster_partners",
    ):
        assert single.plan.assets[col][outside].tolist() == dask.plan.assets[col][outside].tolist(), col
    released = single.plan.opportunities.query("asset_id == 'K3' and action == 'relocate'")[
        "annual_saving_gbp"
    ]
    gap = single.plan.summary["released_running_cost_gbp"] - dask.plan.summary["released_running_cost_gbp"]
    assert gap == pytest.approx(float(released.sum()))


@pytest.mark.slow
def test_the_same_outputs_are_written(both) -> None:
    single, dask = both
    names = {p.name for p in single.outputs.values()}
    assert names == {p.name for p in dask.outputs.values()}
    for name in names:
        assert (dask.out_dir / name).stat().st_size > 0
    record = json.loads((dask.out_dir / "run.json").read_text(encoding="utf-8"))
    assert [p["placed"] for p in record["partners"]] == [5, 7]
    assert record["plan"]["clusters"] == len(dask.plan.clusters) == 3


@pytest.mark.slow
def test_a_register_error_on_a_worker_is_reported_by_name(
    estate_config: Path, client, tmp_path: Path
) -> None:
    bad = tmp_path / "assetmap.yaml"
    text = estate_config.read_text(encoding="utf-8").replace("nhs.csv", str(tmp_path / "missing.csv"))
    bad.write_text(text.replace("council.csv", str(estate_config.parent / "council.csv")), encoding="utf-8")
    with pytest.raises(AssetmapError, match=r"missing\.csv"):
        run_partitioned(bad, tmp_path / "out", mapper=dask_mapper(client))


def test_regions_are_whole_districts_in_balanced_groups() -> None:
    district = np.array(["E1"] * 50 + ["E2"] * 30 + ["E3"] * 25 + ["E4"] * 5 + ["E5"] * 5, dtype=object)
    rng = np.random.default_rng(1)
    district = district[rng.permutation(len(district))]
    groups = group_regions(district, 2)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(district)))
    for g in groups:
        assert list(g) == sorted(g)
    codes = [set(district[g]) for g in groups]
    assert not codes[0] & codes[1]  # no district in two groups
    assert sorted(len(g) for g in groups) == [55, 60]
    assert group_regions(district, 2)[0].tolist() == groups[0].tolist()  # the same every time
    assert local_map(len, ["ab", "c"]) == [2, 1]


@pytest.mark.parametrize("method", ["dbscan", "hdbscan"])
def test_clusters_never_cross_a_district_edge(method: str) -> None:
    # Two towns, each inside one district, and a third whose buildings straddle a boundary.
    rng = np.random.default_rng(7)
    centres = [(500_000, 200_000, "A", "A"), (510_000, 200_000, "B", "B"), (520_000, 200_000, "A", "B")]
    rows = []
    for x, y, west, east in centres:
        for i in range(8):
            rows.append((x + rng.uniform(-60, 60), y + rng.uniform(-60, 60), west if i % 2 else east))
    xy = np.array([(r[0], r[1]) for r in rows])
    district = np.array([r[2] for r in rows], dtype=object)
    assets = gpd.GeoDataFrame(
        {"partner": ["P", "Q"] * 12, "running_cost_gbp": np.ones(24)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs="EPSG:27700",
    )
    config = parse_config(
        {"partners": [{"name": "P", "register": "p.csv"}], "clustering": {"method": method}}, "t", Path()
    )
    whole = cluster_members(cluster_assets(assets, config.clustering))
    assert frozenset(range(16, 24)) in whole  # one place as a whole: the straddling town is one cluster
    split = cluster_members(_cluster_by_district(assets, district, config))
    assert frozenset(range(8)) in split and frozenset(range(8, 16)) in split
    assert all(len(set(district[list(m)])) == 1 for m in split)
    assert {frozenset(i for i in range(16, 24) if district[i] == d) for d in "AB"} <= split
