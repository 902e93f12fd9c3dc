"""The estate as a folium map, for notebooks: the board map's essentials as folium layers.

:func:`explore_map` reads the board map's own page data (:func:`~assetmap.maps._build.build_payload`:
the same filtering of sensitive sites, the same cluster figures, the same opportunities and
reasons with hidden sites' names replaced) and turns it into ordinary folium layers the
analyst can add to, show inline and save:

- one layer per partner (a ``FeatureGroupSubGroup`` of one ``MarkerCluster``, so all
  partners are grouped together and each can be switched off), markers coloured by partner
  kind with the use letter and a red/amber/green ring, as on the board map;
- cluster areas coloured by opportunity, planned moves as arrows, the place's outline;
- a legend with the summary figures.

Register text reaches the page only as escaped HTML (:func:`assetmap.maps._escape.escape_text`),
carried in GeoJSON properties (which folium writes with Jinja's ``tojson``, so no value can
close the ``<script>``) and given to Leaflet's ``bindPopup``/``bindTooltip``; nothing goes
through folium's ``Popup``/``Tooltip`` templates, whose JavaScript template literals would
run a ``${...}`` in a name. The page carries its libraries (:mod:`assetmap.maps._offline`).
"""

from __future__ import annotations

import math
from typing import Any, Final

import folium
import geopandas as gpd
import pandas as pd
from folium.plugins import FeatureGroupSubGroup, MarkerCluster
from folium.utilities import JsCode

from .._errors import MapError
from ..config import Config
from ._build import build_payload
from ._escape import escape_text, json_for_script
from ._folium_text import Opportunities, PageData, asset_properties, cluster_popup, swatch, tables
from ._offline import RawHTML, inline_libraries
from ._page import _data_file, _strip_js
from ._style import (
    CLUSTER_CATEGORIES,
    KIND_COLOURS,
    KIND_LABELS,
    NOT_RATED,
    RATING_COLOURS,
    RATING_LABELS,
    RATINGS,
)

#: Above this many assets :func:`explore_map` refuses and points to the board map
#: (``write_map``); see BENCHMARKS.md, "folium explore", for the measurements behind it.
MAX_ASSETS: Final = 20_000
MOVE_COLOUR: Final = "#6a3d9a"

#: Popup and tooltip from the feature's already escaped HTML.
_BIND_JS: Final = JsCode(
    """function (feature, layer) {
  var p = feature.properties;
  if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 360, minWidth: 240}); }
  if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
}"""
)


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _positions(page: PageData) -> tuple[list[float], list[float]]:
    lat0, lon0 = page.p["origin"]
    scale = page.p["scale"]
    lat = [round(lat0 + v / scale, 5) for v in page.p["cols"]["lat"]]
    lon = [round(lon0 + v / scale, 5) for v in page.p["cols"]["lon"]]
    return lat, lon


def _rings(page: PageData, polygons: list[list[list[int]]]) -> list[list[list[list[float]]]]:
    """Delta-encoded page polygons as GeoJSON polygon coordinates (lon, lat)."""
    lat0, lon0 = page.p["origin"]
    scale = page.p["scale"]
    out = []
    for rings in polygons:
        poly = []
        for ring in rings:
            a = b = 0
            coords = []
            for j in range(0, len(ring), 2):
                a, b = a + ring[j], b + ring[j + 1]
                coords.append([round(lon0 + b / scale, 5), round(lat0 + a / scale, 5)])
            poly.append(coords)
        out.append(poly)
    return out


def _labels(page: PageData) -> list[str]:
    names, ids = page.col("name"), page.col("asset_id")
    return [names[k] or ids[k] or f"Asset {k + 1}" for k in range(page.n)]


def _asset_js(fmap: folium.Map, page: PageData) -> tuple[JsCode, JsCode]:
    """``pointToLayer`` and ``onEachFeature`` for this map's assets; their code and shared table
    go once into the page's header."""
    kinds = [p["kind"] if p["kind"] in KIND_COLOURS else "other" for p in page.p["partners"]]
    shared = tables(page) | {
        "fill": [KIND_COLOURS[k] for k in kinds],
        "ring": [RATING_COLOURS[r] for r in RATINGS],
        "notRated": NOT_RATED,
        "glyph": [glyph for _, glyph in page.p["uses"]],
    }
    name = "am_" + fmap.get_name()
    code = _data_file("explore.js").replace("@@NAME@@", name).replace("@@TABLES@@", json_for_script(shared))
    fmap.get_root().header.add_child(RawHTML(f"<script>{_strip_js(code)}</script>"), name=name)
    return JsCode(f"{name}.point"), JsCode(f"{name}.bind")


