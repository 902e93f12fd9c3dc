"""The board map as a file: self-contained, escaped, and without sensitive sites.

The page's data is one JSON document in ``<script type="application/json" id="assetmap-data">``;
these tests read it back like geopandas' ``test_explore.py`` reads folium's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from support import DEMO

from assetmap.areas import AreaRun, assign_areas, read_level
from assetmap.config import AreaLevelConfig, Config
from assetmap.geocode import PostcodeLookup
from assetmap.maps import build_map, escape_text, write_map
from assetmap.maps._areas import classes
from assetmap.maps._pyramid import unpack
from assetmap.maps._texts import chunk_phrases, join_texts
from assetmap.schema import WGS84
from assetmap.testing import HOSTILE, make_config, national_estate, synthetic_estate


def config(**map_options: object) -> Config:
    return make_config(title="Kent & <Medway>", map=map_options)


def page_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="assetmap-data">(.*?)</script>', page, re.S)
    assert match, "no data element"
    return json.loads(match.group(1))


def positions(data: dict) -> np.ndarray:
    """Every position in the page data (assets, cluster shapes, outline) as lat, lon rows."""
    lat0, lon0 = data["origin"]
    scale = data["scale"]
    pts = [np.column_stack([data["cols"]["lat"], data["cols"]["lon"]])] if data["n"] else []
    shapes = [poly for polys in data["clusters"].get("rings", []) for poly in polys] + data["outline"]
    for poly in shapes:
        for ring in poly:
            pts.append(np.cumsum(np.asarray(ring, dtype=float).reshape(-1, 2), axis=0))
    arr = np.vstack(pts) if pts else np.empty((0, 2))
    return np.column_stack([lat0 + arr[:, 0] / scale, lon0 + arr[:, 1] / scale])


def sensitive_latlon(assets: gpd.GeoDataFrame) -> np.ndarray:
    pts = assets.loc[assets["sensitive"]].to_crs(WGS84).geometry
    return np.column_stack([pts.y.to_numpy(), pts.x.to_numpy()])


def nearest_m(points: np.ndarray, site: np.ndarray) -> float:
    dlat = (points[:, 0] - site[0]) * 111_000
    dlon = (points[:, 1] - site[1]) * 111_000 * np.cos(np.radians(site[0]))
    return float(np.sqrt(dlat**2 + dlon**2).min())


@pytest.fixture(scope="module")
def estate() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, dict]:
    assets, clusters, opps, summary = synthetic_estate(300, seed=3, hostile=True, sensitive=2)
    # Put a sensitive site inside a cluster, 120 m from a shown member, and give it a name.
    member = assets.index[assets["cluster_id"].notna() & ~assets["sensitive"]][5]
    last = assets.index[-1]
    assets.loc[last, "cluster_id"] = assets.loc[member, "cluster_id"]
    assets.loc[last, "name"] = "Riverside Refuge"
    geom = assets.geometry.copy()
    geom[last] = shapely.Point(geom[member].x + 120, geom[member].y)
    assets = assets.set_geometry(geom)
    # A relocation into the sensitive site must not be drawn or named.
    extra = pd.DataFrame(
        [{"rank": 999, "action": "relocate", "asset_id": assets.loc[member, "asset_id"],
          "partner": assets.loc[member, "partner"], "cluster_id": assets.loc[member, "cluster_id"],
          "into_asset_id": assets.loc[last, "asset_id"], "into_partner": assets.loc[last, "partner"],
          "into_name": "Riverside Refuge", "people_moved": 3.0, "annual_saving_gbp": 1.0}]
    )  # fmt: skip
    assets.loc[member, "reasons"] = "plan: moves 3 people into Riverside Refuge"
    return assets, clusters, pd.concat([opps, extra], ignore_index=True), summary


def render(estate, **map_options: object) -> str:
    assets, clusters, opps, summary = estate
    return build_map(
        assets, clusters=clusters, opportunities=opps, summary=summary, config=config(**map_options)
    )


def test_page_is_self_contained_and_offline(estate) -> None:
    page = render(estate)
    assert not re.search(r"<script[^>]+src=", page)
    assert "<link" not in page
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "unpkg.com" not in page and "jsdelivr" not in page and "cdnjs" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp
    assert "img-src data:;" in csp
    data = page_data(page)
    assert data["offline"] is True and data["tiles"] is None
    assert page.count("<script") == 3 and page.count("</script>") == 3


def test_online_map_uses_tiles(estate) -> None:
    page = render(estate, offline=False)
    data = page_data(page)
    assert data["tiles"].startswith("https://tile.openstreetmap.org/")
    assert "img-src data: https://tile.openstreetmap.org" in page


def test_hostile_names_are_data_not_markup(estate) -> None:
    page = render(estate)
    for name in HOSTILE:
        assert name not in page
    assert "onerror=alert(1)" in page  # present, but only inside the JSON string
    assert "<img" not in page
    assert page.count("</script>") == 3
    data = page_data(page)
    assert data["cols"]["name"][:2] == list(HOSTILE[:2])
    assert "<title>Kent &amp; &lt;Medway&gt;</title>" in page
    assert data["title"] == "Kent & <Medway>"


@pytest.mark.parametrize("mode", ["omit", "cluster_only"])
def test_sensitive_sites_are_nowhere_in_the_page(estate, mode: str) -> None:
    assets = estate[0]
    page = render(estate, sensitive=mode)
    data = page_data(page)
    hidden = assets.loc[assets["sensitive"]]
    assert data["n"] == len(assets) - len(hidden)
    for _, row in hidden.iterrows():
        assert row["asset_id"] not in page
        assert row["name"] not in page
        assert str(row["uprn"]) not in page
    assert "Riverside Refuge" not in page
    for lat, lon in sensitive_latlon(assets):
        for fmt in (".3f", ".4f", ".5f", ".6f"):
            assert format(lat, fmt) not in page and format(lon, fmt) not in page
    for _, row in hidden.iterrows():
        assert f"{row.geometry.x:.0f}" not in page and f"{row.geometry.y:.0f}" not in page
    pts = positions(data)
    for site in sensitive_latlon(assets):
        assert nearest_m(pts, site) > 30
    # The move into the sensitive site is dropped; its donor's reason no longer names it.
    assert 999 not in data["opps"]["rank"]
    assert "plan: moves 3 people into a sensitive site" in data["cols"]["reasons"]["d"]


def test_positions_do_not_depend_on_sensitive_sites(estate) -> None:
    assets, clusters, opps, summary = estate
    with_site = page_data(render(estate))
    kept = assets.loc[~assets["sensitive"]]
    without = page_data(
        build_map(kept, clusters=clusters, opportunities=opps, summary=summary, config=config())
    )
    for key in ("lat", "lon"):
        assert with_site["cols"][key] == without["cols"][key]
    assert with_site["clusters"]["rings"] == without["clusters"]["rings"]
    assert with_site["outline"] == without["outline"]


def test_cluster_only_counts_hidden_sites(estate) -> None:
    assets = estate[0]
    cid = assets.loc[assets.index[-1], "cluster_id"]
    only = page_data(render(estate, sensitive="cluster_only"))["clusters"]
    omit = page_data(render(estate, sensitive="omit"))["clusters"]
    i = only["id"].index(cid)
    assert only["hidden"][i] == 1
    assert omit["hidden"] is None
    shown = int((assets["cluster_id"] == cid).sum()) - 1
    assert omit["assets"][omit["id"].index(cid)] == shown


def test_summary_panel_and_plan_content(estate) -> None:
    data = page_data(render(estate))
    labels = [row[0] for row in data["summary"]]
    for label in ("Assets", "Partners", "Running cost a year", "Running cost released a year",
                  "Capital receipts", "Share of running cost", "Not shown"):  # fmt: skip
        assert label in labels
    assert set(data["cols"]["r"]) <= {0, 1, 2}
    assert data["clusters"]["id"] and len(data["clusters"]["cat"]) == len(data["clusters"]["id"])
    relocations = [i for i, a in enumerate(data["opps"]["a"]) if a == 0]
    assert relocations and all(data["opps"]["t"][i] >= 0 for i in relocations)
    assert [p["kind"] for p in data["partners"]]
    assert data["cols"]["lat"] == [int(v) for v in data["cols"]["lat"]]


def test_map_without_plan_columns(tmp_path: Path) -> None:
    assets = synthetic_estate(40, seed=2)[0].drop(
        columns=["cluster_id", "rating", "score", "reasons", "action"]
    )
    path = write_map(tmp_path / "map.html", assets=assets, config=config())
    data = page_data(path.read_text(encoding="utf-8"))
    assert data["n"] == 38
    assert set(data["cols"]["r"]) == {3}  # not rated: no plan
    assert data["clusters"] == {"id": []}
    assert data["opps"] == {}


def test_empty_estate(tmp_path: Path) -> None:
    assets = synthetic_estate(5, seed=2)[0].iloc[:0]
    data = page_data(write_map(tmp_path / "map.html", assets=assets, config=config()).read_text("utf-8"))
    assert data["n"] == 0 and data["bounds"] is None


def test_title_without_config_is_escaped(tmp_path: Path) -> None:
    assets = synthetic_estate(20, seed=2)[0]
    write_map(tmp_path / "map.html", assets=assets, title="Old <call>")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "<title>Old &lt;call&gt;</title>" in page


def test_outline_from_a_boundary_file(tmp_path: Path) -> None:
    assets = synthetic_estate(30, seed=2)[0]
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(540_000, 130_000, 625_000, 180_000)], crs="EPSG:27700")
    boundary.to_crs(WGS84).to_file(tmp_path / "place.geojson", driver="GeoJSON")
    cfg = config(outline="place.geojson").model_copy(update={"base_dir": tmp_path})
    data = page_data(build_map(assets, config=cfg))
    ring = np.cumsum(np.asarray(data["outline"][0][0], dtype=float).reshape(-1, 2), axis=0)
    assert len(data["outline"]) == 1 and len(ring) == 5


def test_escape_text() -> None:
    assert escape_text("<b>`${x}`\\") == "&lt;b&gt;&#96;&#36;&#123;x&#125;&#96;&#92;"
    assert escape_text(None) == "" and escape_text(float("nan")) == ""
    assert "<img" not in escape_text(HOSTILE[0])


def test_deterministic(estate) -> None:
    assert render(estate) == render(estate)


# ---------------------------------------------------------------- areas: the choropleth and the border


def area_run(assets: gpd.GeoDataFrame, tmp_path: Path, split: float = 576_000) -> AreaRun:
    """Kent's demo districts, and two 'wards' (west and east of Maidstone) with a hostile name."""
    districts = read_level(
        AreaLevelConfig(file=DEMO / "kent" / "boundaries" / "districts.geojson", code="LAD13CD"),
        level="district",
        base_dir=DEMO,
    )
    wards = gpd.GeoDataFrame(
        {"WD": ["W1", "W2"], "NM": [HOSTILE[0], "Eastside"], "POP": [1000, 2000]},
        geometry=[
            shapely.box(540_000, 130_000, split, 180_000),
            shapely.box(split, 130_000, 640_000, 180_000),
        ],
        crs="EPSG:27700",
    )
    wards.to_file(tmp_path / "wards.geojson")
    cfg = AreaLevelConfig(file=tmp_path / "wards.geojson", code="WD", name="NM", population="POP")
    levels = {"district": districts, "ward": read_level(cfg, level="ward", base_dir=tmp_path)}
    placed, levels = assign_areas(assets, levels=levels, lookup=PostcodeLookup())
    return AreaRun(assets=placed, levels=levels)


