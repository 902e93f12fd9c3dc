"""The bundled demos: nothing lost, and every asset where its source says it is."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from support import DEMO

from assetmap.config import load_config
from assetmap.geocode import PostcodeLookup, UprnLookup
from assetmap.geocode._coords import wgs84_to_bng
from assetmap.pipeline import RunResult, run
from assetmap.registers import load_partner

pytestmark = pytest.mark.slow  # the whole pipeline on both demos

PLACES = ["kent", "worcestershire"]


@pytest.fixture(scope="module", params=PLACES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, dict]:
    config = DEMO / request.param / "assetmap.yaml"
    expected = json.loads((config.parent / "expected.json").read_text(encoding="utf-8"))
    return run(config, tmp_path_factory.mktemp(request.param)), expected


def test_nothing_lost_every_row_once(demo: tuple[RunResult, dict]) -> None:
    result, expected = demo
    estate = result.estate
    is_note = estate.rejects["reason"].str.startswith("looks like a note below the table")
    keys = pd.concat(
        [estate.assets[["partner", "source_row"]], estate.rejects[["partner", "source_row"]]],
        ignore_index=True,
    )
    assert not keys.duplicated().any()
    # The notes row under Maidstone's table is reported as such, not lost and not an asset.
    notes = estate.rejects.loc[is_note, ["partner", "source_row"]].values.tolist()
    assert notes == ([["Maidstone Borough Council", 50]] if "Kent" in expected["title"] else [])
    keys = pd.concat(
        [estate.assets[["partner", "source_row"]], estate.rejects.loc[~is_note, ["partner", "source_row"]]],
        ignore_index=True,
    )
    counts = keys["partner"].value_counts().to_dict()
    assert counts == {p["name"]: p["rows"] for p in expected["partners"]}
    assert len(keys) == expected["total_rows"]


def test_expected_rejects_and_only_those(demo: tuple[RunResult, dict]) -> None:
    result, expected = demo
    rejects = result.estate.rejects
    rejects = rejects[~rejects["reason"].str.startswith("looks like a note below the table")]
    got = sorted(zip(rejects["partner"], rejects["asset_id"], strict=True))
    want = sorted((p["name"], r) for p in expected["partners"] for r in p["rejects"])
    assert got == want
    assert result.estate.rejects["reason"].str.len().gt(20).all()


def _given_points(result: RunResult) -> dict[tuple[str, int], list[tuple[float, float]]]:
    """Every point the registers themselves give for each row, in either order."""
    cfg = result.config
    points: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for partner in cfg.partners:
        _, clean = load_partner(partner, base_dir=cfg.base_dir)
        a = clean.assets
        e, n = a["easting"].to_numpy(float), a["northing"].to_numpy(float)
        lat, lon = a["latitude"].to_numpy(float), a["longitude"].to_numpy(float)
        cands = [(e, n), (n, e), (a["geom_easting"].to_numpy(float), a["geom_northing"].to_numpy(float))]
        for x, y in ((lon, lat), (lat, lon), (e, n), (n, e)):  # degrees, either order
            cands.append(wgs84_to_bng(np.nan_to_num(x, nan=0.0), np.nan_to_num(y, nan=0.0)))
        for i, row in enumerate(a["source_row"]):
            points[(partner.name, int(row))] = [(float(cx[i]), float(cy[i])) for cx, cy in cands]
    return points


def test_every_asset_within_1m_of_its_source(demo: tuple[RunResult, dict]) -> None:
    result, _ = demo
    assets = result.estate.assets
    onspd = PostcodeLookup().lookup(assets["postcode"])
    uprn = UprnLookup(result.config.uprn_lookup).lookup(assets["uprn"]) if result.config.uprn_lookup else None
    given = _given_points(result)
    x, y = assets.geometry.x.to_numpy(), assets.geometry.y.to_numpy()
    for i, method in enumerate(assets["geocode_method"]):
        if method == "postcode":
            ref = [(onspd["easting"].iloc[i], onspd["northing"].iloc[i])]
        elif method == "uprn":
            ref = [(uprn["easting"].iloc[i], uprn["northing"].iloc[i])]
        else:
            ref = given[(assets["partner"].iloc[i], int(assets["source_row"].iloc[i]))]
        dist = np.nanmin([np.hypot(x[i] - rx, y[i] - ry) for rx, ry in ref])
        assert dist < 1.0, (assets["partner"].iloc[i], assets["asset_id"].iloc[i], method, dist)


def test_every_method_used_and_kept_as_text(demo: tuple[RunResult, dict]) -> None:
    result, _ = demo
    assets = result.estate.assets
    assert set(assets["geocode_method"]) == {"coordinates", "uprn", "postcode"}
    assert assets["postcode"].dropna().str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}").all()
    assert assets["utilisation"].dropna().between(0, 1.5).all()
    assert assets["gia_m2"].dropna().gt(0).all()


def test_demo_configs_load() -> None:
    for place in PLACES:
        cfg = load_config(DEMO / place / "assetmap.yaml")
        assert len(cfg.partners) >= 4
        assert len({p.register_file.suffix for p in cfg.partners}) >= 3


def test_areas_sum_to_the_estate_and_the_planted_cross_border_cluster_is_found(
    demo: tuple[RunResult, dict],
) -> None:
    result, expected = demo
    plan, areas = result.plan, result.areas
    for level in ("district", "ward"):
        rows = areas[areas["level"] == level]
        assert rows["assets"].sum() == len(plan.assets)
        assert rows["running_cost_gbp"].sum() == pytest.approx(plan.summary["estate_running_cost_gbp"])
        assert rows["annual_saving_gbp"].sum() == pytest.approx(plan.summary["released_running_cost_gbp"])
    planted = expected["cross_border"]
    mine = plan.assets["asset_id"].isin(planted["assets"]) & (plan.assets["partner"] == planted["partner"])
    first, second = planted["districts"]
    assert plan.assets.loc[mine, "district_code"].tolist() == [first, second, second]
    cluster = plan.assets.loc[mine, "cluster_id"].unique()
    assert len(cluster) == 1
    row = plan.clusters.set_index("cluster_id").loc[cluster[0]]
    assert bool(row["cross_boundary"]) and all(code in row["areas"] for code in planted["districts"])
    assert plan.clusters["cross_boundary"].sum() == 1  # only the planted one crosses a district border
    move = plan.opportunities[plan.opportunities["cross_boundary"]]
    assert move[["asset_id", "into_asset_id"]].values.tolist() == [planted["move"]]
    assert planted["districts"][0] in move["from_area"].iloc[0]
    assert planted["districts"][1] in move["into_area"].iloc[0]
    written = pd.read_csv(result.outputs["areas"], encoding="utf-8-sig")
    assert written["level"].value_counts().to_dict().keys() == {"district", "ward"}
