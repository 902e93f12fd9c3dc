"""The offline base map: the land of Great Britain and its local authority districts.

``assetmap/data/gb_base.json`` (built by ``scripts/make_offline_base.py`` from ONS/OS
boundaries, Open Government Licence v3.0; see ``assetmap/data/gb_base.README.md``) holds the
land for the country view and the districts' borders simplified for two closer zoom bands,
with each district's name and label point. The page draws it whenever it has no base map
tiles (offline, or tiles that cannot load), under everything else.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def _text() -> str:
    return resources.files("assetmap").joinpath("data", "gb_base.json").read_text(encoding="ascii")


def base_map() -> dict[str, Any]:
    """The base map's data (a fresh copy; the format is described in the building script)."""
    return json.loads(_text())


__all__ = ["base_map"]