def render_areas(estate, run: AreaRun, **map_options: object) -> str:
    _, clusters, opps, summary = estate
    return build_map(
        run.assets,
        clusters=clusters,
        opportunities=opps,
        summary=summary,
        config=config(**map_options),
        areas=run,
    )


def test_choropleth_levels_figures_and_classes(estate, tmp_path: Path) -> None:
    run = area_run(estate[0], tmp_path)
    data = page_data(render_areas(estate, run))
    levels = {lv["key"]: lv for lv in data["areas"]["levels"]}
    assert set(levels) == {"district", "ward"}
    district = levels["district"]
    assert len(district["code"]) == 13 and "Maidstone" in district["name"]
    shown = run.assets.loc[~run.assets["sensitive"]]
    inside = shown["district_code"].notna()
    assert sum(district["fig"]["assets"]) == inside.sum()
    busiest = shown["district_code"].value_counts().index[0]
    i = district["code"].index(busiest)
    want = pd.to_numeric(shown.loc[shown["district_code"] == busiest, "running_cost_gbp"]).sum()
    assert want > 0
    assert district["fig"]["running_cost_gbp"][i] == pytest.approx(want)
    for key, cls in district["cls"].items():
        assert len(cls["i"]) == 13 and max(cls["i"]) < len(cls["limits"]) <= 5, key
        lows = [lo for lo, _ in cls["limits"]]
        assert lows == sorted(lows)
    # Cost per head only where the level has a population column.
    assert "per_head" in levels["ward"]["cls"] and "per_head" not in district["cls"]
    assert len(district["rings"]) == 13 and all(district["rings"])
    assert [m[0] for m in data["areas"]["measures"]] == ["cost", "cost_m2", "util", "saving", "per_head"]


