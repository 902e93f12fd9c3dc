"""The board map in a real browser: headless Debian Chromium driven by Playwright, network blocked.

Skipped (with the reason) when Playwright or Chromium is not installed; CI installs both
(``apt-get install chromium`` and ``pip install playwright``; Playwright's own browser download
is never used). No test asserts a time: timings are in BENCHMARKS.md (``scripts/bench_map.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from support import DEMO

from assetmap.areas import AreaRun, assign_areas, read_level
from assetmap.config import AreaLevelConfig, Config
from assetmap.geocode import PostcodeLookup
from assetmap.maps import write_map
from assetmap.schema import WGS84
from assetmap.testing import ALERT_TRAP as TRAP
from assetmap.testing import HOSTILE, national_estate, synthetic_estate

expect = None  # playwright.sync_api.expect, set when the browser starts


@pytest.fixture(scope="module")
def browser(browser: object) -> object:
    """The session's Chromium (conftest), once Playwright's ``expect`` is at hand."""
    global expect
    expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect
    return browser


@pytest.fixture(scope="module")
def estate():
    return synthetic_estate(3000, seed=5, hostile=True, sensitive=3, stacked=6)


@pytest.fixture(scope="module")
def map_file(tmp_path_factory: pytest.TempPathFactory, estate) -> Path:
    assets, clusters, opps, summary = estate
    cfg = Config.model_validate({"title": "Browser test", "partners": [{"name": "x", "register": "x"}]})
    path = tmp_path_factory.mktemp("map") / "map.html"
    return write_map(path, assets=assets, clusters=clusters, opportunities=opps, summary=summary, config=cfg)


class Page:
    """An opened map with what the browser reported."""

    def __init__(self, browser, path: Path) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.add_init_script(TRAP)
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type in ("error", "warning") else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("html[data-ready=true]", state="attached", timeout=60_000)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def search(self, text: str) -> str:
        """Type ``text`` in the search box, press Enter; the title of the popup that opens."""
        self.page.fill("#am-search", text)
        self.page.press("#am-search", "Enter")
        self.page.wait_for_selector(".leaflet-popup .am-popup h3", timeout=20_000)
        return self.page.text_content(".leaflet-popup .am-popup h3")


@pytest.fixture
def opened(browser, map_file) -> Iterator[Page]:
    page = Page(browser, map_file)
    yield page
    page.page.close()


def test_opens_offline_without_errors(opened: Page) -> None:
    assert opened.errors == []
    assert opened.console == []
    assert opened.requests == []
    assert opened.page.evaluate("window.assetmap.ready") is True


def test_markers_legend_layers_and_summary(opened: Page, estate) -> None:
    page = opened.page
    assert page.locator(".am-group").count() + page.locator(".am-marker").count() > 0
    legend = page.text_content("#am-legend")
    for text in ("Legend", "Council", "Red: candidate for disposal", "Co-location or disposal planned"):
        assert text in legend
    layers = page.text_content("#am-layers")
    for partner in estate[0]["partner"].unique():
        assert partner in layers
    assert "Running cost released a year" in page.text_content("#am-summary")
    assert page.locator(".leaflet-amMoves-pane canvas").count() == 1


def test_search_finds_an_asset_inside_a_group(opened: Page, estate) -> None:
    assets = estate[0]
    page = opened.page
    drawn_alone = page.evaluate("Object.keys(window.assetmap.grid.where).map(Number)")
    k = next(i for i in range(100, len(assets)) if i not in drawn_alone and not assets["sensitive"].iloc[i])
    assert opened.search(assets["asset_id"].iloc[k]) == assets["name"].iloc[k]
    assert page.evaluate("window.assetmap.openAsset") == k
    assert opened.errors == [] and opened.console == []


def test_search_by_postcode_ignores_case_and_spaces(opened: Page, estate) -> None:
    assets = estate[0]
    target = assets.iloc[250]
    opened.page.fill("#am-search", target["postcode"].replace(" ", "").lower())
    opened.page.wait_for_selector("#am-results button")
    found = opened.page.evaluate(f"window.assetmap.search({target['postcode'].lower()!r})")
    assert 250 in found


def test_stacked_assets_are_spread_out(opened: Page, estate) -> None:
    assets = estate[0]
    assert opened.search(assets["asset_id"].iloc[4]) == assets["name"].iloc[4]
    page = opened.page
    assert page.evaluate("window.assetmap.grid.spiderCell !== null")
    spots = page.evaluate(
        "[0,1,2,3,4,5,6].map(k => window.assetmap.grid.where[k]).filter(Boolean).map(p => [p.lat, p.lng])"
    )
    assert len(spots) == 7
    assert len({(round(a, 7), round(b, 7)) for a, b in spots}) == 7


def test_hostile_names_are_shown_as_text_and_run_nothing(opened: Page, estate) -> None:
    assets = estate[0]
    page = opened.page
    for k in (0, 1):
        assert opened.search(assets["asset_id"].iloc[k]) == HOSTILE[k]
        page.click(".leaflet-popup-close-button")
    opened.page.fill("#am-search", "alert")
    expect(page.locator("#am-results button")).to_have_count(2)
    expect(page.locator("#am-results button").first).to_contain_text(HOSTILE[0])
    page.wait_for_timeout(300)
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("window.__ran") is False
    assert opened.dialogs == []
    assert opened.errors == [] and opened.console == []


def test_filters_hide_and_search_brings_back(opened: Page, estate) -> None:
    assets = estate[0]
    page = opened.page
    page.locator("#am-layers input[type=checkbox]").first.uncheck()
    first = assets["partner"].unique()[0]
    k = int(np.flatnonzero((assets["partner"] == first).to_numpy() & ~assets["sensitive"].to_numpy())[10])
    assert page.evaluate(f"window.assetmap.grid.visible({k})") is False
    assert opened.search(assets["asset_id"].iloc[k]) == assets["name"].iloc[k]
    assert page.locator("#am-layers input[type=checkbox]").first.is_checked()


def test_no_sensitive_site_in_the_file(map_file: Path, estate) -> None:
    assets = estate[0]
    text = map_file.read_text(encoding="utf-8")
    hidden = assets.loc[assets["sensitive"]]
    pts = hidden.to_crs(WGS84).geometry
    for (_, row), lat, lon in zip(hidden.iterrows(), pts.y, pts.x, strict=True):
        assert row["asset_id"] not in text and row["name"] not in text
        for fmt in (".3f", ".4f", ".5f"):
            assert format(lat, fmt) not in text and format(lon, fmt) not in text


def test_top_opportunities_and_home(opened: Page, estate) -> None:
    page = opened.page
    page.click("#am-top summary")
    first = page.locator("#am-top button").first
    assert first.text_content().startswith("#1 ")
    first.click()
    page.wait_for_selector(".leaflet-popup .am-popup h3", timeout=20_000)
    assert page.text_content(".leaflet-popup .am-notes").count("#1 ") == 1
    zoom = page.evaluate("window.assetmap.map.getZoom()")
    page.click(".am-home")
    assert page.evaluate("window.assetmap.map.getZoom()") < zoom
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    assert opened.errors == [] and opened.console == []


def test_online_tiles_that_cannot_load_fall_back_to_the_outline(browser, estate, tmp_path: Path) -> None:
    assets, clusters, opps, summary = estate
    cfg = Config.model_validate(
        {"title": "Online", "partners": [{"name": "x", "register": "x"}], "map": {"offline": False}}
    )
    path = write_map(tmp_path / "online.html", assets=assets, clusters=clusters, opportunities=opps,
                     summary=summary, config=cfg)  # fmt: skip
    page = Page(browser, path)
    try:
        assert any("tile.openstreetmap.org" in url for url in page.requests)  # tried, and blocked here
        page.page.wait_for_selector("body.am-offline", state="attached", timeout=20_000)
        assert "Base map tiles could not load" in page.page.text_content(".leaflet-control-attribution")
        assert page.page.evaluate("window.assetmap.baseBand") >= 0  # the offline base map instead
        assert "Crown copyright" in page.page.text_content(".leaflet-control-attribution")
        assert page.errors == []
    finally:
        page.page.close()


def test_popup_gives_facts_rating_reasons_and_source(opened: Page, estate) -> None:
    assets = estate[0]
    rated = assets[~assets["sensitive"] & assets["rating"].notna() & assets["reasons"].notna()]
    target = rated.iloc[3]
    opened.search(str(target["asset_id"]))
    popup = opened.page.locator(".leaflet-popup .am-popup")
    text = popup.inner_text()
    assert target["partner"] in text
    assert f"From {target['source_file']}, row {int(target['source_row'])}" in text
    assert popup.locator(".am-rating").count() == 1
    first_reason = str(target["reasons"]).split("; ")[0]
    assert first_reason[:40] in popup.locator(".am-reasons").inner_text()
    assert opened.errors == []


def _areas_map(folder: Path, estate, **map_options: object) -> Path:
    """The map with Kent's demo districts and two 'wards' split through a cluster, one named hostilely."""
    import geopandas as gpd
    import shapely

    assets, clusters, opps, summary = estate
    shown = assets.loc[~assets["sensitive"] & assets["cluster_id"].notna()]
    xs = shown.geometry.x.groupby(shown["cluster_id"]).agg(["min", "max"])
    wide = xs[xs["max"] - xs["min"] > 50].iloc[0]
    split = (wide["min"] + wide["max"]) / 2
    wards = gpd.GeoDataFrame(
        {"WD": ["W1", "W2"], "NM": [HOSTILE[0], "Eastside"]},
        geometry=[
            shapely.box(500_000, 100_000, split, 200_000),
            shapely.box(split, 100_000, 660_000, 200_000),
        ],
        crs="EPSG:27700",
    )
    wards.to_file(folder / "wards.geojson")
    districts = AreaLevelConfig(file=DEMO / "kent" / "boundaries" / "districts.geojson", code="LAD13CD")
    levels = {
        "district": read_level(districts, level="district", base_dir=DEMO),
        "ward": read_level(AreaLevelConfig(file=folder / "wards.geojson", code="WD", name="NM"), level="ward",
                           base_dir=folder),
    }  # fmt: skip
    placed, levels = assign_areas(assets, levels=levels, lookup=PostcodeLookup())
    run = AreaRun(assets=placed, levels=levels, border_level="ward")
    partners = [{"name": "x", "register": "x"}]
    cfg = Config.model_validate({"title": "Areas", "partners": partners, "map": map_options})
    return write_map(folder / "map.html", assets=placed, clusters=clusters, opportunities=opps,
                     summary=summary, config=cfg, areas=run)  # fmt: skip


