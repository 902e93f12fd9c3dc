"""The page: a small HTML template with Leaflet and the map's script inlined.

Nothing is fetched at run time: Leaflet comes from the installed ``xstatic-leaflet``
package, its CSS images become ``data:`` URLs,
and the page's Content-Security-Policy lets only the page's own scripts (by hash) run and
allows no connection, so a value that somehow became markup still could not run.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from importlib import resources
from pathlib import Path
from typing import Any, Final

import xstatic.pkg.leaflet as xleaflet

from ._escape import json_for_script

#: The page's script, by concern, in the order it is put together (``assetmap/data/map/``): one
#: function scope, so a later file uses an earlier one's names (each file says what it gives).
MAP_SCRIPTS: Final = (
    "payload.js", "format.js", "records.js", "basemap.js", "popups.js", "clusters.js", "areas.js",
    "moves.js", "markers.js", "search.js", "grid.js", "estate.js", "panels.js", "main.js",
)  # fmt: skip
TILE_URL: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ORIGIN: Final = "https://tile.openstreetmap.org"
_SLOT = re.compile(r"@@([A-Z_]+)@@")


def _data_file(name: str) -> str:
    return resources.files("assetmap").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def map_script() -> str:
    """The board map's script: the files of :data:`MAP_SCRIPTS` in one strict-mode closure."""
    parts = [f"/* ---- {name} ---- */\n" + _data_file(f"map/{name}") for name in MAP_SCRIPTS]
    return _strip_js("(function () {\n'use strict';\n" + "\n".join(parts) + "}());\n")


def _strip_js(text: str) -> str:
    text = re.sub(r"//# sourceMappingURL=\S*", "", text)
    return text.replace("</script", "<\\/script")


@functools.cache
def _libraries() -> dict[str, str]:
    """Leaflet's JS and CSS, with CSS images as data URLs."""
    leaflet = Path(xleaflet.BASE_DIR)

    def image(match: re.Match[str]) -> str:
        data = (leaflet / "images" / match.group(1)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", image, (leaflet / "leaflet.css").read_text("utf-8"))
    return {
        "LIB_CSS": css.replace("</style", "<\\/style"),
        "LEAFLET_JS": _strip_js((leaflet / "leaflet.js").read_text("utf-8")),
        "LEAFLET_VERSION": xleaflet.VERSION,
    }


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render_page(payload: dict[str, Any]) -> str:
    """The whole HTML document for ``payload`` (see :func:`assetmap.maps._build.build_payload`).

    Parameters
    ----------
    payload : dict
        The map's data.

    Returns
    -------
    str
        A self-contained HTML document.
    """
    libs = _libraries()
    app_js = map_script()
    scripts = (libs["LEAFLET_JS"], app_js)
    img_src = "data:" if payload["offline"] else f"data: {TILE_ORIGIN}"
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(_sha256(s) for s in scripts)}; "
        "style-src 'unsafe-inline'; "
        f"img-src {img_src}; "
        "base-uri 'none'; form-action 'none'"
    )
    slots = {
        **libs,
        "CSP": html.escape(csp, quote=True),
        "TITLE": html.escape(str(payload["title"]), quote=True),
        "APP_CSS": _data_file("map.css").replace("</style", "<\\/style"),
        "DATA": json_for_script({**payload, "tiles": None if payload["offline"] else TILE_URL}),
        "APP_JS": app_js,
    }
    return _SLOT.sub(lambda m: slots[m.group(1)], _data_file("map.html"))