def test_area_names_are_data_not_markup(estate, tmp_path: Path) -> None:
    page = render_areas(estate, area_run(estate[0], tmp_path))
    assert HOSTILE[0] not in page and "<img" not in page
    wards = page_data(page)["areas"]["levels"][1]
    assert wards["name"][0] == HOSTILE[0]


@pytest.mark.parametrize("mode", ["omit", "cluster_only"])
def test_area_figures_count_sensitive_sites_only_with_cluster_only(estate, tmp_path: Path, mode: str) -> None:
    run = area_run(estate[0], tmp_path)
    wards = page_data(render_areas(estate, run, sensitive=mode))["areas"]["levels"][1]
    counted = run.assets if mode == "cluster_only" else run.assets.loc[~run.assets["sensitive"]]
    assert sum(wards["fig"]["assets"]) == counted["ward_code"].notna().sum()
    assert run.assets["sensitive"].sum() > 0


def test_clusters_across_a_boundary_are_flagged_for_the_map(estate, tmp_path: Path) -> None:
    assets = estate[0]
    shown = assets.loc[~assets["sensitive"] & assets["cluster_id"].notna()]
    xs = shown.geometry.x.groupby(shown["cluster_id"]).agg(["min", "max"])
    wide = xs[xs["max"] - xs["min"] > 50].iloc[0]
    # The 'ward' border runs through the middle of that cluster; wards are the border level.
    run = area_run(assets, tmp_path, split=(wide["min"] + wide["max"]) / 2)
    run = AreaRun(assets=run.assets, levels=run.levels, border_level="ward")
    shown = run.assets.loc[~run.assets["sensitive"] & run.assets["cluster_id"].notna()]
    spans = shown.groupby("cluster_id")["ward_code"].nunique()
    data = page_data(render_areas(estate, run))
    border = data["clusters"]["border"]
    want = [bool(spans.get(c, 0) > 1) for c in data["clusters"]["id"]]
    assert border["cross"] == want and any(want)
    flagged = [a for a, c in zip(border["areas"], border["cross"], strict=True) if c]
    assert all("; " in a for a in flagged)
    labels = dict(data["summary"])
    assert labels.get("Clusters across a boundary", "0") == f"{sum(want):,}"


