"""``assetmap.explore()``: a folium map with the board map's essentials, escaped, without
sensitive sites, that opens with no network.

The page tests read the saved HTML; the browser tests open it in headless Debian Chromium
driven by Playwright with every request that is not ``file:`` or ``data:`` refused (as a
locked-down council laptop would), like ``tests/test_browser_map.py``. They are skipped
(with the reason) where Playwright or Chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest

import assetmap
from assetmap.config import Config
from assetmap.plan import PlanResult
from assetmap.schema import WGS84
from assetmap.testing import ALERT_TRAP as TRAP
from assetmap.testing import HOSTILE, make_config, synthetic_estate

HOSTILE_PARTNER = "<img src=y onerror=alert(2)> & Co"


@pytest.fixture(scope="module")
def estate():
    assets, clusters, opps, summary = synthetic_estate(1500, seed=11, hostile=True, sensitive=4, stacked=3)
    assets.loc[2, "name"] = HOSTILE[2]
    assets.loc[3, "name"] = HOSTILE[3]
    assets.loc[4, "reasons"] = HOSTILE[2] + "; " + HOSTILE[0] + "; " + HOSTILE[3]
    dwp = assets["partner"] == "DWP"
    assets.loc[dwp, "partner"] = HOSTILE_PARTNER
    for col in ("partner", "into_partner"):
        opps.loc[opps[col] == "DWP", col] = HOSTILE_PARTNER
    return assets, clusters, opps, summary


def _config(**options: object) -> Config:
    return make_config(title="Explore <test>", **options)


def _plan(estate) -> PlanResult:
    assets, clusters, opps, summary = estate
    none = pd.DataFrame()
    return PlanResult(assets=assets, clusters=clusters, opportunities=opps, summary=summary, moves=none,
                      subproblems=none)  # fmt: skip


@pytest.fixture(scope="module")
def fmap(estate) -> folium.Map:
    return assetmap.explore(_plan(estate), config=_config())


@pytest.fixture(scope="module")
def saved(fmap, tmp_path_factory: pytest.TempPathFactory) -> Path:
    m = fmap
    folium.Marker([51.27, 0.52], popup=folium.Popup("Proposed hub", parse_html=True),
                  tooltip="Added by the analyst").add_to(m)  # fmt: skip
    path = tmp_path_factory.mktemp("explore") / "explore.html"
    m.save(str(path))
    return path


# ---- the page ----


def test_page_loads_nothing_from_the_network(saved: Path) -> None:
    text = saved.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=[\"']https?:", text)
    for library in ("leaflet.markercluster", "featureGroup.subGroup", "jQuery", "L.Icon.Default"):
        assert library.lower() in text.lower()


def test_self_contained_false_is_folium_as_usual(estate) -> None:
    assets = estate[0]
    html = assetmap.explore(assets, self_contained=False).get_root().render()
    assert re.search(r'<script src="https://[^"]+leaflet\.js"', html)
    assert re.search(r'<script src="https://[^"]+leaflet\.markercluster\.js"', html)


def test_folium_icons_keep_their_libraries(estate) -> None:
    m = assetmap.explore(estate[0].head(50))
    assert "awesome-markers" not in m.get_root().render()
    folium.Marker([51.3, 0.5], icon=folium.Icon(color="red")).add_to(m)
    assert "leaflet.awesome-markers" in m.get_root().render()


def test_no_sensitive_site_in_the_page(saved: Path, estate) -> None:
    assets = estate[0]
    text = saved.read_text(encoding="utf-8")
    hidden = assets.loc[assets["sensitive"]]
    assert len(hidden) == 4
    for _, row in hidden.iterrows():
        assert row["asset_id"] not in text and row["name"] not in text
    # every number pair in the page, read as (lon, lat) and as (lat, lon)
    pairs = np.array([(float(a), float(b)) for a, b in re.findall(r"\[(-?\d+\.\d+), (-?\d+\.\d+)\]", text)])
    points = np.vstack([pairs, pairs[:, ::-1]])
    shown = assets.loc[~assets["sensitive"]].geometry
    assert len(pairs) > len(shown)
    for point, metres in zip(hidden.to_crs(WGS84).geometry, hidden.geometry, strict=True):
        near = (np.abs(points[:, 0] - point.x) < 5e-5) & (np.abs(points[:, 1] - point.y) < 5e-5)
        assert not near.any(), f"a position within about 4 m of a sensitive site: {points[near][:3]}"
        assert shown.distance(metres).min() > 10  # no shown asset there, so the check above can fail
    assert "Not shown: 4 (left off the map)" in text


def test_register_text_is_escaped_in_the_page(saved: Path) -> None:
    text = saved.read_text(encoding="utf-8")
    for raw in (*HOSTILE, HOSTILE_PARTNER, "<script>alert(1)"):
        assert raw not in text
    # the template-literal and Jinja names, as character references (& JSON-escaped by folium)
    assert "\\u0026#36;\\u0026#123;alert(1)\\u0026#125;" in text
    assert "\\u0026#123;\\u0026#123; 7*7 \\u0026#125;\\u0026#125;" in text
    assert "49 Jinja ran" not in text  # what Jinja would have made of it


def test_a_layer_per_partner_and_the_plan_layers(fmap, estate) -> None:
    assets = estate[0]
    control = next(c for c in fmap._children.values() if isinstance(c, folium.LayerControl))
    control.render()
    names = list(control.overlays)
    for partner in assets["partner"].unique():
        count = int(((assets["partner"] == partner) & ~assets["sensitive"]).sum())
        if count:
            label = partner.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert any(label in n and f"({count:,})" in n for n in names), partner
    assert {"Clusters", "Planned moves", "Outline"} <= set(names)


def test_too_many_assets_are_refused_politely() -> None:
    assets = synthetic_estate(300, seed=2)[0]
    with pytest.raises(assetmap.MapError, match=r"300 assets are too many.*write_map"):
        assetmap.explore(assets, max_assets=200)
    assert isinstance(assetmap.explore(assets, max_assets=300), folium.Map)
    polygons = assets.set_geometry(assets.buffer(10))
    with pytest.raises(assetmap.MapError, match="points; these have Polygon"):
        assetmap.explore(polygons)


def test_shows_inline_in_jupyter(estate) -> None:
    html = assetmap.explore(estate[0].head(100))._repr_html_()
    assert html.startswith("<div") and "<iframe srcdoc=" in html
    assert "leaflet.markercluster" in html.lower() and "https://cdn" not in html


def test_tiles_follow_the_config(estate) -> None:
    assets = estate[0].head(50)
    offline = assetmap.explore(assets).get_root().render()
    online = assetmap.explore(assets, config=_config(map={"offline": False})).get_root().render()
    assert "tile.openstreetmap.org" not in offline and "tile.openstreetmap.org" in online


# ---- in the browser ----


class Opened:
    """The saved map in a page, with what the browser reported."""

    def __init__(self, browser, path: Path) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.add_init_script(TRAP)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else 0)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector(".marker-cluster", timeout=60_000)

    def _route(self, route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def open_asset(self, asset_id: str) -> str:
        """Open the popup of ``asset_id`` (zooming into its cluster); the popup's text."""
        return self.page.evaluate(
            """(id) => new Promise((done) => {
              const map = Object.values(window).find((v) => v instanceof L.Map);
              const group = Object.values(map._layers).find((l) => l.zoomToShowLayer);
              const marker = group.getLayers().find((m) => m.feature.properties.v.includes(id));
              map.closePopup();
              group.zoomToShowLayer(marker, () => {
                marker.openPopup();
                done(marker.getPopup().getElement().querySelector('.am-popup').innerText);
              });
            })""",
            asset_id,
        )

    def tooltip(self, asset_id: str) -> str:
        """Open the tooltip of ``asset_id`` (shown on hover), once its popup has been opened; its text."""
        self.open_asset(asset_id)
        return self.page.evaluate(
            """(id) => {
              const map = Object.values(window).find((v) => v instanceof L.Map);
              const group = Object.values(map._layers).find((l) => l.zoomToShowLayer);
              const marker = group.getLayers().find((m) => m.feature.properties.v.includes(id));
              marker.openTooltip();
              return marker.getTooltip().getElement().innerText;
            }""",
            asset_id,
        )