def _partner_layers(fmap: folium.Map, page: PageData, opps: Opportunities, labels: list[str]) -> None:
    """One clustered layer per partner, every partner in one ``MarkerCluster``."""
    lat, lon = _positions(page)
    group = MarkerCluster(name="Assets", control=False, chunkedLoading=True, showCoverageOnHover=False)
    group.add_to(fmap)
    members: dict[int, list[int]] = {}
    for k, p in enumerate(page.p["cols"]["p"]):
        members.setdefault(p, []).append(k)
    point, bind = _asset_js(fmap, page)
    props = asset_properties(page, labels, opps)
    for p, partner in enumerate(page.p["partners"]):
        kind = partner["kind"] if partner["kind"] in KIND_COLOURS else "other"
        points = members.get(p, [])
        features = [_feature({"type": "Point", "coordinates": [lon[k], lat[k]]}, **props[k]) for k in points]
        name = f"{swatch(KIND_COLOURS[kind])} {escape_text(partner['name'])} ({len(features):,})"
        layer = FeatureGroupSubGroup(group, name=name).add_to(fmap)
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features}, pointToLayer=point, onEachFeature=bind
        ).add_to(layer)


def _cluster_layer(fmap: folium.Map, page: PageData) -> None:
    clusters = page.p["clusters"]
    if not clusters.get("id"):
        return
    features = []
    for i, cid in enumerate(clusters["id"]):
        _, label, colour = CLUSTER_CATEGORIES[clusters["cat"][i]]
        features.append(
            _feature(
                {"type": "MultiPolygon", "coordinates": _rings(page, clusters["rings"][i])},
                style={"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.2},
                tip=escape_text(f"Cluster {cid}: {label}"),
                popup=cluster_popup(clusters, i, label),
            )
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="Clusters", on_each_feature=_BIND_JS
    ).add_to(fmap)


def _arrow(a: tuple[float, float], b: tuple[float, float]) -> list[list[list[float]]]:
    """A line from ``a`` to ``b`` (lat, lon) and a head a quarter of its length, as lon/lat lines."""
    k = math.cos(math.radians(a[0]))
    dx, dy = (b[1] - a[1]) * k, b[0] - a[0]
    length = math.hypot(dx, dy)
    line = [[a[1], a[0]], [b[1], b[0]]]
    if not length:
        return [line]
    h, ux, uy = length * 0.25, -dx / length, -dy / length
    c, s = math.cos(0.45), math.sin(0.45)
    h1 = [b[1] + h * (ux * c - uy * s) / k, b[0] + h * (ux * s + uy * c)]
    h2 = [b[1] + h * (ux * c + uy * s) / k, b[0] + h * (-ux * s + uy * c)]
    return [line, [[round(v, 6) for v in h1], [b[1], b[0]], [round(v, 6) for v in h2]]]


def _move_layer(fmap: folium.Map, page: PageData, opps: Opportunities) -> None:
    moves = opps.moves()
    if not moves:
        return
    lat, lon = _positions(page)
    style = {"color": MOVE_COLOUR, "weight": 3, "opacity": 0.9}
    features = [
        _feature(
            {"type": "MultiLineString", "coordinates": _arrow((lat[d], lon[d]), (lat[t], lon[t]))},
            style=style,
            tip=escape_text(opps.text(q, d)),
        )
        for q, d, t in moves
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name="Planned moves", on_each_feature=_BIND_JS
    ).add_to(fmap)


def _outline_layer(fmap: folium.Map, page: PageData, filled: bool) -> None:
    if not page.p["outline"]:
        return
    style = {"color": "#4a5560", "weight": 2, "dashArray": "6 4", "fillColor": "#ffffff",
             "fillOpacity": 0.7 if filled else 0}  # fmt: skip
    geometry = {"type": "MultiPolygon", "coordinates": _rings(page, page.p["outline"])}
    folium.GeoJson(_feature(geometry, style=style), name="Outline", interactive=False).add_to(fmap)


def _legend(page: PageData, has_moves: bool) -> str:
    """The legend and summary panel (every text escaped)."""

    def item(mark: str, text: str) -> str:
        return f'<div class="am-item">{mark}{escape_text(text)}</div>'

    parts = [f'<div class="am-legend" id="am-legend"><h3>{escape_text(page.p["title"])}</h3>']
    parts += [item("", f"{label}: {value}") for label, value in page.p["summary"]]
    parts.append("<details open><summary>Legend</summary>")
    parts.append("<h4>Partner</h4>")
    kinds = {p["kind"] if p["kind"] in KIND_COLOURS else "other" for p in page.p["partners"]}
    parts += [item(swatch(KIND_COLOURS[k]), KIND_LABELS[k]) for k in KIND_COLOURS if k in kinds]
    parts.append("<h4>Rating (ring)</h4>")
    parts += [item(swatch(RATING_COLOURS[r], "am-ring"), RATING_LABELS[r]) for r in RATINGS]
    parts.append("<h4>Use</h4>")
    parts += [item(f'<span class="am-glyph">{escape_text(g)}</span>', label) for label, g in page.p["uses"]]
    if page.p["clusters"].get("id"):
        parts.append("<h4>Clusters</h4>")
        parts += [item(swatch(colour, "am-area"), label) for _, label, colour in CLUSTER_CATEGORIES]
    if has_moves:
        parts.append(item('<span class="am-arrow">&rarr;</span>', "Planned move of people"))
    parts.append("</details></div>")
    return "".join(parts)


class ExploreMap(folium.Map):
    """A ``folium.Map`` whose page carries Leaflet and the plugins it uses, so it needs no network.

    With ``self_contained=False`` it is an ordinary folium map loading them from CDNs.
    """

    def __init__(self, *args: Any, self_contained: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.self_contained = self_contained

    def render(self, **kwargs: Any) -> None:
        """Render as folium does, then replace CDN links by the inlined libraries."""
        super().render(**kwargs)
        if self.self_contained:
            inline_libraries(self.get_root(), self)


def _check_size(n: int, max_assets: int) -> None:
    if n > max_assets:
        msg = (
            f"{n:,} assets are too many for a folium map (it stays usable up to about {max_assets:,}: "
            "every marker is its own object in the page). Use assetmap.write_map(result, 'map.html') "
            "for the board map, which stays quick at 100,000, or pass max_assets= to try anyway."
        )
        raise MapError(msg)


def explore_map(
    assets: gpd.GeoDataFrame,
    *,
    clusters: gpd.GeoDataFrame | None = None,
    opportunities: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    config: Config,
    tiles: str | None = "auto",
    self_contained: bool = True,
    max_assets: int = MAX_ASSETS,
    **map_kwds: Any,
) -> ExploreMap:
    """The estate as a folium map (see :func:`assetmap.explore` for the parameters)."""
    _check_size(len(assets), max_assets)
    page = PageData(
        build_payload(assets, clusters=clusters, opportunities=opportunities, summary=summary, config=config)
    )
    if tiles == "auto":
        tiles = None if config.map.offline else "OpenStreetMap"
    map_kwds = {"control_scale": True, "maxZoom": 19, **map_kwds}
    fmap = ExploreMap(tiles=tiles, self_contained=self_contained, **map_kwds)
    fmap.get_root().header.add_child(
        RawHTML(f"<style>{_data_file('explore.css')}</style>"), name="assetmap_css"
    )
    labels = _labels(page)
    opps = Opportunities(page.p["opps"], labels, [page.p["partners"][p]["name"] for p in page.p["cols"]["p"]])
    _outline_layer(fmap, page, filled=tiles is None)
    _cluster_layer(fmap, page)
    _move_layer(fmap, page, opps)
    _partner_layers(fmap, page, opps, labels)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(RawHTML(_legend(page, bool(opps.moves()))), name="assetmap_legend")
    bounds = _bounds(page)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(30, 30))
    return fmap


def _bounds(page: PageData) -> list[list[float]] | None:
    lat0, lon0 = page.p["origin"]
    scale = page.p["scale"]
    b = page.p["bounds"]
    if b is None:
        if not page.p["outline"]:
            return None
        pts = [pt for poly in _rings(page, page.p["outline"]) for ring in poly for pt in ring]
        lons, lats = [p[0] for p in pts], [p[1] for p in pts]
        return [[min(lats), min(lons)], [max(lats), max(lons)]]
    (south, west), (north, east) = b
    return [[lat0 + south / scale, lon0 + west / scale], [lat0 + north / scale, lon0 + east / scale]]


__all__ = ["MAX_ASSETS", "ExploreMap", "explore_map"]