def test_map_without_areas_has_no_choropleth(estate) -> None:
    data = page_data(render(estate))
    assert data["areas"] is None and "border" not in data["clusters"]


def test_choropleth_classes_put_zero_in_its_own_class() -> None:
    limits, index = classes(np.array([0, 0, 5, 10, 20, np.nan, 40, 80, 0]))
    assert limits[0] == [0.0, 0.0]
    assert index[:2] == [0, 0] and index[5] == -1 and min(index[2:5]) >= 1
    assert classes(np.array([3.0, 3.0])) == ([[3.0, 3.0]], [0, 0])
    assert classes(np.array([np.nan])) == ([], [-1])


# ---------------------------------------------------------------- a national estate: pyramid and chunks


@pytest.fixture(scope="module")
def national() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame, dict]:
    """2,500 assets around twelve towns of Great Britain, 2% sensitive, hostile names."""
    assets, clusters, opps, summary = national_estate(2500, seed=11, sensitive_share=0.02, places="towns")
    names = assets["name"].to_numpy(dtype=object)
    names[: len(HOSTILE)] = HOSTILE
    assets["name"] = names
    return assets, clusters, opps, summary


def national_page(estate, **map_options: object) -> bytes:
    """The page's bytes with the pyramid switched on above 1,000 assets."""
    assets, clusters, opps, summary = estate
    text = build_map(
        assets, clusters=clusters, opportunities=opps, summary=summary,
        config=config(pyramid_above=1000, **map_options),
    )  # fmt: skip
    return text.encode("latin-1")


