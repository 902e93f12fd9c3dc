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
from ._payload import Doc

#: The page's script, by concern, in the order it is put together (``assetmap/data/map/``): one
#: function scope, so a later file uses an earlier one's names (each file says what it gives).
MAP_SCRIPTS: Final = (
    "payload.js", "format.js", "records.js", "basemap.js", "base.js", "popups.js", "clusters.js", "areas.js",
    "moves.js", "markers.js", "search.js", "chunks.js", "pyramid.js", "grid.js", "estate.js", "panels.js",
    "main.js",
)  # fmt: skip
TILE_URL: Final = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_ORIGIN: Final = "https://tile.openstreetmap.org"
_SLOT = re.compile(r"@@([A-Z_]+)@@")
_BLOCKS_HERE = "\x00blocks\x00"
#: The type of the elements holding a national page's compressed blocks (data, never run).
BLOCK_TYPE: Final = "application/x-assetmap"


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


def _slots(payload: dict[str, Any], *, ascii_only: bool) -> dict[str, str]:
    libs = _libraries()
    app_js = map_script()
    scripts = (libs["LEAFLET_JS"], app_js)
    img_src = "data:" if payload[Doc.OFFLINE] else f"data: {TILE_ORIGIN}"
    csp = (
        "default-src 'none'; "
        f"script-src {' '.join(_sha256(s) for s in scripts)}; "
        "style-src 'unsafe-inline'; "
        f"img-src {img_src}; "
        "base-uri 'none'; form-action 'none'"
    )
    title = html.escape(str(payload[Doc.TITLE]), quote=True)
    data = {**payload, Doc.TILES: None if payload[Doc.OFFLINE] else TILE_URL}
    return {
        **libs,
        "CHARSET": "windows-1252" if ascii_only else "utf-8",
        "CSP": html.escape(csp, quote=True),
        "TITLE": title.encode("ascii", "xmlcharrefreplace").decode("ascii") if ascii_only else title,
        "APP_CSS": _data_file("map.css").replace("</style", "<\\/style"),
        "DATA": json_for_script(data, ascii_only=ascii_only),
        "APP_JS": app_js,
        "BLOCKS": "",
    }


def render_page(payload: dict[str, Any]) -> str:
    """The whole HTML document for a county's ``payload`` (:func:`assetmap.maps._build.build_payload`).

    Parameters
    ----------
    payload : dict
        The map's data.

    Returns
    -------
    str
        A self-contained HTML document (UTF-8).
    """
    slots = _slots(payload, ascii_only=False)
    return _SLOT.sub(lambda m: slots[m.group(1)], _data_file("map.html"))


def render_national(payload: dict[str, Any]) -> bytes:
    """The bytes of a national page (:func:`assetmap.maps._national.national_payload`).

    The page is windows-1252: everything is ASCII except the compressed blocks, written as
    bytes (see :func:`assetmap.maps._pyramid.pack`) into elements of type :data:`BLOCK_TYPE`.

    Parameters
    ----------
    payload : dict
        The map's data, with ``blocks`` (element id -> bytes).

    Returns
    -------
    bytes
        A self-contained HTML document.
    """
    payload = dict(payload)
    blocks: dict[str, bytes] = payload.pop(Doc.BLOCKS)
    slots = _slots(payload, ascii_only=True)
    slots["BLOCKS"] = _BLOCKS_HERE
    head, tail = _SLOT.sub(lambda m: slots[m.group(1)], _data_file("map.html")).split(_BLOCKS_HERE)
    parts = [head.encode("ascii")]
    for key, data in blocks.items():
        if b"<" in data or b"\r" in data or b"\x00" in data:
            raise ValueError(f"page block {key} holds a byte the page cannot carry")
        parts += [f'<script type="{BLOCK_TYPE}" id="{html.escape(key, quote=True)}">'.encode("ascii"), data]
        parts.append(b"</script>\n")
    parts.append(tail.encode("ascii"))
    return b"".join(parts)
