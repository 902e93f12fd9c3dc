"""Self-contained folium pages: the JavaScript and CSS libraries inlined, nothing fetched.

folium writes ``<script src>`` and ``<link>`` tags pointing at public CDNs. A council laptop
that cannot reach them (no internet, or a proxy that blocks or stalls CDN hosts) shows a
blank page, or waits for the requests to time out. :func:`inline_libraries` replaces those
tags, once everything in the map has been rendered, with the same libraries read from
installed packages: Leaflet (``xstatic-leaflet``, the version folium asks for, with its
images as ``data:`` URLs), jQuery (``xstatic-jquery``, used by folium's popups),
Leaflet.markercluster (``xstatic-leaflet-markercluster``) and Leaflet.FeatureGroup.SubGroup
(vendored in ``assetmap/data``, BSD-2-Clause). The Bootstrap and Font Awesome links folium
adds for ``folium.Icon`` markers are dropped unless the map holds such an icon.
"""

from __future__ import annotations

import base64
import functools
from importlib import resources
from pathlib import Path
from typing import Final

import folium
import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster
from branca.element import CssLink, Element, Figure, JavascriptLink

from ._page import _libraries, _strip_js

#: folium's link names for the libraries only ``folium.Icon`` (Leaflet.awesome-markers) needs.
ICON_LIBRARIES: Final = frozenset(
    {
        "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
        "awesome_markers_css", "awesome_rotate_css",
    }
)  # fmt: skip


class RawHTML(Element):
    """HTML written into the page exactly as given (branca's ``Element`` runs it through Jinja)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "RawHTML"
        self.html = html

    def render(self, **kwargs: object) -> str:
        """The HTML."""
        return self.html


def _script(text: str) -> RawHTML:
    return RawHTML(f"<script>{_strip_js(text)}</script>")


def _css(text: str) -> RawHTML:
    return RawHTML("<style>" + text.replace("</style", "<\\/style") + "</style>")


def _data_url(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.cache
def libraries() -> dict[str, RawHTML]:
    """folium's library link names -> the same library inlined from an installed package."""
    leaflet = _libraries()
    images = Path(xleaflet.BASE_DIR) / "images"
    icon_fix = (
        "L.Icon.Default.imagePath = '';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl: '{_data_url(images / 'marker-icon.png')}',"
        f"iconRetinaUrl: '{_data_url(images / 'marker-icon-2x.png')}',"
        f"shadowUrl: '{_data_url(images / 'marker-shadow.png')}'}});"
    )
    cluster = Path(xcluster.BASE_DIR)
    subgroup = resources.files("assetmap").joinpath("data", "leaflet.featuregroup.subgroup.js")
    return {
        "leaflet": _script(leaflet["LEAFLET_JS"] + "\n" + icon_fix),
        "leaflet_css": RawHTML(f"<style>{leaflet['LIB_CSS']}</style>"),
        "jquery": _script((Path(xjquery.BASE_DIR) / "jquery.min.js").read_text("utf-8")),
        "markerclusterjs": _script((cluster / "leaflet.markercluster.js").read_text("utf-8")),
        "markerclustercss": _css((cluster / "MarkerCluster.css").read_text("utf-8")),
        "markerclusterdefaultcss": _css((cluster / "MarkerCluster.Default.css").read_text("utf-8")),
        "featuregroupsubgroupjs": _script(subgroup.read_text(encoding="utf-8")),
    }


def _uses_awesome_icons(element: Element) -> bool:
    stack = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, folium.Icon):
            return True
        stack.extend(node._children.values())
    return False


def inline_libraries(figure: Figure, map_element: Element) -> None:
    """Replace the CDN links in ``figure``'s header by inlined libraries, in place.

    Parameters
    ----------
    figure : branca.element.Figure
        The rendered page root (its header holds folium's ``JavascriptLink``/``CssLink``).
    map_element : Element
        The map, searched for ``folium.Icon`` markers (which keep their CDN links).
    """
    inline = libraries()
    keep_icons = _uses_awesome_icons(map_element)
    header = figure.header._children
    for name in list(header):
        child = header[name]
        if not isinstance(child, (JavascriptLink, CssLink)):
            continue
        if name in inline:
            header[name] = inline[name]
        elif name in ICON_LIBRARIES and not keep_icons:
            del header[name]


__all__ = ["ICON_LIBRARIES", "RawHTML", "inline_libraries", "libraries"]