def national_data(page: bytes) -> tuple[dict, dict[str, object]]:
    """The page's document and each compressed block, decoded."""
    main = re.search(rb'<script type="application/json" id="assetmap-data">(.*?)</script>', page, re.S)
    blocks = re.findall(rb'<script type="application/x-assetmap" id="([^"]+)">(.*?)</script>', page, re.S)
    return json.loads(main.group(1)), {key.decode(): unpack(data) for key, data in blocks}


def as_text(data: dict, blocks: dict[str, object]) -> str:
    """Everything in the page's data and blocks as text, with the search columns joined again and
    each chunk's reasons written out (their compact forms split text at numbers)."""
    tables = blocks[data["pyramid"]["tables"]]
    readable = dict(blocks)
    readable[data["pyramid"]["search"]] = {
        key: join_texts(value) if isinstance(value, dict) else value
        for key, value in blocks[data["pyramid"]["search"]].items()
    }
    for key, block in blocks.items():
        if key.startswith("amc-") and "reasons" in block["cols"]:
            cols = {**block["cols"], "reasons": chunk_phrases(block["cols"]["reasons"], tables["reasons"])}
            readable[key] = {**block, "cols": cols}
    return json.dumps([data, readable], ensure_ascii=False)


def chunk_positions(data: dict, blocks: dict) -> np.ndarray:
    """Every asset position in the chunks (page order) as grid units."""
    ids = [data["pyramid"]["chunks"]["id"].format(c) for c in range(len(data["pyramid"]["chunks"]["start"]))]
    parts = [
        np.column_stack([np.cumsum(blocks[i]["cols"]["lat"]), np.cumsum(blocks[i]["cols"]["lon"])])
        for i in ids
    ]
    return np.vstack(parts)


def test_small_estates_keep_the_county_page(national) -> None:
    assets = national[0]
    shown = int((~assets["sensitive"]).sum())
    county = build_map(assets, config=config(pyramid_above=shown))
    assert "pyramid" not in page_data(county) and len(page_data(county)["cols"]["lat"]) == shown
    assert '<meta charset="utf-8">' in county
    page = build_map(assets, config=config(pyramid_above=shown - 1)).encode("latin-1")
    data, _ = national_data(page)
    assert data["n"] == shown and "cols" not in data and data["pyramid"]["detail"] >= 6


def test_national_page_is_one_offline_file(national) -> None:
    page = national_page(national)
    assert page.startswith(b"<!DOCTYPE html>") and b'<meta charset="windows-1252">' in page[:300]
    outside = re.sub(
        rb'(<script type="application/x-assetmap" id="[^"]+">).*?(</script>)', rb"\1\2", page, flags=re.S
    )
    outside.decode("ascii")  # everything but the compressed blocks is ASCII
    assert not re.search(rb"<script[^>]+src=", page) and b"<link" not in page
    assert b"default-src &#x27;none&#x27;" in page
    data, blocks = national_data(page)
    chunks = data["pyramid"]["chunks"]
    assert len(chunks["start"]) > 5
    assert set(blocks) >= {data["pyramid"]["search"], data["pyramid"]["tables"]}
    assert all(f"am-level-{z}" in blocks for z in range(3, data["pyramid"]["detail"]))