@pytest.fixture(scope="module")
def areas_map(tmp_path_factory: pytest.TempPathFactory, estate) -> Path:
    """A county page with districts and wards (``_areas_map``)."""
    return _areas_map(tmp_path_factory.mktemp("areas"), estate)


@pytest.fixture(scope="module")
def national_areas_map(tmp_path_factory: pytest.TempPathFactory, estate) -> Path:
    """The same estate and areas as a national page (pyramid above 1,000 assets)."""
    return _areas_map(tmp_path_factory.mktemp("national-areas"), estate, pyramid_above=1000)


def test_choropleth_is_off_until_chosen_then_drawn_with_its_legend_and_popups(
    browser, areas_map: Path
) -> None:
    opened = Page(browser, areas_map)
    page = opened.page
    try:
        assert not page.evaluate("window.assetmap.areasDrawn")
        assert page.text_content("#am-area-legend") == ""
        assert page.is_disabled("#am-area-measure")
        page.select_option("#am-area-level", label="Districts")
        assert page.evaluate("window.assetmap.areasDrawn") == 13
        legend = page.text_content("#am-area-legend")
        assert legend.startswith("Districts: Running cost a year") and "No assets, or not known" in legend
        assert page.locator("#am-area-legend .am-class").count() >= 3
        page.select_option("#am-area-measure", label="Utilisation (occupancy / capacity)")
        assert page.text_content("#am-area-legend h4") == "Districts: Utilisation (occupancy / capacity)"
        assert "%" in page.text_content("#am-area-legend")
        # Each area's popup gives its figures; names are text.
        page.select_option("#am-area-level", label="Wards")
        page.evaluate("window.assetmap.areaLayer.getLayers()[0].openPopup(); null")
        popup = page.locator(".leaflet-popup .am-popup")
        assert popup.locator("h3").text_content() == HOSTILE[0]
        for label in ("Assets", "Running cost a year", "Utilisation"):
            assert label in popup.inner_text()
        assert page.locator("img[src='x']").count() == 0 and page.evaluate("window.__ran") is False
        page.select_option("#am-area-level", label="Off")
        assert page.evaluate("window.assetmap.areasDrawn") == 0
        assert page.text_content("#am-area-legend") == ""
        assert opened.errors == [] and opened.console == [] and opened.requests == []
    finally:
        page.close()