@pytest.fixture
def opened(browser, saved: Path) -> Iterator[Opened]:
    page = Opened(browser, saved)
    yield page
    page.page.close()


def test_opens_offline_with_markers_legend_and_layers(opened: Opened, estate) -> None:
    page = opened.page
    assert opened.errors == [] and opened.requests == []
    assert page.locator(".marker-cluster").count() > 0
    legend = page.inner_text("#am-legend")
    for text in ("Explore <test>", "Red: candidate for disposal", "Co-location or disposal planned",
                 "Running cost released a year"):  # fmt: skip
        assert text in legend
    layers = page.inner_text(".leaflet-control-layers")
    assert HOSTILE_PARTNER in layers and "Planned moves" in layers
    assert page.locator(".leaflet-overlay-pane path").count() > 10  # cluster areas, arrows, outline


def test_popup_gives_facts_rating_reasons_and_source(opened: Opened, estate) -> None:
    assets = estate[0]
    target = assets[~assets["sensitive"] & (assets["rating"] == "red")].iloc[5]
    text = opened.open_asset(target["asset_id"])
    assert text.startswith(target["name"])
    assert target["partner"] in text and "Red: candidate for disposal" in text
    assert f"From {target['source_file']}, row {int(target['source_row'])}" in text
    assert str(target["reasons"]).split("; ")[0] in text
    assert target["postcode"] in text
    assert opened.errors == []