def test_national_page_holds_every_shown_asset_once(national) -> None:
    assets = national[0]
    shown = assets.loc[~assets["sensitive"]]
    data, blocks = national_data(national_page(national))
    index = blocks[data["pyramid"]["search"]]
    ids = join_texts(index["asset_id"])
    assert sorted(ids) == sorted(shown["asset_id"]) and len(set(ids)) == len(ids)
    assert len(chunk_positions(data, blocks)) == len(shown)
    for z in range(3, data["pyramid"]["detail"]):
        level = blocks[f"am-level-{z}"]
        assert sum(level["n"]) == len(shown)
        combos = np.asarray(level["combos"]).reshape(-1, 2)
        assert combos[:, 1].sum() == len(shown) and sum(level["m"]) == len(combos)
        partners = combos[:, 0] // 4
        by_partner = np.bincount(partners, weights=combos[:, 1], minlength=len(data["partners"]))
        assert by_partner.tolist() == [p["count"] for p in data["partners"]]


def test_national_records_match_the_register(national) -> None:
    assets = national[0]
    data, blocks = national_data(national_page(national))
    index, tables = blocks[data["pyramid"]["search"]], blocks[data["pyramid"]["tables"]]
    ids, names = join_texts(index["asset_id"]), join_texts(index["name"])
    starts = data["pyramid"]["chunks"]["start"]
    register = assets.set_index("asset_id")
    for k in (0, 777, len(ids) - 1):
        chunk = int(np.searchsorted(starts, k, side="right")) - 1
        cols, row = blocks[f"amc-{chunk}"]["cols"], k - starts[chunk]
        want = register.loc[ids[k]]
        assert cols["gia_m2"][row] == want["gia_m2"]
        assert cols["utilisation"][row] == (None if pd.isna(want["utilisation"]) else want["utilisation"])
        assert tables["use"][cols["use"]["i"][row]] == want["use"]
        reasons = chunk_phrases(cols["reasons"], tables["reasons"])[row]
        assert "; ".join(reasons) == want["reasons"]
        assert data["partners"][index["p"][k]]["name"] == want["partner"]
        assert names[k] == want["name"]


def test_national_page_has_no_sensitive_site(national) -> None:
    assets, clusters, opps, summary = national
    page = national_page(national)
    data, blocks = national_data(page)
    hidden = assets.loc[assets["sensitive"]]
    text = as_text(data, blocks)
    some = assets.loc[~assets["sensitive"]].iloc[0]  # what is shown can be found in the text
    assert some["asset_id"] in text and some["reasons"].split("; ")[0] in text
    for _, row in hidden.iterrows():
        assert row["asset_id"] not in text and row["name"] not in text and row["uprn"] not in text
    # Positions of assets and far cells are the same as for the estate without its sensitive sites.
    kept = assets.loc[~assets["sensitive"]]
    gone = set(hidden["asset_id"])
    kept_opps = opps.loc[~opps["asset_id"].isin(gone) & ~opps["into_asset_id"].isin(gone)]
    without_data, without = national_data(national_page((kept, clusters, kept_opps, summary)))
    assert np.array_equal(chunk_positions(data, blocks), chunk_positions(without_data, without))
    for z in range(3, data["pyramid"]["detail"]):
        for key in ("x", "y", "n", "box"):
            assert blocks[f"am-level-{z}"][key] == without[f"am-level-{z}"][key]


def test_national_hostile_names_are_data(national) -> None:
    page = national_page(national)
    for name in HOSTILE:
        assert name.encode() not in page
    data, blocks = national_data(page)
    names = join_texts(blocks[data["pyramid"]["search"]]["name"])
    assert set(HOSTILE) <= set(names)


def test_national_page_is_deterministic(national) -> None:
    assert national_page(national) == national_page(national)


# ---------------------------------------------------------------- the offline base map