def test_clusters_across_a_boundary_are_listed_and_open(browser, areas_map: Path) -> None:
    opened = Page(browser, areas_map)
    page = opened.page
    try:
        assert "Clusters across a boundary" in page.text_content("#am-summary")
        page.click("#am-border-list summary")
        button = page.locator("#am-border-list button").first
        assert "Eastside (W2)" in button.text_content()
        button.click()
        page.wait_for_selector(".leaflet-popup .am-border", timeout=20_000)
        assert page.text_content(".leaflet-popup .am-border").startswith("Across a boundary: ")
        assert "Dashed outline: cluster across a boundary" in page.text_content("#am-legend")
        assert opened.errors == [] and opened.console == []
    finally:
        page.close()


# ---------------------------------------------------------------- a national estate: pyramid and chunks


@pytest.fixture(scope="module")
def national():
    """2,500 assets around twelve towns of Great Britain (2% sensitive): just enough, with the
    pyramid switched on above 1,000, to be drawn as a national map. Every third asset's reasons
    hold numbers written in the ways the page must give back exactly (thousands with commas,
    leading zeros, runs of digits and commas that are not one number)."""
    assets, clusters, opps, summary = national_estate(2500, seed=11, sensitive_share=0.02, places="towns")
    assets.loc[assets.index[1::10], "rating"] = "unrated"  # not rated: its own filter and counts
    every = assets.index[::3]
    extra = [f"freehold, book value £{k * 1013:,}; room for its {k % 40} people at Unit 00{k}, 1,2345 m away"
             for k in range(len(every))]  # fmt: skip
    own = assets.loc[every, "reasons"]
    assets.loc[every, "reasons"] = [f"{more}; {text}" for more, text in zip(extra, own, strict=True)]
    return assets, clusters, opps, summary