def test_hostile_names_show_as_text_and_run_nothing(opened: Opened, estate) -> None:
    assets = estate[0]
    page = opened.page
    for k, name in enumerate(HOSTILE):
        text = opened.open_asset(assets["asset_id"].iloc[k])
        assert text.splitlines()[0] == name
    text = opened.open_asset(assets["asset_id"].iloc[4])
    assert HOSTILE[0] in text and HOSTILE[2] in text and HOSTILE[3] in text
    dwp = assets.index[(assets["partner"] == HOSTILE_PARTNER) & ~assets["sensitive"]][0]
    assert HOSTILE_PARTNER in opened.open_asset(assets["asset_id"].iloc[dwp])
    for k, name in enumerate(HOSTILE):
        assert opened.tooltip(assets["asset_id"].iloc[k]) == name
    page.wait_for_timeout(300)
    assert page.locator("img[src='x'], img[src='y']").count() == 0
    assert page.evaluate("window.__ran") is False
    assert opened.dialogs == [] and opened.errors == []


def test_a_layer_the_analyst_added_works_offline(opened: Opened) -> None:
    page = opened.page
    page.evaluate(
        """() => {
          const map = Object.values(window).find((v) => v instanceof L.Map);
          const added = Object.values(map._layers).find((l) => l.getPopup && l.getPopup() && !l.feature);
          map.setView(added.getLatLng(), 15);
          added.openPopup();
        }"""
    )
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "Proposed hub" in page.inner_text(".leaflet-popup-content")
    icon = page.locator("img.leaflet-marker-icon").first.get_attribute("src")
    assert icon.startswith("data:image/png;base64,")  # the default marker, inlined
    assert opened.errors == [] and opened.requests == []


def test_kent_demo_explores_and_saves(browser, tmp_path: Path) -> None:
    config = assetmap.load_config(Path(__file__).parents[1] / "data" / "demo" / "kent" / "assetmap.yaml")
    plan = assetmap.plan_estate(assetmap.read_registers(config), config)
    m = assetmap.explore(plan, config=config)
    m.save(str(tmp_path / "kent.html"))
    text = (tmp_path / "kent.html").read_text(encoding="utf-8")
    hidden = plan.assets["sensitive"].fillna(False).astype(bool)
    sensitive = plan.assets.loc[hidden]
    assert len(sensitive) == 3
    shown_names = set(plan.assets.loc[~hidden, "name"].astype(str))
    for _, row in sensitive.iterrows():
        assert f'"{row["asset_id"]}"' not in text
        if row["name"] not in shown_names:  # "Oakwood Day Centre" is also another partner's building
            assert str(row["name"]) not in text
    opened = Opened(browser, tmp_path / "kent.html")
    try:
        assert opened.errors == [] and opened.requests == []
        n = opened.page.evaluate(
            """() => { const map = Object.values(window).find((v) => v instanceof L.Map);
              return Object.values(map._layers).find((l) => l.zoomToShowLayer).getLayers().length; }"""
        )
        assert n == len(plan.assets) - len(sensitive)
    finally:
        opened.page.close()