def test_offline_base_map_of_great_britain_is_in_the_page(estate) -> None:
    data = page_data(render(estate))
    base = data["base"]
    districts = base["districts"]
    assert len(districts["code"]) == 380 and "Maidstone" in districts["name"]
    assert "Folkestone and Hythe" in districts["name"] and "Shepway" not in districts["name"]
    assert "Open Government Licence" in base["attribution"] and "Crown copyright" in base["attribution"]
    # The bands get finer closer in, every border of each band is there, and the coast is a part of it.
    counts = [sum(band["points"]) for band in base["bands"]]
    assert counts == sorted(counts) and all(
        len(band["points"]) == len(base["bands"][0]["points"]) for band in base["bands"]
    )
    assert 0 < len(base["coast"]) < len(base["bands"][0]["points"])
    # Maidstone's label point lies in Kent.
    i = districts["name"].index("Maidstone")
    lat, lon = (v / base["scale"] for v in districts["label"][i])
    assert 51.1 < lat < 51.4 and 0.3 < lon < 0.8
    size = len(json.dumps(base, separators=(",", ":")))
    assert size < 700_000, size


# ---------------------------------------------------------------- the page data's format, named once


def _keys(cls: type) -> dict[str, str]:
    return {name: value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str)}


def test_every_key_of_the_page_data_is_named_in_the_page_script() -> None:
    """The format is written down in maps/_payload.py (and _pyramid.py); payload.js names each key
    the page reads once, and the page reads the document only through those names."""
    from assetmap.maps import _payload, _pyramid, _texts
    from assetmap.maps._page import MAP_SCRIPTS

    folder = Path(_payload.__file__).parents[1] / "data" / "map"
    script = (folder / "payload.js").read_text(encoding="utf-8")
    not_read = {"offline", "actions", "sensitive", "blocks", "catLabels"}  # written for other readers
    for key in _keys(_payload.Doc).values():
        if key not in not_read:
            assert re.search(rf"\bdata\.{key}\b|'{key}'", script), key
    for cls in (_payload.Col, _payload.Enc, _payload.Opp, _payload.Clu, _payload.Border, _payload.Area,
                _pyramid.Pyr, _pyramid.Lvl, _texts.Rsn, _texts.Srch):  # fmt: skip
        for key in _keys(cls).values():
            if key not in not_read:
                assert f"'{key}'" in script, (cls.__name__, key)
    assert f"'{_pyramid.INTS}'" in script
    # No other file reads a short key of the document directly.
    for name in MAP_SCRIPTS:
        if name != "payload.js":
            text = (folder / name).read_text(encoding="utf-8")
            assert not re.search(r"\b(data|doc|pyramid)\.(?!js\b)[a-zA-Z]", text), name


def test_unrated_assets_are_drawn_as_not_rated_and_counted_in_clusters(tmp_path: Path) -> None:
    """One code for "not rated": assets rated ``unrated`` (no running cost or utilisation known), or
    with a rating not known, are the ratings table's fourth row in the asset columns, in the clusters'
    counts by rating and in a national page's far cells alike."""
    assets, clusters, _, _ = synthetic_estate(60, seed=4)
    assets.loc[assets.index[::2], "rating"] = "unrated"
    assets.loc[assets.index[1], "rating"] = None
    path = write_map(tmp_path / "map.html", assets=assets, clusters=clusters, config=config())
    data = page_data(path.read_text(encoding="utf-8"))
    codes = data["cols"]["r"]
    shown = ~assets["sensitive"].astype(bool)
    not_rated = (assets["rating"].isna() | (assets["rating"] == "unrated")) & shown
    assert [r[0] for r in data["ratings"]] == ["red", "amber", "green", "unrated"]
    assert set(codes) <= {0, 1, 2, 3} and codes.count(3) == not_rated.sum() > 0
    rag = data["clusters"]["rag"]
    assert sum(row[3] for row in rag) == (assets["cluster_id"].notna() & not_rated).sum()
    assert sum(map(sum, rag)) == (assets["cluster_id"].notna() & shown).sum()  # every member counted once
    national = build_map(assets, clusters=clusters, config=config(pyramid_above=20)).encode("latin-1")
    index, blocks = national_data(national)
    assert index["pyramid"]["ratingCounts"]["3"] == not_rated.sum()
    combos = np.asarray(blocks["am-level-3"]["combos"]).reshape(-1, 2)
    assert combos[combos[:, 0] % 4 == 3, 1].sum() == not_rated.sum()