@pytest.fixture(scope="module")
def national_file(tmp_path_factory: pytest.TempPathFactory, national) -> Path:
    assets, clusters, opps, summary = national
    cfg = Config.model_validate(
        {
            "title": "National test",
            "partners": [{"name": "x", "register": "x"}],
            "map": {"pyramid_above": 1000},
        }
    )
    path = tmp_path_factory.mktemp("national") / "map.html"
    return write_map(path, assets=assets, clusters=clusters, opportunities=opps, summary=summary, config=cfg)


@pytest.fixture
def national_page(browser, national_file) -> Iterator[Page]:
    page = Page(browser, national_file)
    yield page
    page.page.close()


def _drawn(page) -> int:
    """Assets counted in the groups and markers drawn now."""
    return page.evaluate("window.assetmap.grid.assetsDrawn")


def test_national_map_opens_offline_with_counted_cells(national_page: Page, national) -> None:
    page = national_page.page
    shown = int((~national[0]["sensitive"]).sum())
    assert national_page.errors == [] and national_page.console == [] and national_page.requests == []
    detail = page.evaluate("window.assetmap.map.getZoom() < 20 && JSON.parse(document.getElementById("
                           "'assetmap-data').textContent).pyramid.detail")  # fmt: skip
    assert page.evaluate("window.assetmap.map.getZoom()") < detail
    assert page.evaluate("window.assetmap.chunksRead || 0") == 0  # no record read for the country view
    assert page.locator(".am-group").count() > 3
    assert _drawn(page) == shown


def test_national_filters_count_exactly_from_afar(national_page: Page, national) -> None:
    assets = national[0]
    page = national_page.page
    shown = assets.loc[~assets["sensitive"]]
    first = page.evaluate("JSON.parse(document.getElementById('assetmap-data').textContent).partners[0].name")
    page.locator("#am-layers input[type=checkbox]").first.uncheck()
    assert _drawn(page) == int((shown["partner"] != first).sum())
    page.locator("#am-layers input[type=checkbox]").first.check()
    assert _drawn(page) == len(shown)
    unrated = int((shown["rating"] == "unrated").sum())
    box = page.locator("#am-layers label", has_text="Not rated").locator("input")
    assert page.locator("#am-layers label", has_text="Not rated").text_content() == f"Not rated ({unrated:,})"
    box.uncheck()
    assert _drawn(page) == len(shown) - unrated > 0
    box.check()
    assert _drawn(page) == len(shown)


def test_national_map_zooms_from_the_country_to_one_asset(national_page: Page, national) -> None:
    assets = national[0]
    page = national_page.page
    target = assets.loc[~assets["sensitive"]].to_crs(WGS84).iloc[1234]
    lat, lon = target.geometry.y, target.geometry.x
    on_map = "window.assetmap.map.hasLayer(window.assetmap.clusterLayer)"
    assert page.evaluate(on_map) is False  # cluster shapes wait for the detail zoom
    zoom = page.evaluate("window.assetmap.map.getZoom()")
    while zoom < 18:  # step in towards the asset, as a user would with the wheel
        zoom = min(18, zoom + 2)
        page.evaluate(f"window.assetmap.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        page.wait_for_timeout(150)
    page.wait_for_function("(window.assetmap.chunksRead || 0) > 0", timeout=20_000)
    assert page.evaluate(on_map) and page.evaluate("window.assetmap.clusterLayer.getLayers().length") > 0
    marker = page.locator(f".am-marker[title='{target['name']}']")
    expect(marker.first).to_be_visible(timeout=20_000)
    marker.first.click()
    page.wait_for_selector(".leaflet-popup .am-popup h3", timeout=20_000)
    popup = page.text_content(".leaflet-popup .am-popup")
    assert page.text_content(".leaflet-popup .am-popup h3") == target["name"]
    assert target["asset_id"] in popup and target["postcode"] in popup and target["partner"] in popup
    assert national_page.errors == [] and national_page.console == [] and national_page.requests == []


def test_national_search_finds_any_asset_and_opens_its_popup(national_page: Page, national) -> None:
    assets = national[0]
    shown = assets.loc[~assets["sensitive"]]
    page = national_page.page
    numbered = int(np.flatnonzero(shown["reasons"].str.contains("Unit 00", regex=False))[5])
    for k in (7, numbered, len(shown) // 2, len(shown) - 1):
        target = shown.iloc[k]
        assert national_page.search(target["asset_id"]) == target["name"]
        popup = page.text_content(".leaflet-popup .am-popup")
        assert f"{target['asset_id']}" in popup and f"row {int(target['source_row'])}" in popup
        reasons = page.locator(".leaflet-popup .am-reasons li").all_text_contents()
        assert reasons == target["reasons"].split("; ")
        page.click(".leaflet-popup-close-button")
        expect(page.locator(".leaflet-popup")).to_have_count(0)  # it fades out before it goes
    page.fill("#am-search", shown.iloc[99]["name"])
    expect(page.locator("#am-results button").first).to_contain_text(shown.iloc[99]["name"])
    assert national_page.errors == [] and national_page.console == []


def test_national_sensitive_sites_are_not_found_and_not_counted(national_page: Page, national) -> None:
    assets = national[0]
    page = national_page.page
    hidden = assets.loc[assets["sensitive"]].iloc[0]
    page.fill("#am-search", hidden["asset_id"])
    expect(page.locator("#am-results .am-none")).to_have_text("No asset found")
    page.fill("#am-search", hidden["name"])
    expect(page.locator("#am-results .am-none")).to_have_text("No asset found")
    assert _drawn(page) == int((~assets["sensitive"]).sum())


def test_offline_page_draws_the_base_map_with_district_names(opened: Page) -> None:
    page = opened.page
    assert page.evaluate("window.assetmap.baseBand") >= 0  # Kent's view: districts, not the land alone
    assert "Crown copyright" in page.text_content(".leaflet-control-attribution")
    page.evaluate("window.assetmap.map.setView([51.27, 0.52], 10, {animate: false}); null")
    expect(page.locator(".am-place", has_text="Maidstone")).to_have_count(1)
    page.evaluate("window.assetmap.map.setView([54.5, -2.5], 5, {animate: false}); null")
    assert page.evaluate("window.assetmap.baseBand") == -1 and page.locator(".am-place").count() == 0
    assert page.locator(".leaflet-amBase-pane canvas").count() == 1
    assert opened.errors == [] and opened.console == []


def test_national_top_opportunities_open_their_donor(national_page: Page, national) -> None:
    assets, _, opps, _ = national
    hidden = set(assets.loc[assets["sensitive"], "asset_id"])
    kept = opps.loc[~opps["asset_id"].isin(hidden) & ~opps["into_asset_id"].isin(hidden)]
    top = kept.sort_values("rank").iloc[0]
    page = national_page.page
    page.click("#am-top summary")
    first = page.locator("#am-top button").first
    assert first.text_content().startswith(f"#{top['rank']} ") and top["into_name"] in first.text_content()
    first.click()
    page.wait_for_selector(".leaflet-popup .am-popup h3", timeout=20_000)
    assert page.text_content(".leaflet-popup .am-popup h3") == top["name"]
    assert page.text_content(".leaflet-popup .am-notes").count(f"#{top['rank']} ") == 1
    assert national_page.errors == [] and national_page.console == []


def test_national_clusters_across_a_boundary_are_listed_and_open(browser, national_areas_map: Path) -> None:
    """On a national page the list is in the page's index; a click reads the cluster's chunk, zooms to
    it (where shapes are drawn) and opens its figures."""
    opened = Page(browser, national_areas_map)
    page = opened.page
    try:
        assert page.evaluate("window.assetmap.chunksRead || 0") == 0
        data = "JSON.parse(document.getElementById('assetmap-data').textContent)"
        assert page.evaluate(f"{data}.pyramid !== undefined")
        assert "Clusters across a boundary" in page.text_content("#am-summary")
        page.click("#am-border-list summary")
        button = page.locator("#am-border-list button").first
        text = button.text_content()
        assert text.startswith("Cluster ") and "Eastside (W2)" in text
        button.click()
        page.wait_for_selector(".leaflet-popup .am-border", timeout=20_000)
        assert page.text_content(".leaflet-popup .am-border").startswith("Across a boundary: ")
        assert page.text_content(".leaflet-popup h3") == text.split(":")[0]
        assert page.evaluate("window.assetmap.chunksRead") >= 1
        assert page.evaluate("window.assetmap.map.hasLayer(window.assetmap.clusterLayer)")
        assert "Dashed outline: cluster across a boundary" in page.text_content("#am-legend")
        assert opened.errors == [] and opened.console == [] and opened.requests == []
    finally:
        page.close()


def test_a_browser_without_decompression_streams_is_told_why(browser, national_file: Path) -> None:
    """A national page needs DecompressionStream; a browser without it gets a plain message, no error."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script("delete window.DecompressionStream;")
    try:
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                   else route.abort())  # fmt: skip
        page.goto(national_file.as_uri())
        page.wait_for_selector("html[data-unsupported=true]", state="attached", timeout=60_000)
        note = page.locator("#am-unsupported")
        expect(note).to_be_visible()
        assert "cannot show this map" in note.text_content() and "DecompressionStream" in note.text_content()
        assert "Firefox 113" in note.text_content()
        page.fill("#am-search", "A0")  # the rest of the page stays quiet
        page.wait_for_timeout(300)
        assert errors == [] and page.evaluate("window.assetmap.ready") is False
    finally:
        page.close()
